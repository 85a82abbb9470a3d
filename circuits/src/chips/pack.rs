//! Outcome codes: well-formedness, packing into words, counting, and the
//! base-3 limb range check built on the same gate.
//!
//! Codes are trits: `0` padding, `1` executed, `2` assigned but not
//! executed. On `{0, 1, 2}`, `assigned(c) = c(3 - c)/2` and
//! `executed(c) = c(2 - c)`.
//!
//! Row layout (log region): `codes[0..CODES_PER_ROW]`, `acc` (packing
//! accumulator, the word on the last row of each group of
//! [`ROWS_PER_WORD`] rows), `assigned` and `executed` (running counts).
//! Row 0 holds the zero counts; rows `1..` hold the codes.
//!
//! Range region: the same `codes` hold base-3 limbs, `acc` folds them, and
//! the last row's `assigned` column holds a copy of the checked value.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::{Site, Tampering};
use crate::layout::{CODES_PER_ROW, CODE_RADIX, ROWS_PER_WORD, ROW_RADIX};

/// Shared advice columns of the main area.
#[derive(Clone, Copy, Debug)]
pub struct MainColumns {
    /// Code / limb / general-purpose columns.
    pub codes: [Column<Advice>; CODES_PER_ROW],
    /// Packing accumulator.
    pub acc: Column<Advice>,
    /// Running assigned count (or the range-checked value).
    pub assigned: Column<Advice>,
    /// Running executed count.
    pub executed: Column<Advice>,
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
    let two_inv = Fp::from(2).invert().expect("2 != 0");
    c * (Fp::from(3) - c) * two_inv
}

/// `c(2 - c)`: `1` for code 1, `0` for codes 0 and 2.
pub fn is_executed_native(c: Fp) -> Fp {
    c * (Fp::from(2) - c)
}

