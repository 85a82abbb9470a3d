//! Eligo's network and operator side.
//!
//! * [`inputs`]: the tasks and exclusions CSV files, with errors naming the
//!   file and line;
//! * [`snapshot`]: the network's snapshot (log commitments, registry and
//!   exclusion trees, private packages), parallel over licenses;
//! * [`salt`]: the salts, random or derived from the network's salt key;
//! * [`shard`]: which licenses a machine of a sharded snapshot handles;
//! * [`package`]: the private package format;
//! * [`part`]: snapshot parts on disk (one per shard) and their merge;
//! * [`witness`]: from a package and a snapshot to the verdict, the witness
//!   and the instance;
//! * [`prove`]: the prover (keys built once, proofs in parallel);
//! * [`digest`]: the task-detail digest, parallel over tasks;
//! * [`fsio`]: atomic file writes;
//! * [`synthetic`]: generated licenses for benchmarks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod digest;
pub mod fsio;
pub mod inputs;
pub mod package;
pub mod part;
pub mod prove;
pub mod salt;
pub mod shard;
pub mod snapshot;
pub mod synthetic;
pub mod witness;

pub use prove::{ProveJob, Prover};
