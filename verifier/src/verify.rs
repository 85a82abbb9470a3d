//! Proof verification.

use eligo_circuits::native::fp_from_hex;
use eligo_circuits::{layout, Instance, Shape};
use eligo_params::{build_vk, fingerprint, Curve, Params, VerifyingKey};
use ff::Field;
use halo2_proofs::{
    plonk::{verify_proof, Error as PlonkError, SingleVerifier, VerificationStrategy},
    poly::commitment::{Guard, MSM},
    transcript::{Blake2bRead, Challenge255, EncodedChallenge},
};
use pasta_curves::Fp;
use rand::rngs::SysRng;
use rand_core::UnwrapErr;
use thiserror::Error;

use crate::files::{ProofFile, SnapshotPublic};

/// Largest proof accepted (bytes), checked before any decoding.
pub const MAX_PROOF_BYTES: usize = 64 * 1024;

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
    /// Bytes left after the proof.
    #[error("{0} trailing bytes after the proof")]
    TrailingBytes(usize),
    /// Proof too large.
    #[error("proof is {0} bytes, more than {MAX_PROOF_BYTES}")]
    TooLarge(usize),
    /// The proof does not verify.
    #[error("proof does not verify ({0})")]
    InvalidProof(String),
}

/// A strategy that hands back the proof's MSM (to batch several proofs).
struct Accumulate<'p> {
    msm: MSM<'p, Curve>,
}

impl<'p> VerificationStrategy<'p, Curve> for Accumulate<'p> {
    type Output = MSM<'p, Curve>;

    fn process<E: EncodedChallenge<Curve>>(
        self,
        f: impl FnOnce(MSM<'p, Curve>) -> Result<Guard<'p, Curve, E>, PlonkError>,
    ) -> Result<Self::Output, PlonkError> {
        Ok(f(self.msm)?.use_challenges())
    }
}

fn plonk_err(e: PlonkError) -> VerifyError {
    match e {
        PlonkError::ConstraintSystemFailure => {
            VerifyError::InvalidProof("the proof's checks fail".into())
        }
        PlonkError::Opening => VerifyError::InvalidProof("opening check fails".into()),
        PlonkError::Transcript(e) => VerifyError::InvalidProof(format!("cannot decode: {e}")),
        other => VerifyError::InvalidProof(format!("{other:?}")),
    }
}

/// The verifier of one program shape.
#[derive(Debug)]
pub struct Verifier {
    shape: Shape,
    params: Params,
    vk: VerifyingKey,
    fingerprint: String,
}

