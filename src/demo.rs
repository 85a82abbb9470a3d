//! `eligo demo`: the whole flow on generated data at a small capacity,
//! through the same code paths as the real commands.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::commands::{self, CheckArgs, ProveArgs, SnapshotArgs};
use crate::verifying::{self, VerifyArgs};
use crate::{Exit, Failure};

/// Demo log capacity.
pub const DEMO_CAPACITY: usize = 16_384;
/// Demo tree depth (the production depth).
pub const DEMO_DEPTH: u32 = 20;
/// Seed of the generated data.
const DEMO_SEED: u64 = 2026;

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 the whole flow ran, 2 a step failed.\n\nExample:\n  cargo run --release -- demo"
)]
pub struct DemoArgs {
    /// Directory for the generated files.
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
}

/// A generated license: id, tasks, executed, exclusion.
struct Profile {
    id: u64,
    tasks: usize,
    executed: usize,
    exclusion: Option<&'static str>,
    story: &'static str,
}

fn profiles() -> Vec<Profile> {
    let last = (1u64 << DEMO_DEPTH) - 1;
    let p = |id, tasks, executed, exclusion, story| Profile {
        id,
        tasks,
        executed,
        exclusion,
        story,
    };
    vec![
        p(0, 12_000, 11_800, None, "first license index, 98%"),
        p(17, 3_000, 2_002, None, "66.73%: just over 66.7%"),
        p(18, 3_000, 2_001, None, "exactly 66.7%: not over it"),
        p(4_242, 16_384, 16_384, None, "full log, 100%"),
        p(last, 900, 700, None, "last license index, 77.8%"),
        p(99, 3, 2, None, "2 of 3 = 66.67%: below 667/1000"),
        p(100, 5_000, 2_500, None, "50%"),
        p(7, 4_000, 4_000, Some("blacklisted"), "blacklisted"),
        p(8, 4_000, 4_000, Some("airdrop"), "airdrop license"),
        p(9, 20_000, 20_000, None, "more tasks than the capacity"),
    ]
}

/// The demo's min_amount per claim (no chain to quote from).
const DEMO_MIN_AMOUNT: u128 = 1;

