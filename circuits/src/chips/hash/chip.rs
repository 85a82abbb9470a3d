//! Eligo's Poseidon chip: P128Pow5T3 over several lanes side by side that
//! share their round constants and selectors.
//!
//! Lane `l` has three state columns and a `mid` column. Permutation `i`
//! runs in lane `i mod lanes` at rows `37 · ⌊i / lanes⌋ ..`: row 0 holds
//! the input state, each full-round row maps its state to the next row's,
//! each partial-round row runs two partial rounds (`mid` holds the first
//! one's S-box lane after its MDS), and the last row holds the output.
//! Every lane's permutation `j` sits at the same rows, so one set of six
//! round-constant columns and two selectors serves them all.
//!
//! The gates use the inverse MDS matrix, so that each S-box appears once:
//!
//! * full round, per state word `i`: `(M⁻¹ · next)_i = (cur_i + rc_i)^5`;
//! * two partial rounds, with `x = cur + rc_a`:
//!   `mid = M_00 x_0^5 + M_01 x_1 + M_02 x_2` (the first round's lane 0),
//!   `(M⁻¹ · next)_0 = (mid + rc_b_0)^5`, and for `j = 1, 2`
//!   `(M⁻¹ · next)_j = u_j + rc_b_j` where `u_j` is the first round's lane
//!   `j`, linear in `mid`, `x_1`, `x_2` once the first constraint holds
//!   (`x_0^5 = (mid − M_01 x_1 − M_02 x_2) / M_00`).
//!
//! The witness is computed natively when a permutation is scheduled.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Fixed, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::{CompressInstructions, Input, Word, PERMUTE_ROWS};
use crate::chips::{Link, Site, Tampering};
use crate::mutation::{gate_constraint, link_on};
use crate::poseidon::{apply_mds, constants, sbox, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};

/// Gate: one full round.
pub const GATE_FULL: &str = "full round";
/// Gate: two partial rounds.
pub const GATE_PARTIAL: &str = "partial rounds";

/// Full rounds before (and after) the partial rounds.
const HALF_FULL: usize = FULL_ROUNDS / 2;
/// Rows of partial-round pairs.
const PARTIAL_ROWS: usize = PARTIAL_ROUNDS / 2;

/// The columns of one lane.
#[derive(Clone, Copy, Debug)]
struct LaneColumns {
    state: [Column<Advice>; WIDTH],
    mid: Column<Advice>,
}

/// Configuration of the chip.
#[derive(Clone, Debug)]
pub struct HashConfig {
    lanes: Vec<LaneColumns>,
    rc_a: [Column<Fixed>; WIDTH],
    rc_b: [Column<Fixed>; WIDTH],
    q_full: Selector,
    q_partial: Selector,
}

fn pow5(x: Expression<Fp>) -> Expression<Fp> {
    let x2 = x.clone() * x.clone();
    x2.clone() * x2 * x
}

fn constant(v: Fp) -> Expression<Fp> {
    Expression::Constant(v)
}

impl HashConfig {
    /// Configures `lanes` lanes (each [`super::LANE_ADVICE`] advice columns,
    /// the state under equality) and the shared [`super::SHARED_FIXED`]
    /// round-constant columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, lanes: usize) -> Self {
        let lanes: Vec<LaneColumns> = (0..lanes)
            .map(|_| {
                let state = [(); WIDTH].map(|_| meta.advice_column());
                for col in state {
                    meta.enable_equality(col);
                }
                LaneColumns {
                    state,
                    mid: meta.advice_column(),
                }
            })
            .collect();
        let rc_a = [(); WIDTH].map(|_| meta.fixed_column());
        let rc_b = [(); WIDTH].map(|_| meta.fixed_column());
        let q_full = meta.selector();
        let q_partial = meta.selector();
        let c = constants();
        let (m, m_inv) = (c.mds, c.mds_inv);
        assert!(
            bool::from(!m[0][0].is_zero()),
            "the partial-round gate divides by M_00"
        );
        let m00_inv = m[0][0].invert().expect("M_00 is not zero");

        meta.create_gate(GATE_FULL, |meta| {
            let q = meta.query_selector(q_full);
            let mut constraints = Vec::with_capacity(lanes.len() * WIDTH);
            for lane in &lanes {
                let next = lane
                    .state
                    .map(|col| meta.query_advice(col, Rotation::next()));
                for i in 0..WIDTH {
                    let x = meta.query_advice(lane.state[i], Rotation::cur())
                        + meta.query_fixed(rc_a[i]);
                    let inv_next = (0..WIDTH).fold(constant(Fp::ZERO), |acc, j| {
                        acc + next[j].clone() * m_inv[i][j]
                    });
                    constraints.push(gate_constraint(
                        GATE_FULL,
                        "M^-1 next = (cur + rc)^5",
                        inv_next - pow5(x),
                    ));
                }
            }
            Constraints::with_selector(q, constraints)
        });

