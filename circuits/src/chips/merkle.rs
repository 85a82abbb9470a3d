//! The registry and exclusion paths, sharing the license-index bits.
//!
//! Row `l` (0..depth) holds `z_l, reg_cur, reg_sib, reg_left, reg_right,
//! ex_cur, ex_sib, ex_left, ex_right`; the index bit of level `l` is
//! `b_l = z_l - 2 z_(l+1)` (boolean), so `z_0 = license_id` and
//! `z_depth = 0` prove `license_id < 2^depth`. `left/right` are `cur/sib`
//! swapped when `b_l = 1`. Row `depth` holds `z = 0` and both roots. The
//! node hashes themselves are permutations of a [`CompressInstructions`]
//! chip linked by copy constraints (`cur` of row `l+1` = hash of row `l`).
//!
//! [`schedule_paths`] computes every value of the rows from the leaf
//! upwards, scheduling the node hashes as it goes (each hash reads its
//! level's `left`/`right` as deferred inputs); the rows are assigned
//! afterwards and [`link_paths`] binds the hashes to them.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::hash::{CompressInstructions, Input, Word};
use super::{link_instance, pin_cell, Link, Site, Tampering};
use crate::mutation::gate_constraint;
use crate::native::EMPTY_LEAF;

/// Gate: one level of both paths.
pub const GATE_LEVEL: &str = "merkle level";
/// Gate: the exclusion leaf is empty.
pub const GATE_EMPTY: &str = "exclusion leaf empty";

/// Column index of each cell of a level row.
mod col {
    pub const Z: usize = 0;
    pub const REG_CUR: usize = 1;
    pub const REG_SIB: usize = 2;
    pub const REG_LEFT: usize = 3;
    pub const REG_RIGHT: usize = 4;
    pub const EX_CUR: usize = 5;
    pub const EX_SIB: usize = 6;
    pub const EX_LEFT: usize = 7;
    pub const EX_RIGHT: usize = 8;
    pub const COUNT: usize = 9;
}

/// Number of main columns a level row uses (all equality-enabled).
pub const MERKLE_COLUMNS: usize = col::COUNT;

/// Rows of the Merkle region for trees of `depth` levels (one per level,
/// then the roots).
pub const fn merkle_rows(depth: usize) -> usize {
    depth + 1
}

/// Configuration.
#[derive(Clone, Debug)]
pub struct MerkleConfig {
    cols: [Column<Advice>; MERKLE_COLUMNS],
    q_level: Selector,
    q_empty: Selector,
}

/// The values of one row (the last row holds `z = 0` and the roots in
/// `reg_cur` / `ex_cur`).
#[derive(Clone, Copy, Debug)]
pub struct LevelValues {
    /// `z_l = license_id >> l`.
    pub z: Value<Fp>,
    /// Current registry node.
    pub reg_cur: Value<Fp>,
    /// Registry sibling.
    pub reg_sib: Value<Fp>,
    /// Registry left input.
    pub reg_left: Value<Fp>,
    /// Registry right input.
    pub reg_right: Value<Fp>,
    /// Current exclusion node.
    pub ex_cur: Value<Fp>,
    /// Exclusion sibling.
    pub ex_sib: Value<Fp>,
    /// Exclusion left input.
    pub ex_left: Value<Fp>,
    /// Exclusion right input.
    pub ex_right: Value<Fp>,
}

/// Assigned cells of one level, to feed the hashes.
#[derive(Debug)]
pub struct LevelCells {
    /// `z_l`.
    pub z: AssignedCell<Fp, Fp>,
    /// `reg_cur` (the leaf on level 0).
    pub reg_cur: AssignedCell<Fp, Fp>,
    /// Registry left input.
    pub reg_left: AssignedCell<Fp, Fp>,
    /// Registry right input.
    pub reg_right: AssignedCell<Fp, Fp>,
    /// `ex_cur`.
    pub ex_cur: AssignedCell<Fp, Fp>,
    /// Exclusion left input.
    pub ex_left: AssignedCell<Fp, Fp>,
    /// Exclusion right input.
    pub ex_right: AssignedCell<Fp, Fp>,
}

