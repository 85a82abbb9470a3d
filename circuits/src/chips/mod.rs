//! Chips of the eligibility circuit.
//!
//! * [`pack`]: outcome codes, packing into words, counting, and range checks
//!   (the same base-3 limb gate serves both);
//! * [`threshold`]: the participation inequality and the claim context cell;
//! * [`merkle`]: the two tree paths sharing the license-index bits;
//! * [`hash`]: the hash instruction ([`hash::CompressInstructions`]) and
//!   its chip, Poseidon permutations over lanes side by side that share
//!   their round constants.
//!
//! Every copy link and pin of the circuit is named by a [`Link`]; every
//! assigned value a soundness test may replace is named by a [`Site`].
//! Replacing values takes the `test-dependencies` feature: in other builds
//! [`Tampering`] is empty and cannot be filled.

use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Region, Value},
    plonk::{Advice, Column, Error, Instance},
};
use pasta_curves::Fp;

use crate::mutation::link_on;

pub mod hash;
pub mod merkle;
pub mod pack;
pub mod threshold;

/// A range check of the threshold row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeCheck {
    /// The margin `executed * den - assigned * num - 1` (non-negative
    /// exactly when participation is strictly over the threshold).
    Margin,
    /// `num - 1`.
    NumMinusOne,
    /// `den - num`.
    DenMinusNum,
}

impl RangeCheck {
    /// Every range check, in the order the circuit lays them out.
    pub const ALL: [RangeCheck; 3] = [
        RangeCheck::Margin,
        RangeCheck::NumMinusOne,
        RangeCheck::DenMinusNum,
    ];

    /// The checked expression, as region names show it.
    pub fn name(self) -> &'static str {
        match self {
            RangeCheck::Margin => "executed * den - assigned * num - 1",
            RangeCheck::NumMinusOne => "num - 1",
            RangeCheck::DenMinusNum => "den - num",
        }
    }
}

/// A copy link or pin: an equality of two cells, of a cell and a constant,
/// or of a cell and a public input, enforced by the permutation argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Link {
    /// The log's domain tag cell equals [`crate::poseidon::Tag::Log`].
    TagLog,
    /// The registry-leaf tag cell equals its constant.
    TagRegistryLeaf,
    /// The registry-node tag cell equals its constant.
    TagRegistryNode,
    /// The exclusion-node tag cell equals its constant.
    TagExclusionNode,
    /// The zero cell (padding of an odd number of words) equals 0.
    Zero,
    /// The assigned count starts at 0.
    AssignedStart,
    /// The executed count starts at 0.
    ExecutedStart,
    /// A lane of the last row group that holds no word folds to 0.
    EmptyLane,
    /// The index accumulator ends at 0 (`license_id < 2^depth`).
    IndexEnd,
    /// The index accumulator starts at the public license id.
    LicenseId,
    /// The threshold row's numerator is the public one.
    ThresholdNum,
    /// The threshold row's denominator is the public one.
    ThresholdDen,
    /// The threshold row's claim context is the public one.
    ClaimContext,
    /// The computed registry root is the public one.
    RegistryRoot,
    /// The computed exclusion root is the public one.
    ExclusionRoot,
    /// The threshold row's assigned count is the log's final count.
    ThresholdAssigned,
    /// The threshold row's executed count is the log's final count.
    ThresholdExecuted,
    /// A range check checks the threshold row's cell.
    Range(RangeCheck),
    /// The log chain's first block reads the log tag cell.
    LogTag,
    /// The log chain reads the packed words.
    LogWord,
    /// Each block of the log chain reads the previous block's output.
    ChainLink,
    /// The log chain's odd last block reads the zero cell.
    ChainPad,
    /// The registry leaf hash reads the license index.
    LeafIndex,
    /// The registry leaf hash reads the log commitment.
    LeafCommitment,
    /// The registry leaf hash reads the leaf tag cell.
    LeafTag,
    /// The registry path starts at the computed leaf.
    LeafToPath,
    /// A registry node hash reads the level's left cell.
    RegistryLeft,
    /// A registry node hash reads the level's right cell.
    RegistryRight,
    /// A registry node hash reads the node tag cell.
    RegistryTag,
    /// A registry node hash is the next level's current node (or the root).
    RegistryNode,
    /// An exclusion node hash reads the level's left cell.
    ExclusionLeft,
    /// An exclusion node hash reads the level's right cell.
    ExclusionRight,
    /// An exclusion node hash reads the node tag cell.
    ExclusionTag,
    /// An exclusion node hash is the next level's current node (or the
    /// root).
    ExclusionNode,
}

