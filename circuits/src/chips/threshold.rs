//! The participation inequality and the claim-context cell.
//!
//! One row: `A, E, num, den, diff, A-1, num-1, den-1, den-num, ctx, ctx^2`
//! in the first eleven main columns. The gate ties the derived cells to
//! their inputs; range checks on `diff`, `A-1`, `num-1`, `den-1` and
//! `den-num` (see [`super::pack::PackConfig::range_check`]) then give
//! `E * den >= A * num`, `A >= 1` and `1 <= num <= den`.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::{Site, Tampering};

/// Column index of each cell of the threshold row.
mod col {
    pub const ASSIGNED: usize = 0;
    pub const EXECUTED: usize = 1;
    pub const NUM: usize = 2;
    pub const DEN: usize = 3;
    pub const DIFF: usize = 4;
    pub const ASSIGNED_M1: usize = 5;
    pub const NUM_M1: usize = 6;
    pub const DEN_M1: usize = 7;
    pub const DEN_M_NUM: usize = 8;
    pub const CTX: usize = 9;
    pub const CTX_SQ: usize = 10;
    pub const COUNT: usize = 11;
}

/// Number of main columns the threshold row uses (all equality-enabled).
pub const THRESHOLD_COLUMNS: usize = col::COUNT;
/// Rows of the threshold region.
pub const THRESHOLD_ROWS: usize = 1;
/// Base-3 limbs of the range check on `executed * den - assigned * num`
/// (`3^51 > 2^80`). In-circuit, `assigned < 2^21` and `num, den < 3^34`,
/// so the true difference lies within `±2^75`: an honest one is below
/// `3^51`, a negative one wraps above `p - 2^75`. (With the verifier's
/// `den <= 2^32`, an honest difference is below `2^53`.)
pub const DIFF_LIMBS: usize = 51;
/// Base-3 limbs of each small range check (`3^34 > 2^53`, enough for values
/// up to `MAX_THRESHOLD_DEN = 2^32`).
pub const SMALL_LIMBS: usize = 34;
/// The small range checks: `assigned - 1`, `num - 1`, `den - 1`,
/// `den - num`.
pub const SMALL_RANGE_CHECKS: usize = 4;

/// Configuration.
#[derive(Clone, Debug)]
pub struct ThresholdConfig {
    cols: [Column<Advice>; THRESHOLD_COLUMNS],
    q: Selector,
}

/// Cells whose range the circuit must check.
#[derive(Debug)]
pub struct ThresholdCells {
    /// `E * den - A * num`.
    pub diff: AssignedCell<Fp, Fp>,
    /// `A - 1`.
    pub assigned_m1: AssignedCell<Fp, Fp>,
    /// `num - 1`.
    pub num_m1: AssignedCell<Fp, Fp>,
    /// `den - 1`.
    pub den_m1: AssignedCell<Fp, Fp>,
    /// `den - num`.
    pub den_m_num: AssignedCell<Fp, Fp>,
}

/// Rows of the instance column the threshold row reads.
#[derive(Clone, Copy, Debug)]
pub struct InstanceRows {
    /// Threshold numerator.
    pub num: usize,
    /// Threshold denominator.
    pub den: usize,
    /// Claim context.
    pub ctx: usize,
}

impl ThresholdConfig {
    /// Configures the gate.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        cols: [Column<Advice>; THRESHOLD_COLUMNS],
    ) -> Self {
        let q = meta.selector();
        meta.create_gate("threshold", |meta| {
            let q = meta.query_selector(q);
            let c = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fp>, i: usize| {
                meta.query_advice(cols[i], Rotation::cur())
            };
            let a = c(meta, col::ASSIGNED);
            let e = c(meta, col::EXECUTED);
            let num = c(meta, col::NUM);
            let den = c(meta, col::DEN);
            let diff = c(meta, col::DIFF);
            let a_m1 = c(meta, col::ASSIGNED_M1);
            let num_m1 = c(meta, col::NUM_M1);
            let den_m1 = c(meta, col::DEN_M1);
            let den_m_num = c(meta, col::DEN_M_NUM);
            let ctx = c(meta, col::CTX);
            let ctx_sq = c(meta, col::CTX_SQ);
            let one = Expression::Constant(Fp::ONE);
            Constraints::with_selector(
                q,
                [
                    (
                        "diff = executed * den - assigned * num",
                        diff - (e * den.clone() - a.clone() * num.clone()),
                    ),
                    ("assigned - 1", a_m1 - (a - one.clone())),
                    ("num - 1", num_m1 - (num.clone() - one.clone())),
                    ("den - 1", den_m1 - (den.clone() - one)),
                    ("den - num", den_m_num - (den - num)),
                    ("claim context square", ctx_sq - ctx.clone() * ctx),
                ],
            )
        });
        ThresholdConfig { cols, q }
    }

    /// Assigns the row.
    pub fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        assigned: &AssignedCell<Fp, Fp>,
        executed: &AssignedCell<Fp, Fp>,
        instance: Column<Instance>,
        rows: InstanceRows,
        tamper: &Tampering,
    ) -> Result<ThresholdCells, Error> {
        let cols = self.cols;
        layouter.assign_region(
            || "threshold",
            |mut region| {
                self.q.enable(&mut region, 0)?;
                let a = assigned.copy_advice(|| "assigned", &mut region, cols[col::ASSIGNED], 0)?;
                let e = executed.copy_advice(|| "executed", &mut region, cols[col::EXECUTED], 0)?;
                let num = region.assign_advice_from_instance(
                    || "num",
                    instance,
                    rows.num,
                    cols[col::NUM],
                    0,
                )?;
                let den = region.assign_advice_from_instance(
                    || "den",
                    instance,
                    rows.den,
                    cols[col::DEN],
                    0,
                )?;
                let ctx = region.assign_advice_from_instance(
                    || "claim ctx",
                    instance,
                    rows.ctx,
                    cols[col::CTX],
                    0,
                )?;
                let av = a.value().copied();
                let ev = e.value().copied();
                let nv = num.value().copied();
                let dv = den.value().copied();
                let one = Value::known(Fp::ONE);
                let diff_v = tamper.apply(Site::ThresholdDiff, ev * dv - av * nv);
                let diff = region.assign_advice(|| "diff", cols[col::DIFF], 0, || diff_v)?;
                let assigned_m1 =
                    region.assign_advice(|| "A - 1", cols[col::ASSIGNED_M1], 0, || av - one)?;
                let num_m1 =
                    region.assign_advice(|| "num - 1", cols[col::NUM_M1], 0, || nv - one)?;
                let den_m1 =
                    region.assign_advice(|| "den - 1", cols[col::DEN_M1], 0, || dv - one)?;
                let den_m_num =
                    region.assign_advice(|| "den - num", cols[col::DEN_M_NUM], 0, || dv - nv)?;
                let ctx_v = ctx.value().copied();
                region.assign_advice(
                    || "ctx^2",
                    cols[col::CTX_SQ],
                    0,
                    || tamper.apply(Site::ClaimContextSquare, ctx_v * ctx_v),
                )?;
                Ok(ThresholdCells {
                    diff,
                    assigned_m1,
                    num_m1,
                    den_m1,
                    den_m_num,
                })
            },
        )
    }
}
