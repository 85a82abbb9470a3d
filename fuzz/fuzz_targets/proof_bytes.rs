//! The verifier on arbitrary proof bytes: an error, never a panic, never
//! a valid proof.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    assert!(common::verifier()
        .verify_instance(&common::instance(), data)
        .is_err());
});
