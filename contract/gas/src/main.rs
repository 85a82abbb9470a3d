//! Gas of the claim contract on a metered CosmWasm VM.
//!
//! Runs the deployable wasm (`contract/build-wasm.sh`) in cosmwasm-vm 3
//! (wasmer singlepass, gas metering, the 32 MiB memory limit of wasmd):
//! instantiate with the verifying key and the generators, then `claim` (one
//! license) and `claim_batch_16` (sixteen licenses in one message), each in
//! a fresh instance over the same storage, as on a chain, with real proofs
//! for the chosen shape.
//!
//! One line per call:
//! `call=<name> cw_gas=<n> sdk_gas=<n> wall_s=<x>`, where `sdk_gas` is the
//! VM's gas divided by wasmd's multiplier for CosmWasm 2 and 3 (140,000
//! CosmWasm gas per SDK gas; the VM targets 10^12 gas per second). A second
//! line per call gives the gas the chain adds outside the VM, at Cosmos SDK
//! defaults: storage reads and writes, transaction bytes and wasmd's
//! per-call instance cost.
//!
//! `cargo run --release --manifest-path contract/gas/Cargo.toml --target-dir target/gas -- CAPACITY DEPTH WASM`
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use cosmwasm_std::{
    to_json_binary, Addr, Binary, ContractResult, Empty, Env, MessageInfo, Order, QuerierResult,
    Record, Response, SystemResult, Timestamp, WasmQuery,
};
use cosmwasm_vm::internals::{check_wasm, Logger};
use cosmwasm_vm::testing::{mock_env, MockApi, MockQuerier, MockStorage};
use cosmwasm_vm::{
    call_execute, call_instantiate, capabilities_from_csv, Backend, BackendResult, Instance,
    InstanceOptions, Size, Storage, WasmLimits,
};
use eligo_circuits::native::chain_id_from_name;
use eligo_circuits::{layout, Address, ClaimContext, Outcome, PayoutOption, Shape, TaskEntry};
use eligo_params::{NoProgress, ParamsStore};
use eligo_prover::snapshot::{self, SnapshotConfig};
use eligo_prover::witness::{prepare, Details};
use eligo_prover::{ProveJob, Prover};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;

/// wasmd's gas multiplier for CosmWasm 2 and 3: CosmWasm gas per SDK gas.
const GAS_PER_SDK_GAS: u64 = 140_000;
/// wasmd's default memory limit per contract instance.
const MEMORY_LIMIT_MIB: usize = 32;
/// A gas limit no call reaches.
const UNLIMITED: u64 = u64::MAX / 2;
/// Licenses in the batch call.
const BATCH: usize = 16;
/// Capabilities of a CosmWasm 2 chain.
const CAPABILITIES: &str =
    "iterator,staking,cosmwasm_1_1,cosmwasm_1_2,cosmwasm_1_3,cosmwasm_1_4,cosmwasm_2_0,cosmwasm_2_1,cosmwasm_2_2";

/// Cosmos SDK's default KV-store gas (`storetypes.KVGasConfig`).
const READ_COST_FLAT: u64 = 1_000;
const READ_COST_PER_BYTE: u64 = 3;
const WRITE_COST_FLAT: u64 = 2_000;
const WRITE_COST_PER_BYTE: u64 = 30;
const DELETE_COST: u64 = 1_000;
const ITER_NEXT_COST_FLAT: u64 = 30;
/// Cosmos SDK's default `TxSizeCostPerByte` (auth module).
const TX_SIZE_COST_PER_BYTE: u64 = 10;
/// wasmd's `DefaultInstanceCost` (SDK gas per contract call).
const INSTANCE_COST: u64 = 60_000;

/// MockStorage that counts what the Cosmos SDK would charge for each access.
#[derive(Default)]
struct Counted {
    inner: MockStorage,
    read_gas: Cell<u64>,
    write_gas: Cell<u64>,
}

impl Storage for Counted {
    fn get(&self, key: &[u8]) -> BackendResult<Option<Vec<u8>>> {
        let (r, gas) = self.inner.get(key);
        let len = r.as_ref().ok().and_then(|v| v.as_ref()).map_or(0, Vec::len);
        self.read_gas.set(
            self.read_gas.get() + READ_COST_FLAT + READ_COST_PER_BYTE * (key.len() + len) as u64,
        );
        (r, gas)
    }

