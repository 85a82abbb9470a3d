//! The public files the verifier reads: the snapshot's public part and the
//! proof file. Both are JSON; field elements are `0x` + 64 hex digits
//! (big-endian, canonical).

use eligo_circuits::native::fp_from_hex;
use eligo_circuits::{Address, ClaimContext, Fp, PayoutOption, Shape, Threshold};
use serde::{Deserialize, Serialize};

use crate::VerifyError;

/// Format tag of `snapshot.json`.
pub const SNAPSHOT_FORMAT: &str = "eligo-snapshot/1";
/// Format tag of a proof file.
pub const PROOF_FORMAT: &str = "eligo-proof/1";
/// Largest proof file accepted (bytes).
pub const MAX_PROOF_FILE_BYTES: usize = 1 << 20;
/// Largest snapshot file accepted (bytes).
pub const MAX_SNAPSHOT_FILE_BYTES: usize = 1 << 20;

/// Parses JSON of at most `max` bytes; `what` names the file in errors.
fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    max: usize,
    what: &str,
) -> Result<T, VerifyError> {
    if bytes.len() > max {
        return Err(VerifyError::Malformed(format!(
            "{what} is {} bytes, more than {max}",
            bytes.len()
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| VerifyError::Malformed(format!("{what}: {e}")))
}

/// Checks a file's format tag.
fn check_format(got: &str, expected: &str, what: &str) -> Result<(), VerifyError> {
    if got != expected {
        return Err(VerifyError::Malformed(format!(
            "{what} format {got:?}, expected {expected:?}"
        )));
    }
    Ok(())
}

/// Threshold as written in files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdFields {
    /// Numerator.
    pub num: u64,
    /// Denominator.
    pub den: u64,
}

/// The public part of a snapshot (`snapshot.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPublic {
    /// [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// Program identifier.
    pub program_id: String,
    /// Log capacity.
    pub capacity: usize,
    /// Tree depth.
    pub depth: u32,
    /// Participation threshold.
    pub threshold: ThresholdFields,
    /// Registry root.
    pub registry_root: String,
    /// Exclusion root.
    pub exclusion_root: String,
    /// Number of licenses in the registry.
    pub licenses: u64,
    /// Number of excluded licenses.
    pub excluded: u64,
    /// Circuit size parameter for this shape.
    pub k: u32,
}

/// Validated public values of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotValues {
    /// Shape.
    pub shape: Shape,
    /// Threshold.
    pub threshold: Threshold,
    /// Registry root.
    pub registry_root: Fp,
    /// Exclusion root.
    pub exclusion_root: Fp,
}

impl SnapshotPublic {
    /// Parses and size-checks `snapshot.json` bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VerifyError> {
        let s: SnapshotPublic = parse_json(bytes, MAX_SNAPSHOT_FILE_BYTES, "snapshot")?;
        check_format(&s.format, SNAPSHOT_FORMAT, "snapshot")?;
        s.values()?;
        Ok(s)
    }

    /// The validated values.
    pub fn values(&self) -> Result<SnapshotValues, VerifyError> {
        let bad =
            |e: eligo_circuits::StatementError| VerifyError::Malformed(format!("snapshot: {e}"));
        Ok(SnapshotValues {
            shape: Shape::new(self.capacity, self.depth).map_err(bad)?,
            threshold: Threshold::new(self.threshold.num, self.threshold.den).map_err(bad)?,
            registry_root: fp_from_hex(&self.registry_root).map_err(bad)?,
            exclusion_root: fp_from_hex(&self.exclusion_root).map_err(bad)?,
        })
    }
}

/// Public inputs as written in a proof file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicInputs {
    /// Registry root.
    pub registry_root: String,
    /// Exclusion root.
    pub exclusion_root: String,
    /// License id.
    pub license_id: u64,
    /// Threshold numerator.
    pub threshold_num: u64,
    /// Threshold denominator.
    pub threshold_den: u64,
    /// Claim context hash.
    pub claim_ctx: String,
}

/// The fields hashed into the claim context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimFields {
    /// Chain id.
    pub chain_id: u64,
    /// Claim contract address (`0x` + hex).
    pub contract: String,
    /// Claimant address (`0x` + hex).
    pub claimant: String,
    /// `ifx` or `weth`.
    pub option: String,
}

impl ClaimFields {
    /// The parsed context.
    pub fn context(&self) -> Result<ClaimContext, VerifyError> {
        let bad = |e: eligo_circuits::StatementError| VerifyError::Malformed(format!("claim: {e}"));
        Ok(ClaimContext {
            chain_id: self.chain_id,
            contract: Address::parse(&self.contract).map_err(bad)?,
            claimant: Address::parse(&self.claimant).map_err(bad)?,
            option: PayoutOption::parse(&self.option).ok_or_else(|| {
                VerifyError::Malformed(format!(
                    "claim: unknown option {:?} (ifx or weth)",
                    self.option
                ))
            })?,
        })
    }
}

