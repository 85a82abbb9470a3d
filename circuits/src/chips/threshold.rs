//! The participation inequality and the claim-context cell.
//!
//! One row: `A, E, num, den, margin, num-1, den-num, ctx, ctx^2` in the
//! first nine main columns, where `margin = E * den - A * num - 1`. The
//! gate ties the derived cells to their inputs; range checks on `margin`,
//! `num-1` and `den-num` (see [`super::pack::PackConfig::range_check`])
//! then give `E * den > A * num` (participation strictly over `num/den`)
//! and `1 <= num <= den < num + 3^34`. (`den >= 1` follows.)
//!
//! No separate check of `A >= 1` is needed: the log's counts satisfy
//! `E <= A` by construction, so `A = 0` forces `E = 0` and a margin of
//! `-1`, which the range check refuses.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::{copy_cell, instance_cell, link_instance, Link, RangeCheck, Site, Tampering};
use crate::mutation::gate_constraint;

/// Column index of each cell of the threshold row.
mod col {
    pub const ASSIGNED: usize = 0;
    pub const EXECUTED: usize = 1;
    pub const NUM: usize = 2;
    pub const DEN: usize = 3;
    pub const MARGIN: usize = 4;
    pub const NUM_M1: usize = 5;
    pub const DEN_M_NUM: usize = 6;
    pub const CTX: usize = 7;
    pub const CTX_SQ: usize = 8;
    pub const COUNT: usize = 9;
}

/// Gate: the threshold row.
pub const GATE_THRESHOLD: &str = "threshold";
/// Number of main columns the threshold row uses (all equality-enabled).
pub const THRESHOLD_COLUMNS: usize = col::COUNT;
/// Rows of the threshold region.
pub const THRESHOLD_ROWS: usize = 1;
/// Base-3 limbs of the range check on the margin
/// `executed * den - assigned * num - 1` (`3^51 > 2^80`). In-circuit,
/// `assigned < 2^21`, `num <= 3^34` and `den < num + 3^34 < 2^56`, so the
/// true margin lies within `±2^78`: an honest one is below `3^51`, a
/// negative one wraps above `p - 2^78`. (With the verifier's
/// `den <= 2^32`, an honest margin is below `2^53`.)
pub const MARGIN_LIMBS: usize = 51;
/// Base-3 limbs of each small range check (`3^34 > 2^53`, enough for values
/// up to `MAX_THRESHOLD_DEN = 2^32`).
pub const SMALL_LIMBS: usize = 34;
/// The small range checks: `num - 1`, `den - num`.
pub const SMALL_RANGE_CHECKS: usize = 2;

/// Configuration.
#[derive(Clone, Debug)]
pub struct ThresholdConfig {
    cols: [Column<Advice>; THRESHOLD_COLUMNS],
    q: Selector,
}

/// Cells whose range the circuit must check.
#[derive(Debug)]
pub struct ThresholdCells {
    /// `E * den - A * num - 1`.
    pub margin: AssignedCell<Fp, Fp>,
    /// `num - 1`.
    pub num_m1: AssignedCell<Fp, Fp>,
    /// `den - num`.
    pub den_m_num: AssignedCell<Fp, Fp>,
}

impl ThresholdCells {
    /// The cell of each range check.
    pub fn checked(&self, check: RangeCheck) -> &AssignedCell<Fp, Fp> {
        match check {
            RangeCheck::Margin => &self.margin,
            RangeCheck::NumMinusOne => &self.num_m1,
            RangeCheck::DenMinusNum => &self.den_m_num,
        }
    }
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
        meta.create_gate(GATE_THRESHOLD, |meta| {
            let q = meta.query_selector(q);
            let c = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fp>, i: usize| {
                meta.query_advice(cols[i], Rotation::cur())
            };
            let a = c(meta, col::ASSIGNED);
            let e = c(meta, col::EXECUTED);
            let num = c(meta, col::NUM);
            let den = c(meta, col::DEN);
            let margin = c(meta, col::MARGIN);
            let num_m1 = c(meta, col::NUM_M1);
            let den_m_num = c(meta, col::DEN_M_NUM);
            let ctx = c(meta, col::CTX);
            let ctx_sq = c(meta, col::CTX_SQ);
            let one = Expression::Constant(Fp::ONE);
            let g = |name, e| gate_constraint(GATE_THRESHOLD, name, e);
            Constraints::with_selector(
                q,
                [
                    g(
                        RangeCheck::Margin.name(),
                        margin - (e * den.clone() - a * num.clone() - one.clone()),
                    ),
                    g(RangeCheck::NumMinusOne.name(), num_m1 - (num.clone() - one)),
                    g(RangeCheck::DenMinusNum.name(), den_m_num - (den - num)),
                    g("claim context square", ctx_sq - ctx.clone() * ctx),
                ],
            )
        });
        ThresholdConfig { cols, q }
    }

    /// Assigns the row and links its public inputs.
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
        let (cells, num, den, ctx) = layouter.assign_region(
            || "threshold",
            |mut region| {
                self.q.enable(&mut region, 0)?;
                let a = copy_cell(
                    &mut region,
                    tamper,
                    Link::ThresholdAssigned,
                    0,
                    assigned,
                    cols[col::ASSIGNED],
                    0,
                )?;
                let e = copy_cell(
                    &mut region,
                    tamper,
                    Link::ThresholdExecuted,
                    0,
                    executed,
                    cols[col::EXECUTED],
                    0,
                )?;
                let mut public = |link, row, column| {
                    instance_cell(&mut region, tamper, link, instance, row, cols[column], 0)
                };
                let num = public(Link::ThresholdNum, rows.num, col::NUM)?;
                let den = public(Link::ThresholdDen, rows.den, col::DEN)?;
                let ctx = public(Link::ClaimContext, rows.ctx, col::CTX)?;
                let av = a.value().copied();
                let ev = e.value().copied();
                let nv = num.value().copied();
                let dv = den.value().copied();
                let one = Value::known(Fp::ONE);
                let mut checked = |check: RangeCheck, column: usize, honest: Value<Fp>| {
                    let v = tamper.apply(Site::Checked(check), honest);
                    region.assign_advice(|| check.name(), cols[column], 0, || v)
                };
                let margin = checked(RangeCheck::Margin, col::MARGIN, ev * dv - av * nv - one)?;
                let num_m1 = checked(RangeCheck::NumMinusOne, col::NUM_M1, nv - one)?;
                let den_m_num = checked(RangeCheck::DenMinusNum, col::DEN_M_NUM, dv - nv)?;
                let ctx_v = ctx.value().copied();
                region.assign_advice(
                    || "ctx^2",
                    cols[col::CTX_SQ],
                    0,
                    || tamper.apply(Site::ClaimContextSquare, ctx_v * ctx_v),
                )?;
                Ok((
                    ThresholdCells {
                        margin,
                        num_m1,
                        den_m_num,
                    },
                    num,
                    den,
                    ctx,
                ))
            },
        )?;
        link_instance(layouter, Link::ThresholdNum, &num, instance, rows.num)?;
        link_instance(layouter, Link::ThresholdDen, &den, instance, rows.den)?;
        link_instance(layouter, Link::ClaimContext, &ctx, instance, rows.ctx)?;
        Ok(cells)
    }
}
