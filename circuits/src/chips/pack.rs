//! Outcome codes: well-formedness, packing into words, counting, and the
//! base-3 limb range check built on the same gate.
//!
//! Codes are trits: `0` padding, `1` executed, `2` assigned but not
//! executed. On `{0, 1, 2}`, `assigned(c) = c(3 - c)/2` and
//! `executed(c) = c(2 - c)`.
//!
//! The main area is [`LANES`] lanes side by side. A lane is
//! [`LANE_WIDTH`] code columns and an accumulator `acc`; every lane folds
//! its own word, so a row carries `LANES * LANE_WIDTH` codes and the log
//! needs `ceil(words / LANES)` groups of [`ROWS_PER_WORD`] rows. Word `w`
//! sits in lane `w % LANES` of group `w / LANES`. Two more columns,
//! `assigned` and `executed`, hold the running counts over all lanes.
//! Row 0 of the log holds the zero counts; rows `1..` hold the codes. Lanes
//! of the last group that hold no word are constrained to the zero word,
//! so they add no task to the counts.
//!
//! Range region: lane 0's codes hold base-3 limbs and its `acc` folds them
//! (the other lanes hold zeros); the last row's `assigned` column holds a
//! copy of the checked value.

use ff::{Field, PrimeField};
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::{copy_cell, pin_cell, Link, RangeCheck, Site, Tampering};
use crate::layout::LANES;
use crate::mutation::{gate_constraint, link_on};
use crate::native::{CODES_PER_WORD, CODE_RADIX};

/// Codes (or base-3 range limbs) per lane and row.
pub const LANE_WIDTH: usize = 17;
/// Rows of one lane folded into one packed word.
pub const ROWS_PER_WORD: usize = CODES_PER_WORD / LANE_WIDTH;
/// Radix of one lane row, `3^LANE_WIDTH`.
pub const ROW_RADIX: u64 = CODE_RADIX.pow(LANE_WIDTH as u32);
/// Rows of the log region before the first code row (the zero counts).
pub const LOG_HEADER_ROWS: usize = 1;

/// Gate: every code (or limb) is a trit.
pub const GATE_CODE: &str = "code well-formed";
/// Gate: the first row of a word starts its accumulator.
pub const GATE_WORD_START: &str = "pack word start";
/// Gate: a further row of a word continues its accumulator.
pub const GATE_WORD_CONTINUE: &str = "pack word continue";
/// Gate: the running counts.
pub const GATE_COUNT: &str = "count outcomes";
/// Gate: a range check's limbs fold to the checked value.
pub const GATE_RANGE_END: &str = "range check end";

const _: () = assert!(
    ROWS_PER_WORD * LANE_WIDTH == CODES_PER_WORD,
    "a word fills whole lane rows"
);

/// Advice columns of the main area for `lanes` lanes: the codes and the
/// accumulator of every lane, then `assigned` and `executed`.
pub const fn advice_columns(lanes: usize) -> usize {
    lanes * (LANE_WIDTH + 1) + 2
}

/// Rows of the log region for `words` packed words over `lanes` lanes.
pub const fn log_rows(words: usize, lanes: usize) -> usize {
    LOG_HEADER_ROWS + words.div_ceil(lanes) * ROWS_PER_WORD
}

/// Rows of a range check of at least `limbs` base-3 limbs (whole rows of
/// [`LANE_WIDTH`] limbs).
pub const fn range_rows(limbs: usize) -> usize {
    limbs.div_ceil(LANE_WIDTH)
}

/// The log row (1-based) holding row `r` of word `w`, and the word's lane.
pub const fn word_position(w: usize, r: usize) -> (usize, usize) {
    (LOG_HEADER_ROWS + (w / LANES) * ROWS_PER_WORD + r, w % LANES)
}

/// One lane: code columns and the accumulator folding them.
#[derive(Clone, Copy, Debug)]
pub struct Lane {
    /// Code / limb columns.
    pub codes: [Column<Advice>; LANE_WIDTH],
    /// Packing accumulator.
    pub acc: Column<Advice>,
}

/// Shared advice columns of the main area.
#[derive(Clone, Copy, Debug)]
pub struct MainColumns {
    /// The lanes.
    pub lanes: [Lane; LANES],
    /// Running assigned count (or the range-checked value).
    pub assigned: Column<Advice>,
    /// Running executed count.
    pub executed: Column<Advice>,
}

