//! The verifying key as data: everything halo2 0.4.1's verifier reads from
//! its `VerifyingKey`, in a binary file (`eligo-vk/1`) that any process can
//! load without key generation.
//!
//! The key is *identified* by halo2's own rule: halo2 hashes the `Debug`
//! text of `vk.pinned()` into every transcript. [`VerifyingKey`] renders
//! that text again from the decoded data ([`render`]) and derives the
//! transcript representative from it, so a decoded key either reproduces
//! the prover's key exactly or every proof fails against it. The file
//! also carries the representative and the circuit fingerprint; decoding
//! recomputes both and refuses a file whose stored values differ.

mod codec;
mod parse;
mod render;

use ff::{Field, FromUniformBytes, PrimeField};
use group::CurveAffine as _;
use pasta_curves::arithmetic::CurveAffine;
use pasta_curves::{vesta, Fp};

use crate::error::KeyError;

pub use codec::{KEY_FORMAT, MAX_KEY_BYTES, MAX_KEY_OPS};

/// Largest `k` a key may declare (Pasta's two-adicity is 32; beyond 2^26
/// rows nothing here is practical).
pub const MAX_KEY_K: u32 = 26;
/// Deepest expression tree accepted (the eligibility circuit's gates are
/// below 40 levels).
pub const MAX_EXPR_DEPTH: usize = 128;
/// BLAKE2b personalization of halo2's key hash (transcript representative).
const HALO2_KEY_PERSONAL: &[u8; 16] = b"Halo2-Verify-Key";
/// BLAKE2b personalization of Eligo's circuit fingerprint.
const FINGERPRINT_PERSONAL: &[u8; 16] = b"eligo-circuit-fp";
/// Most columns of each kind a key may declare.
pub const MAX_COLUMNS: u32 = 1 << 12;
/// Degree halo2's permutation argument always requires.
const PERMUTATION_DEGREE: usize = 3;

/// The kind of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Witness column.
    Advice,
    /// Fixed (circuit-constant) column.
    Fixed,
    /// Public-input column.
    Instance,
}

impl ColumnKind {
    fn name(self) -> &'static str {
        match self {
            ColumnKind::Advice => "Advice",
            ColumnKind::Fixed => "Fixed",
            ColumnKind::Instance => "Instance",
        }
    }
}

/// A column query: the column and the rotation (row offset) it is read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnQuery {
    /// Column index among the columns of its kind.
    pub column: u32,
    /// Row offset.
    pub rotation: i32,
}

/// A reference from a gate to one query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryRef {
    /// Index in the query list of its kind.
    pub index: u32,
    /// Column index (as halo2 records it beside the query index).
    pub column: u32,
    /// Row offset.
    pub rotation: i32,
}

/// One step of a gate polynomial in postfix order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Push a constant.
    Constant(Fp),
    /// Push a fixed-column evaluation.
    Fixed(QueryRef),
    /// Push an advice-column evaluation.
    Advice(QueryRef),
    /// Push an instance-column evaluation.
    Instance(QueryRef),
    /// Negate the top.
    Negated,
    /// Pop two, push their sum.
    Sum,
    /// Pop two, push their product.
    Product,
    /// Multiply the top by a constant.
    Scaled(Fp),
}

/// A gate polynomial as a postfix program (no recursion to evaluate it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Polynomial {
    ops: Vec<Op>,
}

impl Polynomial {
    /// The postfix program.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Checks the stack discipline, the depth and the query references;
    /// returns the degree.
    fn check(&self, key: &KeyParts) -> Result<usize, KeyError> {
        // (degree, depth) per stack entry.
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let bad = |why: &str| KeyError::Malformed(format!("gate polynomial: {why}"));
        for op in &self.ops {
            match *op {
                Op::Constant(_) => stack.push((0, 1)),
                Op::Fixed(q) => {
                    check_ref(q, &key.fixed_queries, "fixed")?;
                    stack.push((1, 1));
                }
                Op::Advice(q) => {
                    check_ref(q, &key.advice_queries, "advice")?;
                    stack.push((1, 1));
                }
                Op::Instance(q) => {
                    check_ref(q, &key.instance_queries, "instance")?;
                    stack.push((1, 1));
                }
                Op::Negated | Op::Scaled(_) => {
                    let (d, h) = stack.pop().ok_or_else(|| bad("operand missing"))?;
                    stack.push((d, h + 1));
                }
                Op::Sum | Op::Product => {
                    let (db, hb) = stack.pop().ok_or_else(|| bad("operand missing"))?;
                    let (da, ha) = stack.pop().ok_or_else(|| bad("operand missing"))?;
                    let d = if matches!(op, Op::Sum) {
                        da.max(db)
                    } else {
                        da + db
                    };
                    stack.push((d, ha.max(hb) + 1));
                }
            }
            if stack.last().is_some_and(|&(_, h)| h > MAX_EXPR_DEPTH) {
                return Err(bad("nested too deeply"));
            }
        }
        match stack.as_slice() {
            [(d, _)] => Ok(*d),
            _ => Err(bad("does not reduce to one value")),
        }
    }