impl Link {
    /// Every link and pin of the circuit.
    pub const ALL: [Link; 36] = [
        Link::TagLog,
        Link::TagRegistryLeaf,
        Link::TagRegistryNode,
        Link::TagExclusionNode,
        Link::Zero,
        Link::AssignedStart,
        Link::ExecutedStart,
        Link::EmptyLane,
        Link::IndexEnd,
        Link::LicenseId,
        Link::ThresholdNum,
        Link::ThresholdDen,
        Link::ClaimContext,
        Link::RegistryRoot,
        Link::ExclusionRoot,
        Link::ThresholdAssigned,
        Link::ThresholdExecuted,
        Link::Range(RangeCheck::Margin),
        Link::Range(RangeCheck::NumMinusOne),
        Link::Range(RangeCheck::DenMinusNum),
        Link::LogTag,
        Link::LogWord,
        Link::ChainLink,
        Link::ChainPad,
        Link::LeafIndex,
        Link::LeafCommitment,
        Link::LeafTag,
        Link::LeafToPath,
        Link::RegistryLeft,
        Link::RegistryRight,
        Link::RegistryTag,
        Link::RegistryNode,
        Link::ExclusionLeft,
        Link::ExclusionRight,
        Link::ExclusionTag,
        Link::ExclusionNode,
    ];

    /// A short name (the variant's).
    pub fn name(self) -> String {
        format!("{self:?}")
    }
}

/// An assigned value a soundness test may replace. The honest witness
/// builder computes every later value from the replaced one, so a test can
/// state a consistent lie by replacing a few values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// Outcome code of task slot `index` (slots past the capacity are the
    /// padding of the last row group).
    Code {
        /// Task slot.
        index: usize,
    },
    /// Packing accumulator of lane `lane` on log row `row` (1-based; a
    /// word ends every [`pack::ROWS_PER_WORD`] rows).
    PackAcc {
        /// Lane.
        lane: usize,
        /// Log row.
        row: usize,
    },
    /// Running assigned count on log row `row` (1-based; row 0 is the
    /// pinned start, [`Link::AssignedStart`]).
    Assigned {
        /// Log row.
        row: usize,
    },
    /// Running executed count on log row `row` (1-based).
    Executed {
        /// Log row.
        row: usize,
    },
    /// The threshold row's cell holding a range-checked value.
    Checked(RangeCheck),
    /// Limb `index` (most significant first) of a range check.
    RangeLimb {
        /// The range check.
        check: RangeCheck,
        /// Limb index.
        index: usize,
    },
    /// The square of the claim context.
    ClaimContextSquare,
    /// Index accumulator `z` at Merkle level `level` (1..=depth; level 0
    /// is the public license id, [`Link::LicenseId`]).
    IndexAcc {
        /// Level.
        level: usize,
    },
    /// Current registry node at `level` (the leaf at 0, the root at depth).
    RegistryCur {
        /// Level.
        level: usize,
    },
    /// Registry sibling at `level`.
    RegistrySibling {
        /// Level.
        level: usize,
    },
    /// Left input of the registry node hash at `level`, as the Merkle row
    /// holds it.
    RegistryLeft {
        /// Level.
        level: usize,
    },
    /// Right input of the registry node hash at `level`.
    RegistryRight {
        /// Level.
        level: usize,
    },
    /// Current exclusion node at `level` (the leaf at 0).
    ExclusionCur {
        /// Level.
        level: usize,
    },
    /// Exclusion sibling at `level`.
    ExclusionSibling {
        /// Level.
        level: usize,
    },
    /// Left input of the exclusion node hash at `level`.
    ExclusionLeft {
        /// Level.
        level: usize,
    },
    /// Right input of the exclusion node hash at `level`.
    ExclusionRight {
        /// Level.
        level: usize,
    },
    /// The value received over occurrence `occurrence` of a link or pin
    /// (in the order the circuit makes them): the cell at the link's far
    /// end, the pinned cell, or the cell that copies a public input.
    Link {
        /// The link.
        link: Link,
        /// Its occurrence.
        occurrence: usize,
    },
    /// An error added to round equation `equation` on row `row` of hash
    /// permutation `permutation` (in scheduling order). A full-round row
    /// has equations 0..3 (one per state word); a partial-round row has
    /// the first round's (0) and the second round's three (1..=3).
    HashRound {
        /// The permutation.
        permutation: usize,
        /// Its row (0..PERMUTE_ROWS - 1).
        row: usize,
        /// The equation.
        equation: usize,
    },
}

