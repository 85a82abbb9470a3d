//! The `snapshot`, `check`, `prove` and `verify` commands.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;
use eligo_circuits::native::{
    DEFAULT_CAPACITY, DEFAULT_DEPTH, DEFAULT_THRESHOLD_DEN, DEFAULT_THRESHOLD_NUM,
};
use eligo_circuits::{Address, ClaimContext, PayoutOption, Shape, Threshold, Verdict};
use eligo_prover::inputs::TaskStream;
use eligo_prover::package::Package;
use eligo_prover::salt::SaltKey;
use eligo_prover::shard::{self, Shard};
use eligo_prover::snapshot::{self, SnapshotConfig};
use eligo_prover::witness::{prepare, Details, Prepared};
use eligo_prover::{fsio, inputs, part, ProveJob, Prover};
use eligo_verifier::SnapshotPublic;

use crate::ui::{log, params_for};
use crate::{Exit, Failure};

/// Default program identifier.
pub const DEFAULT_PROGRAM_ID: &str = "gnb";

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 written, 2 bad input (the file and line or row are named; nothing is written) \
 or a refused merge, 130 interrupted.\n\nExamples:\n  eligo snapshot --tasks tasks.parquet \
--exclusions exclusions.csv --salt-key salt.key --out snap\n  eligo snapshot --tasks tasks.csv \
--exclusions exclusions.csv --salt-key salt.key --shard auto --shards 8 --out part-$JOB_COMPLETION_INDEX\n  \
eligo snapshot --merge part-0 part-1 part-2 --out snap"
)]
pub struct SnapshotArgs {
    /// Tasks, CSV or Parquet (columns license_id, task_id, epoch, outcome,
    /// by name), sorted by license_id. Read once, as a stream.
    #[arg(long, required_unless_present = "merge")]
    pub tasks: Option<PathBuf>,
    /// Exclusions CSV (license_id,reason).
    #[arg(long, required_unless_present = "merge")]
    pub exclusions: Option<PathBuf>,
    /// Output directory: snapshot.json, exclusions.csv and packages/; with
    /// --shard, the shard's part.
    #[arg(long)]
    pub out: PathBuf,
    /// Log capacity: a power of two from 256 to 1,048,576.
    #[arg(long, default_value_t = DEFAULT_CAPACITY)]
    pub capacity: usize,
    /// Tree depth, 4 to 32.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    pub depth: u32,
    /// Participation threshold NUM/DEN: a license is eligible when its
    /// participation is strictly over it (668 of 1,000 tasks is over
    /// 667/1000; exactly 667 is not).
    #[arg(long, default_value_t = format!("{DEFAULT_THRESHOLD_NUM}/{DEFAULT_THRESHOLD_DEN}"))]
    pub threshold: String,
    /// Program identifier.
    #[arg(long, default_value = DEFAULT_PROGRAM_ID)]
    pub program_id: String,
    /// Derive the salts from this secret key file (64 hex digits) instead
    /// of drawing them: runs with the same key give the same snapshot.
    #[arg(long)]
    pub salt_key: Option<PathBuf>,
    /// Build only shard I of N (licenses whose id is I modulo N) and write
    /// it as a part in --out, for `--merge`. `auto` takes I from
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID
    /// (Slurm job array) and N from --shards.
    #[arg(long, value_name = "I/N|auto", conflicts_with = "merge")]
    pub shard: Option<String>,
    /// Number of shards, for `--shard auto`.
    #[arg(long, value_name = "N", requires = "shard")]
    pub shards: Option<u64>,
    /// Merge these parts (every shard of one snapshot, once each) into the
    /// snapshot in --out.
    #[arg(long, value_name = "PART", num_args = 1..,
          conflicts_with_all = ["tasks", "exclusions", "salt_key", "capacity", "depth", "threshold", "program_id"])]
    pub merge: Vec<PathBuf>,
    /// Leave out licenses with more tasks than the capacity (listed on
    /// stderr) instead of refusing the export.
    #[arg(long, conflicts_with = "merge")]
    pub skip_over_capacity: bool,
    /// One JSON object per license on stdout (JSON Lines): each package
    /// written with the license's verdict, and each license left out.
    #[arg(long)]
    pub json: bool,
    /// Replace an existing snapshot (or part) in --out.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 eligible, 1 not eligible (the reason is printed), 2 bad input.\n\nExample:\n  \
