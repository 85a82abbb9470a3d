//! The registry and exclusion paths, sharing the license-index bits.
//!
//! Row `l` (0..depth) holds `z_l, reg_cur, reg_sib, reg_left, reg_right,
//! ex_cur, ex_sib, ex_left, ex_right`; the index bit of level `l` is
//! `b_l = z_l - 2 z_(l+1)` (boolean), so `z_0 = license_id` and
//! `z_depth = 0` prove `license_id < 2^depth`. `left/right` are `cur/sib`
//! swapped when `b_l = 1`. Row `depth` holds `z = 0` and both roots. The
//! node hashes themselves are Poseidon permutations linked by copy
//! constraints (`cur` of row `l+1` = hash of row `l`).

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector},
    poly::Rotation,
};
use pasta_curves::Fp;

use super::hash::{CompressInstructions, Word};
use super::{Site, Tampering};
use crate::native::EMPTY_LEAF;

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

/// Native values of one level, computed by the witness builder.
#[derive(Clone, Copy, Debug)]
pub struct LevelValues {
    /// `z_l = license_id >> l`.
    pub z: Fp,
    /// Current registry node.
    pub reg_cur: Fp,
    /// Registry sibling.
    pub reg_sib: Fp,
    /// Current exclusion node.
    pub ex_cur: Fp,
    /// Exclusion sibling.
    pub ex_sib: Fp,
    /// Index bit.
    pub bit: bool,
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
        meta.create_gate("merkle level", |meta| {
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
            Constraints::with_selector(
                q,
                [
                    ("index bit is boolean", bit.clone() * (one - bit.clone())),
                    ("registry left", reg_l),
                    ("registry right", reg_r),
                    ("exclusion left", ex_l),
                    ("exclusion right", ex_r),
                ],
            )
        });
        meta.create_gate("exclusion leaf empty", |meta| {
            let q = meta.query_selector(q_empty);
            let ex = meta.query_advice(cols[col::EX_CUR], Rotation::cur());
            Constraints::with_selector(
                q,
                [(
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

/// The tree-path instructions: both paths' levels (the index bits and the
/// conditional swaps), as cells for a hash to link with
/// [`hash_paths`]. Swapping the hash does not touch them.
pub trait MerkleInstructions {
    /// Assigns the levels. `levels` has `depth + 1` entries (the last holds
    /// the roots in `reg_cur` / `ex_cur`). `z_0` is copied from the
    /// instance; `z_depth` is fixed to 0.
    fn assign_levels(
        &self,
        layouter: &mut impl Layouter<Fp>,
        levels: &[Value<LevelValues>],
        instance: Column<Instance>,
        license_row: usize,
        tamper: &Tampering,
    ) -> Result<(Vec<LevelCells>, RootCells), Error>;
}

impl MerkleInstructions for MerkleConfig {
    fn assign_levels(
        &self,
        layouter: &mut impl Layouter<Fp>,
        levels: &[Value<LevelValues>],
        instance: Column<Instance>,
        license_row: usize,
        tamper: &Tampering,
    ) -> Result<(Vec<LevelCells>, RootCells), Error> {
        let cols = self.cols;
        let depth = levels.len() - 1;
        layouter.assign_region(
            || "merkle paths",
            |mut region| {
                let mut out = Vec::with_capacity(depth);
                for (l, lv) in levels.iter().enumerate().take(depth) {
                    self.q_level.enable(&mut region, l)?;
                    if l == 0 {
                        self.q_empty.enable(&mut region, 0)?;
                    }
                    let z = if l == 0 {
                        region.assign_advice_from_instance(
                            || "license id",
                            instance,
                            license_row,
                            cols[col::Z],
                            0,
                        )?
                    } else {
                        region.assign_advice(
                            || "z",
                            cols[col::Z],
                            l,
                            || tamper.apply(Site::IndexAcc { level: l }, lv.map(|v| v.z)),
                        )?
                    };
                    let bit = lv.map(|v| v.bit);
                    let reg_cur = lv.map(|v| v.reg_cur);
                    let reg_sib =
                        tamper.apply(Site::RegistrySibling { level: l }, lv.map(|v| v.reg_sib));
                    let ex_cur = lv.map(|v| v.ex_cur);
                    let ex_sib =
                        tamper.apply(Site::ExclusionSibling { level: l }, lv.map(|v| v.ex_sib));
                    let sel = |b: Value<bool>, x: Value<Fp>, y: Value<Fp>| {
                        b.zip(x.zip(y)).map(|(b, (x, y))| if b { y } else { x })
                    };
                    let reg_l =
                        tamper.apply(Site::RegistryLeft { level: l }, sel(bit, reg_cur, reg_sib));
                    let reg_r = sel(bit, reg_sib, reg_cur);
                    let ex_l = sel(bit, ex_cur, ex_sib);
                    let ex_r = sel(bit, ex_sib, ex_cur);
                    let a = |region: &mut halo2_proofs::circuit::Region<'_, Fp>,
                             i: usize,
                             v: Value<Fp>| {
                        region.assign_advice(|| "merkle", cols[i], l, || v)
                    };
                    let reg_cur = a(&mut region, col::REG_CUR, reg_cur)?;
                    a(&mut region, col::REG_SIB, reg_sib)?;
                    let reg_left = a(&mut region, col::REG_LEFT, reg_l)?;
                    let reg_right = a(&mut region, col::REG_RIGHT, reg_r)?;
                    let ex_cur = a(&mut region, col::EX_CUR, ex_cur)?;
                    a(&mut region, col::EX_SIB, ex_sib)?;
                    let ex_left = a(&mut region, col::EX_LEFT, ex_l)?;
                    let ex_right = a(&mut region, col::EX_RIGHT, ex_r)?;
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
                region.assign_advice_from_constant(|| "z = 0", cols[col::Z], depth, Fp::ZERO)?;
                let top = levels[depth];
                let registry = region.assign_advice(
                    || "registry root",
                    cols[col::REG_CUR],
                    depth,
                    || top.map(|v| v.reg_cur),
                )?;
                let exclusion = region.assign_advice(
                    || "exclusion root",
                    cols[col::EX_CUR],
                    depth,
                    || top.map(|v| v.ex_cur),
                )?;
                Ok((
                    out,
                    RootCells {
                        registry,
                        exclusion,
                    },
                ))
            },
        )
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

/// Hashes both paths level by level with `hash` and links every node to
/// the next level's `cur` cell (the last ones to the root cells):
/// `cur_(l+1) = H(tag; left_l, right_l)`. The registry leaf itself is
/// linked by the caller.
pub fn hash_paths(
    hash: &mut impl CompressInstructions,
    levels: &[LevelCells],
    roots: &RootCells,
    tags: NodeTags<'_>,
) {
    for (l, level) in levels.iter().enumerate() {
        let reg = hash.compress(
            &Word::from(&level.reg_left),
            &Word::from(&level.reg_right),
            tags.registry,
        );
        let ex = hash.compress(
            &Word::from(&level.ex_left),
            &Word::from(&level.ex_right),
            tags.exclusion,
        );
        let (reg_next, ex_next) = match levels.get(l + 1) {
            Some(next) => (&next.reg_cur, &next.ex_cur),
            None => (&roots.registry, &roots.exclusion),
        };
        hash.constrain_equal(&reg, reg_next);
        hash.constrain_equal(&ex, ex_next);
    }
}
