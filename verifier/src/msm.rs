//! The verifier's multi-scalar multiplication: scalars for the generators
//! `G_i`, `W` and `U`, and for the commitments a proof brings. One proof's
//! checks reduce to "this MSM is the identity"; a batch adds the MSMs of
//! many proofs with independent factors and evaluates once.

use std::collections::BTreeMap;

use ff::{Field, PrimeField};
use group::Group;
use halo2_proofs::arithmetic::best_multiexp;
use pasta_curves::arithmetic::{Coordinates, CurveAffine};
use pasta_curves::{vesta, Fp, Fq};

use crate::gens::Generators;

/// A linear combination of points with scalar coefficients.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Combination {
    terms: Vec<(Fp, vesta::Affine)>,
}

impl Combination {
    /// The combination `1 · p`.
    pub fn point(p: vesta::Affine) -> Self {
        Combination {
            terms: vec![(Fp::ONE, p)],
        }
    }

    /// Adds `c · p`.
    pub fn push(&mut self, c: Fp, p: vesta::Affine) {
        self.terms.push((c, p));
    }

    /// Multiplies every coefficient by `f`.
    pub fn scale(&mut self, f: Fp) {
        for (c, _) in &mut self.terms {
            *c *= f;
        }
    }

    /// Adds `f · other`.
    pub fn add_scaled(&mut self, other: &Combination, f: Fp) {
        self.terms
            .extend(other.terms.iter().map(|&(c, p)| (c * f, p)));
    }

    /// The terms, in order.
    pub fn terms(&self) -> &[(Fp, vesta::Affine)] {
        &self.terms
    }
}

/// A pending check: `Σ g_i·G_i + w·W + u·U + Σ c_j·P_j = 0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msm {
    g: Vec<Fp>,
    w: Fp,
    u: Fp,
    others: Combination,
}

impl Msm {
    /// The zero MSM over `n` generators.
    pub fn new(n: usize) -> Self {
        Msm {
            g: vec![Fp::ZERO; n],
            w: Fp::ZERO,
            u: Fp::ZERO,
            others: Combination::default(),
        }
    }

    /// Adds `c` to the coefficient of `G_0`.
    pub fn add_constant(&mut self, c: Fp) {
        if let Some(g0) = self.g.first_mut() {
            *g0 += c;
        }
    }

    /// Adds `s_i` to the coefficient of each `G_i`.
    pub fn add_to_g(&mut self, s: &[Fp]) {
        for (g, s) in self.g.iter_mut().zip(s) {
            *g += s;
        }
    }

    /// Adds `c` to the coefficient of `W`.
    pub fn add_to_w(&mut self, c: Fp) {
        self.w += c;
    }

    /// Adds `c` to the coefficient of `U`.
    pub fn add_to_u(&mut self, c: Fp) {
        self.u += c;
    }

    /// Adds `f · c` for a combination `c`.
    pub fn add_combination(&mut self, c: &Combination, f: Fp) {
        self.others.add_scaled(c, f);
    }

    /// Adds `f · other`.
    pub fn add_scaled(&mut self, other: &Msm, f: Fp) {
        if self.g.len() < other.g.len() {
            self.g.resize(other.g.len(), Fp::ZERO);
        }
        for (a, b) in self.g.iter_mut().zip(&other.g) {
            *a += *b * f;
        }
        self.w += other.w * f;
        self.u += other.u * f;
        self.others.add_scaled(&other.others, f);
    }

    /// The coefficients of `G_i`.
    pub fn g_scalars(&self) -> &[Fp] {
        &self.g
    }

    /// The coefficient of `W`.
    pub fn w_scalar(&self) -> Fp {
        self.w
    }

    /// The coefficient of `U`.
    pub fn u_scalar(&self) -> Fp {
        self.u
    }

    /// The commitment terms, in the order the verifier added them.
    pub fn others(&self) -> &[(Fp, vesta::Affine)] {
        self.others.terms()
    }

    /// Evaluates the MSM with the generators and tells whether it is the
    /// identity. Terms of the same point (or of its negation) are merged
    /// first, as halo2's MSM does: the key's commitments appear once per
    /// proof of a batch, and once in the sum. Identity points contribute
    /// nothing.
    ///
    /// An MSM over another number of generators than `gens` holds is not
    /// the identity.
    pub fn is_identity(&self, gens: &Generators) -> bool {
        if self.g.len() != gens.g().len() {
            return false;
        }
        // x coordinate -> (scalar, y), halo2's merge rule.
        let mut merged: BTreeMap<[u8; 32], (Fp, Fq, vesta::Affine)> = BTreeMap::new();
        for &(c, p) in &self.others.terms {
            let Some(xy) = Option::<Coordinates<vesta::Affine>>::from(p.coordinates()) else {
                continue;
            };
            let (x, y) = (*xy.x(), *xy.y());
            merged
                .entry(x.to_repr())
                .and_modify(|(acc, y0, _)| {
                    // Two curve points with one x are P and -P.
                    if *y0 == y {
                        *acc += c;
                    } else {
                        *acc -= c;
                    }
                })
                .or_insert((c, y, p));
        }
        let len = self.g.len() + 2 + merged.len();
        let mut scalars = Vec::with_capacity(len);
        let mut bases = Vec::with_capacity(len);
        for (c, _, p) in merged.into_values() {
            scalars.push(c);
            bases.push(p);
        }
        scalars.push(self.w);
        bases.push(gens.w());
        scalars.push(self.u);
        bases.push(gens.u());
        scalars.extend_from_slice(&self.g);
        bases.extend_from_slice(gens.g());
        bool::from(best_multiexp(&scalars, &bases).is_identity())
    }
}

/// `Σ c_i · p_i` as an affine point (small sums: instance commitments).
pub(crate) fn small_sum(scalars: &[Fp], bases: &[vesta::Affine]) -> vesta::Affine {
    let mut acc = vesta::Point::identity();
    for (c, p) in scalars.iter().zip(bases) {
        acc += *p * c;
    }
    acc.into()
}
