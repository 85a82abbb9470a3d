//! The `eligo-vk/1` binary encoding of a verifying key.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic   "eligo-vk/1" (10 bytes)
//! u32     body length (the file is exactly 14 + body length bytes)
//! body:
//!   u32 k, u32 extended_k, 32 B omega
//!   u32 fixed columns, u32 advice columns, u32 instance columns, u32 selectors
//!   u32 polynomial count, then per polynomial: u32 op count, ops
//!   u32 count + (u32 column, i32 rotation) for advice, instance, fixed queries
//!   u32 count + (u8 kind, u32 column) permutation columns
//!   u32 lookup count (always 0)
//!   u32 count + u32 column: constant columns
//!   u8 has minimum degree, u32 minimum degree
//!   u32 count + 64 B points: fixed commitments, permutation commitments
//!   64 B BLAKE2b-512 of the pinned text (the transcript representative's preimage)
//!   32 B circuit fingerprint
//! ```
//!
//! An op is a tag byte (0 constant, 1 fixed, 2 advice, 3 instance,
//! 4 negated, 5 sum, 6 product, 7 scaled), then 32 B for a constant or a
//! scale factor, or (u32 query, u32 column, i32 rotation) for a query.
//! Points are uncompressed (x then y, 32 B each), the identity all zeros.

use ff::PrimeField;
use pasta_curves::{vesta, Fp};

use super::{
    point_from_bytes, point_to_bytes, ColumnKind, ColumnQuery, KeyParts, Op, Polynomial, QueryRef,
    StoredHashes, VerifyingKey,
};
use crate::error::KeyError;

/// Format tag (the file's first bytes).
pub const KEY_FORMAT: &str = "eligo-vk/1";
/// Largest key file accepted (bytes), checked before any decoding (the
/// eligibility circuit's key is 29,539 bytes).
pub const MAX_KEY_BYTES: usize = 256 << 10;
/// Most gate operations a key may hold, all polynomials together (the
/// eligibility circuit has a few thousand): bounds the memory a decoded
/// key takes, whatever the file declares.
pub const MAX_KEY_OPS: usize = 1 << 16;
/// Entries reserved ahead of reading them: lists grow past this only as
/// their bytes are actually read.
const PREALLOCATE: usize = 1024;

const TAG_CONSTANT: u8 = 0;
const TAG_FIXED: u8 = 1;
const TAG_ADVICE: u8 = 2;
const TAG_INSTANCE: u8 = 3;
const TAG_NEGATED: u8 = 4;
const TAG_SUM: u8 = 5;
const TAG_PRODUCT: u8 = 6;
const TAG_SCALED: u8 = 7;
const KIND_ADVICE: u8 = 0;
const KIND_FIXED: u8 = 1;
const KIND_INSTANCE: u8 = 2;
const POINT_BYTES: usize = 64;
const HEADER_BYTES: usize = KEY_FORMAT.len() + 4;

pub(super) fn encode(key: &VerifyingKey) -> Vec<u8> {
    let p = key.parts();
    let mut b = Vec::with_capacity(64 * 1024);
    let u32le = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
    u32le(&mut b, p.k);
    u32le(&mut b, p.extended_k);
    b.extend_from_slice(&p.omega.to_repr());
    for v in [p.num_fixed, p.num_advice, p.num_instance, p.num_selectors] {
        u32le(&mut b, v);
    }
    u32le(&mut b, len32(p.gates.len()));
    for gate in &p.gates {
        u32le(&mut b, len32(gate.ops.len()));
        for op in &gate.ops {
            match *op {
                Op::Constant(c) => {
                    b.push(TAG_CONSTANT);
                    b.extend_from_slice(&c.to_repr());
                }
                Op::Fixed(q) => query_ref(&mut b, TAG_FIXED, q),
                Op::Advice(q) => query_ref(&mut b, TAG_ADVICE, q),
                Op::Instance(q) => query_ref(&mut b, TAG_INSTANCE, q),
                Op::Negated => b.push(TAG_NEGATED),
                Op::Sum => b.push(TAG_SUM),
                Op::Product => b.push(TAG_PRODUCT),
                Op::Scaled(c) => {
                    b.push(TAG_SCALED);
                    b.extend_from_slice(&c.to_repr());
                }
            }
        }
    }
    for qs in [&p.advice_queries, &p.instance_queries, &p.fixed_queries] {
        u32le(&mut b, len32(qs.len()));
        for q in qs.iter() {
            u32le(&mut b, q.column);
            b.extend_from_slice(&q.rotation.to_le_bytes());
        }
    }
    u32le(&mut b, len32(p.permutation.len()));
    for &(kind, column) in &p.permutation {
        b.push(match kind {
            ColumnKind::Advice => KIND_ADVICE,
            ColumnKind::Fixed => KIND_FIXED,
            ColumnKind::Instance => KIND_INSTANCE,
        });
        u32le(&mut b, column);
    }
    u32le(&mut b, 0); // lookups
    u32le(&mut b, len32(p.constants.len()));
    for &c in &p.constants {
        u32le(&mut b, c);
    }
    b.push(u8::from(p.minimum_degree.is_some()));
    u32le(&mut b, p.minimum_degree.unwrap_or(0));
    for ps in [&p.fixed_commitments, &p.permutation_commitments] {
        u32le(&mut b, len32(ps.len()));
        for point in ps.iter() {
            b.extend_from_slice(&point_to_bytes(point));
        }
    }
    b.extend_from_slice(key.pinned_hash());
    b.extend_from_slice(key.fingerprint());
    let mut out = Vec::with_capacity(HEADER_BYTES + b.len());
    out.extend_from_slice(KEY_FORMAT.as_bytes());
    out.extend_from_slice(&len32(b.len()).to_le_bytes());
    out.extend_from_slice(&b);
    out
}

