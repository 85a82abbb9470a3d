//! The layout, defined once: every chip reports the rows and columns it
//! occupies, this module sums them, derives the number of code lanes and
//! Poseidon lanes from one design choice ([`PRODUCTION_K`]), and derives
//! `k` for any [`Shape`].
//!
//! The main area (lanes of codes, then the general-purpose regions) and
//! the Poseidon lanes are separate columns, so they fill rows in parallel:
//! a shape needs `max(main rows, rows of the busiest Poseidon lane)` usable rows.

use crate::chips::hash::{hash_rows, LANE_ADVICE, PERMUTE_ROWS, SHARED_FIXED};
use crate::chips::merkle::{merkle_rows, MERKLE_COLUMNS};
use crate::chips::pack::{self, log_rows, range_rows, LANE_WIDTH};
use crate::chips::threshold::{
    MARGIN_LIMBS, SMALL_LIMBS, SMALL_RANGE_CHECKS, THRESHOLD_COLUMNS, THRESHOLD_ROWS,
};
use crate::native::{Shape, CODES_PER_WORD, DEFAULT_CAPACITY, DEFAULT_DEPTH};
use crate::poseidon::RATE;

/// The design choice: the production shape (65,536 tasks, depth 20) fits
/// `2^10` rows. Every proving cost (FFTs, MSMs, the IPA fold) scales with
/// `2^k`; below 10 the Poseidon lanes would outnumber what their gates
/// save (see `docs/protocol.md`, "Layout history").
pub const PRODUCTION_K: u32 = 10;

/// Rows at the end of every column that halo2 keeps for itself: the
/// blinding rows (`max(3, queries of the most-queried advice column) + 2`
/// = 5, no advice column being queried at more than three rotations) and the
/// last-row marker of the permutation argument. Checked against halo2's
/// own count in the tests.
pub const RESERVED_ROWS: usize = 6;

/// Smallest `k` used (the parameter and generator pins start there).
pub const MIN_K: u32 = 8;

/// Rows of the constants region (domain tags and zero).
pub const CONSTANT_ROWS: usize = 1;

/// Rows available to regions at size `k`.
pub const fn usable_rows(k: u32) -> usize {
    (1usize << k) - RESERVED_ROWS
}

/// Packed words of a log of `capacity` codes.
const fn words_of(capacity: usize) -> usize {
    capacity.div_ceil(CODES_PER_WORD)
}

/// Poseidon permutations for `words` packed words and trees of `depth`:
/// the private header (salt and detail digest), the word pairs, the registry leaf and two nodes per
/// level.
const fn permutations_of(words: usize, depth: usize) -> usize {
    1 + words.div_ceil(RATE) + 1 + 2 * depth
}

/// Rows of the main area with `lanes` code lanes.
const fn main_rows_of(words: usize, depth: usize, lanes: usize) -> usize {
    CONSTANT_ROWS
        + log_rows(words, lanes)
        + THRESHOLD_ROWS
        + range_rows(MARGIN_LIMBS)
        + SMALL_RANGE_CHECKS * range_rows(SMALL_LIMBS)
        + merkle_rows(depth)
}

/// Code lanes: the fewest that fit the production log in
/// [`PRODUCTION_K`].
pub const LANES: usize = {
    let words = words_of(DEFAULT_CAPACITY);
    let depth = DEFAULT_DEPTH as usize;
    let mut lanes = 1;
    while main_rows_of(words, depth, lanes) > usable_rows(PRODUCTION_K) {
        lanes += 1;
    }
    lanes
};

/// Poseidon lanes side by side: the fewest whose busiest one fits the
/// production shape's permutations in [`PRODUCTION_K`].
pub const POSEIDON_LANES: usize = {
    let perms = permutations_of(words_of(DEFAULT_CAPACITY), DEFAULT_DEPTH as usize);
    let mut lanes = 1;
    while hash_rows(perms, lanes) > usable_rows(PRODUCTION_K) {
        lanes += 1;
    }
    lanes
};

/// Outcome codes per row of the log (all lanes).
pub const CODES_PER_ROW: usize = LANES * LANE_WIDTH;

/// Advice columns of the circuit: the main area and the Poseidon lanes.
pub const ADVICE_COLUMNS: usize = pack::advice_columns(LANES) + POSEIDON_LANES * LANE_ADVICE;

/// Fixed columns of the circuit (selectors excluded): the constants column
/// and the Poseidon lanes' shared round constants.
pub const FIXED_COLUMNS: usize = 1 + SHARED_FIXED;

const _: () = assert!(THRESHOLD_COLUMNS <= LANE_WIDTH && MERKLE_COLUMNS <= LANE_WIDTH);