pub fn run(a: DemoArgs) -> Result<Exit, Failure> {
    let out = a.out;
    std::fs::create_dir_all(&out).map_err(|e| Failure(format!("{}: {e}", out.display())))?;
    let mut rng = ChaCha20Rng::seed_from_u64(DEMO_SEED);
    let mut tasks = String::from("license_id,task_id,epoch,outcome\n");
    let mut exclusions = String::from("license_id,reason\n");
    let mut task_id: u64 = 1_000_000;
    out!("== 1. The network exports its task log (generated, sorted by license)");
    let mut sorted = profiles();
    sorted.sort_by_key(|p| p.id);
    for p in sorted {
        for i in 0..p.tasks {
            let outcome = if i < p.executed {
                "executed"
            } else if rng.random_bool(0.5) {
                "failed"
            } else {
                "missed"
            };
            task_id += 1;
            let epoch = (i / 512) as u32;
            writeln!(tasks, "{},{task_id},{epoch},{outcome}", p.id).expect("string");
        }
        if let Some(r) = p.exclusion {
            writeln!(exclusions, "{},{r}", p.id).expect("string");
        }
        out!(
            "   license {:>7}: {:>6} tasks, {:>6} executed  ({})",
            p.id,
            p.tasks,
            p.executed,
            p.story
        );
    }
    let tasks_path = out.join("tasks.csv");
    let excl_path = out.join("exclusions.csv");
    eligo_prover::fsio::write_atomic(&tasks_path, tasks.as_bytes())?;
    eligo_prover::fsio::write_atomic(&excl_path, exclusions.as_bytes())?;

    out!("\n== 2. eligo snapshot (capacity {DEMO_CAPACITY}, depth {DEMO_DEPTH})");
    let snap_dir = out.join("snapshot");
    commands::snapshot(SnapshotArgs {
        tasks: Some(tasks_path),
        exclusions: Some(excl_path),
        out: snap_dir.clone(),
        capacity: DEMO_CAPACITY,
        depth: DEMO_DEPTH,
        threshold: "667/1000".into(),
        program_id: "gnb-demo".into(),
        salt_key: None,
        shard: None,
        shards: None,
        merge: Vec::new(),
        // License 9's log is longer than the capacity: it is left out.
        skip_over_capacity: true,
        json: false,
        // The demo's directory is its own: a rerun replaces it.
        force: true,
    })?;
    let snapshot = snap_dir.join("snapshot.json");
    let package = |id: u64| snap_dir.join("packages").join(format!("{id}.json"));

    out!("\n== 3. eligo check (each holder, privately)");
    let mut eligible = Vec::new();
    for p in profiles() {
        if p.tasks > DEMO_CAPACITY {
            out!("license {}: no package (over capacity)", p.id);
            continue;
        }
        let outcome = commands::check(CheckArgs {
            snapshot: snapshot.clone(),
            package: package(p.id),
            json: false,
        })?;
        if matches!(outcome, Exit::Success) {
            eligible.push(p.id);
        }
    }

    out!("\n== 4. eligo prove: an ineligible license is refused before any work");
    let claimant = "0x1111111111111111111111111111111111111111";
    let contract = "0x2222222222222222222222222222222222222222";
    let proofs_dir = out.join("proofs");
    let refused = commands::prove(ProveArgs {
        snapshot: snapshot.clone(),
        package: vec![package(99)],
        claimant: claimant.into(),
        chain_id: Some(1),
        chain_name: None,
        contract: contract.into(),
        option: "ifx".into(),
        out: proofs_dir.clone(),
        threads: None,
        force: true,
        shard: None,
        shards: None,
        skip_ineligible: false,
        skip_existing: false,
        json: false,
    })?;
    out!(
        "   -> exit code {}",
        if matches!(refused, Exit::Negative) {
            1
        } else {
            0
        }
    );

    out!(
        "\n== 5. eligo prove: {} eligible licenses in one parallel batch",
        eligible.len()
    );
    commands::prove(ProveArgs {
        snapshot: snapshot.clone(),
        package: eligible.iter().map(|id| package(*id)).collect(),
        claimant: claimant.into(),
        chain_id: Some(1),
        chain_name: None,
        contract: contract.into(),
        option: "weth".into(),
        out: proofs_dir.clone(),
        threads: None,
        force: true,
        shard: None,
        shards: None,
        skip_ineligible: false,
        skip_existing: false,
        json: false,
    })?;

    out!("\n== 6. eligo verify (batch)");
    let proof_paths: Vec<PathBuf> = eligible
        .iter()
        .map(|id| proofs_dir.join(format!("{id}.proof.json")))
        .collect();
    let verdict = verifying::verify(verify_args(snapshot.clone(), proof_paths.clone(), false))?;
    if !matches!(verdict, Exit::Success) {
        return Err(Failure("demo: a fresh proof did not verify".into()));
    }

    out!("\n== 7. A front-runner copies a proof and claims it for another address");
    let stolen = proofs_dir.join("stolen.proof.json");
    let mut file: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&proof_paths[0]).map_err(|e| Failure(e.to_string()))?,
    )?;
    // The thief rewrites the claimant and recomputes the claim context, so
    // every public check passes; only the proof itself can object.
    let thief = "0x3333333333333333333333333333333333333333";
    let ctx = eligo_circuits::ClaimContext {
        chain_id: 1,
        contract: eligo_circuits::Address::parse(contract)?,
        claimant: eligo_circuits::Address::parse(thief)?,
        option: eligo_circuits::PayoutOption::Weth,
    };
    file["claim"]["claimant"] = serde_json::Value::from(thief);
    file["public_inputs"]["claim_ctx"] =
        serde_json::Value::from(eligo_circuits::native::fp_to_hex(&ctx.hash()));
    eligo_prover::fsio::write_atomic(&stolen, serde_json::to_string_pretty(&file)?.as_bytes())?;
    let v = verifying::verify(verify_args(snapshot, vec![stolen], true))?;
    out!(
        "   -> exit code {} (the claim context binds the proof to its claimant)",
        if matches!(v, Exit::Negative) { 1 } else { 0 }
    );

    out!("\n== 8. eligo claim-msg: the claim contract's message for the 4 proofs");
    let files = proof_paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| Failure(format!("{}: {e}", p.display())))?;
            Ok(eligo_verifier::ProofFile::from_json(&bytes)?)
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    // No chain here to ask for quotes: each claim asks for at least one
    // base unit. A holder passes the contract's quote answers instead.
    let msg = eligo_verifier::claim_msg(&files, &vec![DEMO_MIN_AMOUNT; files.len()])?;
    let msg_path = out.join("claim-msg.json");
    eligo_prover::fsio::write_atomic(&msg_path, msg.to_string().as_bytes())?;
    out!(
        "   claim_batch of {} claims ({} bytes of JSON, proofs in base64) in {}",
        files.len(),
        msg.to_string().len(),
        msg_path.display()
    );
    out!(
        "   min_amount {DEMO_MIN_AMOUNT} per claim here; on a chain, save each license's quote \
         answer and pass it: eligo claim-msg PROOF... --quote QUOTE.json..."
    );
    out!(
        "   (send it with: wasmd tx wasm execute <contract> \"$(cat {})\" --from <holder>)",
        msg_path.display()
    );
    out!("\ndemo files are in {}", out.display());
    Ok(Exit::Success)
}

/// `eligo verify SNAPSHOT PROOFS` as the demo runs it: no expectations,
/// text output.
fn verify_args(snapshot: PathBuf, proofs: Vec<PathBuf>, no_batch: bool) -> VerifyArgs {
    VerifyArgs {
        snapshot,
        proofs,
        no_batch,
        vk: None,
        expect_chain_id: None,
        expect_chain_name: None,
        expect_contract: None,
        expect_claimant: None,
        expect_option: None,
        json: false,
    }
}