    /// Evaluates the polynomial at the proof's evaluations.
    pub(crate) fn evaluate(&self, fixed: &[Fp], advice: &[Fp], instance: &[Fp]) -> Fp {
        let mut stack: Vec<Fp> = Vec::with_capacity(MAX_EXPR_DEPTH);
        // Programs are checked at decoding: every pop has an operand and
        // every query index is in range.
        let pop = |s: &mut Vec<Fp>| s.pop().unwrap_or(Fp::ZERO);
        for op in &self.ops {
            match *op {
                Op::Constant(c) => stack.push(c),
                Op::Fixed(q) => {
                    stack.push(fixed.get(q.index as usize).copied().unwrap_or_default())
                }
                Op::Advice(q) => {
                    stack.push(advice.get(q.index as usize).copied().unwrap_or_default())
                }
                Op::Instance(q) => {
                    stack.push(instance.get(q.index as usize).copied().unwrap_or_default())
                }
                Op::Negated => {
                    let a = pop(&mut stack);
                    stack.push(-a);
                }
                Op::Scaled(c) => {
                    let a = pop(&mut stack);
                    stack.push(a * c);
                }
                Op::Sum => {
                    let b = pop(&mut stack);
                    let a = pop(&mut stack);
                    stack.push(a + b);
                }
                Op::Product => {
                    let b = pop(&mut stack);
                    let a = pop(&mut stack);
                    stack.push(a * b);
                }
            }
        }
        pop(&mut stack)
    }
}

fn check_ref(q: QueryRef, queries: &[ColumnQuery], what: &str) -> Result<(), KeyError> {
    match queries.get(q.index as usize) {
        Some(cq) if cq.column == q.column && cq.rotation == q.rotation => Ok(()),
        _ => Err(KeyError::Malformed(format!(
            "gate refers to {what} query {} (column {}, rotation {}) that the key does not hold",
            q.index, q.column, q.rotation
        ))),
    }
}

/// The two hashes a key file stores.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoredHashes {
    /// BLAKE2b-512 of the pinned text.
    pub(crate) pinned_hash: [u8; 64],
    /// The circuit fingerprint.
    pub(crate) fingerprint: [u8; 32],
}

/// The raw parts of a key, as stored (before the derived values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyParts {
    pub k: u32,
    pub extended_k: u32,
    pub omega: Fp,
    pub num_fixed: u32,
    pub num_advice: u32,
    pub num_instance: u32,
    pub num_selectors: u32,
    pub gates: Vec<Polynomial>,
    pub advice_queries: Vec<ColumnQuery>,
    pub instance_queries: Vec<ColumnQuery>,
    pub fixed_queries: Vec<ColumnQuery>,
    pub permutation: Vec<(ColumnKind, u32)>,
    pub constants: Vec<u32>,
    pub minimum_degree: Option<u32>,
    pub fixed_commitments: Vec<vesta::Affine>,
    pub permutation_commitments: Vec<vesta::Affine>,
}

/// A verifying key of a halo2 0.4.1 circuit over Pasta (IPA, Vesta
/// commitments), decoded and checked.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    parts: KeyParts,
    /// The polynomial degree of the constraint system (halo2's
    /// `cs.degree()`).
    degree: usize,
    /// halo2's `blinding_factors()`.
    blinding_factors: usize,
    /// For each permutation column, the index of its rotation-0 query in
    /// the evaluations of its kind.
    permutation_evals: Vec<(ColumnKind, usize)>,
    omega_inv: Fp,
    /// BLAKE2b-512 of the pinned text (length-prefixed), as halo2 computes it.
    pinned_hash: [u8; 64],
    transcript_repr: Fp,
    fingerprint: [u8; 32],
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}

