//! The prover: keys built once per process, proofs in parallel.
//!
//! Parallelism: a batch runs one proof per rayon worker (licenses side by
//! side), and halo2 parallelizes inside each proof (FFTs, MSMs) on the same
//! pool, so both cores stay busy for one license or many. Each finished
//! proof is handed to a callback at once (written to disk by the CLI), so a
//! large batch never holds more than one proof per worker in memory.

use eligo_circuits::native::fp_to_hex;
use eligo_circuits::{layout, ClaimContext, EligibilityCircuit, Instance, Shape, Witness};
use eligo_params::{build_pk, build_vk, fingerprint, Curve, KeyError, Params, ProvingKey};
use eligo_verifier::{ClaimFields, ProofFile, PublicInputs, PROOF_FORMAT};
use halo2_proofs::{
    plonk::create_proof,
    transcript::{Blake2bWrite, Challenge255},
};
use rand::rngs::SysRng;
use rand_core::{Rng, UnwrapErr};
use rayon::prelude::*;
use thiserror::Error;

/// Proving failures (a bug or an unsatisfiable witness).
#[derive(Debug, Error)]
pub enum ProveError {
    /// The witness does not fit the circuit.
    #[error("witness: {0}")]
    Witness(String),
    /// halo2 failed.
    #[error("proving failed: {0}")]
    Halo2(String),
}

/// One license to prove.
#[derive(Clone, Debug)]
pub struct ProveJob {
    /// The witness.
    pub witness: Witness,
    /// The instance.
    pub instance: Instance,
}

/// The prover of one shape: parameters and proving key, built once.
#[derive(Debug)]
pub struct Prover {
    shape: Shape,
    params: Params,
    pk: ProvingKey,
    fingerprint: String,
}

impl Prover {
    /// Builds the verifying and proving keys for `shape`.
    pub fn new(params: Params, shape: Shape) -> Result<Self, KeyError> {
        let vk = build_vk(&params, &shape)?;
        let fingerprint = fingerprint(&vk);
        let pk = build_pk(&params, vk, &shape)?;
        Ok(Prover {
            shape,
            params,
            pk,
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

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Proves one license with `rng`.
    pub fn prove_with<R: Rng>(&self, job: &ProveJob, rng: R) -> Result<Vec<u8>, ProveError> {
        let circuit = EligibilityCircuit::new(self.shape, job.witness.clone())
            .map_err(|e| ProveError::Witness(e.to_string()))?;
        let column = job.instance.to_column();
        let mut transcript = Blake2bWrite::<_, Curve, Challenge255<Curve>>::init(vec![]);
        create_proof(
            &self.params,
            &self.pk,
            &[circuit],
            &[&[&column[..]]],
            rng,
            &mut transcript,
        )
        .map_err(|e| ProveError::Halo2(format!("{e:?}")))?;
        Ok(transcript.finalize())
    }

    /// Proves one license with the system RNG.
    pub fn prove(&self, job: &ProveJob) -> Result<Vec<u8>, ProveError> {
        self.prove_with(job, UnwrapErr(SysRng))
    }

    /// Proves many licenses in parallel on the current rayon pool, calling
    /// `done(index, result)` as each finishes.
    pub fn prove_batch<F>(&self, jobs: &[ProveJob], done: F)
    where
        F: Fn(usize, Result<Vec<u8>, ProveError>) + Sync,
    {
        jobs.par_iter()
            .enumerate()
            .with_max_len(1)
            .for_each(|(i, job)| done(i, self.prove(job)));
    }

    /// The proof file for a proof.
    pub fn proof_file(
        &self,
        program_id: &str,
        instance: &Instance,
        ctx: &ClaimContext,
        proof: &[u8],
    ) -> ProofFile {
        ProofFile {
            format: PROOF_FORMAT.into(),
            program_id: program_id.into(),
            capacity: self.shape.capacity(),
            depth: self.shape.depth(),
            k: layout::k_for(&self.shape),
            circuit_fingerprint: self.fingerprint.clone(),
            public_inputs: PublicInputs {
                registry_root: fp_to_hex(&instance.registry_root),
                exclusion_root: fp_to_hex(&instance.exclusion_root),
                license_id: instance.license_id,
                threshold_num: instance.threshold.num(),
                threshold_den: instance.threshold.den(),
                claim_ctx: fp_to_hex(&instance.claim_ctx),
            },
            claim: ClaimFields {
                chain_id: ctx.chain_id,
                contract: ctx.contract.to_string(),
                claimant: ctx.claimant.to_string(),
                option: ctx.option.as_str().into(),
            },
            proof: hex::encode(proof),
        }
    }
}
