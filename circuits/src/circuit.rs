//! The eligibility circuit.
//!
//! Public inputs (one instance column, offsets below): registry root,
//! exclusion root, license id, threshold numerator and denominator, claim
//! context. Private witness: the outcome codes, the salt, the detail digest,
//! the registry path and the exclusion path (plus the exclusion leaf, which
//! the circuit forces to be empty).

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance as InstanceColumn},
};
use pasta_curves::Fp;

pub use crate::chips::Site;
use crate::chips::{
    hash::{chain, CompressInstructions, HashChip, HashConfig, Word},
    merkle::{hash_paths, LevelValues, MerkleConfig, MerkleInstructions, NodeTags, MERKLE_COLUMNS},
    pack::{MainColumns, PackConfig},
    threshold::{InstanceRows, ThresholdConfig, DIFF_LIMBS, SMALL_LIMBS, THRESHOLD_COLUMNS},
    Tampering,
};
use crate::layout::POSEIDON_LANES;
use crate::native::{self, registry_leaf, root_from_path, Shape, StatementError, Threshold};
use crate::poseidon::{hash2, Tag};

/// Offset of the registry root in the instance column.
pub const REGISTRY_ROOT: usize = 0;
/// Offset of the exclusion root.
pub const EXCLUSION_ROOT: usize = 1;
/// Offset of the license id.
pub const LICENSE_ID: usize = 2;
/// Offset of the threshold numerator.
pub const THRESHOLD_NUM: usize = 3;
/// Offset of the threshold denominator.
pub const THRESHOLD_DEN: usize = 4;
/// Offset of the claim context.
pub const CLAIM_CTX: usize = 5;
/// Number of public inputs.
pub const INSTANCE_LEN: usize = 6;

/// Cells of the constants region: four domain tags and zero.
const CONSTANT_CELLS: usize = 5;

/// Number of main columns that take part in copy constraints.
const EQUALITY_COLUMNS: usize = if THRESHOLD_COLUMNS > MERKLE_COLUMNS {
    THRESHOLD_COLUMNS
} else {
    MERKLE_COLUMNS
};

/// The public inputs of one proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Root of the registry tree.
    pub registry_root: Fp,
    /// Root of the exclusion tree.
    pub exclusion_root: Fp,
    /// License index in both trees.
    pub license_id: u64,
    /// Participation threshold.
    pub threshold: Threshold,
    /// Hash of the claim context.
    pub claim_ctx: Fp,
}

impl Instance {
    /// A validated instance for `shape`.
    pub fn new(
        shape: &Shape,
        registry_root: Fp,
        exclusion_root: Fp,
        license_id: u64,
        threshold: Threshold,
        claim_ctx: Fp,
    ) -> Result<Self, StatementError> {
        shape.check_license(license_id)?;
        Ok(Instance {
            registry_root,
            exclusion_root,
            license_id,
            threshold,
            claim_ctx,
        })
    }

    /// The instance column, in offset order.
    pub fn to_column(&self) -> Vec<Fp> {
        let mut v = vec![Fp::ZERO; INSTANCE_LEN];
        v[REGISTRY_ROOT] = self.registry_root;
        v[EXCLUSION_ROOT] = self.exclusion_root;
        v[LICENSE_ID] = Fp::from(self.license_id);
        v[THRESHOLD_NUM] = Fp::from(self.threshold.num());
        v[THRESHOLD_DEN] = Fp::from(self.threshold.den());
        v[CLAIM_CTX] = self.claim_ctx;
        v
    }
}

/// The private witness of one proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// License index (must equal the instance's).
    pub license_id: u64,
    /// Outcome codes, one per task slot (`capacity` entries; `u64` so that
    /// tests can feed malformed codes).
    pub codes: Vec<u64>,
    /// Salt of the log commitment.
    pub salt: Fp,
    /// Digest of the task details.
    pub detail_digest: Fp,
    /// Registry siblings, leaf level first.
    pub registry_path: Vec<Fp>,
    /// The exclusion tree's leaf at the license index (empty for an
    /// eligible license).
    pub exclusion_leaf: Fp,
    /// Exclusion siblings, leaf level first.
    pub exclusion_path: Vec<Fp>,
}

impl Witness {
    /// The log commitment this witness opens.
    pub fn commitment(&self) -> Fp {
        native::log_commitment_from_codes(self.salt, self.detail_digest, &self.codes)
    }

