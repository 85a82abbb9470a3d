//! The claim contract's execute message for proof files: `claim` for one
//! proof, `claim_batch` for several of the same owner, the proof in base64
//! as the contract's `Binary` takes it.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::files::ProofFile;

/// Most claims in one `claim_batch` (the claim contract's limit).
pub const MAX_BATCH_CLAIMS: usize = 64;

/// Why proof files do not make one message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClaimMsgError {
    /// No proof file.
    #[error("no proof file")]
    Empty,
    /// More than [`MAX_BATCH_CLAIMS`].
    #[error("{0} proofs: a claim_batch takes at most {MAX_BATCH_CLAIMS}")]
    TooMany(usize),
    /// A license twice.
    #[error("license {0} appears twice")]
    Duplicate(u64),
    /// Proofs bound to different claimants, contracts or chains: they
    /// cannot be sent in one transaction.
    #[error("proof {index} is bound to {field} {found}, the first proof to {first}: one message holds the proofs of one owner, for one contract on one chain")]
    Binding {
        /// Position of the proof among those given (0-based).
        index: usize,
        /// `claimant`, `contract` or `chain`.
        field: &'static str,
        /// Its value.
        found: String,
        /// The first proof's value.
        first: String,
    },
    /// The proof is not hex.
    #[error("license {0}: the proof is not hex")]
    ProofHex(u64),
}

/// One claim's fields.
fn item(file: &ProofFile, min_amount: Option<u128>) -> Result<Value, ClaimMsgError> {
    let id = file.public_inputs.license_id;
    let bytes = hex::decode(file.proof.trim_start_matches("0x"))
        .map_err(|_| ClaimMsgError::ProofHex(id))?;
    Ok(json!({
        "license_id": id,
        "option": file.claim.option,
        "proof": base64::engine::general_purpose::STANDARD.encode(bytes),
        "exclusion_root": file.public_inputs.exclusion_root,
        "min_amount": min_amount.map(|m| m.to_string()),
    }))
}

/// The execute message claiming `files`: `{"claim": {...}}` for one,
/// `{"claim_batch": {"claims": [...]}}` for several. Each claim names the
/// exclusion root its proof was made against, and `min_amount` (base
/// units of the payout token; the same for every claim) when given.
pub fn claim_msg(files: &[ProofFile], min_amount: Option<u128>) -> Result<Value, ClaimMsgError> {
    let first = files.first().ok_or(ClaimMsgError::Empty)?;
    if files.len() > MAX_BATCH_CLAIMS {
        return Err(ClaimMsgError::TooMany(files.len()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, f) in files.iter().enumerate() {
        if !seen.insert(f.public_inputs.license_id) {
            return Err(ClaimMsgError::Duplicate(f.public_inputs.license_id));
        }
        let differs = [
            ("claimant", &f.claim.claimant, &first.claim.claimant),
            ("contract", &f.claim.contract, &first.claim.contract),
        ]
        .into_iter()
        .find(|(_, a, b)| !a.eq_ignore_ascii_case(b))
        .map(|(field, a, b)| (field, a.clone(), b.clone()))
        .or_else(|| {
            (f.claim.chain_id != first.claim.chain_id).then(|| {
                (
                    "chain",
                    f.claim.chain_id.to_string(),
                    first.claim.chain_id.to_string(),
                )
            })
        });
        if let Some((field, found, first)) = differs {
            return Err(ClaimMsgError::Binding {
                index,
                field,
                found,
                first,
            });
        }
    }
    if let [one] = files {
        return Ok(json!({ "claim": item(one, min_amount)? }));
    }
    let claims = files
        .iter()
        .map(|f| item(f, min_amount))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "claim_batch": { "claims": claims } }))
}
