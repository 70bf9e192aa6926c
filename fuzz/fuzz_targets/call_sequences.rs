//! `call_sequences`: valid ABI op sequences as a synthesized module on the native host, against a model of the glue.
//! The generator and oracle are `gojs_fuzzing::call_sequences`; `cargo test` replays the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = gojs_fuzzing::call_sequences(data) {
        panic!("call_sequences oracle failed: {failure}");
    }
});
