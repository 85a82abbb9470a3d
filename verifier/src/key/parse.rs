//! Reads halo2 0.4.1's pinned key text (`format!("{:?}", vk.pinned())`)
//! into [`KeyParts`]. Used once per circuit shape to export a key file;
//! the caller then checks that rendering the parts reproduces the text.

use ff::PrimeField;
use group::CurveAffine as _;
use pasta_curves::arithmetic::CurveAffine;
use pasta_curves::{vesta, Fp, Fq};

use super::{ColumnKind, ColumnQuery, KeyParts, Op, Polynomial, QueryRef, MAX_EXPR_DEPTH};
use crate::error::KeyError;

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, what: &str) -> KeyError {
        let near: String = self.s[self.pos..].chars().take(40).collect();
        KeyError::Malformed(format!(
            "pinned text at byte {}: expected {what}, found {near:?}",
            self.pos
        ))
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, lit: &str) -> Result<(), KeyError> {
        if self.eat(lit) {
            Ok(())
        } else {
            Err(self.err(&format!("{lit:?}")))
        }
    }

    fn int(&mut self) -> Result<i64, KeyError> {
        let rest = self.rest();
        let neg = rest.starts_with('-');
        let digits = rest[usize::from(neg)..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 || digits > 18 {
            return Err(self.err("an integer"));
        }
        let end = usize::from(neg) + digits;
        let v: i64 = rest[..end].parse().map_err(|_| self.err("an integer"))?;
        self.pos += end;
        Ok(v)
    }

    fn u32(&mut self) -> Result<u32, KeyError> {
        let v = self.int()?;
        u32::try_from(v).map_err(|_| self.err("a u32"))
    }

    fn i32(&mut self) -> Result<i32, KeyError> {
        let v = self.int()?;
        i32::try_from(v).map_err(|_| self.err("an i32"))
    }

    /// `0x` + 64 hex digits, big-endian.
    fn hex32(&mut self) -> Result<[u8; 32], KeyError> {
        self.expect("0x")?;
        let rest = self.rest();
        if rest.len() < 64 || !rest.as_bytes()[..64].iter().all(u8::is_ascii_hexdigit) {
            return Err(self.err("64 hex digits"));
        }
        let mut le = [0u8; 32];
        for (i, b) in le.iter_mut().enumerate() {
            let j = 62 - 2 * i;
            *b = u8::from_str_radix(&rest[j..j + 2], 16).map_err(|_| self.err("hex"))?;
        }
        self.pos += 64;
        Ok(le)
    }

    fn fp(&mut self) -> Result<Fp, KeyError> {
        let le = self.hex32()?;
        Option::from(Fp::from_repr(le)).ok_or_else(|| self.err("a canonical scalar"))
    }

    fn fq(&mut self) -> Result<Fq, KeyError> {
        let le = self.hex32()?;
        Option::from(Fq::from_repr(le)).ok_or_else(|| self.err("a canonical base element"))
    }

    fn point(&mut self) -> Result<vesta::Affine, KeyError> {
        if self.eat("Infinity") {
            return Ok(vesta::Affine::identity());
        }
        self.expect("(")?;
        let x = self.fq()?;
        self.expect(", ")?;
        let y = self.fq()?;
        self.expect(")")?;
        Option::from(vesta::Affine::from_xy(x, y)).ok_or_else(|| self.err("a point on the curve"))
    }

    /// `[item, item, …]`.
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, KeyError>,
    ) -> Result<Vec<T>, KeyError> {
        self.expect("[")?;
        let mut out = Vec::new();
        if self.eat("]") {
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat("]") {
                return Ok(out);
            }
            self.expect(", ")?;
        }
    }

    fn kind(&mut self) -> Result<ColumnKind, KeyError> {
        if self.eat("Advice") {
            Ok(ColumnKind::Advice)
        } else if self.eat("Fixed") {
            Ok(ColumnKind::Fixed)
        } else if self.eat("Instance") {
            Ok(ColumnKind::Instance)
        } else {
            Err(self.err("a column type"))
        }
    }

    fn column(&mut self) -> Result<(ColumnKind, u32), KeyError> {
        self.expect("Column { index: ")?;
        let index = self.u32()?;
        self.expect(", column_type: ")?;
        let kind = self.kind()?;
        self.expect(" }")?;
        Ok((kind, index))
    }

    fn query(&mut self, want: ColumnKind) -> Result<ColumnQuery, KeyError> {
        self.expect("(")?;
        let (kind, column) = self.column()?;
        if kind != want {
            return Err(self.err(&format!("a {} column", want.name())));
        }
        self.expect(", Rotation(")?;
        let rotation = self.i32()?;
        self.expect("))")?;
        Ok(ColumnQuery { column, rotation })
    }

    fn query_ref(&mut self) -> Result<QueryRef, KeyError> {
        self.expect(" { query_index: ")?;
        let index = self.u32()?;
        self.expect(", column_index: ")?;
        let column = self.u32()?;
        self.expect(", rotation: Rotation(")?;
        let rotation = self.i32()?;
        self.expect(") }")?;
        Ok(QueryRef {
            index,
            column,
            rotation,
        })
    }

    /// One `Expression`, appended to `ops` in postfix order.
    fn expr(&mut self, ops: &mut Vec<Op>, depth: usize) -> Result<(), KeyError> {
        if depth > MAX_EXPR_DEPTH {
            return Err(self.err("a shallower expression"));
        }
        if self.eat("Constant(") {
            let c = self.fp()?;
            self.expect(")")?;
            ops.push(Op::Constant(c));
        } else if self.eat("Fixed") {
            ops.push(Op::Fixed(self.query_ref()?));
        } else if self.eat("Advice") {
            ops.push(Op::Advice(self.query_ref()?));
        } else if self.eat("Instance") {
            ops.push(Op::Instance(self.query_ref()?));
        } else if self.eat("Negated(") {
            self.expr(ops, depth + 1)?;
            self.expect(")")?;
            ops.push(Op::Negated);
        } else if self.eat("Scaled(") {
            self.expr(ops, depth + 1)?;
            self.expect(", ")?;
            let c = self.fp()?;
            self.expect(")")?;
            ops.push(Op::Scaled(c));
        } else {
            let op = if self.eat("Sum(") {
                Op::Sum
            } else if self.eat("Product(") {
                Op::Product
            } else {
                return Err(self.err("an expression"));
            };
            self.expr(ops, depth + 1)?;
            self.expect(", ")?;
            self.expr(ops, depth + 1)?;
            self.expect(")")?;
            ops.push(op);
        }
        Ok(())
    }
}

