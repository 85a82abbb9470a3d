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
    /// Not one minimum per proof.
    #[error("{given} minimum amounts for {proofs} proofs: every claim needs its min_amount")]
    MinAmounts {
        /// Minimums given.
        given: usize,
        /// Proofs given.
        proofs: usize,
    },
    /// A minimum of zero.
    #[error("license {0}: min_amount must be positive (the contract refuses 0)")]
    ZeroMinimum(u64),
}

/// Why a `quote` answer gives no minimum.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuoteError {
    /// Not the JSON of a `quote` answer.
    #[error("not a quote answer: {0}")]
    Malformed(String),
    /// The contract says a claim now would be refused.
    #[error("license {license_id}: the contract says a claim now would be refused: {refusal}")]
    Refused {
        /// License.
        license_id: u64,
        /// The contract's reason.
        refusal: String,
    },
    /// Slippage of more than 100%.
    #[error("slippage of {0} basis points: at most {BPS} (100%)")]
    Slippage(u32),
}

/// Basis points in 100%.
const BPS: u32 = 10_000;

/// What the claim contract's `quote` query answered for one license and
/// option (its JSON, bare or inside the `{"data": …}` a node's
/// `query wasm contract-state smart -o json` wraps it in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    /// License.
    pub license_id: u64,
    /// `ifx` or `weth`.
    pub option: String,
    /// What a claim now pays, base units.
    pub amount: u128,
}

impl Quote {
    /// Parses a `quote` answer. An answer whose `refusal` is set is an
    /// error: a claim now would fail whatever its minimum.
    pub fn parse(text: &str) -> Result<Quote, QuoteError> {
        let bad = |what: &str| QuoteError::Malformed(what.to_string());
        let value: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        let q = value.get("data").unwrap_or(&value);
        let license_id = q
            .get("license_id")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("no license_id"))?;
        let option = q
            .get("option")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no option"))?
            .to_string();
        let amount = q
            .get("amount")
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<u128>().ok())
            .ok_or_else(|| bad("no amount (a decimal string)"))?;
        if let Some(refusal) = q.get("refusal").and_then(Value::as_str) {
            return Err(QuoteError::Refused {
                license_id,
                refusal: refusal.to_string(),
            });
        }
        Ok(Quote {
            license_id,
            option,
            amount,
        })
    }

    /// The minimum to ask for: the quoted amount less `slippage_bps`
    /// basis points (rounded down; 0 asks for exactly the quote).
    pub fn min_amount(&self, slippage_bps: u32) -> Result<u128, QuoteError> {
        if slippage_bps > BPS {
            return Err(QuoteError::Slippage(slippage_bps));
        }
        let keep = u128::from(BPS - slippage_bps);
        Ok(self.amount / u128::from(BPS) * keep
            + self.amount % u128::from(BPS) * keep / u128::from(BPS))
    }
}

/// One claim's fields.
fn item(file: &ProofFile, min_amount: u128) -> Result<Value, ClaimMsgError> {
    let id = file.public_inputs.license_id;
    if min_amount == 0 {
        return Err(ClaimMsgError::ZeroMinimum(id));
    }
    let bytes = hex::decode(file.proof.trim_start_matches("0x"))
        .map_err(|_| ClaimMsgError::ProofHex(id))?;
    Ok(json!({
        "license_id": id,
        "option": file.claim.option,
        "proof": base64::engine::general_purpose::STANDARD.encode(bytes),
        "exclusion_root": file.public_inputs.exclusion_root,
        "min_amount": min_amount.to_string(),
    }))
}

/// The execute message claiming `files`: `{"claim": {...}}` for one,
/// `{"claim_batch": {"claims": [...]}}` for several. Each claim names the
/// exclusion root its proof was made against, and its `min_amount` (base
/// units of the payout token: `min_amounts[i]` for `files[i]`, positive).
pub fn claim_msg(files: &[ProofFile], min_amounts: &[u128]) -> Result<Value, ClaimMsgError> {
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
    if min_amounts.len() != files.len() {
        return Err(ClaimMsgError::MinAmounts {
            given: min_amounts.len(),
            proofs: files.len(),
        });
    }
    if let ([one], [min]) = (files, min_amounts) {
        return Ok(json!({ "claim": item(one, *min)? }));
    }
    let claims = files
        .iter()
        .zip(min_amounts)
        .map(|(f, m)| item(f, *m))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "claim_batch": { "claims": claims } }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_gives_the_minimum() {
        let answer = r#"{"data":{"license_id":7,"option":"ifx","purchase_usdt":"1000000000",
            "amount":"4000000000000000000000","prices":{"ifx":"250000","eth":"1"},
            "prices_as_of":1,"claimed":false,"covered":true,"refusal":null}}"#;
        let q = Quote::parse(answer).unwrap();
        assert_eq!((q.license_id, q.option.as_str()), (7, "ifx"));
        assert_eq!(q.min_amount(0), Ok(4_000 * 10u128.pow(18)));
        assert_eq!(q.min_amount(50), Ok(3_980 * 10u128.pow(18)));
        assert_eq!(q.min_amount(10_000), Ok(0));
        assert_eq!(q.min_amount(10_001), Err(QuoteError::Slippage(10_001)));
        let bare = r#"{"license_id":7,"option":"weth","amount":"3"}"#;
        assert_eq!(Quote::parse(bare).unwrap().min_amount(5_000), Ok(1));
        let refused =
            r#"{"license_id":7,"option":"ifx","amount":"3","refusal":"claims are paused"}"#;
        assert!(matches!(
            Quote::parse(refused),
            Err(QuoteError::Refused { license_id: 7, .. })
        ));
        for bad in [
            "",
            "[]",
            r#"{"license_id":7,"option":"ifx","amount":3}"#,
            r#"{"option":"ifx","amount":"3"}"#,
        ] {
            assert!(
                matches!(Quote::parse(bad), Err(QuoteError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
