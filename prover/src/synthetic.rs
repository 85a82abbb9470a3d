//! Generated licenses for benchmarks and the demo: full logs with a fixed
//! share of executed tasks.

use std::collections::BTreeMap;

use eligo_circuits::{
    Address, ClaimContext, ExclusionReason, Outcome, PayoutOption, Shape, StatementError,
    TaskEntry, Threshold,
};
use eligo_verifier::SnapshotPublic;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::inputs::TaskLogs;
use crate::package::Package;
use crate::snapshot::{self, SnapshotConfig};
use crate::witness::{prepare, Details};
use crate::ProveJob;

/// Share of executed tasks in generated logs, per mille.
pub const EXECUTED_PER_MILLE: usize = 900;

/// Logs of licenses `0..n`, each with `capacity` tasks.
pub fn full_logs(shape: &Shape, n: usize) -> TaskLogs {
    let mut logs = BTreeMap::new();
    for id in 0..n as u64 {
        let entries: Vec<TaskEntry> = (0..shape.capacity())
            .map(|i| TaskEntry {
                task_id: id * 10_000_000 + i as u64,
                epoch: (i / 1000) as u32,
                outcome: if i * 1000 < shape.capacity() * EXECUTED_PER_MILLE {
                    Outcome::Executed
                } else {
                    Outcome::Missed
                },
            })
            .collect();
        logs.insert(id, entries);
    }
    logs
}

/// A snapshot of `n` full-log licenses (plus the last index blacklisted),
/// with a seeded RNG.
pub fn snapshot(shape: Shape, n: usize) -> Result<(SnapshotPublic, Vec<Package>), StatementError> {
    let logs = full_logs(&shape, n);
    let mut excl = BTreeMap::new();
    excl.insert(shape.max_licenses() - 1, ExclusionReason::Blacklisted);
    let config = SnapshotConfig {
        shape,
        threshold: Threshold::default_threshold(),
        program_id: "bench".into(),
    };
    let snap = snapshot::build(&config, &logs, &excl, &mut ChaCha20Rng::seed_from_u64(1))?;
    Ok((snap.public, snap.packages))
}

/// The claim context used by generated jobs.
pub fn context() -> ClaimContext {
    ClaimContext {
        chain_id: 1,
        contract: Address::parse("0xc1").expect("valid"),
        claimant: Address::parse("0xa1").expect("valid"),
        option: PayoutOption::Ifx,
    }
}

/// Proving jobs for the packages of a snapshot.
pub fn jobs(public: &SnapshotPublic, packages: &[Package]) -> Vec<ProveJob> {
    packages
        .iter()
        .map(|p| {
            let prepared = prepare(public, p, Details::Trust).expect("generated package");
            ProveJob {
                witness: prepared.witness.clone(),
                instance: prepared.instance(&context()),
            }
        })
        .collect()
}
