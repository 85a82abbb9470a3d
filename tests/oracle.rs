//! Our verifier held against halo2's own (`verify_proof` with a key from
//! `keygen_vk`): the same verdict on honest proofs of three shapes, on
//! every kind of tampering and on thousands of seeded random mutations;
//! the same challenges; the same final MSM, term by term; and the key and
//! generators files against the library's key and parameters.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use eligo_circuits::{ClaimContext, ExclusionReason, Fp, Instance, PayoutOption, Shape, Threshold};
use eligo_params::Curve;
use eligo_prover::inputs::TaskLogs;
use eligo_prover::snapshot::{self, SnapshotConfig};
use eligo_prover::witness::{prepare, Details};
use eligo_prover::{ProveJob, Prover};
use eligo_verifier::{
    reduce, Generators, GeneratorsError, KeyError, ProofError, Verifier, VerifyError, VerifyingKey,
    LAGRANGE_PREFIX,
};
use ff::{Field, PrimeField};
use group::{Curve as _, Group, GroupEncoding};
use halo2_proofs::plonk::fingerprint::{
    capture_proof_fingerprint, ChallengeRecorder, TranscriptEvent,
};
use halo2_proofs::plonk::{verify_proof, SingleVerifier};
use halo2_proofs::transcript::{Blake2bRead, Challenge255};
use pasta_curves::arithmetic::CurveAffine;
use pasta_curves::{vesta, Fq};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Seeded random mutations per small shape.
const MUTATIONS: usize = 10_000;

fn ctx(option: PayoutOption) -> ClaimContext {
    common::ctx(option)
}

/// One shape's prover, our verifier, and an honest proof.
struct Fixture {
    prover: Prover,
    verifier: Verifier,
    instance: Instance,
    proof: Vec<u8>,
}

fn build(shape: Shape) -> Fixture {
    let mut logs: TaskLogs = BTreeMap::new();
    logs.insert(0, common::log(1000, 200, 250));
    logs.insert(1, common::log(2000, 3, 3));
    let mut excl = BTreeMap::new();
    excl.insert(2, ExclusionReason::Blacklisted);
    let config = SnapshotConfig {
        shape,
        threshold: Threshold::default_threshold(),
        program_id: "oracle".into(),
    };
    let snap = snapshot::build(&config, &logs, &excl, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
    let pkg = snap.packages.iter().find(|p| p.license_id == 0).unwrap();
    let prep = prepare(&snap.public, pkg, Details::Recompute).unwrap();
    let job = ProveJob {
        witness: prep.witness.clone(),
        instance: prep.instance(&ctx(PayoutOption::Ifx)),
    };
    let prover = Prover::new(common::params(&shape), shape).unwrap();
    let proof = prover
        .prove_with(&job, ChaCha20Rng::seed_from_u64(42))
        .unwrap();
    let verifier = prover.verifier().unwrap();
    Fixture {
        prover,
        verifier,
        instance: job.instance,
        proof,
    }
}

fn small() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(Shape::new(256, 4).unwrap()))
}

fn mid() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(Shape::new(1024, 8).unwrap()))
}

fn default_shape() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(Shape::new(65_536, 20).unwrap()))
}

impl Fixture {
    /// halo2's verdict: `verify_proof` accepts and reads every byte.
    fn halo2(&self, column: &[Fp], proof: &[u8]) -> bool {
        let mut cursor = proof;
        let ok = {
            let mut t = Blake2bRead::<_, Curve, Challenge255<Curve>>::init(&mut cursor);
            verify_proof(
                self.prover.params(),
                self.prover.halo2_vk(),
                SingleVerifier::new(self.prover.params()),
                &[&[column]],
                &mut t,
            )
            .is_ok()
        };
        ok && cursor.is_empty()
    }

    /// Our verdict on raw instance values.
    fn ours(&self, column: &[Fp], proof: &[u8]) -> bool {
        match reduce(
            self.verifier.key(),
            self.verifier.generators(),
            &[column],
            proof,
        ) {
            Ok(r) => r.msm.is_identity(self.verifier.generators()),
            Err(_) => false,
        }
    }

