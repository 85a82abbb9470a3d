//! Where the snapshot's salts come from: drawn at random (the default), or
//! derived from a network secret, the salt key, so that any machine holding
//! the key computes the same salts. With the key, any shard of a snapshot
//! can be recomputed and a lost package issued again; without it, nobody
//! can recompute a log commitment from a log.
//!
//! The derivation (`docs/protocol.md`, "Deterministic salts"):
//!
//! ```text
//! salt = Fp::from_uniform_bytes(BLAKE2b-512(key = K, personal = "eligo-salt/1",
//!          u64_le(len(program_id)) || program_id || u64_le(license_id)))
//! ```
//!
//! The 64-byte digest is reduced modulo `p` (bias below `2^-250`).

use std::path::Path;

use eligo_circuits::Fp;
use ff::{Field, FromUniformBytes};
use rand_core::Rng;

use crate::inputs::InputError;

/// Bytes of a salt key.
pub const SALT_KEY_BYTES: usize = 32;
/// BLAKE2b personalization of the salt derivation.
pub const SALT_PERSONAL: &[u8] = b"eligo-salt/1";
/// Largest salt-key file read (64 hex digits and some whitespace).
const MAX_KEY_FILE: u64 = 4096;

/// A source of one salt per license.
pub trait SaltSource {
    /// The salt of `license_id` in program `program_id`.
    fn salt(&mut self, program_id: &str, license_id: u64) -> Fp;

    /// What identifies the source in a snapshot part: `"random"`, or
    /// `"key:"` and the key's fingerprint. Parts whose salts come from
    /// different keys are not merged.
    fn describe(&self) -> String {
        SALTS_RANDOM.to_string()
    }
}

/// [`SaltSource::describe`] of random salts.
pub const SALTS_RANDOM: &str = "random";
/// BLAKE2b personalization of a salt key's fingerprint.
pub const FINGERPRINT_PERSONAL: &[u8] = b"eligo-saltkeyid";

/// Random salts: every draw is fresh.
impl<R: Rng> SaltSource for R {
    fn salt(&mut self, _program_id: &str, _license_id: u64) -> Fp {
        Fp::random(&mut *self)
    }
}

/// The network's secret salt key. Its `Debug` output hides the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SaltKey([u8; SALT_KEY_BYTES]);

impl core::fmt::Debug for SaltKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SaltKey(<secret>)")
    }
}

impl SaltKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; SALT_KEY_BYTES]) -> Self {
        SaltKey(bytes)
    }

    /// Parses 64 hex digits (whitespace around them is ignored).
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits = text.trim();
        if digits.len() != 2 * SALT_KEY_BYTES {
            return Err(format!(
                "a salt key is {} hex digits, found {} characters",
                2 * SALT_KEY_BYTES,
                digits.chars().count()
            ));
        }
        let mut key = [0u8; SALT_KEY_BYTES];
        hex::decode_to_slice(digits, &mut key)
            .map_err(|_| "a salt key is hex digits only (0-9, a-f)".to_string())?;
        Ok(SaltKey(key))
    }

    /// Reads a key file (errors name the file).
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let io = |e: std::io::Error| InputError::at(path, None, e.to_string());
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_KEY_FILE {
            return Err(InputError::at(
                path,
                None,
                format!("{len} bytes: a salt key file holds 64 hex digits"),
            ));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| InputError::at(path, Some(1), "a salt key is hex digits only"))?;
        SaltKey::parse(text).map_err(|m| InputError::at(path, Some(1), m))
    }

    /// The key's public fingerprint: BLAKE2b-256 keyed with the key, of
    /// no message, personalization [`FINGERPRINT_PERSONAL`]. It tells
    /// whether two parts used the same key and nothing about the key.
    pub fn fingerprint(&self) -> [u8; 32] {
        let digest = blake2b_simd::Params::new()
            .hash_length(32)
            .key(&self.0)
            .personal(FINGERPRINT_PERSONAL)
            .hash(&[]);
        digest.as_bytes().try_into().expect("32-byte digest")
    }

    /// The salt of `license_id` in program `program_id`.
    pub fn derive(&self, program_id: &str, license_id: u64) -> Fp {
        let digest = blake2b_simd::Params::new()
            .hash_length(64)
            .key(&self.0)
            .personal(SALT_PERSONAL)
            .to_state()
            .update(&(program_id.len() as u64).to_le_bytes())
            .update(program_id.as_bytes())
            .update(&license_id.to_le_bytes())
            .finalize();
        let wide: [u8; 64] = digest.as_bytes().try_into().expect("64-byte digest");
        Fp::from_uniform_bytes(&wide)
    }
}

