//! Progress and logs on stderr.

use std::path::Path;
use std::time::Duration;

use eligo_circuits::{layout, Shape};
use eligo_params::{Params, ParamsStore, Progress};
use eligo_verifier::{Generators, KeyStore, Verifier, VerifyingKey};
use indicatif::{ProgressBar, ProgressStyle};

/// Shows a spinner while parameters are generated.
pub struct ParamsProgress {
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl ParamsProgress {
    pub fn new() -> Self {
        ParamsProgress {
            bar: std::cell::RefCell::new(None),
        }
    }
}

impl Progress for ParamsProgress {
    fn generating(&self, k: u32) {
        if !progress_shown() {
            return;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"),
        );
        bar.set_message(format!(
            "generating IPA parameters for k = {k} (first run only, cached afterwards)"
        ));
        bar.enable_steady_tick(Duration::from_millis(200));
        *self.bar.borrow_mut() = Some(bar);
    }
    fn generated(&self, k: u32, elapsed: Duration) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
        log(format!(
            "generated IPA parameters for k = {k} in {:.1} s",
            elapsed.as_secs_f64()
        ));
    }
    fn discarded(&self, path: &Path, reason: &str) {
        warn(format!(
            "{}: cached parameters are invalid ({reason}); regenerating",
            path.display()
        ));
    }
}

/// Progress of a long count (licenses of a snapshot): a bar with the rate
/// and ETA on a terminal, else one line per tenth.
pub struct CountProgress {
    what: &'static str,
    bar: Option<ProgressBar>,
    start: std::time::Instant,
    tenths: std::sync::atomic::AtomicUsize,
}

/// Tenths of a count between two log lines when stderr is not a terminal.
const TENTHS: usize = 10;

impl CountProgress {
    /// Progress over items called `what` (plural); the total comes with
    /// each update.
    pub fn new(what: &'static str) -> Self {
        use std::io::IsTerminal;
        let bar = (std::io::stderr().is_terminal() && progress_shown()).then(|| {
            let bar = ProgressBar::new(0)
                .with_elapsed(std::time::Duration::from_secs_f64(since_start()));
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{bar:30}} {{pos}}/{{len}} {what} ({{per_sec}}, ETA {{eta}}) [{{elapsed}} since start]"
                ))
                .expect("template"),
            );
            bar
        });
        CountProgress {
            what,
            bar,
            start: std::time::Instant::now(),
            tenths: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// `done` of `total` items are done (from any thread).
    pub fn update(&self, done: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            return;
        }
        let tenth = done * TENTHS / total.max(1);
        let previous = self
            .tenths
            .fetch_max(tenth, std::sync::atomic::Ordering::Relaxed);
        if tenth > previous {
            let secs = self.start.elapsed().as_secs_f64();
            log(format!(
                "{}%: {done} of {total} {} ({:.1} per second)",
                tenth * (100 / TENTHS),
                self.what,
                done as f64 / secs.max(f64::EPSILON)
            ));
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Progress of a streamed input: licenses done, their rate, and the share
/// of the input read (which gives the ETA). A bar on a terminal, else one
/// line per tenth of the input.
pub struct StreamProgress {
    what: &'static str,
    bar: Option<ProgressBar>,
    start: std::time::Instant,
    tenths: std::sync::atomic::AtomicUsize,
    read: eligo_prover::inputs::ReadProgress,
}

/// Steps of the stream bar (per mille of the input).
const STREAM_STEPS: u64 = 1000;

impl StreamProgress {
    /// Progress over items called `what` (plural) of the input `read`.
    pub fn new(what: &'static str, read: eligo_prover::inputs::ReadProgress) -> Self {
        use std::io::IsTerminal;
        let bar = (std::io::stderr().is_terminal() && progress_shown()).then(|| {
            let bar = ProgressBar::new(STREAM_STEPS)
                .with_elapsed(std::time::Duration::from_secs_f64(since_start()));
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {percent:>3}% of the input, {msg}, ETA {eta} [{elapsed} since start]",
                )
                .expect("template"),
            );
            bar
        });
        StreamProgress {
            what,
            bar,
            start: std::time::Instant::now(),
            tenths: std::sync::atomic::AtomicUsize::new(0),
            read,
        }
    }

    /// `done` items are done (from any thread).
    pub fn update(&self, done: usize) {
        let fraction = self.read.fraction();
        let secs = self.start.elapsed().as_secs_f64().max(f64::EPSILON);
        let rate = done as f64 / secs;
        if let Some(bar) = &self.bar {
            bar.set_position((fraction * STREAM_STEPS as f64) as u64);
            bar.set_message(format!("{done} {} ({rate:.1} per second)", self.what));
            return;
        }
        // The last tenth is printed by `finish`, with the final count.
        let tenth = ((fraction * TENTHS as f64) as usize).min(TENTHS - 1);
        let previous = self
            .tenths
            .fetch_max(tenth, std::sync::atomic::Ordering::Relaxed);
        if tenth > previous {
            log(format!(
                "{}% of the input: {done} {} ({rate:.1} per second)",
                tenth * (100 / TENTHS),
                self.what,
            ));
        }
    }

    /// Clears the bar, or prints the last line: `done` items in all.
    pub fn finish(&self, done: usize) {
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => log(format!(
                "100% of the input: {done} {} ({:.1} per second)",
                self.what,
                done as f64 / self.start.elapsed().as_secs_f64().max(f64::EPSILON)
            )),
        }
    }
}

/// When the command started (set first thing in `main`).
static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the start of the command.
pub fn mark_start() {
    START.get_or_init(std::time::Instant::now);
}

