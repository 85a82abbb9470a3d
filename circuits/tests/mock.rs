//! MockProver tests of the eligibility circuit: the honest statement holds,
//! and each tampered witness fails with the exact constraint.

mod fixture;

use eligo_circuits::chips::pack::{log_rows, range_rows, LANE_WIDTH, ROWS_PER_WORD};
use eligo_circuits::chips::threshold::MARGIN_LIMBS;
use eligo_circuits::chips::{RangeCheck, Site};
use eligo_circuits::circuit::{CLAIM_CTX, REGISTRY_ROOT};
use eligo_circuits::layout::{k_for, LANES};
use eligo_circuits::{EligibilityCircuit, ExclusionReason, Fp, Instance, Shape, Threshold};
use ff::Field;
use fixture::{build, codes, Fixture};
use halo2_proofs::dev::{MockProver, VerifyFailure};

fn small() -> Shape {
    Shape::new(256, 4).unwrap()
}

fn run(circuit: &EligibilityCircuit, instance: &Instance) -> Result<(), Vec<VerifyFailure>> {
    let k = k_for(&circuit.shape());
    MockProver::run(k, circuit, vec![instance.to_column()])
        .expect("synthesis")
        .verify()
}

/// `(constraint, location)` display strings of every failure.
fn describe(failures: &[VerifyFailure]) -> Vec<String> {
    failures
        .iter()
        .map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint,
                location,
                ..
            } => format!("{constraint} {location}"),
            other => format!("{other}"),
        })
        .collect()
}

/// Asserts that some failure is the named constraint of the named gate in
/// the named region at the given offset.
#[track_caller]
fn assert_fails_with(
    result: &Result<(), Vec<VerifyFailure>>,
    gate: &str,
    constraint: &str,
    region: &str,
    offset: usize,
) {
    let failures = result
        .as_ref()
        .expect_err("the tampered witness must be rejected");
    let d = describe(failures);
    let wanted_c = format!("('{constraint}') in gate");
    let wanted_g = format!("('{gate}')");
    let wanted_l = format!("('{region}') at offset {offset}");
    assert!(
        d.iter()
            .any(|s| s.contains(&wanted_c) && s.contains(&wanted_g) && s.contains(&wanted_l)),
        "expected {gate}/{constraint} in {region} at {offset}, got {d:#?}"
    );
}

/// The margin `executed * den - assigned * num - 1` is negative: its range
/// check refuses it (participation not strictly over the threshold).
#[track_caller]
fn assert_margin_out_of_range(result: &Result<(), Vec<VerifyFailure>>) {
    assert_fails_with(
        result,
        "range check end",
        "limbs fold to value",
        "range check: executed * den - assigned * num - 1",
        range_rows(MARGIN_LIMBS) - 1,
    );
}

/// The margin cell does not hold `executed * den - assigned * num - 1`:
/// the threshold gate refuses it.
#[track_caller]
fn assert_margin_gate_fails(result: &Result<(), Vec<VerifyFailure>>) {
    assert_fails_with(
        result,
        "threshold",
        "executed * den - assigned * num - 1",
        "threshold",
        0,
    );
}

fn honest(executed: usize, assigned: usize) -> Fixture {
    let shape = small();
    build(
        shape,
        3,
        codes(&shape, executed, assigned),
        Threshold::default_threshold(),
        None,
    )
}

#[test]
fn honest_eligible_license_is_accepted() {
    let f = honest(200, 250);
    assert_eq!(run(&f.circuit(), &f.instance), Ok(()));
}

#[test]
fn full_log_and_single_task_are_accepted() {
    let shape = small();
    for (e, a) in [(256, 256), (1, 1), (255, 256)] {
        let f = build(
            shape,
            3,
            codes(&shape, e, a),
            Threshold::default_threshold(),
            None,
        );
        assert_eq!(run(&f.circuit(), &f.instance), Ok(()), "{e}/{a}");
    }
}