impl Eq for VerifyingKey {}

impl VerifyingKey {
    /// Checks the parts and derives what the verifier needs.
    /// The key of `parts`, its hashes computed from halo2's text rendered
    /// again, or taken from `stored` (see [`VerifyingKey::decode_stored`]).
    pub(crate) fn from_parts(
        parts: KeyParts,
        stored: Option<StoredHashes>,
    ) -> Result<Self, KeyError> {
        let bad = |why: String| Err(KeyError::Malformed(why));
        if parts.k == 0 || parts.k > MAX_KEY_K {
            return bad(format!("k = {} is outside 1..={MAX_KEY_K}", parts.k));
        }
        for (count, what) in [
            (parts.num_advice, "advice"),
            (parts.num_fixed, "fixed"),
            (parts.num_instance, "instance"),
            (parts.num_selectors, "selector"),
        ] {
            if count > MAX_COLUMNS {
                return bad(format!("{count} {what} columns, more than {MAX_COLUMNS}"));
            }
        }
        let n = 1i64 << parts.k;
        for (queries, count, what) in [
            (&parts.advice_queries, parts.num_advice, "advice"),
            (&parts.instance_queries, parts.num_instance, "instance"),
            (&parts.fixed_queries, parts.num_fixed, "fixed"),
        ] {
            for q in queries.iter() {
                if q.column >= count {
                    return bad(format!(
                        "{what} query on column {} of {count} columns",
                        q.column
                    ));
                }
                if i64::from(q.rotation).abs() >= n {
                    return bad(format!("{what} query rotation {} of n = {n}", q.rotation));
                }
            }
        }
        if parts.fixed_commitments.len() != parts.num_fixed as usize {
            return bad(format!(
                "{} fixed commitments for {} fixed columns",
                parts.fixed_commitments.len(),
                parts.num_fixed
            ));
        }
        if parts.permutation_commitments.len() != parts.permutation.len() {
            return bad(format!(
                "{} permutation commitments for {} permutation columns",
                parts.permutation_commitments.len(),
                parts.permutation.len()
            ));
        }
        if parts.constants.iter().any(|&c| c >= parts.num_fixed) {
            return bad("constant column out of range".into());
        }
        let mut degree = PERMUTATION_DEGREE;
        for gate in &parts.gates {
            degree = degree.max(gate.check(&parts)?);
        }
        degree = degree.max(parts.minimum_degree.unwrap_or(1) as usize);
        // halo2: the extended domain is the smallest 2^e >= n * (degree - 1).
        let quotient = (degree - 1) as u64;
        let mut extended_k = parts.k;
        while (1u64 << extended_k) < (1u64 << parts.k) * quotient {
            extended_k += 1;
            if extended_k > Fp::S {
                return bad(format!("degree {degree} needs a domain beyond 2^{}", Fp::S));
            }
        }
        if extended_k != parts.extended_k {
            return bad(format!(
                "extended_k = {} but degree {degree} at k = {} needs {extended_k}",
                parts.extended_k, parts.k
            ));
        }
        let mut omega = Fp::ROOT_OF_UNITY;
        for _ in parts.k..Fp::S {
            omega = omega.square();
        }
        if omega != parts.omega {
            return bad(format!("omega is not the 2^{}-th root of unity", parts.k));
        }
        let omega_inv = Option::<Fp>::from(omega.invert()).unwrap_or(Fp::ONE);
        // halo2's blinding_factors(): max queries per advice column (at
        // least 3), plus one for multiopen, plus one spare.
        let mut per_column = vec![0usize; parts.num_advice as usize];
        for q in &parts.advice_queries {
            per_column[q.column as usize] += 1;
        }
        let most = per_column.iter().copied().max().unwrap_or(1);
        let blinding_factors = most.max(3) + 2;
        if (blinding_factors as i64) + 1 >= n {
            return bad(format!("n = {n} leaves no usable rows"));
        }
        let mut permutation_evals = Vec::with_capacity(parts.permutation.len());
        for &(kind, column) in &parts.permutation {
            let queries = match kind {
                ColumnKind::Advice => &parts.advice_queries,
                ColumnKind::Fixed => &parts.fixed_queries,
                ColumnKind::Instance => &parts.instance_queries,
            };
            let index = queries
                .iter()
                .position(|q| q.column == column && q.rotation == 0)
                .ok_or_else(|| {
                    KeyError::Malformed(format!(
                        "permutation column {} {column} has no rotation-0 query",
                        kind.name()
                    ))
                })?;
            permutation_evals.push((kind, index));
        }
        let (pinned_hash, fingerprint) = match stored {
            Some(h) => (h.pinned_hash, h.fingerprint),
            None => {
                let text = render::pinned_text(&parts);
                (pinned_hash(&text), circuit_fingerprint(&text))
            }
        };
        let transcript_repr = Fp::from_uniform_bytes(&pinned_hash);
        Ok(VerifyingKey {
            parts,
            degree,
            blinding_factors,
            permutation_evals,
            omega_inv,
            pinned_hash,
            transcript_repr,
            fingerprint,
        })
    }

