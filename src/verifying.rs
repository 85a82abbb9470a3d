//! `eligo verify`: proof files (or directories of them) against a
//! snapshot, with what each proof is bound to, optional expectations of
//! that binding, and a verdict per file (text or JSON Lines).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use eligo_circuits::{ClaimContext, PayoutOption};
use eligo_verifier::{ProofError, ProofFile, VerifyError};

use crate::commands::{expand_dirs, kind_of, parse_address, read_limited, read_snapshot};
use crate::ui::log;
use crate::{Exit, Failure};

/// Name ending of a proof file in a directory.
pub const PROOF_SUFFIX: &str = ".proof.json";

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 every proof valid, 1 some proof invalid (including a \
proof for another snapshot or binding), 2 unreadable or malformed files or bad flags.\n\n\
Example:\n  eligo verify --snapshot snap/snapshot.json proofs/ --expect-chain-name osmosis-1 \
--expect-contract osmo1…"
)]
pub struct VerifyArgs {
    /// The snapshot's public file.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Proof files, or directories of them (every `*.proof.json` inside).
    #[arg(required = true)]
    pub proofs: Vec<PathBuf>,
    /// Verify one by one instead of in one batch.
    #[arg(long)]
    pub no_batch: bool,
    /// The verifying key (`eligo-vk/1`) to use instead of the cached one
    /// for the snapshot's shape.
    #[arg(long, value_name = "FILE")]
    pub vk: Option<PathBuf>,
    /// A proof bound to another chain id is invalid.
    #[arg(long, value_name = "N")]
    pub expect_chain_id: Option<u64>,
    /// A proof bound to another chain (by name, as `prove --chain-name`)
    /// is invalid.
    #[arg(long, value_name = "NAME", conflicts_with = "expect_chain_id")]
    pub expect_chain_name: Option<String>,
    /// A proof bound to another claim contract is invalid.
    #[arg(long, value_name = "ADDR")]
    pub expect_contract: Option<String>,
    /// A proof bound to another claimant is invalid.
    #[arg(long, value_name = "ADDR")]
    pub expect_claimant: Option<String>,
    /// A proof for another payout option (ifx or weth) is invalid.
    #[arg(long, value_name = "OPTION")]
    pub expect_option: Option<String>,
    /// One JSON object per file on stdout (JSON Lines).
    #[arg(long)]
    pub json: bool,
}

/// The binding a proof must have, from the `--expect-*` flags.
#[derive(Debug, Default)]
struct Expected {
    chain_id: Option<u64>,
    contract: Option<eligo_circuits::Address>,
    claimant: Option<eligo_circuits::Address>,
    option: Option<PayoutOption>,
}

impl Expected {
    fn from_args(a: &VerifyArgs) -> Result<Self, Failure> {
        let chain_id = match &a.expect_chain_name {
            Some(name) if name.is_empty() => {
                return Err(Failure("--expect-chain-name: empty".into()))
            }
            Some(name) => Some(eligo_circuits::native::chain_id_from_name(name)),
            None => a.expect_chain_id,
        };
        Ok(Expected {
            chain_id,
            contract: a
                .expect_contract
                .as_deref()
                .map(|s| parse_address("expect-contract", s))
                .transpose()?,
            claimant: a
                .expect_claimant
                .as_deref()
                .map(|s| parse_address("expect-claimant", s))
                .transpose()?,
            option: a
                .expect_option
                .as_deref()
                .map(|s| {
                    PayoutOption::parse(s).ok_or_else(|| {
                        Failure(format!("--expect-option: {s:?} is not ifx or weth"))
                    })
                })
                .transpose()?,
        })
    }

