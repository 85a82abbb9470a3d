//! `eligo bench`: proving, verification, proof size and peak memory over a
//! range of capacities and thread counts. Each point runs in a child
//! process (`eligo bench-point`, hidden) so that its peak memory is its own;
//! the parent writes `bench.md`, `bench.csv` and `bench.svg`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use clap::Args;
use eligo_circuits::Shape;
use eligo_params::{CircuitFigures, ParamsStore};
use eligo_prover::{synthetic, ProveJob, Prover};
use serde::{Deserialize, Serialize};

use crate::ui::{log, ParamsProgress};
use crate::{Exit, Failure};

/// Proofs in the batch-verification measurement.
const BATCH_VERIFY_PROOFS: usize = 64;
/// Tree depth of every bench point (the production depth).
const BENCH_DEPTH: u32 = 20;

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 measured and written, 2 bad flags.\n\nExample:\n  eligo bench --quick --out docs/bench"
)]
pub struct BenchArgs {
    /// A short sweep (under 2 minutes): capacities 1,024 and 4,096, 1 and 2
    /// threads, one repetition, batches of 2.
    #[arg(long)]
    pub quick: bool,
    /// Output directory for bench.md, bench.csv and bench.svg.
    #[arg(long, default_value = "bench-out")]
    pub out: PathBuf,
    /// Capacities (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub capacities: Option<Vec<usize>>,
    /// Thread counts (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub threads: Option<Vec<usize>>,
    /// Repetitions of each timing (the median is reported).
    #[arg(long)]
    pub reps: Option<usize>,
    /// Licenses proven together for the throughput figure.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Re-render bench.md and bench.svg from an existing bench.csv instead
    /// of measuring.
    #[arg(long)]
    pub render: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BenchPointArgs {
    #[arg(long)]
    pub capacity: usize,
    #[arg(long)]
    pub threads: usize,
    #[arg(long)]
    pub reps: usize,
    #[arg(long)]
    pub batch: usize,
}

/// `eligo bench-export`: a generated network export for measuring the
/// snapshot.
#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 written, 2 the file cannot be written.\n\nExample:\n  eligo bench-export \
--licenses 400 --tasks 16384 --out tasks.parquet"
)]
pub struct ExportArgs {
    /// Licenses (ids 0 to N-1).
    #[arg(long)]
    pub licenses: u64,
    /// Tasks per license (90% executed).
    #[arg(long)]
    pub tasks: u64,
    /// The file to write: Parquet when it ends in `.parquet`, else CSV.
    #[arg(long)]
    pub out: std::path::PathBuf,
}

/// Writes the generated export.
pub fn export(a: ExportArgs) -> Result<Exit, Failure> {
    let parquet = a.out.extension().is_some_and(|e| e == "parquet");
    let written = if parquet {
        eligo_prover::synthetic::write_parquet_export(&a.out, a.licenses, a.tasks)
    } else {
        eligo_prover::synthetic::write_csv_export(&a.out, a.licenses, a.tasks)
    };
    written.map_err(|e| Failure(format!("{}: {e}", a.out.display())))?;
    out!(
        "{}: {} licenses x {} tasks ({} rows), sorted by license",
        a.out.display(),
        a.licenses,
        a.tasks,
        a.licenses * a.tasks
    );
    Ok(Exit::Success)
}

/// One measured point.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    pub capacity: usize,
    pub depth: u32,
    pub threads: usize,
    pub k: u32,
    pub rows: usize,
    pub advice_columns: usize,
    pub fixed_columns: usize,
    pub permutations: usize,
    pub params_load_s: f64,
    pub keygen_vk_s: f64,
    pub keygen_pk_s: f64,
    pub witness_ms: f64,
    pub prove_s: f64,
    pub verify_ms: f64,
    pub verifier_cold_s: f64,
    pub batch_verify_ms_per_proof: f64,
    pub proof_bytes: usize,
    pub peak_rss_single_mb: f64,
    pub batch: usize,
    pub batch_s: f64,
    pub licenses_per_hour_single: f64,
    pub licenses_per_hour_batch: f64,
    pub peak_rss_batch_mb: f64,
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

/// Generated licenses `0..n` with full logs, and the witness time per
/// license.
fn bench_jobs(shape: Shape, n: usize) -> Result<(Vec<ProveJob>, f64), Failure> {
    let (public, packages) = synthetic::snapshot(shape, n)?;
    let t = Instant::now();
    let jobs = synthetic::jobs(&public, &packages);
    Ok((jobs, t.elapsed().as_secs_f64() * 1e3 / n as f64))
}

