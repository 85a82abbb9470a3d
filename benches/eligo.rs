//! Criterion benchmarks: proving per capacity, verification (single and
//! batch of 64), key building, witness building and native snapshot
//! building. Run with `cargo bench`; `eligo bench` gives the sweep with
//! memory and thread counts.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use eligo_circuits::{layout, EligibilityCircuit, Fp, Shape, Threshold};
use eligo_params::{build_pk, build_vk, NoProgress, Params, ParamsStore};
use eligo_prover::inputs::TaskStream;
use eligo_prover::salt::SaltKey;
use eligo_prover::shard::Shard;
use eligo_prover::snapshot::{self, Committed, SnapshotConfig};
use eligo_prover::{synthetic, Prover};
use eligo_verifier::Verifier;
use ff::Field;
use halo2_proofs::circuit::{SimpleFloorPlanner, Value};
use halo2_proofs::plonk::{
    Advice, Any, Assigned, Assignment, Circuit, Column, ConstraintSystem, Error, Fixed,
    FloorPlanner, Instance, Selector,
};

/// Capacities measured (tasks per license).
const CAPACITIES: [usize; 4] = [1024, 4096, 16_384, 65_536];
/// Tree depth (production).
const DEPTH: u32 = 20;
/// Proofs in the batch-verification measurement.
const BATCH: usize = 64;

/// As the CLI does, measured work runs on a worker of one pool, so halo2's
/// parallel sections start inside the pool.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().build().expect("pool"))
}

fn params(shape: &Shape) -> Params {
    ParamsStore::at_default_home()
        .expect("cache directory")
        .load_or_generate(layout::k_for(shape), &NoProgress)
        .expect("params")
}

fn shape(capacity: usize) -> Shape {
    Shape::new(capacity, DEPTH).expect("valid shape")
}

fn proving(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for cap in CAPACITIES {
        let s = shape(cap);
        let prover = Prover::new(params(&s), s).expect("keys");
        let (public, packages) = synthetic::snapshot(s, 1).expect("snapshot");
        let job = synthetic::jobs(&public, &packages).remove(0);
        g.throughput(Throughput::Elements(cap as u64));
        g.bench_with_input(BenchmarkId::from_parameter(cap), &job, |b, job| {
            b.iter(|| pool().install(|| prover.prove(job).expect("proof")))
        });
    }
    g.finish();
}

fn verification(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify");
    for cap in [4096, 65_536] {
        let s = shape(cap);
        let prover = Prover::new(params(&s), s).expect("keys");
        let verifier: Verifier = prover.verifier().expect("verifier");
        // What a cold `eligo verify` or a claim does before checking: decode
        // the key (rendering its pinned text again) and the generators.
        let key_bytes = verifier.key().encode();
        let gens_bytes = verifier.generators().encode();
        g.bench_function(BenchmarkId::new("load key and generators", cap), |b| {
            b.iter(|| {
                let key = eligo_verifier::VerifyingKey::decode(&key_bytes).expect("key");
                let gens = eligo_verifier::Generators::decode_canonical(&gens_bytes).expect("gens");
                Verifier::new(key, gens, s).expect("verifier")
            })
        });
        let (public, packages) = synthetic::snapshot(s, 1).expect("snapshot");
        let job = synthetic::jobs(&public, &packages).remove(0);
        let proof = prover.prove(&job).expect("proof");
        g.bench_function(BenchmarkId::new("single", cap), |b| {
            b.iter(|| {
                verifier
                    .verify_instance(&job.instance, &proof)
                    .expect("valid")
            })
        });
        // The oracle, for the ratio: halo2's own verify_proof with its key.
        let column = job.instance.to_column();
        g.bench_function(BenchmarkId::new("halo2 single", cap), |b| {
            b.iter(|| {
                let mut t = halo2_proofs::transcript::Blake2bRead::<
                    _,
                    eligo_params::Curve,
                    halo2_proofs::transcript::Challenge255<eligo_params::Curve>,
                >::init(&proof[..]);
                halo2_proofs::plonk::verify_proof(
                    prover.params(),
                    prover.halo2_vk(),
                    halo2_proofs::plonk::SingleVerifier::new(prover.params()),
                    &[&[&column[..]]],
                    &mut t,
                )
                .expect("valid")
            })
        });
        let items: Vec<_> = (0..BATCH)
            .map(|_| (job.instance.clone(), proof.clone()))
            .collect();
        g.throughput(Throughput::Elements(BATCH as u64));
        // As `eligo verify` does: a batch on one thread.
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        g.bench_function(BenchmarkId::new("batch64", cap), |b| {
            b.iter(|| {
                one.install(|| assert!(verifier.verify_batch(&items).iter().all(|r| r.is_ok())))
            })
        });
    }
    g.finish();
}

