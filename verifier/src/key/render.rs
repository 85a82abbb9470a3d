//! The canonical text of a key: byte for byte what halo2 0.4.1 prints for
//! `format!("{:?}", vk.pinned())`, rendered from our data alone.

use std::fmt::Write;

use ff::PrimeField;
use group::CurveAffine as _;
use pasta_curves::{vesta, Fp, Fq};

use super::{ColumnKind, ColumnQuery, KeyParts, Op, Polynomial};

/// The pinned text of a key.
pub(super) fn pinned_text(p: &KeyParts) -> String {
    let mut s = String::with_capacity(128 * 1024);
    // `write!` into a String cannot fail.
    let _ = write!(
        s,
        "PinnedVerificationKey {{ base_modulus: {:?}, scalar_modulus: {:?}, \
         domain: PinnedEvaluationDomain {{ k: {}, extended_k: {}, omega: {:?} }}, \
         cs: PinnedConstraintSystem {{ num_fixed_columns: {}, num_advice_columns: {}, \
         num_instance_columns: {}, num_selectors: {}, gates: [",
        Fq::MODULUS,
        Fp::MODULUS,
        p.k,
        p.extended_k,
        p.omega,
        p.num_fixed,
        p.num_advice,
        p.num_instance,
        p.num_selectors
    );
    for (i, gate) in p.gates.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        render_polynomial(&mut s, gate);
    }
    s.push_str("], advice_queries: ");
    queries(&mut s, &p.advice_queries, ColumnKind::Advice);
    s.push_str(", instance_queries: ");
    queries(&mut s, &p.instance_queries, ColumnKind::Instance);
    s.push_str(", fixed_queries: ");
    queries(&mut s, &p.fixed_queries, ColumnKind::Fixed);
    s.push_str(", permutation: Argument { columns: [");
    for (i, &(kind, index)) in p.permutation.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        column(&mut s, kind, index);
    }
    s.push_str("] }, lookups: [], constants: [");
    for (i, &index) in p.constants.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        column(&mut s, ColumnKind::Fixed, index);
    }
    s.push_str("], minimum_degree: ");
    match p.minimum_degree {
        None => s.push_str("None"),
        Some(d) => {
            let _ = write!(s, "Some({d})");
        }
    }
    s.push_str(" }, fixed_commitments: ");
    points(&mut s, &p.fixed_commitments);
    s.push_str(", permutation: VerifyingKey { commitments: ");
    points(&mut s, &p.permutation_commitments);
    s.push_str(" } }");
    s
}

fn column(s: &mut String, kind: ColumnKind, index: u32) {
    let _ = write!(
        s,
        "Column {{ index: {index}, column_type: {} }}",
        kind.name()
    );
}

fn queries(s: &mut String, qs: &[ColumnQuery], kind: ColumnKind) {
    s.push('[');
    for (i, q) in qs.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('(');
        column(s, kind, q.column);
        let _ = write!(s, ", Rotation({}))", q.rotation);
    }
    s.push(']');
}

fn points(s: &mut String, ps: &[vesta::Affine]) {
    s.push('[');
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        if bool::from(p.is_identity()) {
            s.push_str("Infinity");
        } else {
            let bytes = super::point_to_bytes(p);
            let _ = write!(s, "({}, {})", hex_le(&bytes[..32]), hex_le(&bytes[32..]));
        }
    }
    s.push(']');
}

/// `0x` + big-endian hex of little-endian bytes (pasta's `Debug`).
fn hex_le(le: &[u8]) -> String {
    let mut out = String::with_capacity(2 + 2 * le.len());
    out.push_str("0x");
    for b in le.iter().rev() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Renders a postfix program as halo2's nested `Debug` of `Expression`:
/// the operands of each op are found with a stack of indices, then the tree
/// is written straight into `s` (linear time; the recursion is bounded by
/// [`super::MAX_EXPR_DEPTH`], checked when the key was decoded).
fn render_polynomial(s: &mut String, poly: &Polynomial) {
    let ops = poly.ops();
    // For each op, its operands' indices (unary ops use the first).
    let mut operands: Vec<(usize, usize)> = vec![(0, 0); ops.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Negated | Op::Scaled(_) => {
                let a = stack.pop().unwrap_or(0);
                operands[i] = (a, a);
            }
            Op::Sum | Op::Product => {
                let b = stack.pop().unwrap_or(0);
                let a = stack.pop().unwrap_or(0);
                operands[i] = (a, b);
            }
            _ => {}
        }
        stack.push(i);
    }
    if let Some(&root) = stack.last() {
        render_node(s, ops, &operands, root, 0);
    }
}

fn render_node(s: &mut String, ops: &[Op], operands: &[(usize, usize)], i: usize, depth: usize) {
    if depth > super::MAX_EXPR_DEPTH {
        return;
    }
    let (a, b) = operands[i];
    match ops[i] {
        Op::Constant(c) => {
            let _ = write!(s, "Constant({c:?})");
        }
        Op::Fixed(q) => query_ref(s, "Fixed", q),
        Op::Advice(q) => query_ref(s, "Advice", q),
        Op::Instance(q) => query_ref(s, "Instance", q),
        Op::Negated => {
            s.push_str("Negated(");
            render_node(s, ops, operands, a, depth + 1);
            s.push(')');
        }
        Op::Scaled(c) => {
            s.push_str("Scaled(");
            render_node(s, ops, operands, a, depth + 1);
            let _ = write!(s, ", {c:?})");
        }
        Op::Sum | Op::Product => {
            s.push_str(if matches!(ops[i], Op::Sum) {
                "Sum("
            } else {
                "Product("
            });
            render_node(s, ops, operands, a, depth + 1);
            s.push_str(", ");
            render_node(s, ops, operands, b, depth + 1);
            s.push(')');
        }
    }
}

fn query_ref(s: &mut String, name: &str, q: super::QueryRef) {
    let _ = write!(
        s,
        "{name} {{ query_index: {}, column_index: {}, rotation: Rotation({}) }}",
        q.index, q.column, q.rotation
    );
}
