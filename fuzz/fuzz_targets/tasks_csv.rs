//! The tasks CSV parser: a result or an error naming the file.
#![no_main]

use std::path::Path;

use eligo_prover::inputs::parse_tasks;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = parse_tasks(Path::new("tasks.csv"), data, &common::shape()) {
        assert!(e.to_string().starts_with("tasks.csv"));
    }
});
