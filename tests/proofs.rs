//! Real halo2 proofs end to end (small capacity): every positive check has
//! negative twins.

mod common;

use common::{prover, small, snapshot, verifier};
use eligo_circuits::native::fp_to_hex;
use eligo_circuits::{layout, Address, ClaimContext, Fp, Instance, PayoutOption, Shape, Threshold};
use eligo_params::CircuitFigures;
use eligo_prover::witness::{prepare, Details, Prepared};
use eligo_prover::ProveJob;
use eligo_verifier::{ProofError, ProofFile, Verifier, VerifyError};
use ff::Field;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;

fn ctx(option: PayoutOption) -> ClaimContext {
    common::ctx(option)
}

struct Setup {
    snapshot: eligo_prover::snapshot::Snapshot,
    license0: Prepared,
    last: Prepared,
    proof0: Vec<u8>,
    file0: ProofFile,
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        let shape = small();
        let snapshot = snapshot(shape, 1);
        let find = |id: u64| {
            let p = snapshot
                .packages
                .iter()
                .find(|p| p.license_id == id)
                .unwrap();
            prepare(&snapshot.public, p, Details::Recompute).unwrap()
        };
        let license0 = find(0);
        let last = find(shape.max_licenses() - 1);
        let job = ProveJob {
            witness: license0.witness.clone(),
            instance: license0.instance(&ctx(PayoutOption::Ifx)),
        };
        let proof0 = prover(shape)
            .prove_with(&job, ChaCha20Rng::seed_from_u64(42))
            .unwrap();
        let file0 =
            prover(shape).proof_file("test", &job.instance, &ctx(PayoutOption::Ifx), &proof0);
        Setup {
            snapshot,
            license0,
            last,
            proof0,
            file0,
        }
    })
}

fn instance0() -> Instance {
    setup().license0.instance(&ctx(PayoutOption::Ifx))
}

#[test]
fn eligible_license_verifies_and_replays_fail() {
    let s = setup();
    let v = verifier(small());
    assert_eq!(v.verify_instance(&instance0(), &s.proof0), Ok(()));

    // Another claim context: option, claimant, contract, chain.
    let mut other = ctx(PayoutOption::Weth);
    assert!(matches!(
        v.verify_instance(&s.license0.instance(&other), &s.proof0),
        Err(VerifyError::Proof(_))
    ));
    other.option = PayoutOption::Ifx;
    other.claimant = Address::parse("0xa2").unwrap();
    assert!(v
        .verify_instance(&s.license0.instance(&other), &s.proof0)
        .is_err());
    other = ctx(PayoutOption::Ifx);
    other.chain_id = 8;
    assert!(v
        .verify_instance(&s.license0.instance(&other), &s.proof0)
        .is_err());

    // Another license id, root, threshold.
    let i = instance0();
    let (reg, ex, id, t, c) = (
        i.registry_root(),
        i.exclusion_root(),
        i.license_id(),
        i.threshold(),
        i.claim_ctx(),
    );
    let other = Threshold::new(666, 1000).unwrap();
    for (reg, ex, id, t) in [
        (reg, ex, 1, t),
        (reg + Fp::ONE, ex, id, t),
        (reg, ex + Fp::ONE, id, t),
        (reg, ex, id, other),
    ] {
        let i = Instance::new(&small(), reg, ex, id, t, c).unwrap();
        assert!(v.verify_instance(&i, &s.proof0).is_err());
    }
}

/// Participation must be strictly over the threshold: license 3 did 2 of
/// its 3 tasks (66.67%). Its honest witness proves nothing at 667/1000 nor
/// at exactly 2/3; at 666/1000 it is over, and the proof verifies. The
/// threshold is public, so the same key serves all three.
#[test]
fn a_license_not_over_the_threshold_gets_no_valid_proof() {
    let shape = small();
    let c = ctx(PayoutOption::Ifx);
    for (num, den, over) in [(667, 1000, false), (2, 3, false), (666, 1000, true)] {
        let threshold = Threshold::new(num, den).unwrap();
        let snap = eligo_prover::snapshot::build(
            &eligo_prover::snapshot::SnapshotConfig {
                shape,
                threshold,
                program_id: "test".into(),
            },
            &std::collections::BTreeMap::from([(3, common::log(2000, 2, 3))]),
            &std::collections::BTreeMap::new(),
            &mut ChaCha20Rng::seed_from_u64(9),
        )
        .unwrap();
        let prepared = prepare(&snap.public, &snap.packages[0], Details::Recompute).unwrap();
        assert_eq!(prepared.verdict.is_eligible(), over, "{threshold}");
        let job = ProveJob {
            witness: prepared.witness.clone(),
            instance: prepared.instance(&c),
        };
        let proved = prover(shape).prove_with(&job, ChaCha20Rng::seed_from_u64(4));
        let verified = proved
            .as_ref()
            .ok()
            .map(|proof| verifier(shape).verify_instance(&job.instance, proof));
        if over {
            assert_eq!(verified, Some(Ok(())), "{threshold}");
        } else {
            assert!(
                !matches!(verified, Some(Ok(()))),
                "{threshold}: {verified:?}"
            );
        }
    }
}

