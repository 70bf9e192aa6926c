//! `run_default`: `module_loading`'s inputs along `gojs-harness run`'s default path (tiered
//! cache, tier-up rewrite, a second run from the cached build). The generator and oracle are
//! `gojs_fuzzing::run_default`; `cargo test` replays the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = gojs_fuzzing::run_default(data) {
        panic!("run_default oracle failed: {failure}");
    }
});