    /// The registry root this witness hashes to.
    pub fn registry_root(&self) -> Fp {
        root_from_path(
            Tag::RegistryNode,
            registry_leaf(self.license_id, self.commitment()),
            self.license_id,
            &self.registry_path,
        )
    }

    /// The exclusion root this witness hashes to.
    pub fn exclusion_root(&self) -> Fp {
        root_from_path(
            Tag::ExclusionNode,
            self.exclusion_leaf,
            self.license_id,
            &self.exclusion_path,
        )
    }

    fn levels(&self, depth: usize) -> Vec<LevelValues> {
        let mut reg = registry_leaf(self.license_id, self.commitment());
        let mut ex = self.exclusion_leaf;
        let mut out = Vec::with_capacity(depth + 1);
        for l in 0..=depth {
            let z = if l < 64 { self.license_id >> l } else { 0 };
            let bit = l < 64 && (self.license_id >> l) & 1 == 1;
            let reg_sib = self.registry_path.get(l).copied().unwrap_or(Fp::ZERO);
            let ex_sib = self.exclusion_path.get(l).copied().unwrap_or(Fp::ZERO);
            out.push(LevelValues {
                z: Fp::from(z),
                reg_cur: reg,
                reg_sib,
                ex_cur: ex,
                ex_sib,
                bit,
            });
            if l < depth {
                let (rl, rr) = if bit { (reg_sib, reg) } else { (reg, reg_sib) };
                reg = hash2(Tag::RegistryNode, rl, rr);
                let (el, er) = if bit { (ex_sib, ex) } else { (ex, ex_sib) };
                ex = hash2(Tag::ExclusionNode, el, er);
            }
        }
        out
    }
}

/// Configuration of the eligibility circuit.
#[derive(Clone, Debug)]
pub struct EligibilityConfig {
    main: MainColumns,
    instance: Column<InstanceColumn>,
    constants: Column<Fixed>,
    pack: PackConfig,
    threshold: ThresholdConfig,
    merkle: MerkleConfig,
    hash: HashConfig,
}

impl EligibilityConfig {
    /// The fixed column holding the circuit's constants (what a floor
    /// planner needs to synthesize the circuit outside a prover).
    pub fn constants(&self) -> Column<Fixed> {
        self.constants
    }
}

/// The eligibility circuit for one shape.
#[derive(Clone, Debug)]
pub struct EligibilityCircuit {
    shape: Shape,
    witness: Option<Witness>,
    tamper: Tampering,
}

impl EligibilityCircuit {
    /// A circuit without witness (for key generation).
    pub fn blank(shape: Shape) -> Self {
        EligibilityCircuit {
            shape,
            witness: None,
            tamper: Tampering::default(),
        }
    }

    /// A circuit with a witness; checks its dimensions against the shape.
    pub fn new(shape: Shape, witness: Witness) -> Result<Self, StatementError> {
        if witness.codes.len() != shape.capacity() {
            return Err(StatementError::TooManyTasks(
                witness.codes.len(),
                shape.capacity(),
            ));
        }
        let depth = shape.depth();
        for path in [&witness.registry_path, &witness.exclusion_path] {
            if path.len() != depth as usize {
                return Err(StatementError::BadPathLength(path.len(), depth));
            }
        }
        shape.check_license(witness.license_id)?;
        Ok(EligibilityCircuit {
            shape,
            witness: Some(witness),
            tamper: Tampering::default(),
        })
    }

    /// Overwrites one assigned cell (soundness tests only).
    #[doc(hidden)]
    pub fn tamper(mut self, site: Site, value: Fp) -> Self {
        self.tamper.push(site, value);
        self
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    fn value<T>(&self, f: impl FnOnce(&Witness) -> T) -> Value<T> {
        match &self.witness {
            Some(w) => Value::known(f(w)),
            None => Value::unknown(),
        }
    }
}

impl Circuit<Fp> for EligibilityCircuit {
    type Config = EligibilityConfig;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        EligibilityCircuit::blank(self.shape)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        let main = MainColumns::configure(meta);
        for col in main.general::<EQUALITY_COLUMNS>() {
            meta.enable_equality(col);
        }
        for lane in &main.lanes {
            meta.enable_equality(lane.acc);
        }
        meta.enable_equality(main.assigned);
        meta.enable_equality(main.executed);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants: Column<Fixed> = meta.fixed_column();
        meta.enable_constant(constants);

