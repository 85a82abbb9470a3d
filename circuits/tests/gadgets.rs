//! Each gadget in a circuit of its own, compared with the native
//! computation through the instance column.

use eligo_circuits::chips::hash::{CompressInstructions, HashChip, HashConfig, Input, Word};
use eligo_circuits::chips::pack::{MainColumns, PackConfig, LANE_WIDTH, ROW_RADIX};
use eligo_circuits::chips::{Link, RangeCheck, Tampering};
use eligo_circuits::layout::LANES;
use eligo_circuits::native::{count, pack_words, Code, TaskEntry, CODES_PER_WORD};
use eligo_circuits::poseidon::compress;
use eligo_circuits::{Fp, Outcome};
use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::MockProver,
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const K: u32 = 9;
/// Chained permutations of the hash gadget test (more than its lanes).
const OUTPUTS: usize = 3;

#[derive(Clone, Debug)]
struct HashCircuit {
    inputs: [Value<Fp>; 3],
}

impl Circuit<Fp> for HashCircuit {
    type Config = (HashConfig, MainColumns, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    fn without_witnesses(&self) -> Self {
        HashCircuit {
            inputs: [Value::unknown(); 3],
        }
    }
    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        let main = main_columns(meta);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        (HashConfig::configure(meta, 2), main, instance)
    }
    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let (hash, main, instance) = config;
        let (cells, expected) = layouter.assign_region(
            || "inputs",
            |mut region| {
                let mut out = vec![];
                for (i, v) in self.inputs.iter().enumerate() {
                    out.push(region.assign_advice(|| "in", main.lanes[0].codes[i], 0, || *v)?);
                }
                let expected = (0..OUTPUTS)
                    .map(|i| {
                        region.assign_advice_from_instance(
                            || "expected",
                            instance,
                            i,
                            main.lanes[1].codes[i],
                            0,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((out, expected))
            },
        )?;
        let mut chip = HashChip::construct(&hash, &Tampering::default());
        let w: Vec<Word> = cells.iter().map(Word::from).collect();
        fn copy(w: &Word) -> Input<'_> {
            Input::Copy(w, Link::LogWord)
        }
        // Chained calls over both lanes and into a second slot.
        let mut h = chip.compress([copy(&w[0]), copy(&w[1]), copy(&w[2])]);
        chip.constrain_equal(&h, &expected[0], Link::ChainLink);
        for e in &expected[1..] {
            let prev = h;
            h = chip.compress([copy(&prev), copy(&w[1]), copy(&w[0])]);
            chip.constrain_equal(&h, e, Link::ChainLink);
        }
        chip.lay_out(&mut layouter)
    }
}

fn main_columns(meta: &mut ConstraintSystem<Fp>) -> MainColumns {
    let main = MainColumns::configure(meta);
    for lane in &main.lanes {
        for c in lane.codes.iter().chain([&lane.acc]) {
            meta.enable_equality(*c);
        }
    }
    meta.enable_equality(main.assigned);
    meta.enable_equality(main.executed);
    let constants = meta.fixed_column();
    meta.enable_constant(constants);
    main
}

#[test]
fn hash_gadget_matches_native() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for _ in 0..3 {
        let [a, b, c] = [(); 3].map(|_| Fp::random(&mut rng));
        let mut outputs = vec![compress(a, b, c)];
        for _ in 1..OUTPUTS {
            let h = *outputs.last().unwrap();
            outputs.push(compress(h, b, a));
        }
        let circuit = HashCircuit {
            inputs: [a, b, c].map(Value::known),
        };
        let ok = MockProver::run(K, &circuit, vec![outputs.clone()]).unwrap();
        assert_eq!(ok.verify(), Ok(()));
        for i in 0..OUTPUTS {
            let mut bad = outputs.clone();
            bad[i] += Fp::ONE;
            let r = MockProver::run(K, &circuit, vec![bad]).unwrap().verify();
            assert!(r.is_err(), "output {i}");
        }
    }
}

#[derive(Clone, Debug)]
struct PackCircuit {
    codes: Vec<Value<Fp>>,
    words: usize,
    range_value: Value<Fp>,
}

