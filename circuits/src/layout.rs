//! Layout constants of the eligibility circuit and the row budget that
//! fixes `k` for a [`Shape`].

use crate::native::Shape;

/// Radix of an outcome code (a trit: padding, executed, not executed).
pub const CODE_RADIX: u64 = 3;
/// Outcome codes (or base-3 range limbs) per row of the packing region.
pub const CODES_PER_ROW: usize = 17;
/// Radix of one row of codes, `3^CODES_PER_ROW`.
pub const ROW_RADIX: u64 = 129_140_163;
/// Rows of codes folded into one packed word.
pub const ROWS_PER_WORD: usize = 9;
/// Codes per packed word (`CODES_PER_ROW * ROWS_PER_WORD` = 153;
/// `3^153 < 2^243`, below the 254-bit field).
pub const CODES_PER_WORD: usize = CODES_PER_ROW * ROWS_PER_WORD;
/// Rows of the range check on `executed * den - assigned * num`
/// (`3^51 > 2^80`). In-circuit, `assigned < 2^21` and `num, den < 3^34`, so
/// the true difference lies within `±2^75`: an honest one is below `3^51`,
/// a negative one wraps above `p - 2^75`. (With the verifier's
/// `den <= 2^32`, an honest difference is below `2^53`.)
pub const DIFF_RANGE_ROWS: usize = 3;
/// Rows of each small range check (`3^34 > 2^53`, enough for values up to
/// `MAX_THRESHOLD_DEN = 2^32`).
pub const SMALL_RANGE_ROWS: usize = 2;
/// Small range checks: `assigned - 1`, `num - 1`, `den - 1`, `den - num`.
pub const SMALL_RANGE_CHECKS: usize = 4;
/// Number of Poseidon chips laid side by side.
pub const POSEIDON_CHIPS: usize = 3;
/// Rows of one `Pow5Chip` permutation region (1 load row, 4 + 28 + 4 round
/// rows).
pub const PERMUTE_ROWS: usize = 37;
/// Rows kept free for blinding and the constants region.
pub const ROW_MARGIN: usize = 16;
/// Smallest `k` used.
pub const MIN_K: u32 = 8;

/// Number of Poseidon permutations of the circuit for a shape.
pub fn permutations(shape: &Shape) -> usize {
    // log header + word pairs + registry leaf + two nodes per level
    1 + shape.words().div_ceil(2) + 1 + 2 * shape.depth() as usize
}

/// Rows used in the shared advice columns (constants, header, log,
/// threshold, range checks, Merkle levels).
pub fn main_rows(shape: &Shape) -> usize {
    let constants = 1;
    let header = 1;
    let log = 1 + shape.words() * ROWS_PER_WORD;
    let threshold = 1;
    let ranges = DIFF_RANGE_ROWS + SMALL_RANGE_CHECKS * SMALL_RANGE_ROWS;
    let merkle = shape.depth() as usize + 1;
    constants + header + log + threshold + ranges + merkle
}

/// Rows used by the busiest Poseidon chip.
pub fn poseidon_rows(shape: &Shape) -> usize {
    permutations(shape).div_ceil(POSEIDON_CHIPS) * PERMUTE_ROWS
}

/// Rows the circuit needs, margin included.
pub fn rows_needed(shape: &Shape) -> usize {
    main_rows(shape).max(poseidon_rows(shape)) + ROW_MARGIN
}

/// The circuit size parameter `k` (2^k rows) for a shape.
pub fn k_for(shape: &Shape) -> u32 {
    let rows = rows_needed(shape);
    (rows.next_power_of_two().trailing_zeros()).max(MIN_K)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_constants_agree() {
        assert_eq!(CODE_RADIX.pow(CODES_PER_ROW as u32), ROW_RADIX);
        // A word fits the field: 3^153 < 2^243.
        assert!((CODES_PER_WORD as f64) * (CODE_RADIX as f64).log2() < 243.0);
    }
}

/// Advice columns of one `Pow5Chip` (3 state + 1 partial S-box).
pub const POW5_ADVICE: usize = 4;
/// Fixed columns of one `Pow5Chip` (3 + 3 round constants).
pub const POW5_FIXED: usize = 6;

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
/// share the Poseidon chips' columns; the others share the main columns.
pub fn cost_breakdown(shape: &Shape) -> Vec<PartCost> {
    let words = shape.words();
    let depth = shape.depth() as usize;
    let main_advice = CODES_PER_ROW + 3;
    let chip_advice = POSEIDON_CHIPS * POW5_ADVICE;
    let chip_fixed = POSEIDON_CHIPS * POW5_FIXED;
    let log_perms = 1 + words.div_ceil(2);
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
            rows: 1 + words * ROWS_PER_WORD,
            advice_columns: main_advice,
            fixed_columns: 0,
            permutations: 0,
        },
        PartCost {
            part: "threshold and range checks",
            rows: 1 + DIFF_RANGE_ROWS + SMALL_RANGE_CHECKS * SMALL_RANGE_ROWS,
            advice_columns: main_advice,
            fixed_columns: 0,
            permutations: 0,
        },
        PartCost {
            part: "tree paths: index bits and swaps",
            rows: depth + 1,
            advice_columns: 9,
            fixed_columns: 0,
            permutations: 0,
        },
        PartCost {
            part: "constants and log header",
            rows: 2,
            advice_columns: 5,
            fixed_columns: 1,
            permutations: 0,
        },
    ]
}