impl MainColumns {
    /// Allocates the columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>) -> Self {
        let lanes = [(); LANES].map(|_| Lane {
            codes: [(); LANE_WIDTH].map(|_| meta.advice_column()),
            acc: meta.advice_column(),
        });
        MainColumns {
            lanes,
            assigned: meta.advice_column(),
            executed: meta.advice_column(),
        }
    }

    /// The first `N` code columns of lane 0, for the regions that use the
    /// main area as general-purpose columns.
    pub fn general<const N: usize>(&self) -> [Column<Advice>; N] {
        const { assert!(N <= LANE_WIDTH, "lane 0 has LANE_WIDTH columns") };
        core::array::from_fn(|i| self.lanes[0].codes[i])
    }

    fn code_columns(&self) -> impl Iterator<Item = &Column<Advice>> {
        self.lanes.iter().flat_map(|l| l.codes.iter())
    }
}

/// Configuration of the packing chip.
#[derive(Clone, Debug)]
pub struct PackConfig {
    cols: MainColumns,
    q_code: Selector,
    q_first: Selector,
    q_next: Selector,
    q_count: Selector,
    q_range_end: Selector,
}

/// Cells produced by the log region.
#[derive(Debug)]
pub struct LogCells {
    /// Packed words.
    pub words: Vec<AssignedCell<Fp, Fp>>,
    /// Final assigned count.
    pub assigned: AssignedCell<Fp, Fp>,
    /// Final executed count.
    pub executed: AssignedCell<Fp, Fp>,
}

fn constant(v: u64) -> Expression<Fp> {
    Expression::Constant(Fp::from(v))
}

/// `c(3 - c)/2`: `1` for codes 1 and 2, `0` for code 0.
pub fn is_assigned_native(c: Fp) -> Fp {
    c * (Fp::from(3) - c) * Fp::TWO_INV
}

/// `c(2 - c)`: `1` for code 1, `0` for codes 0 and 2.
pub fn is_executed_native(c: Fp) -> Fp {
    c * (Fp::from(2) - c)
}

/// The `n` least significant base-3 digits of a field element's integer
/// value, most significant first.
pub fn base3_digits(v: &Fp, n: usize) -> Vec<u64> {
    let repr = v.to_repr();
    let mut limbs: [u64; 4] =
        core::array::from_fn(|i| u64::from_le_bytes(repr[8 * i..8 * i + 8].try_into().expect("8")));
    let mut digits = Vec::with_capacity(n);
    for _ in 0..n {
        let mut rem: u128 = 0;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / u128::from(CODE_RADIX)) as u64;
            rem = cur % u128::from(CODE_RADIX);
        }
        digits.push(rem as u64);
    }
    digits.reverse();
    digits
}

/// Value of one lane row: `sum c_j 3^(LANE_WIDTH - 1 - j)`.
fn row_value(cells: impl Iterator<Item = Value<Fp>>) -> Value<Fp> {
    cells.fold(Value::known(Fp::ZERO), |acc, c| {
        acc * Value::known(Fp::from(CODE_RADIX)) + c
    })
}

impl PackConfig {
    /// Configures the gates over `cols`.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: MainColumns) -> Self {
        let q_code = meta.selector();
        let q_first = meta.selector();
        let q_next = meta.selector();
        let q_count = meta.selector();
        let q_range_end = meta.selector();

        let lane_sum = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fp>, lane: &Lane| {
            lane.codes
                .iter()
                .fold(Expression::Constant(Fp::ZERO), |acc, col| {
                    acc * constant(CODE_RADIX) + meta.query_advice(*col, Rotation::cur())
                })
        };

        meta.create_gate(GATE_CODE, |meta| {
            let q = meta.query_selector(q_code);
            let constraints: Vec<_> = cols
                .code_columns()
                .map(|col| {
                    let c = meta.query_advice(*col, Rotation::cur());
                    gate_constraint(
                        GATE_CODE,
                        "code in {0,1,2}",
                        c.clone() * (c.clone() - constant(1)) * (c - constant(2)),
                    )
                })
                .collect();
            Constraints::with_selector(q, constraints)
        });

        meta.create_gate(GATE_WORD_START, |meta| {
            let q = meta.query_selector(q_first);
            let constraints: Vec<_> = cols
                .lanes
                .iter()
                .map(|lane| {
                    let acc = meta.query_advice(lane.acc, Rotation::cur());
                    gate_constraint(
                        GATE_WORD_START,
                        "acc = row value",
                        acc - lane_sum(meta, lane),
                    )
                })
                .collect();
            Constraints::with_selector(q, constraints)
        });