/// Runs one point in this process and prints it as JSON.
pub fn point(a: BenchPointArgs) -> Result<Exit, Failure> {
    if rayon::current_num_threads() != a.threads {
        return Err(Failure(
            "bench-point must run on a pool of --threads threads".into(),
        ));
    }
    let shape = Shape::new(a.capacity, BENCH_DEPTH)?;
    let figures = CircuitFigures::of(&shape);
    let store = ParamsStore::at_default_home()?;
    let (params, params_load_s) =
        timed(|| store.load_or_generate(figures.k, &ParamsProgress::new()));
    let params = params?;
    let (jobs, witness_ms) = bench_jobs(shape, a.batch.max(1))?;
    let (vk, keygen_vk_s) = timed(|| eligo_params::build_vk(&params, &shape));
    let vk = vk?;
    let (pk, keygen_pk_s) = timed(|| eligo_params::build_pk(&params, vk, &shape));
    drop(pk?);
    let prover = Prover::new(params.clone(), shape)?;
    let mut proof = Vec::new();
    let mut times = Vec::new();
    for _ in 0..a.reps.max(1) {
        let (p, t) = timed(|| prover.prove(&jobs[0]));
        proof = p?;
        times.push(t);
    }
    let prove_s = median(times);
    let peak_rss_single_mb = peak_rss_mb();

    crate::ui::cache_verifier_files(&prover)?;
    let (verifier, verifier_cold_s) = timed(|| crate::ui::verifier_for(&shape, None));
    let verifier = verifier?;
    let mut vt = Vec::new();
    for _ in 0..(5 * a.reps.max(1)) {
        let (r, t) = timed(|| verifier.verify_instance(&jobs[0].instance, &proof));
        r.map_err(|e| Failure(format!("bench proof does not verify: {e}")))?;
        vt.push(t * 1e3);
    }
    let verify_ms = median(vt);
    // Batch proving (throughput) also yields distinct proofs for the batch
    // verification: 64 items cycle over them.
    let proofs = std::sync::Mutex::new(vec![Vec::new(); jobs.len()]);
    let (_, batch_s) = timed(|| {
        prover.prove_batch(&jobs, |i, r| {
            if let Ok(mut all) = proofs.lock() {
                all[i] = r.unwrap_or_default();
            }
        })
    });
    let proofs = proofs
        .into_inner()
        .map_err(|_| Failure("a proving thread panicked".into()))?;
    if proofs.iter().any(|p| p.is_empty()) {
        return Err(Failure("a bench proof failed".into()));
    }
    let peak_rss_batch_mb = peak_rss_mb();
    let items: Vec<_> = (0..BATCH_VERIFY_PROOFS)
        .map(|i| {
            (
                jobs[i % jobs.len()].instance.clone(),
                proofs[i % jobs.len()].clone(),
            )
        })
        .collect();
    // Batches verify fastest on one thread (measured: the per-proof work is
    // many small parallel sections); `eligo verify` does the same.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Failure(e.to_string()))?;
    let (results, batch_verify_s) = timed(|| one.install(|| verifier.verify_batch(&items)));
    if results.iter().any(|r| r.is_err()) {
        return Err(Failure("batch verification failed".into()));
    }

    let p = Point {
        capacity: shape.capacity(),
        depth: shape.depth(),
        threads: a.threads,
        k: figures.k,
        rows: figures.rows,
        advice_columns: figures.advice_columns,
        fixed_columns: figures.fixed_columns,
        permutations: figures.permutations,
        params_load_s,
        keygen_vk_s,
        keygen_pk_s,
        witness_ms,
        prove_s,
        verify_ms,
        verifier_cold_s,
        batch_verify_ms_per_proof: batch_verify_s * 1e3 / BATCH_VERIFY_PROOFS as f64,
        proof_bytes: proof.len(),
        peak_rss_single_mb,
        batch: jobs.len(),
        batch_s,
        licenses_per_hour_single: 3600.0 / prove_s,
        licenses_per_hour_batch: 3600.0 * jobs.len() as f64 / batch_s,
        peak_rss_batch_mb,
    };
    out!("{}", serde_json::to_string(&p)?);
    Ok(Exit::Success)
}