/// Row `depth`: the two computed roots.
#[derive(Debug)]
pub struct RootCells {
    /// Registry root cell.
    pub registry: AssignedCell<Fp, Fp>,
    /// Exclusion root cell.
    pub exclusion: AssignedCell<Fp, Fp>,
}

impl MerkleConfig {
    /// Configures the gates.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        cols: [Column<Advice>; MERKLE_COLUMNS],
    ) -> Self {
        let q_level = meta.selector();
        let q_empty = meta.selector();
        meta.create_gate(GATE_LEVEL, |meta| {
            let q = meta.query_selector(q_level);
            let cur = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fp>, i: usize| {
                meta.query_advice(cols[i], Rotation::cur())
            };
            let z = cur(meta, col::Z);
            let z_next = meta.query_advice(cols[col::Z], Rotation::next());
            let bit = z - z_next * Expression::Constant(Fp::from(2));
            let one = Expression::Constant(Fp::ONE);
            let swap =
                |c: Expression<Fp>, s: Expression<Fp>, l: Expression<Fp>, r: Expression<Fp>| {
                    (
                        l - (c.clone() + bit.clone() * (s.clone() - c.clone())),
                        r - (s.clone() + bit.clone() * (c - s)),
                    )
                };
            let (reg_l, reg_r) = swap(
                cur(meta, col::REG_CUR),
                cur(meta, col::REG_SIB),
                cur(meta, col::REG_LEFT),
                cur(meta, col::REG_RIGHT),
            );
            let (ex_l, ex_r) = swap(
                cur(meta, col::EX_CUR),
                cur(meta, col::EX_SIB),
                cur(meta, col::EX_LEFT),
                cur(meta, col::EX_RIGHT),
            );
            let g = |name, e| gate_constraint(GATE_LEVEL, name, e);
            Constraints::with_selector(
                q,
                [
                    g("index bit is boolean", bit.clone() * (one - bit.clone())),
                    g("registry left", reg_l),
                    g("registry right", reg_r),
                    g("exclusion left", ex_l),
                    g("exclusion right", ex_r),
                ],
            )
        });
        meta.create_gate(GATE_EMPTY, |meta| {
            let q = meta.query_selector(q_empty);
            let ex = meta.query_advice(cols[col::EX_CUR], Rotation::cur());
            Constraints::with_selector(
                q,
                [gate_constraint(
                    GATE_EMPTY,
                    "exclusion leaf is empty",
                    ex - Expression::Constant(EMPTY_LEAF),
                )],
            )
        });
        MerkleConfig {
            cols,
            q_level,
            q_empty,
        }
    }
}

/// The tree-path instructions: both paths' rows (the index bits and the
/// conditional swaps), as cells for a hash to link with [`link_paths`].
/// Swapping the hash does not touch them.
pub trait MerkleInstructions {
    /// Assigns the rows (`levels` has `depth + 1` entries, see
    /// [`LevelValues`]) and links `z_0` to public input `license_row`;
    /// `z_depth` is pinned to 0.
    fn assign_levels(
        &self,
        layouter: &mut impl Layouter<Fp>,
        levels: &[LevelValues],
        instance: Column<Instance>,
        license_row: usize,
        tamper: &Tampering,
    ) -> Result<(Vec<LevelCells>, RootCells), Error>;
}

