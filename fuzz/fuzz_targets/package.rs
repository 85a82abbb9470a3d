//! A private package: decoding, then validation of what decodes.
#![no_main]

use eligo_prover::package::Package;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Package::from_json(data) {
        let _ = p.values();
    }
});
