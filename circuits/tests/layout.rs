//! The row budget of `layout.rs` against halo2 itself: every shape proves
//! at `k_for(shape)` and cannot be laid out at `k_for(shape) - 1`, and the
//! reserved rows the budget assumes are the constraint system's.

mod fixture;

use eligo_circuits::layout::{k_for, rows_needed, usable_rows, MIN_K, PRODUCTION_K, RESERVED_ROWS};
use eligo_circuits::{EligibilityCircuit, Shape, Threshold};
use fixture::{build, codes};
use halo2_proofs::dev::MockProver;
use halo2_proofs::plonk::{Circuit, ConstraintSystem};
use pasta_curves::Fp;

fn mock(shape: Shape, k: u32) -> Result<(), String> {
    let f = build(
        shape,
        shape.max_licenses() - 1,
        codes(&shape, shape.capacity() - 1, shape.capacity()),
        Threshold::default_threshold(),
        None,
    );
    let prover = MockProver::run(k, &f.circuit(), vec![f.instance.to_column()])
        .map_err(|e| format!("synthesis: {e:?}"))?;
    prover.verify().map_err(|e| format!("{} failures", e.len()))
}

#[test]
fn every_shape_fits_its_k_and_not_one_less() {
    for (capacity, depth) in [(256, 4), (4096, 20), (16384, 20), (32768, 20), (65536, 20)] {
        let shape = Shape::new(capacity, depth).unwrap();
        let k = k_for(&shape);
        assert_eq!(mock(shape, k), Ok(()), "{capacity}/{depth} at k = {k}");
        if k > MIN_K {
            assert!(
                rows_needed(&shape) - RESERVED_ROWS > usable_rows(k - 1),
                "{capacity}/{depth}"
            );
            assert!(
                mock(shape, k - 1).is_err(),
                "{capacity}/{depth} also fits k = {}",
                k - 1
            );
        }
    }
    assert_eq!(k_for(&Shape::default_shape()), PRODUCTION_K);
}

/// The reserved rows are halo2's. (The column counts are held to the
/// constraint system by `proofs::pinned_circuit_description_and_proof_size`,
/// through `eligo_params::CircuitFigures`.)
#[test]
fn reserved_rows_are_the_constraint_systems() {
    let mut cs = ConstraintSystem::<Fp>::default();
    let _ = EligibilityCircuit::configure(&mut cs);
    assert_eq!(cs.blinding_factors() + 1, RESERVED_ROWS);
}