    /// Both verdicts, asserted equal; returns the verdict.
    fn agree(&self, column: &[Fp], proof: &[u8], what: &str) -> bool {
        let theirs = self.halo2(column, proof);
        let ours = self.ours(column, proof);
        assert_eq!(ours, theirs, "verdicts differ on {what}");
        ours
    }

    fn column(&self) -> Vec<Fp> {
        self.instance.to_column()
    }

    /// The proof's items in read order: true for a point, false for a
    /// scalar (from halo2's transcript recorder).
    fn layout(&self) -> Vec<bool> {
        let column = self.column();
        let mut rec = ChallengeRecorder::<_, Curve, Challenge255<Curve>>::init(&self.proof[..]);
        capture_proof_fingerprint(
            self.prover.params(),
            self.prover.halo2_vk(),
            &[&[&column[..]]],
            &mut rec,
        )
        .unwrap();
        rec.events
            .iter()
            .filter_map(|e| match e {
                TranscriptEvent::ReadPoint(_) => Some(true),
                TranscriptEvent::ReadScalar(_) => Some(false),
                _ => None,
            })
            .collect()
    }
}

fn random_point(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let p = vesta::Point::generator() * Fp::random(&mut *rng);
    p.to_affine().to_bytes()
}

fn random_scalar(rng: &mut ChaCha20Rng) -> [u8; 32] {
    Fp::random(&mut *rng).to_repr()
}

fn honest(f: &Fixture) {
    let column = f.column();
    assert!(f.agree(&column, &f.proof, "the honest proof"));
    assert_eq!(f.verifier.verify_instance(&f.instance, &f.proof), Ok(()));
    assert_eq!(f.verifier.fingerprint(), f.prover.fingerprint());
}

#[test]
fn honest_proofs_agree_on_three_shapes() {
    honest(small());
    honest(mid());
    honest(default_shape());
}

/// Every item of the proof replaced by another valid element of its type
/// (a point on the curve, a canonical scalar): commitments, evaluations,
/// IPA rounds and final values. Both verifiers reject each.
fn every_item(f: &Fixture, seed: u64) -> usize {
    let column = f.column();
    let layout = f.layout();
    assert_eq!(layout.len() * 32, f.proof.len());
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for (i, &is_point) in layout.iter().enumerate() {
        let mut p = f.proof.clone();
        let repl = if is_point {
            random_point(&mut rng)
        } else {
            random_scalar(&mut rng)
        };
        p[32 * i..32 * i + 32].copy_from_slice(&repl);
        let kind = if is_point { "point" } else { "scalar" };
        assert!(!f.agree(&column, &p, &format!("item {i} ({kind}) replaced")));
    }
    layout.len()
}

#[test]
fn every_commitment_evaluation_and_ipa_value_tampered() {
    let n = every_item(small(), 1);
    let m = every_item(mid(), 2);
    let d = every_item(default_shape(), 3);
    println!("replaced every item: {n} (256/4), {m} (1024/8), {d} (65536/20)");
}

#[test]
fn truncation_extension_and_instances() {
    for f in [small(), mid()] {
        let column = f.column();
        let len = f.proof.len();
        for cut in [0, 1, 31, 32, 33, len / 2, len - 33, len - 32, len - 1] {
            assert!(!f.agree(&column, &f.proof[..cut], &format!("truncated to {cut}")));
        }
        for extra in [&[0u8][..], &[0u8; 32][..], &f.proof[..32]] {
            let mut p = f.proof.clone();
            p.extend_from_slice(extra);
            assert!(!f.agree(&column, &p, "extended"));
            assert_eq!(
                f.verifier.verify_instance(&f.instance, &p),
                Err(VerifyError::Proof(ProofError::TrailingBytes(extra.len())))
            );
        }
        for i in 0..column.len() {
            let mut c = column.clone();
            c[i] += Fp::ONE;
            assert!(!f.agree(&c, &f.proof, &format!("instance value {i} + 1")));
        }
        // Fewer or more instance values than the circuit's public inputs.
        assert!(!f.agree(&column[..column.len() - 1], &f.proof, "one value short"));
        let mut longer = column.clone();
        longer.push(Fp::ONE);
        assert!(!f.agree(&longer, &f.proof, "one value more"));
        // A column longer than the generators hold: a typed error, no panic.
        let long = vec![Fp::ONE; LAGRANGE_PREFIX + 1];
        assert!(matches!(
            reduce(
                f.verifier.key(),
                f.verifier.generators(),
                &[&long[..]],
                &f.proof
            ),
            Err(ProofError::InstanceTooLong { .. })
        ));
        assert!(matches!(
            reduce(f.verifier.key(), f.verifier.generators(), &[], &f.proof),
            Err(ProofError::InstanceColumns { got: 0, want: 1 })
        ));
    }
}