/// Parses the pinned text.
pub(super) fn parse_pinned(text: &str) -> Result<KeyParts, KeyError> {
    let mut c = Cursor { s: text, pos: 0 };
    c.expect(&format!(
        "PinnedVerificationKey {{ base_modulus: {:?}, scalar_modulus: {:?}, ",
        Fq::MODULUS,
        Fp::MODULUS
    ))?;
    c.expect("domain: PinnedEvaluationDomain { k: ")?;
    let k = c.u32()?;
    c.expect(", extended_k: ")?;
    let extended_k = c.u32()?;
    c.expect(", omega: ")?;
    let omega = c.fp()?;
    c.expect(" }, cs: PinnedConstraintSystem { num_fixed_columns: ")?;
    let num_fixed = c.u32()?;
    c.expect(", num_advice_columns: ")?;
    let num_advice = c.u32()?;
    c.expect(", num_instance_columns: ")?;
    let num_instance = c.u32()?;
    c.expect(", num_selectors: ")?;
    let num_selectors = c.u32()?;
    c.expect(", gates: ")?;
    let gates = c.list(|c| {
        let mut ops = Vec::new();
        c.expr(&mut ops, 1)?;
        Ok(Polynomial { ops })
    })?;
    c.expect(", advice_queries: ")?;
    let advice_queries = c.list(|c| c.query(ColumnKind::Advice))?;
    c.expect(", instance_queries: ")?;
    let instance_queries = c.list(|c| c.query(ColumnKind::Instance))?;
    c.expect(", fixed_queries: ")?;
    let fixed_queries = c.list(|c| c.query(ColumnKind::Fixed))?;
    c.expect(", permutation: Argument { columns: ")?;
    let permutation = c.list(|c| c.column())?;
    c.expect(" }, lookups: ")?;
    if !c.eat("[]") {
        return Err(KeyError::Unsupported(
            "lookup arguments (the eligibility circuit has none)".into(),
        ));
    }
    c.expect(", constants: ")?;
    let constants = c.list(|c| {
        let (kind, index) = c.column()?;
        if kind != ColumnKind::Fixed {
            return Err(c.err("a fixed column"));
        }
        Ok(index)
    })?;
    c.expect(", minimum_degree: ")?;
    let minimum_degree = if c.eat("None") {
        None
    } else {
        c.expect("Some(")?;
        let d = c.u32()?;
        c.expect(")")?;
        Some(d)
    };
    c.expect(" }, fixed_commitments: ")?;
    let fixed_commitments = c.list(|c| c.point())?;
    c.expect(", permutation: VerifyingKey { commitments: ")?;
    let permutation_commitments = c.list(|c| c.point())?;
    c.expect(" } }")?;
    if !c.rest().is_empty() {
        return Err(c.err("the end of the text"));
    }
    Ok(KeyParts {
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
    })
}
