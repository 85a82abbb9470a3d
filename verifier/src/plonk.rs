//! halo2 0.4.1's PLONK verifier for IPA over Pasta, written against the
//! key as data. It reads the proof in transcript order, checks the
//! vanishing argument at `x`, reduces every opening to one point `x_3`
//! (multiopen) and the opening to one MSM (the IPA), which the caller
//! evaluates alone or in a batch. `docs/protocol.md` walks through the
//! same steps.

use std::io::Read;

use ff::{BatchInvert, Field, PrimeField};
use halo2_proofs::transcript::{
    Blake2bRead, Challenge255, EncodedChallenge, Transcript, TranscriptRead,
};
use pasta_curves::{vesta, Fp};

use crate::error::ProofError;
use crate::gens::Generators;
use crate::key::{ColumnKind, VerifyingKey};
use crate::msm::{small_sum, Combination, Msm};

/// Largest proof accepted (bytes), checked before any decoding.
pub const MAX_PROOF_BYTES: usize = 64 * 1024;

type Reader<R> = Blake2bRead<R, vesta::Affine, Challenge255<vesta::Affine>>;

/// The challenges of one verification, in squeeze order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenges {
    /// θ (lookups; squeezed even without any).
    pub theta: Fp,
    /// β (permutation).
    pub beta: Fp,
    /// γ (permutation).
    pub gamma: Fp,
    /// y (gate combination).
    pub y: Fp,
    /// x (evaluation point).
    pub x: Fp,
    /// x₁ (multiopen: commitments at one point set).
    pub x1: Fp,
    /// x₂ (multiopen: point sets).
    pub x2: Fp,
    /// x₃ (multiopen: the opening point).
    pub x3: Fp,
    /// x₄ (multiopen: final combination).
    pub x4: Fp,
    /// ξ (IPA: blinding polynomial).
    pub xi: Fp,
    /// z (IPA: the inner product's generator).
    pub z: Fp,
    /// u_j, one per IPA round.
    pub rounds: Vec<Fp>,
}

impl Challenges {
    /// All challenges in squeeze order (as halo2's recorder lists them).
    pub fn in_order(&self) -> Vec<Fp> {
        let mut v = vec![
            self.theta, self.beta, self.gamma, self.y, self.x, self.x1, self.x2, self.x3, self.x4,
            self.xi, self.z,
        ];
        v.extend_from_slice(&self.rounds);
        v
    }
}

/// One proof reduced to its final check.
#[derive(Clone, Debug)]
pub struct Reduced {
    /// The MSM that must be the identity.
    pub msm: Msm,
    /// The challenges drawn on the way.
    pub challenges: Challenges,
}

fn read_point<R: Read>(t: &mut Reader<R>, what: &'static str) -> Result<vesta::Affine, ProofError> {
    t.read_point()
        .map_err(|e| ProofError::Decode(format!("{what}: {e}")))
}

fn read_scalar<R: Read>(t: &mut Reader<R>, what: &'static str) -> Result<Fp, ProofError> {
    t.read_scalar()
        .map_err(|e| ProofError::Decode(format!("{what}: {e}")))
}

fn read_points<R: Read>(
    t: &mut Reader<R>,
    n: usize,
    what: &'static str,
) -> Result<Vec<vesta::Affine>, ProofError> {
    (0..n).map(|_| read_point(t, what)).collect()
}

fn read_scalars<R: Read>(
    t: &mut Reader<R>,
    n: usize,
    what: &'static str,
) -> Result<Vec<Fp>, ProofError> {
    (0..n).map(|_| read_scalar(t, what)).collect()
}

fn squeeze<R: Read>(t: &mut Reader<R>) -> Fp {
    t.squeeze_challenge().get_scalar()
}

/// Which commitment a query opens. Equal points from different sources
/// stay distinct, as in halo2 (which compares references).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Instance(usize),
    Advice(usize),
    PermutationProduct(usize),
    Fixed(usize),
    PermutationCommon(usize),
    Quotient,
    Random,
}

struct Query {
    source: Source,
    point: Fp,
    eval: Fp,
}

/// One grand-product set of the permutation argument.
struct ProductSet {
    commitment: vesta::Affine,
    eval: Fp,
    next: Fp,
    last: Option<Fp>,
}