/// Seeded random mutations of one proof and its instance: drawn in order
/// from one seeded RNG, then checked on every core.
fn mutations(f: &Fixture, seed: u64) -> (usize, usize) {
    use rayon::prelude::*;
    let column = f.column();
    let layout = f.layout();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let items = layout.len();
    let cases: Vec<(Vec<u8>, Vec<Fp>)> = (0..MUTATIONS)
        .map(|_| {
            let mut p = f.proof.clone();
            let mut c = column.clone();
            match rng.random_range(0..8u32) {
                0 => {
                    let bit = rng.random_range(0..p.len() * 8);
                    p[bit / 8] ^= 1 << (bit % 8);
                }
                1 => {
                    let i = rng.random_range(0..p.len());
                    p[i] = rng.random();
                }
                2 => {
                    let i = rng.random_range(0..items);
                    rng.fill_bytes(&mut p[32 * i..32 * i + 32]);
                }
                3 => {
                    let i = rng.random_range(0..items);
                    let repl = if layout[i] {
                        random_point(&mut rng)
                    } else {
                        random_scalar(&mut rng)
                    };
                    p[32 * i..32 * i + 32].copy_from_slice(&repl);
                }
                4 => {
                    let cut = rng.random_range(0..p.len());
                    p.truncate(cut);
                }
                5 => {
                    let n = rng.random_range(1..64);
                    for _ in 0..n {
                        p.push(rng.random());
                    }
                }
                6 => {
                    let i = rng.random_range(0..items);
                    let j = rng.random_range(0..items);
                    for b in 0..32 {
                        p.swap(32 * i + b, 32 * j + b);
                    }
                }
                _ => {
                    let i = rng.random_range(0..c.len());
                    c[i] = if rng.random() {
                        Fp::random(&mut rng)
                    } else {
                        c[i] + Fp::from(rng.random_range(1..4u64))
                    };
                }
            }
            (p, c)
        })
        .collect();
    let accepted: usize = cases
        .par_iter()
        .map(|(p, c)| {
            let same = *p == f.proof && *c == column;
            let verdict = f.agree(c, p, "a random mutation");
            assert_eq!(verdict, same, "a mutation was accepted");
            usize::from(verdict)
        })
        .sum();
    (cases.len(), accepted)
}

#[test]
fn seeded_random_mutations_agree() {
    let (n, a) = mutations(small(), 0x5eed_0001);
    let (m, b) = mutations(mid(), 0x5eed_0002);
    let summary = format!(
        "random mutations run, our verdict equal to halo2's on each: {n} on 256/4 \
         ({a} left the proof unchanged), {m} on 1024/8 ({b} left it unchanged)\n"
    );
    print!("{summary}");
    // CI prints this file after the tests (their output is captured).
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-mutations.txt"),
        summary,
    )
    .unwrap();
}

/// A halo2 MSM's terms, read from its `Debug` text: the `G_i` scalars,
/// `W`, `U`, and the other terms by x coordinate (scalar, y).
struct Terms {
    g: Vec<String>,
    w: String,
    u: String,
    other: BTreeMap<String, (String, String)>,
}

fn fq_hex(x: &Fq) -> String {
    format!("{x:?}")
}

/// halo2 merges terms of the same point (and of its negation) and drops
/// the identity; each entry is normalized to the smaller of `y`, `-y`.
fn normalize(other: &mut BTreeMap<String, (String, String)>) {
    for (s, y) in other.values_mut() {
        let yv = parse_fq(y);
        let neg = -yv;
        if neg.to_repr().iter().rev().lt(yv.to_repr().iter().rev()) {
            *y = fq_hex(&neg);
            *s = format!("{:?}", -parse_fp(s));
        }
    }
}

