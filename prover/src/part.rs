//! Parts of a snapshot on disk, and their merge.
//!
//! A part is step 1 of the snapshot ([`crate::snapshot::commit_stream`])
//! for one shard, written to a directory:
//!
//! * `packages/<license_id>.json`: the shard's packages, paths not yet
//!   filled in;
//! * `leaves.csv`: `license_id,registry_leaf`, one line per package, in
//!   increasing id order;
//! * `exclusions.csv`: the shard's exclusions (`license_id,reason`);
//! * `part.json` (format [`PART_FORMAT`]), written last: the program,
//!   shape, threshold, the shard, the digests of both input files, where
//!   the salts came from, and the counts.
//!
//! The merge ([`merge`]) takes every part of a snapshot, refuses
//! incomplete or foreign sets, builds both trees, fills in each package's
//! paths and writes `snapshot.json` and the public exclusion list. A
//! one-machine snapshot is the merge of its single part (shard `0/1`), so
//! both give the same bytes.
//!
//! Files of a part and of a merge are written into a directory the caller
//! keeps private until every file is complete (a staging directory renamed
//! into place at the end), so they are written in place, without a
//! temporary file each.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use eligo_circuits::native::{fp_from_hex, fp_to_hex};
use eligo_circuits::{ExclusionReason, Fp, Shape, StatementError, Threshold};
use eligo_verifier::{SnapshotPublic, ThresholdFields};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::inputs::{self, ExclusionInput, InputError, TaskStream};
use crate::package::{Package, MAX_PACKAGE_BYTES};
use crate::salt::SaltSource;
use crate::shard::Shard;
use crate::snapshot::{self, Committed, SnapshotConfig, StreamError, Trees};

