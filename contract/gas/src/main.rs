//! Gas of the claim contract on a metered CosmWasm VM.
//!
//! Runs the optimized wasm (`--profile contract`) in cosmwasm-vm: check
//! (the VM's static checks), instantiate, the admin's price list, a wETH
//! deposit and one claim with a real proof for the chosen shape. Each call
//! runs in a fresh instance over the same storage, as on a chain, so the
//! claim pays for building the verifying key. Prints CosmWasm gas, the Cosmos
//! SDK gas it converts to (wasmd's multiplier) and the wall time.
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use cosmwasm_std::{
    to_json_binary, Addr, Binary, ContractResult, Empty, Env, MessageInfo, QuerierResult, Response,
    SystemResult, Timestamp, WasmQuery,
};
use cosmwasm_vm::internals::{check_wasm, Logger};
use cosmwasm_vm::testing::{
    mock_env, mock_instance_with_options, MockApi, MockInstanceOptions, MockQuerier, MockStorage,
};
use cosmwasm_vm::{
    call_execute, call_instantiate, capabilities_from_csv, Backend, Instance, InstanceOptions,
    Size, WasmLimits,
};
use eligo_circuits::native::chain_id_from_name;
use eligo_circuits::{layout, Address, ClaimContext, PayoutOption, Shape};
use eligo_params::{NoProgress, ParamsStore};
use eligo_prover::witness::{prepare, Details};
use eligo_prover::{synthetic, ProveJob, Prover};
use serde_json::json;

/// wasmd's `DefaultGasMultiplier`: CosmWasm gas per Cosmos SDK gas.
const GAS_PER_SDK_GAS: u64 = 140_000_000;
/// wasmd's default memory limit per contract instance.
const MEMORY_LIMIT_MIB: u64 = 32;
/// A gas limit no call reaches.
const UNLIMITED: u64 = u64::MAX / 2;
/// Where `cargo build --profile contract` puts the wasm.
const WASM: &str = "target/wasm32-unknown-unknown/contract/eligo_contract.wasm";
/// Capabilities of a CosmWasm 2 chain.
const CAPABILITIES: &str =
    "iterator,staking,cosmwasm_1_1,cosmwasm_1_2,cosmwasm_1_3,cosmwasm_1_4,cosmwasm_2_0,cosmwasm_2_1,cosmwasm_2_2";

type Vm = Instance<MockApi, MockStorage, MockQuerier>;

struct Call {
    name: &'static str,
    gas: u64,
    seconds: f64,
}

fn fresh(wasm: &[u8], backend: Backend<MockApi, MockStorage, MockQuerier>) -> Result<Vm> {
    Instance::from_code(
        wasm,
        backend,
        InstanceOptions {
            gas_limit: UNLIMITED,
        },
        Some(Size::mebi(MEMORY_LIMIT_MIB as usize)),
    )
    .map_err(|e| anyhow!("instance: {e}"))
}