    /// The first expectation the binding `ctx` breaks.
    fn check(&self, ctx: &ClaimContext) -> Option<(&'static str, String)> {
        if let Some(want) = self.chain_id {
            if ctx.chain_id != want {
                return Some((
                    "chain_mismatch",
                    format!("bound to chain {}, expected {want}", ctx.chain_id),
                ));
            }
        }
        if let Some(want) = &self.contract {
            if &ctx.contract != want {
                return Some((
                    "contract_mismatch",
                    format!("bound to contract {}, expected {}", ctx.contract, want),
                ));
            }
        }
        if let Some(want) = &self.claimant {
            if &ctx.claimant != want {
                return Some((
                    "claimant_mismatch",
                    format!("bound to claimant {}, expected {}", ctx.claimant, want),
                ));
            }
        }
        if let Some(want) = self.option {
            if ctx.option != want {
                return Some((
                    "option_mismatch",
                    format!(
                        "for option {}, expected {}",
                        ctx.option.as_str(),
                        want.as_str()
                    ),
                ));
            }
        }
        None
    }
}

/// What became of one file.
#[derive(Debug)]
enum Verdict {
    Valid,
    /// A well-formed proof that is not valid here (exit 1).
    Invalid {
        code: &'static str,
        reason: String,
    },
    /// A file that is not a proof file (exit 2).
    Error {
        code: &'static str,
        reason: String,
    },
}

/// The verdict of a verifier error: a reason code, and whether the file is
/// bad input rather than an invalid proof.
fn classify(e: &VerifyError) -> Verdict {
    let reason = e.to_string();
    let (code, bad_input) = match e {
        VerifyError::Malformed(_) => ("malformed", true),
        VerifyError::Proof(ProofError::Decode(_) | ProofError::TrailingBytes(_))
        | VerifyError::Proof(ProofError::TooLarge(_)) => ("malformed_proof", true),
        // A proof made for another snapshot, whichever field differs, is
        // one verdict with one exit code.
        VerifyError::ProgramMismatch { .. }
        | VerifyError::ShapeMismatch { .. }
        | VerifyError::RootMismatch(_)
        | VerifyError::ThresholdMismatch { .. } => ("other_snapshot", false),
        // The proof names another circuit than the verifying key in use (a
        // `--vk` of another shape, or another version of the circuit):
        // not a proof this verifier can judge.
        VerifyError::CircuitMismatch { .. } => ("other_circuit", true),
        VerifyError::ClaimContextMismatch => ("claim_context_mismatch", false),
        VerifyError::LicenseOutOfRange(_) => ("license_out_of_range", false),
        VerifyError::Proof(_) => ("proof_rejected", false),
    };
    if bad_input {
        Verdict::Error { code, reason }
    } else {
        Verdict::Invalid { code, reason }
    }
}

/// One file's line of the report.
struct Entry {
    path: PathBuf,
    file: Option<ProofFile>,
    verdict: Option<Verdict>,
}

impl Entry {
    fn binding(&self) -> Option<String> {
        let c = &self.file.as_ref()?.claim;
        Some(format!(
            "chain {}, contract {}, claimant {}, option {}",
            c.chain_id, c.contract, c.claimant, c.option
        ))
    }

    fn text(&self) -> String {
        let bound = self
            .binding()
            .map(|b| {
                let id = self.file.as_ref().map(|f| f.public_inputs.license_id);
                format!(" (license {}; bound to {b})", id.unwrap_or_default())
            })
            .unwrap_or_default();
        match self.verdict.as_ref().expect("every file has a verdict") {
            Verdict::Valid => format!("{}: valid{bound}", self.path.display()),
            Verdict::Invalid { reason, .. } | Verdict::Error { reason, .. } => {
                format!("{}: invalid: {reason}{bound}", self.path.display())
            }
        }
    }

    fn json(&self) -> serde_json::Value {
        let (status, code, reason) = match self.verdict.as_ref().expect("a verdict") {
            Verdict::Valid => ("valid", None, None),
            Verdict::Invalid { code, reason } => ("invalid", Some(*code), Some(reason.clone())),
            Verdict::Error { code, reason } => ("error", Some(*code), Some(reason.clone())),
        };
        serde_json::json!({
            "file": self.path.display().to_string(),
            "license_id": self.file.as_ref().map(|f| f.public_inputs.license_id),
            "status": status,
            "reason_code": code,
            "reason": reason,
            "bound_to": self.file.as_ref().map(|f| serde_json::json!({
                "chain_id": f.claim.chain_id,
                "contract": f.claim.contract,
                "claimant": f.claim.claimant,
                "option": f.claim.option,
            })),
        })
    }
}

