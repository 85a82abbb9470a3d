//! The in-circuit hash: the [`CompressInstructions`] the gadgets use, the
//! [`chain`] gadget, and the chip that runs them ([`chip::HashChip`]).
//!
//! Gadgets schedule permutations and copy links as they go; the chip lays
//! them all out at the end, side by side over its lanes, so that they can
//! share one set of round-constant columns and selectors. A scheduled
//! permutation's output is a [`Word::Output`] until then.

use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::Error,
};
use pasta_curves::Fp;

use super::Link;
use crate::poseidon::{FULL_ROUNDS, PARTIAL_ROUNDS, RATE, WIDTH};

pub mod chip;

pub use chip::{HashChip, HashConfig};

/// Rows of one permutation: the input state, one row per full round and
/// one per pair of partial rounds (the last row holds the output state).
pub const PERMUTE_ROWS: usize = 1 + FULL_ROUNDS + PARTIAL_ROUNDS / 2;
/// Advice columns of one lane of the chip (the state and the middle S-box
/// value of a pair of partial rounds).
pub const LANE_ADVICE: usize = WIDTH + 1;
/// Fixed columns shared by all lanes (the round constants of the two
/// rounds a row may hold).
pub const SHARED_FIXED: usize = 2 * WIDTH;

/// Rows the chip uses for `permutations` permutations over `lanes` lanes.
pub const fn hash_rows(permutations: usize, lanes: usize) -> usize {
    permutations.div_ceil(lanes) * PERMUTE_ROWS
}

/// One word of a permutation's input: a cell assigned elsewhere, or the
/// output of a permutation scheduled earlier (on the same chip: an output
/// index means nothing to another one).
#[derive(Clone, Debug)]
pub enum Word {
    /// An assigned cell.
    Cell(AssignedCell<Fp, Fp>),
    /// The first output word of scheduled permutation `index`.
    Output {
        /// Order of scheduling.
        index: usize,
        /// Its value (computed natively when scheduled).
        value: Value<Fp>,
    },
}

impl Word {
    /// The word's value.
    pub fn value(&self) -> Value<Fp> {
        match self {
            Word::Cell(cell) => cell.value().copied(),
            Word::Output { value, .. } => *value,
        }
    }
}

impl From<&AssignedCell<Fp, Fp>> for Word {
    fn from(cell: &AssignedCell<Fp, Fp>) -> Self {
        Word::Cell(cell.clone())
    }
}

/// How a permutation obtains one input word.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// A copy of `word` over `link`.
    Copy(&'a Word, Link),
    /// A private value no other cell holds.
    Private(Value<Fp>),
    /// A value whose cell is assigned later and bound with
    /// [`CompressInstructions::bind`], over `link`.
    Deferred(Value<Fp>, Link),
}

/// The hash instruction of the circuit: `P(a, b, c)[0]`, where `P` is the
/// permutation of [`crate::poseidon::permute`]. Swapping the hash means
/// implementing this trait (and the native reference).
pub trait CompressInstructions {
    /// Schedules `P(a, b, c)[0]`; the result is a [`Word::Output`].
    fn compress(&mut self, inputs: [Input<'_>; WIDTH]) -> Word;
    /// Binds deferred input `slot` of the permutation whose output is `of`
    /// to `cell`.
    fn bind(&mut self, of: &Word, slot: usize, cell: &AssignedCell<Fp, Fp>);
    /// Requires `word` to equal `cell`, over `link`.
    fn constrain_equal(&mut self, word: &Word, cell: &AssignedCell<Fp, Fp>, link: Link);
    /// Lays out everything scheduled (every deferred input must be bound).
    fn lay_out(self, layouter: &mut impl Layouter<Fp>) -> Result<(), Error>;
}

/// The log commitment's chained hash ([`crate::poseidon::chain`])
/// in-circuit: first block `P(x0, x1, tag)[0]` over the two private header
/// words, then `P(w_2i, w_2i+1, h)[0]` per further pair of words, an odd
/// tail padded with `zero`.
pub fn chain(
    hash: &mut impl CompressInstructions,
    tag: &Word,
    first: [Value<Fp>; RATE],
    words: &[Word],
    zero: &Word,
) -> Word {
    let mut h = hash.compress([
        Input::Private(first[0]),
        Input::Private(first[1]),
        Input::Copy(tag, Link::LogTag),
    ]);
    for pair in words.chunks(RATE) {
        let right = match pair.get(1) {
            Some(w) => Input::Copy(w, Link::LogWord),
            None => Input::Copy(zero, Link::ChainPad),
        };
        h = hash.compress([
            Input::Copy(&pair[0], Link::LogWord),
            right,
            Input::Copy(&h, Link::ChainLink),
        ]);
    }
    h
}
