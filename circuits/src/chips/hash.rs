//! Poseidon permutations on several `Pow5Chip`s laid side by side.
//!
//! Each call takes three assigned cells (copied into the chip's state
//! columns) and returns the first word of the permuted state. Calls rotate
//! over the chips so the floor planner packs them in parallel columns.

use halo2_gadgets::poseidon::{
    primitives::P128Pow5T3, PoseidonInstructions, Pow5Chip, Pow5Config, StateWord,
};
use halo2_proofs::{
    circuit::{AssignedCell, Layouter},
    plonk::{ConstraintSystem, Error},
};
use pasta_curves::Fp;

use crate::poseidon::{RATE, WIDTH};

/// Configuration: one `Pow5Config` per chip.
#[derive(Clone, Debug)]
pub struct HashConfig {
    chips: Vec<Pow5Config<Fp, WIDTH, RATE>>,
}

impl HashConfig {
    /// Configures `n` Pow5 chips, each with its own 4 advice and 6 fixed
    /// columns.
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

    /// `P(a, b, c)[0]` in-circuit.
    pub fn compress(
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
