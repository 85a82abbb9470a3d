//! The commitment generators the verifier needs, stored uncompressed
//! (`eligo-gens/1`): loading them is an on-curve check per point, with no
//! square roots, unlike halo2's `Params::read`.
//!
//! Layout: magic `eligo-gens/1` (12 bytes), u32 `k`, u32 `m` (Lagrange
//! prefix length), then 64-byte points (x then y, 32 bytes little-endian
//! each): `W`, `U`, the `2^k` generators `G_i`, and the first `m` Lagrange
//! generators (what instance commitments use). The digest is BLAKE2b-256 of
//! the whole file; the canonical one (from halo2's `Params::new(k)`) is
//! pinned for every `k` Eligo's shapes use.

use group::GroupEncoding;
use pasta_curves::vesta;

use crate::error::GeneratorsError;
use crate::key::{point_from_bytes, point_to_bytes};

/// Format tag (the file's first bytes).
pub const GENERATORS_FORMAT: &str = "eligo-gens/1";
/// Lagrange generators kept: enough for the eligibility circuit's six
/// public inputs.
pub const LAGRANGE_PREFIX: usize = 8;
/// Smallest `k` accepted.
pub const MIN_GENERATORS_K: u32 = 1;
/// Largest `k` accepted.
pub const MAX_GENERATORS_K: u32 = 22;
const POINT_BYTES: usize = 64;
const HEADER_BYTES: usize = GENERATORS_FORMAT.len() + 8;

/// Canonical digests (BLAKE2b-256 of the `eligo-gens/1` bytes of halo2's
/// `Params::new(k)`, Lagrange prefix [`LAGRANGE_PREFIX`]).
const CANONICAL: &[(u32, &str)] = &[
    (
        8,
        "064988bbe19344bd35507f5fbab2beb1f843a0f47d62bae4f3ec9346870cc93b",
    ),
    (
        9,
        "f704d218b06dcbbad6617ee1272516d7d005188bfb114723b62d9d2dd2674e41",
    ),
    (
        10,
        "c6e1d25459493e0590fff90517af09ffe8026c05969ccdd602ebe03394ce0c8f",
    ),
    (
        11,
        "0be011437f82fa3a48ef94c1a76bb3b3f0814fa41a0aff27fa44863c0904ce33",
    ),
    (
        12,
        "26bd90da99bb7d1ef70b971e39f6a59b2b3f592d3d592040ffc7dc2f1fd90acc",
    ),
    (
        13,
        "a5f729b1a16217440a0ad575d8737a2f9d441b79d8b61a2f8780b8ff17cf5365",
    ),
    (
        14,
        "079473f669beae770520ce5eb89dbd46c449931622cd875e48f98cffe1f6c4c9",
    ),
    (
        15,
        "d676d9f7f64f67a75ee029ee13f089f093f2e0f751fc8852922b1c06e9d04904",
    ),
];

/// The pinned canonical digest for `k`, hex.
pub fn canonical_generators_digest(k: u32) -> Option<&'static str> {
    CANONICAL.iter().find(|(kk, _)| *kk == k).map(|(_, d)| *d)
}

/// Size of a generators file for `k` and a Lagrange prefix of `m`.
pub fn generators_len(k: u32, m: usize) -> usize {
    HEADER_BYTES + POINT_BYTES * (2 + (1usize << k) + m)
}

/// The generators of the IPA commitment scheme for one `k`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generators {
    k: u32,
    g: Vec<vesta::Affine>,
    lagrange: Vec<vesta::Affine>,
    w: vesta::Affine,
    u: vesta::Affine,
    digest: [u8; 32],
}