/// The proof files named by `args`: files as given, directories expanded
/// to their `*.proof.json` files in name order.
fn proof_paths(args: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    expand_dirs(
        args,
        |p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(PROOF_SUFFIX))
        },
        &format!("proof file (*{PROOF_SUFFIX})"),
    )
}

fn read_proof(path: &Path) -> Result<ProofFile, Verdict> {
    let bytes =
        read_limited(path, eligo_verifier::MAX_PROOF_FILE_BYTES).map_err(|e| Verdict::Error {
            code: "unreadable",
            reason: format!("cannot read: {e}"),
        })?;
    ProofFile::from_json(&bytes).map_err(|e| Verdict::Error {
        code: "malformed",
        reason: match kind_of(&bytes) {
            Some(kind) if kind != "a proof file" => format!("this is {kind}, not a proof file"),
            _ => e.to_string(),
        },
    })
}

pub fn verify(a: VerifyArgs) -> Result<Exit, Failure> {
    let start = Instant::now();
    let expected = Expected::from_args(&a)?;
    let snapshot = read_snapshot(&a.snapshot)?;
    let snap = snapshot
        .values()
        .map_err(|e| Failure(format!("{}: {e}", a.snapshot.display())))?;
    let mut entries: Vec<Entry> = proof_paths(&a.proofs)?
        .into_iter()
        .map(|path| match read_proof(&path) {
            Ok(f) => Entry {
                path,
                file: Some(f),
                verdict: None,
            },
            Err(v) => Entry {
                path,
                file: None,
                verdict: Some(v),
            },
        })
        .collect();
    // The binding is checked before any cryptography.
    for e in entries.iter_mut().filter(|e| e.verdict.is_none()) {
        let file = e.file.as_ref().expect("parsed");
        match file.claim.context() {
            Err(err) => e.verdict = Some(classify(&err)),
            Ok(ctx) => {
                if let Some((code, reason)) = expected.check(&ctx) {
                    e.verdict = Some(Verdict::Invalid { code, reason });
                }
            }
        }
    }
    let pending: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].verdict.is_none())
        .collect();
    if !pending.is_empty() {
        let t0 = Instant::now();
        let verifier = crate::ui::verifier_for(&snap.shape, a.vk.as_deref())?;
        log(format!(
            "verifier ready in {:.2} s (k = {})",
            t0.elapsed().as_secs_f64(),
            eligo_circuits::layout::k_for(&snap.shape)
        ));
        let files: Vec<ProofFile> = pending
            .iter()
            .map(|&i| entries[i].file.clone().expect("parsed"))
            .collect();
        let results: Vec<Result<(), VerifyError>> = if a.no_batch || files.len() == 1 {
            files
                .iter()
                .map(|f| verifier.verify_file(&snapshot, f))
                .collect()
        } else {
            // A batch verifies fastest on one thread (see docs/bench).
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .map_err(|e| Failure(e.to_string()))?
                .install(|| verifier.verify_files(&snapshot, &files))
        };
        for (&i, r) in pending.iter().zip(results) {
            entries[i].verdict = Some(match r {
                Ok(()) => Verdict::Valid,
                Err(e) => classify(&e),
            });
        }
    }
    let count = |f: fn(&Verdict) -> bool| {
        entries
            .iter()
            .filter(|e| e.verdict.as_ref().is_some_and(f))
            .count()
    };
    let valid = count(|v| matches!(v, Verdict::Valid));
    let invalid = count(|v| matches!(v, Verdict::Invalid { .. }));
    let errors = count(|v| matches!(v, Verdict::Error { .. }));
    for e in &entries {
        if a.json {
            out!("{}", e.json());
        } else {
            out!("{}", e.text());
        }
    }
    log(format!(
        "{} proof file(s): {valid} valid, {invalid} invalid, {errors} unreadable or malformed \
         ({:.1} ms)",
        entries.len(),
        start.elapsed().as_secs_f64() * 1e3
    ));
    if errors > 0 {
        return Err(Failure(format!(
            "{errors} proof file(s) unreadable or malformed"
        )));
    }
    Ok(if invalid == 0 {
        Exit::Success
    } else {
        Exit::Negative
    })
}