    /// Parses halo2's pinned text (`format!("{:?}", vk.pinned())`) of a key
    /// built by `keygen_vk`, and checks that rendering the result again
    /// gives exactly that text.
    pub fn from_pinned_text(text: &str) -> Result<Self, KeyError> {
        let parts = parse::parse_pinned(text)?;
        let key = Self::from_parts(parts, None)?;
        if key.pinned_text() != text {
            return Err(KeyError::Malformed(
                "the key's canonical rendering differs from the pinned text".into(),
            ));
        }
        Ok(key)
    }

    /// The key of a halo2 `VerifyingKey` (from `keygen_vk`), through its
    /// pinned text: the export path.
    pub fn from_halo2(
        vk: &halo2_proofs::plonk::VerifyingKey<vesta::Affine>,
    ) -> Result<Self, KeyError> {
        Self::from_pinned_text(&format!("{:?}", vk.pinned()))
    }

    /// Decodes and checks an `eligo-vk/1` file: every structural check,
    /// and halo2's text rendered again from the data must hash to the
    /// stored transcript representative and fingerprint.
    pub fn decode(bytes: &[u8]) -> Result<Self, KeyError> {
        codec::decode(bytes, codec::Hashes::Recompute)
    }

    /// Decodes bytes that [`VerifyingKey::decode`] accepted before and
    /// that nobody could change since (the claim contract's own storage,
    /// written at instantiation): every structural check, but the stored
    /// transcript representative and fingerprint are taken as they are,
    /// without rendering halo2's text again (a fifth of a claim's gas).
    /// Never use it on bytes from outside.
    pub fn decode_stored(bytes: &[u8]) -> Result<Self, KeyError> {
        codec::decode(bytes, codec::Hashes::Stored)
    }

    /// The `eligo-vk/1` bytes (deterministic).
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// halo2's pinned text of this key, rendered from the data.
    pub fn pinned_text(&self) -> String {
        render::pinned_text(&self.parts)
    }

    pub(crate) fn parts(&self) -> &KeyParts {
        &self.parts
    }

    /// log2 of the number of rows.
    pub fn k(&self) -> u32 {
        self.parts.k
    }

    /// Number of rows, `2^k`.
    pub fn n(&self) -> u64 {
        1u64 << self.parts.k
    }

    /// Instance columns.
    pub fn num_instance_columns(&self) -> usize {
        self.parts.num_instance as usize
    }

    /// Advice columns.
    pub fn num_advice_columns(&self) -> usize {
        self.parts.num_advice as usize
    }

    /// The constraint system's degree.
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// halo2's number of blinding rows.
    pub fn blinding_factors(&self) -> usize {
        self.blinding_factors
    }

    /// Most values one instance column may hold: `n - (blinding + 1)`.
    pub fn max_instance_len(&self) -> usize {
        (self.n() as usize) - (self.blinding_factors + 1)
    }

    /// Pieces of the quotient polynomial (`degree - 1`).
    pub fn quotient_pieces(&self) -> usize {
        self.degree - 1
    }

    /// Permutation columns per grand-product set (`degree - 2`).
    pub fn permutation_chunk(&self) -> usize {
        self.degree - 2
    }

    /// Grand-product sets of the permutation argument.
    pub fn permutation_sets(&self) -> usize {
        self.parts
            .permutation
            .len()
            .div_ceil(self.permutation_chunk())
    }