/// Every length here is far below `u32::MAX` (the decoder caps the file
/// at [`MAX_KEY_BYTES`]).
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn query_ref(b: &mut Vec<u8>, tag: u8, q: QueryRef) {
    b.push(tag);
    b.extend_from_slice(&q.index.to_le_bytes());
    b.extend_from_slice(&q.column.to_le_bytes());
    b.extend_from_slice(&q.rotation.to_le_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, what: &str) -> KeyError {
        KeyError::Malformed(format!(
            "key file at byte {}: {what}",
            self.pos + HEADER_BYTES
        ))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], KeyError> {
        if self.b.len() - self.pos < n {
            return Err(KeyError::Truncated(format!(
                "{what} at byte {}",
                self.pos + HEADER_BYTES
            )));
        }
        let out = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, KeyError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, KeyError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4, what)?);
        Ok(u32::from_le_bytes(a))
    }

    fn i32(&mut self, what: &str) -> Result<i32, KeyError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4, what)?);
        Ok(i32::from_le_bytes(a))
    }

    /// A count whose items take at least `min_item` bytes each: refused
    /// before allocating if the rest of the file cannot hold them.
    fn count(&mut self, min_item: usize, what: &str) -> Result<usize, KeyError> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_item) > self.b.len() - self.pos {
            return Err(KeyError::Truncated(format!(
                "{n} {what} do not fit the {} bytes left",
                self.b.len() - self.pos
            )));
        }
        Ok(n)
    }

    fn fp(&mut self, what: &str) -> Result<Fp, KeyError> {
        let mut a = [0u8; 32];
        a.copy_from_slice(self.take(32, what)?);
        Option::from(Fp::from_repr(a)).ok_or_else(|| self.err(&format!("{what} not canonical")))
    }

    fn point(&mut self, what: &str) -> Result<vesta::Affine, KeyError> {
        let bytes = self.take(POINT_BYTES, what)?;
        point_from_bytes(bytes, true).ok_or_else(|| self.err(&format!("{what} not on the curve")))
    }

    fn query_ref(&mut self) -> Result<QueryRef, KeyError> {
        Ok(QueryRef {
            index: self.u32("query index")?,
            column: self.u32("query column")?,
            rotation: self.i32("query rotation")?,
        })
    }
}

/// Where a decoded key's hashes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hashes {
    /// Rendered again from the data and compared with the stored ones.
    Recompute,
    /// Taken from the file (bytes checked before).
    Stored,
}