eligo check --snapshot snap/snapshot.json --package snap/packages/42.json --json"
)]
pub struct CheckArgs {
    /// The snapshot's public file.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// The license's private package.
    #[arg(long)]
    pub package: PathBuf,
    /// One JSON object on stdout: the verdict and the counts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 every license not skipped was proven, 1 an ineligible license stopped the \
batch (nothing proven), 2 bad input or flags.\n\nExample:\n  eligo prove --snapshot \
snap/snapshot.json --package snap/packages --chain-name osmosis-1 --contract osmo1… \
--claimant osmo1… --option ifx --skip-ineligible --skip-existing --out proofs"
)]
pub struct ProveArgs {
    /// The snapshot's public file.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// One or more private packages, or directories of them (their
    /// `*.json` files, in name order).
    #[arg(long, num_args = 1.., required = true)]
    pub package: Vec<PathBuf>,
    /// Claimant address: 0x + hex (1 to 32 bytes), or bech32 (a CosmWasm
    /// address such as cosmwasm1…, whose data bytes are used).
    #[arg(long)]
    pub claimant: String,
    /// Numeric chain id of the claim contract (or --chain-name).
    #[arg(long, required_unless_present = "chain_name")]
    pub chain_id: Option<u64>,
    /// Chain name (a Cosmos chain id such as osmosis-1) instead of
    /// --chain-id: the numeric id is derived from it as the claim contract
    /// does.
    #[arg(long, conflicts_with = "chain_id")]
    pub chain_name: Option<String>,
    /// Claim contract address (0x + hex, or bech32): the proof is valid
    /// only for it.
    #[arg(long)]
    pub contract: String,
    /// Payout option: ifx or weth.
    #[arg(long, default_value = "ifx")]
    pub option: String,
    /// Output directory for <license_id>.proof.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Replace existing proof files in --out.
    #[arg(long)]
    pub force: bool,
    /// Prove only shard I of N of the packages given (those at positions
    /// I, I+N, I+2N… of the list, directories expanded in name order), to
    /// split a large set across machines. `auto` takes I from
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID and N from --shards.
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// Number of shards, for `--shard auto`.
    #[arg(long, value_name = "N", requires = "shard")]
    pub shards: Option<u64>,
    /// Prove the eligible licenses and list the others on stderr (exit 0
    /// when every license not skipped was proven), instead of refusing
    /// the batch.
    #[arg(long)]
    pub skip_ineligible: bool,
    /// Keep existing proofs in --out that verify for this snapshot and
    /// binding, and prove the rest (to resume a batch).
    #[arg(long, conflicts_with = "force")]
    pub skip_existing: bool,
    /// One JSON object per license on stdout (JSON Lines).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 ready, 2 bad flags or an unwritable cache.\n\nExample:\n  eligo params \
--capacity 65536 --depth 20 --export gens.bin --export-vk vk.bin"
)]
pub struct ParamsArgs {
    /// Log capacity of the shape whose parameters to prepare.
    #[arg(long, default_value_t = DEFAULT_CAPACITY)]
    pub capacity: usize,
    /// Tree depth of the shape.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    pub depth: u32,
    /// A circuit size k instead of a shape (8 to 16 are pinned).
    #[arg(long, conflicts_with_all = ["capacity", "depth"])]
    pub k: Option<u32>,
    /// Also write the raw parameter bytes (what the claim contract's
    /// `params` field takes, base64 in JSON) to this file, and print the
    /// shape's circuit fingerprint.
    #[arg(long, conflicts_with = "k")]
    pub export: Option<PathBuf>,
    /// Also write the shape's verifying key (`eligo-vk/1`, deterministic
    /// bytes) to this file and print its digest.
    #[arg(long, conflicts_with = "k", value_name = "FILE")]
    pub export_vk: Option<PathBuf>,
}

pub fn parse_shape(capacity: usize, depth: u32) -> Result<Shape, Failure> {
    Shape::new(capacity, depth).map_err(|e| Failure(format!("--capacity/--depth: {e}")))
}

pub fn parse_threshold(s: &str) -> Result<Threshold, Failure> {
    let bad = || {
        Failure(format!(
            "--threshold: {s:?} is not NUM/DEN with 1 <= NUM <= DEN"
        ))
    };
    let (n, d) = s.split_once('/').ok_or_else(bad)?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    let d: u64 = d.trim().parse().map_err(|_| bad())?;
    Threshold::new(n, d).map_err(|e| Failure(format!("--threshold: {e}")))
}

/// Reads at most `limit` bytes (refuses larger files before reading them).
pub(crate) fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > limit {
        return Err(format!("file is larger than {limit} bytes"));
    }
    Ok(bytes)
}

fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, Failure> {
    read_limited(path, limit).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

/// What kind of Eligo file JSON bytes are, by their `format` tag: for
/// a clear message when files are swapped.
pub(crate) fn kind_of(bytes: &[u8]) -> Option<&'static str> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let format = v.get("format")?.as_str()?;
    [
        (eligo_verifier::SNAPSHOT_FORMAT, "a snapshot file"),
        (eligo_prover::package::PACKAGE_FORMAT, "a package"),
        (eligo_verifier::PROOF_FORMAT, "a proof file"),
        (part::PART_FORMAT, "a snapshot part's manifest"),
    ]
    .into_iter()
    .find(|(f, _)| *f == format)
    .map(|(_, kind)| kind)
}

/// The error for bytes that are not `wanted`: "this is a package, not a
/// snapshot file" when they are another Eligo file, else `e`.
pub(crate) fn not_a(path: &Path, bytes: &[u8], wanted: &str, e: impl std::fmt::Display) -> Failure {
    match kind_of(bytes) {
        Some(kind) if kind != wanted => {
            Failure(format!("{}: this is {kind}, not {wanted}", path.display()))
        }
        _ => Failure(format!("{}: {e}", path.display())),
    }
}

pub fn read_snapshot(path: &Path) -> Result<SnapshotPublic, Failure> {
    let bytes = read_file(path, eligo_verifier::MAX_SNAPSHOT_FILE_BYTES)?;
    SnapshotPublic::from_json(&bytes).map_err(|e| not_a(path, &bytes, "a snapshot file", e))
}

