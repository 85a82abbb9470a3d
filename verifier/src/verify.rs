//! One program shape's verifier: its key and generators, checked once,
//! then proofs one by one or in a batch.

use eligo_circuits::{layout, Instance, Shape};
use pasta_curves::Fp;
use thiserror::Error;

use crate::batch::batch_factors;
use crate::error::{GeneratorsError, KeyError, ProofError};
use crate::gens::Generators;
use crate::key::VerifyingKey;
use crate::msm::Msm;
use crate::plonk::{reduce, MAX_PROOF_BYTES};

/// Pinned key digests (BLAKE2b-256 of the `eligo-vk/1` bytes) and circuit
/// fingerprints per (capacity, depth): the default shape and the shapes
/// the tests use.
const PINNED_KEYS: &[(usize, u32, &str, &str)] = &[
    (
        256,
        4,
        "07807e66caa6887c211bf559ba5fecf97e0c072919d47465e0e09487f1ceb5a7",
        "8c6762bc2ee2d05365456ce8c58c72ce726b36ff72d85ed94762c10b3c4e5e06",
    ),
    (
        1024,
        8,
        "d122aef7acc5a40c9b6b2f479eb6ede78180c5ea248ff325b73b3b2d3d8fddee",
        "32a37e7f4790dcc6bb56524fc021330c70aeef5f7817d183b4c72e356952f810",
    ),
    (
        65_536,
        20,
        "7368f0d7c5d1459b83b72f95e96beee279bb2140d289b90f68c2243762e9cdaf",
        "041c52c439977522d6f4f147c57fdee5dbd7c5010092afd17067462832d460d5",
    ),
];

/// The pinned digest of the verifying key for a shape, hex.
pub fn canonical_key_digest(shape: &Shape) -> Option<&'static str> {
    PINNED_KEYS
        .iter()
        .find(|(c, d, _, _)| *c == shape.capacity() && *d == shape.depth())
        .map(|(_, _, h, _)| *h)
}

/// The circuit fingerprint of a pinned shape's key, hex (what proof files
/// and `eligo params` show).
pub fn canonical_fingerprint(shape: &Shape) -> Option<&'static str> {
    PINNED_KEYS
        .iter()
        .find(|(c, d, _, _)| *c == shape.capacity() && *d == shape.depth())
        .map(|(_, _, _, f)| *f)
}

/// Why a key and generators cannot form a verifier.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SetupError {
    /// The key file is unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The generators file is unusable.
    #[error(transparent)]
    Generators(#[from] GeneratorsError),
    /// The key is not the shape's circuit.
    #[error("the key is for k = {key_k}, the shape's circuit has k = {shape_k}")]
    WrongShape {
        /// k of the key.
        key_k: u32,
        /// k of the shape.
        shape_k: u32,
    },
    /// The generators are for another k.
    #[error("the generators are for k = {gens_k}, the key for k = {key_k}")]
    WrongGenerators {
        /// k of the generators.
        gens_k: u32,
        /// k of the key.
        key_k: u32,
    },
    /// The key has another number of instance columns.
    #[error("the key has {0} instance columns, the eligibility circuit has one")]
    InstanceColumns(usize),
}