/// `L_i(x)` for `i` in `rotations`: `ω^i (xⁿ - 1) / (n (x - ω^i))`.
fn lagrange_at(
    key: &VerifyingKey,
    x: Fp,
    xn: Fp,
    rotations: &[i32],
) -> Result<Vec<Fp>, ProofError> {
    let mut dens: Vec<Fp> = rotations
        .iter()
        .map(|&r| x - key.rotate(Fp::ONE, r))
        .collect();
    if dens.iter().any(|d| bool::from(d.is_zero())) {
        return Err(ProofError::Degenerate("x is a root of unity"));
    }
    dens.iter_mut().batch_invert();
    let n_inv = Option::<Fp>::from(Fp::from(key.n()).invert()).unwrap_or(Fp::ZERO);
    let common = (xn - Fp::ONE) * n_inv;
    Ok(rotations
        .iter()
        .zip(dens)
        .map(|(&r, d)| key.rotate(d * common, r))
        .collect())
}

/// Reads and checks one proof against `instances` (one slice per instance
/// column); returns its final MSM without evaluating it.
pub fn reduce(
    key: &VerifyingKey,
    gens: &Generators,
    instances: &[&[Fp]],
    proof: &[u8],
) -> Result<Reduced, ProofError> {
    if key.k() != gens.k() {
        return Err(ProofError::KMismatch {
            key: key.k(),
            gens: gens.k(),
        });
    }
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::TooLarge(proof.len()));
    }
    if instances.len() != key.num_instance_columns() {
        return Err(ProofError::InstanceColumns {
            got: instances.len(),
            want: key.num_instance_columns(),
        });
    }
    let max = key.max_instance_len().min(gens.lagrange().len());
    if let Some(col) = instances.iter().find(|c| c.len() > max) {
        return Err(ProofError::InstanceTooLong {
            got: col.len(),
            max,
        });
    }
    // Instance commitments: Σ v_i·L_i + 1·W (halo2's default blind is one).
    let instance_commitments: Vec<vesta::Affine> = instances
        .iter()
        .map(|col| {
            let mut scalars = col.to_vec();
            scalars.push(Fp::ONE);
            let mut bases = gens.lagrange()[..col.len()].to_vec();
            bases.push(gens.w());
            small_sum(&scalars, &bases)
        })
        .collect();

    let mut cursor: &[u8] = proof;
    let result = {
        let mut t: Reader<&mut &[u8]> = Blake2bRead::init(&mut cursor);
        run(key, &instance_commitments, &mut t)
    }?;
    if !cursor.is_empty() {
        return Err(ProofError::TrailingBytes(cursor.len()));
    }
    Ok(result)
}

