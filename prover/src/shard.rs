//! Shards of a snapshot: which licenses a machine handles.
//!
//! Shard `I/N` holds the licenses whose id is `I` modulo `N`. Every shard
//! reads the whole export (and checks all of it: its order, its columns,
//! its words), but keeps, hashes and writes only its own licenses; the
//! merge joins `N` parts into the snapshot a single machine would have
//! built.

use std::fmt;

/// Most shards of one snapshot.
pub const MAX_SHARDS: u32 = 1 << 16;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// A shard that cannot be.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    /// Not of the form `I/N`.
    #[error("{0:?} is not I/N (shard I of N, 0 <= I < N)")]
    Syntax(String),
    /// `N` is 0 or too large.
    #[error("{0} shards: expected 1 to {MAX_SHARDS}")]
    Count(u64),
    /// `I >= N`.
    #[error("shard {0} of {1}: shards are numbered 0 to {max}", max = .1 - 1)]
    Index(u64, u32),
}

impl Shard {
    /// The whole snapshot on one machine.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardError> {
        if count == 0 || count > u64::from(MAX_SHARDS) {
            return Err(ShardError::Count(count));
        }
        let count = count as u32;
        if index >= u64::from(count) {
            return Err(ShardError::Index(index, count));
        }
        Ok(Shard {
            index: index as u32,
            count,
        })
    }

    /// Parses `I/N`.
    pub fn parse(s: &str) -> Result<Self, ShardError> {
        let bad = || ShardError::Syntax(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i: u64 = i.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n)
    }

    /// The shard's index.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many shards there are.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether license `id` belongs to this shard.
    pub fn owns(self, id: u64) -> bool {
        id % u64::from(self.count) == u64::from(self.index)
    }

    /// Whether the item at `position` of a list split across the shards
    /// belongs to this shard (used to split a set of packages).
    pub fn owns_position(self, position: usize) -> bool {
        position as u64 % u64::from(self.count) == u64::from(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Environment variable of a Kubernetes Indexed Job's index.
pub const KUBERNETES_INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
/// Environment variable of a Slurm job array's task id.
pub const SLURM_INDEX_VAR: &str = "SLURM_ARRAY_TASK_ID";

/// The shard of this process in a job of `count` tasks, from the index the
/// scheduler sets: [`KUBERNETES_INDEX_VAR`] or [`SLURM_INDEX_VAR`].
/// `var` reads the environment (a parameter, for tests).
pub fn from_scheduler(count: u64, var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let found: Vec<(&str, String)> = [KUBERNETES_INDEX_VAR, SLURM_INDEX_VAR]
        .into_iter()
        .filter_map(|name| var(name).map(|v| (name, v)))
        .collect();
    let (name, value) = match found.as_slice() {
        [] => {
            return Err(format!(
                "--shard auto: neither {KUBERNETES_INDEX_VAR} (a Kubernetes Indexed Job) nor \
                 {SLURM_INDEX_VAR} (a Slurm job array) is set"
            ))
        }
        [one] => one.clone(),
        [(a, va), (b, vb)] if va.trim() != vb.trim() => {
            return Err(format!("--shard auto: {a}={va} and {b}={vb} disagree"))
        }
        [first, ..] => first.clone(),
    };
    let index: u64 = value
        .trim()
        .parse()
        .map_err(|_| format!("--shard auto: {name}={value:?} is not a shard index"))?;
    Shard::new(index, count).map_err(|e| format!("--shard auto: {name}={value}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_owns() {
        let s = Shard::parse("1/3").unwrap();
        assert_eq!((s.index(), s.count()), (1, 3));
        assert_eq!(s.to_string(), "1/3");
        assert!(s.owns(4) && !s.owns(5) && s.owns_position(7));
        assert!(Shard::WHOLE.owns(12345));
        assert_eq!(Shard::parse("3/3"), Err(ShardError::Index(3, 3)));
        assert_eq!(Shard::parse("0/0"), Err(ShardError::Count(0)));
        assert_eq!(Shard::parse("1"), Err(ShardError::Syntax("1".into())));
        assert_eq!(Shard::parse("-1/3"), Err(ShardError::Syntax("-1/3".into())));
        assert!(Shard::new(0, u64::from(MAX_SHARDS) + 1).is_err());
        assert_eq!(
            ShardError::Index(3, 3).to_string(),
            "shard 3 of 3: shards are numbered 0 to 2"
        );
    }

    #[test]
    fn index_from_the_scheduler() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            from_scheduler(3, env(&[("JOB_COMPLETION_INDEX", "2")])),
            Ok(Shard::new(2, 3).unwrap())
        );
        assert_eq!(
            from_scheduler(3, env(&[("SLURM_ARRAY_TASK_ID", "0")])),
            Ok(Shard::new(0, 3).unwrap())
        );
        assert!(from_scheduler(3, env(&[]))
            .unwrap_err()
            .contains("neither JOB_COMPLETION_INDEX"));
        assert!(from_scheduler(3, env(&[("SLURM_ARRAY_TASK_ID", "3")]))
            .unwrap_err()
            .contains("SLURM_ARRAY_TASK_ID=3: shard 3 of 3"));
        assert!(from_scheduler(3, env(&[("SLURM_ARRAY_TASK_ID", "x")]))
            .unwrap_err()
            .contains("is not a shard index"));
        assert!(from_scheduler(
            3,
            env(&[("JOB_COMPLETION_INDEX", "1"), ("SLURM_ARRAY_TASK_ID", "2")])
        )
        .unwrap_err()
        .contains("disagree"));
    }
}