/// Format tag of a part's manifest.
pub const PART_FORMAT: &str = "eligo-snapshot-part/1";
/// A part's manifest, written last.
pub const MANIFEST_FILE: &str = "part.json";
/// A part's registry leaves.
pub const LEAVES_FILE: &str = "leaves.csv";
/// Packages of a part, and of a snapshot.
pub const PACKAGES_DIR: &str = "packages";
/// The public file of a snapshot.
pub const SNAPSHOT_FILE: &str = "snapshot.json";
/// Header of [`LEAVES_FILE`].
pub const LEAVES_HEADER: [&str; 2] = ["license_id", "registry_leaf"];
/// Largest manifest read (its list of over-capacity licenses included).
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Why a part or a merge failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// An input file is malformed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A value is outside the statement.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A part is malformed, or the parts do not make one snapshot.
    #[error("{}: {message}", path.display())]
    Part {
        /// The part (or its file) at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl From<StreamError<SnapshotError>> for SnapshotError {
    fn from(e: StreamError<SnapshotError>) -> Self {
        match e {
            StreamError::Input(e) => SnapshotError::Input(e),
            StreamError::Statement(e) => SnapshotError::Statement(e),
            StreamError::Sink(e) => e,
        }
    }
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn part_error(path: &Path, message: impl Into<String>) -> SnapshotError {
    SnapshotError::Part {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Writes a file of a private (staging) directory, which must exist.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    (|| {
        let mut f = fs::File::create(path)?;
        f.write_all(bytes)
    })()
    .map_err(io_at(path))
}

/// A part's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartManifest {
    /// [`PART_FORMAT`].
    pub format: String,
    /// Program identifier.
    pub program_id: String,
    /// Log capacity.
    pub capacity: usize,
    /// Tree depth.
    pub depth: u32,
    /// Participation threshold.
    pub threshold: ThresholdFields,
    /// This part's shard index.
    pub shard: u32,
    /// Shards of the snapshot.
    pub shards: u32,
    /// BLAKE2b-256 of the tasks file's bytes (hex).
    pub tasks_digest: String,
    /// BLAKE2b-256 of the exclusions file's bytes (hex).
    pub exclusions_digest: String,
    /// Where the salts came from ([`SaltSource::describe`]).
    pub salts: String,
    /// Packages in the part.
    pub licenses: u64,
    /// Exclusions of the shard's licenses.
    pub excluded: u64,
    /// The shard's licenses with more tasks than the capacity:
    /// `[license, tasks]`.
    pub oversized: Vec<(u64, usize)>,
}

impl PartManifest {
    /// The snapshot settings it records.
    fn config(&self, path: &Path) -> Result<SnapshotConfig, SnapshotError> {
        let shape = Shape::new(self.capacity, self.depth)
            .map_err(|e| part_error(path, format!("capacity/depth: {e}")))?;
        let threshold = Threshold::new(self.threshold.num, self.threshold.den)
            .map_err(|e| part_error(path, format!("threshold: {e}")))?;
        Ok(SnapshotConfig {
            shape,
            threshold,
            program_id: self.program_id.clone(),
        })
    }

    /// The fields every part of one snapshot shares, named and shown as a
    /// refusal to merge prints them.
    fn shared_fields(&self) -> [(&'static str, String); 8] {
        [
            ("program_id", format!("{:?}", self.program_id)),
            ("capacity", self.capacity.to_string()),
            ("depth", self.depth.to_string()),
            (
                "threshold",
                format!("{}/{}", self.threshold.num, self.threshold.den),
            ),
            ("shards", self.shards.to_string()),
            ("tasks file", format!("digest {}", self.tasks_digest)),
            (
                "exclusions file",
                format!("digest {}", self.exclusions_digest),
            ),
            ("salts", self.salts.clone()),
        ]
    }

    /// Its shard.
    fn shard(&self, path: &Path) -> Result<Shard, SnapshotError> {
        Shard::new(u64::from(self.shard), u64::from(self.shards))
            .map_err(|e| part_error(path, e.to_string()))
    }
}

/// A part: its directory, manifest, leaves and exclusions.
#[derive(Debug)]
pub struct Part {
    /// Where it is.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: PartManifest,
    /// `(license, registry leaf)` by id.
    pub leaves: Vec<(u64, Fp)>,
    /// The shard's exclusions.
    pub exclusions: BTreeMap<u64, ExclusionReason>,
}

/// Step 1 of the snapshot for `shard`, written as a part into `dir` (an
/// existing, private directory). `written(done, package)` is called as
/// each package is written (from any thread), `done` counting them.
pub fn write_part(
    dir: &Path,
    config: &SnapshotConfig,
    shard: Shard,
    stream: &mut TaskStream<'_>,
    exclusions: &ExclusionInput,
    salts: &mut (impl SaltSource + Send),
    written: &(dyn Fn(usize, &Package) + Sync),
) -> Result<Part, SnapshotError> {
    let packages = dir.join(PACKAGES_DIR);
    fs::create_dir(&packages).map_err(io_at(&packages))?;
    let done = AtomicUsize::new(0);
    let sink = |c: Committed| -> Result<(), SnapshotError> {
        let path = packages.join(format!("{}.json", c.license_id));
        write_new(&path, &c.package.to_json())?;
        written(done.fetch_add(1, Ordering::Relaxed) + 1, &c.package);
        Ok(())
    };
    let salts_from = salts.describe();
    let committing = snapshot::commit_stream(config, stream, salts, &sink, &|_| {})?;
    let own: BTreeMap<u64, ExclusionReason> = exclusions
        .list
        .iter()
        .filter(|(id, _)| shard.owns(**id))
        .map(|(id, r)| (*id, *r))
        .collect();
    let mut leaves = String::with_capacity(committing.leaves.len() * 80 + 32);
    leaves.push_str(&LEAVES_HEADER.join(","));
    leaves.push('\n');
    for (id, leaf) in &committing.leaves {
        leaves.push_str(&format!("{id},{}\n", fp_to_hex(leaf)));
    }
    write_new(&dir.join(LEAVES_FILE), leaves.as_bytes())?;
    write_new(
        &dir.join(snapshot::EXCLUSION_LIST_FILE),
        snapshot::exclusion_list_csv(&own).as_bytes(),
    )?;
    let manifest = PartManifest {
        format: PART_FORMAT.into(),
        program_id: config.program_id.clone(),
        capacity: config.shape.capacity(),
        depth: config.shape.depth(),
        threshold: ThresholdFields {
            num: config.threshold.num(),
            den: config.threshold.den(),
        },
        shard: shard.index(),
        shards: shard.count(),
        tasks_digest: hex::encode(stream.digest()),
        exclusions_digest: hex::encode(exclusions.digest),
        salts: salts_from,
        licenses: committing.leaves.len() as u64,
        excluded: own.len() as u64,
        oversized: committing.oversized,
    };
    let mut json = serde_json::to_vec_pretty(&manifest).expect("serializable");
    json.push(b'\n');
    write_new(&dir.join(MANIFEST_FILE), &json)?;
    Ok(Part {
        dir: dir.to_path_buf(),
        manifest,
        leaves: committing.leaves,
        exclusions: own,
    })
}

/// Reads a part directory and checks it is whole: a manifest, a leaf per
/// license of the shard (in increasing order), the shard's exclusions.
pub fn read_part(dir: &Path) -> Result<Part, SnapshotError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let meta = fs::metadata(&manifest_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            part_error(
                dir,
                format!(
                    "not a snapshot part: no {MANIFEST_FILE} (a part is written by \
                     `eligo snapshot --shard I/N --out DIR`, its {MANIFEST_FILE} last)"
                ),
            )
        } else {
            io_at(&manifest_path)(e)
        }
    })?;
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(part_error(
            &manifest_path,
            format!("{} bytes, more than {MAX_MANIFEST_BYTES}", meta.len()),
        ));
    }
    let bytes = fs::read(&manifest_path).map_err(io_at(&manifest_path))?;
    let manifest: PartManifest = serde_json::from_slice(&bytes)
        .map_err(|e| part_error(&manifest_path, format!("not a part manifest: {e}")))?;
    if manifest.format != PART_FORMAT {
        return Err(part_error(
            &manifest_path,
            format!("format {:?}, expected {PART_FORMAT:?}", manifest.format),
        ));
    }
    let config = manifest.config(&manifest_path)?;
    let shard = manifest.shard(&manifest_path)?;
    let shape = config.shape;

    let leaves_path = dir.join(LEAVES_FILE);
    let data = fs::read(&leaves_path).map_err(io_at(&leaves_path))?;
    let mut leaves: Vec<(u64, Fp)> = Vec::new();
    inputs::for_each_csv_row(&leaves_path, &data, &LEAVES_HEADER, |line, rec| {
        let at = |m: String| InputError::at(&leaves_path, Some(line), m);
        let id: u64 = rec[0]
            .parse()
            .map_err(|_| at(format!("license_id {:?} is not an integer", rec[0])))?;
        shape.check_license(id).map_err(|e| at(e.to_string()))?;
        if !shard.owns(id) {
            return Err(at(format!("license {id} is not of shard {shard}")));
        }
        if let Some((last, _)) = leaves.last() {
            if id <= *last {
                return Err(at(format!(
                    "license {id} after license {last}: leaves are in increasing order"
                )));
            }
        }
        let leaf = fp_from_hex(rec[1]).map_err(|e| at(format!("registry_leaf: {e}")))?;
        leaves.push((id, leaf));
        Ok(())
    })?;
    if leaves.len() as u64 != manifest.licenses {
        return Err(part_error(
            &leaves_path,
            format!(
                "{} leaves, but {MANIFEST_FILE} counts {} licenses",
                leaves.len(),
                manifest.licenses
            ),
        ));
    }
    let excl_path = dir.join(snapshot::EXCLUSION_LIST_FILE);
    let data = fs::read(&excl_path).map_err(io_at(&excl_path))?;
    let exclusions = inputs::parse_exclusions(&excl_path, &data, &shape)?;
    if let Some(id) = exclusions.keys().find(|id| !shard.owns(**id)) {
        return Err(part_error(
            &excl_path,
            format!("license {id} is not of shard {shard}"),
        ));
    }
    if exclusions.len() as u64 != manifest.excluded {
        return Err(part_error(
            &excl_path,
            format!(
                "{} exclusions, but {MANIFEST_FILE} counts {}",
                exclusions.len(),
                manifest.excluded
            ),
        ));
    }
    Ok(Part {
        dir: dir.to_path_buf(),
        manifest,
        leaves,
        exclusions,
    })
}