        meta.create_gate(GATE_PARTIAL, |meta| {
            let q = meta.query_selector(q_partial);
            let mut constraints = Vec::with_capacity(lanes.len() * (WIDTH + 1));
            for lane in &lanes {
                let x: [Expression<Fp>; WIDTH] = core::array::from_fn(|j| {
                    meta.query_advice(lane.state[j], Rotation::cur()) + meta.query_fixed(rc_a[j])
                });
                let mid = meta.query_advice(lane.mid, Rotation::cur());
                let next = lane
                    .state
                    .map(|col| meta.query_advice(col, Rotation::next()));
                let rc_b: [Expression<Fp>; WIDTH] =
                    core::array::from_fn(|j| meta.query_fixed(rc_b[j]));
                let inv_next = |i: usize| {
                    (0..WIDTH).fold(constant(Fp::ZERO), |acc, j| {
                        acc + next[j].clone() * m_inv[i][j]
                    })
                };
                // x_0^5 as the first constraint fixes it, linear in mid.
                let x0_5 =
                    (mid.clone() - x[1].clone() * m[0][1] - x[2].clone() * m[0][2]) * m00_inv;
                constraints.push(gate_constraint(
                    GATE_PARTIAL,
                    "first round: mid = (M (x0^5, x1, x2))_0",
                    mid.clone()
                        - (pow5(x[0].clone()) * m[0][0]
                            + x[1].clone() * m[0][1]
                            + x[2].clone() * m[0][2]),
                ));
                constraints.push(gate_constraint(
                    GATE_PARTIAL,
                    "second round: (M^-1 next)_0 = (mid + rc)^5",
                    inv_next(0) - pow5(mid + rc_b[0].clone()),
                ));
                for (j, rc) in rc_b.iter().enumerate().skip(1) {
                    let u =
                        x0_5.clone() * m[j][0] + x[1].clone() * m[j][1] + x[2].clone() * m[j][2];
                    constraints.push(gate_constraint(
                        GATE_PARTIAL,
                        "second round: (M^-1 next)_j = u_j + rc",
                        inv_next(j) - (u + rc.clone()),
                    ));
                }
            }
            Constraints::with_selector(q, constraints)
        });

        HashConfig {
            lanes,
            rc_a,
            rc_b,
            q_full,
            q_partial,
        }
    }
}

/// The native trace of one permutation: the state on each of its rows and
/// `mid` on each partial-round row.
#[derive(Clone, Debug)]
struct Trace {
    states: Vec<[Fp; WIDTH]>,
    mids: Vec<Fp>,
}

/// The trace of `P(input)`, with `error(row, equation)` added to each round
/// equation (zero for an honest trace; see [`Site::HashRound`]).
fn trace(input: [Fp; WIDTH], error: Option<&dyn Fn(usize, usize) -> Fp>) -> Trace {
    let c = constants();
    let m = &c.mds;
    // Only a trace with errors needs 1/M_00 (an inversion per permutation
    // would cost an honest proof time).
    let m00_inv = match error {
        Some(_) => m[0][0].invert().expect("M_00 is not zero"),
        None => Fp::ZERO,
    };
    let err = |row: usize, eq: usize| error.map_or(Fp::ZERO, |f| f(row, eq));
    let mut state = input;
    let mut states = Vec::with_capacity(PERMUTE_ROWS);
    let mut mids = Vec::with_capacity(PARTIAL_ROWS);
    states.push(state);
    let mut rcs = c.round_constants.iter();
    let full = |state: &mut [Fp; WIDTH], rc: &[Fp; WIDTH], row: usize| {
        for (i, (s, r)) in state.iter_mut().zip(rc).enumerate() {
            *s = sbox(*s + r) + err(row, i);
        }
        apply_mds(state, m);
    };
    let mut row = 0;
    for _ in 0..HALF_FULL {
        full(&mut state, rcs.next().expect("round constants"), row);
        states.push(state);
        row += 1;
    }
    for _ in 0..PARTIAL_ROWS {
        // First round: x = cur + rc_a, then (M (x0^5, x1, x2)); its lane 0
        // is `mid`.
        let rc = rcs.next().expect("round constants");
        let x: [Fp; WIDTH] = core::array::from_fn(|j| state[j] + rc[j]);
        let x0_5 = sbox(x[0]) + err(row, 0) * m00_inv;
        let mut u = [x0_5, x[1], x[2]];
        apply_mds(&mut u, m);
        mids.push(u[0]);
        // Second round on (mid, u1, u2).
        let rc = rcs.next().expect("round constants");
        let mut y: [Fp; WIDTH] = core::array::from_fn(|j| u[j] + rc[j]);
        y[0] = sbox(y[0]);
        for (j, v) in y.iter_mut().enumerate() {
            *v += err(row, j + 1);
        }
        apply_mds(&mut y, m);
        state = y;
        states.push(state);
        row += 1;
    }
    for _ in 0..HALF_FULL {
        full(&mut state, rcs.next().expect("round constants"), row);
        states.push(state);
        row += 1;
    }
    Trace { states, mids }
}