        meta.create_gate(GATE_WORD_CONTINUE, |meta| {
            let q = meta.query_selector(q_next);
            let constraints: Vec<_> = cols
                .lanes
                .iter()
                .map(|lane| {
                    let acc = meta.query_advice(lane.acc, Rotation::cur());
                    let prev = meta.query_advice(lane.acc, Rotation::prev());
                    gate_constraint(
                        GATE_WORD_CONTINUE,
                        "acc = prev * 3^W + row value",
                        acc - prev * constant(ROW_RADIX) - lane_sum(meta, lane),
                    )
                })
                .collect();
            Constraints::with_selector(q, constraints)
        });

        meta.create_gate(GATE_COUNT, |meta| {
            let q = meta.query_selector(q_count);
            let mut assigned_sum = Expression::Constant(Fp::ZERO);
            let mut executed_sum = Expression::Constant(Fp::ZERO);
            for col in cols.code_columns() {
                let c = meta.query_advice(*col, Rotation::cur());
                // assigned(c) = c(3 - c)/2
                assigned_sum = assigned_sum
                    + c.clone() * (constant(3) - c.clone()) * Expression::Constant(Fp::TWO_INV);
                // executed(c) = c(2 - c)
                executed_sum = executed_sum + c.clone() * (constant(2) - c);
            }
            let a = meta.query_advice(cols.assigned, Rotation::cur());
            let a_prev = meta.query_advice(cols.assigned, Rotation::prev());
            let e = meta.query_advice(cols.executed, Rotation::cur());
            let e_prev = meta.query_advice(cols.executed, Rotation::prev());
            Constraints::with_selector(
                q,
                [
                    gate_constraint(GATE_COUNT, "assigned count", a - a_prev - assigned_sum),
                    gate_constraint(GATE_COUNT, "executed count", e - e_prev - executed_sum),
                ],
            )
        });

        meta.create_gate(GATE_RANGE_END, |meta| {
            let q = meta.query_selector(q_range_end);
            let acc = meta.query_advice(cols.lanes[0].acc, Rotation::cur());
            let value = meta.query_advice(cols.assigned, Rotation::cur());
            Constraints::with_selector(
                q,
                [gate_constraint(
                    GATE_RANGE_END,
                    "limbs fold to value",
                    acc - value,
                )],
            )
        });

