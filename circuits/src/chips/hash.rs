//! The in-circuit hash: the [`CompressInstructions`] the gadgets use, and
//! [`HashChip`], which runs them on several `Pow5Chip`s laid side by side.
//!
//! Each call takes three assigned cells (copied into a chip's state
//! columns) and returns the first word of the permuted state. Calls rotate
//! over the chips so the floor planner stacks each chip's permutations in
//! its own columns, all chips in parallel.

use halo2_gadgets::poseidon::{
    primitives::P128Pow5T3, PoseidonInstructions, Pow5Chip, Pow5Config, StateWord,
};
use halo2_proofs::{
    circuit::{AssignedCell, Layouter},
    plonk::{ConstraintSystem, Error},
};
use pasta_curves::Fp;

use crate::poseidon::{FULL_ROUNDS, PARTIAL_ROUNDS, RATE, WIDTH};

/// Rows of one `Pow5Chip` permutation region: the loaded state, one row
/// per full round and one per pair of partial rounds.
pub const PERMUTE_ROWS: usize = 1 + FULL_ROUNDS + PARTIAL_ROUNDS / 2;
/// Advice columns of one `Pow5Chip` (the state and one partial S-box).
pub const CHIP_ADVICE: usize = WIDTH + 1;
/// Fixed columns of one `Pow5Chip` (two sets of round constants).
pub const CHIP_FIXED: usize = 2 * WIDTH;

/// Rows the busiest of `chips` chips uses for `permutations` calls.
pub const fn hash_rows(permutations: usize, chips: usize) -> usize {
    permutations.div_ceil(chips) * PERMUTE_ROWS
}

/// The hash instruction of the circuit: `P(a, b, c)[0]` in-circuit, where
/// `P` is the permutation of [`crate::poseidon::permute`]. Swapping the
/// hash means implementing this trait (and the native reference).
pub trait CompressInstructions {
    /// `P(a, b, c)[0]`.
    fn compress(
        &mut self,
        layouter: &mut impl Layouter<Fp>,
        a: &AssignedCell<Fp, Fp>,
        b: &AssignedCell<Fp, Fp>,
        c: &AssignedCell<Fp, Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error>;
}

/// Configuration: one `Pow5Config` per chip.
#[derive(Clone, Debug)]
pub struct HashConfig {
    chips: Vec<Pow5Config<Fp, WIDTH, RATE>>,
}

impl HashConfig {
    /// Configures `n` Pow5 chips, each with its own [`CHIP_ADVICE`] advice
    /// and [`CHIP_FIXED`] fixed columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, n: usize) -> Self {
        let chips = (0..n)
            .map(|_| {
                let state = [(); WIDTH].map(|_| meta.advice_column());
                let partial_sbox = meta.advice_column();
                let rc_a = [(); WIDTH].map(|_| meta.fixed_column());
                let rc_b = [(); WIDTH].map(|_| meta.fixed_column());
                Pow5Chip::configure::<P128Pow5T3>(meta, state, partial_sbox, rc_a, rc_b)
            })
            .collect();
        HashConfig { chips }
    }
}

/// Runs permutations, rotating over the configured chips.
#[derive(Debug)]
pub struct HashChip {
    chips: Vec<Pow5Chip<Fp, WIDTH, RATE>>,
    next: usize,
}

impl HashChip {
    /// Builds the chip.
    pub fn construct(config: &HashConfig) -> Self {
        HashChip {
            chips: config
                .chips
                .iter()
                .cloned()
                .map(Pow5Chip::construct)
                .collect(),
            next: 0,
        }
    }
}

impl CompressInstructions for HashChip {
    fn compress(
        &mut self,
        layouter: &mut impl Layouter<Fp>,
        a: &AssignedCell<Fp, Fp>,
        b: &AssignedCell<Fp, Fp>,
        c: &AssignedCell<Fp, Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let chip = &self.chips[self.next];
        self.next = (self.next + 1) % self.chips.len();
        let state = [a, b, c].map(|x| StateWord::from(x.clone()));
        let out = <Pow5Chip<Fp, WIDTH, RATE> as PoseidonInstructions<
            Fp,
            P128Pow5T3,
            WIDTH,
            RATE,
        >>::permute(chip, layouter, &state)?;
        let [first, _, _] = out;
        Ok(first.into())
    }
}

/// The chained hash of [`crate::poseidon::chain`] in-circuit: `first`
/// block `P(x0, x1, tag)[0]`, then `P(x_2i, x_2i+1, h)[0]` per further
/// pair, an odd tail padded with `zero`.
pub fn chain(
    hash: &mut impl CompressInstructions,
    layouter: &mut impl Layouter<Fp>,
    tag: &AssignedCell<Fp, Fp>,
    first: [&AssignedCell<Fp, Fp>; RATE],
    rest: &[AssignedCell<Fp, Fp>],
    zero: &AssignedCell<Fp, Fp>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let mut h = hash.compress(
        &mut layouter.namespace(|| "chain head"),
        first[0],
        first[1],
        tag,
    )?;
    for pair in rest.chunks(RATE) {
        let right = pair.get(1).unwrap_or(zero);
        h = hash.compress(
            &mut layouter.namespace(|| "chain block"),
            &pair[0],
            right,
            &h,
        )?;
    }
    Ok(h)
}
