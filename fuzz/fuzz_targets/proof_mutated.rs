//! A real proof with fuzzer-chosen bytes XORed in: every change is
//! refused (and nothing panics); no change verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let (instance, proof) = common::honest();
    if data.len() < 2 {
        return;
    }
    let start = usize::from(u16::from_le_bytes([data[0], data[1]])) % proof.len();
    let mut p = proof.clone();
    for (b, d) in p[start..].iter_mut().zip(&data[2..]) {
        *b ^= d;
    }
    let r = common::verifier().verify_instance(instance, &p);
    assert_eq!(r.is_ok(), p == *proof, "{r:?}");
});
