//! An adversarial witness for every constraint of the circuit: a
//! consistent lie, changing as many values as the attack needs, that the
//! real circuit rejects with exactly one constraint's failure, and that the
//! circuit accepts once that one constraint is switched off
//! ([`eligo_circuits::mutation::without`]).
//!
//! The constraints are enumerated from the constraint system itself (gate
//! constraint names) and from the declared list of copy links and pins
//! ([`Link::ALL`]); `load_bearing` fails if any of them has no attack. A
//! few attacks also go through `create_proof` and the verifier.
//!
//! Most lies keep the network's public inputs. Where a lie can only change
//! a hash (a wrong domain tag, an error inside a permutation), the public
//! roots are those the lie computes: what the network would have had to
//! publish for it.

mod fixture;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use eligo_circuits::chips::hash::chip::{GATE_FULL, GATE_PARTIAL};
use eligo_circuits::chips::hash::PERMUTE_ROWS;
use eligo_circuits::chips::merkle::{GATE_EMPTY, GATE_LEVEL};
use eligo_circuits::chips::pack::{
    range_rows, GATE_CODE, GATE_COUNT, GATE_RANGE_END, GATE_WORD_CONTINUE, GATE_WORD_START,
    LANE_WIDTH, ROWS_PER_WORD, ROW_RADIX,
};
use eligo_circuits::chips::threshold::{GATE_THRESHOLD, SMALL_LIMBS};
use eligo_circuits::chips::{Link, RangeCheck, Site};
use eligo_circuits::circuit::{
    CLAIM_CTX, EXCLUSION_ROOT, LICENSE_ID, REGISTRY_ROOT, THRESHOLD_DEN, THRESHOLD_NUM,
};
use eligo_circuits::layout::{k_for, LANES, POSEIDON_LANES};
use eligo_circuits::mutation::{without, Constraint};
use eligo_circuits::native::{
    log_commitment_from_codes, pack_words, registry_leaf, Code, CODES_PER_WORD, CODE_RADIX,
    EMPTY_LEAF,
};
use eligo_circuits::poseidon::{compress, constants, hash2, Tag};
use eligo_circuits::{EligibilityCircuit, ExclusionReason, Fp, Shape, Threshold};
use ff::Field;
use fixture::{build, codes, Fixture};
use halo2_proofs::circuit::Value;
use halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_proofs::plonk::{
    Advice, Any, Assigned, Assignment, Circuit, Column, ConstraintSystem, Error, Fixed,
    FloorPlanner, Instance, Selector,
};

/// Capacity of the attacks' shape: seven words (an odd number, so the
/// chain pads with the zero cell), the last row group with an empty lane.
const CAPACITY: usize = 1024;
/// Tree depth of the attacks' shape.
const DEPTH: u32 = 4;
/// An even license (index bit 0 is 0: its node is the left input).
const EVEN: u64 = 6;
/// An odd license.
const ODD: u64 = 5;
/// The honest ineligible log: 10 executed of 30 assigned.
const EXECUTED: usize = 10;
/// Assigned tasks of the ineligible log.
const ASSIGNED: usize = 30;

fn shape() -> Shape {
    Shape::new(CAPACITY, DEPTH).unwrap()
}

/// First advice column of the hash chip's lanes (after the main area).
const HASH_ADVICE: usize = LANES * (LANE_WIDTH + 1) + 2;
/// Advice columns of one hash lane.
const HASH_LANE: usize = 4;
/// The main area's `assigned` column.
const ASSIGNED_COLUMN: usize = LANES * (LANE_WIDTH + 1);
/// Permutation indices, in scheduling order: the header block, the word
/// pairs, the leaf, then a registry and an exclusion node per level.
const WORD_BLOCKS: usize = CAPACITY.div_ceil(CODES_PER_WORD).div_ceil(2);
const LAST_BLOCK: usize = WORD_BLOCKS;
const LEAF_PERM: usize = WORD_BLOCKS + 1;
/// The last log row.
const LAST_LOG_ROW: usize = CAPACITY.div_ceil(CODES_PER_WORD).div_ceil(LANES) * ROWS_PER_WORD;

fn registry_perm(level: usize) -> usize {
    LEAF_PERM + 1 + 2 * level
}

fn exclusion_perm(level: usize) -> usize {
    LEAF_PERM + 2 + 2 * level
}

/// The copy failure at input `slot` of permutation `perm`.
fn hash_input(perm: usize, slot: usize) -> Expect {
    Expect::Copy {
        region: "poseidon permutations",
        column: HASH_ADVICE + (perm % POSEIDON_LANES) * HASH_LANE + slot,
        offset: (perm / POSEIDON_LANES) * PERMUTE_ROWS,
    }
}

/// Offset of row `row` of permutation `perm`.
fn hash_row(perm: usize, row: usize) -> usize {
    (perm / POSEIDON_LANES) * PERMUTE_ROWS + row
}

/// The failure an attack must produce on the real circuit.
#[derive(Clone, Debug)]
enum Expect {
    /// Only this gate constraint fails, exactly at these offsets of the
    /// region.
    Gate {
        gate: &'static str,
        name: &'static str,
        region: String,
        offsets: Vec<usize>,
    },
    /// Only the permutation argument fails, at this advice cell among
    /// others of its cycle.
    Copy {
        region: &'static str,
        column: usize,
        offset: usize,
    },
    /// Only the permutation argument fails, at this public input.
    Public { row: usize },
    /// Only the permutation argument fails, at this row of the constants
    /// column (pins take its rows in the order the circuit makes them).
    Pin { row: usize },
}

/// One adversarial witness.
struct Attack {
    constraint: Constraint,
    /// What the lie claims.
    lie: &'static str,
    circuit: EligibilityCircuit,
    public: Vec<Fp>,
    expect: Expect,
}

fn log_region() -> String {
    "outcome log".into()
}

