//! `eligo`: the command-line front end. Results go to stdout, logs and
//! progress to stderr. Exit codes: 0 success / eligible / valid, 1 negative
//! verdict, 2 bad usage or bad input.
#![forbid(unsafe_code)]

/// Prints a result line on stdout. A closed stdout (`eligo … | head`) is
/// not an error: the command still runs to its exit code.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::ui::out(format_args!($($arg)*))
    };
}

mod bench;
mod cleanup;
mod commands;
mod demo;
mod ui;
mod verifying;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{CheckArgs, ProveArgs, SnapshotArgs};
use verifying::VerifyArgs;

/// Zero-knowledge eligibility proofs for the Guaranteed Node Buyback.
#[derive(Parser, Debug)]
#[command(name = "eligo", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Network: build the snapshot (public roots) and private packages.
    Snapshot(SnapshotArgs),
    /// Holder: print a license's verdict and participation.
    Check(CheckArgs),
    /// Operator: prove eligibility of one or many licenses, in parallel.
    Prove(ProveArgs),
    /// Anyone: verify proof files against a snapshot.
    Verify(VerifyArgs),
    /// Holder: the claim contract's execute message for proof files.
    #[command(name = "claim-msg")]
    ClaimMsg(verifying::ClaimMsgArgs),
    /// Run the whole flow on generated data at a small capacity.
    Demo(demo::DemoArgs),
    /// Generate (or check) the cached IPA parameters for a shape or a k.
    Params(commands::ParamsArgs),
    /// Measure proving, verification, proof size and memory; write a table
    /// (Markdown, CSV) and a plot (SVG).
    Bench(bench::BenchArgs),
    /// Write a generated export (CSV or Parquet) for measuring `snapshot`.
    #[command(name = "bench-export")]
    BenchExport(bench::ExportArgs),
    /// One bench point, in a child process (internal).
    #[command(hide = true)]
    BenchPoint(bench::BenchPointArgs),
}

/// How a command ends.
#[derive(Debug)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: a negative verdict (already printed).
    Negative,
}

/// A failure: exit 2 with a message.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cleanup::install();
    let threads = match &cli.command {
        Command::Prove(a) => a.threads,
        Command::BenchPoint(a) => Some(a.threads),
        _ => None,
    };
    if threads == Some(0) {
        eprintln!("error: --threads: must be at least 1");
        return ExitCode::from(2);
    }
    // Everything runs on a worker of one pool: halo2's parallel sections
    // then start from a pool thread instead of waking the pool from outside
    // at every call (measured: a large share of verification time).
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = match builder.build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: thread pool: {e}");
            return ExitCode::from(2);
        }
    };
    pool.install(|| run(cli))
}

fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Snapshot(a) => commands::snapshot(a),
        Command::Check(a) => commands::check(a),
        Command::Prove(a) => commands::prove(a),
        Command::Verify(a) => verifying::verify(a),
        Command::ClaimMsg(a) => verifying::claim_msg(a),
        Command::Demo(a) => demo::run(a),
        Command::Params(a) => commands::params(a),
        Command::Bench(a) => bench::run(a),
        Command::BenchPoint(a) => bench::point(a),
        Command::BenchExport(a) => bench::export(a),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(Failure(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