fn parse_le(hex: &str) -> [u8; 32] {
    let h = hex.trim_start_matches("0x");
    let mut le = [0u8; 32];
    for (i, b) in le.iter_mut().enumerate() {
        let j = 62 - 2 * i;
        *b = u8::from_str_radix(&h[j..j + 2], 16).unwrap();
    }
    le
}

fn parse_fp(hex: &str) -> Fp {
    Fp::from_repr(parse_le(hex)).unwrap()
}

fn parse_fq(hex: &str) -> Fq {
    Fq::from_repr(parse_le(hex)).unwrap()
}

fn halo2_terms(text: &str) -> Terms {
    let after = |key: &str| -> &str { &text[text.find(key).unwrap() + key.len()..] };
    let g_text = after("g_scalars: Some([");
    let g: Vec<String> = g_text[..g_text.find(']').unwrap()]
        .split(", ")
        .map(str::to_string)
        .collect();
    let w = after("w_scalar: Some(")[..66].to_string();
    let u = after("u_scalar: Some(")[..66].to_string();
    let o = after("other: {");
    let o = &o[..o.find('}').unwrap()];
    let mut other = BTreeMap::new();
    for entry in o.split("), ").filter(|e| !e.is_empty()) {
        let entry = entry.trim_end_matches(')');
        let (x, rest) = entry.split_once(": (").unwrap();
        let (s, y) = rest.split_once(", ").unwrap();
        other.insert(x.to_string(), (s.to_string(), y.to_string()));
    }
    normalize(&mut other);
    Terms { g, w, u, other }
}

fn our_terms(msm: &eligo_verifier::Msm) -> Terms {
    // Merge by point as halo2 does: same x, same y adds; opposite y subtracts.
    let mut merged: BTreeMap<[u8; 32], (Fp, Fq, String)> = BTreeMap::new();
    for (s, p) in msm.others() {
        let Some(c) =
            Option::<pasta_curves::arithmetic::Coordinates<vesta::Affine>>::from(p.coordinates())
        else {
            continue;
        };
        let (x, y) = (*c.x(), *c.y());
        let key = x.to_repr();
        match merged.get_mut(&key) {
            Some((acc, y0, _)) => {
                if *y0 == y {
                    *acc += s;
                } else {
                    assert_eq!(*y0, -y);
                    *acc -= s;
                }
            }
            None => {
                merged.insert(key, (*s, y, fq_hex(&x)));
            }
        }
    }
    let mut other: BTreeMap<String, (String, String)> = merged
        .into_values()
        .map(|(s, y, x)| (x, (format!("{s:?}"), fq_hex(&y))))
        .collect();
    normalize(&mut other);
    Terms {
        g: msm.g_scalars().iter().map(|s| format!("{s:?}")).collect(),
        w: format!("{:?}", msm.w_scalar()),
        u: format!("{:?}", msm.u_scalar()),
        other,
    }
}

/// Challenges equal halo2's recorder's, and the final MSM equals the one
/// halo2 assembles (`capture_proof_fingerprint`), term by term.
fn same_challenges_and_msm(f: &Fixture) {
    let column = f.column();
    let mut rec = ChallengeRecorder::<_, Curve, Challenge255<Curve>>::init(&f.proof[..]);
    let captured = capture_proof_fingerprint(
        f.prover.params(),
        f.prover.halo2_vk(),
        &[&[&column[..]]],
        &mut rec,
    )
    .unwrap();
    let ours = reduce(
        f.verifier.key(),
        f.verifier.generators(),
        &[&column[..]],
        &f.proof,
    )
    .unwrap();
    assert_eq!(ours.challenges.in_order(), rec.challenges);
    // The transcript's first absorption is the key's representative.
    match rec.events.first() {
        Some(TranscriptEvent::CommonScalar(s)) => {
            assert_eq!(*s, f.verifier.key().transcript_repr())
        }
        other => panic!("unexpected first event {other:?}"),
    }
    let theirs = halo2_terms(&format!("{captured:?}"));
    let mine = our_terms(&ours.msm);
    assert_eq!(mine.g.len(), theirs.g.len());
    assert!(mine.g == theirs.g, "G scalars differ");
    assert_eq!(mine.w, theirs.w, "W scalar differs");
    assert_eq!(mine.u, theirs.u, "U scalar differs");
    assert_eq!(mine.other.len(), theirs.other.len(), "term counts differ");
    assert!(mine.other == theirs.other, "commitment terms differ");
}