pub(super) fn decode(bytes: &[u8], hashes: Hashes) -> Result<VerifyingKey, KeyError> {
    if bytes.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLarge(bytes.len()));
    }
    if bytes.len() < HEADER_BYTES || &bytes[..KEY_FORMAT.len()] != KEY_FORMAT.as_bytes() {
        return Err(KeyError::NotAKey);
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&bytes[KEY_FORMAT.len()..HEADER_BYTES]);
    let body_len = u32::from_le_bytes(len) as usize;
    let body = &bytes[HEADER_BYTES..];
    if body.len() != body_len {
        return Err(KeyError::Truncated(format!(
            "header says {body_len} body bytes, the file has {}",
            body.len()
        )));
    }
    let mut r = Reader { b: body, pos: 0 };
    let k = r.u32("k")?;
    let extended_k = r.u32("extended k")?;
    let omega = r.fp("omega")?;
    let num_fixed = r.u32("fixed columns")?;
    let num_advice = r.u32("advice columns")?;
    let num_instance = r.u32("instance columns")?;
    let num_selectors = r.u32("selectors")?;
    let n_gates = r.count(4, "polynomials")?;
    let mut gates = Vec::with_capacity(n_gates.min(PREALLOCATE));
    let mut total_ops = 0usize;
    for _ in 0..n_gates {
        let n_ops = r.count(1, "ops")?;
        total_ops += n_ops;
        if total_ops > MAX_KEY_OPS {
            return Err(r.err(&format!("more than {MAX_KEY_OPS} gate operations")));
        }
        let mut ops = Vec::with_capacity(n_ops.min(PREALLOCATE));
        for _ in 0..n_ops {
            let op = match r.u8("op tag")? {
                TAG_CONSTANT => Op::Constant(r.fp("constant")?),
                TAG_FIXED => Op::Fixed(r.query_ref()?),
                TAG_ADVICE => Op::Advice(r.query_ref()?),
                TAG_INSTANCE => Op::Instance(r.query_ref()?),
                TAG_NEGATED => Op::Negated,
                TAG_SUM => Op::Sum,
                TAG_PRODUCT => Op::Product,
                TAG_SCALED => Op::Scaled(r.fp("scale factor")?),
                t => return Err(r.err(&format!("unknown op tag {t}"))),
            };
            ops.push(op);
        }
        gates.push(Polynomial { ops });
    }
    let mut query_lists = Vec::with_capacity(3);
    for what in ["advice queries", "instance queries", "fixed queries"] {
        let n = r.count(8, what)?;
        let mut qs = Vec::with_capacity(n.min(PREALLOCATE));
        for _ in 0..n {
            qs.push(ColumnQuery {
                column: r.u32("query column")?,
                rotation: r.i32("query rotation")?,
            });
        }
        query_lists.push(qs);
    }
    let fixed_queries = query_lists.pop().unwrap_or_default();
    let instance_queries = query_lists.pop().unwrap_or_default();
    let advice_queries = query_lists.pop().unwrap_or_default();
    let n_perm = r.count(5, "permutation columns")?;
    let mut permutation = Vec::with_capacity(n_perm.min(PREALLOCATE));
    for _ in 0..n_perm {
        let kind = match r.u8("column kind")? {
            KIND_ADVICE => ColumnKind::Advice,
            KIND_FIXED => ColumnKind::Fixed,
            KIND_INSTANCE => ColumnKind::Instance,
            t => return Err(r.err(&format!("unknown column kind {t}"))),
        };
        permutation.push((kind, r.u32("permutation column")?));
    }
    if r.u32("lookups")? != 0 {
        return Err(KeyError::Unsupported(
            "lookup arguments (the eligibility circuit has none)".into(),
        ));
    }
    let n_const = r.count(4, "constant columns")?;
    let mut constants = Vec::with_capacity(n_const.min(PREALLOCATE));
    for _ in 0..n_const {
        constants.push(r.u32("constant column")?);
    }
    let has_min = r.u8("minimum degree flag")?;
    let min = r.u32("minimum degree")?;
    let minimum_degree = match has_min {
        0 if min == 0 => None,
        1 => Some(min),
        _ => return Err(r.err("bad minimum degree")),
    };
    let mut point_lists = Vec::with_capacity(2);
    for what in ["fixed commitments", "permutation commitments"] {
        let n = r.count(POINT_BYTES, what)?;
        let mut ps = Vec::with_capacity(n.min(PREALLOCATE));
        for _ in 0..n {
            ps.push(r.point(what)?);
        }
        point_lists.push(ps);
    }
    let permutation_commitments = point_lists.pop().unwrap_or_default();
    let fixed_commitments = point_lists.pop().unwrap_or_default();
    let stored_hash = r.take(64, "pinned hash")?;
    let stored_fp = r.take(32, "circuit fingerprint")?;
    if r.pos != body.len() {
        return Err(r.err(&format!("{} bytes after the key", body.len() - r.pos)));
    }
    let stored = StoredHashes {
        pinned_hash: stored_hash.try_into().map_err(|_| r.err("pinned hash"))?,
        fingerprint: stored_fp
            .try_into()
            .map_err(|_| r.err("circuit fingerprint"))?,
    };
    let key = VerifyingKey::from_parts(
        KeyParts {
            k,
            extended_k,
            omega,
            num_fixed,
            num_advice,
            num_instance,
            num_selectors,
            gates,
            advice_queries,
            instance_queries,
            fixed_queries,
            permutation,
            constants,
            minimum_degree,
            fixed_commitments,
            permutation_commitments,
        },
        (hashes == Hashes::Stored).then_some(stored),
    )?;
    if key.pinned_hash()[..] != stored_hash[..] || key.fingerprint()[..] != stored_fp[..] {
        return Err(KeyError::Malformed(
            "the stored key hash does not match the key's canonical text".into(),
        ));
    }
    Ok(key)
}