    fn scan(
        &mut self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        order: Order,
    ) -> BackendResult<u32> {
        self.inner.scan(start, end, order)
    }

    fn next(&mut self, iterator_id: u32) -> BackendResult<Option<Record>> {
        let (r, gas) = self.inner.next(iterator_id);
        let len = r
            .as_ref()
            .ok()
            .and_then(|v| v.as_ref())
            .map_or(0, |(k, v)| k.len() + v.len());
        self.read_gas
            .set(self.read_gas.get() + ITER_NEXT_COST_FLAT + READ_COST_PER_BYTE * len as u64);
        (r, gas)
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> BackendResult<()> {
        self.write_gas.set(
            self.write_gas.get()
                + WRITE_COST_FLAT
                + WRITE_COST_PER_BYTE * (key.len() + value.len()) as u64,
        );
        self.inner.set(key, value)
    }

    fn remove(&mut self, key: &[u8]) -> BackendResult<()> {
        self.write_gas.set(self.write_gas.get() + DELETE_COST);
        self.inner.remove(key)
    }
}

type Vm = Instance<MockApi, Counted, MockQuerier>;

fn fresh(wasm: &[u8], backend: Backend<MockApi, Counted, MockQuerier>) -> Result<Vm> {
    Instance::from_code(
        wasm,
        backend,
        InstanceOptions {
            gas_limit: UNLIMITED,
        },
        Some(Size::mebi(MEMORY_LIMIT_MIB)),
    )
    .map_err(|e| anyhow!("instance: {e}"))
}

/// Runs one call in a fresh instance and prints its two lines; returns the
/// backend for the next call and the call's response.
#[allow(clippy::too_many_arguments)]
fn run(
    wasm: &[u8],
    backend: Backend<MockApi, Counted, MockQuerier>,
    quiet: bool,
    name: &str,
    env: &Env,
    info: &MessageInfo,
    msg: &serde_json::Value,
    instantiate: bool,
) -> Result<(Backend<MockApi, Counted, MockQuerier>, Response<Empty>)> {
    let mut vm = fresh(wasm, backend)?;
    vm.with_storage(|s| {
        s.read_gas.set(0);
        s.write_gas.set(0);
        Ok(())
    })
    .map_err(|e| anyhow!("{e}"))?;
    let bytes = serde_json::to_vec(msg)?;
    let before = vm.create_gas_report();
    let t = Instant::now();
    let result: ContractResult<Response<Empty>> = if instantiate {
        call_instantiate(&mut vm, env, info, &bytes)
    } else {
        call_execute(&mut vm, env, info, &bytes)
    }
    .map_err(|e| anyhow!("{name}: VM error: {e}"))?;
    let wall = t.elapsed().as_secs_f64();
    let response = match result {
        ContractResult::Err(e) => bail!("{name}: contract error: {e}"),
        ContractResult::Ok(r) => r,
    };
    let after = vm.create_gas_report();
    let cw_gas = before.remaining - after.remaining;
    let (read, write) = vm
        .with_storage(|s| Ok((s.read_gas.get(), s.write_gas.get())))
        .map_err(|e| anyhow!("{e}"))?;
    let tx = TX_SIZE_COST_PER_BYTE * bytes.len() as u64;
    let sdk = cw_gas.div_ceil(GAS_PER_SDK_GAS);
    let recycle = |vm: Vm| {
        vm.recycle()
            .map(|b| (b, response.clone()))
            .ok_or_else(|| anyhow!("no backend"))
    };
    if quiet {
        return recycle(vm);
    }
    println!("call={name} cw_gas={cw_gas} sdk_gas={sdk} wall_s={wall:.3}");
    println!(
        "chain call={name} storage_read_sdk_gas={read} storage_write_sdk_gas={write} \
         tx_bytes={} tx_sdk_gas={tx} instance_sdk_gas={INSTANCE_COST} total_sdk_gas={}",
        bytes.len(),
        sdk + read + write + tx + INSTANCE_COST
    );
    recycle(vm)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [capacity, depth, path] = args.as_slice() else {
        bail!("usage: eligo-contract-gas CAPACITY DEPTH WASM");
    };
    let (capacity, depth): (usize, u32) = (capacity.parse()?, depth.parse()?);
    let shape = Shape::new(capacity, depth)?;
    let wasm = std::fs::read(path).with_context(|| format!("{path} (build it first)"))?;
    let capabilities: HashSet<String> = capabilities_from_csv(CAPABILITIES);
    check_wasm(&wasm, &capabilities, &WasmLimits::default(), Logger::Off)
        .map_err(|e| anyhow!("the VM refuses the wasm: {e}"))?;
    println!(
        "wasm: {path}, {} bytes, passes cosmwasm-vm's checks",
        wasm.len()
    );

    // The program: BATCH eligible licenses (short logs: the circuit,
    // and so the proof and its check, is the same for any log length).
    let k = layout::k_for(&shape);
    let params = ParamsStore::at_default_home()?.load_or_generate(k, &NoProgress)?;
    let mut logs = BTreeMap::new();
    for id in 0..BATCH as u64 {
        let entries: Vec<TaskEntry> = (0..200u64)
            .map(|i| TaskEntry {
                task_id: id * 1_000 + i,
                epoch: (i / 50) as u32,
                outcome: if i < 170 {
                    Outcome::Executed
                } else {
                    Outcome::Missed
                },
            })
            .collect();
        logs.insert(id, entries);
    }
    let config = SnapshotConfig {
        shape,
        threshold: eligo_circuits::Threshold::default_threshold(),
        program_id: "gas".into(),
    };
    let snap = snapshot::build(
        &config,
        &logs,
        &BTreeMap::new(),
        &mut ChaCha20Rng::seed_from_u64(3),
    )?;
    let generators = eligo_verifier::Generators::from_halo2(&params)
        .map_err(|e| anyhow!("{e}"))?
        .encode();
    let prover = Prover::new(params, shape)?;
    let key = prover.verifying_key().map_err(|e| anyhow!("{e}"))?.encode();

    let api = MockApi::default();
    let admin = api.addr_make("admin");
    let alice = api.addr_make("alice");
    let nft = api.addr_make("licenses");
    let ifx = api.addr_make("ifx");
    let weth = api.addr_make("weth");
    let env = mock_env();
    let tge = env.block.time.seconds();
    let info = |sender: &str| MessageInfo {
        sender: Addr::unchecked(sender),
        funds: vec![],
    };
    let public = &snap.public;
    let instantiate = json!({
        "admin": null, "treasury": api.addr_make("treasury"), "program_id": public.program_id,
        "registry_root": public.registry_root, "exclusion_root": public.exclusion_root,
        "threshold": null, "capacity": capacity, "depth": depth,
        "circuit_fingerprint": prover.fingerprint(), "verifying_key": Binary::from(key.clone()),
        "generators": Binary::from(generators.clone()),
        "tge": tge, "grace_period": null, "price_max_age": null,
        "license_nft": nft, "ifx_token": ifx, "weth_token": weth, "fund_size": null,
        "payout": null, "prices": {"ifx": "250000", "eth": "2000000000"}
    });
    let prices: Vec<(u64, &str)> = (0..BATCH as u64).map(|id| (id, "1000000000")).collect();
    let prices = json!({"set_purchase_prices": {"prices": prices}});
    let deposit = json!({"receive": {"sender": admin, "amount": "100000000000000000000",
        "msg": Binary::from(serde_json::to_vec(&json!({"weth_reserve": {}}))?)}});
    let contract = env.contract.address.to_string();
    let fresh_prices = json!({"set_prices": {"prices": {"ifx": "250000", "eth": "2000000000"},
        "as_of": null}});
    // A fresh chain: the program instantiated before the window, priced
    // and funded, its prices read again when the window is open (at
    // `open + 60`); the license contract says Alice owns every license and
    // approved us; both tokens have 18 decimals.
    let setup = |quiet: bool| -> Result<(Backend<MockApi, Counted, MockQuerier>, Env)> {
        let mut backend = Backend {
            api,
            storage: Counted::default(),
            querier: MockQuerier::new(&[]),
        };
        let (owner, spender, nft_addr) = (alice.clone(), contract.clone(), nft.clone());
        let tokens = [ifx.to_string(), weth.to_string()];
        backend.querier.update_wasm(move |q| -> QuerierResult {
            let answer = match q {
                WasmQuery::Smart { contract_addr, .. } if *contract_addr == nft_addr => {
                    json!({"owner": owner,
                        "approvals": [{"spender": spender, "expires": {"never": {}}}]})
                }
                WasmQuery::Smart { contract_addr, .. } if tokens.contains(contract_addr) => {
                    json!({"name": "token", "symbol": "TKN", "decimals": 18,
                        "total_supply": "0"})
                }
                _ => return SystemResult::Ok(ContractResult::Err("unknown contract".into())),
            };
            SystemResult::Ok(ContractResult::Ok(to_json_binary(&answer).expect("json")))
        });
        let response;
        (backend, response) = run(
            &wasm,
            backend,
            quiet,
            "instantiate",
            &env,
            &info(&admin),
            &instantiate,
            true,
        )?;
        let open: u64 = response
            .attributes
            .iter()
            .find(|a| a.key == "window_open")
            .and_then(|a| a.value.parse().ok())
            .ok_or_else(|| anyhow!("instantiate: no window_open"))?;
        let mut later = env.clone();
        later.block.time = Timestamp::from_seconds(open + 60);
        (backend, _) = run(
            &wasm,
            backend,
            quiet,
            "set_purchase_prices",
            &env,
            &info(&admin),
            &prices,
            false,
        )?;
        (backend, _) = run(
            &wasm,
            backend,
            quiet,
            "deposit_weth",
            &env,
            &info(&weth),
            &deposit,
            false,
        )?;
        (backend, _) = run(
            &wasm,
            backend,
            quiet,
            "set_prices",
            &later,
            &info(&admin),
            &fresh_prices,
            false,
        )?;
        Ok((backend, later))
    };

    // Alice's proofs, bound to this chain, this contract, Alice and wETH.
    let canonical = |a: &str| -> Result<Address> {
        let (_, data) = bech32::decode(a)?;
        Ok(Address::from_bytes(&data)?)
    };
    let ctx = ClaimContext {
        chain_id: chain_id_from_name(&env.block.chain_id),
        contract: canonical(&contract)?,
        claimant: canonical(&alice)?,
        option: PayoutOption::Weth,
    };
    let jobs: Vec<ProveJob> = snap
        .packages
        .iter()
        .map(|p| {
            let prepared = prepare(public, p, Details::Trust)?;
            Ok(ProveJob {
                witness: prepared.witness.clone(),
                instance: prepared.instance(&ctx),
            })
        })
        .collect::<Result<_>>()?;
    let t = Instant::now();
    let slots: Vec<std::sync::Mutex<Vec<u8>>> =
        (0..jobs.len()).map(|_| Default::default()).collect();
    prover.prove_batch(&jobs, |i, r| {
        if let (Ok(p), Some(slot)) = (r, slots.get(i)) {
            *slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = p;
        }
    });
    let proofs: Vec<Vec<u8>> = slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .collect();
    if proofs.iter().any(Vec::is_empty) {
        bail!("a proof failed");
    }
    eprintln!(
        "proved {} licenses in {:.1} s",
        proofs.len(),
        t.elapsed().as_secs_f64()
    );
    let item = |i: usize| {
        json!({"license_id": snap.packages[i].license_id, "option": "weth",
               "proof": Binary::from(proofs[i].clone()), "exclusion_root": null,
               "min_amount": "1"})
    };
    let one = json!({"claim": item(0)});
    let (backend, later) = setup(false)?;
    let _ = run(
        &wasm,
        backend,
        false,
        "claim",
        &later,
        &info(&alice),
        &one,
        false,
    )?;
    let batch: Vec<serde_json::Value> = (0..BATCH).map(item).collect();
    let batch = json!({"claim_batch": {"claims": batch}});
    let name = format!("claim_batch_{BATCH}");
    let _ = run(
        &wasm,
        setup(true)?.0,
        false,
        &name,
        &later,
        &info(&alice),
        &batch,
        false,
    )?;
    println!(
        "shape: capacity {capacity}, depth {depth}, k = {k}; key {} bytes; generators {} bytes; proof {} bytes",
        key.len(),
        generators.len(),
        proofs[0].len()
    );
    Ok(())
}