const CSV_HEADER: &str = "capacity,depth,threads,k,rows,advice_columns,fixed_columns,permutations,params_load_s,keygen_vk_s,keygen_pk_s,witness_ms,prove_s,verify_ms,verifier_cold_s,batch_verify_ms_per_proof,proof_bytes,peak_rss_single_mb,batch,batch_s,licenses_per_hour_single,licenses_per_hour_batch,peak_rss_batch_mb";

fn csv_line(p: &Point) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{:.1},{:.3},{:.2},{:.3},{:.2},{},{:.0},{},{:.3},{:.0},{:.0},{:.0}",
        p.capacity, p.depth, p.threads, p.k, p.rows, p.advice_columns, p.fixed_columns,
        p.permutations, p.params_load_s, p.keygen_vk_s, p.keygen_pk_s, p.witness_ms, p.prove_s,
        p.verify_ms, p.verifier_cold_s, p.batch_verify_ms_per_proof, p.proof_bytes,
        p.peak_rss_single_mb, p.batch, p.batch_s, p.licenses_per_hour_single,
        p.licenses_per_hour_batch, p.peak_rss_batch_mb
    )
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "{} cores ({cpu}), {mem} RAM, no GPU",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    )
}

fn breakdown(capacities: &[usize]) -> String {
    let mut s = String::new();
    writeln!(s, "\n## Cost breakdown per circuit part\n").unwrap();
    writeln!(s, "Rows are counted in the part's own columns; the hashing parts share the {} Poseidon lanes side by side (rows shown before dividing among them), the others share the main columns.\n", eligo_circuits::layout::POSEIDON_LANES).unwrap();
    writeln!(
        s,
        "| capacity | part | rows | advice cols | fixed cols | permutations |"
    )
    .unwrap();
    writeln!(s, "| --- | --- | --- | --- | --- | --- |").unwrap();
    for c in capacities {
        let shape = Shape::new(*c, BENCH_DEPTH).expect("validated");
        for p in eligo_circuits::layout::cost_breakdown(&shape) {
            writeln!(
                s,
                "| {c} | {} | {} | {} | {} | {} |",
                p.part, p.rows, p.advice_columns, p.fixed_columns, p.permutations
            )
            .unwrap();
        }
    }
    s
}