/// Where a scheduled input comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A cell assigned elsewhere.
    Cell(AssignedCell<Fp, Fp>),
    /// An earlier permutation's output.
    Output(usize),
    /// A private value (no link).
    Private,
    /// A cell bound later (`None` until then).
    Deferred(Option<AssignedCell<Fp, Fp>>),
}

/// One scheduled input: its source, the link it arrives over, and the
/// value it takes.
#[derive(Clone, Debug)]
struct ScheduledInput {
    source: Source,
    link: Option<(Link, usize)>,
    value: Value<Fp>,
}

/// A scheduled permutation.
#[derive(Clone, Debug)]
struct Scheduled {
    inputs: [ScheduledInput; WIDTH],
    trace: Value<Trace>,
}

/// The chip: schedules permutations and copy links, then lays them out in
/// one region.
#[derive(Debug)]
pub struct HashChip {
    config: HashConfig,
    tamper: Tampering,
    scheduled: Vec<Scheduled>,
    links: Vec<(Word, AssignedCell<Fp, Fp>, Link)>,
    occurrences: Vec<(Link, usize)>,
}

impl HashChip {
    /// A chip with nothing scheduled.
    pub fn construct(config: &HashConfig, tamper: &Tampering) -> Self {
        HashChip {
            config: config.clone(),
            tamper: tamper.clone(),
            scheduled: Vec::new(),
            links: Vec::new(),
            occurrences: Vec::new(),
        }
    }

    /// The next occurrence of `link` (in scheduling order).
    fn occurrence(&mut self, link: Link) -> usize {
        match self.occurrences.iter_mut().find(|(l, _)| *l == link) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.occurrences.push((link, 0));
                0
            }
        }
    }
    /// Assigns the round constants and selectors of permutation slot
    /// `slot` (shared by every lane).
    fn assign_slot_constants(&self, region: &mut Region<'_, Fp>, slot: usize) -> Result<(), Error> {
        let c = constants();
        let base = slot * PERMUTE_ROWS;
        let mut fixed = |row: usize, a: &[Fp; WIDTH], b: &[Fp; WIDTH]| -> Result<(), Error> {
            for j in 0..WIDTH {
                region.assign_fixed(|| "rc_a", self.config.rc_a[j], row, || Value::known(a[j]))?;
                region.assign_fixed(|| "rc_b", self.config.rc_b[j], row, || Value::known(b[j]))?;
            }
            Ok(())
        };
        let zero = [Fp::ZERO; WIDTH];
        for r in 0..HALF_FULL {
            fixed(base + r, &c.round_constants[r], &zero)?;
        }
        for p in 0..PARTIAL_ROWS {
            let round = HALF_FULL + 2 * p;
            fixed(
                base + HALF_FULL + p,
                &c.round_constants[round],
                &c.round_constants[round + 1],
            )?;
        }
        for r in 0..HALF_FULL {
            fixed(
                base + HALF_FULL + PARTIAL_ROWS + r,
                &c.round_constants[HALF_FULL + PARTIAL_ROUNDS + r],
                &zero,
            )?;
        }
        for r in 0..HALF_FULL {
            self.config.q_full.enable(region, base + r)?;
            self.config
                .q_full
                .enable(region, base + HALF_FULL + PARTIAL_ROWS + r)?;
        }
        for p in 0..PARTIAL_ROWS {
            self.config.q_partial.enable(region, base + HALF_FULL + p)?;
        }
        Ok(())
    }
}