#[test]
fn last_license_index_with_full_log_verifies() {
    let s = setup();
    let c = ctx(PayoutOption::Weth);
    let job = ProveJob {
        witness: s.last.witness.clone(),
        instance: s.last.instance(&c),
    };
    let proof = prover(small())
        .prove_with(&job, ChaCha20Rng::seed_from_u64(3))
        .unwrap();
    assert_eq!(
        verifier(small()).verify_instance(&job.instance, &proof),
        Ok(())
    );
    // The other license's instance does not accept it.
    assert!(verifier(small())
        .verify_instance(&s.license0.instance(&c), &proof)
        .is_err());
}

#[test]
fn tampered_proof_bytes_fail() {
    let s = setup();
    let v = verifier(small());
    for pos in [0, 1, 100, s.proof0.len() / 2, s.proof0.len() - 1] {
        let mut bad = s.proof0.clone();
        bad[pos] ^= 0x01;
        assert!(v.verify_instance(&instance0(), &bad).is_err(), "byte {pos}");
    }
    let mut long = s.proof0.clone();
    long.extend_from_slice(&[0, 0, 0]);
    assert_eq!(
        v.verify_instance(&instance0(), &long),
        Err(VerifyError::Proof(ProofError::TrailingBytes(3)))
    );
    assert!(v
        .verify_instance(&instance0(), &s.proof0[..s.proof0.len() - 1])
        .is_err());
    assert!(v.verify_instance(&instance0(), &[]).is_err());
    assert!(matches!(
        v.verify_instance(
            &instance0(),
            &vec![0u8; eligo_verifier::MAX_PROOF_BYTES + 1]
        ),
        Err(VerifyError::Proof(ProofError::TooLarge(_)))
    ));
}

/// Bytes of one item of the proof transcript (a compressed point or a
/// scalar).
const ITEM_BYTES: usize = 32;

/// Whether a verification error says the proof bytes could not be decoded
/// (as opposed to decoding and then failing the checks).
fn is_decode_error(e: &VerifyError) -> bool {
    matches!(e, VerifyError::Proof(ProofError::Decode(_)))
}

#[test]
fn non_canonical_encodings_are_refused_at_every_position() {
    let s = setup();
    let v = verifier(small());
    assert_eq!(s.proof0.len() % ITEM_BYTES, 0);
    // All ones: as a point, an x-coordinate above the base field modulus;
    // as a scalar, a value above the scalar field modulus. Every item of
    // the transcript is one or the other, and neither may be reduced.
    let items = s.proof0.len() / ITEM_BYTES;
    for item in 0..items {
        let mut bad = s.proof0.clone();
        bad[item * ITEM_BYTES..(item + 1) * ITEM_BYTES].fill(0xff);
        match v.verify_instance(&instance0(), &bad) {
            Ok(()) => panic!("item {item}: a non-canonical encoding verified"),
            // Every item, the IPA's included, is refused as undecodable
            // before any check runs.
            Err(e) if is_decode_error(&e) => {}
            Err(e) => panic!("item {item}: {e}"),
        }
    }
}

#[test]
fn a_commitment_off_the_curve_is_refused() {
    use group::GroupEncoding;
    let s = setup();
    let v = verifier(small());
    // The first x (canonical, below the modulus) with no point on Vesta:
    // x^3 + 5 is not a square.
    let off_curve = (2u64..)
        .map(|x| {
            let mut bytes = [0u8; ITEM_BYTES];
            bytes[..8].copy_from_slice(&x.to_le_bytes());
            bytes
        })
        .find(|b| bool::from(pasta_curves::vesta::Affine::from_bytes(b).is_none()))
        .unwrap();
    // The proof opens with the advice commitments.
    let mut bad = s.proof0.clone();
    bad[..ITEM_BYTES].copy_from_slice(&off_curve);
    let e = v.verify_instance(&instance0(), &bad).unwrap_err();
    assert!(is_decode_error(&e), "{e}");
}