fn run<R: Read>(
    key: &VerifyingKey,
    instance_commitments: &[vesta::Affine],
    t: &mut Reader<R>,
) -> Result<Reduced, ProofError> {
    let transcript_err = |e: std::io::Error| ProofError::Decode(e.to_string());
    t.common_scalar(key.transcript_repr())
        .map_err(transcript_err)?;
    for c in instance_commitments {
        t.common_point(*c).map_err(transcript_err)?;
    }
    let advice = read_points(t, key.num_advice_columns(), "advice commitment")?;
    let theta = squeeze(t);
    let beta = squeeze(t);
    let gamma = squeeze(t);
    let products = read_points(t, key.permutation_sets(), "permutation product commitment")?;
    let random_commitment = read_point(t, "vanishing random commitment")?;
    let y = squeeze(t);
    let h = read_points(t, key.quotient_pieces(), "quotient commitment")?;
    let x = squeeze(t);
    let instance_evals = read_scalars(t, key.instance_queries().len(), "instance evaluation")?;
    let advice_evals = read_scalars(t, key.advice_queries().len(), "advice evaluation")?;
    let fixed_evals = read_scalars(t, key.fixed_queries().len(), "fixed evaluation")?;
    let random_eval = read_scalar(t, "vanishing random evaluation")?;
    let common_evals = read_scalars(
        t,
        key.permutation_commitments().len(),
        "permutation evaluation",
    )?;
    let mut sets = Vec::with_capacity(products.len());
    for (i, &commitment) in products.iter().enumerate() {
        let eval = read_scalar(t, "permutation product evaluation")?;
        let next = read_scalar(t, "permutation product evaluation")?;
        let last = if i + 1 < products.len() {
            Some(read_scalar(t, "permutation product evaluation")?)
        } else {
            None
        };
        sets.push(ProductSet {
            commitment,
            eval,
            next,
            last,
        });
    }

    // The vanishing argument: Σ y^i·e_i = h(x)·(xⁿ - 1).
    let xn = x.pow_vartime([key.n()]);
    let blinding = key.blinding_factors();
    let rotations: Vec<i32> = (-((blinding + 1) as i32)..=0).collect();
    let l = lagrange_at(key, x, xn, &rotations)?;
    let l_last = l[0];
    let l_blind: Fp = l[1..=blinding].iter().copied().sum();
    let l_0 = l[blinding + 1];

    let mut acc = Fp::ZERO;
    let mut fold = |v: Fp| acc = acc * y + v;
    for gate in key.gates() {
        fold(gate.evaluate(&fixed_evals, &advice_evals, &instance_evals));
    }
    // Permutation argument.
    if let Some(first) = sets.first() {
        fold(l_0 * (Fp::ONE - first.eval));
    }
    if let Some(last) = sets.last() {
        fold((last.eval.square() - last.eval) * l_last);
    }
    for pair in sets.windows(2) {
        let prev_last = pair[0].last.unwrap_or(Fp::ZERO);
        fold((pair[1].eval - prev_last) * l_0);
    }
    let chunk = key.permutation_chunk();
    let column_eval = |&(kind, index): &(ColumnKind, usize)| match kind {
        ColumnKind::Advice => advice_evals[index],
        ColumnKind::Fixed => fixed_evals[index],
        ColumnKind::Instance => instance_evals[index],
    };
    let active = Fp::ONE - (l_last + l_blind);
    for (set_index, ((set, columns), perm_evals)) in sets
        .iter()
        .zip(key.permutation_evals().chunks(chunk))
        .zip(common_evals.chunks(chunk))
        .enumerate()
    {
        let mut left = set.next;
        for (col, s) in columns.iter().zip(perm_evals) {
            left *= column_eval(col) + beta * s + gamma;
        }
        let mut right = set.eval;
        let mut delta = beta * x * Fp::DELTA.pow_vartime([(set_index * chunk) as u64]);
        for col in columns {
            right *= column_eval(col) + delta + gamma;
            delta *= Fp::DELTA;
        }
        fold((left - right) * active);
    }
    let vanishing =
        Option::<Fp>::from((xn - Fp::ONE).invert()).ok_or(ProofError::Degenerate("xⁿ = 1"))?;
    let expected_h = acc * vanishing;
    // h(X) = Σ h_j(X)·X^{jn}: its commitment at x is Σ xⁿʲ·H_j.
    let mut h_commitment = Combination::default();
    for c in h.iter().rev() {
        h_commitment.scale(xn);
        h_commitment.push(Fp::ONE, *c);
    }

    // Every opening, in halo2's order.
    let mut queries: Vec<Query> = Vec::new();
    for (i, q) in key.instance_queries().iter().enumerate() {
        queries.push(Query {
            source: Source::Instance(q.column as usize),
            point: key.rotate(x, q.rotation),
            eval: instance_evals[i],
        });
    }
    for (i, q) in key.advice_queries().iter().enumerate() {
        queries.push(Query {
            source: Source::Advice(q.column as usize),
            point: key.rotate(x, q.rotation),
            eval: advice_evals[i],
        });
    }
    let x_next = key.rotate(x, 1);
    let x_last = key.rotate(x, -((blinding + 1) as i32));
    for (i, set) in sets.iter().enumerate() {
        queries.push(Query {
            source: Source::PermutationProduct(i),
            point: x,
            eval: set.eval,
        });
        queries.push(Query {
            source: Source::PermutationProduct(i),
            point: x_next,
            eval: set.next,
        });
    }
    for (i, set) in sets.iter().enumerate().rev().skip(1) {
        queries.push(Query {
            source: Source::PermutationProduct(i),
            point: x_last,
            eval: set.last.unwrap_or(Fp::ZERO),
        });
    }
    for (i, q) in key.fixed_queries().iter().enumerate() {
        queries.push(Query {
            source: Source::Fixed(q.column as usize),
            point: key.rotate(x, q.rotation),
            eval: fixed_evals[i],
        });
    }
    for (i, &eval) in common_evals.iter().enumerate() {
        queries.push(Query {
            source: Source::PermutationCommon(i),
            point: x,
            eval,
        });
    }
    queries.push(Query {
        source: Source::Quotient,
        point: x,
        eval: expected_h,
    });
    queries.push(Query {
        source: Source::Random,
        point: x,
        eval: random_eval,
    });

    let commitment = |s: Source| -> Combination {
        match s {
            Source::Instance(c) => Combination::point(instance_commitments[c]),
            Source::Advice(c) => Combination::point(advice[c]),
            Source::PermutationProduct(i) => Combination::point(sets[i].commitment),
            Source::Fixed(c) => Combination::point(key.fixed_commitments()[c]),
            Source::PermutationCommon(i) => Combination::point(key.permutation_commitments()[i]),
            Source::Quotient => h_commitment.clone(),
            Source::Random => Combination::point(random_commitment),
        }
    };

    // Multiopen: group commitments by the set of points they are opened at.
    let x1 = squeeze(t);
    let x2 = squeeze(t);
    let mut points: Vec<Fp> = Vec::new(); // by first appearance
    let mut commitments: Vec<(Source, Vec<usize>)> = Vec::new(); // by first appearance
    for q in &queries {
        let p = match points.iter().position(|&p| p == q.point) {
            Some(p) => p,
            None => {
                points.push(q.point);
                points.len() - 1
            }
        };
        match commitments.iter_mut().find(|(s, _)| *s == q.source) {
            Some((_, ps)) => ps.push(p),
            None => commitments.push((q.source, vec![p])),
        }
    }
    // Each commitment's sorted, deduplicated point-index set; sets are
    // numbered by first appearance in commitment order.
    let mut point_sets: Vec<Vec<usize>> = Vec::new();
    let mut set_of: Vec<usize> = Vec::with_capacity(commitments.len());
    for (_, ps) in &commitments {
        let mut set = ps.clone();
        set.sort_unstable();
        set.dedup();
        let idx = match point_sets.iter().position(|s| *s == set) {
            Some(i) => i,
            None => {
                point_sets.push(set);
                point_sets.len() - 1
            }
        };
        set_of.push(idx);
    }
    // The evaluations of each commitment, in its set's point order.
    let mut evals: Vec<Vec<Option<Fp>>> = set_of
        .iter()
        .map(|&s| vec![None; point_sets[s].len()])
        .collect();
    for q in &queries {
        let ci = commitments
            .iter()
            .position(|(s, _)| *s == q.source)
            .ok_or(ProofError::Degenerate("query without commitment"))?;
        let p = points
            .iter()
            .position(|&p| p == q.point)
            .ok_or(ProofError::Degenerate("query without point"))?;
        let slot = point_sets[set_of[ci]]
            .iter()
            .position(|&i| i == p)
            .ok_or(ProofError::Degenerate("point outside its set"))?;
        if evals[ci][slot].is_some() {
            return Err(ProofError::Degenerate("two evaluations of one opening"));
        }
        evals[ci][slot] = Some(q.eval);
    }

    let mut q_commitments: Vec<(Combination, Fp)> =
        vec![(Combination::default(), Fp::ONE); point_sets.len()];
    let mut q_evals: Vec<Vec<Fp>> = point_sets.iter().map(|s| vec![Fp::ZERO; s.len()]).collect();
    for ci in (0..commitments.len()).rev() {
        let s = set_of[ci];
        let (acc, power) = &mut q_commitments[s];
        acc.add_scaled(&commitment(commitments[ci].0), *power);
        for (e, slot) in evals[ci].iter().zip(q_evals[s].iter_mut()) {
            *slot += e.unwrap_or(Fp::ZERO) * *power;
        }
        *power *= x1;
    }
    let q_prime = read_point(t, "multiopen commitment")?;
    let x3 = squeeze(t);
    let u = read_scalars(t, point_sets.len(), "multiopen evaluation")?;
    let mut msm_eval = Fp::ZERO;
    for ((set, values), proof_eval) in point_sets.iter().zip(&q_evals).zip(&u) {
        let pts: Vec<Fp> = set.iter().map(|&i| points[i]).collect();
        let r = interpolate_at(&pts, values, x3)?;
        let mut e = *proof_eval - r;
        for p in &pts {
            let d = Option::<Fp>::from((x3 - p).invert())
                .ok_or(ProofError::Degenerate("x₃ is an opening point"))?;
            e *= d;
        }
        msm_eval = msm_eval * x2 + e;
    }
    let x4 = squeeze(t);
    let mut opening = Combination::point(q_prime);
    let mut v = msm_eval;
    for ((q, _), q_eval) in q_commitments.iter().zip(&u) {
        opening.scale(x4);
        opening.add_scaled(q, Fp::ONE);
        v = v * x4 + q_eval;
    }

    // The IPA opening of `opening` at x₃ to v.
    let k = key.k() as usize;
    let mut msm = Msm::new(1 << k);
    msm.add_combination(&opening, Fp::ONE);
    msm.add_constant(-v);
    let s_commitment = read_point(t, "IPA blinding commitment")?;
    let xi = squeeze(t);
    msm.add_combination(&Combination::point(s_commitment), xi);
    let z = squeeze(t);
    let mut rounds = Vec::with_capacity(k);
    let mut lr = Vec::with_capacity(k);
    for _ in 0..k {
        let l = read_point(t, "IPA round L")?;
        let r = read_point(t, "IPA round R")?;
        lr.push((l, r));
        rounds.push(squeeze(t));
    }
    if rounds.iter().any(|u| bool::from(u.is_zero())) {
        return Err(ProofError::Degenerate("zero IPA challenge"));
    }
    let mut inverses = rounds.clone();
    inverses.iter_mut().batch_invert();
    for ((l, r), (u_j, u_inv)) in lr.iter().zip(rounds.iter().zip(&inverses)) {
        let mut c = Combination::default();
        c.push(*u_inv, *l);
        c.push(*u_j, *r);
        msm.add_combination(&c, Fp::ONE);
    }
    let c = read_scalar(t, "IPA final c")?;
    let f = read_scalar(t, "IPA final f")?;
    let b = compute_b(x3, &rounds);
    msm.add_to_u(-c * b * z);
    msm.add_to_w(-f);
    msm.add_to_g(&compute_s(&rounds, -c));
    Ok(Reduced {
        msm,
        challenges: Challenges {
            theta,
            beta,
            gamma,
            y,
            x,
            x1,
            x2,
            x3,
            x4,
            xi,
            z,
            rounds,
        },
    })
}

