//! `gojs-harness run`, the drop-in `go_js_wasm_exec`, on real Go modules: the corpus's hello
//! world built with the installed Go (these tests need Go on PATH, as `tests/corpus.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use gojs_harness::corpus::Corpus;
use gojs_harness::paths;
use gojs_harness::toolchain::Toolchain;

fn hello() -> PathBuf {
    let tc = Toolchain::from_path().expect("these tests need Go on PATH");
    Corpus::new(&paths::default_programs_dir(), &paths::cache_dir())
        .wasm(&tc, "hello")
        .expect("building goprograms/hello")
}

fn run(wasm: &Path, cache: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gojs-harness"))
        .arg("run")
        .arg(wasm)
        .env("GOJS_NATIVE_CACHE_DIR", cache)
        .output()
        .expect("running gojs-harness")
}

#[test]
fn a_module_cut_short_is_refused_in_one_line() {
    let bytes = std::fs::read(hello()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // As a partial download leaves it: from 50 kB to 1.5 MB (a Go hello world is ~2.5 MB).
    let cuts = (1..=30).map(|k| k * 50_000).filter(|&c| c < bytes.len());
    // (8 bytes, the header alone, are a valid empty module: refused for having no `run`.)
    for cut in cuts.chain([0, 4, 9, 100]) {
        let path = dir.path().join(format!("cut-{cut}.wasm"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let out = run(&path, &cache);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "cut at {cut}: {stderr}");
        assert!(
            stderr.starts_with("gojs-harness: invalid wasm module") && stderr.lines().count() == 1,
            "cut at {cut}: {stderr}"
        );
    }
    // The whole module still runs, on the same path.
    let out = run(&hello(), &cache);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello, world\n");
}

#[test]
fn go_modules_can_be_carried_over_to_cranelift() {
    let bytes = std::fs::read(hello()).unwrap();
    let (rewritten, names) = gojs_native::rewrite::export_globals(&bytes).unwrap();
    assert!(!names.is_empty());
    assert_eq!(
        gojs_native::rewrite::cannot_carry(&rewritten).unwrap(),
        None
    );
}
