//! `import_frames`: arbitrary memory, sp and import names fed to the ABI layer (mock realm; GOJS_FUZZ_REALM=boa for boa).
//! The generator and oracle are `gojs_fuzzing::import_frames`; `cargo test` replays the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The boa realm (GOJS_FUZZ_REALM=boa) only in a build with `--features boa-realm`: linking
// boa and wasmtime multiplies the coverage counters libFuzzer scans after every input, and
// the mock realm then runs several times slower.
#[cfg(not(feature = "boa-realm"))]
fuzz_target!(|data: &[u8]| {
    if let Err(failure) = gojs_fuzzing::import_frames_on_mock(data) {
        panic!("import_frames oracle failed: {failure}");
    }
});

#[cfg(feature = "boa-realm")]
fuzz_target!(|data: &[u8]| {
    if let Err(failure) = gojs_fuzzing::import_frames(data) {
        panic!("import_frames oracle failed: {failure}");
    }
});