#[test]
fn first_and_last_license_index_are_accepted() {
    let shape = small();
    for id in [0, shape.max_licenses() - 1] {
        let f = build(
            shape,
            id,
            codes(&shape, 10, 10),
            Threshold::default_threshold(),
            None,
        );
        assert_eq!(run(&f.circuit(), &f.instance), Ok(()), "license {id}");
    }
}

#[test]
fn license_beyond_the_tree_is_rejected() {
    // The public id is beyond the tree; the prover's rows hold license 3.
    let f = honest(10, 10);
    let mut column = f.instance.to_column();
    column[eligo_circuits::circuit::LICENSE_ID] = Fp::from(small().max_licenses() + 3);
    let result = MockProver::run(k_for(&small()), &f.circuit(), vec![column])
        .unwrap()
        .verify();
    let d = describe(&result.unwrap_err());
    assert!(
        d.iter().any(|s| s.contains("Instance")
            && s.contains(&format!("row {}", eligo_circuits::circuit::LICENSE_ID))),
        "{d:#?}"
    );
    // Rows that follow the public id fail the index bits (see the
    // adversarial tests for the exact failure).
    let c = f
        .circuit()
        .tamper(
            Site::Link {
                link: eligo_circuits::chips::Link::LicenseId,
                occurrence: 0,
            },
            Fp::from(small().max_licenses() + 3),
        )
        .tamper(
            Site::IndexAcc { level: 1 },
            Fp::from((small().max_licenses() + 3) >> 1),
        );
    let result = MockProver::run(k_for(&small()), &c, vec![f.instance.to_column()])
        .unwrap()
        .verify();
    assert!(result.is_err());
}

#[test]
fn malformed_outcome_code_is_rejected() {
    let f = honest(100, 120);
    let slot = LANE_WIDTH + 5; // word 0: log row 2, column 5
    let circuit = f.circuit().tamper(Site::Code { index: slot }, Fp::from(4));
    let result = run(&circuit, &f.instance);
    assert_fails_with(
        &result,
        "code well-formed",
        "code in {0,1,2}",
        "outcome log",
        2,
    );
}

#[test]
fn packed_word_not_matching_codes_is_rejected() {
    let f = honest(100, 120);
    let circuit = f.circuit().tamper(
        Site::PackAcc {
            lane: 1,
            row: ROWS_PER_WORD,
        },
        Fp::from(12345),
    );
    assert_fails_with(
        &run(&circuit, &f.instance),
        "pack word continue",
        "acc = prev * 3^W + row value",
        "outcome log",
        ROWS_PER_WORD,
    );
}

#[test]
fn wrapped_count_is_rejected() {
    let f = honest(100, 120);
    // Claim "assigned" wrapped around the field on the last row.
    let last = log_rows(small().words(), LANES) - 1;
    let circuit = f.circuit().tamper(Site::Assigned { row: last }, -Fp::ONE);
    assert_fails_with(
        &run(&circuit, &f.instance),
        "count outcomes",
        "assigned count",
        "outcome log",
        last,
    );
    let circuit = f.circuit().tamper(Site::Executed { row: 1 }, Fp::from(200));
    assert_fails_with(
        &run(&circuit, &f.instance),
        "count outcomes",
        "executed count",
        "outcome log",
        1,
    );
}

#[test]
fn lying_comparison_witness_is_rejected() {
    // Ineligible (2 of 3), the prover claims a small positive difference.
    let shape = small();
    let f = build(
        shape,
        3,
        codes(&shape, 2, 3),
        Threshold::default_threshold(),
        None,
    );
    let circuit = f
        .circuit()
        .tamper(Site::Checked(RangeCheck::Margin), Fp::from(5));
    assert_margin_gate_fails(&run(&circuit, &f.instance));
}