fn keys(c: &mut Criterion) {
    let mut g = c.benchmark_group("keygen");
    g.sample_size(10);
    for cap in [4096, 65_536] {
        let s = shape(cap);
        let p = params(&s);
        g.bench_function(BenchmarkId::new("vk", cap), |b| {
            b.iter(|| build_vk(&p, &s).expect("vk"))
        });
        g.bench_function(BenchmarkId::new("vk+pk", cap), |b| {
            b.iter(|| build_pk(&p, build_vk(&p, &s).expect("vk"), &s).expect("pk"))
        });
    }
    g.finish();
}

/// An assignment that computes every cell value the circuit asks for and
/// keeps none: what synthesis costs inside `create_proof`, without the
/// prover's own bookkeeping.
struct ComputeOnly;

impl Assignment<Fp> for ComputeOnly {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
    fn exit_region(&mut self) {}
    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        _: A,
        _: &Selector,
        _: usize,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn query_instance(&self, _: Column<Instance>, _: usize) -> Result<Value<Fp>, Error> {
        Ok(Value::known(Fp::ONE))
    }
    fn assign_advice<V, VR, A, AR>(
        &mut self,
        _: A,
        _: Column<Advice>,
        _: usize,
        to: V,
    ) -> Result<(), Error>
    where
        V: FnOnce() -> Value<VR>,
        VR: Into<Assigned<Fp>>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        std::hint::black_box(to().map(|v| v.into()));
        Ok(())
    }
    fn assign_fixed<V, VR, A, AR>(
        &mut self,
        _: A,
        _: Column<Fixed>,
        _: usize,
        to: V,
    ) -> Result<(), Error>
    where
        V: FnOnce() -> Value<VR>,
        VR: Into<Assigned<Fp>>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        std::hint::black_box(to().map(|v| v.into()));
        Ok(())
    }
    fn copy(&mut self, _: Column<Any>, _: usize, _: Column<Any>, _: usize) -> Result<(), Error> {
        Ok(())
    }
    fn fill_from_row(
        &mut self,
        _: Column<Fixed>,
        _: usize,
        _: Value<Assigned<Fp>>,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
    fn pop_namespace(&mut self, _: Option<String>) {}
}

fn witness_and_snapshot(c: &mut Criterion) {
    let mut g = c.benchmark_group("native");
    g.sample_size(10);
    let s = shape(65_536);
    let (public, packages) = synthetic::snapshot(s, 1).expect("snapshot");
    g.bench_function("witness/65536", |b| {
        b.iter(|| synthetic::jobs(&public, &packages))
    });
    // The in-circuit witness (every cell, the Poseidon rounds included), as
    // `create_proof` computes it: compare with "prove/65536".
    let job = synthetic::jobs(&public, &packages).remove(0);
    let circuit = EligibilityCircuit::new(s, job.witness).expect("circuit");
    let mut cs = ConstraintSystem::<Fp>::default();
    let config = EligibilityCircuit::configure(&mut cs);
    g.bench_function("synthesis/65536", |b| {
        b.iter(|| {
            SimpleFloorPlanner::synthesize(
                &mut ComputeOnly,
                &circuit,
                config.clone(),
                vec![config.constants()],
            )
            .expect("synthesis")
        })
    });
    let licenses = 8;
    g.throughput(Throughput::Elements(licenses as u64));
    g.bench_function("snapshot/8 licenses x 65536 tasks", |b| {
        b.iter(|| synthetic::snapshot(s, licenses).expect("snapshot"))
    });
    // Step 1 of `eligo snapshot` as it runs on an export: the CSV parsed
    // as a stream, each license's digest, commitment and package computed
    // in parallel (the packages are serialized, not written).
    let streamed = 16u64;
    let tasks = 16_384u64;
    let s16 = shape(tasks as usize);
    let mut csv = String::from("license_id,task_id,epoch,outcome\n");
    for (id, task, epoch, outcome) in synthetic::export_rows(streamed, tasks) {
        csv.push_str(&format!("{id},{task},{epoch},{}\n", outcome.as_str()));
    }
    let config = SnapshotConfig {
        shape: s16,
        threshold: Threshold::default_threshold(),
        program_id: "bench".into(),
    };
    let key = SaltKey::from_bytes([7; 32]);
    g.throughput(Throughput::Elements(streamed));
    g.bench_function("snapshot-stream/16 licenses x 16384 tasks (CSV)", |b| {
        b.iter(|| {
            let mut stream =
                TaskStream::csv_bytes(Path::new("bench.csv"), csv.as_bytes(), &s16, Shard::WHOLE)
                    .expect("stream");
            let sink = |c: Committed| -> Result<(), std::convert::Infallible> {
                black_box(c.package.to_json());
                Ok(())
            };
            snapshot::commit_stream(&config, &mut stream, &mut key.clone(), &sink, &|_| {})
                .expect("step 1")
        })
    });
    g.finish();
}

/// The benchmark groups (in a module: the macro's `pub fn` needs no docs
/// there).
mod groups {
    use super::{keys, proving, verification, witness_and_snapshot};
    use criterion::criterion_group;

    criterion_group!(benches, proving, verification, keys, witness_and_snapshot);
}
criterion_main!(groups::benches);
