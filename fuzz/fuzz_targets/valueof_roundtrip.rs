//! `valueof_roundtrip`: Go-like values through js.ValueOf into boa and back, against a model of JS semantics.
//! The generator and oracle are `gojs_fuzzing::valueof_roundtrip`; `cargo test` replays the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = gojs_fuzzing::valueof_roundtrip(data) {
        panic!("valueof_roundtrip oracle failed: {failure}");
    }
});