fn range_region(check: RangeCheck) -> String {
    format!("range check: {}", check.name())
}

fn gate(gate: &'static str, name: &'static str, region: String, offsets: &[usize]) -> Expect {
    Expect::Gate {
        gate,
        name,
        region,
        offsets: offsets.to_vec(),
    }
}

fn copy(region: &'static str, column: usize, offset: usize) -> Expect {
    Expect::Copy {
        region,
        column,
        offset,
    }
}

fn ineligible(license: u64) -> Fixture {
    let s = shape();
    build(
        s,
        license,
        codes(&s, EXECUTED, ASSIGNED),
        Threshold::default_threshold(),
        None,
    )
}

fn eligible(license: u64) -> Fixture {
    let s = shape();
    build(
        s,
        license,
        codes(&s, 200, 250),
        Threshold::default_threshold(),
        None,
    )
}

fn blacklisted(license: u64) -> Fixture {
    let s = shape();
    build(
        s,
        license,
        codes(&s, 200, 250),
        Threshold::default_threshold(),
        Some(ExclusionReason::Blacklisted),
    )
}

fn public(f: &Fixture) -> Vec<Fp> {
    f.instance.to_column()
}

fn with(circuit: EligibilityCircuit, sites: &[(Site, Fp)]) -> EligibilityCircuit {
    sites
        .iter()
        .fold(circuit, |c, (site, value)| c.tamper(*site, *value))
}

/// The forged log of the ineligible fixture: every assigned task executed.
fn forged_codes() -> Vec<Code> {
    let s = shape();
    codes(&s, ASSIGNED, ASSIGNED)
}

/// The code replacements that turn the fixture's log into the forged one.
fn forging() -> Vec<(Site, Fp)> {
    (EXECUTED..ASSIGNED)
        .map(|index| (Site::Code { index }, Code::Executed.value()))
        .collect()
}

fn pow(base: Fp, e: usize) -> Fp {
    (0..e).fold(Fp::ONE, |acc, _| acc * base)
}

/// Value of lane row `r` (0-based) of word 0 of `codes`.
fn row_value(codes: &[Code], r: usize) -> Fp {
    codes[r * LANE_WIDTH..(r + 1) * LANE_WIDTH]
        .iter()
        .fold(Fp::ZERO, |acc, c| acc * Fp::from(CODE_RADIX) + c.value())
}

/// The honest registry leaf, commitment and level-1 node of a fixture.
fn honest_leaf(f: &Fixture) -> Fp {
    registry_leaf(f.witness.license_id, f.witness.commitment())
}

fn node(tag: Tag, cur: Fp, sib: Fp, license: u64) -> Fp {
    if license & 1 == 1 {
        hash2(tag, sib, cur)
    } else {
        hash2(tag, cur, sib)
    }
}

/// A cell: column and row.
type Cell = (Column<Any>, usize);

/// Records every advice value and every copy of a synthesis, to read the
/// public inputs a lying witness implies.
#[derive(Default)]
struct Recorder {
    public: Vec<Fp>,
    advice: HashMap<Cell, Fp>,
    copies: Vec<(Cell, Cell)>,
}

fn known<V: Into<Assigned<Fp>>>(v: Value<V>) -> Option<Fp> {
    let mut out = None;
    v.map(|v| out = Some(v.into().evaluate()));
    out
}

impl Assignment<Fp> for Recorder {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
    fn exit_region(&mut self) {}
    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        _: A,
        _: &Selector,
        _: usize,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn query_instance(&self, _: Column<Instance>, row: usize) -> Result<Value<Fp>, Error> {
        Ok(Value::known(self.public[row]))
    }
    fn assign_advice<V, VR, A, AR>(
        &mut self,
        _: A,
        column: Column<Advice>,
        row: usize,
        to: V,
    ) -> Result<(), Error>
    where
        V: FnOnce() -> Value<VR>,
        VR: Into<Assigned<Fp>>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        if let Some(v) = known(to()) {
            self.advice.insert((column.into(), row), v);
        }
        Ok(())
    }
    fn assign_fixed<V, VR, A, AR>(
        &mut self,
        _: A,
        _: Column<Fixed>,
        _: usize,
        _: V,
    ) -> Result<(), Error>
    where
        V: FnOnce() -> Value<VR>,
        VR: Into<Assigned<Fp>>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        Ok(())
    }
    fn copy(
        &mut self,
        left: Column<Any>,
        left_row: usize,
        right: Column<Any>,
        right_row: usize,
    ) -> Result<(), Error> {
        self.copies.push(((left, left_row), (right, right_row)));
        Ok(())
    }
    fn fill_from_row(
        &mut self,
        _: Column<Fixed>,
        _: usize,
        _: Value<Assigned<Fp>>,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
    fn pop_namespace(&mut self, _: Option<String>) {}
}

/// `public` with the roots replaced by those `circuit` computes.
fn implied_roots(circuit: &EligibilityCircuit, public: Vec<Fp>) -> Vec<Fp> {
    let mut cs = ConstraintSystem::<Fp>::default();
    let config = EligibilityCircuit::configure(&mut cs);
    let constants = vec![config.constants()];
    let mut rec = Recorder {
        public,
        ..Recorder::default()
    };
    halo2_proofs::circuit::SimpleFloorPlanner::synthesize(&mut rec, circuit, config, constants)
        .expect("synthesis");
    let mut out = rec.public.clone();
    for (a, b) in &rec.copies {
        for (inst, adv) in [(a, b), (b, a)] {
            if *inst.0.column_type() == Any::Instance && *adv.0.column_type() == Any::Advice {
                let row = inst.1;
                if row == REGISTRY_ROOT || row == EXCLUSION_ROOT {
                    out[row] = rec.advice[adv];
                }
            }
        }
    }
    out
}

