//! The on-disk cache of verifying keys and generators (under the same
//! home as the parameter cache): `keys/eligo-vk-<capacity>-<depth>.bin` and
//! `keys/eligo-gens-k<k>.bin`. Files are written atomically (temporary
//! file, then rename) and checked in full when read.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use eligo_circuits::Shape;
use thiserror::Error;

use crate::{
    canonical_key_digest, generators_len, hex_digest, Generators, GeneratorsError, KeyError,
    VerifyingKey, MAX_KEY_BYTES,
};

/// Errors of the key store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// I/O failure on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A cached key file is unusable.
    #[error("{path}: {source}")]
    Key {
        /// The path.
        path: PathBuf,
        /// The error.
        source: KeyError,
    },
    /// A cached key is a valid key, but not the one pinned for its shape:
    /// built by another version of the circuit (or planted).
    #[error(
        "{path}: the key's digest {digest} is not the one pinned for this shape ({pinned}); \
         it was built by another version of Eligo: run `eligo params` for the shape to rebuild it"
    )]
    Stale {
        /// The path.
        path: PathBuf,
        /// The file's digest.
        digest: String,
        /// The pinned digest.
        pinned: &'static str,
    },
    /// A cached generators file is unusable.
    #[error("{path}: {source}")]
    Generators {
        /// The path.
        path: PathBuf,
        /// The error.
        source: GeneratorsError,
    },
}

/// The cache directory of keys and generators.
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: PathBuf,
}

fn read_optional(path: &Path, limit: usize) -> Result<Option<Vec<u8>>, StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
        Ok(m) if m.len() > limit as u64 => {
            return Err(io(io::Error::other(format!(
                "{} bytes, more than {limit}",
                m.len()
            ))))
        }
        Ok(_) => {}
    }
    fs::read(path).map(Some).map_err(io)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed, so no reader ever sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::create_dir_all(parent(path))?;
    write_atomic_into(path, bytes)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// [`write_atomic`] into a directory that must already exist (it is never
/// created: a directory removed meanwhile, by an interrupt handler say,
/// stays removed and the write fails).
pub fn write_atomic_into(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

impl KeyStore {
    /// A store in `home/keys`.
    pub fn new(home: impl AsRef<Path>) -> Self {
        KeyStore {
            dir: home.as_ref().join("keys"),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the key for a shape.
    pub fn key_path(&self, shape: &Shape) -> PathBuf {
        self.dir.join(format!(
            "eligo-vk-{}-{}.bin",
            shape.capacity(),
            shape.depth()
        ))
    }

    /// Path of the generators for `k`.
    pub fn generators_path(&self, k: u32) -> PathBuf {
        self.dir.join(format!("eligo-gens-k{k}.bin"))
    }

    /// The cached key for a shape, if any (checked in full, and against
    /// the shape's pinned digest where one exists).
    pub fn load_key(&self, shape: &Shape) -> Result<Option<VerifyingKey>, StoreError> {
        let path = self.key_path(shape);
        let Some(bytes) = read_optional(&path, MAX_KEY_BYTES)? else {
            return Ok(None);
        };
        let key = VerifyingKey::decode(&bytes).map_err(|source| StoreError::Key {
            path: path.clone(),
            source,
        })?;
        if let Some(pinned) = canonical_key_digest(shape) {
            let digest = hex_digest(&bytes);
            if digest != pinned {
                return Err(StoreError::Stale {
                    path,
                    digest,
                    pinned,
                });
            }
        }
        Ok(Some(key))
    }

    /// Caches a key for a shape.
    pub fn store_key(&self, shape: &Shape, key: &VerifyingKey) -> Result<PathBuf, StoreError> {
        let path = self.key_path(shape);
        write_atomic(&path, &key.encode()).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// The cached generators for `k`, if any (checked in full, and against
    /// the canonical digest where one is pinned).
    pub fn load_generators(&self, k: u32) -> Result<Option<Generators>, StoreError> {
        let path = self.generators_path(k);
        let limit = generators_len(k.min(crate::MAX_GENERATORS_K), crate::LAGRANGE_PREFIX);
        let Some(bytes) = read_optional(&path, limit)? else {
            return Ok(None);
        };
        let err = |source| StoreError::Generators {
            path: path.clone(),
            source,
        };
        let gens = Generators::decode(&bytes).map_err(err)?;
        match gens.check_canonical() {
            Ok(()) | Err(GeneratorsError::Unpinned(_)) => Ok(Some(gens)),
            Err(e) => Err(err(e)),
        }
    }

    /// Caches generators.
    pub fn store_generators(&self, gens: &Generators) -> Result<PathBuf, StoreError> {
        let path = self.generators_path(gens.k());
        write_atomic(&path, &gens.encode()).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }
}