impl Verifier {
    /// Builds the verifying key for `shape` (params must be for its `k`).
    pub fn new(params: Params, shape: Shape) -> Result<Self, eligo_params::KeyError> {
        let vk = build_vk(&params, &shape)?;
        let fingerprint = fingerprint(&vk);
        Ok(Verifier {
            shape,
            params,
            vk,
            fingerprint,
        })
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The circuit fingerprint.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The verifying key.
    pub fn vk(&self) -> &VerifyingKey {
        &self.vk
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn run<'p, S: VerificationStrategy<'p, Curve>>(
        &'p self,
        instance: &Instance,
        proof: &[u8],
        strategy: S,
    ) -> Result<S::Output, VerifyError> {
        if proof.len() > MAX_PROOF_BYTES {
            return Err(VerifyError::TooLarge(proof.len()));
        }
        self.shape
            .check_license(instance.license_id)
            .map_err(|_| VerifyError::LicenseOutOfRange(instance.license_id))?;
        let column = instance.to_column();
        let mut cursor = proof;
        let out = {
            let mut transcript = Blake2bRead::<_, Curve, Challenge255<Curve>>::init(&mut cursor);
            verify_proof(
                &self.params,
                &self.vk,
                strategy,
                &[&[&column[..]]],
                &mut transcript,
            )
            .map_err(plonk_err)?
        };
        if !cursor.is_empty() {
            return Err(VerifyError::TrailingBytes(cursor.len()));
        }
        Ok(out)
    }

    /// Verifies proof bytes against an instance.
    pub fn verify_instance(&self, instance: &Instance, proof: &[u8]) -> Result<(), VerifyError> {
        self.run(instance, proof, SingleVerifier::new(&self.params))
            .map(|_| ())
    }

    /// Verifies many proofs with one MSM; on failure, re-checks each to
    /// name the bad ones. One result per item, in order.
    pub fn verify_batch(&self, items: &[(Instance, Vec<u8>)]) -> Vec<Result<(), VerifyError>> {
        let mut results: Vec<Result<(), VerifyError>> = Vec::with_capacity(items.len());
        let mut acc: Option<MSM<'_, Curve>> = None;
        for (instance, proof) in items {
            let strategy = Accumulate {
                msm: MSM::new(&self.params),
            };
            match self.run(instance, proof, strategy) {
                Ok(msm) => {
                    let next = match acc.take() {
                        None => msm,
                        Some(mut a) => {
                            // A random factor keeps one proof from cancelling another.
                            a.scale(Fp::random(&mut UnwrapErr(SysRng)));
                            a.add_msm(&msm);
                            a
                        }
                    };
                    acc = Some(next);
                    results.push(Ok(()));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        let all_ok = acc.map(|a| a.eval()).unwrap_or(true);
        if !all_ok {
            for (r, (instance, proof)) in results.iter_mut().zip(items) {
                if r.is_ok() {
                    *r = self.verify_instance(instance, proof);
                }
            }
        }
        results
    }

    /// Checks a proof file's metadata and public inputs against the
    /// snapshot and returns the instance and proof bytes to verify.
    pub fn check_file(
        &self,
        snapshot: &SnapshotPublic,
        file: &ProofFile,
    ) -> Result<(Instance, Vec<u8>), VerifyError> {
        let snap = snapshot.values()?;
        if file.program_id != snapshot.program_id {
            return Err(VerifyError::ProgramMismatch {
                proof: file.program_id.clone(),
                snapshot: snapshot.program_id.clone(),
            });
        }
        let k = layout::k_for(&snap.shape);
        if file.capacity != snap.shape.capacity() || file.depth != snap.shape.depth() || file.k != k
        {
            return Err(VerifyError::ShapeMismatch {
                proof_capacity: file.capacity,
                proof_depth: file.depth,
                proof_k: file.k,
                capacity: snap.shape.capacity(),
                depth: snap.shape.depth(),
                k,
            });
        }
        if snap.shape != self.shape {
            return Err(VerifyError::Malformed(format!(
                "this verifier is built for capacity {} and depth {}",
                self.shape.capacity(),
                self.shape.depth()
            )));
        }
        if file.circuit_fingerprint != self.fingerprint {
            return Err(VerifyError::CircuitMismatch {
                proof: file.circuit_fingerprint.chars().take(80).collect(),
                expected: self.fingerprint.clone(),
            });
        }
        let p = &file.public_inputs;
        let root = |s: &str| fp_from_hex(s).map_err(|e| VerifyError::Malformed(e.to_string()));
        if root(&p.registry_root)? != snap.registry_root {
            return Err(VerifyError::RootMismatch("registry"));
        }
        if root(&p.exclusion_root)? != snap.exclusion_root {
            return Err(VerifyError::RootMismatch("exclusion"));
        }
        if (p.threshold_num, p.threshold_den) != (snap.threshold.num(), snap.threshold.den()) {
            return Err(VerifyError::ThresholdMismatch {
                proof: format!("{}/{}", p.threshold_num, p.threshold_den),
                snapshot: snap.threshold.to_string(),
            });
        }
        let ctx = file.claim.context()?.hash();
        if root(&p.claim_ctx)? != ctx {
            return Err(VerifyError::ClaimContextMismatch);
        }
        if file.proof.len() > 2 * MAX_PROOF_BYTES {
            return Err(VerifyError::TooLarge(file.proof.len() / 2));
        }
        let bytes = hex::decode(&file.proof)
            .map_err(|e| VerifyError::Malformed(format!("proof hex: {e}")))?;
        let instance = Instance::new(
            &snap.shape,
            snap.registry_root,
            snap.exclusion_root,
            p.license_id,
            snap.threshold,
            ctx,
        )
        .map_err(|_| VerifyError::LicenseOutOfRange(p.license_id))?;
        Ok((instance, bytes))
    }

    /// Verifies a proof file against the snapshot.
    pub fn verify_file(
        &self,
        snapshot: &SnapshotPublic,
        file: &ProofFile,
    ) -> Result<(), VerifyError> {
        let (instance, bytes) = self.check_file(snapshot, file)?;
        self.verify_instance(&instance, &bytes)
    }

    /// Verifies many proof files with one MSM.
    pub fn verify_files(
        &self,
        snapshot: &SnapshotPublic,
        files: &[ProofFile],
    ) -> Vec<Result<(), VerifyError>> {
        let checked: Vec<Result<(Instance, Vec<u8>), VerifyError>> =
            files.iter().map(|f| self.check_file(snapshot, f)).collect();
        let items: Vec<(Instance, Vec<u8>)> = checked
            .iter()
            .filter_map(|c| c.as_ref().ok().cloned())
            .collect();
        let mut batch = self.verify_batch(&items).into_iter();
        checked
            .into_iter()
            .map(|c| match c {
                Ok(_) => batch.next().unwrap_or(Err(VerifyError::InvalidProof(
                    "internal: batch result missing".into(),
                ))),
                Err(e) => Err(e),
            })
            .collect()
    }
}
