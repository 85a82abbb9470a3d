//! The public snapshot: decoding, then validation of what decodes.
#![no_main]

use eligo_verifier::SnapshotPublic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = SnapshotPublic::from_json(data) {
        let _ = s.values();
    }
});
