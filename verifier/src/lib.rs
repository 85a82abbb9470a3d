//! Eligo's compact verifier.
//!
//! [`Verifier`] holds the IPA parameters and the verifying key of one
//! program shape (built once), and checks proofs against a snapshot's public
//! data: one by one ([`Verifier::verify_file`], [`Verifier::verify_instance`])
//! or many at once with a single multi-scalar multiplication
//! ([`Verifier::verify_batch`]), falling back to per-proof checks to name the
//! bad ones. No input makes it panic: every failure is a [`VerifyError`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod files;
mod verify;

pub use files::{
    ClaimFields, ProofFile, PublicInputs, SnapshotPublic, ThresholdFields, MAX_PROOF_FILE_BYTES,
    MAX_SNAPSHOT_FILE_BYTES, PROOF_FORMAT, SNAPSHOT_FORMAT,
};
pub use verify::{Verifier, VerifyError, MAX_PROOF_BYTES};
