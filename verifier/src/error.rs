//! Typed errors of the verifier core.

use thiserror::Error;

/// Why a key file cannot be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The bytes do not start with the `eligo-vk/1` tag.
    #[error("not an eligo-vk/1 key file")]
    NotAKey,
    /// The file is larger than [`crate::MAX_KEY_BYTES`].
    #[error("key file is {0} bytes, more than the limit")]
    TooLarge(usize),
    /// The file ends early or its header disagrees with its length.
    #[error("key file truncated: {0}")]
    Truncated(String),
    /// A field is out of range or inconsistent.
    #[error("malformed key: {0}")]
    Malformed(String),
    /// The key uses a halo2 feature this verifier does not implement.
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// The key's digest is not the one pinned for its shape.
    #[error("key digest {got} is not the pinned {want}")]
    NotPinned {
        /// Digest of the file.
        got: String,
        /// Pinned digest.
        want: String,
    },
}

/// Why a generators file cannot be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum GeneratorsError {
    /// The bytes do not start with the `eligo-gens/1` tag.
    #[error("not an eligo-gens/1 generators file")]
    NotGenerators,
    /// `k` outside the supported range.
    #[error("generators for k = {0}, outside the supported range")]
    BadK(u32),
    /// The length disagrees with the header.
    #[error("generators file is {got} bytes, its header implies {want}")]
    Length {
        /// Bytes in the file.
        got: usize,
        /// Bytes the header implies.
        want: usize,
    },
    /// A point is not canonical or not on the curve.
    #[error("generator {0} is not a point of the curve")]
    NotOnCurve(usize),
    /// The digest is not the canonical one for `k`.
    #[error("generators for k = {k} have digest {got}, not the canonical {want}")]
    NotCanonical {
        /// k of the file.
        k: u32,
        /// Digest of the file.
        got: String,
        /// Canonical digest.
        want: String,
    },
    /// No canonical digest is pinned for this `k`.
    #[error("no canonical generators digest is pinned for k = {0}")]
    Unpinned(u32),
}

/// Why a proof does not verify.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// The key and the generators are for different `k`.
    #[error("the key is for k = {key}, the generators for k = {gens}")]
    KMismatch {
        /// k of the key.
        key: u32,
        /// k of the generators.
        gens: u32,
    },
    /// Wrong number of instance columns.
    #[error("{got} instance columns, the circuit has {want}")]
    InstanceColumns {
        /// Supplied.
        got: usize,
        /// Expected.
        want: usize,
    },
    /// An instance column holds too many values.
    #[error("an instance column holds {got} values, at most {max} fit")]
    InstanceTooLong {
        /// Supplied.
        got: usize,
        /// Limit.
        max: usize,
    },
    /// The proof is larger than [`crate::MAX_PROOF_BYTES`].
    #[error("proof is {0} bytes, more than the limit")]
    TooLarge(usize),
    /// The proof bytes end early or hold a non-canonical element.
    #[error("cannot decode the proof: {0}")]
    Decode(String),
    /// Bytes are left after the proof.
    #[error("{0} trailing bytes after the proof")]
    TrailingBytes(usize),
    /// A degenerate challenge (probability about 2^-250) or an
    /// inconsistent opening set.
    #[error("degenerate proof: {0}")]
    Degenerate(&'static str),
    /// The final multi-scalar multiplication is not the identity.
    #[error("the proof's checks fail")]
    Rejected,
}