impl MerkleInstructions for MerkleConfig {
    fn assign_levels(
        &self,
        layouter: &mut impl Layouter<Fp>,
        levels: &[LevelValues],
        instance: Column<Instance>,
        license_row: usize,
        tamper: &Tampering,
    ) -> Result<(Vec<LevelCells>, RootCells), Error> {
        let cols = self.cols;
        let depth = levels.len() - 1;
        let (out, roots) = layouter.assign_region(
            || "merkle paths",
            |mut region| {
                let mut out = Vec::with_capacity(depth);
                for (l, lv) in levels.iter().enumerate().take(depth) {
                    self.q_level.enable(&mut region, l)?;
                    if l == 0 {
                        self.q_empty.enable(&mut region, 0)?;
                    }
                    let mut a = |i: usize, v: Value<Fp>| {
                        region.assign_advice(|| "merkle", cols[i], l, || v)
                    };
                    let z = a(col::Z, lv.z)?;
                    let reg_cur = a(col::REG_CUR, lv.reg_cur)?;
                    a(col::REG_SIB, lv.reg_sib)?;
                    let reg_left = a(col::REG_LEFT, lv.reg_left)?;
                    let reg_right = a(col::REG_RIGHT, lv.reg_right)?;
                    let ex_cur = a(col::EX_CUR, lv.ex_cur)?;
                    a(col::EX_SIB, lv.ex_sib)?;
                    let ex_left = a(col::EX_LEFT, lv.ex_left)?;
                    let ex_right = a(col::EX_RIGHT, lv.ex_right)?;
                    out.push(LevelCells {
                        z,
                        reg_cur,
                        reg_left,
                        reg_right,
                        ex_cur,
                        ex_left,
                        ex_right,
                    });
                }
                pin_cell(
                    &mut region,
                    tamper,
                    Link::IndexEnd,
                    0,
                    Fp::ZERO,
                    cols[col::Z],
                    depth,
                )?;
                let top = levels[depth];
                let registry = region.assign_advice(
                    || "registry root",
                    cols[col::REG_CUR],
                    depth,
                    || top.reg_cur,
                )?;
                let exclusion = region.assign_advice(
                    || "exclusion root",
                    cols[col::EX_CUR],
                    depth,
                    || top.ex_cur,
                )?;
                Ok((
                    out,
                    RootCells {
                        registry,
                        exclusion,
                    },
                ))
            },
        )?;
        link_instance(layouter, Link::LicenseId, &out[0].z, instance, license_row)?;
        Ok((out, roots))
    }
}

/// Domain tags of the two trees' inner nodes.
#[derive(Debug)]
pub struct NodeTags<'a> {
    /// Registry inner-node tag.
    pub registry: &'a Word,
    /// Exclusion inner-node tag.
    pub exclusion: &'a Word,
}

/// The private inputs of the two paths.
#[derive(Clone, Copy, Debug)]
pub struct PathInputs<'a> {
    /// The license index, whose bits place the leaves.
    pub license_id: Value<u64>,
    /// `z_0`, the index as the rows hold it (the license index itself in
    /// an honest witness).
    pub index: Value<Fp>,
    /// The registry leaf (a scheduled hash's output).
    pub registry_leaf: &'a Word,
    /// The exclusion leaf.
    pub exclusion_leaf: Value<Fp>,
    /// Registry siblings, leaf level first (`depth` entries).
    pub registry_path: &'a [Value<Fp>],
    /// Exclusion siblings, leaf level first.
    pub exclusion_path: &'a [Value<Fp>],
}

/// The rows' values and the node hashes scheduled for them.
#[derive(Debug)]
pub struct ScheduledPaths {
    /// The rows' values (`depth + 1` entries).
    pub levels: Vec<LevelValues>,
    registry_nodes: Vec<Word>,
    exclusion_nodes: Vec<Word>,
}