fn markdown(points: &[Point]) -> String {
    let mut s = String::new();
    writeln!(s, "# eligo bench\n").unwrap();
    writeln!(s, "Machine: {}. Depth {BENCH_DEPTH}, threshold 667/1000, generated full logs (90% executed). Times are medians; memory is the peak resident set of the process (one proof, then the whole batch). Batch verification cycles 64 items over the batch's distinct proofs (identical proofs share MSM terms, so fewer distinct proofs make it slightly optimistic).\n", machine()).unwrap();
    writeln!(s, "| capacity | threads | k | rows | advice / fixed cols | keygen vk + pk | prove | verify | cold verifier (load key and generators) | batch verify / proof (64, 1 thread) | proof | peak mem (1 proof) | batch | batch time | licenses / hour (1 / batch) |").unwrap();
    writeln!(s, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |").unwrap();
    for p in points {
        writeln!(
            s,
            "| {} | {} | {} | {} | {} / {} | {:.2} + {:.2} s | {:.2} s | {:.1} ms | {:.1} ms | {:.2} ms | {} B | {:.0} MB | {} | {:.2} s | {:.0} / {:.0} |",
            p.capacity, p.threads, p.k, p.rows, p.advice_columns, p.fixed_columns, p.keygen_vk_s,
            p.keygen_pk_s, p.prove_s, p.verify_ms, p.verifier_cold_s * 1e3, p.batch_verify_ms_per_proof,
            p.proof_bytes, p.peak_rss_single_mb, p.batch, p.batch_s, p.licenses_per_hour_single,
            p.licenses_per_hour_batch
        )
        .unwrap();
    }
    s
}

/// The verification goal drawn on the plot (ms).
const GOAL_VERIFY_MS: f64 = 10.0;
/// The peak-memory goal drawn on the plot (MB).
const GOAL_PEAK_MB: f64 = 512.0;
/// Line colours, one per thread count.
const COLORS: [&str; 5] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/// The plot: two panels over capacity (log₂ scale), one line per thread
/// count. Top: prove and verify time per proof (log scale) with the
/// verification goal. Bottom: peak memory of one proof (MB, left axis, with
/// its goal) and batch throughput (licenses per hour, right axis). A dashed
/// marker and a `k` label show where the circuit grows.
fn svg(points: &[Point]) -> String {
    const W: f64 = 820.0;
    const PANEL: f64 = 300.0;
    const L: f64 = 80.0;
    const R: f64 = 260.0;
    const T: f64 = 50.0;
    const GAP: f64 = 90.0;
    const H: f64 = T + PANEL + GAP + PANEL + 70.0;
    let mut s = String::new();
    let x_of = |c: usize| (c as f64).log2();
    let (xmin, xmax) = points
        .iter()
        .map(|p| x_of(p.capacity))
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (xmin, xmax) = if xmax > xmin {
        (xmin - 0.3, xmax + 0.3)
    } else {
        (xmin - 1.0, xmin + 1.0)
    };
    let x = |c: usize| L + (x_of(c) - xmin) / (xmax - xmin) * (W - L - R);
    writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">Eligo: proving, verification and memory against capacity ({})</text>",
        W / 2.0,
        machine().split(" (").next().unwrap_or("")
    )
    .unwrap();
    let mut caps: Vec<(usize, u32)> = points.iter().map(|p| (p.capacity, p.k)).collect();
    caps.sort_unstable();
    caps.dedup();
    let mut threads: Vec<usize> = points.iter().map(|p| p.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let series = |t: usize| {
        let mut v: Vec<&Point> = points.iter().filter(|p| p.threads == t).collect();
        v.sort_by_key(|p| p.capacity);
        v
    };
    // Both panels: capacity ticks, k labels, and a dashed marker between
    // capacities whose circuits differ in k.
    for top in [T, T + PANEL + GAP] {
        let bottom = top + PANEL;
        writeln!(s, "<rect x=\"{L}\" y=\"{top}\" width=\"{}\" height=\"{PANEL}\" fill=\"none\" stroke=\"#888\"/>", W - L - R).unwrap();
        for (c, k) in &caps {
            let xx = x(*c);
            writeln!(s, "<line x1=\"{xx}\" x2=\"{xx}\" y1=\"{top}\" y2=\"{bottom}\" stroke=\"#eee\"/><text x=\"{xx}\" y=\"{}\" text-anchor=\"middle\">{c}</text><text x=\"{xx}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">k = {k}</text>", bottom + 16.0, bottom + 30.0).unwrap();
        }
        for pair in caps.windows(2) {
            if pair[0].1 != pair[1].1 {
                let xx = (x(pair[0].0) + x(pair[1].0)) / 2.0;
                writeln!(s, "<line class=\"k-step\" x1=\"{xx}\" x2=\"{xx}\" y1=\"{top}\" y2=\"{bottom}\" stroke=\"#999\" stroke-dasharray=\"3,3\"/><text x=\"{}\" y=\"{}\" fill=\"#666\" font-size=\"10\">k {} → {}</text>", xx + 3.0, top + 12.0, pair[0].1, pair[1].1).unwrap();
            }
        }
        writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">capacity (tasks per license, log₂ scale)</text>", (L + W - R) / 2.0, bottom + 50.0).unwrap();
    }

    // Top panel: time per proof, log scale, in ms.
    let times: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.prove_s * 1e3, p.verify_ms])
        .chain([GOAL_VERIFY_MS])
        .filter(|v| *v > 0.0)
        .map(f64::log10)
        .collect();
    let (lo, hi) = times
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    let y_time = move |ms: f64| T + (hi - ms.max(1e-9).log10()) / (hi - lo) * PANEL;
    let mut decade = lo;
    while decade <= hi {
        let yy = y_time(10f64.powf(decade));
        let label = if decade >= 3.0 {
            format!("{} s", 10f64.powf(decade - 3.0))
        } else {
            format!("{} ms", 10f64.powf(decade))
        };
        writeln!(s, "<line x1=\"{L}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>", W - R, L - 6.0, yy + 4.0).unwrap();
        decade += 1.0;
    }
    writeln!(s, "<text transform=\"translate(18,{}) rotate(-90)\" text-anchor=\"middle\">time per proof (log scale)</text>", T + PANEL / 2.0).unwrap();
    let goal = y_time(GOAL_VERIFY_MS);
    writeln!(s, "<line class=\"goal\" x1=\"{L}\" x2=\"{}\" y1=\"{goal}\" y2=\"{goal}\" stroke=\"#2ca02c\" stroke-width=\"1.5\" stroke-dasharray=\"8,4\"/><text x=\"{}\" y=\"{}\" fill=\"#2ca02c\">goal: verify ≤ {GOAL_VERIFY_MS} ms</text>", W - R, W - R + 8.0, goal + 4.0).unwrap();

    // Bottom panel: peak memory (left axis) and licenses per hour (right).
    let top2 = T + PANEL + GAP;
    let mem_max = points
        .iter()
        .map(|p| p.peak_rss_single_mb)
        .fold(GOAL_PEAK_MB, f64::max)
        * 1.1;
    let rate_max = points
        .iter()
        .map(|p| p.licenses_per_hour_batch)
        .fold(1.0, f64::max)
        * 1.1;
    let y_mem = move |mb: f64| top2 + PANEL - mb / mem_max * PANEL;
    let y_rate = move |r: f64| top2 + PANEL - r / rate_max * PANEL;
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let yy = top2 + PANEL - f * PANEL;
        writeln!(s, "<line x1=\"{L}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#eee\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0}</text><text x=\"{}\" y=\"{}\">{:.0}</text>", W - R, L - 6.0, yy + 4.0, f * mem_max, W - R + 6.0, yy + 4.0, f * rate_max).unwrap();
    }
    writeln!(s, "<text transform=\"translate(18,{}) rotate(-90)\" text-anchor=\"middle\">peak memory of one proof (MB)</text>", top2 + PANEL / 2.0).unwrap();
    writeln!(s, "<text transform=\"translate({},{}) rotate(90)\" text-anchor=\"middle\">batch throughput (licenses per hour)</text>", W - R + 62.0, top2 + PANEL / 2.0).unwrap();
    let goal = y_mem(GOAL_PEAK_MB);
    writeln!(s, "<line class=\"goal\" x1=\"{L}\" x2=\"{}\" y1=\"{goal}\" y2=\"{goal}\" stroke=\"#2ca02c\" stroke-width=\"1.5\" stroke-dasharray=\"8,4\"/><text x=\"{}\" y=\"{}\" fill=\"#2ca02c\">goal: ≤ {GOAL_PEAK_MB} MB</text>", W - R, L + 6.0, goal - 6.0).unwrap();

    // The lines, and the legend.
    let mut legend_y = T + 10.0;
    let legend_x = W - R + 90.0;
    type Value = Box<dyn Fn(&Point) -> f64>;
    for (i, t) in threads.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let lines: [(&str, &str, Value); 4] = [
            (
                "prove",
                "",
                Box::new(move |p: &Point| y_time(p.prove_s * 1e3)),
            ),
            (
                "verify",
                "6,4",
                Box::new(move |p: &Point| y_time(p.verify_ms)),
            ),
            (
                "peak memory",
                "",
                Box::new(move |p: &Point| y_mem(p.peak_rss_single_mb)),
            ),
            (
                "licenses/hour",
                "2,3",
                Box::new(move |p: &Point| y_rate(p.licenses_per_hour_batch)),
            ),
        ];
        for (name, dash, y) in lines {
            let pts = series(*t);
            let path: Vec<String> = pts
                .iter()
                .map(|p| format!("{:.1},{:.1}", x(p.capacity), y(p)))
                .collect();
            writeln!(s, "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\" points=\"{}\"/>", path.join(" ")).unwrap();
            for p in &pts {
                writeln!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/>",
                    x(p.capacity),
                    y(p)
                )
                .unwrap();
            }
            writeln!(s, "<line x1=\"{legend_x}\" x2=\"{}\" y1=\"{legend_y}\" y2=\"{legend_y}\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"{}\">{name}, {t} thr.</text>", legend_x + 24.0, legend_x + 28.0, legend_y + 4.0).unwrap();
            legend_y += 18.0;
        }
    }
    s.push_str("</svg>\n");
    s
}