#[test]
fn challenges_and_msm_match_halo2_term_by_term() {
    same_challenges_and_msm(small());
    same_challenges_and_msm(mid());
    same_challenges_and_msm(default_shape());
}

#[test]
fn batch_agrees_and_names_the_bad_proof() {
    let f = small();
    let other = {
        let i = &f.instance;
        Instance::new(
            &Shape::new(256, 4).unwrap(),
            i.registry_root(),
            i.exclusion_root(),
            1,
            i.threshold(),
            i.claim_ctx(),
        )
        .unwrap()
    };
    let items = vec![
        (f.instance.clone(), f.proof.clone()),
        (other.clone(), f.proof.clone()),
        (f.instance.clone(), f.proof.clone()),
    ];
    let r = f.verifier.verify_batch(&items);
    assert_eq!(r[0], Ok(()));
    assert_eq!(r[1], Err(VerifyError::Proof(ProofError::Rejected)));
    assert_eq!(r[2], Ok(()));
    assert!(!f.halo2(&other.to_column(), &f.proof));
    assert_eq!(
        f.verifier.first_failure(&items),
        Some((1, VerifyError::Proof(ProofError::Rejected)))
    );
    let good = vec![(f.instance.clone(), f.proof.clone()); 4];
    assert!(f.verifier.verify_batch(&good).iter().all(Result::is_ok));
    assert_eq!(f.verifier.first_failure(&good), None);
    // An undecodable proof is named by its decoding error, first if first.
    let mut undecodable = good.clone();
    undecodable[2].1 = vec![0xff; f.proof.len()];
    assert!(matches!(
        f.verifier.first_failure(&undecodable),
        Some((2, VerifyError::Proof(ProofError::Decode(_))))
    ));
    undecodable[3].1 = vec![];
    let r = f.verifier.verify_batch(&undecodable);
    assert!(r[0].is_ok() && r[1].is_ok() && r[2].is_err() && r[3].is_err());
    // Two proofs that are wrong in opposite ways cannot cancel out in the
    // accumulated MSM: each has its own factor.
    let mut bad = f.proof.clone();
    let last = bad.len() - 32;
    let f_value = Fp::from_repr(bad[last..].try_into().unwrap()).unwrap() + Fp::ONE;
    bad[last..].copy_from_slice(&f_value.to_repr());
    let r = f.verifier.verify_batch(&[
        (f.instance.clone(), bad.clone()),
        (f.instance.clone(), f.proof.clone()),
    ]);
    assert_eq!(r[0], Err(VerifyError::Proof(ProofError::Rejected)));
    assert_eq!(r[1], Ok(()));
}

#[test]
fn key_file_is_halo2s_key() {
    for f in [small(), mid(), default_shape()] {
        let pinned = format!("{:?}", f.prover.halo2_vk().pinned());
        let key = f.verifier.key();
        // The rendering is halo2's text, byte for byte.
        assert_eq!(key.pinned_text(), pinned);
        // Deterministic bytes that decode to the same key.
        let bytes = key.encode();
        assert_eq!(bytes, f.prover.verifying_key().unwrap().encode());
        let back = VerifyingKey::decode(&bytes).unwrap();
        assert_eq!(&back, key);
        assert_eq!(back.transcript_repr(), key.transcript_repr());
        // The contract's storage path takes the stored hashes: the same key.
        let stored = VerifyingKey::decode_stored(&bytes).unwrap();
        assert_eq!(&stored, key);
        assert_eq!(stored.transcript_repr(), key.transcript_repr());
        assert_eq!(stored.fingerprint_hex(), key.fingerprint_hex());
        // ... and trusts them: a changed fingerprint byte is refused by
        // `decode`, taken by `decode_stored` (which is why the contract
        // uses it only on its own storage and compares the fingerprint).
        let mut changed = bytes.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(VerifyingKey::decode(&changed).is_err());
        let taken = VerifyingKey::decode_stored(&changed).unwrap();
        assert_ne!(taken.fingerprint_hex(), key.fingerprint_hex());
        assert_eq!(
            eligo_verifier::canonical_key_digest(&f.verifier.shape()),
            Some(eligo_verifier::hex_digest(&bytes).as_str()),
            "pin the key digest of {:?}",
            f.verifier.shape()
        );
    }
}

