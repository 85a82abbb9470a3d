//! Atomic file writes: a temporary file in the target directory, then a
//! rename, so no reader ever sees half a file. One implementation serves
//! the whole workspace: the verifier's, which its key cache uses too.

pub use eligo_verifier::{write_atomic, write_atomic_into};
