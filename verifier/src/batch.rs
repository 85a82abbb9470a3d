//! Batch factors without randomness: each proof's MSM is multiplied by a
//! factor derived by hashing every instance and proof of the batch, so no
//! proof can be chosen after the factors are known (a change to any byte
//! changes them all) and no random source is needed (a contract has none).

use ff::{Field, FromUniformBytes};
use pasta_curves::Fp;

/// BLAKE2b personalization of the batch seed.
const BATCH_PERSONAL: &[u8; 16] = b"eligo-batch-seed";
/// BLAKE2b personalization of one factor.
const FACTOR_PERSONAL: &[u8; 16] = b"eligo-batch-fctr";

/// One factor per item: `1` for the first, then hashes of the batch seed
/// and the item's position. `items` are (instance values, proof bytes).
pub fn batch_factors<'a>(items: impl Iterator<Item = (&'a [Fp], &'a [u8])>) -> Vec<Fp> {
    let mut seed = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(BATCH_PERSONAL)
        .to_state();
    let mut count: u64 = 0;
    for (instance, proof) in items {
        seed.update(&(instance.len() as u64).to_le_bytes());
        for v in instance {
            seed.update(&ff::PrimeField::to_repr(v));
        }
        seed.update(&(proof.len() as u64).to_le_bytes());
        seed.update(proof);
        count += 1;
    }
    let seed = seed.finalize();
    (0..count)
        .map(|i| {
            if i == 0 {
                return Fp::ONE;
            }
            let h = blake2b_simd::Params::new()
                .hash_length(64)
                .personal(FACTOR_PERSONAL)
                .to_state()
                .update(seed.as_bytes())
                .update(&i.to_le_bytes())
                .finalize();
            Fp::from_uniform_bytes(h.as_array())
        })
        .collect()
}
