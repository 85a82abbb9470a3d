//! The contract's side of a proof: roots, claim context, instance, and the
//! verifier built from the stored parameters.
//!
//! The stored parameters are checked to be the canonical ones for their
//! `k` at instantiation, so the verifying key depends on the circuit shape
//! alone: a process-wide cache keyed by shape builds it once and reuses it
//! for every later claim in the same process (a native host, and
//! cw-multi-test). A wasm VM starts each call with fresh memory, so there
//! it is rebuilt per claim: see the README's section for integrators.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use cosmwasm_std::{Addr, Api, Env, Storage};
use eligo_circuits::native::{chain_id_from_name, fp_from_hex, fp_to_hex};
use eligo_circuits::{layout, Address, ClaimContext, Fp, Instance, Shape, Threshold};
use eligo_params::{check_canonical_body, params_from_body};
use eligo_verifier::Verifier;
use ff::PrimeField;

use crate::error::ContractError;
use crate::msg::PayoutOption;
use crate::rules::Root;
use crate::state::{load_params, StoredConfig};

/// Parses a root written `0x` + 64 hex digits (a canonical field element).
pub fn parse_root(field: &'static str, s: &str) -> Result<Root, ContractError> {
    let x = fp_from_hex(s).map_err(|e| ContractError::BadField {
        field,
        reason: e.to_string(),
    })?;
    Ok(root_bytes(&x))
}

/// Big-endian bytes of a field element.
fn root_bytes(x: &Fp) -> Root {
    let mut bytes = x.to_repr();
    bytes.reverse();
    bytes
}

/// The field element of stored root bytes.
fn root_fp(root: &Root) -> Result<Fp, ContractError> {
    let mut le = *root;
    le.reverse();
    Option::from(Fp::from_repr(le)).ok_or_else(|| ContractError::BadField {
        field: "root",
        reason: "not a canonical field element".into(),
    })
}

/// `0x` + 64 hex digits.
pub fn root_hex(root: &Root) -> String {
    root_fp(root)
        .map(|x| fp_to_hex(&x))
        .unwrap_or_else(|_| format!("0x{}", hex_of(root)))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The circuit shape of a configuration.
pub fn shape(capacity: u64, depth: u32) -> Result<Shape, ContractError> {
    let capacity = usize::try_from(capacity).map_err(|_| ContractError::BadField {
        field: "capacity",
        reason: format!("{capacity} does not fit this machine"),
    })?;
    Shape::new(capacity, depth).map_err(|e| ContractError::BadField {
        field: "capacity/depth",
        reason: e.to_string(),
    })
}

/// The numeric chain id proofs for this chain are bound to.
pub fn proof_chain_id(env: &Env) -> u64 {
    chain_id_from_name(&env.block.chain_id)
}

fn address(api: &dyn Api, field: &'static str, addr: &Addr) -> Result<Address, ContractError> {
    let canonical = api.addr_canonicalize(addr.as_str())?;
    Address::from_bytes(canonical.as_slice()).map_err(|e| ContractError::BadField {
        field,
        reason: e.to_string(),
    })
}

/// The claim context: this chain, this contract, the sender, the option.
pub fn claim_context(
    api: &dyn Api,
    env: &Env,
    sender: &Addr,
    option: PayoutOption,
) -> Result<ClaimContext, ContractError> {
    Ok(ClaimContext {
        chain_id: proof_chain_id(env),
        contract: address(api, "contract address", &env.contract.address)?,
        claimant: address(api, "sender", sender)?,
        option: option.into(),
    })
}

/// The instance a claim's proof is checked against.
pub fn instance(
    config: &StoredConfig,
    exclusion_root: &Root,
    license_id: u64,
    ctx: &ClaimContext,
) -> Result<Instance, ContractError> {
    let shape = shape(config.capacity, config.depth)?;
    let threshold = Threshold::new(config.threshold_num, config.threshold_den).map_err(|e| {
        ContractError::BadField {
            field: "threshold",
            reason: e.to_string(),
        }
    })?;
    Instance::new(
        &shape,
        root_fp(&config.registry_root)?,
        root_fp(exclusion_root)?,
        license_id,
        threshold,
        ctx.hash(),
    )
    .map_err(|e| ContractError::BadField {
        field: "license_id",
        reason: e.to_string(),
    })
}

/// Verifiers built so far in this process, by shape.
static VERIFIERS: Mutex<BTreeMap<(usize, u32), Arc<Verifier>>> = Mutex::new(BTreeMap::new());

/// The verifier of `shape` already built in this process, if any.
fn cached(shape: &Shape) -> Option<Arc<Verifier>> {
    VERIFIERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&(shape.capacity(), shape.depth()))
        .cloned()
}

/// Builds (or takes from the cache) the verifier of `shape` from canonical
/// parameter bytes. The bytes are checked first, cache or not.
pub fn build_verifier(shape: Shape, params: &[u8]) -> Result<Arc<Verifier>, ContractError> {
    let k = layout::k_for(&shape);
    let refused = |e: eligo_params::ParamsError| ContractError::Params(e.to_string());
    if let Some(v) = cached(&shape) {
        check_canonical_body(k, params).map_err(refused)?;
        return Ok(v);
    }
    // Checks the bytes the same way, then parses them.
    let params = params_from_body(k, params).map_err(refused)?;
    let verifier =
        Arc::new(Verifier::new(params, shape).map_err(|e| ContractError::Params(e.to_string()))?);
    VERIFIERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert((shape.capacity(), shape.depth()), verifier.clone());
    Ok(verifier)
}

/// The verifier of a configured contract (its parameters were checked at
/// instantiation).
pub fn verifier(
    storage: &dyn Storage,
    config: &StoredConfig,
) -> Result<Arc<Verifier>, ContractError> {
    let shape = shape(config.capacity, config.depth)?;
    match cached(&shape) {
        Some(v) => Ok(v),
        None => build_verifier(shape, &load_params(storage)?),
    }
}