#[test]
fn key_file_refuses_hostile_bytes() {
    let bytes = small().verifier.key().encode();
    assert_eq!(VerifyingKey::decode(b""), Err(KeyError::NotAKey));
    assert_eq!(
        VerifyingKey::decode(b"eligo-vk/2xxxx"),
        Err(KeyError::NotAKey)
    );
    for cut in [0, 9, 13] {
        assert_eq!(VerifyingKey::decode(&bytes[..cut]), Err(KeyError::NotAKey));
    }
    for cut in [14, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(
                VerifyingKey::decode(&bytes[..cut]),
                Err(KeyError::Truncated(_))
            ),
            "truncated at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        VerifyingKey::decode(&longer),
        Err(KeyError::Truncated(_))
    ));
    // Any single changed byte of the body is refused: either the structure
    // breaks or the rendering no longer reproduces the stored hash.
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    for _ in 0..300 {
        let mut b = bytes.clone();
        let i = rng.random_range(14..b.len());
        b[i] ^= 1 << rng.random_range(0..8);
        assert!(
            VerifyingKey::decode(&b).is_err(),
            "flip at byte {i} accepted"
        );
    }
    // A file that declares more gate operations than any key holds is
    // refused before they are kept: one polynomial of 200,000 negations.
    let mut huge = Vec::new();
    huge.extend_from_slice(&bytes[14..14 + 4 + 4 + 32 + 16]);
    huge.extend_from_slice(&1u32.to_le_bytes());
    huge.extend_from_slice(&200_000u32.to_le_bytes());
    huge.extend(std::iter::repeat_n(4u8, 200_000));
    let mut file = b"eligo-vk/1".to_vec();
    file.extend_from_slice(&(huge.len() as u32).to_le_bytes());
    file.extend_from_slice(&huge);
    assert!(file.len() <= eligo_verifier::MAX_KEY_BYTES);
    assert!(matches!(
        VerifyingKey::decode(&file),
        Err(KeyError::Malformed(m)) if m.contains("gate operations")
    ));
    // Over the size limit: refused before reading.
    let big = vec![0u8; eligo_verifier::MAX_KEY_BYTES + 1];
    assert!(matches!(
        VerifyingKey::decode(&big),
        Err(KeyError::TooLarge(_))
    ));
    // The key of another shape is refused by a verifier for this one.
    let other = mid().verifier.key().clone();
    assert!(Verifier::new(
        other,
        small().verifier.generators().clone(),
        small().verifier.shape()
    )
    .is_err());
}

#[test]
fn generators_file_is_halo2s_params() {
    for f in [small(), mid(), default_shape()] {
        let params = f.prover.params();
        let gens = f.verifier.generators();
        assert_eq!(gens.g(), &params.get_g()[..]);
        // The Lagrange prefix and W, U as halo2 writes them (compressed).
        let mut raw = Vec::new();
        params.write(&mut raw).unwrap();
        let n = 1usize << params.k();
        for (i, p) in gens.lagrange().iter().enumerate() {
            assert_eq!(
                &raw[4 + 32 * (n + i)..4 + 32 * (n + i + 1)],
                &p.to_bytes()[..]
            );
        }
        assert_eq!(&raw[4 + 64 * n..4 + 64 * n + 32], &gens.w().to_bytes()[..]);
        assert_eq!(&raw[4 + 64 * n + 32..], &gens.u().to_bytes()[..]);
        let bytes = gens.encode();
        assert_eq!(Generators::decode_canonical(&bytes).as_ref(), Ok(gens));
    }
}

