//! On-disk cache of IPA parameters.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::Params;

/// Environment variable naming Eligo's home (cache) directory.
pub const ELIGO_HOME_ENV: &str = "ELIGO_HOME";
/// Magic bytes of a params file.
const MAGIC: &[u8; 8] = b"ELIGOIPA";
/// Version of the params file layout.
const FORMAT_VERSION: u32 = 1;
/// Header: magic, version, k, body length, digest.
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 32;
/// Bytes of one compressed point.
const POINT_BYTES: u64 = 32;
/// Largest `k` accepted (2^k rows).
pub const MAX_K: u32 = 24;

/// BLAKE2b-256 of the canonical parameter body (`Params::new(k)` as written
/// by `Params::write`) for every `k` a supported shape uses (8 to 16).
/// `Params::new` is deterministic, so a cached file whose body differs was
/// not made by it: a planted file with known discrete-log relations between
/// generators would let forged proofs verify, and is refused.
const CANONICAL_DIGESTS: &[(u32, &str)] = &[
    (
        8,
        "4e2600d2146e0356001d39e1cf3f0048c75a428251afd0c03fbc6d5e3b90c2a9",
    ),
    (
        9,
        "e8e5479981383bf74da627a6a3fa6f77463a36d9184372c1023f1cde66f80750",
    ),
    (
        10,
        "7cb87405f41de2a0f0b640d702482629d77a15c469d79d864407c0494d4e75ed",
    ),
    (
        11,
        "773ee1d3dcc65a13e97e4d88119d1d20fb12a8db4443361f370c75bdc2c91382",
    ),
    (
        12,
        "8d715ccc1bbb447a03a53ef53866f060ce574c0d76e00ed7aea35f8be6fc0af5",
    ),
    (
        13,
        "c2ecc4e0390ee1c5ed97822aa97119721bd01a3008a127113fa84de347e994c6",
    ),
    (
        14,
        "7e77bf05488d7e8514ef5dcbe9326091994853a7bbb1e39272a0b8fe53c6d40c",
    ),
    (
        15,
        "1eef393892a47e431d6385d684efe3fc0011382011ca878b596da2ad3b89e400",
    ),
    (
        16,
        "96148e6086e2a9d113583a62a6bbc1e1faae9f9ab5c3fa6ec545601ea5fcd802",
    ),
];

/// The pinned digest of the canonical parameters for `k`, if pinned.
pub fn canonical_digest(k: u32) -> Option<&'static str> {
    CANONICAL_DIGESTS
        .iter()
        .find(|(kk, _)| *kk == k)
        .map(|(_, d)| *d)
}

fn body_digest(body: &[u8]) -> blake2b_simd::Hash {
    blake2b_simd::Params::new().hash_length(32).hash(body)
}

/// Errors of the parameter cache.
#[derive(Debug, Error)]
pub enum ParamsError {
    /// I/O failure on a named path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No cache directory could be found.
    #[error("no cache directory: set {ELIGO_HOME_ENV} or HOME")]
    NoHome,
    /// `k` out of range.
    #[error("k = {0} is out of range (1..={MAX_K})")]
    BadK(u32),
    /// A parameter body is not the canonical one for its `k`.
    #[error("parameters for k = {k} refused: {reason}")]
    NotCanonical {
        /// The `k`.
        k: u32,
        /// Why.
        reason: String,
    },
    /// The file is not a valid params file (reason given).
    #[error("{path}: invalid params file: {reason}")]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Observer of slow parameter generation.
pub trait Progress {
    /// Generation of parameters for `k` starts.
    fn generating(&self, k: u32);
    /// Generation finished.
    fn generated(&self, k: u32, elapsed: Duration);
    /// A cached file was found invalid and is being replaced.
    fn discarded(&self, path: &Path, reason: &str);
}

/// A [`Progress`] that says nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn generating(&self, _k: u32) {}
    fn generated(&self, _k: u32, _elapsed: Duration) {}
    fn discarded(&self, _path: &Path, _reason: &str) {}
}

/// Eligo's home: `$ELIGO_HOME`, else `$XDG_CACHE_HOME/eligo`, else
/// `$HOME/.cache/eligo`.
pub fn default_home() -> Result<PathBuf, ParamsError> {
    if let Some(h) = std::env::var_os(ELIGO_HOME_ENV).filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(x).join("eligo"));
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h).join(".cache").join("eligo"));
    }
    Err(ParamsError::NoHome)
}