/// Seconds since the command started.
pub fn since_start() -> f64 {
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// A spinner on a terminal while a step runs (nothing otherwise), its
/// clock counting from the start of the command.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Shows `msg` with a spinner.
    pub fn new(msg: impl Into<String>) -> Self {
        use std::io::IsTerminal;
        Spinner(
            (std::io::stderr().is_terminal() && progress_shown()).then(|| {
                let bar = ProgressBar::new_spinner()
                    .with_elapsed(std::time::Duration::from_secs_f64(since_start()));
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{elapsed} since start]")
                        .expect("template"),
                );
                bar.set_message(msg.into());
                bar.enable_steady_tick(Duration::from_millis(200));
                bar
            }),
        )
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// A `[n/N]` bar with the ETA on a terminal while a batch is proven
/// (nothing otherwise: each proof is a result line on stdout).
pub struct BatchBar(Option<ProgressBar>);

impl BatchBar {
    /// A bar over `total` proofs.
    pub fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        BatchBar(
            (std::io::stderr().is_terminal() && progress_shown()).then(|| {
                let bar = ProgressBar::new(total as u64)
                    .with_elapsed(std::time::Duration::from_secs_f64(since_start()));
                bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} [{pos}/{len}] proofs ({per_sec}, ETA {eta}) [{elapsed} since start]",
                )
                .expect("template"),
            );
                bar
            }),
        )
    }

    /// One more proof done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Prints a result line above the bar (or plainly without one).
    pub fn println(&self, line: String) {
        match &self.0 {
            Some(bar) => bar.suspend(|| out(format_args!("{line}"))),
            None => out(format_args!("{line}")),
        }
    }
}

impl Drop for BatchBar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Loads (or generates and caches) the parameters for `shape`.
pub fn params_for(shape: &Shape) -> Result<Params, crate::Failure> {
    let store = ParamsStore::at_default_home()?;
    let k = layout::k_for(shape);
    Ok(store.load_or_generate(k, &ParamsProgress::new())?)
}

/// The verifier for `shape`, from the key file `vk` or the key cache, and
/// the cached generators (derived once from the parameters if missing).
/// Builds no keys: without a key it says how to get one.
pub fn verifier_for(shape: &Shape, vk: Option<&Path>) -> Result<Verifier, crate::Failure> {
    let home = eligo_params::default_home()?;
    let store = KeyStore::new(&home);
    let key = match vk {
        Some(path) => {
            let fail = |e: String| crate::Failure(format!("{}: {e}", path.display()));
            let len = std::fs::metadata(path)
                .map_err(|e| fail(e.to_string()))?
                .len();
            if len > eligo_verifier::MAX_KEY_BYTES as u64 {
                return Err(fail(format!(
                    "{len} bytes, more than a key file's {} bytes",
                    eligo_verifier::MAX_KEY_BYTES
                )));
            }
            let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            VerifyingKey::decode(&bytes)
                .map_err(|e| crate::Failure(format!("{}: {e}", path.display())))?
        }
        None => store.load_key(shape)?.ok_or_else(|| {
            crate::Failure(format!(
                "no verifying key for capacity {} and depth {} in {}: run `eligo params \
                 --capacity {} --depth {}` once (it builds and caches the key), or pass --vk FILE",
                shape.capacity(),
                shape.depth(),
                store.dir().display(),
                shape.capacity(),
                shape.depth()
            ))
        })?,
    };
    let gens = generators_for(&store, layout::k_for(shape))?;
    Ok(Verifier::new(key, gens, *shape)?)
}

/// The cached generators for `k`, derived from the parameters (and cached)
/// when missing.
pub fn generators_for(store: &KeyStore, k: u32) -> Result<Generators, crate::Failure> {
    if let Some(g) = store.load_generators(k)? {
        return Ok(g);
    }
    let params = ParamsStore::at_default_home()?.load_or_generate(k, &ParamsProgress::new())?;
    let gens = Generators::from_halo2(&params)?;
    store.store_generators(&gens)?;
    Ok(gens)
}

/// Caches a prover's verifying key and generators, so that verification
/// on this machine needs no key generation.
pub fn cache_verifier_files(prover: &eligo_prover::Prover) -> Result<VerifyingKey, crate::Failure> {
    let store = KeyStore::new(eligo_params::default_home()?);
    let key = prover.verifying_key()?;
    store.store_key(&prover.shape(), &key)?;
    if store.load_generators(prover.params().k())?.is_none() {
        store.store_generators(&Generators::from_halo2(prover.params())?)?;
    }
    Ok(key)
}

/// A log line on stderr (level info: `-q` hides it, `RUST_LOG` filters it).
pub fn log(msg: impl AsRef<str>) {
    tracing::info!("{}", msg.as_ref());
}

/// A warning on stderr (shown unless `RUST_LOG` filters it).
pub fn warn(msg: impl AsRef<str>) {
    tracing::warn!("warning: {}", msg.as_ref());
}

/// Whether progress may be shown: info lines are on (no `-q`).
pub fn progress_shown() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

/// Sends the log to stderr: info and above by default, warnings only with
/// `-q`, debug with `-v`, trace with `-vv`; `RUST_LOG` (e.g.
/// `RUST_LOG=eligo=debug`), when set, decides instead. Lines are the bare
/// messages.
pub fn init_log(quiet: bool, verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(match (quiet, verbose) {
            (true, _) => "warn",
            (false, 0) => "info",
            (false, 1) => "debug",
            (false, _) => "trace",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_level(false)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

/// Writes one line to stdout, ignoring a closed pipe.
pub fn out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"));
}
