//! Outcome codes: well-formedness, packing into words, counting, and the
//! 2-bit limb range check built on the same gate.
//!
//! Row layout (log region): `codes[0..CODES_PER_ROW]`, `acc` (packing
//! accumulator, the word on the last row of each group of
//! [`ROWS_PER_WORD`] rows), `assigned` and `executed` (running counts).
//! Row 0 holds the zero counts; rows `1..` hold the codes.
//!
//! Range region: the same `codes` hold 2-bit limbs, `acc` folds them, and
//! the last row's `assigned` column holds a copy of the checked value.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::{Site, Tampering};
use crate::layout::{CODES_PER_ROW, CODE_BITS, ROWS_PER_WORD};
use crate::native::{CODE_EXECUTED, CODE_FAILED, CODE_MISSED};

/// Radix of one code (`2^CODE_BITS`).
const CODE_RADIX: u64 = 1 << CODE_BITS;
/// Radix of one row of codes (`4^CODES_PER_ROW = 2^48`).
const ROW_RADIX: u64 = 1 << (CODE_BITS * CODES_PER_ROW);

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

/// `1` for codes 1..=3, `0` for code 0 (on the domain {0,1,2,3}).
pub fn is_assigned_native(c: Fp) -> Fp {
    let six_inv = Fp::from(6).invert().expect("6 != 0");
    Fp::ONE
        + (c - Fp::from(u64::from(CODE_EXECUTED)))
            * (c - Fp::from(u64::from(CODE_FAILED)))
            * (c - Fp::from(u64::from(CODE_MISSED)))
            * six_inv
}

/// `1` for code 1, `0` for codes 0, 2, 3 (on the domain {0,1,2,3}).
pub fn is_executed_native(c: Fp) -> Fp {
    let two_inv = Fp::from(2).invert().expect("2 != 0");
    c * (c - Fp::from(u64::from(CODE_FAILED))) * (c - Fp::from(u64::from(CODE_MISSED))) * two_inv
}

impl PackConfig {
    /// Configures the gates over `cols`.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: MainColumns) -> Self {
        let q_code = meta.selector();
        let q_first = meta.selector();
        let q_next = meta.selector();
        let q_count = meta.selector();
        let q_range_end = meta.selector();
        let six_inv = Fp::from(6).invert().expect("6 != 0");
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
                        "code in {0,1,2,3}",
                        c.clone()
                            * (c.clone() - constant(1))
                            * (c.clone() - constant(2))
                            * (c - constant(3)),
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
                    "acc = prev * 4^W + row value",
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
                // 1 - L0(c), with L0(c) = (c-1)(c-2)(c-3)/(-6)
                assigned_sum = assigned_sum
                    + constant(1)
                    + (c.clone() - constant(1))
                        * (c.clone() - constant(2))
                        * (c.clone() - constant(3))
                        * Expression::Constant(six_inv);
                // L1(c) = c(c-2)(c-3)/2
                executed_sum = executed_sum
                    + c.clone()
                        * (c.clone() - constant(2))
                        * (c - constant(3))
                        * Expression::Constant(two_inv);
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

    /// Constrains `value` to `[0, 2^(rows * RANGE_BITS_PER_ROW))`.
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
        // Big-endian 2-bit limbs of the low bits of the value.
        let limbs: Value<Vec<u64>> = value.value().map(|v| {
            use ff::PrimeField;
            let repr = v.to_repr();
            (0..limbs_total)
                .rev()
                .map(|i| {
                    let bit = i * CODE_BITS;
                    let byte = repr.as_ref()[bit / 8];
                    u64::from((byte >> (bit % 8)) & ((1 << CODE_BITS) - 1))
                })
                .collect()
        });
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