/// The value at `at` of the polynomial through `(points[i], values[i])`.
fn interpolate_at(points: &[Fp], values: &[Fp], at: Fp) -> Result<Fp, ProofError> {
    let mut total = Fp::ZERO;
    for (i, (&pi, &vi)) in points.iter().zip(values).enumerate() {
        let mut num = Fp::ONE;
        let mut den = Fp::ONE;
        for (j, &pj) in points.iter().enumerate() {
            if i != j {
                num *= at - pj;
                den *= pi - pj;
            }
        }
        let den = Option::<Fp>::from(den.invert())
            .ok_or(ProofError::Degenerate("repeated opening point"))?;
        total += vi * num * den;
    }
    Ok(total)
}

/// `b = Π_{i} (1 + u_{k-1-i} · x^{2^i})`: the IPA's folded evaluation vector.
fn compute_b(x: Fp, u: &[Fp]) -> Fp {
    let mut acc = Fp::ONE;
    let mut power = x;
    for u_j in u.iter().rev() {
        acc *= Fp::ONE + *u_j * power;
        power = power.square();
    }
    acc
}

/// The coefficients of `init · Π (1 + u_{k-1-i} X^{2^i})`: the scalars of
/// the folded generator `G' = ⟨s, G⟩`.
fn compute_s(u: &[Fp], init: Fp) -> Vec<Fp> {
    let mut v = vec![Fp::ZERO; 1 << u.len()];
    v[0] = init;
    for (i, u_j) in u.iter().rev().enumerate() {
        let half = 1usize << i;
        let (left, right) = v.split_at_mut(half);
        for (r, l) in right[..half].iter_mut().zip(left.iter()) {
            *r = *l * u_j;
        }
    }
    v
}
