//! From a package and a snapshot to the verdict, the witness and the
//! instance. Everything is recomputed from the package's data: the log
//! commitment and both paths must reach the snapshot's roots, and the
//! exclusion status is read from the exclusion leaf itself.

use eligo_circuits::native::{exclusion_leaf, EMPTY_LEAF};
use eligo_circuits::{ClaimContext, ExclusionReason, Instance, Shape, Threshold, Verdict, Witness};
use eligo_verifier::SnapshotPublic;
use thiserror::Error;

use crate::package::Package;

/// Why a package cannot be used with a snapshot.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The snapshot is malformed.
    #[error("snapshot: {0}")]
    Snapshot(#[source] eligo_verifier::VerifyError),
    /// The package is malformed or does not belong to the snapshot.
    #[error("{0}")]
    Package(String),
}

/// A license ready to be checked and proven.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The shape.
    pub shape: Shape,
    /// The threshold.
    pub threshold: Threshold,
    /// License id.
    pub license_id: u64,
    /// Executed tasks.
    pub executed: u64,
    /// Assigned tasks.
    pub assigned: u64,
    /// The verdict.
    pub verdict: Verdict,
    /// The circuit witness.
    pub witness: Witness,
    /// Registry root.
    pub registry_root: eligo_circuits::Fp,
    /// Exclusion root.
    pub exclusion_root: eligo_circuits::Fp,
}

impl Prepared {
    /// The instance for a claim context.
    pub fn instance(&self, ctx: &ClaimContext) -> Instance {
        Instance::new(
            &self.shape,
            self.registry_root,
            self.exclusion_root,
            self.license_id,
            self.threshold,
            ctx.hash(),
        )
        .expect("license id checked in prepare")
    }
}

/// How much of the package to re-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Details {
    /// Recompute the detail digest from the task list (what `check` does:
    /// the holder sees that every task id, epoch and outcome is the one the
    /// network committed to).
    Recompute,
    /// Use the package's digest: the registry-root check still binds the
    /// salt, the digest and the outcome vector, which is all a proof uses.
    Trust,
}

/// Checks a package against a snapshot and computes the verdict.
pub fn prepare(
    snapshot: &SnapshotPublic,
    package: &Package,
    details: Details,
) -> Result<Prepared, PrepareError> {
    let snap = snapshot.values().map_err(PrepareError::Snapshot)?;
    let shape = snap.shape;
    let bad = |m: String| PrepareError::Package(m);
    if package.program_id != snapshot.program_id {
        return Err(bad(format!(
            "package is for program {:?}, the snapshot for {:?}",
            package.program_id, snapshot.program_id
        )));
    }
    if package.capacity != shape.capacity() || package.depth != shape.depth() {
        return Err(bad(format!(
            "package is for capacity {} and depth {}, the snapshot uses capacity {} and depth {}",
            package.capacity,
            package.depth,
            shape.capacity(),
            shape.depth()
        )));
    }
    shape
        .check_license(package.license_id)
        .map_err(|e| bad(e.to_string()))?;
    let v = package.values().map_err(|e| bad(e.0))?;
    if v.log.entries.len() > shape.capacity() {
        return Err(bad(format!(
            "license has {} tasks, more than the capacity {}",
            v.log.entries.len(),
            shape.capacity()
        )));
    }
    for (what, path) in [
        ("registry", &v.registry_path),
        ("exclusion", &v.exclusion_path),
    ] {
        if path.len() != shape.depth() as usize {
            return Err(bad(format!(
                "{what} path has {} siblings, the depth is {}",
                path.len(),
                shape.depth()
            )));
        }
    }
    if details == Details::Recompute {
        let digest =
            crate::digest::detail_digest(&shape, &v.log.entries).map_err(|e| bad(e.to_string()))?;
        if digest != v.detail_digest {
            return Err(bad(
                "the package's task list does not match its detail digest".into(),
            ));
        }
    }
    let codes = v.log.codes(&shape).map_err(|e| bad(e.to_string()))?;
    let witness = Witness {
        license_id: package.license_id,
        codes,
        salt: v.log.salt,
        detail_digest: v.detail_digest,
        registry_path: v.registry_path.clone(),
        exclusion_leaf: v.exclusion_leaf,
        exclusion_path: v.exclusion_path.clone(),
    };
    if witness.registry_root() != snap.registry_root {
        return Err(bad(
            "the package's log and registry path do not reach the snapshot's registry root".into(),
        ));
    }
    if witness.exclusion_root() != snap.exclusion_root {
        return Err(bad(
            "the package's exclusion path does not reach the snapshot's exclusion root".into(),
        ));
    }
    let exclusion = if v.exclusion_leaf == EMPTY_LEAF {
        None
    } else if v.exclusion_leaf == exclusion_leaf(package.license_id, ExclusionReason::Blacklisted) {
        Some(ExclusionReason::Blacklisted)
    } else if v.exclusion_leaf == exclusion_leaf(package.license_id, ExclusionReason::Airdrop) {
        Some(ExclusionReason::Airdrop)
    } else {
        return Err(bad(
            "the exclusion leaf is not a leaf of this license".into()
        ));
    };
    let (executed, assigned) = v.log.counts();
    let verdict = Verdict::compute(&snap.threshold, executed, assigned, exclusion);
    Ok(Prepared {
        shape,
        threshold: snap.threshold,
        license_id: package.license_id,
        executed,
        assigned,
        verdict,
        witness,
        registry_root: snap.registry_root,
        exclusion_root: snap.exclusion_root,
    })
}