#[test]
fn two_of_three_is_not_eligible_at_667() {
    let shape = small();
    let f = build(
        shape,
        3,
        codes(&shape, 2, 3),
        Threshold::default_threshold(),
        None,
    );
    assert_margin_out_of_range(&run(&f.circuit(), &f.instance));
    // ... but is at 666/1000.
    let f = build(
        shape,
        3,
        codes(&shape, 2, 3),
        Threshold::new(666, 1000).unwrap(),
        None,
    );
    assert_eq!(run(&f.circuit(), &f.instance), Ok(()));
}

#[test]
fn threshold_boundary_667_vs_668_per_mille() {
    // "Over 66.7%" is strict: 668 of 1,000 is eligible, 667 of 1,000 is
    // not (its margin is -1), and neither is 666 of 1,000.
    let shape = Shape::new(1024, 4).unwrap();
    let t = Threshold::default_threshold();
    let ok = build(shape, 9, codes(&shape, 668, 1000), t, None);
    assert_eq!(run(&ok.circuit(), &ok.instance), Ok(()));
    for executed in [667, 666] {
        let ko = build(shape, 9, codes(&shape, executed, 1000), t, None);
        assert_margin_out_of_range(&run(&ko.circuit(), &ko.instance));
    }
}

#[test]
fn exactly_at_the_threshold_cannot_claim_a_zero_margin() {
    // 667 of 1,000: the honest margin is -1; a prover who writes 0 in the
    // margin cell breaks the threshold gate.
    let shape = Shape::new(1024, 4).unwrap();
    let f = build(
        shape,
        9,
        codes(&shape, 667, 1000),
        Threshold::default_threshold(),
        None,
    );
    let circuit = f
        .circuit()
        .tamper(Site::Checked(RangeCheck::Margin), Fp::ZERO);
    assert_margin_gate_fails(&run(&circuit, &f.instance));
}

#[test]
fn a_threshold_of_one_is_never_met() {
    // num = den: strictly over 100% is impossible, even for a full log.
    let shape = small();
    let f = build(
        shape,
        3,
        codes(&shape, 10, 10),
        Threshold::new(1000, 1000).unwrap(),
        None,
    );
    assert_margin_out_of_range(&run(&f.circuit(), &f.instance));
}

#[test]
fn empty_log_is_rejected() {
    // No task: 0 of 0 gives a margin of -1.
    let f = honest(0, 0);
    assert_margin_out_of_range(&run(&f.circuit(), &f.instance));
}

#[test]
fn excluded_license_is_rejected_for_both_reasons() {
    let shape = small();
    for reason in [ExclusionReason::Blacklisted, ExclusionReason::Airdrop] {
        let f = build(
            shape,
            3,
            codes(&shape, 10, 10),
            Threshold::default_threshold(),
            Some(reason),
        );
        assert_eq!(Some(f.witness.exclusion_leaf), f.excluded_leaf);
        let result = run(&f.circuit(), &f.instance);
        assert_eq!(
            result.as_ref().unwrap_err().len(),
            1,
            "{:#?}",
            describe(result.as_ref().unwrap_err())
        );
        assert_fails_with(
            &result,
            "exclusion leaf empty",
            "exclusion leaf is empty",
            "merkle paths",
            0,
        );
    }
}

#[test]
fn wrong_registry_leaf_is_rejected() {
    let mut f = honest(10, 10);
    f.witness.salt += Fp::ONE;
    let failures = run(&f.circuit(), &f.instance).unwrap_err();
    let d = describe(&failures);
    assert!(
        d.iter()
            .any(|s| s.contains("Instance") && s.contains(&format!("row {REGISTRY_ROOT}"))),
        "{d:#?}"
    );
}