/// An attack whose lie only changes hashes: the roots follow the lie.
fn rooted(
    constraint: Constraint,
    lie: &'static str,
    circuit: EligibilityCircuit,
    public: Vec<Fp>,
    expect: Expect,
) -> Attack {
    let public = implied_roots(&circuit, public);
    Attack {
        constraint,
        lie,
        circuit,
        public,
        expect,
    }
}

fn g(gate: &'static str, name: &'static str) -> Constraint {
    Constraint::Gate { gate, name }
}

/// Three padding codes of word 0 (slots 30..33, all on log row 2) that keep
/// the word and make the counts read `E` of `E + 3` for the first `E` that
/// has a solution in the field.
fn malformed_codes() -> Vec<(Site, Fp)> {
    // Codes x, y, z at weights 9, 3, 1: 9x + 3y + z = 0 keeps the word;
    // x + y + z = s fixes E - 2A (each code adds -c to it); the assigned
    // count then fixes x through a quadratic.
    let inv = |v: u64| Fp::from(v).invert().unwrap();
    for e in 40u64.. {
        let a = e + 3;
        let da = Fp::from(a - ASSIGNED as u64);
        let de = Fp::from(e - EXECUTED as u64);
        let s = da.double() - de;
        let disc = -Fp::from(91) * s.square() + Fp::from(312) * s - Fp::from(208) * da;
        let Some(root) = Option::<Fp>::from(disc.sqrt()) else {
            continue;
        };
        let x = (-Fp::from(13) * s + root) * inv(52);
        let y = -(s + Fp::from(8) * x) * inv(2);
        let z = (Fp::from(3) * s + Fp::from(6) * x) * inv(2);
        assert_eq!(Fp::from(9) * x + Fp::from(3) * y + z, Fp::ZERO);
        return vec![
            (Site::Code { index: ASSIGNED }, x),
            (
                Site::Code {
                    index: ASSIGNED + 1,
                },
                y,
            ),
            (
                Site::Code {
                    index: ASSIGNED + 2,
                },
                z,
            ),
        ];
    }
    unreachable!()
}

/// The accumulator replacement that, on log row `row` of word 0, brings the
/// forged codes' word back to the honest one.
fn word_fix(row: usize) -> (Site, Fp) {
    let honest = pack_words(&codes(&shape(), EXECUTED, ASSIGNED))[0];
    let forged_codes = forged_codes();
    let forged = pack_words(&forged_codes)[0];
    let radix = Fp::from(ROW_RADIX);
    let acc = (0..row).fold(Fp::ZERO, |acc, r| acc * radix + row_value(&forged_codes, r));
    let later = pow(radix, ROWS_PER_WORD - row).invert().unwrap();
    (
        Site::PackAcc { lane: 0, row },
        acc + (honest - forged) * later,
    )
}

fn link_site(link: Link) -> Site {
    Site::Link {
        link,
        occurrence: 0,
    }
}

