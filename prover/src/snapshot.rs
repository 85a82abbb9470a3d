//! The network's snapshot: per-license salted log commitments, the
//! registry and exclusion trees, the public `snapshot.json` and one private
//! package per license with tasks. Commitments and packages are computed in
//! parallel over licenses.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use eligo_circuits::native::{exclusion_leaf, fp_to_hex, registry_leaf, SparseTree};
use eligo_circuits::poseidon::Tag;
use eligo_circuits::{layout, ExclusionReason, Fp, LicenseLog, Shape, StatementError, Threshold};
use eligo_verifier::{SnapshotPublic, ThresholdFields, SNAPSHOT_FORMAT};
use rayon::prelude::*;

use crate::digest;
use crate::inputs::TaskLogs;
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

/// Builds the snapshot. Salts come from `salts`, asked once per license
/// in increasing license order: an RNG (any [`rand_core::Rng`]) or the
/// network's [`crate::salt::SaltKey`].
pub fn build(
    config: &SnapshotConfig,
    logs: &TaskLogs,
    exclusions: &BTreeMap<u64, ExclusionReason>,
    salts: &mut impl SaltSource,
) -> Result<Snapshot, StatementError> {
    build_with_progress(config, logs, exclusions, salts, &|_, _| {})
}

/// [`build`], calling `progress(done, total)` (from any thread) as each
/// license's commitment is computed.
pub fn build_with_progress(
    config: &SnapshotConfig,
    logs: &TaskLogs,
    exclusions: &BTreeMap<u64, ExclusionReason>,
    salts: &mut impl SaltSource,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Snapshot, StatementError> {
    let shape = config.shape;
    let mut oversized = Vec::new();
    let mut accepted: Vec<(u64, LicenseLog)> = Vec::new();
    for (id, entries) in logs {
        shape.check_license(*id)?;
        if entries.len() > shape.capacity() {
            oversized.push((*id, entries.len()));
            continue;
        }
        accepted.push((
            *id,
            LicenseLog {
                entries: entries.clone(),
                salt: salts.salt(&config.program_id, *id),
            },
        ));
    }
    let done = AtomicUsize::new(0);
    let total = accepted.len();
    let per_license: Vec<(Fp, (u64, Fp))> = accepted
        .par_iter()
        .map(|(id, log)| {
            let d = digest::detail_digest(&shape, &log.entries)?;
            let leaf = registry_leaf(*id, log.commitment_with_digest(&shape, d)?);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Ok((d, (*id, leaf)))
        })
        .collect::<Result<_, StatementError>>()?;
    let (digests, leaves): (Vec<Fp>, Vec<(u64, Fp)>) = per_license.into_iter().unzip();
    let registry = SparseTree::build(shape.depth(), Tag::RegistryNode, leaves)?;
    let exclusion = exclusion_tree(&shape, exclusions)?;
    let packages: Vec<Package> = accepted
        .par_iter()
        .zip(digests.par_iter())
        .map(|((id, log), d)| {
            Package::new(
                &config.program_id,
                shape.capacity(),
                shape.depth(),
                *id,
                log,
                *d,
                &registry.path(*id),
                exclusion.leaf(*id),
                &exclusion.path(*id),
            )
        })
        .collect();
    let public = SnapshotPublic {
        format: SNAPSHOT_FORMAT.into(),
        program_id: config.program_id.clone(),
        capacity: shape.capacity(),
        depth: shape.depth(),
        threshold: ThresholdFields {
            num: config.threshold.num(),
            den: config.threshold.den(),
        },
        registry_root: fp_to_hex(&registry.root()),
        exclusion_root: fp_to_hex(&exclusion.root()),
        licenses: packages.len() as u64,
        excluded: exclusions.len() as u64,
        k: layout::k_for(&shape),
    };
    Ok(Snapshot {
        public,
        packages,
        oversized,
    })
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