/// Number of Poseidon permutations of the circuit for a shape.
pub fn permutations(shape: &Shape) -> usize {
    permutations_of(shape.words(), shape.depth() as usize)
}

/// Rows used in the main columns (constants, log, threshold, range
/// checks, Merkle levels).
pub fn main_rows(shape: &Shape) -> usize {
    main_rows_of(shape.words(), shape.depth() as usize, LANES)
}

/// Rows used by the busiest Poseidon lane.
pub fn poseidon_rows(shape: &Shape) -> usize {
    hash_rows(permutations(shape), POSEIDON_LANES)
}

/// Rows the circuit needs, halo2's reserved rows included.
pub fn rows_needed(shape: &Shape) -> usize {
    main_rows(shape).max(poseidon_rows(shape)) + RESERVED_ROWS
}

/// The circuit size parameter `k` (2^k rows) for a shape: the smallest
/// from [`MIN_K`] whose usable rows hold both areas.
pub fn k_for(shape: &Shape) -> u32 {
    let need = main_rows(shape).max(poseidon_rows(shape));
    let mut k = MIN_K;
    while usable_rows(k) < need {
        k += 1;
    }
    k
}

/// Cost of one part of the circuit, for the researchers' breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartCost {
    /// What the part does.
    pub part: &'static str,
    /// Rows it occupies (in its own columns).
    pub rows: usize,
    /// Advice columns it uses.
    pub advice_columns: usize,
    /// Fixed columns it uses (selectors excluded).
    pub fixed_columns: usize,
    /// Poseidon permutations.
    pub permutations: usize,
}

/// Rows and columns per part of the circuit for `shape`. Hashing parts
/// share the Poseidon lanes' columns (rows shown before dividing among the
/// lanes); the others share the main columns.
pub fn cost_breakdown(shape: &Shape) -> Vec<PartCost> {
    let words = shape.words();
    let depth = shape.depth() as usize;
    let main_advice = pack::advice_columns(LANES);
    let chip_advice = POSEIDON_LANES * LANE_ADVICE;
    let chip_fixed = SHARED_FIXED;
    let log_perms = 1 + words.div_ceil(RATE);
    let tree_perms = 1 + 2 * depth;
    vec![
        PartCost {
            part: "hashing: log commitment (salt, digest, packed words)",
            rows: log_perms * PERMUTE_ROWS,
            advice_columns: chip_advice,
            fixed_columns: chip_fixed,
            permutations: log_perms,
        },
        PartCost {
            part: "hashing: registry leaf and both tree paths",
            rows: tree_perms * PERMUTE_ROWS,
            advice_columns: chip_advice,
            fixed_columns: chip_fixed,
            permutations: tree_perms,
        },
        PartCost {
            part: "codes: well-formedness, packing, counting",
            rows: log_rows(words, LANES),
            advice_columns: main_advice,
            fixed_columns: 0,
            permutations: 0,
        },
        PartCost {
            part: "threshold and range checks",
            rows: THRESHOLD_ROWS
                + range_rows(MARGIN_LIMBS)
                + SMALL_RANGE_CHECKS * range_rows(SMALL_LIMBS),
            advice_columns: main_advice,
            fixed_columns: 0,
            permutations: 0,
        },
        PartCost {
            part: "tree paths: index bits and swaps",
            rows: merkle_rows(depth),
            advice_columns: MERKLE_COLUMNS,
            fixed_columns: 0,
            permutations: 0,
        },
        PartCost {
            part: "constants",
            rows: CONSTANT_ROWS,
            advice_columns: 5,
            fixed_columns: 1,
            permutations: 0,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::CODE_RADIX;

    #[test]
    fn production_layout() {
        let shape = Shape::default_shape();
        assert_eq!(k_for(&shape), PRODUCTION_K);
        assert_eq!((LANES, POSEIDON_LANES), (4, 10));
        assert_eq!(CODES_PER_ROW, 68);
    }

    #[test]
    fn range_checks_cover_their_bounds() {
        // 3^limbs exceeds the bound each check needs (see threshold.rs).
        let diff = (range_rows(MARGIN_LIMBS) * LANE_WIDTH) as f64 * (CODE_RADIX as f64).log2();
        let small = (range_rows(SMALL_LIMBS) * LANE_WIDTH) as f64 * (CODE_RADIX as f64).log2();
        assert!(diff > 80.0 && diff < 200.0, "{diff}");
        assert!(small > 53.0, "{small}");
        // A word fits the field: 3^153 < 2^243.
        assert!((CODES_PER_WORD as f64) * (CODE_RADIX as f64).log2() < 243.0);
    }
}
