//! The private package the network hands to a license holder.
//!
//! JSON, format tag [`PACKAGE_FORMAT`]: the program and shape, the license
//! id, the secret salt, the task log as `[task_id, epoch, outcome]` triples in
//! canonical order with its detail digest, the registry path, and the
//! exclusion leaf and path.

use eligo_circuits::native::{fp_from_hex, fp_to_hex};
use eligo_circuits::{Fp, LicenseLog, Outcome, TaskEntry};
use serde::{Deserialize, Serialize};

/// Format tag of a package.
pub const PACKAGE_FORMAT: &str = "eligo-package/1";
/// Largest package file accepted (bytes).
pub const MAX_PACKAGE_BYTES: usize = 256 << 20;

/// A private package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// [`PACKAGE_FORMAT`].
    pub format: String,
    /// Program identifier.
    pub program_id: String,
    /// Log capacity.
    pub capacity: usize,
    /// Tree depth.
    pub depth: u32,
    /// License id.
    pub license_id: u64,
    /// Secret salt of the log commitment.
    pub salt: String,
    /// `[task_id, epoch, outcome]` in canonical order.
    pub tasks: Vec<(u64, u32, String)>,
    /// Root of the task-detail tree of `tasks`.
    pub detail_digest: String,
    /// Registry siblings, leaf level first.
    pub registry_path: Vec<String>,
    /// The exclusion tree's leaf at this license (`0x00…00` when absent).
    pub exclusion_leaf: String,
    /// Exclusion siblings, leaf level first.
    pub exclusion_path: Vec<String>,
}

/// A package that failed to parse.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PackageError(pub String);

/// Parsed field values of a package.
#[derive(Clone, Debug)]
pub struct PackageValues {
    /// The log.
    pub log: LicenseLog,
    /// Detail digest as stated by the package.
    pub detail_digest: Fp,
    /// Registry siblings.
    pub registry_path: Vec<Fp>,
    /// Exclusion leaf.
    pub exclusion_leaf: Fp,
    /// Exclusion siblings.
    pub exclusion_path: Vec<Fp>,
}

impl Package {
    /// Parses package JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PackageError> {
        if bytes.len() > MAX_PACKAGE_BYTES {
            return Err(PackageError(format!(
                "package is {} bytes, more than {MAX_PACKAGE_BYTES}",
                bytes.len()
            )));
        }
        let p: Package = serde_json::from_slice(bytes).map_err(|e| PackageError(e.to_string()))?;
        if p.format != PACKAGE_FORMAT {
            return Err(PackageError(format!(
                "format {:?}, expected {PACKAGE_FORMAT:?}",
                p.format
            )));
        }
        Ok(p)
    }

    /// Serializes (compact JSON, trailing newline).
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).expect("serializable");
        v.push(b'\n');
        v
    }

    /// Parses the field values.
    pub fn values(&self) -> Result<PackageValues, PackageError> {
        let fp =
            |what: &str, s: &str| fp_from_hex(s).map_err(|e| PackageError(format!("{what}: {e}")));
        let entries = self
            .tasks
            .iter()
            .enumerate()
            .map(|(i, (task_id, epoch, outcome))| {
                Ok(TaskEntry {
                    task_id: *task_id,
                    epoch: *epoch,
                    outcome: Outcome::parse(outcome).ok_or_else(|| {
                        PackageError(format!("task {i}: unknown outcome {outcome:?}"))
                    })?,
                })
            })
            .collect::<Result<Vec<_>, PackageError>>()?;
        let path =
            |what: &str, v: &[String]| v.iter().map(|s| fp(what, s)).collect::<Result<Vec<_>, _>>();
        Ok(PackageValues {
            log: LicenseLog {
                entries,
                salt: fp("salt", &self.salt)?,
            },
            detail_digest: fp("detail_digest", &self.detail_digest)?,
            registry_path: path("registry_path", &self.registry_path)?,
            exclusion_leaf: fp("exclusion_leaf", &self.exclusion_leaf)?,
            exclusion_path: path("exclusion_path", &self.exclusion_path)?,
        })
    }

    /// A package without its paths (they come from the trees, once every
    /// license's leaf is known): empty path lists and an empty exclusion
    /// leaf. Merging a snapshot's parts fills them in.
    pub fn unplaced(
        program_id: &str,
        capacity: usize,
        depth: u32,
        license_id: u64,
        log: &LicenseLog,
        detail_digest: Fp,
    ) -> Self {
        Package {
            format: PACKAGE_FORMAT.into(),
            program_id: program_id.into(),
            capacity,
            depth,
            license_id,
            salt: fp_to_hex(&log.salt),
            detail_digest: fp_to_hex(&detail_digest),
            tasks: log
                .entries
                .iter()
                .map(|e| (e.task_id, e.epoch, e.outcome.as_str().to_string()))
                .collect(),
            registry_path: Vec::new(),
            exclusion_leaf: String::new(),
            exclusion_path: Vec::new(),
        }
    }

    /// Whether the paths are still to be filled in ([`Package::unplaced`]).
    pub fn is_unplaced(&self) -> bool {
        self.registry_path.is_empty()
            && self.exclusion_leaf.is_empty()
            && self.exclusion_path.is_empty()
    }

    /// Sets the registry path and the exclusion leaf and path.
    pub fn set_paths(&mut self, registry_path: &[Fp], exclusion_leaf: Fp, exclusion_path: &[Fp]) {
        self.registry_path = registry_path.iter().map(fp_to_hex).collect();
        self.exclusion_leaf = fp_to_hex(&exclusion_leaf);
        self.exclusion_path = exclusion_path.iter().map(fp_to_hex).collect();
    }
}