/// Expected body length of a params file for `k`: `k` (4 bytes), `2 * 2^k`
/// points (`g` and `g_lagrange`), `w` and `u`.
pub fn body_len(k: u32) -> u64 {
    4 + (2 * (1u64 << k) + 2) * POINT_BYTES
}

/// Parses a parameter body (`Params::write` output, as stored in a cache
/// file after its header, or handed to a claim contract) for `k`. The length
/// is checked before anything is read and, for every pinned `k`, the body
/// must be the canonical `Params::new(k)`: no other parameters are trusted.
/// Unpinned `k` are refused here (no file path vouches for them).
pub fn params_from_body(k: u32, body: &[u8]) -> Result<Params, ParamsError> {
    parse_body(k, body, PinRule::Required)
}

/// Whether a `k` without a pinned digest is acceptable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PinRule {
    /// Only pinned `k` (bytes from anywhere).
    Required,
    /// Unpinned `k` pass on their file digest (our own cache, `k` > 16).
    IfPinned,
}

/// Checks, without parsing, that `body` is the canonical parameter body
/// for `k` (length, then pinned digest): cheap next to
/// [`params_from_body`], which also decompresses every point.
pub fn check_canonical_body(k: u32, body: &[u8]) -> Result<(), ParamsError> {
    check_body(k, body, PinRule::Required)
}

fn check_body(k: u32, body: &[u8], rule: PinRule) -> Result<(), ParamsError> {
    if k == 0 || k > MAX_K {
        return Err(ParamsError::BadK(k));
    }
    let not_canonical = |reason: String| ParamsError::NotCanonical { k, reason };
    let expected = body_len(k);
    if body.len() as u64 != expected {
        return Err(not_canonical(format!(
            "{} bytes, expected {expected}",
            body.len()
        )));
    }
    match (canonical_digest(k), rule) {
        (Some(pinned), _) => {
            if body_digest(body).to_hex().as_str() != pinned {
                return Err(not_canonical(
                    "not the canonical parameters for this k (pinned digest mismatch)".into(),
                ));
            }
        }
        (None, PinRule::Required) => {
            return Err(not_canonical(
                "no canonical digest is pinned for this k".into(),
            ))
        }
        (None, PinRule::IfPinned) => {}
    }
    Ok(())
}

fn parse_body(k: u32, body: &[u8], rule: PinRule) -> Result<Params, ParamsError> {
    check_body(k, body, rule)?;
    let not_canonical = |reason: String| ParamsError::NotCanonical { k, reason };
    let params = Params::read(&mut &body[..]).map_err(|e| not_canonical(e.to_string()))?;
    if params.k() != k {
        return Err(not_canonical("k mismatch in body".into()));
    }
    Ok(params)
}

