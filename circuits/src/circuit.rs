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

use crate::chips::{
    hash::{chain, CompressInstructions, HashChip, HashConfig, Input, Word},
    link_instance,
    merkle::{
        link_paths, schedule_paths, MerkleConfig, MerkleInstructions, NodeTags, PathInputs,
        MERKLE_COLUMNS,
    },
    pack::{MainColumns, PackConfig},
    pin_cell,
    threshold::{InstanceRows, ThresholdConfig, MARGIN_LIMBS, SMALL_LIMBS, THRESHOLD_COLUMNS},
    Link, RangeCheck, Site, Tampering,
};
use crate::layout::POSEIDON_LANES;
use crate::native::{self, registry_leaf, root_from_path, Code, Shape, StatementError, Threshold};
use crate::poseidon::Tag;

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

/// The pinned cells of the constants region, in column order.
const CONSTANTS: [(Link, Option<Tag>); CONSTANT_CELLS] = [
    (Link::TagLog, Some(Tag::Log)),
    (Link::TagRegistryLeaf, Some(Tag::RegistryLeaf)),
    (Link::TagRegistryNode, Some(Tag::RegistryNode)),
    (Link::TagExclusionNode, Some(Tag::ExclusionNode)),
    (Link::Zero, None),
];

/// Number of main columns that take part in copy constraints.
const EQUALITY_COLUMNS: usize = if THRESHOLD_COLUMNS > MERKLE_COLUMNS {
    THRESHOLD_COLUMNS
} else {
    MERKLE_COLUMNS
};

/// The public inputs of one proof (built by [`Instance::new`], which
/// checks the license index against the shape).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    registry_root: Fp,
    exclusion_root: Fp,
    license_id: u64,
    threshold: Threshold,
    claim_ctx: Fp,
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

    /// Root of the registry tree.
    pub fn registry_root(&self) -> Fp {
        self.registry_root
    }

    /// Root of the exclusion tree.
    pub fn exclusion_root(&self) -> Fp {
        self.exclusion_root
    }

    /// License index in both trees.
    pub fn license_id(&self) -> u64 {
        self.license_id
    }

    /// Participation threshold.
    pub fn threshold(&self) -> Threshold {
        self.threshold
    }

    /// Hash of the claim context.
    pub fn claim_ctx(&self) -> Fp {
        self.claim_ctx
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
    /// Outcome codes, one per task slot (`capacity` entries).
    pub codes: Vec<Code>,
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

    /// Replaces the value at `site`; later values follow from it (soundness
    /// tests only).
    #[cfg(feature = "test-dependencies")]
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
        let tamper = &self.tamper;

        // Domain tags and zero, pinned by the constants column.
        let constants = layouter.assign_region(
            || "constants",
            |mut region| {
                let mut cells = Vec::with_capacity(CONSTANT_CELLS);
                for (i, (link, tag)) in CONSTANTS.iter().enumerate() {
                    let value = tag.map_or(Fp::ZERO, Tag::value);
                    cells.push(pin_cell(
                        &mut region,
                        tamper,
                        *link,
                        0,
                        value,
                        general[i],
                        0,
                    )?);
                }
                Ok(cells)
            },
        )?;
        let [tag_log, tag_leaf, tag_reg_node, tag_ex_node, zero] =
            core::array::from_fn(|i| Word::from(&constants[i]));

        // Outcome codes: well-formed, packed, counted.
        let codes: Vec<Value<Fp>> = (0..shape.capacity())
            .map(|i| self.value(|w| w.codes[i].value()))
            .collect();
        let log = config
            .pack
            .assign_log(&mut layouter, &codes, shape.words(), tamper)?;

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
            tamper,
        )?;
        for check in RangeCheck::ALL {
            let limbs = match check {
                RangeCheck::Margin => MARGIN_LIMBS,
                _ => SMALL_LIMBS,
            };
            config
                .pack
                .range_check(&mut layouter, check, thr.checked(check), limbs, tamper)?;
        }

        // Hashes: the log commitment chain over the private header and
        // the words, then the registry leaf.
        let mut hash = HashChip::construct(&config.hash, tamper);
        let words: Vec<Word> = log.words.iter().map(Word::from).collect();
        let commitment = chain(
            &mut hash,
            &tag_log,
            [self.value(|w| w.salt), self.value(|w| w.detail_digest)],
            &words,
            &zero,
        );
        let license_id = self.value(|w| w.license_id);
        let index = tamper.apply(
            Site::Link {
                link: Link::LicenseId,
                occurrence: 0,
            },
            license_id.map(Fp::from),
        );
        let leaf = hash.compress([
            Input::Deferred(index, Link::LeafIndex),
            Input::Copy(&commitment, Link::LeafCommitment),
            Input::Copy(&tag_leaf, Link::LeafTag),
        ]);

        // Tree paths: values from the leaves up, node hashes scheduled,
        // rows assigned, then bound to the hashes.
        let registry_path: Vec<Value<Fp>> = (0..depth)
            .map(|l| self.value(|w| w.registry_path[l]))
            .collect();
        let exclusion_path: Vec<Value<Fp>> = (0..depth)
            .map(|l| self.value(|w| w.exclusion_path[l]))
            .collect();
        let paths = schedule_paths(
            &mut hash,
            PathInputs {
                license_id,
                index,
                registry_leaf: &leaf,
                exclusion_leaf: self.value(|w| w.exclusion_leaf),
                registry_path: &registry_path,
                exclusion_path: &exclusion_path,
            },
            NodeTags {
                registry: &tag_reg_node,
                exclusion: &tag_ex_node,
            },
            tamper,
        );
        let (cells, roots) = config.merkle.assign_levels(
            &mut layouter,
            &paths.levels,
            config.instance,
            LICENSE_ID,
            tamper,
        )?;
        link_instance(
            &mut layouter,
            Link::RegistryRoot,
            &roots.registry,
            config.instance,
            REGISTRY_ROOT,
        )?;
        link_instance(
            &mut layouter,
            Link::ExclusionRoot,
            &roots.exclusion,
            config.instance,
            EXCLUSION_ROOT,
        )?;
        hash.bind(&leaf, 0, &cells[0].z);
        hash.constrain_equal(&leaf, &cells[0].reg_cur, Link::LeafToPath);
        link_paths(&mut hash, &paths, &cells, &roots);
        hash.lay_out(&mut layouter)?;
        Ok(())
    }
}