/// Every attack, keyed by the constraint it defeats.
fn attacks() -> Vec<Attack> {
    let mut out = Vec::new();
    let th = "threshold";
    let mp = "merkle paths";
    let hp = "poseidon permutations";
    let m = |f: &Fixture, sites: &[(Site, Fp)]| with(f.circuit(), sites);
    let f = ineligible(EVEN);
    let ok = eligible(EVEN);
    let forged = forging();
    let forged_with = |extra: &[(Site, Fp)]| {
        let mut v = forged.clone();
        v.extend_from_slice(extra);
        v
    };
    let forged_commitment =
        log_commitment_from_codes(f.witness.salt, f.witness.detail_digest, &forged_codes());

    // Codes and packing.
    out.push(Attack {
        constraint: g(GATE_CODE, "code in {0,1,2}"),
        lie: "three padding codes take field values that keep the word and count 40+ of 43+",
        circuit: m(&f, &malformed_codes()),
        public: public(&f),
        expect: gate(GATE_CODE, "code in {0,1,2}", log_region(), &[2]),
    });
    out.push(Attack {
        constraint: g(GATE_WORD_START, "acc = row value"),
        lie: "a 10-of-30 log counts as 30 of 30; the first accumulator absorbs the difference",
        circuit: m(&f, &forged_with(&[word_fix(1)])),
        public: public(&f),
        expect: gate(GATE_WORD_START, "acc = row value", log_region(), &[1]),
    });
    out.push(Attack {
        constraint: g(GATE_WORD_CONTINUE, "acc = prev * 3^W + row value"),
        lie: "a 10-of-30 log counts as 30 of 30; a later accumulator absorbs the difference",
        circuit: m(&f, &forged_with(&[word_fix(2)])),
        public: public(&f),
        expect: gate(
            GATE_WORD_CONTINUE,
            "acc = prev * 3^W + row value",
            log_region(),
            &[2],
        ),
    });
    out.push(Attack {
        constraint: g(GATE_COUNT, "assigned count"),
        lie: "the last row's assigned count drops to 14",
        circuit: m(&f, &[(Site::Assigned { row: LAST_LOG_ROW }, Fp::from(14))]),
        public: public(&f),
        expect: gate(GATE_COUNT, "assigned count", log_region(), &[LAST_LOG_ROW]),
    });
    out.push(Attack {
        constraint: g(GATE_COUNT, "executed count"),
        lie: "the last row's executed count jumps to 30",
        circuit: m(&f, &[(Site::Executed { row: LAST_LOG_ROW }, Fp::from(30))]),
        public: public(&f),
        expect: gate(GATE_COUNT, "executed count", log_region(), &[LAST_LOG_ROW]),
    });
    out.push(Attack {
        constraint: g(GATE_RANGE_END, "limbs fold to value"),
        lie: "an honest 10-of-30 log: the negative margin is not in range",
        circuit: f.circuit(),
        public: public(&f),
        expect: gate(
            GATE_RANGE_END,
            "limbs fold to value",
            range_region(RangeCheck::Margin),
            &[range_rows(eligo_circuits::chips::threshold::MARGIN_LIMBS) - 1],
        ),
    });

    // The threshold row.
    out.push(Attack {
        constraint: g(GATE_THRESHOLD, RangeCheck::Margin.name()),
        lie: "10 of 30 claims a margin of 0",
        circuit: m(&f, &[(Site::Checked(RangeCheck::Margin), Fp::ZERO)]),
        public: public(&f),
        expect: gate(GATE_THRESHOLD, RangeCheck::Margin.name(), th.into(), &[0]),
    });
    let mut zero_num = public(&f);
    zero_num[THRESHOLD_NUM] = Fp::ZERO;
    out.push(Attack {
        constraint: g(GATE_THRESHOLD, RangeCheck::NumMinusOne.name()),
        lie: "a threshold of 0/1000 passes as a valid one",
        circuit: m(&f, &[(Site::Checked(RangeCheck::NumMinusOne), Fp::ZERO)]),
        public: zero_num.clone(),
        expect: gate(
            GATE_THRESHOLD,
            RangeCheck::NumMinusOne.name(),
            th.into(),
            &[0],
        ),
    });
    let mut huge_den = public(&f);
    huge_den[THRESHOLD_NUM] = Fp::from(2);
    huge_den[THRESHOLD_DEN] = Fp::from(3u64.pow(SMALL_LIMBS as u32) + 2);
    out.push(Attack {
        constraint: g(GATE_THRESHOLD, RangeCheck::DenMinusNum.name()),
        lie: "a threshold of 2/(3^34 + 2), beyond the circuit's range, passes",
        circuit: m(&f, &[(Site::Checked(RangeCheck::DenMinusNum), Fp::ZERO)]),
        public: huge_den.clone(),
        expect: gate(
            GATE_THRESHOLD,
            RangeCheck::DenMinusNum.name(),
            th.into(),
            &[0],
        ),
    });
    out.push(Attack {
        constraint: g(GATE_THRESHOLD, "claim context square"),
        lie: "the context's square is any value",
        circuit: m(&ok, &[(Site::ClaimContextSquare, Fp::from(4))]),
        public: public(&ok),
        expect: gate(GATE_THRESHOLD, "claim context square", th.into(), &[0]),
    });

    // The tree paths.
    let beyond = EVEN + (1 << DEPTH);
    let mut beyond_public = public(&ok);
    beyond_public[LICENSE_ID] = Fp::from(beyond);
    out.push(rooted(
        g(GATE_LEVEL, "index bit is boolean"),
        "license 6 + 2^depth, beyond the tree, takes license 6's place",
        m(&ok, &[(link_site(Link::LicenseId), Fp::from(beyond))]),
        beyond_public.clone(),
        gate(GATE_LEVEL, "index bit is boolean", mp.into(), &[0]),
    ));
    let odd = ineligible(ODD);
    let odd_forged = with(odd.circuit(), &forged);
    out.push(Attack {
        constraint: g(GATE_LEVEL, "registry left"),
        lie: "a forged log; the node hash reads the network's leaf as its left input",
        circuit: m(
            &f,
            &forged_with(&[(Site::RegistryLeft { level: 0 }, honest_leaf(&f))]),
        ),
        public: public(&f),
        expect: gate(GATE_LEVEL, "registry left", mp.into(), &[0]),
    });
    out.push(Attack {
        constraint: g(GATE_LEVEL, "registry right"),
        lie: "a forged log; the node hash reads the network's leaf as its right input",
        circuit: odd_forged
            .clone()
            .tamper(Site::RegistryRight { level: 0 }, honest_leaf(&odd)),
        public: public(&odd),
        expect: gate(GATE_LEVEL, "registry right", mp.into(), &[0]),
    });
    let black = blacklisted(EVEN);
    let black_odd = blacklisted(ODD);
    let emptied = |b: &Fixture| {
        let mut w = b.witness.clone();
        w.exclusion_leaf = EMPTY_LEAF;
        EligibilityCircuit::new(b.shape, w).unwrap()
    };
    let real_leaf = |b: &Fixture| b.excluded_leaf.unwrap();
    out.push(Attack {
        constraint: g(GATE_LEVEL, "exclusion left"),
        lie: "a blacklisted license shows an empty leaf; the hash reads the real one",
        circuit: emptied(&black).tamper(Site::ExclusionLeft { level: 0 }, real_leaf(&black)),
        public: public(&black),
        expect: gate(GATE_LEVEL, "exclusion left", mp.into(), &[0]),
    });
    out.push(Attack {
        constraint: g(GATE_LEVEL, "exclusion right"),
        lie: "a blacklisted odd license shows an empty leaf; the hash reads the real one",
        circuit: emptied(&black_odd)
            .tamper(Site::ExclusionRight { level: 0 }, real_leaf(&black_odd)),
        public: public(&black_odd),
        expect: gate(GATE_LEVEL, "exclusion right", mp.into(), &[0]),
    });
    out.push(Attack {
        constraint: g(GATE_EMPTY, "exclusion leaf is empty"),
        lie: "a blacklisted license proves with its own (non-empty) leaf",
        circuit: black.circuit(),
        public: public(&black),
        expect: gate(GATE_EMPTY, "exclusion leaf is empty", mp.into(), &[0]),
    });

    // The hash chip.
    let minv = constants().mds_inv;
    let delta = f.witness.commitment() - forged_commitment;
    let mut full = forged.clone();
    for (eq, row) in minv.iter().enumerate() {
        full.push((
            Site::HashRound {
                permutation: LAST_BLOCK,
                row: PERMUTE_ROWS - 2,
                equation: eq,
            },
            row[0] * delta,
        ));
    }
    out.push(Attack {
        constraint: g(GATE_FULL, "M^-1 next = (cur + rc)^5"),
        lie: "a forged log; the chain's last round outputs the network's commitment",
        circuit: m(&f, &full),
        public: public(&f),
        expect: gate(
            GATE_FULL,
            "M^-1 next = (cur + rc)^5",
            hp.into(),
            &[hash_row(LAST_BLOCK, PERMUTE_ROWS - 2)],
        ),
    });
    let partial_row = 4;
    for (eq, name) in [
        (0, "first round: mid = (M (x0^5, x1, x2))_0"),
        (1, "second round: (M^-1 next)_0 = (mid + rc)^5"),
        (2, "second round: (M^-1 next)_j = u_j + rc"),
    ] {
        out.push(rooted(
            g(GATE_PARTIAL, name),
            "an error in one partial round of the log chain",
            m(
                &ok,
                &[(
                    Site::HashRound {
                        permutation: 0,
                        row: partial_row,
                        equation: eq,
                    },
                    Fp::ONE,
                )],
            ),
            public(&ok),
            gate(GATE_PARTIAL, name, hp.into(), &[hash_row(0, partial_row)]),
        ));
    }

    // Pins.
    let bump = |t: Tag| t.value() + Fp::ONE;
    for (i, (link, tag)) in [
        (Link::TagLog, Tag::Log),
        (Link::TagRegistryLeaf, Tag::RegistryLeaf),
        (Link::TagRegistryNode, Tag::RegistryNode),
        (Link::TagExclusionNode, Tag::ExclusionNode),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(rooted(
            Constraint::Link(link),
            "a domain tag takes another value",
            m(&ok, &[(link_site(link), bump(tag))]),
            public(&ok),
            Expect::Pin { row: i },
        ));
    }
    out.push(rooted(
        Constraint::Link(Link::Zero),
        "the chain pads the odd word with 5",
        m(&ok, &[(link_site(Link::Zero), Fp::from(5))]),
        public(&ok),
        Expect::Pin { row: 4 },
    ));
    out.push(Attack {
        constraint: Constraint::Link(Link::AssignedStart),
        lie: "the assigned count starts at -16: 10 of 14",
        circuit: m(&f, &[(link_site(Link::AssignedStart), -Fp::from(16))]),
        public: public(&f),
        expect: Expect::Pin { row: 5 },
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ExecutedStart),
        lie: "the executed count starts at 20: 30 of 30",
        circuit: m(&f, &[(link_site(Link::ExecutedStart), Fp::from(20))]),
        public: public(&f),
        expect: Expect::Pin { row: 6 },
    });
    let empty_lane = CAPACITY.div_ceil(CODES_PER_WORD);
    let lane_codes: Vec<(Site, Fp)> = (0..CODES_PER_WORD)
        .map(|i| {
            (
                Site::Code {
                    index: empty_lane * CODES_PER_WORD + i,
                },
                Code::Executed.value(),
            )
        })
        .collect();
    out.push(Attack {
        constraint: Constraint::Link(Link::EmptyLane),
        lie: "153 executed tasks in the empty lane: 163 of 183",
        circuit: m(&f, &lane_codes),
        public: public(&f),
        expect: Expect::Pin { row: 7 },
    });
    let mut index_end = vec![(link_site(Link::LicenseId), Fp::from(beyond))];
    for l in 1..DEPTH as usize {
        index_end.push((Site::IndexAcc { level: l }, Fp::from(beyond >> l)));
    }
    index_end.push((link_site(Link::IndexEnd), Fp::from(beyond >> DEPTH)));
    out.push(rooted(
        Constraint::Link(Link::IndexEnd),
        "license 6 + 2^depth, with boolean bits, takes license 6's place",
        m(&ok, &index_end),
        beyond_public,
        Expect::Pin { row: 8 },
    ));

    // Public inputs.
    let mut other_id = public(&ok);
    other_id[LICENSE_ID] = Fp::from(ODD);
    out.push(Attack {
        constraint: Constraint::Link(Link::LicenseId),
        lie: "license 5 claims with license 6's log and paths",
        circuit: ok.circuit(),
        public: other_id,
        expect: Expect::Public { row: LICENSE_ID },
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ThresholdNum),
        lie: "the threshold row uses 333/1000",
        circuit: m(&f, &[(link_site(Link::ThresholdNum), Fp::from(333))]),
        public: public(&f),
        expect: Expect::Public { row: THRESHOLD_NUM },
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ThresholdDen),
        lie: "the threshold row uses 667/3000",
        circuit: m(&f, &[(link_site(Link::ThresholdDen), Fp::from(3000))]),
        public: public(&f),
        expect: Expect::Public { row: THRESHOLD_DEN },
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ClaimContext),
        lie: "the threshold row holds another claim context",
        circuit: m(
            &ok,
            &[(
                link_site(Link::ClaimContext),
                ok.instance.claim_ctx() + Fp::ONE,
            )],
        ),
        public: public(&ok),
        expect: Expect::Public { row: CLAIM_CTX },
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::RegistryRoot),
        lie: "a forged log reaches its own registry root",
        circuit: m(&f, &forged),
        public: public(&f),
        expect: Expect::Public { row: REGISTRY_ROOT },
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ExclusionRoot),
        lie: "a blacklisted license with an empty leaf reaches another exclusion root",
        circuit: emptied(&black),
        public: public(&black),
        expect: Expect::Public {
            row: EXCLUSION_ROOT,
        },
    });

    // Copies.
    out.push(Attack {
        constraint: Constraint::Link(Link::ThresholdAssigned),
        lie: "the threshold row reads 14 assigned tasks",
        circuit: m(&f, &[(link_site(Link::ThresholdAssigned), Fp::from(14))]),
        public: public(&f),
        expect: copy(th, 0, 0),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ThresholdExecuted),
        lie: "the threshold row reads 30 executed tasks",
        circuit: m(&f, &[(link_site(Link::ThresholdExecuted), Fp::from(30))]),
        public: public(&f),
        expect: copy(th, 1, 0),
    });
    for (check, fixture, public_column) in [
        (RangeCheck::Margin, &f, public(&f)),
        (RangeCheck::NumMinusOne, &f, zero_num.clone()),
        (RangeCheck::DenMinusNum, &f, huge_den.clone()),
    ] {
        let rows = match check {
            RangeCheck::Margin => range_rows(eligo_circuits::chips::threshold::MARGIN_LIMBS),
            _ => range_rows(SMALL_LIMBS),
        };
        out.push(Attack {
            constraint: Constraint::Link(Link::Range(check)),
            lie: "a range check checks 0 instead of the threshold row's value",
            circuit: m(fixture, &[(link_site(Link::Range(check)), Fp::ZERO)]),
            public: public_column,
            expect: Expect::Copy {
                region: "range check",
                column: ASSIGNED_COLUMN,
                offset: rows - 1,
            },
        });
    }
    let honest_words = pack_words(&f.witness.codes);
    // A hash input that reads another tag, pad or index: only the roots
    // can follow.
    for (link, lie, value, expect) in [
        (
            Link::LogTag,
            "the log chain starts with another tag",
            bump(Tag::Log),
            hash_input(0, 2),
        ),
        (
            Link::ChainPad,
            "the chain's last block reads 5 instead of the zero cell",
            Fp::from(5),
            hash_input(LAST_BLOCK, 1),
        ),
        (
            Link::LeafIndex,
            "the leaf hashes another license index",
            Fp::from(ODD),
            hash_input(LEAF_PERM, 0),
        ),
        (
            Link::LeafTag,
            "the leaf hashes another tag",
            bump(Tag::RegistryLeaf),
            hash_input(LEAF_PERM, 2),
        ),
        (
            Link::RegistryTag,
            "a registry node hashes another tag",
            bump(Tag::RegistryNode),
            hash_input(registry_perm(0), 2),
        ),
        (
            Link::ExclusionTag,
            "an exclusion node hashes another tag",
            bump(Tag::ExclusionNode),
            hash_input(exclusion_perm(0), 2),
        ),
    ] {
        out.push(rooted(
            Constraint::Link(link),
            lie,
            m(&ok, &[(link_site(link), value)]),
            public(&ok),
            expect,
        ));
    }
    out.push(Attack {
        constraint: Constraint::Link(Link::LogWord),
        lie: "a forged log; the chain hashes the network's word",
        circuit: m(
            &f,
            &forged_with(&[(link_site(Link::LogWord), honest_words[0])]),
        ),
        public: public(&f),
        expect: hash_input(1, 0),
    });
    let h1 = compress(f.witness.salt, f.witness.detail_digest, Tag::Log.value());
    let h2 = compress(honest_words[0], honest_words[1], h1);
    out.push(Attack {
        constraint: Constraint::Link(Link::ChainLink),
        lie: "a forged log; the next block reads the network's chaining value",
        circuit: m(
            &f,
            &forged_with(&[(
                Site::Link {
                    link: Link::ChainLink,
                    occurrence: 1,
                },
                h2,
            )]),
        ),
        public: public(&f),
        expect: hash_input(2, 2),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::LeafCommitment),
        lie: "a forged log; the leaf hashes the network's commitment",
        circuit: m(
            &f,
            &forged_with(&[(link_site(Link::LeafCommitment), f.witness.commitment())]),
        ),
        public: public(&f),
        expect: hash_input(LEAF_PERM, 1),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::LeafToPath),
        lie: "a forged log; the path starts at the network's leaf",
        circuit: m(
            &f,
            &forged_with(&[(Site::RegistryCur { level: 0 }, honest_leaf(&f))]),
        ),
        public: public(&f),
        expect: copy(mp, 1, 0),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::RegistryLeft),
        lie: "a forged log; the node hash's left input is the network's leaf",
        circuit: m(
            &f,
            &forged_with(&[(link_site(Link::RegistryLeft), honest_leaf(&f))]),
        ),
        public: public(&f),
        expect: hash_input(registry_perm(0), 0),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::RegistryRight),
        lie: "a forged log; the node hash's right input is the network's leaf",
        circuit: odd_forged
            .clone()
            .tamper(link_site(Link::RegistryRight), honest_leaf(&odd)),
        public: public(&odd),
        expect: hash_input(registry_perm(0), 1),
    });
    let level1 = node(
        Tag::RegistryNode,
        honest_leaf(&f),
        f.witness.registry_path[0],
        EVEN,
    );
    out.push(Attack {
        constraint: Constraint::Link(Link::RegistryNode),
        lie: "a forged log; level 1 holds the network's node",
        circuit: m(
            &f,
            &forged_with(&[(Site::RegistryCur { level: 1 }, level1)]),
        ),
        public: public(&f),
        expect: copy(mp, 1, 1),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ExclusionLeft),
        lie: "a blacklisted license shows an empty leaf; the hash's left input is the real one",
        circuit: emptied(&black).tamper(link_site(Link::ExclusionLeft), real_leaf(&black)),
        public: public(&black),
        expect: hash_input(exclusion_perm(0), 0),
    });
    out.push(Attack {
        constraint: Constraint::Link(Link::ExclusionRight),
        lie:
            "a blacklisted odd license shows an empty leaf; the hash's right input is the real one",
        circuit: emptied(&black_odd).tamper(link_site(Link::ExclusionRight), real_leaf(&black_odd)),
        public: public(&black_odd),
        expect: hash_input(exclusion_perm(0), 1),
    });
    let ex_level1 = node(
        Tag::ExclusionNode,
        real_leaf(&black),
        black.witness.exclusion_path[0],
        EVEN,
    );
    out.push(Attack {
        constraint: Constraint::Link(Link::ExclusionNode),
        lie: "a blacklisted license shows an empty leaf; level 1 holds the real node",
        circuit: emptied(&black).tamper(Site::ExclusionCur { level: 1 }, ex_level1),
        public: public(&black),
        expect: copy(mp, 5, 1),
    });
    out
}

