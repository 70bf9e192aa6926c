//! `module_loading`: arbitrary bytes and generated modules offered to the native host as programs.
//! The generator and oracle are `gojs_fuzzing::module_loading`; `cargo test` replays the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = gojs_fuzzing::module_loading(data) {
        panic!("module_loading oracle failed: {failure}");
    }
});