impl Circuit<Fp> for PackCircuit {
    type Config = (PackConfig, MainColumns, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    fn without_witnesses(&self) -> Self {
        PackCircuit {
            codes: vec![Value::unknown(); self.codes.len()],
            words: self.words,
            range_value: Value::unknown(),
        }
    }
    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        let main = main_columns(meta);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        (PackConfig::configure(meta, main), main, instance)
    }
    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let (pack, main, instance) = config;
        let none = Tampering::default();
        let log = pack.assign_log(&mut layouter, &self.codes, self.words, &none)?;
        for (i, w) in log.words.iter().enumerate() {
            layouter.constrain_instance(w.cell(), instance, i)?;
        }
        layouter.constrain_instance(log.assigned.cell(), instance, self.words)?;
        layouter.constrain_instance(log.executed.cell(), instance, self.words + 1)?;
        let v = layouter.assign_region(
            || "value",
            |mut region| {
                region.assign_advice(|| "v", main.lanes[0].codes[0], 0, || self.range_value)
            },
        )?;
        pack.range_check(&mut layouter, RangeCheck::Margin, &v, LANE_WIDTH, &none)
    }
}

fn entries(n: usize, seed: u64) -> Vec<TaskEntry> {
    use rand::RngExt;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| TaskEntry {
            task_id: i as u64,
            epoch: 0,
            outcome: match rng.random_range(0..3) {
                0 => Outcome::Executed,
                1 => Outcome::Failed,
                _ => Outcome::Missed,
            },
        })
        .collect()
}

/// Words of the pack gadget tests: more than one group of lanes, the last
/// group only partly filled.
const WORDS: usize = LANES + 1;

fn pack_case(n: usize, range_value: Fp) -> (PackCircuit, Vec<Fp>) {
    let capacity = WORDS * CODES_PER_WORD;
    let e = entries(n, n as u64);
    let mut codes: Vec<Code> = e.iter().map(|t| t.outcome.code()).collect();
    codes.resize(capacity, Code::Padding);
    let (executed, assigned) = count(&e);
    let mut instance = pack_words(&codes);
    instance.push(Fp::from(assigned));
    instance.push(Fp::from(executed));
    let circuit = PackCircuit {
        codes: codes.iter().map(|c| Value::known(c.value())).collect(),
        words: WORDS,
        range_value: Value::known(range_value),
    };
    (circuit, instance)
}

#[test]
fn pack_and_count_gadget_matches_native() {
    for n in [
        0,
        1,
        152,
        153,
        200,
        306,
        4 * CODES_PER_WORD + 7,
        WORDS * CODES_PER_WORD,
    ] {
        let (circuit, instance) = pack_case(n, Fp::from(5));
        let prover = MockProver::run(K, &circuit, vec![instance.clone()]).unwrap();
        assert_eq!(prover.verify(), Ok(()), "{n} tasks");
        // A wrong count in the instance is refused.
        let mut wrong = instance;
        let last = wrong.len() - 1;
        wrong[last] += Fp::ONE;
        assert!(MockProver::run(K, &circuit, vec![wrong])
            .unwrap()
            .verify()
            .is_err());
    }
}

#[test]
fn range_check_bounds() {
    let top = Fp::from(ROW_RADIX);
    for (v, ok) in [
        (Fp::ZERO, true),
        (top - Fp::ONE, true),
        (top, false),
        (-Fp::ONE, false),
    ] {
        let (circuit, instance) = pack_case(10, v);
        let r = MockProver::run(K, &circuit, vec![instance])
            .unwrap()
            .verify();
        assert_eq!(r.is_ok(), ok, "{v:?}");
    }
}

/// The circuit is refused, and only by copy constraints (no gate fails).
#[track_caller]
fn assert_only_copy_failures(prover: MockProver<Fp>) {
    let failures = prover.verify().unwrap_err();
    assert!(
        failures
            .iter()
            .all(|f| matches!(f, halo2_proofs::dev::VerifyFailure::Permutation { .. })),
        "{failures:#?}"
    );
}

#[test]
fn a_lane_without_a_word_adds_no_task() {
    // The last group of lanes holds one word; a prover who puts executed
    // tasks in an empty lane and counts them consistently is refused by
    // the zero-word constraint alone.
    let (mut circuit, mut instance) = pack_case(10, Fp::from(5));
    let extra = 5;
    // Slots past the last word belong to the empty lanes of its group.
    circuit
        .codes
        .extend(std::iter::repeat_n(Value::known(Fp::ONE), extra));
    let n = instance.len();
    instance[n - 2] += Fp::from(extra as u64);
    instance[n - 1] += Fp::from(extra as u64);
    assert_only_copy_failures(MockProver::run(K, &circuit, vec![instance]).unwrap());
}