    /// The gate polynomials, in halo2's order.
    pub fn gates(&self) -> &[Polynomial] {
        &self.parts.gates
    }

    pub(crate) fn advice_queries(&self) -> &[ColumnQuery] {
        &self.parts.advice_queries
    }

    pub(crate) fn instance_queries(&self) -> &[ColumnQuery] {
        &self.parts.instance_queries
    }

    pub(crate) fn fixed_queries(&self) -> &[ColumnQuery] {
        &self.parts.fixed_queries
    }

    pub(crate) fn permutation_evals(&self) -> &[(ColumnKind, usize)] {
        &self.permutation_evals
    }

    pub(crate) fn fixed_commitments(&self) -> &[vesta::Affine] {
        &self.parts.fixed_commitments
    }

    pub(crate) fn permutation_commitments(&self) -> &[vesta::Affine] {
        &self.parts.permutation_commitments
    }

    /// `ω`, the `n`-th root of unity.
    pub fn omega(&self) -> Fp {
        self.parts.omega
    }

    /// `x · ω^rotation`.
    pub(crate) fn rotate(&self, x: Fp, rotation: i32) -> Fp {
        if rotation >= 0 {
            x * self.parts.omega.pow_vartime([rotation as u64])
        } else {
            x * self
                .omega_inv
                .pow_vartime([u64::from(rotation.unsigned_abs())])
        }
    }

    /// The scalar halo2 absorbs first into every transcript.
    pub fn transcript_repr(&self) -> Fp {
        self.transcript_repr
    }

    /// BLAKE2b-512 of the pinned text as halo2 hashes it.
    pub fn pinned_hash(&self) -> &[u8; 64] {
        &self.pinned_hash
    }

    /// Eligo's circuit fingerprint: BLAKE2b-256 (personalization
    /// `eligo-circuit-fp`) of the pinned text.
    pub fn fingerprint(&self) -> &[u8; 32] {
        &self.fingerprint
    }

    /// The fingerprint as 64 lowercase hex digits.
    pub fn fingerprint_hex(&self) -> String {
        crate::hex32(&self.fingerprint)
    }

    /// BLAKE2b-256 of the `eligo-vk/1` bytes: the digest to pin and publish.
    pub fn digest(&self) -> [u8; 32] {
        crate::digest32(&self.encode())
    }

    /// The digest, hex.
    pub fn digest_hex(&self) -> String {
        crate::hex32(&self.digest())
    }
}

/// halo2's key hash: BLAKE2b-512, personalization `Halo2-Verify-Key`, of
/// the text's length (u64 little-endian) then the text.
fn pinned_hash(text: &str) -> [u8; 64] {
    let mut state = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(HALO2_KEY_PERSONAL)
        .to_state();
    state.update(&(text.len() as u64).to_le_bytes());
    state.update(text.as_bytes());
    *state.finalize().as_array()
}

fn circuit_fingerprint(text: &str) -> [u8; 32] {
    let hash = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(FINGERPRINT_PERSONAL)
        .hash(text.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// Uncompressed point bytes: x then y, each 32 bytes little-endian;
/// the identity is 64 zero bytes ((0, 0) is not on the curve).
pub(crate) fn point_to_bytes(p: &vesta::Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some(c) = Option::from(p.coordinates()) {
        let c: pasta_curves::arithmetic::Coordinates<vesta::Affine> = c;
        out[..32].copy_from_slice(&c.x().to_repr());
        out[32..].copy_from_slice(&c.y().to_repr());
    }
    out
}

/// Decodes [`point_to_bytes`]: canonical coordinates on the curve, or the
/// identity when `allow_identity`.
pub(crate) fn point_from_bytes(bytes: &[u8], allow_identity: bool) -> Option<vesta::Affine> {
    if bytes.len() != 64 {
        return None;
    }
    if bytes.iter().all(|&b| b == 0) {
        return allow_identity.then(vesta::Affine::identity);
    }
    let mut x = [0u8; 32];
    let mut y = [0u8; 32];
    x.copy_from_slice(&bytes[..32]);
    y.copy_from_slice(&bytes[32..]);
    let x = Option::from(pasta_curves::Fq::from_repr(x))?;
    let y = Option::from(pasta_curves::Fq::from_repr(y))?;
    Option::from(vesta::Affine::from_xy(x, y))
}
