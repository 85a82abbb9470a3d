//! Eligo's statement: the native reference of every hash, tree and count,
//! and the halo2 circuit that proves a license's eligibility.
//!
//! This crate knows nothing of files or command lines.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod chips;
pub mod circuit;
pub mod layout;
pub mod mutation;
pub mod native;
pub mod poseidon;

pub use circuit::{EligibilityCircuit, Instance, Witness};
pub use native::{
    Address, ClaimContext, ExclusionReason, LicenseLog, Outcome, PayoutOption, Shape,
    StatementError, TaskEntry, Threshold, Verdict,
};
pub use pasta_curves::Fp;
