//! Eligo's compact verifier.
//!
//! The core needs no key generation, no threads, no serde and no
//! randomness, so a claim contract can link it:
//!
//! - [`VerifyingKey`]: the verifying key as data (`eligo-vk/1`), checked
//!   against halo2's own identification of a key (the hash of its pinned
//!   text, rendered again from the data);
//! - [`Generators`]: the IPA generators, stored uncompressed
//!   (`eligo-gens/1`), with pinned canonical digests;
//! - [`reduce`]: halo2 0.4.1's PLONK verification for IPA over Pasta, down
//!   to one multi-scalar multiplication ([`Msm`]);
//! - [`Verifier`]: one program shape's key and generators, checking
//!   eligibility proofs one by one or in a batch (one MSM for all, with a
//!   fall-back that names the bad proofs).
//!
//! With the default feature `files`, the JSON files of a snapshot and a
//! proof, and the checks of a proof file against a snapshot, sit beside it.
//! No input makes anything here panic: every failure is a typed error.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
#[cfg(feature = "files")]
mod claim_msg;
mod error;
#[cfg(feature = "files")]
mod files;
mod gens;
mod key;
mod msm;
mod plonk;
#[cfg(feature = "files")]
mod store;
mod verify;

pub use batch::batch_factors;
#[cfg(feature = "files")]
pub use claim_msg::{claim_msg, ClaimMsgError, Quote, QuoteError, MAX_BATCH_CLAIMS};
pub use error::{GeneratorsError, KeyError, ProofError};
#[cfg(feature = "files")]
pub use files::{
    ClaimFields, ProofFile, PublicInputs, SnapshotPublic, SnapshotValues, ThresholdFields,
    MAX_PROOF_FILE_BYTES, MAX_SNAPSHOT_FILE_BYTES, PROOF_FORMAT, SNAPSHOT_FORMAT,
};
pub use gens::{
    canonical_generators_digest, generators_len, Generators, GENERATORS_FORMAT, LAGRANGE_PREFIX,
    MAX_GENERATORS_K, MIN_GENERATORS_K,
};
pub use key::{
    ColumnKind, ColumnQuery, Op, Polynomial, QueryRef, VerifyingKey, KEY_FORMAT, MAX_EXPR_DEPTH,
    MAX_KEY_BYTES, MAX_KEY_K, MAX_KEY_OPS,
};
pub use msm::{Combination, Msm};
pub use plonk::{reduce, Challenges, Reduced, MAX_PROOF_BYTES};
#[cfg(feature = "files")]
pub use store::{write_atomic, write_atomic_into, KeyStore, StoreError};
pub use verify::{canonical_fingerprint, canonical_key_digest, SetupError, Verifier, VerifyError};

/// BLAKE2b-256 (no key, no personalization) of `bytes`.
pub(crate) fn digest32(bytes: &[u8]) -> [u8; 32] {
    let h = blake2b_simd::Params::new().hash_length(32).hash(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(h.as_bytes());
    out
}

/// BLAKE2b-256 of `bytes`, hex: the digest of a key or generators file.
pub fn hex_digest(bytes: &[u8]) -> String {
    hex32(&digest32(bytes))
}

/// Lowercase hex of 32 bytes.
pub(crate) fn hex32(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}
