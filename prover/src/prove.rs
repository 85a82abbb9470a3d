//! The prover: keys built once per process, proofs in parallel.
//!
//! Parallelism: a batch proves one license per thread, side by side, each
//! on its own one-thread pool; a single license (or the tail of a batch)
//! uses the whole pool, where halo2 parallelizes FFTs and MSMs. Each
//! finished proof is handed to a callback at once (written to disk by the
//! CLI), so a large batch never holds more than one proof per thread in
//! memory.

use eligo_circuits::native::fp_to_hex;
use eligo_circuits::{layout, ClaimContext, EligibilityCircuit, Instance, Shape, Witness};
use eligo_params::{
    build_pk, build_vk, fingerprint, Curve, KeyError, Params, ProvingKey, VerifyingKey,
};
use eligo_verifier::{ClaimFields, ProofFile, PublicInputs, PROOF_FORMAT};
use halo2_proofs::{
    plonk::create_proof,
    transcript::{Blake2bWrite, Challenge255},
};
use rand::rngs::SysRng;
use rand_core::{Rng, UnwrapErr};
use std::sync::atomic::{AtomicUsize, Ordering};
use thiserror::Error;

/// Proving failures (a bug or an unsatisfiable witness).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProveError {
    /// The witness does not fit the circuit.
    #[error("witness: {0}")]
    Witness(#[from] eligo_circuits::StatementError),
    /// halo2 failed.
    #[error("proving failed: {0}")]
    Halo2(#[source] halo2_proofs::plonk::Error),
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

    /// halo2's verifying key (for the differential tests and the export).
    pub fn halo2_vk(&self) -> &VerifyingKey {
        self.pk.get_vk()
    }

    /// The verifying key as data (`eligo-vk/1`), read from halo2's pinned
    /// description of the key this prover proves with.
    pub fn verifying_key(&self) -> Result<eligo_verifier::VerifyingKey, eligo_verifier::KeyError> {
        eligo_verifier::VerifyingKey::from_halo2(self.pk.get_vk())
    }

    /// A verifier for this prover's proofs, built from its key and
    /// parameters without key generation.
    pub fn verifier(&self) -> Result<eligo_verifier::Verifier, eligo_verifier::SetupError> {
        let key = self.verifying_key()?;
        let gens = eligo_verifier::Generators::from_halo2(&self.params)?;
        eligo_verifier::Verifier::new(key, gens, self.shape)
    }

    /// Proves one license with `rng`.
    pub fn prove_with<R: Rng>(&self, job: &ProveJob, rng: R) -> Result<Vec<u8>, ProveError> {
        let circuit = EligibilityCircuit::new(self.shape, job.witness.clone())?;
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
        .map_err(ProveError::Halo2)?;
        Ok(transcript.finalize())
    }

    /// Proves one license with the system RNG.
    pub fn prove(&self, job: &ProveJob) -> Result<Vec<u8>, ProveError> {
        self.prove_with(job, UnwrapErr(SysRng))
    }

    /// Proves many licenses in parallel, calling `done(index, result)` as
    /// each finishes.
    ///
    /// With as many jobs as threads of the current rayon pool or more, each
    /// thread takes licenses from a shared queue and proves each one alone on
    /// a one-thread pool of its own (no work stealing between proofs, which
    /// measured faster); the last licenses, fewer than the threads, are
    /// proven one at a time on the whole pool. A single license always uses
    /// the whole pool.
    pub fn prove_batch<F>(&self, jobs: &[ProveJob], done: F)
    where
        F: Fn(usize, Result<Vec<u8>, ProveError>) + Sync,
    {
        let workers = rayon::current_num_threads().max(1);
        // Licenses proven side by side: whole rounds of `workers`.
        let side_by_side = if workers > 1 {
            jobs.len() - jobs.len() % workers
        } else {
            0
        };
        if side_by_side > 0 {
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..workers {
                    scope.spawn(|| {
                        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build();
                        let run = || loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= side_by_side {
                                break;
                            }
                            done(i, self.prove(&jobs[i]));
                        };
                        match one {
                            Ok(pool) => pool.install(run),
                            Err(_) => run(),
                        }
                    });
                }
            });
        }
        for (i, job) in jobs.iter().enumerate().skip(side_by_side) {
            done(i, self.prove(job));
        }
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
                registry_root: fp_to_hex(&instance.registry_root()),
                exclusion_root: fp_to_hex(&instance.exclusion_root()),
                license_id: instance.license_id(),
                threshold_num: instance.threshold().num(),
                threshold_den: instance.threshold().den(),
                claim_ctx: fp_to_hex(&instance.claim_ctx()),
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