#[test]
fn proof_file_checks_against_the_snapshot() {
    let s = setup();
    let v = verifier(small());
    let snap = &s.snapshot.public;
    assert_eq!(v.verify_file(snap, &s.file0), Ok(()));

    let mut f = s.file0.clone();
    f.claim.claimant = "0x00000000000000000000000000000000000000a2".into();
    assert_eq!(
        v.verify_file(snap, &f),
        Err(VerifyError::ClaimContextMismatch)
    );
    // The thief also recomputes the context: the proof itself objects.
    let mut c = ctx(PayoutOption::Ifx);
    c.claimant = Address::parse(&f.claim.claimant).unwrap();
    f.public_inputs.claim_ctx = fp_to_hex(&c.hash());
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::Proof(_))
    ));

    let mut f = s.file0.clone();
    f.public_inputs.registry_root = fp_to_hex(&Fp::ONE);
    assert_eq!(
        v.verify_file(snap, &f),
        Err(VerifyError::RootMismatch("registry"))
    );
    let mut f = s.file0.clone();
    f.public_inputs.threshold_num = 500;
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::ThresholdMismatch { .. })
    ));
    let mut f = s.file0.clone();
    f.public_inputs.license_id = 3;
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::Proof(_))
    ));
    let mut f = s.file0.clone();
    f.circuit_fingerprint = "00".repeat(32);
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::CircuitMismatch { .. })
    ));
    let mut f = s.file0.clone();
    f.program_id = "other".into();
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::ProgramMismatch { .. })
    ));
    let mut f = s.file0.clone();
    f.proof.push_str("zz");
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::Malformed(_))
    ));
    let mut f = s.file0.clone();
    f.claim.option = "usdt".into();
    assert!(matches!(
        v.verify_file(snap, &f),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn proof_for_another_capacity_fails_with_a_clear_reason() {
    let s = setup();
    let v = verifier(small());
    let big = Shape::new(512, 4).unwrap();
    let other = snapshot(big, 1);
    let p = prepare(&other.public, &other.packages[0], Details::Trust).unwrap();
    let c = ctx(PayoutOption::Ifx);
    let job = ProveJob {
        witness: p.witness.clone(),
        instance: p.instance(&c),
    };
    let big_prover = eligo_prover::Prover::new(common::params(&big), big).unwrap();
    let proof = big_prover
        .prove_with(&job, ChaCha20Rng::seed_from_u64(5))
        .unwrap();
    let file = big_prover.proof_file("test", &job.instance, &c, &proof);
    // Against the small snapshot: the shape differs.
    match v.verify_file(&s.snapshot.public, &file) {
        Err(e @ VerifyError::ShapeMismatch { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("capacity 512") && msg.contains("capacity 256"),
                "{msg}"
            );
        }
        other => panic!("expected a shape mismatch, got {other:?}"),
    }
    // Its bytes against the small circuit: rejected, never a panic.
    assert!(v.verify_instance(&instance0(), &proof).is_err());
    // And it does verify with its own verifier.
    let big_v: Verifier = big_prover.verifier().unwrap();
    assert_eq!(big_v.verify_file(&other.public, &file), Ok(()));
}

#[test]
fn batch_verification_names_the_bad_proof() {
    let s = setup();
    let v = verifier(small());
    let good = (instance0(), s.proof0.clone());
    let i = instance0();
    let wrong_instance = Instance::new(
        &small(),
        i.registry_root(),
        i.exclusion_root(),
        i.license_id(),
        i.threshold(),
        i.claim_ctx() + Fp::ONE,
    )
    .unwrap();
    let items = vec![
        good.clone(),
        (wrong_instance, s.proof0.clone()),
        good.clone(),
        (instance0(), s.proof0[..10].to_vec()),
    ];
    let results = v.verify_batch(&items);
    assert_eq!(results[0], Ok(()));
    assert!(results[1].is_err());
    assert_eq!(results[2], Ok(()));
    assert!(results[3].is_err());
    assert!(v
        .verify_batch(&[good.clone(), good])
        .iter()
        .all(|r| r.is_ok()));
}

#[test]
fn parallel_batch_proves_every_license() {
    let s = setup();
    let c = ctx(PayoutOption::Ifx);
    // 5 licenses on 2 threads: 4 side by side, then the tail on the pool.
    let jobs: Vec<ProveJob> = [&s.license0, &s.last, &s.license0, &s.last, &s.license0]
        .iter()
        .map(|p| ProveJob {
            witness: p.witness.clone(),
            instance: p.instance(&c),
        })
        .collect();
    let out = std::sync::Mutex::new(vec![None; jobs.len()]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        prover(small()).prove_batch(&jobs, |i, r| out.lock().unwrap()[i] = Some(r.unwrap()))
    });
    let out = out.into_inner().unwrap();
    for (job, proof) in jobs.iter().zip(out) {
        assert_eq!(
            verifier(small()).verify_instance(&job.instance, &proof.unwrap()),
            Ok(())
        );
    }
}

/// The reviewable description of the small circuit's verifying key
/// (halo2's pinned key, pretty-printed): every gate, query, column and
/// commitment. Regenerate with `ELIGO_REGENERATE_PINS=1 cargo test
/// --release --test proofs pinned` after a deliberate layout change, and
/// review the diff with the fingerprint and proof size below.
const PINNED_DESCRIPTION: &str = "tests/pinned/vk-256-4.txt";
/// Set to rewrite [`PINNED_DESCRIPTION`] instead of comparing with it.
const REGENERATE_PINS: &str = "ELIGO_REGENERATE_PINS";

/// Brackets nested deeper than this stay on one line (one gate constraint,
/// one query, one commitment per line).
const REVIEW_DEPTH: usize = 4;

/// halo2's one-line pinned description with a line break after each comma
/// at depth at most [`REVIEW_DEPTH`]: removing the inserted breaks gives
/// the exact text the fingerprint hashes.
fn reviewable(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == ',' && depth <= REVIEW_DEPTH && chars.peek() == Some(&' ') {
            chars.next();
            out.push_str(",\n");
            out.extend(std::iter::repeat_n(' ', 2 * depth));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// Pinned figures of the small circuit: any layout change shows up here
/// (update docs/protocol.md with it).
#[test]
fn pinned_circuit_description_and_proof_size() {
    let s = setup();
    let shape = small();
    let figures = CircuitFigures::of(&shape);
    assert_eq!(
        figures,
        CircuitFigures {
            k: 8,
            rows: 80,
            advice_columns: layout::ADVICE_COLUMNS,
            fixed_columns: layout::FIXED_COLUMNS,
            selectors: 10,
            instance_columns: 1,
            permutations: 11,
            degree: 6,
        }
    );
    assert_eq!((layout::ADVICE_COLUMNS, layout::FIXED_COLUMNS), (114, 7));
    assert_eq!(layout::k_for(&Shape::default_shape()), layout::PRODUCTION_K);
    assert_eq!(s.proof0.len(), PINNED_PROOF_BYTES);
    let description = reviewable(&format!("{:?}", common::prover(shape).halo2_vk().pinned()));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PINNED_DESCRIPTION);
    if std::env::var_os(REGENERATE_PINS).is_some() {
        std::fs::write(&path, &description).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap();
    assert!(
        pinned == description,
        "the verifying key's description differs from {PINNED_DESCRIPTION}; \
         if the change is deliberate, rerun with {REGENERATE_PINS}=1 and review the diff"
    );
    let compact: String = {
        let mut t = description.replace(",\n", ", ");
        t.retain(|c| c != '\n');
        t
    };
    let compact = compact
        .split(", ")
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(
        compact,
        format!("{:?}", common::prover(shape).halo2_vk().pinned())
    );
    assert_eq!(verifier(shape).fingerprint(), PINNED_FINGERPRINT);
}

const PINNED_PROOF_BYTES: usize = 12_896;
const PINNED_FINGERPRINT: &str = "8c6762bc2ee2d05365456ce8c58c72ce726b36ff72d85ed94762c10b3c4e5e06";

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, rng_seed: proptest::test_runner::RngSeed::Fixed(11), ..ProptestConfig::default() })]

    /// Random and mutated proof bytes: never a panic, never accepted.
    #[test]
    fn verifier_never_panics_on_garbage(
        bytes in proptest::collection::vec(any::<u8>(), 0..8000),
        pos in any::<usize>(),
        flip in 1u8..=255,
    ) {
        let v = verifier(small());
        prop_assert!(v.verify_instance(&instance0(), &bytes).is_err());
        let mut mutated = setup().proof0.clone();
        let p = pos % mutated.len();
        mutated[p] ^= flip;
        prop_assert!(v.verify_instance(&instance0(), &mutated).is_err());
        // Any bytes as a proof file: a typed error, not a panic.
        let _ = ProofFile::from_json(&bytes);
    }
}