/// Checks that `parts` are every shard of one snapshot, once each: the
/// same program, shape, threshold, inputs and salt source, and shards
/// `0..N` with none missing and none twice. Returns the settings.
pub fn check_parts(parts: &[Part]) -> Result<SnapshotConfig, SnapshotError> {
    let Some(first) = parts.first() else {
        return Err(part_error(Path::new("--merge"), "no parts given"));
    };
    let m0 = &first.manifest;
    let shared0 = m0.shared_fields();
    for p in &parts[1..] {
        let shared = p.manifest.shared_fields();
        let differs = shared
            .iter()
            .zip(&shared0)
            .find(|(here, there)| here.1 != there.1)
            .map(|((what, here), (_, there))| (*what, here, there));
        if let Some((what, here, there)) = differs {
            return Err(part_error(
                &p.dir,
                format!(
                    "foreign part: its {what} is {here}, but {} has {there} (the parts of a \
                     snapshot share program, shape, threshold, input files and salt key)",
                    first.dir.display()
                ),
            ));
        }
    }
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for p in parts {
        if let Some(other) = by_index.insert(p.manifest.shard, &p.dir) {
            return Err(part_error(
                &p.dir,
                format!(
                    "shard {}/{} given twice (also {})",
                    p.manifest.shard,
                    m0.shards,
                    other.display()
                ),
            ));
        }
    }
    let missing: Vec<String> = (0..m0.shards)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{}", m0.shards))
        .collect();
    if !missing.is_empty() {
        return Err(part_error(
            Path::new("--merge"),
            format!(
                "missing shard{} {}: a merge needs every shard of the snapshot",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
        ));
    }
    m0.config(&first.dir.join(MANIFEST_FILE))
}

/// Every exclusion of `parts` (each holds its shard's).
pub fn all_exclusions(parts: &[Part]) -> BTreeMap<u64, ExclusionReason> {
    parts
        .iter()
        .flat_map(|p| p.exclusions.iter().map(|(id, r)| (*id, *r)))
        .collect()
}

/// What a merge wrote.
#[derive(Debug)]
pub struct Merged {
    /// The public file (written as [`SNAPSHOT_FILE`]).
    pub public: SnapshotPublic,
    /// Every exclusion (written as the public list).
    pub exclusions: BTreeMap<u64, ExclusionReason>,
    /// Licenses left out for having more tasks than the capacity.
    pub oversized: Vec<(u64, usize)>,
}

/// Whether a merge keeps the parts' packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartPackages {
    /// Left as they are (parts given by the user).
    Keep,
    /// Removed once placed (the private part of a one-machine run).
    Remove,
}

