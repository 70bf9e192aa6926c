//! The reuse test: the targets that keep a realm (and for `call_sequences` a compiled module)
//! from input to input give every committed input (`fuzz/corpus/`, `fuzz/regressions/`) the
//! same outcome on a realm of its own as on a realm that a thousand other inputs ran on
//! before. The other inputs are pseudo-random and the committed ones, interleaved, so each
//! committed input meets the realm in a different state.
//!
//! Also: a realm reset compares a fingerprint of the graph within
//! [`gojs_fuzzing::reuse::RESET_DEPTH`] of `globalThis` and the Go object; here every reset
//! compares the whole reachable graph, so an input that changed something deeper than the
//! targets look would fail this test.

use std::path::{Path, PathBuf};

use arbitrary::Unstructured;
use gojs_fuzzing::loading::{LoadInput, LoadPath, run_warm};
use gojs_fuzzing::sequences::{Sequence, check_warm_on, warm_runner};
use gojs_fuzzing::valueof::{ValueOfInput, check_valueof};
use gojs_fuzzing::{Input, Realms, run_target_in};
use gojs_native::engine::Compiler;

/// Other inputs run on the reused realm before the first committed one.
const WARM_UP: u64 = 1000;
/// Other inputs between two committed ones.
const BETWEEN: u64 = 20;

fn committed(target: &str) -> Vec<(String, Vec<u8>)> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out: Vec<PathBuf> = Vec::new();
    for dir in ["corpus", "regressions"] {
        if let Ok(rd) = std::fs::read_dir(fuzz.join(dir).join(target)) {
            out.extend(
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md")),
            );
        }
    }
    out.sort();
    assert!(!out.is_empty(), "{target}: no committed inputs");
    out.into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// The inputs run on the reused realm, in order: `Some(i)` for committed input `i`.
fn schedule(n: usize) -> Vec<(Option<usize>, u64)> {
    let mut s: Vec<(Option<usize>, u64)> = (0..WARM_UP).map(|k| (None, k)).collect();
    for i in 0..n {
        s.push((Some(i), 0));
        s.extend((0..BETWEEN).map(|k| (None, WARM_UP + i as u64 * BETWEEN + k)));
    }
    s
}

/// Every committed input: its outcome alone equals its outcome in the reused stream.
fn same_outcomes(target: &str, len: usize, run: &mut dyn FnMut(&[u8], Realms) -> String) {
    let inputs = committed(target);
    let fresh: Vec<String> = inputs.iter().map(|(_, d)| run(d, Realms::Fresh)).collect();
    let mut differ = Vec::new();
    for (which, seed) in schedule(inputs.len()) {
        match which {
            None => {
                let data = gojs_fuzzing::pseudo_random(seed + 1, len);
                let out = run(&data, Realms::Reused);
                assert!(
                    !out.starts_with("Err"),
                    "{target}: pseudo-random input {seed} failed on the reused realm: {out}"
                );
            }
            Some(i) => {
                let reused = run(&inputs[i].1, Realms::Reused);
                if reused != fresh[i] {
                    differ.push(format!(
                        "{}:\n  fresh:  {}\n  reused: {reused}",
                        inputs[i].0, fresh[i]
                    ));
                }
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{target}: {} of {} committed inputs differ on a reused realm:\n{}",
        differ.len(),
        inputs.len(),
        differ.join("\n")
    );
}

fn verdict(r: Result<Input, String>) -> String {
    format!("{r:?}")
}

#[test]
fn valueof_roundtrip_same_on_a_reused_realm() {
    same_outcomes("valueof_roundtrip", 300, &mut |d, mode| {
        verdict(run_target_in("valueof_roundtrip", d, None, mode))
    });
}

#[test]
fn call_sequences_same_on_a_reused_realm() {
    same_outcomes("call_sequences", 400, &mut |d, mode| {
        verdict(run_target_in("call_sequences", d, None, mode))
    });
}

/// `module_loading`'s oracle passes almost everything, so its verdicts hide differences:
/// compare how each run ended and everything it printed (but for a run stopped by its time
/// limit, whose output is however far it got).
#[test]
fn module_loading_same_on_a_reused_realm() {
    same_outcomes("module_loading", 300, &mut |d, mode| {
        let mut u = Unstructured::new(d);
        let Ok(input) = LoadInput::generate(&mut u) else {
            return "rejected".into();
        };
        let path = LoadPath::generate(&mut u).unwrap_or(LoadPath::Cranelift);
        let compiler = match path {
            LoadPath::Winch => Compiler::Winch,
            _ => Compiler::Cranelift,
        };
        let Some(bytes) = input.bytes() else {
            return "refused".into();
        };
        let out = run_warm(&bytes, compiler, mode);
        let verdict = verdict(run_target_in("module_loading", d, None, mode));
        if out.ending == gojs_native::Ending::Timeout {
            return format!("Timeout verdict {verdict}");
        }
        format!(
            "{:?} stdout {:?} stderr {:?} verdict {verdict}",
            out.ending,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        )
    });
}

/// Resets that compare the whole reachable graph (not just [`RESET_DEPTH`]) pass after every
/// committed input and a thousand pseudo-random ones, for both targets whose inputs must
/// leave the realm as they found it.
///
/// [`RESET_DEPTH`]: gojs_fuzzing::reuse::RESET_DEPTH
#[test]
fn resets_hold_on_the_whole_graph() {
    let mut realm = gojs_fuzzing::reuse::new_realm(None).unwrap();
    let inputs = committed("valueof_roundtrip");
    for (which, seed) in schedule(inputs.len()) {
        let data = match which {
            Some(i) => inputs[i].1.clone(),
            None => gojs_fuzzing::pseudo_random(seed + 1, 300),
        };
        let Ok(input) = ValueOfInput::generate(&mut Unstructured::new(&data)) else {
            continue;
        };
        check_valueof(&mut realm.realm(), &input, None).unwrap();
        if let Err(e) = realm.reset() {
            panic!("valueof_roundtrip input {which:?}/{seed}: {e}");
        }
    }
    let mut runner = warm_runner(None);
    let inputs = committed("call_sequences");
    let some = schedule(inputs.len())
        .into_iter()
        .enumerate()
        .filter(|(k, (which, _))| which.is_some() || k % 4 == 0);
    for (_, (which, seed)) in some {
        let data = match which {
            Some(i) => inputs[i].1.clone(),
            None => gojs_fuzzing::pseudo_random(seed + 1, 400),
        };
        let Ok(seq) = Sequence::generate(&mut Unstructured::new(&data)) else {
            continue;
        };
        if let Err(e) = check_warm_on(&mut runner, &seq, None, Realms::Reused) {
            panic!("call_sequences input {which:?}/{seed}: {e}");
        }
    }
}
