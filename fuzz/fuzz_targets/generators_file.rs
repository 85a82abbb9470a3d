//! The generators decoder on arbitrary bytes: an error or generators,
//! never a panic; decoded generators encode back to the same bytes.
#![no_main]

use eligo_verifier::Generators;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(gens) = Generators::decode(data) {
        assert_eq!(gens.encode(), data);
    }
});