/// Display strings of every failure.
fn describe(failures: &[VerifyFailure]) -> Vec<String> {
    failures.iter().map(|f| format!("{f}")).collect()
}

fn run(attack: &Attack) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(
        k_for(&shape()),
        &attack.circuit,
        vec![attack.public.clone()],
    )
    .expect("synthesis")
    .verify()
}

/// Whether `failures` are exactly what `expect` names.
fn matches(expect: &Expect, failures: &[VerifyFailure]) -> Result<(), String> {
    let d = describe(failures);
    match expect {
        Expect::Gate {
            gate,
            name,
            region,
            offsets,
        } => {
            let mut seen = BTreeSet::new();
            for f in failures {
                let VerifyFailure::ConstraintNotSatisfied {
                    constraint,
                    location,
                    ..
                } = f
                else {
                    return Err(format!("not only gate failures: {d:#?}"));
                };
                let c = format!("{constraint}");
                if !c.contains(&format!("('{name}') in gate"))
                    || !c.ends_with(&format!("('{gate}')"))
                {
                    return Err(format!("another constraint fails: {c}"));
                }
                let l = format!("{location}");
                let Some(offset) = l
                    .strip_prefix("in Region ")
                    .and_then(|r| r.split_once(&format!("('{region}') at offset ")))
                    .and_then(|(_, o)| o.parse::<usize>().ok())
                else {
                    return Err(format!("outside region '{region}': {l}"));
                };
                seen.insert(offset);
            }
            let want: BTreeSet<usize> = offsets.iter().copied().collect();
            if seen != want {
                return Err(format!("offsets {seen:?}, expected {want:?}: {d:#?}"));
            }
            Ok(())
        }
        Expect::Copy {
            region,
            column,
            offset,
        } => {
            if !failures
                .iter()
                .all(|f| matches!(f, VerifyFailure::Permutation { .. }))
            {
                return Err(format!("not only permutation failures: {d:#?}"));
            }
            let cell = format!("Column {{ column_type: Advice, index: {column} }}");
            let at = format!("at offset {offset})");
            if d.iter()
                .any(|s| s.contains(&cell) && s.contains(region) && s.ends_with(&at))
            {
                Ok(())
            } else {
                Err(format!(
                    "no failure at advice {column}, '{region}' offset {offset}: {d:#?}"
                ))
            }
        }
        Expect::Pin { row } => {
            if !failures
                .iter()
                .all(|f| matches!(f, VerifyFailure::Permutation { .. }))
            {
                return Err(format!("not only permutation failures: {d:#?}"));
            }
            let cell = "Column { column_type: Fixed, index: 0 }";
            let at = format!("on row {row})");
            if d.iter().any(|s| s.contains(cell) && s.ends_with(&at)) {
                Ok(())
            } else {
                Err(format!("no failure at constant {row}: {d:#?}"))
            }
        }
        Expect::Public { row } => {
            if !failures
                .iter()
                .all(|f| matches!(f, VerifyFailure::Permutation { .. }))
            {
                return Err(format!("not only permutation failures: {d:#?}"));
            }
            let cell = "Column { column_type: Instance, index: 0 }";
            let at = format!("on row {row})");
            if d.iter().any(|s| s.contains(cell) && s.ends_with(&at)) {
                Ok(())
            } else {
                Err(format!("no failure at public input {row}: {d:#?}"))
            }
        }
    }
}