fn parse_csv(path: &std::path::Path) -> Result<Vec<Point>, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h == CSV_HEADER => {}
        _ => {
            return Err(Failure(format!(
                "{}:1: not an eligo bench.csv header",
                path.display()
            )))
        }
    }
    let mut points = Vec::new();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let bad = || {
            Failure(format!(
                "{}:{}: malformed bench line",
                path.display(),
                i + 1
            ))
        };
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != CSV_HEADER.split(',').count() {
            return Err(bad());
        }
        let u = |j: usize| f[j].parse::<usize>().map_err(|_| bad());
        let x = |j: usize| f[j].parse::<f64>().map_err(|_| bad());
        Shape::new(u(0)?, u(1)? as u32)
            .map_err(|e| Failure(format!("{}:{}: {e}", path.display(), i + 1)))?;
        points.push(Point {
            capacity: u(0)?,
            depth: u(1)? as u32,
            threads: u(2)?,
            k: u(3)? as u32,
            rows: u(4)?,
            advice_columns: u(5)?,
            fixed_columns: u(6)?,
            permutations: u(7)?,
            params_load_s: x(8)?,
            keygen_vk_s: x(9)?,
            keygen_pk_s: x(10)?,
            witness_ms: x(11)?,
            prove_s: x(12)?,
            verify_ms: x(13)?,
            verifier_cold_s: x(14)?,
            batch_verify_ms_per_proof: x(15)?,
            proof_bytes: u(16)?,
            peak_rss_single_mb: x(17)?,
            batch: u(18)?,
            batch_s: x(19)?,
            licenses_per_hour_single: x(20)?,
            licenses_per_hour_batch: x(21)?,
            peak_rss_batch_mb: x(22)?,
        });
    }
    if points.is_empty() {
        return Err(Failure(format!("{}: no bench points", path.display())));
    }
    Ok(points)
}

