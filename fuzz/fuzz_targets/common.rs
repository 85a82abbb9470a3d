#![allow(dead_code)]
//! Shared by the targets: the smallest shape's verifier (key and
//! generators as data; the key is built once with halo2 and cached), and a
//! real proof for the mutation target.

use std::sync::OnceLock;

use eligo_circuits::{layout, Fp, Instance, Shape, Threshold};
use eligo_params::{NoProgress, Params, ParamsStore};
use eligo_verifier::{Generators, Verifier, VerifyingKey};

/// The smallest shape: fast to verify, so many executions per second.
pub fn shape() -> Shape {
    Shape::new(256, 4).expect("valid shape")
}

fn params() -> &'static Params {
    static P: OnceLock<Params> = OnceLock::new();
    P.get_or_init(|| {
        ParamsStore::at_default_home()
            .and_then(|s| s.load_or_generate(layout::k_for(&shape()), &NoProgress))
            .expect("parameters")
    })
}

/// The verifier, from the key and generators files (built once).
pub fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let vk = eligo_params::build_vk(params(), &shape()).expect("verifying key");
        let key = VerifyingKey::from_halo2(&vk).expect("key");
        let gens = Generators::from_halo2(params()).expect("generators");
        Verifier::new(key, gens, shape()).expect("verifier")
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

/// A real proof and the instance it is valid for.
pub fn honest() -> &'static (Instance, Vec<u8>) {
    static H: OnceLock<(Instance, Vec<u8>)> = OnceLock::new();
    H.get_or_init(|| {
        let (public, packages) =
            eligo_prover::synthetic::snapshot(shape(), 1).expect("snapshot");
        let job = eligo_prover::synthetic::jobs(&public, &packages).remove(0);
        let prover = eligo_prover::Prover::new(params().clone(), shape()).expect("keys");
        let proof = prover.prove(&job).expect("proof");
        (job.instance, proof)
    })
}
