//! The network's snapshot: per-license salted log commitments, the
//! registry and exclusion trees, the public `snapshot.json` and one private
//! package per license with tasks.
//!
//! It is built in two steps, whatever the input:
//!
//! 1. [`commit`], once per license, in parallel: the detail digest, the log
//!    commitment, the registry leaf, and the package without its paths;
//! 2. [`Trees`], once the leaves of every license are known: both trees,
//!    then [`Trees::place`] fills each package's paths.
//!
//! The in-memory [`build`] runs both; a streamed export runs step 1 with
//! [`commit_stream`] (the `part` module writes its results to disk), on one
//! machine or in shards, and the merge runs step 2. Every path runs the
//! same two functions, so their outputs agree byte for byte.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use eligo_circuits::native::{exclusion_leaf, fp_to_hex, registry_leaf, SparseTree};
use eligo_circuits::poseidon::Tag;
use eligo_circuits::{layout, ExclusionReason, Fp, LicenseLog, Shape, StatementError, Threshold};
use eligo_verifier::{SnapshotPublic, ThresholdFields, SNAPSHOT_FORMAT};
use rayon::prelude::*;

use crate::digest;
use crate::inputs::{InputError, LicenseTasks, TaskLogs, TaskStream};
use crate::package::Package;
use crate::salt::SaltSource;

/// Snapshot settings.
#[derive(Clone, Debug)]
pub struct SnapshotConfig {
    /// Shape of the program.
    pub shape: Shape,
    /// Threshold.
    pub threshold: Threshold,
    /// Program identifier.
    pub program_id: String,
}

/// The snapshot's outputs.
#[derive(Debug)]
pub struct Snapshot {
    /// Public part.
    pub public: SnapshotPublic,
    /// One package per license with tasks (within capacity), by license id.
    pub packages: Vec<Package>,
    /// Licenses with more tasks than the capacity: `(license, tasks)`.
    pub oversized: Vec<(u64, usize)>,
}

/// One license after step 1.
#[derive(Clone, Debug)]
pub struct Committed {
    /// The license.
    pub license_id: u64,
    /// Its registry leaf.
    pub registry_leaf: Fp,
    /// Its package, paths not yet filled in ([`Package::is_unplaced`]).
    pub package: Package,
}

/// Step 1 for one license within the capacity: the detail digest (in
/// parallel over tasks), the commitment, the leaf and the package without
/// paths.
pub fn commit(
    config: &SnapshotConfig,
    tasks: LicenseTasks,
    salt: Fp,
) -> Result<Committed, StatementError> {
    let shape = &config.shape;
    shape.check_license(tasks.license_id)?;
    let log = LicenseLog {
        entries: tasks.entries,
        salt,
    };
    let d = digest::detail_digest(shape, &log.entries)?;
    let registry_leaf = registry_leaf(tasks.license_id, log.commitment_with_digest(shape, d)?);
    Ok(Committed {
        license_id: tasks.license_id,
        registry_leaf,
        package: Package::unplaced(
            &config.program_id,
            shape.capacity(),
            shape.depth(),
            tasks.license_id,
            &log,
            d,
        ),
    })
}

/// Both trees of a snapshot (step 2).
#[derive(Debug)]
pub struct Trees {
    registry: SparseTree,
    exclusion: SparseTree,
}

impl Trees {
    /// The trees of the registry leaves and the exclusions.
    pub fn build(
        shape: &Shape,
        leaves: impl IntoIterator<Item = (u64, Fp)>,
        exclusions: &BTreeMap<u64, ExclusionReason>,
    ) -> Result<Self, StatementError> {
        Ok(Trees {
            registry: SparseTree::build(shape.depth(), Tag::RegistryNode, leaves)?,
            exclusion: exclusion_tree(shape, exclusions)?,
        })
    }

    /// Fills in a package's registry path, exclusion leaf and path.
    pub fn place(&self, package: &mut Package) {
        let id = package.license_id;
        package.set_paths(
            &self.registry.path(id),
            self.exclusion.leaf(id),
            &self.exclusion.path(id),
        );
    }

    /// The public file of a snapshot with `licenses` packages and
    /// `excluded` exclusions.
    pub fn public(&self, config: &SnapshotConfig, licenses: u64, excluded: u64) -> SnapshotPublic {
        let shape = &config.shape;
        SnapshotPublic {
            format: SNAPSHOT_FORMAT.into(),
            program_id: config.program_id.clone(),
            capacity: shape.capacity(),
            depth: shape.depth(),
            threshold: ThresholdFields {
                num: config.threshold.num(),
                den: config.threshold.den(),
            },
            registry_root: fp_to_hex(&self.registry.root()),
            exclusion_root: fp_to_hex(&self.exclusion.root()),
            licenses,
            excluded,
            k: layout::k_for(shape),
        }
    }
}

