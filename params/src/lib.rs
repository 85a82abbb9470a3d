//! IPA parameters and circuit keys for Eligo.
//!
//! Parameters are transparent (no ceremony) but slow to generate, so they
//! are cached on disk, one file per `k`, with a header and a BLAKE2b digest
//! that is checked before any byte is trusted. A missing, truncated or
//! corrupted file is regenerated. Keys cannot be serialized by
//! `halo2_proofs` 0.4: they are built once per process from the parameters
//! and the circuit shape, and shared.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod keys;

pub use cache::{
    body_len, canonical_digest, check_canonical_body, default_home, params_from_body, NoProgress,
    ParamsError, ParamsStore, Progress, ELIGO_HOME_ENV, MAX_K,
};
pub use keys::{build_pk, build_vk, describe_vk, fingerprint, CircuitFigures, KeyError};

/// The curve of the IPA commitment scheme (Vesta points, Pallas-base
/// scalars for the circuit).
pub type Curve = pasta_curves::vesta::Affine;
/// IPA parameters.
pub type Params = halo2_proofs::poly::commitment::Params<Curve>;
/// Verifying key.
pub type VerifyingKey = halo2_proofs::plonk::VerifyingKey<Curve>;
/// Proving key.
pub type ProvingKey = halo2_proofs::plonk::ProvingKey<Curve>;
