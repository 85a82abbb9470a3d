//! Every decoder of untrusted bytes, on random and mutated inputs (a
//! bounded, seeded proptest run; `fuzz/` has the open-ended cargo-fuzz
//! targets for the same decoders): never a panic, always a typed error
//! that names the file where there is one.

mod common;

use std::path::Path;

use common::{small, snapshot};
use eligo_prover::inputs::{parse_exclusions, parse_tasks};
use eligo_prover::package::Package;
use eligo_verifier::{ProofFile, SnapshotPublic};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Cases per decoder and input kind.
const CASES: u32 = 1024;

/// A valid tasks CSV and exclusions CSV to mutate.
const TASKS: &str =
    "license_id,task_id,epoch,outcome\n0,1,1,executed\n0,2,1,failed\n3,7,2,missed\n";
const EXCLUSIONS: &str = "license_id,reason\n5,blacklisted\n6,airdrop\n";

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        rng_seed: RngSeed::Fixed(0xe1160),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A mutation: overwrite, insert or truncate at a position.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
            (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Insert(p, b)),
            any::<usize>().prop_map(Edit::Truncate),
        ],
        1..6,
    )
}

fn mutate(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut v = base.to_vec();
    for e in edits {
        match *e {
            Edit::Set(p, b) if !v.is_empty() => {
                let i = p % v.len();
                v[i] = b;
            }
            Edit::Insert(p, b) => {
                let i = p % (v.len() + 1);
                v.insert(i, b);
            }
            Edit::Truncate(p) => v.truncate(p % (v.len() + 1)),
            Edit::Set(..) => {}
        }
    }
    v
}

/// The valid files of a small snapshot: its public part, one package, one
/// proof file is too slow to make here (tests/proofs.rs mutates those).
fn valid_files() -> &'static (Vec<u8>, Vec<u8>) {
    static FILES: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let snap = snapshot(small(), 3);
        (
            serde_json::to_vec_pretty(&snap.public).unwrap(),
            snap.packages[0].to_json(),
        )
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn csv_parsers_name_the_file_on_any_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        tasks_edits in edits(),
        excl_edits in edits(),
    ) {
        let shape = small();
        let path = Path::new("in/tasks.csv");
        for data in [bytes.clone(), mutate(TASKS.as_bytes(), &tasks_edits)] {
            if let Err(e) = parse_tasks(path, &data, &shape) {
                prop_assert!(e.to_string().starts_with("in/tasks.csv"), "{e}");
            }
        }
        let path = Path::new("in/exclusions.csv");
        for data in [bytes, mutate(EXCLUSIONS.as_bytes(), &excl_edits)] {
            if let Err(e) = parse_exclusions(path, &data, &shape) {
                prop_assert!(e.to_string().starts_with("in/exclusions.csv"), "{e}");
            }
        }
    }

    #[test]
    fn json_decoders_give_typed_errors_on_any_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        snap_edits in edits(),
        pkg_edits in edits(),
    ) {
        let (snap, pkg) = valid_files();
        for data in [bytes.clone(), mutate(snap, &snap_edits)] {
            if let Ok(s) = SnapshotPublic::from_json(&data) {
                // What decodes must also validate or say why.
                let _ = s.values();
            }
        }
        for data in [bytes.clone(), mutate(pkg, &pkg_edits)] {
            if let Ok(p) = Package::from_json(&data) {
                let _ = p.values();
            }
        }
        let _ = ProofFile::from_json(&bytes);
    }
}

#[test]
fn the_unmutated_inputs_decode() {
    let shape = small();
    assert!(parse_tasks(Path::new("t.csv"), TASKS.as_bytes(), &shape).is_ok());
    assert!(parse_exclusions(Path::new("e.csv"), EXCLUSIONS.as_bytes(), &shape).is_ok());
    let (snap, pkg) = valid_files();
    SnapshotPublic::from_json(snap).unwrap().values().unwrap();
    Package::from_json(pkg).unwrap().values().unwrap();
}

#[test]
fn decoders_refuse_oversize_input_before_parsing() {
    let huge = vec![b' '; 2 << 20];
    assert!(SnapshotPublic::from_json(&huge).is_err());
    assert!(Package::from_json(&huge).is_err());
    assert!(ProofFile::from_json(&huge).is_err());
}
