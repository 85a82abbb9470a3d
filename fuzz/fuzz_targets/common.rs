#![allow(dead_code)]
//! Shared by the targets: a verifier for the smallest shape, built once.

use std::sync::OnceLock;

use eligo_circuits::{layout, Fp, Instance, Shape, Threshold};
use eligo_params::{NoProgress, ParamsStore};
use eligo_verifier::Verifier;

/// The smallest shape: fast to verify, so many executions per second.
pub fn shape() -> Shape {
    Shape::new(256, 4).expect("valid shape")
}

/// The verifier (parameters from `$ELIGO_HOME`, generated on first use).
pub fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let shape = shape();
        let params = ParamsStore::at_default_home()
            .and_then(|s| s.load_or_generate(layout::k_for(&shape), &NoProgress))
            .expect("parameters");
        Verifier::new(params, shape).expect("verifying key")
    })
}

/// An instance with fixed values (no proof is valid for it).
pub fn instance() -> Instance {
    Instance::new(
        &shape(),
        Fp::from(1),
        Fp::from(2),
        3,
        Threshold::default_threshold(),
        Fp::from(4),
    )
    .expect("valid instance")
}