/// Our chip against halo2_gadgets' `Pow5Chip`, the library's P128Pow5T3
/// gadget, in one circuit: both permute cells holding the same inputs
/// (the library's copy offset by `shift`) and their outputs are
/// constrained equal.
#[derive(Clone, Debug)]
struct AgainstLibrary {
    inputs: [Value<Fp>; 3],
    shift: Fp,
}

impl Circuit<Fp> for AgainstLibrary {
    type Config = (
        HashConfig,
        halo2_gadgets::poseidon::Pow5Config<Fp, 3, 2>,
        MainColumns,
    );
    type FloorPlanner = SimpleFloorPlanner;
    fn without_witnesses(&self) -> Self {
        AgainstLibrary {
            inputs: [Value::unknown(); 3],
            shift: self.shift,
        }
    }
    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        use halo2_gadgets::poseidon::{primitives::P128Pow5T3, Pow5Chip};
        let main = main_columns(meta);
        let state = [(); 3].map(|_| meta.advice_column());
        let partial_sbox = meta.advice_column();
        let rc_a = [(); 3].map(|_| meta.fixed_column());
        let rc_b = [(); 3].map(|_| meta.fixed_column());
        let library = Pow5Chip::configure::<P128Pow5T3>(meta, state, partial_sbox, rc_a, rc_b);
        (HashConfig::configure(meta, 2), library, main)
    }
    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        use halo2_gadgets::poseidon::{
            primitives::P128Pow5T3, PoseidonInstructions, Pow5Chip, StateWord,
        };
        let (ours, library, main) = config;
        let shift = Value::known(self.shift);
        let (mine, theirs) = layouter.assign_region(
            || "inputs",
            |mut region| {
                let mut mine = vec![];
                let mut theirs = vec![];
                for (i, v) in self.inputs.iter().enumerate() {
                    let col = main.lanes[0].codes[i];
                    mine.push(region.assign_advice(|| "in", col, 0, || *v)?);
                    let shifted = if i == 0 { *v + shift } else { *v };
                    theirs.push(region.assign_advice(|| "in", col, 1, || shifted)?);
                }
                Ok((mine, theirs))
            },
        )?;
        let chip = Pow5Chip::construct(library);
        let state = [0, 1, 2].map(|i| StateWord::from(theirs[i].clone()));
        let out = <Pow5Chip<Fp, 3, 2> as PoseidonInstructions<Fp, P128Pow5T3, 3, 2>>::permute(
            &chip,
            &mut layouter,
            &state,
        )?;
        let [lib_out, _, _] = out;
        let lib_out: halo2_proofs::circuit::AssignedCell<Fp, Fp> = lib_out.into();
        let mut hash = HashChip::construct(&ours, &Tampering::default());
        let w: Vec<Word> = mine.iter().map(Word::from).collect();
        let h = hash.compress(core::array::from_fn(|i| Input::Copy(&w[i], Link::LogWord)));
        hash.constrain_equal(&h, &lib_out, Link::ChainLink);
        hash.lay_out(&mut layouter)
    }
}

#[test]
fn hash_chip_matches_the_library_gadget() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let cases: Vec<[Fp; 3]> = vec![
        [Fp::ZERO; 3],
        [-Fp::ONE; 3],
        [(); 3].map(|_| Fp::random(&mut rng)),
        [(); 3].map(|_| Fp::random(&mut rng)),
    ];
    for inputs in cases {
        let honest = AgainstLibrary {
            inputs: inputs.map(Value::known),
            shift: Fp::ZERO,
        };
        assert_eq!(
            MockProver::run(K, &honest, vec![]).unwrap().verify(),
            Ok(()),
            "{inputs:?}"
        );
        // Negative twin: the library permutes another input.
        let other = AgainstLibrary {
            shift: Fp::ONE,
            ..honest
        };
        assert_only_copy_failures(MockProver::run(K, &other, vec![]).unwrap());
    }
}
