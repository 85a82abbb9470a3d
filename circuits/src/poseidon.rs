//! Native Poseidon (P128Pow5T3 over the Pallas base field) and Eligo's
//! domain-separated two-to-one hash.
//!
//! Every hash in Eligo is one permutation of a width-3 state
//! `[a, b, c]`, keeping the first output word: `P(a, b, c)[0]`. The capacity
//! word `c` carries a domain tag (one per use, see [`Tag`]) or, inside a
//! chained hash, the previous chaining value.

use std::sync::OnceLock;

use ff::Field;
use halo2_poseidon::{Mds, P128Pow5T3, Spec};
use pasta_curves::Fp;

/// Width of the Poseidon state.
pub const WIDTH: usize = 3;
/// Rate of the Poseidon sponge (inputs absorbed per permutation).
pub const RATE: usize = 2;
/// Full rounds of P128Pow5T3 (half before, half after the partial rounds).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds of P128Pow5T3.
pub const PARTIAL_ROUNDS: usize = 56;

/// Fixed prefix of every domain tag: ASCII `Eligo` followed by three zero
/// bytes, so that tags never collide with halo2_poseidon's `ConstantLength`
/// capacity values (`L << 64`).
pub const TAG_PREFIX: u64 = 0x456c_6967_6f00_0000;

/// The domain of one use of the hash. The tag value is `TAG_PREFIX + use id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Tag {
    /// First block of the log commitment: `(salt, detail_digest)`.
    Log = 1,
    /// Registry leaf: `(license_id, log_commitment)`.
    RegistryLeaf = 2,
    /// Registry tree inner node: `(left, right)`.
    RegistryNode = 3,
    /// Exclusion leaf: `(license_id, reason code)`.
    ExclusionLeaf = 4,
    /// Exclusion tree inner node: `(left, right)`.
    ExclusionNode = 5,
    /// First block of the claim context.
    ClaimContext = 8,
}

impl Tag {
    /// The tag as a field element.
    pub fn value(self) -> Fp {
        Fp::from(TAG_PREFIX + self as u64)
    }
}

/// The permutation's constants, as `halo2_poseidon` derives them.
#[derive(Debug)]
pub struct Constants {
    /// One row of round constants per round.
    pub round_constants: Vec<[Fp; WIDTH]>,
    /// The MDS matrix.
    pub mds: Mds<Fp, WIDTH>,
    /// Its inverse.
    pub mds_inv: Mds<Fp, WIDTH>,
}

/// The constants of P128Pow5T3 (computed once).
pub fn constants() -> &'static Constants {
    static CONSTANTS: OnceLock<Constants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let (round_constants, mds, mds_inv) = <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::constants();
        Constants {
            round_constants,
            mds,
            mds_inv,
        }
    })
}

/// The S-box, `x^5`.
pub fn sbox(x: Fp) -> Fp {
    let x2 = x.square();
    x2.square() * x
}

/// `state = mds · state`.
pub fn apply_mds(state: &mut [Fp; WIDTH], mds: &Mds<Fp, WIDTH>) {
    let mut next = [Fp::ZERO; WIDTH];
    for (row, out) in mds.iter().zip(next.iter_mut()) {
        *out = row
            .iter()
            .zip(state.iter())
            .fold(Fp::ZERO, |acc, (m, s)| acc + *m * s);
    }
    *state = next;
}

/// The Poseidon P128Pow5T3 permutation, in place (the same permutation the
/// circuit's hash chip computes).
pub fn permute(state: &mut [Fp; WIDTH]) {
    let c = constants();
    let half_full = FULL_ROUNDS / 2;
    let mut rcs = c.round_constants.iter();
    let full_round = |state: &mut [Fp; WIDTH], rc: &[Fp; WIDTH]| {
        for (s, r) in state.iter_mut().zip(rc.iter()) {
            *s = sbox(*s + r);
        }
        apply_mds(state, &c.mds);
    };
    for _ in 0..half_full {
        full_round(state, rcs.next().expect("round constants"));
    }
    for _ in 0..PARTIAL_ROUNDS {
        let rc = rcs.next().expect("round constants");
        for (s, r) in state.iter_mut().zip(rc.iter()) {
            *s += r;
        }
        state[0] = sbox(state[0]);
        apply_mds(state, &c.mds);
    }
    for _ in 0..half_full {
        full_round(state, rcs.next().expect("round constants"));
    }
}

/// One permutation of `[a, b, capacity]`, keeping the first word.
pub fn compress(a: Fp, b: Fp, capacity: Fp) -> Fp {
    let mut state = [a, b, capacity];
    permute(&mut state);
    state[0]
}

/// Domain-separated two-to-one hash: `P(a, b, tag)[0]`.
pub fn hash2(tag: Tag, a: Fp, b: Fp) -> Fp {
    compress(a, b, tag.value())
}

/// Chained hash of a sequence of field elements: the first block is
/// `hash2(tag, first, second)`, each further pair `(x, y)` is absorbed as
/// `P(x, y, previous)[0]`. An odd-length tail is padded with zero.
pub fn chain(tag: Tag, first: Fp, second: Fp, rest: &[Fp]) -> Fp {
    let mut h = hash2(tag, first, second);
    for pair in rest.chunks(RATE) {
        let x = pair[0];
        let y = pair.get(1).copied().unwrap_or(Fp::ZERO);
        h = compress(x, y, h);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_poseidon::{ConstantLength, Hash};

    #[test]
    fn permutation_matches_halo2_poseidon_hash() {
        // halo2_poseidon's ConstantLength<2> hash is P(a, b, 2 << 64)[0].
        let a = Fp::from(7);
        let b = Fp::from(11);
        let expected = Hash::<Fp, P128Pow5T3, ConstantLength<2>, WIDTH, RATE>::init().hash([a, b]);
        let capacity = <Fp as ff::PrimeField>::from_u128(2u128 << 64);
        assert_eq!(compress(a, b, capacity), expected);
        // and a wrong capacity gives a different value
        assert_ne!(compress(a, b, capacity + Fp::ONE), expected);
    }

    #[test]
    fn round_counts_are_the_specs() {
        assert_eq!(
            <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::full_rounds(),
            FULL_ROUNDS
        );
        assert_eq!(
            <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::partial_rounds(),
            PARTIAL_ROUNDS
        );
    }

    #[test]
    fn tags_are_distinct() {
        let tags = [
            Tag::Log,
            Tag::RegistryLeaf,
            Tag::RegistryNode,
            Tag::ExclusionLeaf,
            Tag::ExclusionNode,
            Tag::ClaimContext,
        ];
        for (i, a) in tags.iter().enumerate() {
            for b in &tags[i + 1..] {
                assert_ne!(a.value(), b.value());
                assert_ne!(hash2(*a, Fp::ONE, Fp::ONE), hash2(*b, Fp::ONE, Fp::ONE));
            }
        }
    }
}