impl CompressInstructions for HashChip {
    fn compress(&mut self, inputs: [Input<'_>; WIDTH]) -> Word {
        let index = self.scheduled.len();
        let inputs = inputs.map(|input| {
            let (source, link, honest) = match input {
                Input::Copy(Word::Cell(cell), link) => (
                    Source::Cell(cell.clone()),
                    Some(link),
                    cell.value().copied(),
                ),
                Input::Copy(Word::Output { index, value }, link) => {
                    (Source::Output(*index), Some(link), *value)
                }
                Input::Private(value) => (Source::Private, None, value),
                Input::Deferred(value, link) => (Source::Deferred(None), Some(link), value),
            };
            let link = link.map(|l| (l, self.occurrence(l)));
            let value = match link {
                Some((link, occurrence)) => {
                    self.tamper.apply(Site::Link { link, occurrence }, honest)
                }
                None => honest,
            };
            ScheduledInput {
                source,
                link,
                value,
            }
        });
        let input = inputs[0]
            .value
            .zip(inputs[1].value)
            .zip(inputs[2].value)
            .map(|((a, b), c)| [a, b, c]);
        let tamper = &self.tamper;
        let error = |row: usize, equation: usize| {
            tamper.error(Site::HashRound {
                permutation: index,
                row,
                equation,
            })
        };
        let trace = input.map(|input| {
            if tamper.has_round_errors() {
                trace(input, Some(&error))
            } else {
                trace(input, None)
            }
        });
        let value = trace.as_ref().map(|t| t.states[PERMUTE_ROWS - 1][0]);
        self.scheduled.push(Scheduled { inputs, trace });
        Word::Output { index, value }
    }

    fn bind(&mut self, of: &Word, slot: usize, cell: &AssignedCell<Fp, Fp>) {
        if let Word::Output { index, .. } = of {
            if let Some(Source::Deferred(bound)) = self
                .scheduled
                .get_mut(*index)
                .map(|p| &mut p.inputs[slot].source)
            {
                *bound = Some(cell.clone());
            }
        }
    }

    fn constrain_equal(&mut self, word: &Word, cell: &AssignedCell<Fp, Fp>, link: Link) {
        self.links.push((word.clone(), cell.clone(), link));
    }

    fn lay_out(self, layouter: &mut impl Layouter<Fp>) -> Result<(), Error> {
        let lanes = self.config.lanes.len();
        let slots = self.scheduled.len().div_ceil(lanes);
        // Lanes without a permutation in the last slot run one on zeros:
        // the shared selectors hold their gates there too.
        let zero = ScheduledInput {
            source: Source::Private,
            link: None,
            value: Value::known(Fp::ZERO),
        };
        let idle = Scheduled {
            inputs: core::array::from_fn(|_| zero.clone()),
            trace: Value::known(trace([Fp::ZERO; WIDTH], None)),
        };
        layouter.assign_region(
            || "poseidon permutations",
            |mut region| {
                let mut outputs: Vec<AssignedCell<Fp, Fp>> =
                    Vec::with_capacity(self.scheduled.len());
                for slot in 0..slots {
                    self.assign_slot_constants(&mut region, slot)?;
                    let base = slot * PERMUTE_ROWS;
                    for (l, lane) in self.config.lanes.iter().enumerate() {
                        let index = slot * lanes + l;
                        let (perm, real) = match self.scheduled.get(index) {
                            Some(p) => (p, true),
                            None => (&idle, false),
                        };
                        for (j, input) in perm.inputs.iter().enumerate() {
                            let cell = region.assign_advice(
                                || "input",
                                lane.state[j],
                                base,
                                || input.value,
                            )?;
                            let from = match &input.source {
                                Source::Cell(c) => Some(c.cell()),
                                Source::Output(i) => Some(outputs[*i].cell()),
                                Source::Private => None,
                                Source::Deferred(Some(c)) => Some(c.cell()),
                                Source::Deferred(None) => return Err(Error::Synthesis),
                            };
                            if let (Some(from), Some((link, _))) = (from, input.link) {
                                if link_on(link) {
                                    region.constrain_equal(from, cell.cell())?;
                                }
                            }
                        }
                        let mut last = None;
                        for row in 1..PERMUTE_ROWS {
                            for (j, col) in lane.state.iter().enumerate() {
                                let v = perm.trace.as_ref().map(|t| t.states[row][j]);
                                let cell =
                                    region.assign_advice(|| "state", *col, base + row, || v)?;
                                if j == 0 && row == PERMUTE_ROWS - 1 {
                                    last = Some(cell);
                                }
                            }
                        }
                        for p in 0..PARTIAL_ROWS {
                            let v = perm.trace.as_ref().map(|t| t.mids[p]);
                            region.assign_advice(|| "mid", lane.mid, base + HALF_FULL + p, || v)?;
                        }
                        if real {
                            outputs.push(last.expect("the last row is assigned"));
                        }
                    }
                }
                for (word, cell, link) in &self.links {
                    if !link_on(*link) {
                        continue;
                    }
                    let from = match word {
                        Word::Cell(c) => c.cell(),
                        Word::Output { index, .. } => outputs[*index].cell(),
                    };
                    region.constrain_equal(from, cell.cell())?;
                }
                Ok(())
            },
        )
    }
}