fn run(
    vm: &mut Vm,
    name: &'static str,
    env: &Env,
    info: &MessageInfo,
    msg: &serde_json::Value,
    instantiate: bool,
) -> Result<Call> {
    let bytes = serde_json::to_vec(msg)?;
    let before = vm.create_gas_report();
    let t = Instant::now();
    let result: ContractResult<Response<Empty>> = if instantiate {
        call_instantiate(vm, env, info, &bytes)
    } else {
        call_execute(vm, env, info, &bytes)
    }
    .map_err(|e| anyhow!("{name}: VM error: {e}"))?;
    let seconds = t.elapsed().as_secs_f64();
    if let ContractResult::Err(e) = result {
        bail!("{name}: contract error: {e}");
    }
    let after = vm.create_gas_report();
    Ok(Call {
        name,
        gas: before.remaining - after.remaining,
        seconds,
    })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (capacity, depth, path) = match args.as_slice() {
        [] => (65_536, 20, WASM),
        [c, d] => (c.parse()?, d.parse()?, WASM),
        [c, d, w] => (c.parse()?, d.parse()?, w.as_str()),
        _ => bail!("usage: eligo-contract-gas [CAPACITY DEPTH [WASM]]"),
    };
    let shape = Shape::new(capacity, depth)?;
    let wasm = std::fs::read(path).with_context(|| format!("{path} (build it first)"))?;
    let capabilities: HashSet<String> = capabilities_from_csv(CAPABILITIES);
    check_wasm(&wasm, &capabilities, &WasmLimits::default(), Logger::Off)
        .map_err(|e| anyhow!("the VM refuses the wasm: {e}"))?;
    println!(
        "wasm: {path}, {} bytes, passes cosmwasm-vm's checks",
        wasm.len()
    );

    // The program: a one-license synthetic snapshot, canonical parameters.
    let k = layout::k_for(&shape);
    let params = ParamsStore::at_default_home()?.load_or_generate(k, &NoProgress)?;
    let mut body = Vec::new();
    params.write(&mut body)?;
    let (public, packages) = synthetic::snapshot(shape, 2)?;
    let prover = Prover::new(params, shape)?;

    let api = MockApi::default();
    let admin = api.addr_make("admin");
    let alice = api.addr_make("alice");
    let nft = api.addr_make("licenses");
    let ifx = api.addr_make("ifx");
    let weth = api.addr_make("weth");
    let mut env = mock_env();
    let tge = env.block.time.seconds();
    let info = |sender: &str| MessageInfo {
        sender: Addr::unchecked(sender),
        funds: vec![],
    };

    let mut vm = mock_instance_with_options(
        &wasm,
        MockInstanceOptions {
            available_capabilities: capabilities,
            gas_limit: UNLIMITED,
            memory_limit: Some(Size::mebi(MEMORY_LIMIT_MIB as usize)),
            ..Default::default()
        },
    );
    let mut calls = Vec::new();
    let instantiate = json!({
        "admin": null, "treasury": api.addr_make("treasury"), "program_id": public.program_id,
        "registry_root": public.registry_root, "exclusion_root": public.exclusion_root,
        "threshold": null, "capacity": capacity, "depth": depth,
        "circuit_fingerprint": prover.fingerprint(), "params": Binary::from(body.clone()),
        "tge": tge, "window_offset": 0, "window_length": 86_400, "grace_period": null,
        "license_nft": nft, "ifx_token": ifx, "weth_token": weth, "fund_size": null,
        "prices": {"ifx": "250000", "eth": "2000000000"}
    });
    calls.push(run(
        &mut vm,
        "instantiate",
        &env,
        &info(&admin),
        &instantiate,
        true,
    )?);
    let backend = vm.recycle().ok_or_else(|| anyhow!("no backend"))?;

    let mut vm = fresh(&wasm, backend)?;
    let prices = json!({"set_purchase_prices": {"prices": [
        [packages[0].license_id, "1000000000"], [packages[1].license_id, "1000000000"]]}});
    calls.push(run(
        &mut vm,
        "set_purchase_prices",
        &env,
        &info(&admin),
        &prices,
        false,
    )?);
    let backend = vm.recycle().ok_or_else(|| anyhow!("no backend"))?;

    let mut vm = fresh(&wasm, backend)?;
    let deposit = json!({"receive": {"sender": admin, "amount": "10000000000000000000",
        "msg": Binary::from(serde_json::to_vec(&json!({"weth_reserve": {}}))?)}});
    calls.push(run(
        &mut vm,
        "deposit (wETH reserve)",
        &env,
        &info(&weth),
        &deposit,
        false,
    )?);
    let mut backend = vm.recycle().ok_or_else(|| anyhow!("no backend"))?;

    // The license contract says Alice owns the license and approved us.
    let contract = env.contract.address.to_string();
    let (owner, spender, nft_addr) = (alice.clone(), contract.clone(), nft.clone());
    backend.querier.update_wasm(move |q| -> QuerierResult {
        match q {
            WasmQuery::Smart { contract_addr, .. } if *contract_addr == nft_addr => {
                SystemResult::Ok(ContractResult::Ok(
                    to_json_binary(&json!({"owner": owner,
                        "approvals": [{"spender": spender, "expires": {"never": {}}}]}))
                    .expect("json"),
                ))
            }
            _ => SystemResult::Ok(ContractResult::Err("unknown contract".into())),
        }
    });

    // Alice's proof, bound to this chain, this contract, Alice and wETH.
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
    let claim = |license: usize| -> Result<(serde_json::Value, usize)> {
        let prepared = prepare(&public, &packages[license], Details::Trust)?;
        let proof = prover.prove(&ProveJob {
            witness: prepared.witness.clone(),
            instance: prepared.instance(&ctx),
        })?;
        let hex: String = proof.iter().map(|b| format!("{b:02x}")).collect();
        Ok((
            json!({"claim": {"license_id": packages[license].license_id, "option": "weth",
                "proof": hex, "exclusion_root": null}}),
            proof.len(),
        ))
    };
    let (first, proof_len) = claim(0)?;
    let (second, _) = claim(1)?;
    env.block.time = Timestamp::from_seconds(tge + 60);
    let mut vm = fresh(&wasm, backend)?;
    calls.push(run(
        &mut vm,
        "claim, fresh instance (key built, proof verified)",
        &env,
        &info(&alice),
        &first,
        false,
    )?);
    // The same instance keeps its memory, and so the key: what a claim
    // would cost if the key could be kept between calls.
    calls.push(run(
        &mut vm,
        "claim, same instance (proof verified, key kept)",
        &env,
        &info(&alice),
        &second,
        false,
    )?);

    println!(
        "shape: capacity {capacity}, depth {depth}, k = {k}; parameters {} bytes; proof {} bytes",
        body.len(),
        proof_len
    );
    println!("| call | CosmWasm gas | SDK gas (/{GAS_PER_SDK_GAS}) | wall time |");
    println!("| --- | ---: | ---: | ---: |");
    for c in &calls {
        println!(
            "| {} | {} | {} | {:.2} s |",
            c.name,
            c.gas,
            c.gas.div_ceil(GAS_PER_SDK_GAS),
            c.seconds
        );
    }
    Ok(())
}