        PackConfig {
            cols,
            q_code,
            q_first,
            q_next,
            q_count,
            q_range_end,
        }
    }

    /// Assigns the outcome log: `codes` has one value per task slot
    /// (the capacity); words are padded with zero codes.
    pub fn assign_log(
        &self,
        layouter: &mut impl Layouter<Fp>,
        codes: &[Value<Fp>],
        words: usize,
        tamper: &Tampering,
    ) -> Result<LogCells, Error> {
        let cols = self.cols;
        let groups = words.div_ceil(LANES);
        layouter.assign_region(
            || "outcome log",
            |mut region| {
                let mut assigned = pin_cell(
                    &mut region,
                    tamper,
                    Link::AssignedStart,
                    0,
                    Fp::ZERO,
                    cols.assigned,
                    0,
                )?;
                let mut executed = pin_cell(
                    &mut region,
                    tamper,
                    Link::ExecutedStart,
                    0,
                    Fp::ZERO,
                    cols.executed,
                    0,
                )?;
                let mut acc_val = [Value::known(Fp::ZERO); LANES];
                let mut word_cells = Vec::with_capacity(words);
                for g in 0..groups {
                    for r in 0..ROWS_PER_WORD {
                        let (row, _) = word_position(g * LANES, r);
                        self.q_code.enable(&mut region, row)?;
                        self.q_count.enable(&mut region, row)?;
                        if r == 0 {
                            self.q_first.enable(&mut region, row)?;
                        } else {
                            self.q_next.enable(&mut region, row)?;
                        }
                        let mut a_val = assigned.value().copied();
                        let mut e_val = executed.value().copied();
                        for (lane_index, lane) in cols.lanes.iter().enumerate() {
                            let w = g * LANES + lane_index;
                            let mut lane_codes = Vec::with_capacity(LANE_WIDTH);
                            for (j, col) in lane.codes.iter().enumerate() {
                                let slot = w * CODES_PER_WORD + r * LANE_WIDTH + j;
                                let honest =
                                    codes.get(slot).copied().unwrap_or(Value::known(Fp::ZERO));
                                let c = tamper.apply(Site::Code { index: slot }, honest);
                                region.assign_advice(|| "code", *col, row, || c)?;
                                a_val = a_val + c.map(is_assigned_native);
                                e_val = e_val + c.map(is_executed_native);
                                lane_codes.push(c);
                            }
                            let prev = if r == 0 {
                                Value::known(Fp::ZERO)
                            } else {
                                acc_val[lane_index]
                            };
                            acc_val[lane_index] = tamper.apply(
                                Site::PackAcc {
                                    lane: lane_index,
                                    row,
                                },
                                prev * Value::known(Fp::from(ROW_RADIX))
                                    + row_value(lane_codes.into_iter()),
                            );
                            let acc_cell = region.assign_advice(
                                || "acc",
                                lane.acc,
                                row,
                                || acc_val[lane_index],
                            )?;
                            if r + 1 == ROWS_PER_WORD {
                                if w < words {
                                    word_cells.push(acc_cell);
                                } else if link_on(Link::EmptyLane) {
                                    // A lane without a word holds the zero
                                    // word: every code in it is 0.
                                    region.constrain_constant(acc_cell.cell(), Fp::ZERO)?;
                                }
                            }
                        }
                        assigned = region.assign_advice(
                            || "assigned",
                            cols.assigned,
                            row,
                            || tamper.apply(Site::Assigned { row }, a_val),
                        )?;
                        executed = region.assign_advice(
                            || "executed",
                            cols.executed,
                            row,
                            || tamper.apply(Site::Executed { row }, e_val),
                        )?;
                    }
                }
                Ok(LogCells {
                    words: word_cells,
                    assigned: assigned.clone(),
                    executed: executed.clone(),
                })
            },
        )
    }

    /// Constrains `value` to `[0, 3^(range_rows(limbs) * LANE_WIDTH))`.
    pub fn range_check(
        &self,
        layouter: &mut impl Layouter<Fp>,
        check: RangeCheck,
        value: &AssignedCell<Fp, Fp>,
        limbs: usize,
        tamper: &Tampering,
    ) -> Result<(), Error> {
        let cols = self.cols;
        let rows = range_rows(limbs);
        let limbs_total = rows * LANE_WIDTH;
        let link = Link::Range(check);
        // Base-3 limbs of the checked copy's low digits, most significant
        // first (an out-of-range value then fails "limbs fold to value").
        let checked = tamper.apply(
            Site::Link {
                link,
                occurrence: 0,
            },
            value.value().copied(),
        );
        let digits: Value<Vec<u64>> = checked.map(|v| base3_digits(&v, limbs_total));
        layouter.assign_region(
            || format!("range check: {}", check.name()),
            |mut region| {
                let mut acc = Value::known(Fp::ZERO);
                let zero = Value::known(Fp::ZERO);
                for r in 0..rows {
                    self.q_code.enable(&mut region, r)?;
                    if r == 0 {
                        self.q_first.enable(&mut region, r)?;
                    } else {
                        self.q_next.enable(&mut region, r)?;
                    }
                    let mut row_limbs = Vec::with_capacity(LANE_WIDTH);
                    for (j, col) in cols.lanes[0].codes.iter().enumerate() {
                        let index = r * LANE_WIDTH + j;
                        let honest = digits.as_ref().map(|l| Fp::from(l[index]));
                        let limb = tamper.apply(Site::RangeLimb { check, index }, honest);
                        region.assign_advice(|| "limb", *col, r, || limb)?;
                        row_limbs.push(limb);
                    }
                    acc =
                        acc * Value::known(Fp::from(ROW_RADIX)) + row_value(row_limbs.into_iter());
                    region.assign_advice(|| "acc", cols.lanes[0].acc, r, || acc)?;
                    for lane in &cols.lanes[1..] {
                        for col in lane.codes.iter() {
                            region.assign_advice(|| "unused", *col, r, || zero)?;
                        }
                        region.assign_advice(|| "unused acc", lane.acc, r, || zero)?;
                    }
                }
                self.q_range_end.enable(&mut region, rows - 1)?;
                copy_cell(&mut region, tamper, link, 0, value, cols.assigned, rows - 1)?;
                Ok(())
            },
        )
    }
}
