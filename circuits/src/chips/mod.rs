//! Chips of the eligibility circuit.
//!
//! * [`pack`]: outcome codes, packing into words, counting, and range checks
//!   (the same base-3 limb gate serves both);
//! * [`threshold`]: the participation inequality and the claim context cell;
//! * [`merkle`]: the two tree paths sharing the license-index bits;
//! * [`hash`]: the hash instruction ([`hash::CompressInstructions`]) and
//!   its chip, Poseidon permutations over lanes side by side that share
//!   their round constants.
//!
//! Every assignment site that tests may tamper with is named by a [`Site`].

use halo2_proofs::circuit::Value;
use pasta_curves::Fp;

pub mod hash;
pub mod merkle;
pub mod pack;
pub mod threshold;

/// An assigned cell that a soundness test may overwrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// Outcome code of task slot `index`.
    Code {
        /// Task slot.
        index: usize,
    },
    /// Packing accumulator of lane `lane` on log row `row` (1-based; a
    /// word ends every [`pack::ROWS_PER_WORD`] rows).
    PackAcc {
        /// Lane.
        lane: usize,
        /// Log row.
        row: usize,
    },
    /// Running assigned count on log row `row`.
    Assigned {
        /// Log row.
        row: usize,
    },
    /// Running executed count on log row `row`.
    Executed {
        /// Log row.
        row: usize,
    },
    /// The threshold difference `executed * den - assigned * num`.
    ThresholdDiff,
    /// A limb of the range check of the threshold difference.
    DiffLimb {
        /// Limb index (most significant first).
        index: usize,
    },
    /// The square of the claim context.
    ClaimContextSquare,
    /// Running index value at Merkle level `level` (1..=depth).
    IndexAcc {
        /// Level.
        level: usize,
    },
    /// Registry sibling at `level`.
    RegistrySibling {
        /// Level.
        level: usize,
    },
    /// Left input of the registry node hash at `level`.
    RegistryLeft {
        /// Level.
        level: usize,
    },
    /// Exclusion sibling at `level`.
    ExclusionSibling {
        /// Level.
        level: usize,
    },
}

/// Tampering applied to an otherwise honest assignment (tests only; empty
/// for real proofs).
#[derive(Clone, Debug, Default)]
pub struct Tampering(Vec<(Site, Fp)>);

impl Tampering {
    /// Adds an overwrite.
    pub fn push(&mut self, site: Site, value: Fp) {
        self.0.push((site, value));
    }
    /// Whether nothing is tampered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The value to assign at `site`: the overwrite if any, else `honest`.
    pub fn apply(&self, site: Site, honest: Value<Fp>) -> Value<Fp> {
        match self.0.iter().rev().find(|(s, _)| *s == site) {
            Some((_, v)) => honest.map(|_| *v),
            None => honest,
        }
    }
}