/// Step 2: merges checked parts ([`check_parts`]) into `out` (an
/// existing, private directory): `packages/` with every package's paths
/// filled in, [`SNAPSHOT_FILE`] and the public exclusion list.
/// `progress(done, total)` counts packages, and sees each one once its
/// paths are filled in (from any thread).
pub fn merge(
    parts: &[Part],
    out: &Path,
    keep: PartPackages,
    progress: &(dyn Fn(usize, usize, &Package) + Sync),
) -> Result<Merged, SnapshotError> {
    let config = check_parts(parts)?;
    let shape = config.shape;
    let exclusions = all_exclusions(parts);
    let trees = Trees::build(
        &shape,
        parts.iter().flat_map(|p| p.leaves.iter().copied()),
        &exclusions,
    )?;
    let packages = out.join(PACKAGES_DIR);
    fs::create_dir(&packages).map_err(io_at(&packages))?;
    let total: usize = parts.iter().map(|p| p.leaves.len()).sum();
    let done = AtomicUsize::new(0);
    for p in parts {
        let dir = p.dir.join(PACKAGES_DIR);
        let files = fs::read_dir(&dir)
            .map_err(io_at(&dir))?
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .unwrap_or(true)
            })
            .count();
        if files != p.leaves.len() {
            return Err(part_error(
                &dir,
                format!(
                    "{files} package files, but {} lists {} licenses",
                    LEAVES_FILE,
                    p.leaves.len()
                ),
            ));
        }
        p.leaves.par_iter().try_for_each(|(id, _)| {
            let from = dir.join(format!("{id}.json"));
            let mut package = read_unplaced(&from, &config, *id)?;
            trees.place(&mut package);
            write_new(&packages.join(format!("{id}.json")), &package.to_json())?;
            if keep == PartPackages::Remove {
                fs::remove_file(&from).map_err(io_at(&from))?;
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total, &package);
            Ok::<(), SnapshotError>(())
        })?;
    }
    let public = trees.public(&config, total as u64, exclusions.len() as u64);
    let mut json = serde_json::to_string_pretty(&public).expect("serializable");
    json.push('\n');
    write_new(&out.join(SNAPSHOT_FILE), json.as_bytes())?;
    write_new(
        &out.join(snapshot::EXCLUSION_LIST_FILE),
        snapshot::exclusion_list_csv(&exclusions).as_bytes(),
    )?;
    let mut oversized: Vec<(u64, usize)> = parts
        .iter()
        .flat_map(|p| p.manifest.oversized.iter().copied())
        .collect();
    oversized.sort_unstable();
    Ok(Merged {
        public,
        exclusions,
        oversized,
    })
}

/// Reads a part's package of license `id`, which must be unplaced and of
/// the snapshot's program and shape.
fn read_unplaced(path: &Path, config: &SnapshotConfig, id: u64) -> Result<Package, SnapshotError> {
    let meta = fs::metadata(path).map_err(io_at(path))?;
    if meta.len() > MAX_PACKAGE_BYTES as u64 {
        return Err(part_error(
            path,
            format!("{} bytes, more than {MAX_PACKAGE_BYTES}", meta.len()),
        ));
    }
    let bytes = fs::read(path).map_err(io_at(path))?;
    let p = Package::from_json(&bytes).map_err(|e| part_error(path, e.to_string()))?;
    let shape = config.shape;
    if p.license_id != id
        || p.program_id != config.program_id
        || p.capacity != shape.capacity()
        || p.depth != shape.depth()
    {
        return Err(part_error(
            path,
            format!(
                "package of license {} in program {:?} at capacity {} and depth {}, expected \
                 license {id} in {:?} at {} and {}",
                p.license_id,
                p.program_id,
                p.capacity,
                p.depth,
                config.program_id,
                shape.capacity(),
                shape.depth()
            ),
        ));
    }
    if !p.is_unplaced() {
        return Err(part_error(
            path,
            "this package already has its paths: a part holds packages without them",
        ));
    }
    Ok(p)
}