/// The parameter cache in one directory.
#[derive(Clone, Debug)]
pub struct ParamsStore {
    dir: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ParamsError + '_ {
    move |source| ParamsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl ParamsStore {
    /// A store in `home/params`.
    pub fn new(home: impl Into<PathBuf>) -> Self {
        ParamsStore {
            dir: home.into().join("params"),
        }
    }

    /// A store at [`default_home`].
    pub fn at_default_home() -> Result<Self, ParamsError> {
        Ok(Self::new(default_home()?))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the file for `k`.
    pub fn path(&self, k: u32) -> PathBuf {
        self.dir.join(format!("ipa-vesta-k{k}.params"))
    }

    /// Loads the cached parameters for `k`, checking header and digest.
    /// `Ok(None)` if there is no file.
    pub fn load(&self, k: u32) -> Result<Option<Params>, ParamsError> {
        if k == 0 || k > MAX_K {
            return Err(ParamsError::BadK(k));
        }
        let path = self.path(k);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let corrupt = |reason: String| ParamsError::Corrupt {
            path: path.clone(),
            reason,
        };
        let expected = body_len(k);
        let actual_len = file.metadata().map_err(io_err(&path))?.len();
        if actual_len != HEADER_LEN as u64 + expected {
            return Err(corrupt(format!(
                "size {actual_len} bytes, expected {}",
                HEADER_LEN as u64 + expected
            )));
        }
        let mut header = [0u8; HEADER_LEN];
        file.read_exact(&mut header).map_err(io_err(&path))?;
        if &header[..8] != MAGIC {
            return Err(corrupt("bad magic".into()));
        }
        let version = u32::from_le_bytes(header[8..12].try_into().expect("4"));
        if version != FORMAT_VERSION {
            return Err(corrupt(format!("format version {version}")));
        }
        let file_k = u32::from_le_bytes(header[12..16].try_into().expect("4"));
        if file_k != k {
            return Err(corrupt(format!("holds k = {file_k}, expected {k}")));
        }
        let len = u64::from_le_bytes(header[16..24].try_into().expect("8"));
        if len != expected {
            return Err(corrupt(format!("body length {len}, expected {expected}")));
        }
        let mut body = Vec::with_capacity(expected as usize);
        file.read_to_end(&mut body).map_err(io_err(&path))?;
        if body.len() as u64 != expected {
            return Err(corrupt("truncated".into()));
        }
        if body_digest(&body).as_bytes() != &header[24..56] {
            return Err(corrupt("digest mismatch".into()));
        }
        let params = parse_body(k, &body, PinRule::IfPinned).map_err(|e| match e {
            ParamsError::NotCanonical { reason, .. } => corrupt(reason),
            other => other,
        })?;
        Ok(Some(params))
    }

    /// Writes parameters atomically (temporary file, then rename).
    pub fn store(&self, params: &Params) -> Result<PathBuf, ParamsError> {
        fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let k = params.k();
        let mut body = Vec::with_capacity(body_len(k) as usize);
        params.write(&mut body).map_err(io_err(&self.dir))?;
        let digest = body_digest(&body);
        if let Some(pinned) = canonical_digest(k) {
            if digest.to_hex().as_str() != pinned {
                return Err(ParamsError::Corrupt {
                    path: self.path(k),
                    reason: "generated parameters differ from the pinned canonical digest".into(),
                });
            }
        }
        let path = self.path(k);
        let tmp = self
            .dir
            .join(format!(".ipa-k{k}.{}.tmp", std::process::id()));
        let write = || -> io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(&FORMAT_VERSION.to_le_bytes())?;
            f.write_all(&k.to_le_bytes())?;
            f.write_all(&(body.len() as u64).to_le_bytes())?;
            f.write_all(digest.as_bytes())?;
            f.write_all(&body)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(&path)(e)
        })?;
        Ok(path)
    }

