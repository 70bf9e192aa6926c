//! Import traces (`--trace`) and deterministic runs, on corpus programs built with the
//! installed Go:
//! * hello world traces the same imports, arguments and results on `native` and on Node
//!   with the toolchain's own glue (times and random values aside);
//! * a trace comparison does catch a host that answers differently;
//! * `--deterministic` runs of timer-heavy programs write identical output and traces,
//!   volatile fields included, twenty times over.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gojs_abi::trace;
use gojs_harness::corpus::Corpus;
use gojs_harness::host::node::NodeHost;
use gojs_harness::host::{Exit, Host, RunRequest};
use gojs_harness::paths;
use gojs_harness::toolchain::Toolchain;
use gojs_native::{Ending, NativeRunOptions, Program, run_isolated};

fn toolchain() -> Toolchain {
    Toolchain::from_path().expect("these tests need Go on PATH (the corpus is built with it)")
}

fn wasm(tc: &Toolchain, program: &str) -> PathBuf {
    Corpus::new(&paths::default_programs_dir(), &paths::cache_dir())
        .wasm(tc, program)
        .unwrap_or_else(|e| panic!("building {program}: {e:#}"))
}

fn env() -> BTreeMap<String, String> {
    [(
        "TMPDIR",
        std::env::temp_dir().to_string_lossy().into_owned(),
    )]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn native_trace(wasm: &Path, opts: NativeRunOptions, dir: &Path, name: &str) -> (Vec<u8>, String) {
    let path = dir.join(name);
    let program = Program {
        wasm: wasm.to_path_buf(),
        args: vec![],
        env: env(),
        cwd: dir.to_path_buf(),
    };
    let opts = NativeRunOptions {
        trace: Some(path.clone()),
        timeout: Some(Duration::from_secs(120)),
        ..opts
    };
    let out = run_isolated(&program, &opts, true);
    assert_eq!(
        out.ending,
        Ending::Exit(0),
        "{}: {}",
        wasm.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, std::fs::read_to_string(&path).unwrap())
}

fn node_trace(tc: &Toolchain, wasm: &Path, dir: &Path) -> String {
    let host = NodeHost::new(None, &paths::cache_dir()).expect("these tests need Node");
    let path = dir.join("node.jsonl");
    let out = host
        .run(&RunRequest {
            wasm: wasm.to_path_buf(),
            args: vec![],
            env: env(),
            cwd: dir.to_path_buf(),
            timeout: Duration::from_secs(120),
            toolchain: tc.clone(),
            trace: Some(path.clone()),
        })
        .unwrap();
    assert_eq!(
        out.exit,
        Exit::Code(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn hello_world_traces_match_between_native_and_node() {
    let tc = toolchain();
    let hello = wasm(&tc, "hello");
    let dir = tempfile::tempdir().unwrap();
    let node = node_trace(&tc, &hello, dir.path());
    let (_, native) = native_trace(&hello, NativeRunOptions::default(), dir.path(), "n.jsonl");
    // Not vacuous: both traces hold the program's fs.write and its exit.
    for t in [&node, &native] {
        assert!(
            t.contains(r#""i":"runtime.wasmExit","in":{"code":0}"#),
            "{t}"
        );
        assert!(t.contains(r#""m":"write""#), "{t}");
        assert!(t.lines().count() > 50, "{t}");
    }
    if let Some(diff) = trace::compare(&node, &native, ("node", "native")).unwrap() {
        panic!("hello world traces differ (Go {}):\n{diff}", tc.version);
    }
}

#[test]
fn a_different_answer_shows_in_the_comparison() {
    let tc = toolchain();
    let hello = wasm(&tc, "hello");
    let dir = tempfile::tempdir().unwrap();
    let (_, native) = native_trace(&hello, NativeRunOptions::default(), dir.path(), "n.jsonl");
    // What a host whose fs.write callback drops the buffer argument (as the native realm's
    // once did) would have traced.
    let changed = native.replacen(
        r#""out":{"n":"3"},"r":"syscall/js.valueLength""#,
        r#""out":{"n":"2"},"r":"syscall/js.valueLength""#,
        1,
    );
    assert!(
        changed != native,
        "the trace has no valueLength of 3 to change"
    );
    let diff = trace::compare(&native, &changed, ("a", "b"))
        .unwrap()
        .expect("a changed result must show");
    assert!(diff.contains(r#"+{"d":0,"out":{"n":"2"}"#), "{diff}");
}

#[test]
fn deterministic_runs_repeat_output_and_trace_exactly() {
    let tc = toolchain();
    let dir = tempfile::tempdir().unwrap();
    for program in ["timers_order", "sched"] {
        let w = wasm(&tc, program);
        let opts = NativeRunOptions {
            deterministic: true,
            seed: 7,
            ..Default::default()
        };
        let (out0, trace0) = native_trace(&w, opts.clone(), dir.path(), "d0.jsonl");
        assert!(
            String::from_utf8_lossy(&out0).contains(" 0 failed"),
            "{program} under --deterministic: {}",
            String::from_utf8_lossy(&out0)
        );
        // Timers and clock reads are in it, with their values.
        assert!(trace0.contains("runtime.scheduleTimeoutEvent"));
        assert!(trace0.contains(r#""vol":{"ns":"#));
        for i in 1..20 {
            let (out, trace) = native_trace(&w, opts.clone(), dir.path(), &format!("d{i}.jsonl"));
            assert!(out == out0, "{program}: run {i} wrote other output");
            if trace != trace0 {
                let d = similar::TextDiff::from_lines(&trace0, &trace)
                    .unified_diff()
                    .context_radius(2)
                    .to_string();
                panic!("{program}: run {i} traced differently:\n{d}");
            }
        }
    }
}