/// Builds the snapshot in memory. Salts come from `salts`, asked once per
/// license in increasing license order: an RNG (any [`rand_core::Rng`]) or
/// the network's [`crate::salt::SaltKey`].
pub fn build(
    config: &SnapshotConfig,
    logs: &TaskLogs,
    exclusions: &BTreeMap<u64, ExclusionReason>,
    salts: &mut impl SaltSource,
) -> Result<Snapshot, StatementError> {
    let shape = config.shape;
    let mut oversized = Vec::new();
    let mut accepted = Vec::new();
    for (id, entries) in logs {
        shape.check_license(*id)?;
        if entries.len() > shape.capacity() {
            oversized.push((*id, entries.len()));
            continue;
        }
        let mut entries = entries.clone();
        entries.sort_unstable_by_key(|e| (e.epoch, e.task_id));
        let tasks = LicenseTasks {
            license_id: *id,
            rows: entries.len(),
            entries,
        };
        accepted.push((tasks, salts.salt(&config.program_id, *id)));
    }
    let committed: Vec<Committed> = accepted
        .into_par_iter()
        .map(|(tasks, salt)| commit(config, tasks, salt))
        .collect::<Result<_, _>>()?;
    let trees = Trees::build(
        &shape,
        committed.iter().map(|c| (c.license_id, c.registry_leaf)),
        exclusions,
    )?;
    let packages: Vec<Package> = committed
        .into_par_iter()
        .map(|mut c| {
            trees.place(&mut c.package);
            c.package
        })
        .collect();
    let public = trees.public(config, packages.len() as u64, exclusions.len() as u64);
    Ok(Snapshot {
        public,
        packages,
        oversized,
    })
}

/// Why step 1 over a stream stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E> {
    /// The export is malformed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A value is outside the statement.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// The sink refused a license.
    #[error(transparent)]
    Sink(E),
}

/// What step 1 over a stream found.
#[derive(Debug, Default)]
pub struct Committing {
    /// `(license, registry leaf)` of every committed license, by id.
    pub leaves: Vec<(u64, Fp)>,
    /// Licenses with more tasks than the capacity: `(license, tasks)`.
    pub oversized: Vec<(u64, usize)>,
}

/// Step 1 over a stream of licenses, in parallel: each license is handed
/// to `sink` as soon as it is committed (from any thread), and
/// `progress(done)` counts the licenses committed. Memory holds the
/// licenses in flight, about one per worker thread. Salts are asked in
/// the stream's order (increasing license id).
pub fn commit_stream<E: Send>(
    config: &SnapshotConfig,
    stream: &mut TaskStream<'_>,
    salts: &mut (impl SaltSource + Send),
    sink: &(dyn Fn(Committed) -> Result<(), E> + Sync),
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Committing, StreamError<E>> {
    let shape = config.shape;
    let oversized = Mutex::new(Vec::new());
    let leaves = Mutex::new(Vec::new());
    let done = AtomicUsize::new(0);
    let program_id = config.program_id.clone();
    stream
        .filter_map(|read| match read {
            Ok(tasks) if tasks.over_capacity(&shape) => {
                oversized
                    .lock()
                    .expect("no panics while held")
                    .push((tasks.license_id, tasks.rows));
                None
            }
            Ok(tasks) => {
                let salt = salts.salt(&program_id, tasks.license_id);
                Some(Ok((tasks, salt)))
            }
            Err(e) => Some(Err(e)),
        })
        .par_bridge()
        .try_for_each(|read| -> Result<(), StreamError<E>> {
            let (tasks, salt) = read?;
            let c = commit(config, tasks, salt)?;
            let leaf = (c.license_id, c.registry_leaf);
            sink(c).map_err(StreamError::Sink)?;
            leaves.lock().expect("no panics while held").push(leaf);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            Ok(())
        })?;
    let mut leaves = leaves.into_inner().expect("no panics while held");
    leaves.sort_unstable_by_key(|(id, _)| *id);
    let mut oversized = oversized.into_inner().expect("no panics while held");
    oversized.sort_unstable();
    Ok(Committing { leaves, oversized })
}

/// File name of the published exclusion list, next to `snapshot.json`.
pub const EXCLUSION_LIST_FILE: &str = "exclusions.csv";

/// The exclusion list as the snapshot publishes it: the CSV header
/// `license_id,reason`, then one line per excluded license in increasing
/// id order. Reading it back with [`crate::inputs::parse_exclusions`]
/// and [`exclusion_root`] gives the snapshot's exclusion root, so anyone
/// can check that root; and since the list is public, a package's
/// exclusion path tells its holder nothing about neighbours that the list
/// does not.
pub fn exclusion_list_csv(exclusions: &BTreeMap<u64, ExclusionReason>) -> String {
    let mut out = String::from("license_id,reason\n");
    for (id, reason) in exclusions {
        out.push_str(&format!("{id},{}\n", reason.as_str()));
    }
    out
}

/// The exclusion tree of `exclusions`.
fn exclusion_tree(
    shape: &Shape,
    exclusions: &BTreeMap<u64, ExclusionReason>,
) -> Result<SparseTree, StatementError> {
    SparseTree::build(
        shape.depth(),
        Tag::ExclusionNode,
        exclusions
            .iter()
            .map(|(id, r)| (*id, exclusion_leaf(*id, *r))),
    )
}

/// Root of the exclusion tree of `exclusions`.
pub fn exclusion_root(
    shape: &Shape,
    exclusions: &BTreeMap<u64, ExclusionReason>,
) -> Result<Fp, StatementError> {
    Ok(exclusion_tree(shape, exclusions)?.root())
}
