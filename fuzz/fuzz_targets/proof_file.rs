//! A proof file: JSON decoding, then (if it decodes) the proof bytes it
//! carries through the verifier.
#![no_main]

use eligo_verifier::ProofFile;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = ProofFile::from_json(data) {
        let bytes: Vec<u8> = (0..file.proof.len() / 2)
            .filter_map(|i| u8::from_str_radix(file.proof.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        assert!(common::verifier()
            .verify_instance(&common::instance(), &bytes)
            .is_err());
    }
});