    /// Loads the parameters for `k`, generating and caching them if missing
    /// or invalid. Concurrent processes sharing the directory serialize
    /// generation on a lock file.
    pub fn load_or_generate(&self, k: u32, progress: &dyn Progress) -> Result<Params, ParamsError> {
        match self.load(k) {
            Ok(Some(p)) => return Ok(p),
            Ok(None) => {}
            Err(ParamsError::Corrupt { path, reason }) => progress.discarded(&path, &reason),
            Err(e) => return Err(e),
        }
        fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let lock_path = self.dir.join(format!("ipa-k{k}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        lock.lock().map_err(io_err(&lock_path))?;
        // Another process may have generated it while we waited.
        if let Ok(Some(p)) = self.load(k) {
            return Ok(p);
        }
        progress.generating(k);
        let start = Instant::now();
        let params = Params::new(k);
        progress.generated(k, start.elapsed());
        self.store(&params)?;
        drop(lock);
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: u32 = 4; // not pinned: exercises the header checks only

    #[test]
    fn round_trip_and_corruption_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let store = ParamsStore::new(dir.path());
        assert!(store.load(K).unwrap().is_none());
        let p = store.load_or_generate(K, &NoProgress).unwrap();
        let again = store.load(K).unwrap().expect("cached");
        let (mut a, mut b) = (vec![], vec![]);
        p.write(&mut a).unwrap();
        again.write(&mut b).unwrap();
        assert_eq!(a, b);

        // Flip one byte of the body: digest mismatch.
        let path = store.path(K);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).unwrap();
        match store.load(K) {
            Err(ParamsError::Corrupt { reason, .. }) => assert!(reason.contains("digest")),
            other => panic!("expected corruption, got {other:?}"),
        }
        // Truncate: size check before reading.
        fs::write(&path, &bytes[..100]).unwrap();
        assert!(matches!(store.load(K), Err(ParamsError::Corrupt { .. })));
        // A header claiming a huge k is refused before allocating.
        let mut huge = bytes.clone();
        huge[12..16].copy_from_slice(&30u32.to_le_bytes());
        fs::write(&path, &huge).unwrap();
        assert!(matches!(store.load(K), Err(ParamsError::Corrupt { .. })));
        // load_or_generate replaces the bad file.
        let fixed = store.load_or_generate(K, &NoProgress).unwrap();
        assert_eq!(fixed.k(), K);
        assert!(store.load(K).unwrap().is_some());
    }

    /// Prints the canonical digests to pin (`cargo test --release -p
    /// eligo-params -- --ignored --nocapture print_canonical_digests`).
    #[test]
    #[ignore]
    fn print_canonical_digests() {
        for k in 8..=16 {
            let mut body = vec![];
            Params::new(k).write(&mut body).unwrap();
            println!("    ({k}, \"{}\"),", body_digest(&body).to_hex());
        }
    }

    #[test]
    fn small_canonical_digests_match() {
        for k in 8..=10 {
            let mut body = vec![];
            Params::new(k).write(&mut body).unwrap();
            assert_eq!(
                Some(body_digest(&body).to_hex().as_str()),
                canonical_digest(k)
            );
        }
        for k in 8..=16 {
            assert!(canonical_digest(k).is_some(), "k = {k} not pinned");
        }
    }

    #[test]
    fn concurrent_generation_shares_one_valid_file() {
        let dir = tempfile::tempdir().unwrap();
        let k = 8;
        let bodies: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let store = ParamsStore::new(dir.path());
                        let p = store.load_or_generate(k, &NoProgress).unwrap();
                        let mut body = vec![];
                        p.write(&mut body).unwrap();
                        body
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(bodies.windows(2).all(|w| w[0] == w[1]));
        // The file left behind is whole and canonical.
        assert!(ParamsStore::new(dir.path()).load(k).unwrap().is_some());
        let leftovers: Vec<_> = fs::read_dir(ParamsStore::new(dir.path()).dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn params_from_body_takes_only_canonical_bytes() {
        let k = 8;
        let mut body = vec![];
        Params::new(k).write(&mut body).unwrap();
        assert_eq!(params_from_body(k, &body).unwrap().k(), k);
        // Wrong length, before reading.
        assert!(matches!(
            params_from_body(k, &body[..body.len() - 1]),
            Err(ParamsError::NotCanonical { .. })
        ));
        // Another k's length: refused as too short or too long.
        assert!(params_from_body(k + 1, &body).is_err());
        // One bit flipped: not canonical.
        let mut bad = body.clone();
        bad[40] ^= 1;
        match params_from_body(k, &bad) {
            Err(ParamsError::NotCanonical { reason, .. }) => assert!(reason.contains("pinned")),
            other => panic!("accepted: {other:?}"),
        }
        // No pin, no trust (the length is checked first, so give it one).
        assert!(matches!(
            params_from_body(0, &[]),
            Err(ParamsError::BadK(0))
        ));
        let unpinned = 17;
        match params_from_body(unpinned, &[]) {
            Err(ParamsError::NotCanonical { .. }) => {}
            other => panic!("unexpected: {other:?}"),
        }
    }

    #[test]
    fn planted_parameters_are_refused() {
        // A file with a valid header digest but a body that is not
        // Params::new(k): parameters for k = 9 relabelled as k = 8 cannot be
        // forged here, so plant a well-formed file with one generator
        // replaced by another valid point.
        let dir = tempfile::tempdir().unwrap();
        let store = ParamsStore::new(dir.path());
        let k = 8;
        let mut body = vec![];
        Params::new(k).write(&mut body).unwrap();
        // Swap the first two generators (both valid points).
        let (a, b) = (4, 4 + POINT_BYTES as usize);
        let first: Vec<u8> = body[a..b].to_vec();
        let second: Vec<u8> = body[b..b + POINT_BYTES as usize].to_vec();
        body[a..b].copy_from_slice(&second);
        body[b..b + POINT_BYTES as usize].copy_from_slice(&first);
        let digest = body_digest(&body);
        let mut file = Vec::new();
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        file.extend_from_slice(&k.to_le_bytes());
        file.extend_from_slice(&(body.len() as u64).to_le_bytes());
        file.extend_from_slice(digest.as_bytes());
        file.extend_from_slice(&body);
        fs::create_dir_all(store.dir()).unwrap();
        fs::write(store.path(k), &file).unwrap();
        match store.load(k) {
            Err(ParamsError::Corrupt { reason, .. }) => assert!(reason.contains("canonical")),
            other => panic!("planted parameters accepted: {other:?}"),
        }
    }

    #[test]
    fn bad_k_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ParamsStore::new(dir.path());
        assert!(matches!(store.load(0), Err(ParamsError::BadK(0))));
        assert!(matches!(store.load(MAX_K + 1), Err(ParamsError::BadK(_))));
    }
}
