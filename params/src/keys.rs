//! Key building, the circuit fingerprint and the figures of a circuit.

use eligo_circuits::{layout, EligibilityCircuit, Shape};
use halo2_proofs::plonk::{keygen_pk, keygen_vk, Circuit, ConstraintSystem, Error};
use pasta_curves::Fp;
use thiserror::Error;

use crate::{Params, ProvingKey, VerifyingKey};

/// Key-building errors.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The parameters are for another `k`.
    #[error("parameters are for k = {got}, the circuit needs k = {want}")]
    WrongK {
        /// k of the parameters.
        got: u32,
        /// k of the circuit.
        want: u32,
    },
    /// halo2 refused to build the key.
    #[error("key generation failed: {0}")]
    Halo2(#[from] Error),
}

fn check_k(params: &Params, shape: &Shape) -> Result<(), KeyError> {
    let want = layout::k_for(shape);
    if params.k() != want {
        return Err(KeyError::WrongK {
            got: params.k(),
            want,
        });
    }
    Ok(())
}

/// Builds the verifying key of the circuit for `shape`.
pub fn build_vk(params: &Params, shape: &Shape) -> Result<VerifyingKey, KeyError> {
    check_k(params, shape)?;
    keygen_vk(params, &EligibilityCircuit::blank(*shape)).map_err(KeyError::Halo2)
}

/// Builds the proving key (consumes a verifying key built by [`build_vk`]).
pub fn build_pk(params: &Params, vk: VerifyingKey, shape: &Shape) -> Result<ProvingKey, KeyError> {
    check_k(params, shape)?;
    keygen_pk(params, vk, &EligibilityCircuit::blank(*shape)).map_err(KeyError::Halo2)
}

/// The pinned description of a verifying key (what enters Fiat–Shamir).
pub fn describe_vk(vk: &VerifyingKey) -> String {
    format!("{:#?}", vk.pinned())
}

/// Circuit fingerprint: BLAKE2b-256 of the pinned verifying-key
/// description, hex.
pub fn fingerprint(vk: &VerifyingKey) -> String {
    let d = format!("{:?}", vk.pinned());
    hex::encode(
        blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"eligo-circuit-fp")
            .hash(d.as_bytes())
            .as_bytes(),
    )
}

/// Size figures of the circuit, for the closing notes and `eligo bench`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitFigures {
    /// Circuit size parameter.
    pub k: u32,
    /// Rows the layout needs (margin included).
    pub rows: usize,
    /// Advice columns.
    pub advice_columns: usize,
    /// Fixed columns (selectors excluded).
    pub fixed_columns: usize,
    /// Selectors.
    pub selectors: usize,
    /// Instance columns.
    pub instance_columns: usize,
    /// Poseidon permutations.
    pub permutations: usize,
    /// Maximum gate degree.
    pub degree: usize,
}

impl CircuitFigures {
    /// Figures of the circuit for `shape`.
    pub fn of(shape: &Shape) -> Self {
        let mut cs = ConstraintSystem::<Fp>::default();
        let _ = EligibilityCircuit::configure(&mut cs);
        // halo2 0.4 exposes these counts only through the pinned Debug text.
        let pinned = format!("{:?}", cs.pinned());
        let field = |name: &str| -> usize {
            pinned
                .split(&format!("{name}: "))
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        CircuitFigures {
            k: layout::k_for(shape),
            rows: layout::rows_needed(shape),
            advice_columns: field("num_advice_columns"),
            fixed_columns: field("num_fixed_columns"),
            selectors: field("num_selectors"),
            instance_columns: field("num_instance_columns"),
            permutations: layout::permutations(shape),
            degree: cs.degree(),
        }
    }
}