impl SaltSource for SaltKey {
    fn salt(&mut self, program_id: &str, license_id: u64) -> Fp {
        self.derive(program_id, license_id)
    }

    fn describe(&self) -> String {
        format!("key:{}", hex::encode(self.fingerprint()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eligo_circuits::native::fp_to_hex;
    use rand::SeedableRng;

    /// The key of the test vectors: bytes 0, 1, …, 31.
    fn key() -> SaltKey {
        SaltKey::from_bytes(core::array::from_fn(|i| i as u8))
    }

    /// `(program, license, salt)` as `docs/protocol.md` lists them.
    fn vectors() -> Vec<(&'static str, u64, String)> {
        [("gnb", 0), ("gnb", 1), ("gnb", 42), ("other", 42)]
            .into_iter()
            .map(|(p, l)| (p, l, fp_to_hex(&key().derive(p, l))))
            .collect()
    }

    #[test]
    fn salts_match_the_protocol_vectors() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"))
                .unwrap();
        for (program, license, salt) in vectors() {
            let line = format!("| `{program}` | {license} | `{salt}` |");
            assert!(doc.contains(&line), "docs/protocol.md lacks {line}");
        }
    }

    #[test]
    fn the_key_fingerprint_matches_the_protocol_vector() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"))
                .unwrap();
        let fp = hex::encode(key().fingerprint());
        assert!(
            doc.contains(&format!("`{fp}`")),
            "docs/protocol.md lacks {fp}"
        );
        assert_eq!(key().describe(), format!("key:{fp}"));
        assert_ne!(
            SaltKey::from_bytes([1; SALT_KEY_BYTES]).fingerprint(),
            key().fingerprint()
        );
        let rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        assert_eq!(rng.describe(), SALTS_RANDOM);
    }

    #[test]
    fn salts_depend_on_key_program_and_license() {
        let k = key();
        let s = k.derive("gnb", 7);
        assert_eq!(s, k.derive("gnb", 7));
        assert_ne!(s, k.derive("gnb", 8));
        assert_ne!(s, k.derive("gnb2", 7));
        // The length prefix separates ("ab", ..) from ("a", ..) even when
        // the bytes would run together.
        assert_ne!(k.derive("ab", 7), k.derive("a", 7));
        let other = SaltKey::from_bytes([9; SALT_KEY_BYTES]);
        assert_ne!(s, other.derive("gnb", 7));
    }

    #[test]
    fn key_files_are_64_hex_digits() {
        let hex64 = "00".repeat(31) + "ff";
        assert!(SaltKey::parse(&hex64).is_ok());
        assert!(SaltKey::parse(&format!("  {hex64}\n")).is_ok());
        assert_eq!(
            SaltKey::parse(&hex64.to_uppercase()).unwrap(),
            SaltKey::parse(&hex64).unwrap()
        );
        for bad in [
            "",
            "00",
            &"0".repeat(63),
            &"0".repeat(65),
            &("g".to_string() + &"0".repeat(63)),
            &("0x".to_string() + &"0".repeat(62)),
        ] {
            assert!(SaltKey::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format!("{:?}", key()), "SaltKey(<secret>)");
    }
}