/// Computes both paths' rows from the leaves upwards and schedules their
/// node hashes `cur_(l+1) = H(tag; left_l, right_l)` on `hash`.
pub fn schedule_paths(
    hash: &mut impl CompressInstructions,
    inputs: PathInputs<'_>,
    tags: NodeTags<'_>,
    tamper: &Tampering,
) -> ScheduledPaths {
    let depth = inputs.registry_path.len();
    let z_at = |l: usize| {
        inputs
            .license_id
            .map(|id| Fp::from(if l < 64 { id >> l } else { 0 }))
    };
    let z: Vec<Value<Fp>> = (0..=depth)
        .map(|l| match l {
            0 => inputs.index,
            l if l == depth => tamper.apply(
                Site::Link {
                    link: Link::IndexEnd,
                    occurrence: 0,
                },
                Value::known(Fp::ZERO),
            ),
            l => tamper.apply(Site::IndexAcc { level: l }, z_at(l)),
        })
        .collect();
    let two = Value::known(Fp::from(2));
    let mut reg = tamper.apply(Site::RegistryCur { level: 0 }, inputs.registry_leaf.value());
    let mut ex = tamper.apply(Site::ExclusionCur { level: 0 }, inputs.exclusion_leaf);
    let mut levels = Vec::with_capacity(depth + 1);
    let mut registry_nodes = Vec::with_capacity(depth);
    let mut exclusion_nodes = Vec::with_capacity(depth);
    for l in 0..depth {
        let bit = z[l] - two * z[l + 1];
        let reg_sib = tamper.apply(Site::RegistrySibling { level: l }, inputs.registry_path[l]);
        let ex_sib = tamper.apply(
            Site::ExclusionSibling { level: l },
            inputs.exclusion_path[l],
        );
        let reg_left = tamper.apply(Site::RegistryLeft { level: l }, reg + bit * (reg_sib - reg));
        let reg_right = tamper.apply(
            Site::RegistryRight { level: l },
            reg_sib + bit * (reg - reg_sib),
        );
        let ex_left = tamper.apply(Site::ExclusionLeft { level: l }, ex + bit * (ex_sib - ex));
        let ex_right = tamper.apply(
            Site::ExclusionRight { level: l },
            ex_sib + bit * (ex - ex_sib),
        );
        levels.push(LevelValues {
            z: z[l],
            reg_cur: reg,
            reg_sib,
            reg_left,
            reg_right,
            ex_cur: ex,
            ex_sib,
            ex_left,
            ex_right,
        });
        let reg_node = hash.compress([
            Input::Deferred(reg_left, Link::RegistryLeft),
            Input::Deferred(reg_right, Link::RegistryRight),
            Input::Copy(tags.registry, Link::RegistryTag),
        ]);
        let ex_node = hash.compress([
            Input::Deferred(ex_left, Link::ExclusionLeft),
            Input::Deferred(ex_right, Link::ExclusionRight),
            Input::Copy(tags.exclusion, Link::ExclusionTag),
        ]);
        reg = tamper.apply(Site::RegistryCur { level: l + 1 }, reg_node.value());
        ex = tamper.apply(Site::ExclusionCur { level: l + 1 }, ex_node.value());
        registry_nodes.push(reg_node);
        exclusion_nodes.push(ex_node);
    }
    let unknown = Value::unknown();
    levels.push(LevelValues {
        z: z[depth],
        reg_cur: reg,
        reg_sib: unknown,
        reg_left: unknown,
        reg_right: unknown,
        ex_cur: ex,
        ex_sib: unknown,
        ex_left: unknown,
        ex_right: unknown,
    });
    ScheduledPaths {
        levels,
        registry_nodes,
        exclusion_nodes,
    }
}

/// Binds the node hashes of [`schedule_paths`] to the assigned rows: each
/// reads its level's `left`/`right` cells and is the next level's `cur`
/// (the last ones the root cells).
pub fn link_paths(
    hash: &mut impl CompressInstructions,
    paths: &ScheduledPaths,
    levels: &[LevelCells],
    roots: &RootCells,
) {
    for (l, level) in levels.iter().enumerate() {
        let reg = &paths.registry_nodes[l];
        let ex = &paths.exclusion_nodes[l];
        hash.bind(reg, 0, &level.reg_left);
        hash.bind(reg, 1, &level.reg_right);
        hash.bind(ex, 0, &level.ex_left);
        hash.bind(ex, 1, &level.ex_right);
        let (reg_next, ex_next) = match levels.get(l + 1) {
            Some(next) => (&next.reg_cur, &next.ex_cur),
            None => (&roots.registry, &roots.exclusion),
        };
        hash.constrain_equal(reg, reg_next, Link::RegistryNode);
        hash.constrain_equal(ex, ex_next, Link::ExclusionNode);
    }
}
