//! The contract's side of a proof: roots, claim context, instance, and the
//! verifier loaded from the stored key and generators.
//!
//! Nothing here builds a key. At instantiation the key file (`eligo-vk/1`)
//! and the generators file (`eligo-gens/1`) are decoded in full, the
//! generators must have their pinned canonical digest and the key its
//! pinned digest (or, for a shape without a pin, the fingerprint the
//! instantiator names), and both are stored as given. A claim loads and
//! decodes them again (a wasm VM keeps no memory between calls), taking
//! the key's stored hashes as they are since only instantiation wrote
//! them, then verifies.

use cosmwasm_std::{Addr, Api, Env, Storage};
use eligo_circuits::native::{chain_id_from_name, fp_from_hex};
use eligo_circuits::{Address, ClaimContext, Fp, Instance, Shape, Threshold};
use eligo_verifier::{canonical_key_digest, Generators, Verifier, VerifyingKey};
use ff::PrimeField;

use crate::error::ContractError;
use crate::msg::PayoutOption;
use crate::rules::Root;
use crate::state::{load_blob, StoredConfig, GENERATORS_BLOB, KEY_BLOB};

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

/// `0x` + 64 hex digits: the big-endian bytes as they are, which is how
/// `fp_to_hex` writes the field element (a test holds the two together).
pub fn root_hex(root: &Root) -> String {
    let mut out = String::with_capacity(2 + 2 * root.len());
    out.push_str("0x");
    for b in root {
        out.push_str(&format!("{b:02x}"));
    }
    out
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

/// Decodes and checks a key file (in full) and generators for `shape`.
/// With `fingerprint`, the key must also be the circuit it names; a shape
/// without a pinned key digest requires one.
pub fn build_verifier(
    shape: Shape,
    key: &[u8],
    generators: &[u8],
    fingerprint: Option<&str>,
) -> Result<Verifier, ContractError> {
    let key = VerifyingKey::decode(key).map_err(eligo_verifier::SetupError::from)?;
    checked_verifier(shape, key, generators, fingerprint)
}

/// The verifier of a decoded key and the generators file for `shape`,
/// held to `fingerprint` (see [`build_verifier`]).
fn checked_verifier(
    shape: Shape,
    key: VerifyingKey,
    generators: &[u8],
    fingerprint: Option<&str>,
) -> Result<Verifier, ContractError> {
    let gens =
        Generators::decode_canonical(generators).map_err(eligo_verifier::SetupError::from)?;
    let verifier = Verifier::new(key, gens, shape)?;
    match fingerprint {
        Some(expected) if verifier.fingerprint() != expected => {
            Err(ContractError::FingerprintMismatch {
                expected: expected.to_string(),
                built: verifier.fingerprint().to_string(),
            })
        }
        None if canonical_key_digest(&shape).is_none() => Err(ContractError::BadField {
            field: "circuit_fingerprint",
            reason: format!(
                "no key digest is pinned for capacity {} and depth {}: name the circuit fingerprint",
                shape.capacity(),
                shape.depth()
            ),
        }),
        _ => Ok(verifier),
    }
}

/// The verifier of a configured contract, from the key and generators
/// checked at instantiation. Only this contract writes them, so the key's
/// stored hashes are taken as they are ([`VerifyingKey::decode_stored`]);
/// everything else is decoded and checked again.
pub fn verifier(storage: &dyn Storage, config: &StoredConfig) -> Result<Verifier, ContractError> {
    let shape = shape(config.capacity, config.depth)?;
    let key = VerifyingKey::decode_stored(&load_blob(storage, KEY_BLOB)?)
        .map_err(eligo_verifier::SetupError::from)?;
    checked_verifier(
        shape,
        key,
        &load_blob(storage, GENERATORS_BLOB)?,
        Some(&config.circuit_fingerprint),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use eligo_circuits::native::fp_to_hex;
    use ff::Field;

    #[test]
    fn roots_read_and_write_as_the_statement_writes_field_elements() {
        for x in [Fp::ZERO, Fp::ONE, -Fp::ONE, Fp::from(0x1234_5678_9abc_def0)] {
            let hex = fp_to_hex(&x);
            let root = parse_root("root", &hex).unwrap();
            assert_eq!(root_hex(&root), hex);
            assert_eq!(root_fp(&root).unwrap(), x);
        }
        assert!(parse_root("root", &format!("0x{}", "f".repeat(64))).is_err());
    }
}
