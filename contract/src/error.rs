//! Errors of the CosmWasm layer.

use cosmwasm_std::StdError;
use thiserror::Error;

use crate::rules::RuleError;

/// Why an instantiate, execute or query fails. A failed execute changes
/// nothing (the runtime rolls the transaction back).
#[derive(Debug, Error, PartialEq)]
pub enum ContractError {
    /// A storage, serialization or address error.
    #[error(transparent)]
    Std(#[from] StdError),
    /// A program rule refused the action.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// A malformed message field.
    #[error("invalid {field}: {reason}")]
    BadField {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The verifying key or the generators are refused.
    #[error("verifier refused: {0}")]
    Verifier(#[from] eligo_verifier::SetupError),
    /// A proof of a batch does not verify (nothing was claimed).
    #[error("claim_batch: the proof for license {license_id} does not verify ({reason}); nothing was claimed")]
    BatchProof {
        /// The first license whose proof fails.
        license_id: u64,
        /// Why.
        reason: String,
    },
    /// The key built here is not the one the snapshot names.
    #[error(
        "circuit fingerprint mismatch: the snapshot names {expected}, this contract built {built}"
    )]
    FingerprintMismatch {
        /// From the message.
        expected: String,
        /// Of the stored key.
        built: String,
    },
    /// The contract may not move the license to the treasury.
    #[error("approve this contract for license {0} on the license contract (cw721 Approve or ApproveAll) before claiming")]
    NotApproved(u64),
    /// A cw20 `Send` from a token this contract does not use, or for the
    /// wrong purpose.
    #[error("{token} cannot be deposited as {purpose}")]
    WrongToken {
        /// The token contract.
        token: String,
        /// What the deposit was for.
        purpose: &'static str,
    },
    /// Nothing vested is left to withdraw.
    #[error("nothing vested to withdraw for {0}")]
    NothingToWithdraw(String),
}