/// The `n` least significant base-3 digits of a field element's integer
/// value, most significant first.
pub fn base3_digits(v: &Fp, n: usize) -> Vec<u64> {
    use ff::PrimeField;
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

impl PackConfig {
    /// Configures the gates over `cols`.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: MainColumns) -> Self {
        let q_code = meta.selector();
        let q_first = meta.selector();
        let q_next = meta.selector();
        let q_count = meta.selector();
        let q_range_end = meta.selector();
        let two_inv = Fp::from(2).invert().expect("2 != 0");

        let row_sum = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fp>| {
            cols.codes
                .iter()
                .fold(Expression::Constant(Fp::ZERO), |acc, col| {
                    acc * constant(CODE_RADIX) + meta.query_advice(*col, Rotation::cur())
                })
        };

        meta.create_gate("code well-formed", |meta| {
            let q = meta.query_selector(q_code);
            let constraints: Vec<_> = cols
                .codes
                .iter()
                .map(|col| {
                    let c = meta.query_advice(*col, Rotation::cur());
                    (
                        "code in {0,1,2}",
                        c.clone() * (c.clone() - constant(1)) * (c - constant(2)),
                    )
                })
                .collect();
            Constraints::with_selector(q, constraints)
        });

        meta.create_gate("pack word start", |meta| {
            let q = meta.query_selector(q_first);
            let acc = meta.query_advice(cols.acc, Rotation::cur());
            let sum = row_sum(meta);
            Constraints::with_selector(q, [("acc = row value", acc - sum)])
        });

        meta.create_gate("pack word continue", |meta| {
            let q = meta.query_selector(q_next);
            let acc = meta.query_advice(cols.acc, Rotation::cur());
            let prev = meta.query_advice(cols.acc, Rotation::prev());
            let sum = row_sum(meta);
            Constraints::with_selector(
                q,
                [(
                    "acc = prev * 3^W + row value",
                    acc - prev * constant(ROW_RADIX) - sum,
                )],
            )
        });

        meta.create_gate("count outcomes", |meta| {
            let q = meta.query_selector(q_count);
            let mut assigned_sum = Expression::Constant(Fp::ZERO);
            let mut executed_sum = Expression::Constant(Fp::ZERO);
            for col in cols.codes.iter() {
                let c = meta.query_advice(*col, Rotation::cur());
                // assigned(c) = c(3 - c)/2
                assigned_sum = assigned_sum
                    + c.clone() * (constant(3) - c.clone()) * Expression::Constant(two_inv);
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
                    ("assigned count", a - a_prev - assigned_sum),
                    ("executed count", e - e_prev - executed_sum),
                ],
            )
        });

        meta.create_gate("range check end", |meta| {
            let q = meta.query_selector(q_range_end);
            let acc = meta.query_advice(cols.acc, Rotation::cur());
            let value = meta.query_advice(cols.assigned, Rotation::cur());
            Constraints::with_selector(q, [("limbs fold to value", acc - value)])
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
        layouter.assign_region(
            || "outcome log",
            |mut region| {
                let mut assigned = region.assign_advice_from_constant(
                    || "assigned = 0",
                    cols.assigned,
                    0,
                    Fp::ZERO,
                )?;
                let mut executed = region.assign_advice_from_constant(
                    || "executed = 0",
                    cols.executed,
                    0,
                    Fp::ZERO,
                )?;
                let mut acc_val = Value::known(Fp::ZERO);
                let mut word_cells = Vec::with_capacity(words);
                for w in 0..words {
                    for r in 0..ROWS_PER_WORD {
                        let row = 1 + w * ROWS_PER_WORD + r;
                        self.q_code.enable(&mut region, row)?;
                        self.q_count.enable(&mut region, row)?;
                        if r == 0 {
                            self.q_first.enable(&mut region, row)?;
                            acc_val = Value::known(Fp::ZERO);
                        } else {
                            self.q_next.enable(&mut region, row)?;
                        }
                        let mut row_val = Value::known(Fp::ZERO);
                        let mut a_val = assigned.value().copied();
                        let mut e_val = executed.value().copied();
                        for (j, col) in cols.codes.iter().enumerate() {
                            let slot = (w * ROWS_PER_WORD + r) * CODES_PER_ROW + j;
                            let honest = codes.get(slot).copied().unwrap_or(Value::known(Fp::ZERO));
                            let c = tamper.apply(Site::Code { index: slot }, honest);
                            region.assign_advice(|| "code", *col, row, || c)?;
                            row_val = row_val * Value::known(Fp::from(CODE_RADIX)) + c;
                            a_val = a_val + c.map(is_assigned_native);
                            e_val = e_val + c.map(is_executed_native);
                        }
                        acc_val = acc_val * Value::known(Fp::from(ROW_RADIX)) + row_val;
                        let acc_cell = region.assign_advice(
                            || "acc",
                            cols.acc,
                            row,
                            || tamper.apply(Site::PackAcc { row }, acc_val),
                        )?;
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
                        if r + 1 == ROWS_PER_WORD {
                            word_cells.push(acc_cell);
                        }
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

    /// Constrains `value` to `[0, 3^(rows * CODES_PER_ROW))`.
    /// `limb_site` names the limbs for tampering (if any).
    pub fn range_check(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        value: &AssignedCell<Fp, Fp>,
        rows: usize,
        tamper: &Tampering,
        limb_site: Option<fn(usize) -> Site>,
    ) -> Result<(), Error> {
        let cols = self.cols;
        let limbs_total = rows * CODES_PER_ROW;
        // Base-3 limbs of the value's low digits, most significant first
        // (an out-of-range value then fails "limbs fold to value").
        let limbs: Value<Vec<u64>> = value.value().map(|v| base3_digits(v, limbs_total));
        layouter.assign_region(
            || format!("range check: {name}"),
            |mut region| {
                let mut acc = Value::known(Fp::ZERO);
                for r in 0..rows {
                    self.q_code.enable(&mut region, r)?;
                    if r == 0 {
                        self.q_first.enable(&mut region, r)?;
                    } else {
                        self.q_next.enable(&mut region, r)?;
                    }
                    let mut row_val = Value::known(Fp::ZERO);
                    for (j, col) in cols.codes.iter().enumerate() {
                        let index = r * CODES_PER_ROW + j;
                        let honest = limbs.as_ref().map(|l| Fp::from(l[index]));
                        let limb = match limb_site {
                            Some(site) => tamper.apply(site(index), honest),
                            None => honest,
                        };
                        region.assign_advice(|| "limb", *col, r, || limb)?;
                        row_val = row_val * Value::known(Fp::from(CODE_RADIX)) + limb;
                    }
                    acc = acc * Value::known(Fp::from(ROW_RADIX)) + row_val;
                    region.assign_advice(|| "acc", cols.acc, r, || acc)?;
                }
                self.q_range_end.enable(&mut region, rows - 1)?;
                value.copy_advice(|| "value", &mut region, cols.assigned, rows - 1)?;
                Ok(())
            },
        )
    }
}
