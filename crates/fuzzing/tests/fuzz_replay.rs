//! Replays every fuzz target's seed corpus (`fuzz/corpus/<target>/`), every kept regression
//! (`fuzz/regressions/<target>/`) and every crash cargo-fuzz saved (`fuzz/artifacts/<target>/`)
//! through the same oracle functions the targets call, on stable Rust with no sanitizer. Then
//! runs each target on a few deterministic pseudo-random inputs (a smoke test of the oracles),
//! and shows that a deliberately broken ref table is caught.

use std::path::{Path, PathBuf};

use gojs_abi::table::Fault;
use gojs_fuzzing::mock::MockRealm;
use gojs_fuzzing::{
    Input, TARGETS, import_frames_with, run_target, valueof_roundtrip_with, with_boa,
};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["corpus", "regressions", "artifacts"] {
        let d = fuzz_dir().join(dir).join(target);
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if p.is_file() && !name.starts_with('.') && !name.ends_with(".md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn replay(target: &str) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "fuzz/corpus/{target}/ has no seeds: commit some"
    );
    let mut failed = Vec::new();
    let mut rejected = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        match run_target(target, &data, None) {
            Ok(Input::Checked) => {}
            Ok(Input::Rejected) => rejected.push(f.display().to_string()),
            Err(e) => failed.push(format!("{}: {e}", f.display())),
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} inputs failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n\n")
    );
    // A kept input the generator no longer uses checks nothing: regenerate or remove it.
    assert!(
        rejected.is_empty(),
        "{} of {} inputs are rejected by the generator, so they check nothing:\n{}",
        rejected.len(),
        files.len(),
        rejected.join("\n")
    );
}

/// `n` deterministic pseudo-random inputs of `len` bytes through `target`: none may fail,
/// and at least `min_checked` must be used by the generator (an oracle that rejected every
/// input would pass everything; with these lengths every one is used).
fn smoke(target: &str, n: u64, len: usize, min_checked: u64) {
    let mut checked = 0;
    for seed in 0..n {
        let data = gojs_fuzzing::pseudo_random(seed + 1, len);
        match run_target(target, &data, None) {
            Ok(Input::Checked) => checked += 1,
            Ok(Input::Rejected) => {}
            Err(e) => panic!("{target}: pseudo-random input {seed} failed: {e}"),
        }
    }
    assert!(
        checked >= min_checked,
        "{target}: only {checked} of {n} pseudo-random inputs were checked (want {min_checked})"
    );
}

#[test]
fn every_target_is_known() {
    for t in TARGETS {
        assert!(gojs_fuzzing::target(t).is_some());
    }
}

#[test]
fn replay_import_frames() {
    replay("import_frames");
}

#[test]
fn replay_call_sequences() {
    replay("call_sequences");
}

#[test]
fn replay_valueof_roundtrip() {
    replay("valueof_roundtrip");
}

#[test]
fn replay_module_loading() {
    replay("module_loading");
}

#[test]
fn replay_run_default() {
    replay("run_default");
}

#[test]
fn smoke_import_frames() {
    smoke("import_frames", 300, 600, 300);
}

#[test]
fn smoke_valueof_roundtrip() {
    smoke("valueof_roundtrip", 200, 300, 200);
}

#[test]
fn smoke_call_sequences() {
    smoke("call_sequences", 20, 400, 20);
}

#[test]
fn smoke_module_loading() {
    smoke("module_loading", 12, 300, 12);
}

#[test]
fn smoke_run_default() {
    smoke("run_default", 6, 300, 6);
}

/// A ref table whose finalizeRef frees predefined ids (a test-only fault switch) is caught by
/// replaying the committed corpora of `import_frames` (the ABI layer with the mock realm) and
/// of `call_sequences` (the native host: Go finalizes `globalThis` when it got it through a
/// getter). `valueof_roundtrip` never finalizes a predefined id, as Go never does for the
/// values ValueOf makes.
#[test]
fn a_broken_invariant_is_caught() {
    let fault = Some(Fault::FinalizeFreesPredefined);
    for target in ["import_frames", "call_sequences"] {
        let caught: Vec<String> = inputs(target)
            .iter()
            .filter_map(|f| run_target(target, &std::fs::read(f).unwrap(), fault).err())
            .collect();
        assert!(
            !caught.is_empty(),
            "{target}: no input of the corpus catches a finalizeRef that frees predefined ids"
        );
        assert!(
            caught.iter().any(|e| e.contains("predefined id")),
            "{target}: caught, but not as a broken invariant: {caught:?}"
        );
    }
}

/// The entry points a host's own-realm target calls (`fuzz/README.md`, "Your own realm") give
/// every seed the verdict the shipped targets give it when handed the same realm.
#[test]
fn own_realm_entry_points_agree_with_the_targets() {
    for f in inputs("import_frames") {
        let data = std::fs::read(&f).unwrap();
        assert_eq!(
            import_frames_with(&mut MockRealm::new(), &data, None),
            run_target("import_frames", &data, None),
            "{}",
            f.display()
        );
    }
    for f in inputs("valueof_roundtrip") {
        let data = std::fs::read(&f).unwrap();
        let own = with_boa(|realm| valueof_roundtrip_with(realm, &data, None)).unwrap();
        assert_eq!(
            own,
            run_target("valueof_roundtrip", &data, None),
            "{}",
            f.display()
        );
    }
}

/// `call_sequences` runs each sequence as data for one interpreter module; every committed
/// sequence also passes as a synthesized module of its own (the path `fuzz-regress` writes
/// cases from, and every host runs), so both print exactly the model's output.
#[test]
fn call_sequences_pass_as_synthesized_modules_too() {
    use arbitrary::Unstructured;
    use gojs_fuzzing::sequences::{Sequence, check_native};
    for f in inputs("call_sequences") {
        let data = std::fs::read(&f).unwrap();
        let Ok(seq) = Sequence::generate(&mut Unstructured::new(&data)) else {
            continue;
        };
        if let Err(e) = check_native(&seq, None) {
            panic!("{}: {e}", f.display());
        }
    }
}