#[derive(Args, Debug)]
#[command(
    after_help = "Every claim needs its min_amount: the least it may pay, which the contract's \
quote query gives exactly. Save each quote answer and pass it with --quote (matched to the \
proofs by license), or pass --min-amount once per proof, in order.\n\nExit codes: 0 the \
message is printed, 2 unreadable proof or quote files, a proof without a minimum, or proofs \
that cannot share a message.\n\nExample:\n  wasmd query wasm contract-state smart \"$CLAIM_CONTRACT\" \
'{\"quote\":{\"license_id\":42,\"option\":\"weth\"}}' -o json > quote-42.json\n  \
wasmd tx wasm execute \"$CLAIM_CONTRACT\" \"$(eligo claim-msg proofs/42.proof.json --quote \
quote-42.json)\" --from holder"
)]
pub struct ClaimMsgArgs {
    /// Proof files (or directories of them) of one owner, for one contract
    /// on one chain: one gives `claim`, several `claim_batch`.
    #[arg(required = true)]
    pub proofs: Vec<PathBuf>,
    /// The least a claim may pay, in base units of the payout token (the
    /// contract refuses the claim if prices moved below it): once per
    /// proof, in the order of the proofs.
    #[arg(long, value_name = "AMOUNT", conflicts_with = "quote")]
    pub min_amount: Vec<u128>,
    /// The JSON answer of the contract's `quote` query for a proof's
    /// license and option (bare, or as `query wasm contract-state smart -o
    /// json` prints it): its amount becomes that claim's min_amount.
    #[arg(long, value_name = "FILE")]
    pub quote: Vec<PathBuf>,
    /// Accept this much less than the quotes, in basis points (50 = 0.5%),
    /// in case prices move before the claim lands.
    #[arg(long, value_name = "BPS", default_value_t = 0, requires = "quote")]
    pub slippage_bps: u32,
    /// Indent the JSON.
    #[arg(long)]
    pub pretty: bool,
}

/// `eligo claim-msg`: the claim contract's execute message, ready to send.
pub fn claim_msg(a: ClaimMsgArgs) -> Result<Exit, Failure> {
    let files = proof_paths(&a.proofs)?
        .iter()
        .map(|path| {
            read_proof(path).map_err(|v| match v {
                Verdict::Error { reason, .. } | Verdict::Invalid { reason, .. } => {
                    Failure(format!("{}: {reason}", path.display()))
                }
                Verdict::Valid => Failure(format!("{}: unreadable", path.display())),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let min_amounts = if a.quote.is_empty() {
        if a.min_amount.is_empty() {
            return Err(Failure(
                "every claim needs a min_amount: pass --quote FILE (the contract's quote \
                 answer for the license) or --min-amount AMOUNT per proof"
                    .into(),
            ));
        }
        a.min_amount.clone()
    } else {
        let mut quotes = std::collections::BTreeMap::new();
        for path in &a.quote {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure(format!("{}: {e}", path.display())))?;
            let q = eligo_verifier::Quote::parse(&text)
                .map_err(|e| Failure(format!("{}: {e}", path.display())))?;
            quotes.insert(q.license_id, (path, q));
        }
        files
            .iter()
            .map(|f| {
                let id = f.public_inputs.license_id;
                let (path, q) = quotes.get(&id).ok_or_else(|| {
                    Failure(format!(
                        "license {id}: no --quote file answers for it (every claim needs a \
                         min_amount)"
                    ))
                })?;
                if !q.option.eq_ignore_ascii_case(&f.claim.option) {
                    return Err(Failure(format!(
                        "{}: a quote for option {}, but the proof of license {id} is for {}",
                        path.display(),
                        q.option,
                        f.claim.option
                    )));
                }
                q.min_amount(a.slippage_bps)
                    .map_err(|e| Failure(format!("{}: {e}", path.display())))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let msg = eligo_verifier::claim_msg(&files, &min_amounts)?;
    if a.pretty {
        out!("{}", serde_json::to_string_pretty(&msg)?);
    } else {
        out!("{msg}");
    }
    Ok(Exit::Success)
}