impl Generators {
    /// Decodes and checks an `eligo-gens/1` file (every point canonical and
    /// on the curve). Does not require the canonical digest: see
    /// [`Generators::decode_canonical`].
    pub fn decode(bytes: &[u8]) -> Result<Self, GeneratorsError> {
        if bytes.len() < HEADER_BYTES
            || &bytes[..GENERATORS_FORMAT.len()] != GENERATORS_FORMAT.as_bytes()
        {
            return Err(GeneratorsError::NotGenerators);
        }
        let word = |at: usize| {
            let mut a = [0u8; 4];
            a.copy_from_slice(&bytes[at..at + 4]);
            u32::from_le_bytes(a)
        };
        let k = word(GENERATORS_FORMAT.len());
        let m = word(GENERATORS_FORMAT.len() + 4) as usize;
        if !(MIN_GENERATORS_K..=MAX_GENERATORS_K).contains(&k) {
            return Err(GeneratorsError::BadK(k));
        }
        let n = 1usize << k;
        if m > n {
            return Err(GeneratorsError::Length {
                got: bytes.len(),
                want: generators_len(k, n),
            });
        }
        let want = generators_len(k, m);
        if bytes.len() != want {
            return Err(GeneratorsError::Length {
                got: bytes.len(),
                want,
            });
        }
        let mut points = bytes[HEADER_BYTES..]
            .chunks_exact(POINT_BYTES)
            .enumerate()
            .map(|(i, chunk)| point_from_bytes(chunk, false).ok_or(GeneratorsError::NotOnCurve(i)));
        let mut next = || {
            points
                .next()
                .unwrap_or(Err(GeneratorsError::NotOnCurve(usize::MAX)))
        };
        let w = next()?;
        let u = next()?;
        let g = (0..n).map(|_| next()).collect::<Result<Vec<_>, _>>()?;
        let lagrange = (0..m).map(|_| next()).collect::<Result<Vec<_>, _>>()?;
        Ok(Generators {
            k,
            g,
            lagrange,
            w,
            u,
            digest: crate::digest32(bytes),
        })
    }

    /// Decodes and requires the pinned canonical digest for the file's `k`.
    pub fn decode_canonical(bytes: &[u8]) -> Result<Self, GeneratorsError> {
        let gens = Self::decode(bytes)?;
        gens.check_canonical()?;
        Ok(gens)
    }

    /// Checks the digest against the pinned canonical one.
    pub fn check_canonical(&self) -> Result<(), GeneratorsError> {
        let want = canonical_generators_digest(self.k).ok_or(GeneratorsError::Unpinned(self.k))?;
        let got = crate::hex32(&self.digest);
        if got != want {
            return Err(GeneratorsError::NotCanonical {
                k: self.k,
                got,
                want: want.into(),
            });
        }
        Ok(())
    }

    /// The generators of halo2 parameters (the export path; decompresses
    /// the few points halo2 exposes only compressed).
    pub fn from_halo2(
        params: &halo2_proofs::poly::commitment::Params<vesta::Affine>,
    ) -> Result<Self, GeneratorsError> {
        let k = params.k();
        if !(MIN_GENERATORS_K..=MAX_GENERATORS_K).contains(&k) {
            return Err(GeneratorsError::BadK(k));
        }
        let n = 1usize << k;
        let mut raw = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = params.write(&mut raw);
        let compressed = |i: usize| -> Result<vesta::Affine, GeneratorsError> {
            let at = 4 + 32 * i;
            let mut repr = <vesta::Affine as GroupEncoding>::Repr::default();
            repr.as_mut()
                .copy_from_slice(raw.get(at..at + 32).ok_or(GeneratorsError::NotOnCurve(i))?);
            Option::from(vesta::Affine::from_bytes(&repr)).ok_or(GeneratorsError::NotOnCurve(i))
        };
        let lagrange = (0..LAGRANGE_PREFIX.min(n))
            .map(|i| compressed(n + i))
            .collect::<Result<Vec<_>, _>>()?;
        let w = compressed(2 * n)?;
        let u = compressed(2 * n + 1)?;
        let mut gens = Generators {
            k,
            g: params.get_g(),
            lagrange,
            w,
            u,
            digest: [0; 32],
        };
        gens.digest = crate::digest32(&gens.encode());
        Ok(gens)
    }

    /// The `eligo-gens/1` bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(generators_len(self.k, self.lagrange.len()));
        b.extend_from_slice(GENERATORS_FORMAT.as_bytes());
        b.extend_from_slice(&self.k.to_le_bytes());
        b.extend_from_slice(&(self.lagrange.len() as u32).to_le_bytes());
        for p in [&self.w, &self.u]
            .into_iter()
            .chain(self.g.iter())
            .chain(self.lagrange.iter())
        {
            b.extend_from_slice(&point_to_bytes(p));
        }
        b
    }

    /// log2 of the number of generators.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The generators `G_i`.
    pub fn g(&self) -> &[vesta::Affine] {
        &self.g
    }

    /// The first Lagrange generators.
    pub fn lagrange(&self) -> &[vesta::Affine] {
        &self.lagrange
    }

    /// The blinding generator `W`.
    pub fn w(&self) -> vesta::Affine {
        self.w
    }

    /// The IPA generator `U`.
    pub fn u(&self) -> vesta::Affine {
        self.u
    }

    /// BLAKE2b-256 of the file bytes.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The digest, hex.
    pub fn digest_hex(&self) -> String {
        crate::hex32(&self.digest)
    }
}