pub fn run(a: BenchArgs) -> Result<Exit, Failure> {
    if let Some(csv_path) = &a.render {
        let points = parse_csv(csv_path)?;
        let mut caps: Vec<usize> = points.iter().map(|p| p.capacity).collect();
        caps.dedup();
        return write_outputs(&a.out, &points, &caps);
    }
    let (caps, threads, reps, batch) = if a.quick {
        (vec![4096, 16384], vec![1, 2], 1, 2)
    } else {
        (vec![1024, 4096, 16384, 65536], vec![1, 2], 3, 8)
    };
    let caps = a.capacities.unwrap_or(caps);
    let threads = a.threads.unwrap_or(threads);
    let reps = a.reps.unwrap_or(reps);
    let batch = a.batch.unwrap_or(batch);
    for c in &caps {
        Shape::new(*c, BENCH_DEPTH).map_err(|e| Failure(format!("--capacities: {e}")))?;
    }
    if threads.contains(&0) || reps == 0 || batch == 0 {
        return Err(Failure(
            "--threads, --reps and --batch must be at least 1".into(),
        ));
    }
    let exe = std::env::current_exe()?;
    let mut points = Vec::new();
    for c in &caps {
        for t in &threads {
            log(format!(
                "bench: capacity {c}, {t} thread(s), {reps} rep(s), batch {batch} ..."
            ));
            let out = Command::new(&exe)
                .args([
                    "bench-point",
                    "--capacity",
                    &c.to_string(),
                    "--threads",
                    &t.to_string(),
                    "--reps",
                    &reps.to_string(),
                    "--batch",
                    &batch.to_string(),
                ])
                .stderr(std::process::Stdio::inherit())
                .output()?;
            if !out.status.success() {
                return Err(Failure(format!(
                    "bench point capacity {c}, {t} thread(s) failed"
                )));
            }
            let p: Point = serde_json::from_slice(&out.stdout)
                .map_err(|e| Failure(format!("bench point output: {e}")))?;
            log(format!(
                "  k = {}, prove {:.2} s, verify {:.1} ms, proof {} B, peak {:.0} MB",
                p.k, p.prove_s, p.verify_ms, p.proof_bytes, p.peak_rss_single_mb
            ));
            points.push(p);
        }
    }
    write_outputs(&a.out, &points, &caps)
}

fn write_outputs(out: &std::path::Path, points: &[Point], caps: &[usize]) -> Result<Exit, Failure> {
    let points = points.to_vec();
    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for p in &points {
        csv.push_str(&csv_line(p));
        csv.push('\n');
    }
    let md = markdown(&points) + &breakdown(caps);
    let write = |name: &str, body: &str| {
        eligo_prover::fsio::write_atomic(&out.join(name), body.as_bytes())
            .map_err(|e| Failure(format!("{}: {e}", out.join(name).display())))
    };
    let plot = svg(&points);
    write("bench.csv", &csv)?;
    write("bench.md", &md)?;
    write("bench.svg", &plot)?;
    out!("{}", md.trim_end());
    out!(
        "\nwritten: {}/bench.md, bench.csv, bench.svg",
        out.display()
    );
    Ok(Exit::Success)
}