/// A proof file (`<license_id>.proof.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// [`PROOF_FORMAT`].
    pub format: String,
    /// Program identifier.
    pub program_id: String,
    /// Log capacity of the circuit.
    pub capacity: usize,
    /// Tree depth of the circuit.
    pub depth: u32,
    /// Circuit size parameter.
    pub k: u32,
    /// Circuit fingerprint (BLAKE2b of the pinned verifying key).
    pub circuit_fingerprint: String,
    /// Public inputs.
    pub public_inputs: PublicInputs,
    /// Claim context fields.
    pub claim: ClaimFields,
    /// Proof bytes, hex.
    pub proof: String,
}

impl ProofFile {
    /// Parses and size-checks proof file bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VerifyError> {
        let p: ProofFile = parse_json(bytes, MAX_PROOF_FILE_BYTES, "proof file")?;
        check_format(&p.format, PROOF_FORMAT, "proof")?;
        Ok(p)
    }

    /// Serializes (pretty JSON, trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("serializable");
        s.push('\n');
        s
    }
}

impl crate::Verifier {
    /// Checks a proof file's metadata and public inputs against the
    /// snapshot and returns the instance and proof bytes to verify.
    pub fn check_file(
        &self,
        snapshot: &SnapshotPublic,
        file: &ProofFile,
    ) -> Result<(eligo_circuits::Instance, Vec<u8>), VerifyError> {
        let snap = snapshot.values()?;
        if file.program_id != snapshot.program_id {
            return Err(VerifyError::ProgramMismatch {
                proof: file.program_id.clone(),
                snapshot: snapshot.program_id.clone(),
            });
        }
        let k = eligo_circuits::layout::k_for(&snap.shape);
        if file.capacity != snap.shape.capacity() || file.depth != snap.shape.depth() || file.k != k
        {
            return Err(VerifyError::ShapeMismatch {
                proof_capacity: file.capacity,
                proof_depth: file.depth,
                proof_k: file.k,
                capacity: snap.shape.capacity(),
                depth: snap.shape.depth(),
                k,
            });
        }
        if snap.shape != self.shape() {
            return Err(VerifyError::Malformed(format!(
                "this verifier is built for capacity {} and depth {}",
                self.shape().capacity(),
                self.shape().depth()
            )));
        }
        if file.circuit_fingerprint != self.fingerprint() {
            return Err(VerifyError::CircuitMismatch {
                proof: file.circuit_fingerprint.chars().take(80).collect(),
                expected: self.fingerprint().to_string(),
            });
        }
        let p = &file.public_inputs;
        let root = |s: &str| fp_from_hex(s).map_err(|e| VerifyError::Malformed(e.to_string()));
        if root(&p.registry_root)? != snap.registry_root {
            return Err(VerifyError::RootMismatch("registry"));
        }
        if root(&p.exclusion_root)? != snap.exclusion_root {
            return Err(VerifyError::RootMismatch("exclusion"));
        }
        if (p.threshold_num, p.threshold_den) != (snap.threshold.num(), snap.threshold.den()) {
            return Err(VerifyError::ThresholdMismatch {
                proof: format!("{}/{}", p.threshold_num, p.threshold_den),
                snapshot: snap.threshold.to_string(),
            });
        }
        let ctx = file.claim.context()?.hash();
        if root(&p.claim_ctx)? != ctx {
            return Err(VerifyError::ClaimContextMismatch);
        }
        if file.proof.len() > 2 * crate::MAX_PROOF_BYTES {
            return Err(crate::ProofError::TooLarge(file.proof.len() / 2).into());
        }
        let bytes = hex::decode(&file.proof)
            .map_err(|e| VerifyError::Malformed(format!("proof hex: {e}")))?;
        let instance = eligo_circuits::Instance::new(
            &snap.shape,
            snap.registry_root,
            snap.exclusion_root,
            p.license_id,
            snap.threshold,
            ctx,
        )
        .map_err(|_| VerifyError::LicenseOutOfRange(p.license_id))?;
        Ok((instance, bytes))
    }

    /// Verifies a proof file against the snapshot.
    pub fn verify_file(
        &self,
        snapshot: &SnapshotPublic,
        file: &ProofFile,
    ) -> Result<(), VerifyError> {
        let (instance, bytes) = self.check_file(snapshot, file)?;
        self.verify_instance(&instance, &bytes)
    }

    /// Verifies many proof files with one MSM.
    pub fn verify_files(
        &self,
        snapshot: &SnapshotPublic,
        files: &[ProofFile],
    ) -> Vec<Result<(), VerifyError>> {
        let checked: Vec<Result<(eligo_circuits::Instance, Vec<u8>), VerifyError>> =
            files.iter().map(|f| self.check_file(snapshot, f)).collect();
        let items: Vec<(eligo_circuits::Instance, Vec<u8>)> = checked
            .iter()
            .filter_map(|c| c.as_ref().ok().cloned())
            .collect();
        let mut batch = self.verify_batch(&items).into_iter();
        checked
            .into_iter()
            .map(|c| match c {
                Ok(_) => batch.next().unwrap_or(Err(VerifyError::Malformed(
                    "internal: batch result missing".into(),
                ))),
                Err(e) => Err(e),
            })
            .collect()
    }
}