#[test]
fn generators_file_refuses_hostile_bytes() {
    let bytes = small().verifier.generators().encode();
    assert_eq!(
        Generators::decode(b"junk"),
        Err(GeneratorsError::NotGenerators)
    );
    assert!(matches!(
        Generators::decode(&bytes[..bytes.len() - 1]),
        Err(GeneratorsError::Length { .. })
    ));
    let mut k = bytes.clone();
    k[12..16].copy_from_slice(&40u32.to_le_bytes());
    assert_eq!(Generators::decode(&k), Err(GeneratorsError::BadK(40)));
    // A point moved off the curve.
    let mut off = bytes.clone();
    off[20 + 64 * 5] ^= 1;
    assert!(matches!(
        Generators::decode(&off),
        Err(GeneratorsError::NotOnCurve(_))
    ));
    // Another valid point in place of a generator: on the curve, but not
    // canonical.
    let mut swapped = bytes.clone();
    let (a, b) = (20 + 64 * 3, 20 + 64 * 4);
    for i in 0..64 {
        swapped.swap(a + i, b + i);
    }
    assert!(Generators::decode(&swapped).is_ok());
    assert!(matches!(
        Generators::decode_canonical(&swapped),
        Err(GeneratorsError::NotCanonical { .. })
    ));
    // Wrong generators make an honest proof fail, and never panic.
    let f = small();
    let g = Generators::decode(&swapped).unwrap();
    let col = f.column();
    let r = reduce(f.verifier.key(), &g, &[&col[..]], &f.proof).unwrap();
    assert!(!r.msm.is_identity(&g));
    assert!(Verifier::new(f.verifier.key().clone(), g, f.verifier.shape()).is_err());
}

#[test]
fn generator_pins_match_halo2s_params() {
    for k in 8..=12 {
        let params = eligo_params::ParamsStore::new(common::home())
            .load_or_generate(k, &eligo_params::NoProgress)
            .unwrap();
        let gens = Generators::from_halo2(&params).unwrap();
        assert_eq!(
            eligo_verifier::canonical_generators_digest(k),
            Some(gens.digest_hex().as_str()),
            "k = {k}"
        );
        assert_eq!(gens.check_canonical(), Ok(()));
    }
}

#[test]
fn pinned_text_parser_refuses_anything_but_halo2s_text() {
    let text = format!("{:?}", small().prover.halo2_vk().pinned());
    assert!(VerifyingKey::from_pinned_text(&text).is_ok());
    // A lookup argument: not implemented, refused by name.
    let lookups = text.replace("lookups: []", "lookups: [Argument]");
    assert!(matches!(
        VerifyingKey::from_pinned_text(&lookups),
        Err(KeyError::Unsupported(_))
    ));
    // Truncated, extended, or with a field that no longer parses.
    for bad in [
        &text[..text.len() / 2],
        &format!("{text} "),
        &text.replacen("num_advice_columns: ", "num_advice_columns: x", 1),
        &text.replacen("Rotation(0)", "Rotation(0.5)", 1),
    ] {
        assert!(matches!(
            VerifyingKey::from_pinned_text(bad),
            Err(KeyError::Malformed(_))
        ));
    }
    // Well formed but inconsistent: a minimum degree that needs another
    // extended domain, a permutation column without its query.
    let degree = text.replace("minimum_degree: None", "minimum_degree: Some(40)");
    assert!(matches!(
        VerifyingKey::from_pinned_text(&degree),
        Err(KeyError::Malformed(m)) if m.contains("extended_k")
    ));
    // Another valid-looking key (one gate constant changed) parses, but is
    // another key: its representative and fingerprint differ.
    let at = text.find("Constant(0x").unwrap() + "Constant(0x".len() + 63;
    let mut other = text.clone();
    other.replace_range(at..at + 1, "7");
    let k2 = VerifyingKey::from_pinned_text(&other).unwrap();
    assert_ne!(
        k2.transcript_repr(),
        small().verifier.key().transcript_repr()
    );
    assert_ne!(k2.fingerprint(), small().verifier.key().fingerprint());
    // An honest proof fails against it, in both verifiers' terms.
    let col = small().column();
    let r = reduce(
        &k2,
        small().verifier.generators(),
        &[&col[..]],
        &small().proof,
    )
    .unwrap();
    assert!(!r.msm.is_identity(small().verifier.generators()));
}