/// Why a proof is not valid.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The file or a field is malformed.
    #[error("malformed: {0}")]
    Malformed(String),
    /// Proof for another program.
    #[error("proof is for program {proof:?}, the snapshot is for {snapshot:?}")]
    ProgramMismatch {
        /// Program of the proof.
        proof: String,
        /// Program of the snapshot.
        snapshot: String,
    },
    /// Proof for another circuit shape.
    #[error(
        "proof is for capacity {proof_capacity} and depth {proof_depth} (k = {proof_k}), \
         the snapshot's circuit is capacity {capacity} and depth {depth} (k = {k})"
    )]
    ShapeMismatch {
        /// Capacity of the proof.
        proof_capacity: usize,
        /// Depth of the proof.
        proof_depth: u32,
        /// k of the proof.
        proof_k: u32,
        /// Capacity expected.
        capacity: usize,
        /// Depth expected.
        depth: u32,
        /// k expected.
        k: u32,
    },
    /// The proof names another circuit.
    #[error("circuit fingerprint {proof} does not match this verifier's {expected}")]
    CircuitMismatch {
        /// Fingerprint in the proof.
        proof: String,
        /// Fingerprint of the verifier.
        expected: String,
    },
    /// A root differs from the snapshot's.
    #[error("{0} root does not match the snapshot")]
    RootMismatch(&'static str),
    /// The threshold differs from the snapshot's.
    #[error("threshold {proof} does not match the snapshot's {snapshot}")]
    ThresholdMismatch {
        /// In the proof.
        proof: String,
        /// In the snapshot.
        snapshot: String,
    },
    /// The claim context does not hash the claim fields.
    #[error("claim context does not match the claim fields (chain, contract, claimant, option)")]
    ClaimContextMismatch,
    /// License out of the tree.
    #[error("license id {0} does not fit the tree")]
    LicenseOutOfRange(u64),
    /// The proof does not verify (or cannot be decoded).
    #[error("proof does not verify: {0}")]
    Proof(#[from] ProofError),
}

/// The verifier of one program shape.
#[derive(Clone, Debug)]
pub struct Verifier {
    shape: Shape,
    key: VerifyingKey,
    gens: Generators,
    fingerprint: String,
}

impl Verifier {
    /// Checks that `key` and `gens` belong together and to `shape`: the
    /// key's `k` is the shape's, the generators' `k` the key's, and, where
    /// digests are pinned, the generators are canonical and the key is
    /// the pinned one.
    pub fn new(key: VerifyingKey, gens: Generators, shape: Shape) -> Result<Self, SetupError> {
        let shape_k = layout::k_for(&shape);
        if key.k() != shape_k {
            return Err(SetupError::WrongShape {
                key_k: key.k(),
                shape_k,
            });
        }
        if gens.k() != key.k() {
            return Err(SetupError::WrongGenerators {
                gens_k: gens.k(),
                key_k: key.k(),
            });
        }
        if key.num_instance_columns() != 1 {
            return Err(SetupError::InstanceColumns(key.num_instance_columns()));
        }
        match gens.check_canonical() {
            Ok(()) | Err(GeneratorsError::Unpinned(_)) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(want) = canonical_key_digest(&shape) {
            let got = key.digest_hex();
            if got != want {
                return Err(KeyError::NotPinned {
                    got,
                    want: want.into(),
                }
                .into());
            }
        }
        let fingerprint = key.fingerprint_hex();
        // The pinned fingerprint follows from the pinned key; checking it
        // too keeps the table honest (every test shape is pinned).
        if let Some(want) = canonical_fingerprint(&shape) {
            if fingerprint != want {
                return Err(KeyError::NotPinned {
                    got: fingerprint,
                    want: want.into(),
                }
                .into());
            }
        }
        Ok(Verifier {
            shape,
            key,
            gens,
            fingerprint,
        })
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The circuit fingerprint (hex).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The verifying key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The generators.
    pub fn generators(&self) -> &Generators {
        &self.gens
    }

    /// Reduces a proof against an instance whose values are `column`.
    fn reduce(&self, instance: &Instance, column: &[Fp], proof: &[u8]) -> Result<Msm, VerifyError> {
        if proof.len() > MAX_PROOF_BYTES {
            return Err(ProofError::TooLarge(proof.len()).into());
        }
        self.shape
            .check_license(instance.license_id())
            .map_err(|_| VerifyError::LicenseOutOfRange(instance.license_id()))?;
        Ok(reduce(&self.key, &self.gens, &[column], proof)?.msm)
    }

    /// Verifies proof bytes against an instance.
    pub fn verify_instance(&self, instance: &Instance, proof: &[u8]) -> Result<(), VerifyError> {
        let msm = self.reduce(instance, &instance.to_column(), proof)?;
        if msm.is_identity(&self.gens) {
            Ok(())
        } else {
            Err(ProofError::Rejected.into())
        }
    }

    /// Reduces every item and adds its MSM, with its batch factor, into one
    /// accumulator; keeps only the accumulator (memory: one MSM whatever
    /// the batch size). Returns each item's reduction result and whether
    /// the accumulated MSM is the identity.
    fn accumulate(&self, items: &[(Instance, Vec<u8>)]) -> (Vec<Result<(), VerifyError>>, bool) {
        let columns: Vec<Vec<Fp>> = items.iter().map(|(i, _)| i.to_column()).collect();
        // The factors hash every item, before any is reduced.
        let factors = batch_factors(
            columns
                .iter()
                .zip(items)
                .map(|(c, (_, proof))| (&c[..], &proof[..])),
        );
        let mut acc: Option<Msm> = None;
        let mut results = Vec::with_capacity(items.len());
        for (((instance, proof), column), f) in items.iter().zip(&columns).zip(factors) {
            match self.reduce(instance, column, proof) {
                Ok(msm) => {
                    match acc.as_mut() {
                        None => {
                            let mut first = Msm::new(msm.g_scalars().len());
                            first.add_scaled(&msm, f);
                            acc = Some(first);
                        }
                        Some(a) => a.add_scaled(&msm, f),
                    }
                    results.push(Ok(()));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        let all_ok = acc.is_none_or(|a| a.is_identity(&self.gens));
        (results, all_ok)
    }

    /// Verifies many proofs with one MSM; if it fails, re-checks each
    /// proof alone to name the bad ones. One result per item, in order.
    pub fn verify_batch(&self, items: &[(Instance, Vec<u8>)]) -> Vec<Result<(), VerifyError>> {
        let (results, all_ok) = self.accumulate(items);
        results
            .into_iter()
            .zip(items)
            .map(|(r, (instance, proof))| match r {
                Ok(()) if !all_ok => self.verify_instance(instance, proof),
                other => other,
            })
            .collect()
    }

    /// Verifies many proofs with one MSM and returns the first bad one
    /// (its index and why), or `None` if all are valid. If the batch fails,
    /// proofs are re-checked alone in order only until the first bad one
    /// (what a claim contract needs to name it, at the least cost).
    pub fn first_failure(&self, items: &[(Instance, Vec<u8>)]) -> Option<(usize, VerifyError)> {
        let (results, all_ok) = self.accumulate(items);
        for (i, (r, (instance, proof))) in results.into_iter().zip(items).enumerate() {
            let r = match r {
                Ok(()) if !all_ok => self.verify_instance(instance, proof),
                other => other,
            };
            if let Err(e) = r {
                return Some((i, e));
            }
        }
        // The accumulated check failed but every proof passes alone: only
        // possible if the factors cancelled (probability about 2^-254).
        (!all_ok).then_some((0, ProofError::Rejected.into()))
    }
}