pub fn read_package(path: &Path) -> Result<Package, Failure> {
    let bytes = read_file(path, eligo_prover::package::MAX_PACKAGE_BYTES)?;
    Package::from_json(&bytes).map_err(|e| not_a(path, &bytes, "a package", e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    fsio::write_atomic(path, bytes).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

/// Name prefix of a snapshot's private staging directory in `--out`
/// (followed by the process id).
const SNAPSHOT_STAGING_PREFIX: &str = ".eligo-snapshot-";

/// The shard of `--shard` (and `--shards`), if any.
fn parse_shard(shard: Option<&str>, shards: Option<u64>) -> Result<Option<Shard>, Failure> {
    let Some(spec) = shard else {
        return Ok(None);
    };
    if spec == "auto" {
        let n = shards.ok_or_else(|| {
            Failure("--shard auto: give the number of shards with --shards N".into())
        })?;
        return shard::from_scheduler(n, |name| std::env::var(name).ok())
            .map(Some)
            .map_err(Failure);
    }
    let s = Shard::parse(spec).map_err(|e| Failure(format!("--shard: {e}")))?;
    if let Some(n) = shards {
        if n != u64::from(s.count()) {
            return Err(Failure(format!(
                "--shard {spec} is of {} shards, but --shards says {n}",
                s.count()
            )));
        }
    }
    Ok(Some(s))
}

/// Moves `names` from the staging directory into `out`, replacing what was
/// there, with `marker` (the file that says the directory is complete)
/// removed first and moved last: a reader never sees a marker beside
/// files of another run.
fn publish(stage: &Path, out: &Path, marker: &str, names: &[&str]) -> Result<(), Failure> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e: std::io::Error| Failure(format!("{}: {e}", p.display()))
    };
    crate::cleanup::uninterrupted(|| {
        let marker_path = out.join(marker);
        if marker_path.exists() {
            fs::remove_file(&marker_path).map_err(io(&marker_path))?;
        }
        for name in names {
            let to = out.join(name);
            if to.is_dir() {
                fs::remove_dir_all(&to).map_err(io(&to))?;
            }
            fs::rename(stage.join(name), &to).map_err(io(&to))?;
        }
        fs::rename(stage.join(marker), &marker_path).map_err(io(&marker_path))
    })
}

/// Refuses to replace `marker` in `out` without `--force`, and removes
/// staging directories that interrupted runs left in `out`.
fn prepare_out(out: &Path, marker: &str, force: bool, what: &str) -> Result<(), Failure> {
    let path = out.join(marker);
    if path.exists() && !force {
        return Err(Failure(format!(
            "{} already exists: pass --force to replace it and its packages",
            path.display()
        )));
    }
    if out.exists() && !out.is_dir() {
        return Err(Failure(format!("{}: not a directory", out.display())));
    }
    for stale in crate::cleanup::remove_stale(out, SNAPSHOT_STAGING_PREFIX) {
        log(format!(
            "removed {}, left behind by an interrupted {what}",
            stale.display()
        ));
    }
    Ok(())
}

/// A private staging directory in `out`, removed when dropped (on error
/// as on success) and on an interrupt.
fn staging_in(out: &Path) -> Result<crate::cleanup::Staging, Failure> {
    let dir = out.join(format!("{SNAPSHOT_STAGING_PREFIX}{}", std::process::id()));
    tracing::debug!("staging in {}", dir.display());
    crate::cleanup::Staging::create(dir.clone())
        .map_err(|e| Failure(format!("{}: {e}", dir.display())))
}

/// The verdict of each package a snapshot writes, for `--json`: kept as
/// `(license, verdict)` while packages are written (from any thread), and
/// printed in license order once the files are in place.
struct VerdictLog {
    threshold: Threshold,
    exclusions: std::collections::BTreeMap<u64, eligo_circuits::ExclusionReason>,
    seen: Mutex<Vec<(u64, Verdict)>>,
}

impl VerdictLog {
    fn new(
        threshold: Threshold,
        exclusions: std::collections::BTreeMap<u64, eligo_circuits::ExclusionReason>,
    ) -> Self {
        VerdictLog {
            threshold,
            exclusions,
            seen: Mutex::new(Vec::new()),
        }
    }

    fn see(&self, p: &Package) {
        let executed = p
            .tasks
            .iter()
            .filter(|t| t.2 == eligo_circuits::Outcome::Executed.as_str())
            .count() as u64;
        let verdict = Verdict::compute(
            &self.threshold,
            executed,
            p.tasks.len() as u64,
            self.exclusions.get(&p.license_id).copied(),
        );
        self.seen
            .lock()
            .expect("no panics while held")
            .push((p.license_id, verdict));
    }

    /// One record per package of `dir/packages`, then one per license left
    /// out (`status` `skipped`, or `error` when the export was refused).
    fn print(self, dir: &Path, oversized: &[(u64, usize)], shape: &Shape, status: &str) {
        let mut seen = self.seen.into_inner().expect("no panics while held");
        seen.sort_unstable_by_key(|(id, _)| *id);
        for (id, v) in seen {
            let file = dir.join(part::PACKAGES_DIR).join(format!("{id}.json"));
            let status = if v.is_eligible() {
                "eligible"
            } else {
                "not_eligible"
            };
            out!(
                "{}",
                record(&file, Some(id), status, verdict_code(&v), v.reason())
            );
        }
        for (id, n) in oversized {
            let mut r = record(
                Path::new(""),
                Some(*id),
                status,
                Some("over_capacity"),
                Some(format!(
                    "{n} tasks exceed the capacity {}",
                    shape.capacity()
                )),
            );
            r["file"] = serde_json::Value::Null;
            out!("{r}");
        }
    }
}

pub fn snapshot(a: SnapshotArgs) -> Result<Exit, Failure> {
    if !a.merge.is_empty() {
        return merge_parts(&a.merge, &a.out, a.force, a.json);
    }
    let start = Instant::now();
    let shape = parse_shape(a.capacity, a.depth)?;
    let threshold = parse_threshold(&a.threshold)?;
    if a.program_id.is_empty() || a.program_id.len() > 64 {
        return Err(Failure("--program-id: 1 to 64 characters".into()));
    }
    let shard = parse_shard(a.shard.as_deref(), a.shards)?;
    let (Some(tasks), Some(exclusions)) = (&a.tasks, &a.exclusions) else {
        return Err(Failure("--tasks and --exclusions are required".into()));
    };
    let marker = if shard.is_some() {
        part::MANIFEST_FILE
    } else {
        part::SNAPSHOT_FILE
    };
    prepare_out(&a.out, marker, a.force, "snapshot")?;
    let mut stream = TaskStream::open(tasks, &shape, shard.unwrap_or(Shard::WHOLE))?;
    let exclusions = inputs::read_exclusion_input(exclusions, &shape)?;
    let mut salt_key = a.salt_key.as_deref().map(SaltKey::read).transpose()?;
    if let Some(path) = &a.salt_key {
        crate::ui::warn(format!(
            "salts derived from the key in {}: keep it secret, since with it anyone can \
             recompute every license's log commitment",
            path.display()
        ));
    }
    let config = SnapshotConfig {
        shape,
        threshold,
        program_id: a.program_id.clone(),
    };
    let staging = staging_in(&a.out)?;
    let stage = staging.path();
    let part_dir = match shard {
        Some(_) => stage.to_path_buf(),
        None => {
            let d = stage.join("part");
            fs::create_dir(&d).map_err(|e| Failure(format!("{}: {e}", d.display())))?;
            d
        }
    };
    let progress = crate::ui::StreamProgress::new("licenses", stream.progress());
    let shard_or_whole = shard.unwrap_or(Shard::WHOLE);
    let verdicts = VerdictLog::new(threshold, exclusions.list.clone());
    // A shard's packages are seen as they are written; a whole snapshot's
    // once their paths are in.
    let written = |done, p: &Package| {
        progress.update(done);
        if a.json && shard.is_some() {
            verdicts.see(p)
        }
    };
    let part = match &mut salt_key {
        Some(key) => part::write_part(
            &part_dir,
            &config,
            shard_or_whole,
            &mut stream,
            &exclusions,
            key,
            &written,
        ),
        None => part::write_part(
            &part_dir,
            &config,
            shard_or_whole,
            &mut stream,
            &exclusions,
            &mut rand_core::UnwrapErr(rand::rngs::SysRng),
            &written,
        ),
    }?;
    progress.finish(part.leaves.len());
    let oversized = &part.manifest.oversized;
    if !oversized.is_empty() {
        log_oversized(oversized, &shape);
        if !a.skip_over_capacity {
            if a.json {
                VerdictLog::new(threshold, Default::default())
                    .print(&a.out, oversized, &shape, "error");
            }
            return Err(Failure(format!(
                "{}: {} license(s) have more tasks than the capacity {}; nothing was written \
                 (pass --skip-over-capacity to leave them out)",
                tasks.display(),
                oversized.len(),
                shape.capacity()
            )));
        }
        log(format!(
            "left out {} license(s) over the capacity (--skip-over-capacity)",
            oversized.len()
        ));
    }
    log(format!(
        "read {} rows; committed {} licenses in {:.2} s",
        stream.rows(),
        part.leaves.len(),
        start.elapsed().as_secs_f64()
    ));
    if let Some(shard) = shard {
        publish(
            stage,
            &a.out,
            part::MANIFEST_FILE,
            &[
                part::PACKAGES_DIR,
                part::LEAVES_FILE,
                snapshot::EXCLUSION_LIST_FILE,
            ],
        )?;
        drop(staging);
        if a.json {
            verdicts.print(&a.out, &part.manifest.oversized, &shape, "skipped");
            return Ok(Exit::Success);
        }
        out!("part: {}", a.out.join(part::MANIFEST_FILE).display());
        out!("shard: {shard}");
        out!("program: {}", config.program_id);
        out!(
            "packages: {} (paths filled in by the merge) in {}",
            part.leaves.len(),
            a.out.join(part::PACKAGES_DIR).display()
        );
        out!("exclusions of the shard: {}", part.exclusions.len());
        log(format!(
            "part built in {:.2} s; merge every shard with `eligo snapshot --merge PART... --out DIR`",
            start.elapsed().as_secs_f64()
        ));
        return Ok(Exit::Success);
    }
    let merged = merge_into(
        std::slice::from_ref(&part),
        stage,
        part::PartPackages::Remove,
        a.json.then_some(&verdicts),
    )?;
    publish(
        stage,
        &a.out,
        part::SNAPSHOT_FILE,
        &[part::PACKAGES_DIR, snapshot::EXCLUSION_LIST_FILE],
    )?;
    drop(staging);
    if a.json {
        verdicts.print(&a.out, &merged.oversized, &shape, "skipped");
    } else {
        print_snapshot(&a.out, &merged, &config);
    }
    log(format!(
        "snapshot built in {:.2} s",
        start.elapsed().as_secs_f64()
    ));
    Ok(Exit::Success)
}

/// Step 2 with a progress bar over packages.
fn merge_into(
    parts: &[part::Part],
    stage: &Path,
    keep: part::PartPackages,
    verdicts: Option<&VerdictLog>,
) -> Result<part::Merged, Failure> {
    let progress = crate::ui::CountProgress::new("packages");
    let report = |done, total, p: &Package| {
        progress.update(done, total);
        if let Some(v) = verdicts {
            v.see(p);
        }
    };
    let merged = part::merge(parts, stage, keep, &report)?;
    progress.finish();
    Ok(merged)
}

/// `eligo snapshot --merge PART... --out DIR`.
fn merge_parts(parts: &[PathBuf], out: &Path, force: bool, json: bool) -> Result<Exit, Failure> {
    let start = Instant::now();
    let parts: Vec<part::Part> = parts
        .iter()
        .map(|p| part::read_part(p))
        .collect::<Result<_, _>>()?;
    let config = part::check_parts(&parts)?;
    if let Ok(out_dir) = out.canonicalize() {
        if let Some(p) = parts
            .iter()
            .find(|p| p.dir.canonicalize().ok().as_ref() == Some(&out_dir))
        {
            return Err(Failure(format!(
                "--out {}: is the part {}; merge into another directory",
                out.display(),
                p.dir.display()
            )));
        }
    }
    prepare_out(out, part::SNAPSHOT_FILE, force, "merge")?;
    let staging = staging_in(out)?;
    let verdicts = VerdictLog::new(config.threshold, part::all_exclusions(&parts));
    let merged = merge_into(
        &parts,
        staging.path(),
        part::PartPackages::Keep,
        json.then_some(&verdicts),
    )?;
    if !merged.oversized.is_empty() {
        log_oversized(&merged.oversized, &config.shape);
        log(format!(
            "left out {} license(s) over the capacity (their shards ran with --skip-over-capacity)",
            merged.oversized.len()
        ));
    }
    publish(
        staging.path(),
        out,
        part::SNAPSHOT_FILE,
        &[part::PACKAGES_DIR, snapshot::EXCLUSION_LIST_FILE],
    )?;
    drop(staging);
    if json {
        verdicts.print(out, &merged.oversized, &config.shape, "skipped");
    } else {
        print_snapshot(out, &merged, &config);
    }
    log(format!(
        "merged {} parts in {:.2} s",
        parts.len(),
        start.elapsed().as_secs_f64()
    ));
    Ok(Exit::Success)
}

/// Names, on stderr, the licenses with more tasks than the capacity.
fn log_oversized(oversized: &[(u64, usize)], shape: &Shape) {
    for (id, n) in oversized {
        log(format!(
            "license {id}: {n} tasks exceed the capacity {}: no package",
            shape.capacity()
        ));
    }
}

fn print_snapshot(out: &Path, merged: &part::Merged, config: &SnapshotConfig) {
    let shape = config.shape;
    out!("snapshot: {}", out.join(part::SNAPSHOT_FILE).display());
    out!("program: {}", merged.public.program_id);
    out!(
        "capacity: {} tasks, depth: {} ({} licenses max), threshold: {}",
        shape.capacity(),
        shape.depth(),
        shape.max_licenses(),
        config.threshold
    );
    out!("registry root: {}", merged.public.registry_root);
    out!("exclusion root: {}", merged.public.exclusion_root);
    out!(
        "exclusion list (public): {}",
        out.join(snapshot::EXCLUSION_LIST_FILE).display()
    );
    out!(
        "packages: {} in {} ({} excluded licenses)",
        merged.public.licenses,
        out.join(part::PACKAGES_DIR).display(),
        merged.exclusions.len()
    );
}

fn rate(p: &Prepared) -> String {
    let pct = if p.assigned == 0 {
        0.0
    } else {
        100.0 * p.executed as f64 / p.assigned as f64
    };
    format!(
        "executed {} of {} assigned tasks ({pct:.2}%), threshold {} ({:.2}%)",
        p.executed,
        p.assigned,
        p.threshold,
        100.0 * p.threshold.num() as f64 / p.threshold.den() as f64
    )
}

fn prepared(snapshot: &SnapshotPublic, path: &Path, details: Details) -> Result<Prepared, Failure> {
    let package = read_package(path)?;
    prepare(snapshot, &package, details).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

pub fn check(a: CheckArgs) -> Result<Exit, Failure> {
    let snapshot = read_snapshot(&a.snapshot)?;
    let p = prepared(&snapshot, &a.package, Details::Recompute)?;
    let reason = p.verdict.reason();
    if a.json {
        let status = if reason.is_none() {
            "eligible"
        } else {
            "not_eligible"
        };
        let mut r = record(
            &a.package,
            Some(p.license_id),
            status,
            verdict_code(&p.verdict),
            reason.clone(),
        );
        r["executed"] = serde_json::Value::from(p.executed);
        r["assigned"] = serde_json::Value::from(p.assigned);
        r["threshold"] = serde_json::Value::from(p.threshold.to_string());
        out!("{r}");
    } else {
        match &reason {
            None => out!("license {}: eligible", p.license_id),
            Some(reason) => out!("license {}: not eligible: {reason}", p.license_id),
        }
        if !matches!(p.verdict, Verdict::Excluded(_)) {
            out!("{}", rate(&p));
        }
    }
    Ok(if reason.is_none() {
        Exit::Success
    } else {
        Exit::Negative
    })
}

/// An address flag: `0x` + hex, or bech32 (its data bytes).
pub fn parse_address(flag: &str, s: &str) -> Result<Address, Failure> {
    let fail = |why: String| Failure(format!("--{flag}: {why}"));
    if s.starts_with("0x") || s.starts_with("0X") {
        return Address::parse(s).map_err(|e| fail(e.to_string()));
    }
    let (_, data) = bech32::decode(s).map_err(|e| {
        fail(format!(
            "{s:?} is neither 0x + hex nor a bech32 address ({e})"
        ))
    })?;
    Address::from_bytes(&data).map_err(|e| fail(e.to_string()))
}

pub fn parse_context(a: &ProveArgs) -> Result<ClaimContext, Failure> {
    let chain_id = match &a.chain_name {
        Some(name) if name.is_empty() => {
            return Err(Failure("--chain-name: empty".into()));
        }
        Some(name) => eligo_circuits::native::chain_id_from_name(name),
        None => a.chain_id.ok_or_else(|| {
            Failure("give the claim contract's chain: --chain-id or --chain-name".into())
        })?,
    };
    Ok(ClaimContext {
        chain_id,
        contract: parse_address("contract", &a.contract)?,
        claimant: parse_address("claimant", &a.claimant)?,
        option: PayoutOption::parse(&a.option)
            .ok_or_else(|| Failure(format!("--option: {:?} is not ifx or weth", a.option)))?,
    })
}

/// The files named by `args`: files as given, directories expanded to
/// the files in them whose name `wanted` accepts, in name order. A
/// directory without one is an error saying it holds no `what`.
pub(crate) fn expand_dirs(
    args: &[PathBuf],
    wanted: impl Fn(&Path) -> bool,
    what: &str,
) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            out.push(arg.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = fs::read_dir(arg)
            .map_err(|e| Failure(format!("{}: {e}", arg.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && wanted(p))
            .collect();
        if found.is_empty() {
            return Err(Failure(format!(
                "{}: no {what} in this directory",
                arg.display()
            )));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// The package files named by `args`: files as given, directories
/// expanded to their `*.json` files in name order.
fn package_paths(args: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    expand_dirs(
        args,
        |p| p.extension().is_some_and(|x| x == "json"),
        "package (*.json)",
    )
}

/// Checks that `dir` can take files before any work: creates it and
/// writes and removes a probe file.
fn check_writable(dir: &Path) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure(format!("--out {}: not writable: {e}", dir.display()));
    fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(format!(".eligo-write-probe-{}", std::process::id()));
    fs::write(&probe, b"").map_err(fail)?;
    fs::remove_file(&probe).map_err(fail)
}

/// A stable code for a verdict's reason.
pub fn verdict_code(v: &Verdict) -> Option<&'static str> {
    match v {
        Verdict::Eligible { .. } => None,
        Verdict::BelowThreshold { .. } => Some("below_threshold"),
        Verdict::Excluded(eligo_circuits::ExclusionReason::Blacklisted) => {
            Some("excluded_blacklisted")
        }
        Verdict::Excluded(eligo_circuits::ExclusionReason::Airdrop) => Some("excluded_airdrop"),
        Verdict::NoTasks => Some("no_tasks"),
    }
}

/// One JSON Lines record of `check` or `prove`.
fn record(
    file: &Path,
    license_id: Option<u64>,
    status: &str,
    reason_code: Option<&str>,
    reason: Option<String>,
) -> serde_json::Value {
    serde_json::json!({
        "file": file.display().to_string(),
        "license_id": license_id,
        "status": status,
        "reason_code": reason_code,
        "reason": reason,
    })
}

/// Whether `path` holds a valid proof of `license_id` for this snapshot
/// and binding; the reason when it does not.
fn existing_proof_is_valid(
    path: &Path,
    license_id: u64,
    ctx: &ClaimContext,
    snapshot: &SnapshotPublic,
    verifier: &eligo_verifier::Verifier,
) -> Result<(), String> {
    let bytes = read_limited(path, eligo_verifier::MAX_PROOF_FILE_BYTES)?;
    let file = eligo_verifier::ProofFile::from_json(&bytes).map_err(|e| e.to_string())?;
    if file.public_inputs.license_id != license_id {
        return Err(format!("it is license {}'s", file.public_inputs.license_id));
    }
    let bound = file.claim.context().map_err(|e| e.to_string())?;
    if &bound != ctx {
        return Err("it is bound to another chain, contract, claimant or option".into());
    }
    verifier
        .verify_file(snapshot, &file)
        .map_err(|e| e.to_string())
}

pub fn prove(a: ProveArgs) -> Result<Exit, Failure> {
    let ctx = parse_context(&a)?;
    let snapshot = read_snapshot(&a.snapshot)?;
    // Found before any work, not after the keys and the proofs.
    check_writable(&a.out)?;
    let t_prep = Instant::now();
    let mut seen = BTreeSet::new();
    let mut jobs = Vec::new();
    let mut refused = false;
    let mut paths = package_paths(&a.package)?;
    if let Some(shard) = parse_shard(a.shard.as_deref(), a.shards)? {
        let all = paths.len();
        paths = paths
            .into_iter()
            .enumerate()
            .filter(|(i, _)| shard.owns_position(*i))
            .map(|(_, p)| p)
            .collect();
        log(format!(
            "shard {shard}: {} of {all} package(s)",
            paths.len()
        ));
        if paths.is_empty() {
            log(format!("shard {shard}: no package to prove"));
            return Ok(Exit::Success);
        }
    }
    let mut skipped = 0usize;
    for path in &paths {
        let p = prepared(&snapshot, path, Details::Trust)?;
        tracing::debug!(
            "{}: license {}, {} of {} tasks executed",
            path.display(),
            p.license_id,
            p.executed,
            p.assigned
        );
        if !seen.insert(p.license_id) {
            return Err(Failure(format!(
                "{}: license {} is given twice",
                path.display(),
                p.license_id
            )));
        }
        if let Some(reason) = p.verdict.reason() {
            let code = verdict_code(&p.verdict);
            if a.skip_ineligible {
                skipped += 1;
                log(format!(
                    "license {}: skipped: not eligible: {reason}",
                    p.license_id
                ));
                if a.json {
                    out!(
                        "{}",
                        record(
                            path,
                            Some(p.license_id),
                            "skipped",
                            code,
                            Some(format!("not eligible: {reason}"))
                        )
                    );
                }
            } else {
                refused = true;
                if a.json {
                    out!(
                        "{}",
                        record(path, Some(p.license_id), "not_eligible", code, Some(reason))
                    );
                } else {
                    out!("license {}: not eligible: {reason}", p.license_id);
                }
            }
            continue;
        }
        jobs.push((path.clone(), p));
    }
    if refused {
        log("nothing proven: remove the ineligible packages, or pass --skip-ineligible, and run again");
        if !a.json {
            out!("nothing proven: remove the ineligible packages and run again");
        }
        return Ok(Exit::Negative);
    }
    log(format!(
        "prepared {} package(s) in {:.2} s",
        jobs.len(),
        t_prep.elapsed().as_secs_f64()
    ));
    let proof_path = |id: u64| a.out.join(format!("{id}.proof.json"));
    let existing: Vec<usize> = (0..jobs.len())
        .filter(|&i| proof_path(jobs[i].1.license_id).exists())
        .collect();
    if !existing.is_empty() && !a.force && !a.skip_existing {
        return Err(Failure(format!(
            "{} already exist(s): pass --skip-existing to keep the valid ones, or --force to \
             replace them",
            existing
                .iter()
                .map(|&i| proof_path(jobs[i].1.license_id).display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let Some(shape) = jobs.first().map(|(_, p)| p.shape) else {
        log(format!("nothing to prove ({skipped} skipped)"));
        return Ok(Exit::Success);
    };
    let t0 = Instant::now();
    let params = params_for(&shape)?;
    let mut prover: Option<Prover> = None;
    if a.skip_existing && !existing.is_empty() {
        // Existing proofs are kept only if they verify for this snapshot
        // and binding; the key comes from the cache, or is built.
        let verifier = match crate::ui::verifier_for(&shape, None) {
            Ok(v) => v,
            Err(_) => {
                let built = Prover::new(params.clone(), shape)?;
                crate::ui::cache_verifier_files(&built)?;
                prover = Some(built);
                crate::ui::verifier_for(&shape, None)?
            }
        };
        let mut kept = BTreeSet::new();
        for &i in &existing {
            let (pkg, p) = &jobs[i];
            let path = proof_path(p.license_id);
            match existing_proof_is_valid(&path, p.license_id, &ctx, &snapshot, &verifier) {
                Ok(()) => {
                    kept.insert(i);
                    log(format!(
                        "license {}: skipped: a valid proof exists ({})",
                        p.license_id,
                        path.display()
                    ));
                    if a.json {
                        out!(
                            "{}",
                            record(
                                pkg,
                                Some(p.license_id),
                                "skipped",
                                Some("proof_exists"),
                                Some(format!("a valid proof exists: {}", path.display()))
                            )
                        );
                    }
                }
                Err(why) => log(format!(
                    "license {}: {} is not a valid proof here ({why}): proving again",
                    p.license_id,
                    path.display()
                )),
            }
        }
        skipped += kept.len();
        jobs = jobs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !kept.contains(i))
            .map(|(_, j)| j)
            .collect();
        if jobs.is_empty() {
            log(format!("nothing left to prove ({skipped} skipped)"));
            return Ok(Exit::Success);
        }
    }
    let prover = match prover {
        Some(p) => p,
        None => {
            let _spinner = crate::ui::Spinner::new(format!(
                "building the proving key (k = {})",
                eligo_circuits::layout::k_for(&shape)
            ));
            let p = Prover::new(params, shape)?;
            crate::ui::cache_verifier_files(&p)?;
            p
        }
    };
    log(format!(
        "keys built in {:.2} s (k = {}), proving {} license(s) on {} thread(s)",
        t0.elapsed().as_secs_f64(),
        eligo_circuits::layout::k_for(&shape),
        jobs.len(),
        rayon::current_num_threads()
    ));
    let prove_jobs: Vec<ProveJob> = jobs
        .iter()
        .map(|(_, p)| ProveJob {
            witness: p.witness.clone(),
            instance: p.instance(&ctx),
        })
        .collect();
    let errors = Mutex::new(Vec::new());
    let t1 = Instant::now();
    let bar = crate::ui::BatchBar::new(prove_jobs.len());
    prover.prove_batch(&prove_jobs, |i, result| {
        let (pkg, p) = &jobs[i];
        let id = p.license_id;
        let outcome = result.map_err(Failure::from).and_then(|bytes| {
            let file =
                prover.proof_file(&snapshot.program_id, &prove_jobs[i].instance, &ctx, &bytes);
            let path = proof_path(id);
            write(&path, file.to_json().as_bytes())?;
            Ok((path, bytes.len()))
        });
        match outcome {
            Ok((path, n)) => {
                if a.json {
                    let mut r = record(pkg, Some(id), "proven", None, None);
                    r["proof"] = serde_json::Value::from(path.display().to_string());
                    bar.println(r.to_string());
                } else {
                    bar.println(format!(
                        "license {id}: proof written to {} ({n} bytes, {:.2} s since start)",
                        path.display(),
                        crate::ui::since_start()
                    ))
                }
            }
            Err(Failure(e)) => {
                if a.json {
                    out!(
                        "{}",
                        record(
                            pkg,
                            Some(id),
                            "error",
                            Some("prove_failed"),
                            Some(e.clone())
                        )
                    );
                }
                errors
                    .lock()
                    .expect("lock")
                    .push(format!("license {id}: {e}"))
            }
        }
        bar.inc();
    });
    drop(bar);
    let errors = errors.into_inner().expect("lock");
    if !errors.is_empty() {
        return Err(Failure(errors.join("; ")));
    }
    log(format!(
        "proved {} license(s) in {:.2} s{}",
        jobs.len(),
        t1.elapsed().as_secs_f64(),
        if skipped > 0 {
            format!(" ({skipped} skipped)")
        } else {
            String::new()
        }
    ));
    Ok(Exit::Success)
}

pub fn params(a: ParamsArgs) -> Result<Exit, Failure> {
    let k = match a.k {
        Some(k) => {
            if !(eligo_circuits::layout::MIN_K..=eligo_params::MAX_K).contains(&k) {
                return Err(Failure(format!(
                    "--k: {k} is out of range ({}..={})",
                    eligo_circuits::layout::MIN_K,
                    eligo_params::MAX_K
                )));
            }
            k
        }
        None => eligo_circuits::layout::k_for(&parse_shape(a.capacity, a.depth)?),
    };
    let store = eligo_params::ParamsStore::at_default_home()?;
    let t = Instant::now();
    let params = store.load_or_generate(k, &crate::ui::ParamsProgress::new())?;
    out!(
        "k = {k}: {} ({}; ready in {:.2} s)",
        store.path(k).display(),
        if eligo_params::canonical_digest(k).is_some() {
            "canonical digest checked"
        } else {
            "no pinned digest for this k"
        },
        t.elapsed().as_secs_f64()
    );
    let home = eligo_params::default_home()?;
    let store = eligo_verifier::KeyStore::new(&home);
    let gens = crate::ui::generators_for(&store, k)?;
    out!(
        "generators for k = {k}: {} (digest {}{})",
        store.generators_path(k).display(),
        gens.digest_hex(),
        if eligo_verifier::canonical_generators_digest(k).is_some() {
            ", canonical"
        } else {
            ", no pinned digest for this k"
        }
    );
    if let Some(path) = &a.export {
        let bytes = gens.encode();
        write(path, &bytes)?;
        out!(
            "generators for k = {k}: {} ({} bytes)",
            path.display(),
            bytes.len()
        );
    }
    if a.k.is_none() {
        let shape = parse_shape(a.capacity, a.depth)?;
        let cached = match store.load_key(&shape) {
            // A key of another circuit version is replaced: this binary
            // builds the right one.
            Err(stale @ eligo_verifier::StoreError::Stale { .. }) => {
                crate::ui::warn(format!("{stale}; rebuilding it"));
                None
            }
            other => other?,
        };
        let key = match cached {
            Some(key) => key,
            None => {
                let t = Instant::now();
                let vk = eligo_params::build_vk(&params, &shape)
                    .map_err(|e| Failure(format!("building the verifying key: {e}")))?;
                let key = eligo_verifier::VerifyingKey::from_halo2(&vk)?;
                store.store_key(&shape, &key)?;
                log(format!(
                    "built the verifying key in {:.2} s (once; cached)",
                    t.elapsed().as_secs_f64()
                ));
                key
            }
        };
        let bytes = key.encode();
        out!(
            "verifying key (capacity {}, depth {}): {} ({} bytes, digest {}{})",
            shape.capacity(),
            shape.depth(),
            store.key_path(&shape).display(),
            bytes.len(),
            eligo_verifier::hex_digest(&bytes),
            match eligo_verifier::canonical_key_digest(&shape) {
                Some(_) => ", pinned",
                None => ", no pinned digest for this shape",
            }
        );
        out!(
            "circuit fingerprint (capacity {}, depth {}): {}",
            shape.capacity(),
            shape.depth(),
            key.fingerprint_hex()
        );
        if let Some(path) = &a.export_vk {
            write(path, &bytes)?;
            out!("verifying key: {} ({} bytes)", path.display(), bytes.len());
        }
    }
    Ok(Exit::Success)
}
