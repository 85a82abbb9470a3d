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
#[command(name = "eligo", version, long_version = long_version(), about, long_about = None,
          after_help = "Exit codes: 0 success / eligible / valid, 1 a negative verdict, 2 bad \
usage or bad input.\n\nExample:\n  cargo run --release -- demo")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Only warnings and errors on stderr (no progress).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More on stderr: -v debug, -vv trace (RUST_LOG, when set, decides
    /// instead, e.g. RUST_LOG=eligo=debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (or write one per subcommand with --out).
    Man(ManArgs),
    /// One bench point, in a child process (internal).
    #[command(hide = true)]
    BenchPoint(bench::BenchPointArgs),
}

/// `eligo --version`: the crate version, the file formats and the default
/// shape's circuit fingerprint.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let shape = eligo_circuits::Shape::new(
            eligo_circuits::native::DEFAULT_CAPACITY,
            eligo_circuits::native::DEFAULT_DEPTH,
        )
        .expect("the default shape is valid");
        format!(
            "{}\nproof format: {}\nkey format: {}\ncircuit fingerprint (capacity {}, depth {}): {}",
            env!("CARGO_PKG_VERSION"),
            eligo_verifier::PROOF_FORMAT,
            eligo_verifier::KEY_FORMAT,
            shape.capacity(),
            shape.depth(),
            eligo_verifier::canonical_fingerprint(&shape).unwrap_or("not pinned")
        )
    })
}

/// `eligo completions SHELL`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0.\n\nExample:\n  eligo completions bash > \
~/.local/share/bash-completion/completions/eligo")]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

/// `eligo man`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0, or 2 if --out cannot be written.\n\nExample:\n  \
eligo man --out /usr/local/share/man/man1 && man eligo-prove"
)]
struct ManArgs {
    /// Write eligo.1 and one page per subcommand (eligo-prove.1, …) into
    /// this directory instead of printing eligo.1.
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

fn completions(a: CompletionsArgs) -> Result<Exit, Failure> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "eligo", &mut std::io::stdout());
    Ok(Exit::Success)
}

fn man(a: ManArgs) -> Result<Exit, Failure> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let render = |cmd: clap::Command| -> Result<Vec<u8>, Failure> {
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut buf)?;
        Ok(buf)
    };
    match a.out {
        None => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&render(cmd)?);
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure(format!("{}: {e}", dir.display())))?;
            let mut pages = vec![("eligo.1".to_string(), render(cmd.clone())?)];
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                let name = format!("eligo-{}", sub.get_name());
                let page = sub.clone().name(name.clone());
                pages.push((format!("{name}.1"), render(page)?));
            }
            for (name, bytes) in pages {
                let path = dir.join(&name);
                eligo_prover::fsio::write_atomic(&path, &bytes)
                    .map_err(|e| Failure(format!("{}: {e}", path.display())))?;
                out!("{}", path.display());
            }
        }
    }
    Ok(Exit::Success)
}

/// How a command ends: its exit status (0 or 1; a [`Failure`] is 2).
#[derive(Debug)]
pub enum Exit {
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
    ui::mark_start();
    let cli = Cli::parse();
    ui::init_log(cli.quiet, cli.verbose);
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
        Command::Completions(a) => completions(a),
        Command::Man(a) => man(a),
    };
    match result {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Negative) => ExitCode::from(1),
        Err(Failure(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