#[test]
fn wrong_sibling_and_flipped_bit_are_rejected() {
    let f = honest(10, 10);
    let c = f
        .circuit()
        .tamper(Site::RegistrySibling { level: 2 }, Fp::from(99));
    assert!(run(&c, &f.instance).is_err());
    let c = f
        .circuit()
        .tamper(Site::RegistryLeft { level: 1 }, Fp::from(99));
    assert_fails_with(
        &run(&c, &f.instance),
        "merkle level",
        "registry left",
        "merkle paths",
        1,
    );
    let c = f.circuit().tamper(Site::IndexAcc { level: 1 }, Fp::from(2));
    assert_fails_with(
        &run(&c, &f.instance),
        "merkle level",
        "index bit is boolean",
        "merkle paths",
        0,
    );
}

#[test]
fn claim_context_must_be_the_instance_one() {
    let f = honest(10, 10);
    let c = f.circuit().tamper(Site::ClaimContextSquare, Fp::from(4));
    assert_fails_with(
        &run(&c, &f.instance),
        "threshold",
        "claim context square",
        "threshold",
        0,
    );
    // Any other instance value for the context still satisfies the circuit
    // (it is a public input); real proofs bind it through the transcript,
    // see the prover's end-to-end tests.
    let mut column = f.instance.to_column();
    column[CLAIM_CTX] += Fp::ONE;
    assert!(MockProver::run(k_for(&small()), &f.circuit(), vec![column])
        .unwrap()
        .verify()
        .is_ok());
}

#[test]
fn tampered_range_limb_is_rejected() {
    let f = honest(10, 10);
    let c = f.circuit().tamper(
        Site::RangeLimb {
            check: RangeCheck::Margin,
            index: 3,
        },
        Fp::from(7),
    );
    assert_fails_with(
        &run(&c, &f.instance),
        "code well-formed",
        "code in {0,1,2}",
        "range check: executed * den - assigned * num - 1",
        0,
    );
}

mod random_tampering {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;

    /// Code rows of the small shape's log (2 words, one group of lanes).
    const LOG_ROWS: usize = ROWS_PER_WORD;
    /// Task slots of its words (the capacity plus the last word's
    /// padding).
    const SLOTS: usize = 2 * eligo_circuits::native::CODES_PER_WORD;
    /// Limbs of the threshold difference's range check exercised here.
    const LIMBS: usize = 4;

    fn site(kind: usize, pos: usize, depth: usize) -> Site {
        match kind % 11 {
            0 => Site::Code { index: pos % SLOTS },
            // Log rows are 1-based (row 0 holds the zero counts).
            1 => Site::PackAcc {
                lane: pos % 2,
                row: 1 + pos % LOG_ROWS,
            },
            2 => Site::Assigned {
                row: 1 + pos % LOG_ROWS,
            },
            3 => Site::Executed {
                row: 1 + pos % LOG_ROWS,
            },
            4 => Site::Checked(RangeCheck::Margin),
            5 => Site::RangeLimb {
                check: RangeCheck::Margin,
                index: pos % LIMBS,
            },
            6 => Site::ClaimContextSquare,
            7 => Site::IndexAcc {
                level: 1 + pos % (depth - 1),
            },
            8 => Site::RegistrySibling { level: pos % depth },
            9 => Site::RegistryLeft { level: pos % depth },
            _ => Site::ExclusionSibling { level: pos % depth },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            rng_seed: RngSeed::Fixed(0x7a3e),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// One cell of an honest witness overwritten with an unrelated
        /// value (2^200 + r, far from every honest cell's value): never
        /// accepted.
        #[test]
        fn random_tampering_is_never_accepted(
            kind in 0usize..11,
            pos in any::<usize>(),
            r in any::<u64>(),
        ) {
            let f = honest(200, 250);
            let depth = f.shape.depth() as usize;
            let value = Fp::from(2).pow([200]) + Fp::from(r);
            let site = site(kind, pos, depth);
            let result = run(&f.circuit().tamper(site, value), &f.instance);
            prop_assert!(result.is_err(), "{site:?} = 2^200 + {r} was accepted");
        }
    }
}
