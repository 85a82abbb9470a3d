//! The key decoder on arbitrary bytes: an error or a key, never a panic;
//! a decoded key encodes back to the same bytes.
#![no_main]

use eligo_verifier::VerifyingKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = VerifyingKey::decode(data) {
        assert_eq!(key.encode(), data);
    }
});
