//! Shared helpers of the end-to-end tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use eligo_circuits::{ExclusionReason, Outcome, Shape, TaskEntry, Threshold};
use eligo_params::{NoProgress, Params, ParamsStore};
use eligo_prover::inputs::TaskLogs;
use eligo_prover::snapshot::{self, Snapshot, SnapshotConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A shared params cache for all tests (generation happens once).
pub fn home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("eligo-home")
}

pub fn params(shape: &Shape) -> Params {
    ParamsStore::new(home())
        .load_or_generate(eligo_circuits::layout::k_for(shape), &NoProgress)
        .expect("params")
}

pub fn small() -> Shape {
    Shape::new(256, 4).unwrap()
}

/// The claim context the end-to-end tests bind proofs to.
pub fn ctx(option: eligo_circuits::PayoutOption) -> eligo_circuits::ClaimContext {
    eligo_circuits::ClaimContext {
        chain_id: 7,
        contract: eligo_circuits::Address::parse("0x00000000000000000000000000000000000000c1")
            .unwrap(),
        claimant: eligo_circuits::Address::parse("0x00000000000000000000000000000000000000a1")
            .unwrap(),
        option,
    }
}

/// `executed` of `assigned` tasks.
pub fn log(first_task: u64, executed: usize, assigned: usize) -> Vec<TaskEntry> {
    (0..assigned)
        .map(|i| TaskEntry {
            task_id: first_task + i as u64,
            epoch: (i / 16) as u32,
            outcome: if i < executed {
                Outcome::Executed
            } else if i % 2 == 0 {
                Outcome::Failed
            } else {
                Outcome::Missed
            },
        })
        .collect()
}

/// A snapshot with licenses: 0 (eligible, 200/250), 3 (2 of 3),
/// 5 (blacklisted), 6 (airdrop), 15 (eligible, last index, full log).
pub fn snapshot(shape: Shape, seed: u64) -> Snapshot {
    let mut logs: TaskLogs = BTreeMap::new();
    logs.insert(0, log(1000, 200, 250));
    logs.insert(3, log(2000, 2, 3));
    logs.insert(5, log(3000, 10, 10));
    logs.insert(6, log(4000, 10, 10));
    logs.insert(
        shape.max_licenses() - 1,
        log(5000, shape.capacity(), shape.capacity()),
    );
    let mut excl = BTreeMap::new();
    excl.insert(5, ExclusionReason::Blacklisted);
    excl.insert(6, ExclusionReason::Airdrop);
    let config = SnapshotConfig {
        shape,
        threshold: Threshold::default_threshold(),
        program_id: "test".into(),
    };
    snapshot::build(&config, &logs, &excl, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

/// Keys are expensive: build each once per test binary.
pub fn prover(shape: Shape) -> &'static eligo_prover::Prover {
    static SMALL: OnceLock<eligo_prover::Prover> = OnceLock::new();
    assert_eq!(shape, small());
    SMALL.get_or_init(|| eligo_prover::Prover::new(params(&shape), shape).unwrap())
}

pub fn verifier(shape: Shape) -> &'static eligo_verifier::Verifier {
    static SMALL: OnceLock<eligo_verifier::Verifier> = OnceLock::new();
    assert_eq!(shape, small());
    SMALL.get_or_init(|| prover(shape).verifier().unwrap())
}
