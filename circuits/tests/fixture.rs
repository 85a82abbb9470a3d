//! A small honest statement built natively, shared by the circuit tests.
#![allow(dead_code)]

use eligo_circuits::native::{
    exclusion_leaf, log_commitment_from_codes, registry_leaf, SparseTree, CODE_EXECUTED,
    CODE_FAILED, CODE_MISSED,
};
use eligo_circuits::poseidon::Tag;
use eligo_circuits::{
    Address, ClaimContext, EligibilityCircuit, ExclusionReason, Fp, Instance, PayoutOption, Shape,
    Threshold, Witness,
};
use ff::Field;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Outcome codes with `executed` executed tasks and `assigned` tasks.
pub fn codes(shape: &Shape, executed: usize, assigned: usize) -> Vec<u64> {
    let mut c: Vec<u64> = (0..assigned)
        .map(|i| {
            if i < executed {
                u64::from(CODE_EXECUTED)
            } else if i % 2 == 0 {
                u64::from(CODE_FAILED)
            } else {
                u64::from(CODE_MISSED)
            }
        })
        .collect();
    c.resize(shape.capacity(), 0);
    c
}

/// An honest statement.
pub struct Fixture {
    pub shape: Shape,
    pub witness: Witness,
    pub instance: Instance,
    pub excluded_leaf: Option<Fp>,
}

/// Builds a registry holding `license_id` with `codes` (plus a few other
/// licenses) and an exclusion tree holding two other licenses, or
/// `license_id` itself when `exclude` is set.
pub fn build(
    shape: Shape,
    license_id: u64,
    codes: Vec<u64>,
    threshold: Threshold,
    exclude: Option<ExclusionReason>,
) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let salt = Fp::random(&mut rng);
    let detail = Fp::random(&mut rng);
    let commitment = log_commitment_from_codes(salt, detail, &codes);
    let max = shape.max_licenses();
    let others: Vec<u64> = [1u64, 2, 5, max - 2]
        .into_iter()
        .filter(|i| *i != license_id && *i < max)
        .collect();
    let mut reg_leaves: Vec<(u64, Fp)> = others
        .iter()
        .map(|i| (*i, registry_leaf(*i, Fp::random(&mut rng))))
        .collect();
    reg_leaves.push((license_id, registry_leaf(license_id, commitment)));
    let registry = SparseTree::build(shape.depth(), Tag::RegistryNode, reg_leaves).unwrap();
    let mut ex_leaves: Vec<(u64, Fp)> = others
        .iter()
        .take(2)
        .map(|i| (*i, exclusion_leaf(*i, ExclusionReason::Blacklisted)))
        .collect();
    if let Some(r) = exclude {
        ex_leaves.push((license_id, exclusion_leaf(license_id, r)));
    }
    let exclusion = SparseTree::build(shape.depth(), Tag::ExclusionNode, ex_leaves).unwrap();
    let witness = Witness {
        license_id,
        codes,
        salt,
        detail_digest: detail,
        registry_path: registry.path(license_id),
        exclusion_leaf: exclusion.leaf(license_id),
        exclusion_path: exclusion.path(license_id),
    };
    let instance = Instance::new(
        &shape,
        registry.root(),
        exclusion.root(),
        license_id,
        threshold,
        context(PayoutOption::Ifx).hash(),
    )
    .unwrap();
    Fixture {
        shape,
        witness,
        instance,
        excluded_leaf: exclude.map(|r| exclusion_leaf(license_id, r)),
    }
}

/// A claim context.
pub fn context(option: PayoutOption) -> ClaimContext {
    ClaimContext {
        chain_id: 1,
        contract: Address::parse("0x00000000000000000000000000000000000000c1").unwrap(),
        claimant: Address::parse("0x00000000000000000000000000000000000000a1").unwrap(),
        option,
    }
}

impl Fixture {
    pub fn circuit(&self) -> EligibilityCircuit {
        EligibilityCircuit::new(self.shape, self.witness.clone()).unwrap()
    }
}