/// Every gate constraint of the constraint system, by `(gate, name)`,
/// read from its description (halo2 keeps gates crate-private).
fn gate_constraints() -> BTreeSet<(String, String)> {
    let mut cs = ConstraintSystem::<Fp>::default();
    EligibilityCircuit::configure(&mut cs);
    let text = format!("{cs:?}");
    let mut out = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("Gate { name: \"") {
        rest = &rest[i + "Gate { name: \"".len()..];
        let (gate, after) = rest.split_once('"').expect("gate name");
        let names = after
            .split_once("constraint_names: [")
            .expect("constraint names")
            .1;
        let (list, after) = names.split_once("\"]").expect("end of names");
        for name in list.trim_start_matches('"').split("\", \"") {
            out.insert((gate.to_string(), name.to_string()));
        }
        rest = after;
    }
    assert!(!out.is_empty(), "no gate found in the constraint system");
    out
}

#[test]
fn load_bearing() {
    let attacks = attacks();
    let mut by_constraint: BTreeMap<String, &Attack> = BTreeMap::new();
    for a in &attacks {
        assert!(
            by_constraint.insert(a.constraint.to_string(), a).is_none(),
            "two attacks on {}",
            a.constraint
        );
    }
    let mut constraints: Vec<String> = gate_constraints()
        .into_iter()
        .map(|(gate, name)| format!("gate '{gate}' / '{name}'"))
        .collect();
    constraints.extend(Link::ALL.iter().map(|l| Constraint::Link(*l).to_string()));
    let mut load_bearing = 0;
    let mut problems = Vec::new();
    for c in &constraints {
        let Some(attack) = by_constraint.get(c) else {
            problems.push(format!("{c}: no adversarial witness"));
            continue;
        };
        if let Err(e) = matches(&attack.expect, &run(attack).unwrap_err_or_default()) {
            problems.push(format!("{c} ({}): the real circuit: {e}", attack.lie));
            continue;
        }
        match without(attack.constraint, || run(attack)) {
            Ok(()) => load_bearing += 1,
            Err(f) => problems.push(format!(
                "{c} ({}): still rejected without it: {:#?}",
                attack.lie,
                describe(&f)
            )),
        }
    }
    for a in &attacks {
        if !constraints.contains(&a.constraint.to_string()) {
            problems.push(format!(
                "{}: attacks no constraint of the circuit",
                a.constraint
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    println!(
        "constraints={} load_bearing={load_bearing}",
        constraints.len()
    );
}

trait FailuresOrEmpty {
    fn unwrap_err_or_default(self) -> Vec<VerifyFailure>;
}

impl FailuresOrEmpty for Result<(), Vec<VerifyFailure>> {
    fn unwrap_err_or_default(self) -> Vec<VerifyFailure> {
        self.err().unwrap_or_default()
    }
}

#[test]
fn an_accepted_attack_is_not_counted() {
    // The negative twin of `load_bearing`'s check: an honest witness has
    // no failure to match, so it cannot stand in for an attack.
    let f = ineligible(EVEN);
    let honest = Attack {
        constraint: Constraint::Link(Link::RegistryRoot),
        lie: "none",
        circuit: build(
            shape(),
            EVEN,
            codes(&shape(), 250, 250),
            Threshold::default_threshold(),
            None,
        )
        .circuit(),
        public: public(&f),
        expect: Expect::Public { row: REGISTRY_ROOT },
    };
    assert!(run(&honest).is_err(), "another license's root");
    let fine = build(
        shape(),
        EVEN,
        codes(&shape(), 250, 250),
        Threshold::default_threshold(),
        None,
    );
    let ok = Attack {
        public: public(&fine),
        circuit: fine.circuit(),
        ..honest
    };
    assert_eq!(run(&ok), Ok(()));
    assert!(matches(&ok.expect, &[]).is_err());
}

/// Proves `attack` for real and verifies it against the key of the circuit
/// as configured inside `switch` (all constraints on, or one off).
fn prove_and_verify(attack: &Attack, keyed_without: Option<Constraint>) -> bool {
    use halo2_proofs::plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, SingleVerifier};
    use halo2_proofs::poly::commitment::Params;
    use halo2_proofs::transcript::{Blake2bRead, Blake2bWrite, Challenge255};
    use pasta_curves::vesta;
    use rand::SeedableRng;

    let work = || {
        let params = Params::<vesta::Affine>::new(k_for(&shape()));
        let blank = EligibilityCircuit::blank(shape());
        let vk = keygen_vk(&params, &blank).expect("keygen_vk");
        let pk = keygen_pk(&params, vk, &blank).expect("keygen_pk");
        let mut transcript = Blake2bWrite::<_, vesta::Affine, Challenge255<_>>::init(vec![]);
        create_proof(
            &params,
            &pk,
            std::slice::from_ref(&attack.circuit),
            &[&[&attack.public[..]]],
            rand_chacha::ChaCha20Rng::seed_from_u64(11),
            &mut transcript,
        )
        .expect("create_proof");
        let proof = transcript.finalize();
        let mut read = Blake2bRead::<_, vesta::Affine, Challenge255<_>>::init(&proof[..]);
        verify_proof(
            &params,
            pk.get_vk(),
            SingleVerifier::new(&params),
            &[&[&attack.public[..]]],
            &mut read,
        )
        .is_ok()
    };
    match keyed_without {
        Some(c) => without(c, work),
        None => work(),
    }
}

#[test]
fn real_proofs_of_attacks_are_rejected() {
    let attacks = attacks();
    let pick = |c: Constraint| {
        attacks
            .iter()
            .find(|a| a.constraint == c)
            .expect("an attack")
    };
    for c in [
        g(GATE_WORD_START, "acc = row value"),
        g(GATE_LEVEL, "exclusion left"),
        Constraint::Link(Link::AssignedStart),
        Constraint::Link(Link::LogWord),
    ] {
        let attack = pick(c);
        assert!(
            !prove_and_verify(attack, None),
            "{c}: a real proof of '{}' verifies",
            attack.lie
        );
    }
    // The twin: with the constraint gone from the key too, the same
    // proving path accepts the lie, so the rejection above is that
    // constraint's.
    let attack = pick(Constraint::Link(Link::AssignedStart));
    assert!(prove_and_verify(attack, Some(attack.constraint)));
    let attack = pick(g(GATE_WORD_START, "acc = row value"));
    assert!(prove_and_verify(attack, Some(attack.constraint)));
}

#[test]
fn security_md_maps_every_constraint() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security.md"))
        .expect("docs/security.md");
    let mut missing = Vec::new();
    for (gate, name) in gate_constraints() {
        if !doc.contains(&format!("`{gate}` / `{name}`")) {
            missing.push(format!("{gate} / {name}"));
        }
    }
    for link in Link::ALL {
        if !doc.contains(&format!("`{}`", link.name())) {
            missing.push(link.name());
        }
    }
    let total = gate_constraints().len() + Link::ALL.len();
    assert!(
        doc.contains(&format!("The circuit has {total} constraints")),
        "the count in docs/security.md"
    );
    assert!(
        missing.is_empty(),
        "not in docs/security.md §2: {missing:?}"
    );
}

/// Copy constraints of one synthesis of `circuit` (constants included:
/// the floor planner copies them to the constants column).
fn copies(circuit: &EligibilityCircuit, public: Vec<Fp>) -> usize {
    let mut cs = ConstraintSystem::<Fp>::default();
    let config = EligibilityCircuit::configure(&mut cs);
    let constants = vec![config.constants()];
    let mut rec = Recorder {
        public,
        ..Recorder::default()
    };
    halo2_proofs::circuit::SimpleFloorPlanner::synthesize(&mut rec, circuit, config, constants)
        .expect("synthesis");
    rec.copies.len()
}

#[test]
fn every_copy_of_the_circuit_is_a_declared_link() {
    // Switching each link off removes its copies; together they remove
    // all of them, so no copy constraint escapes the declared list.
    let f = eligible(EVEN);
    let all = copies(&f.circuit(), public(&f));
    let mut removed = 0;
    for link in Link::ALL {
        let without_it = without(Constraint::Link(link), || copies(&f.circuit(), public(&f)));
        assert!(without_it < all, "{link:?} makes no copy");
        removed += all - without_it;
    }
    assert_eq!(removed, all, "copies outside Link::ALL: {}", all - removed);
}