        let pack = PackConfig::configure(meta, main);
        let threshold = ThresholdConfig::configure(meta, main.general());
        let merkle = MerkleConfig::configure(meta, main.general());
        let hash = HashConfig::configure(meta, POSEIDON_LANES);
        EligibilityConfig {
            main,
            instance,
            constants,
            pack,
            threshold,
            merkle,
            hash,
        }
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let shape = self.shape;
        let depth = shape.depth() as usize;
        let main = config.main;
        let general: [Column<Advice>; CONSTANT_CELLS] = main.general();

        // Domain tags and zero, fixed by the constants column.
        let tags = layouter.assign_region(
            || "constants",
            |mut region| {
                let mut cell = |i: usize, v: Fp| {
                    region.assign_advice_from_constant(|| "constant", general[i], 0, v)
                };
                Ok([
                    cell(0, Tag::Log.value())?,
                    cell(1, Tag::RegistryLeaf.value())?,
                    cell(2, Tag::RegistryNode.value())?,
                    cell(3, Tag::ExclusionNode.value())?,
                    cell(4, Fp::ZERO)?,
                ])
            },
        )?;
        let [tag_log, tag_leaf, tag_reg_node, tag_ex_node, zero] = tags;

        // Private header of the log commitment.
        let (salt, detail) = layouter.assign_region(
            || "log header",
            |mut region| {
                let salt =
                    region.assign_advice(|| "salt", general[0], 0, || self.value(|w| w.salt))?;
                let detail = region.assign_advice(
                    || "detail digest",
                    general[1],
                    0,
                    || self.value(|w| w.detail_digest),
                )?;
                Ok((salt, detail))
            },
        )?;

        // Outcome codes: well-formed, packed, counted.
        let codes: Vec<Value<Fp>> = (0..shape.capacity())
            .map(|i| self.value(|w| Fp::from(w.codes[i])))
            .collect();
        let log = config
            .pack
            .assign_log(&mut layouter, &codes, shape.words(), &self.tamper)?;

        // Threshold inequality and claim context.
        let thr = config.threshold.assign(
            &mut layouter,
            &log.assigned,
            &log.executed,
            config.instance,
            InstanceRows {
                num: THRESHOLD_NUM,
                den: THRESHOLD_DEN,
                ctx: CLAIM_CTX,
            },
            &self.tamper,
        )?;
        config.pack.range_check(
            &mut layouter,
            "executed * den - assigned * num",
            &thr.diff,
            DIFF_LIMBS,
            &self.tamper,
            Some(|index| Site::DiffLimb { index }),
        )?;
        for (name, cell) in [
            ("assigned - 1", &thr.assigned_m1),
            ("num - 1", &thr.num_m1),
            ("den - 1", &thr.den_m1),
            ("den - num", &thr.den_m_num),
        ] {
            config
                .pack
                .range_check(&mut layouter, name, cell, SMALL_LIMBS, &self.tamper, None)?;
        }

        // Tree paths.
        let levels: Vec<Value<LevelValues>> = match &self.witness {
            Some(w) => w.levels(depth).into_iter().map(Value::known).collect(),
            None => vec![Value::unknown(); depth + 1],
        };
        let (cells, roots) = config.merkle.assign_levels(
            &mut layouter,
            &levels,
            config.instance,
            LICENSE_ID,
            &self.tamper,
        )?;
        layouter.constrain_instance(roots.registry.cell(), config.instance, REGISTRY_ROOT)?;
        layouter.constrain_instance(roots.exclusion.cell(), config.instance, EXCLUSION_ROOT)?;

        // Hashes: log commitment chain, registry leaf, tree nodes.
        let mut hash = HashChip::construct(&config.hash);
        let words: Vec<Word> = log.words.iter().map(Word::from).collect();
        let commitment = chain(
            &mut hash,
            &Word::from(&tag_log),
            [&Word::from(&salt), &Word::from(&detail)],
            &words,
            &Word::from(&zero),
        );
        let leaf = hash.compress(
            &Word::from(&cells[0].z),
            &commitment,
            &Word::from(&tag_leaf),
        );
        hash.constrain_equal(&leaf, &cells[0].reg_cur);
        hash_paths(
            &mut hash,
            &cells,
            &roots,
            NodeTags {
                registry: &Word::from(&tag_reg_node),
                exclusion: &Word::from(&tag_ex_node),
            },
        );
        hash.lay_out(&mut layouter)?;
        Ok(())
    }
}