/// Replaced values (soundness tests only; with the `test-dependencies`
/// feature). Honest proofs use the empty default.
#[derive(Clone, Debug, Default)]
pub struct Tampering {
    #[cfg(feature = "test-dependencies")]
    replaced: Vec<(Site, Fp)>,
}

#[cfg(feature = "test-dependencies")]
impl Tampering {
    /// Replaces the value at `site` (a later replacement wins).
    pub fn push(&mut self, site: Site, value: Fp) {
        self.replaced.push((site, value));
    }
    /// Whether nothing is replaced.
    pub fn is_empty(&self) -> bool {
        self.replaced.is_empty()
    }
}

impl Tampering {
    /// The value to assign at `site`: the replacement if any, else `honest`.
    #[inline(always)]
    pub(crate) fn apply(&self, site: Site, honest: Value<Fp>) -> Value<Fp> {
        #[cfg(feature = "test-dependencies")]
        if let Some((_, v)) = self.replaced.iter().rev().find(|(s, _)| *s == site) {
            return honest.map(|_| *v);
        }
        let _ = site;
        honest
    }

    /// The value to assign at `site` when no honest value is defined (an
    /// error term): the replacement if any, else zero.
    #[inline(always)]
    pub(crate) fn error(&self, site: Site) -> Fp {
        #[cfg(feature = "test-dependencies")]
        if let Some((_, v)) = self.replaced.iter().rev().find(|(s, _)| *s == site) {
            return *v;
        }
        let _ = site;
        <Fp as ff::Field>::ZERO
    }

    /// Whether any round error is set (lets the hash chip skip the lookups
    /// of honest proofs).
    #[inline(always)]
    pub(crate) fn has_round_errors(&self) -> bool {
        #[cfg(feature = "test-dependencies")]
        {
            self.replaced
                .iter()
                .any(|(s, _)| matches!(s, Site::HashRound { .. }))
        }
        #[cfg(not(feature = "test-dependencies"))]
        {
            false
        }
    }
}

/// Copies `cell` to `(column, offset)` of `region` over occurrence
/// `occurrence` of `link` (the link is left out when its switch is off).
pub(crate) fn copy_cell(
    region: &mut Region<'_, Fp>,
    tamper: &Tampering,
    link: Link,
    occurrence: usize,
    cell: &AssignedCell<Fp, Fp>,
    column: Column<Advice>,
    offset: usize,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let value = tamper.apply(Site::Link { link, occurrence }, cell.value().copied());
    let copy = region.assign_advice(|| link_annotation(link), column, offset, || value)?;
    if link_on(link) {
        region.constrain_equal(cell.cell(), copy.cell())?;
    }
    Ok(copy)
}

/// Assigns `constant` to `(column, offset)`, pinned by `link`.
pub(crate) fn pin_cell(
    region: &mut Region<'_, Fp>,
    tamper: &Tampering,
    link: Link,
    occurrence: usize,
    constant: Fp,
    column: Column<Advice>,
    offset: usize,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let value = tamper.apply(Site::Link { link, occurrence }, Value::known(constant));
    let cell = region.assign_advice(|| link_annotation(link), column, offset, || value)?;
    if link_on(link) {
        region.constrain_constant(cell.cell(), constant)?;
    }
    Ok(cell)
}

/// Assigns public input `row` of `instance` to `(column, offset)`; the
/// caller links the cell with [`link_instance`] (a region cannot).
#[allow(clippy::too_many_arguments)]
pub(crate) fn instance_cell(
    region: &mut Region<'_, Fp>,
    tamper: &Tampering,
    link: Link,
    instance: Column<Instance>,
    row: usize,
    column: Column<Advice>,
    offset: usize,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let value = tamper.apply(
        Site::Link {
            link,
            occurrence: 0,
        },
        region.instance_value(instance, row)?,
    );
    region.assign_advice(|| link_annotation(link), column, offset, || value)
}

/// Requires `cell` to equal public input `row` unless `link` is off.
pub(crate) fn link_instance(
    layouter: &mut impl Layouter<Fp>,
    link: Link,
    cell: &AssignedCell<Fp, Fp>,
    instance: Column<Instance>,
    row: usize,
) -> Result<(), Error> {
    if link_on(link) {
        layouter.constrain_instance(cell.cell(), instance, row)?;
    }
    Ok(())
}

fn link_annotation(link: Link) -> String {
    link.name()
}
