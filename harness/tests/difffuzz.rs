//! `gojs-harness fuzz`: with a faulty glue of the catalogue it finds a divergence, and the
//! case it writes fails on that glue and passes on the stock glue and on native; with the
//! stock glue it finds nothing. These tests need Go (for its glue) and Node.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gojs_harness::mutants;
use gojs_harness::toolchain::Toolchain;

fn harness() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gojs-harness"));
    c.env_remove("GOJS_BLESS");
    c
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The installed toolchain's glue with the catalogue's mutant `name`, written into `dir`.
fn mutant_glue(name: &str, dir: &Path) -> PathBuf {
    let tc = Toolchain::from_path().expect("these tests need Go on PATH");
    let catalogue = mutants::load_catalogue(&mutants::default_dir()).unwrap();
    let m = catalogue
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no mutant {name} in the catalogue: update this test"));
    let stock = std::fs::read_to_string(tc.glue().unwrap()).unwrap();
    let glue = m
        .apply(&stock)
        .unwrap_or_else(|e| panic!("{name} does not apply to {tc}: {}", e.0));
    let path = dir.join(format!("{name}.js"));
    std::fs::write(&path, glue).unwrap();
    path
}

fn fuzz(glue: Option<&Path>, seed: u64, seconds: u64, reference: &str, out: &Path) -> Output {
    let mut c = harness();
    c.args(["fuzz", "--host", "node", "--reference", reference, "--seed"])
        .arg(seed.to_string())
        .arg("--seconds")
        .arg(seconds.to_string())
        .arg("--out")
        .arg(out);
    if let Some(g) = glue {
        c.arg("--glue").arg(g);
    }
    c.output().unwrap()
}

/// `suite` on the cases of `dir` alone: (exit status, output).
fn suite(dir: &Path, host: &str, glue: Option<&Path>) -> (Option<i32>, String) {
    let mut c = harness();
    c.args(["suite", "--real", "none", "--host", host, "--cases"])
        .arg(dir);
    if let Some(g) = glue {
        c.arg("--glue").arg(g);
    }
    let o = c.output().unwrap();
    (o.status.code(), text(&o))
}

/// A mutant's divergence is found, minimized and kept as a case that tells the faulty glue
/// from the stock one.
fn finds(mutant: &str, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let glue = mutant_glue(mutant, dir.path());
    let out = dir.path().join("out");
    // The reference only where Node leaves the model: the same inputs in the same order as
    // with it on every input, found several times sooner on a loaded machine.
    let o = fuzz(Some(&glue), seed, 20, "divergent", &out);
    let shown = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{mutant}: no divergence found\n{shown}"
    );
    assert!(
        shown.contains("finding: node diverges (native matches the model, node does not)"),
        "{mutant}: the host must be the side named wrong\n{shown}"
    );
    let cases: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert_eq!(cases.len(), 1, "{mutant}: one case per finding: {cases:?}");
    let finding = std::fs::read_to_string(cases[0].with_extension("txt")).unwrap();
    assert!(finding.contains("--- model\n+++ node"), "{finding}");

    let (status, shown) = suite(&out, "node", Some(&glue));
    assert_eq!(
        status,
        Some(1),
        "{mutant}: the case must fail on the faulty glue\n{shown}"
    );
    assert!(shown.contains("0 passed, 1 failed"), "{shown}");
    let (status, shown) = suite(&out, "node,native", None);
    assert_eq!(
        status,
        Some(0),
        "{mutant}: the case must pass on the stock glue and on native\n{shown}"
    );
    assert!(shown.contains("2 passed, 0 failed"), "{shown}");
}

#[test]
fn finds_a_string_fault_of_the_glue() {
    finds("load_string_one_short", 1);
}

#[test]
fn finds_a_value_fault_of_the_glue() {
    finds("null_stored_as_undefined", 1);
}

#[test]
fn the_stock_glue_does_not_diverge() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = fuzz(None, 1, 4, "every", &out);
    let shown = text(&o);
    assert_eq!(o.status.code(), Some(0), "{shown}");
    assert!(shown.contains(", 0 divergences,"), "{shown}");
    // Not vacuous: inputs did run on both sides.
    let inputs: u64 = String::from_utf8_lossy(&o.stdout)
        .split(" inputs in ")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(inputs >= 50, "too few inputs ran to say anything\n{shown}");
    assert!(!out.exists(), "nothing is written without a divergence");
}

/// A module of the `gojs` generation that writes `text` to fd `fd`, then exits with `code`
/// (`None`: loops forever).
fn module(fd: u8, text: &str, code: Option<u8>) -> Vec<u8> {
    let body = match code {
        // wasmWrite(sp=16): fd at sp+8, pointer at sp+16, length at sp+24.
        Some(c) => format!(
            "(i64.store (i32.const 24) (i64.const {fd}))
             (i64.store (i32.const 32) (i64.const 256))
             (i32.store (i32.const 40) (i32.const {len}))
             (call $write (i32.const 16))
             (i32.store (i32.const 24) (i32.const {c}))
             (call $exit (i32.const 16))",
            len = text.len()
        ),
        None => "(loop $l (br $l))".to_string(),
    };
    let escaped: String = text.bytes().map(|b| format!("\\{b:02x}")).collect();
    wat::parse_str(format!(
        r#"(module
            (import "gojs" "runtime.wasmWrite" (func $write (param i32)))
            (import "gojs" "runtime.wasmExit" (func $exit (param i32)))
            (memory (export "mem") 1)
            (data (i32.const 256) "{escaped}")
            (func (export "run") (param i32 i32) {body})
            (func (export "resume"))
            (func (export "getsp") (result i32) (i32.const 16)))"#
    ))
    .unwrap()
}

#[test]
fn the_node_worker_outlives_its_runs_and_is_restarted_after_a_hang() {
    use gojs_harness::host::Exit;
    use gojs_harness::host::worker::NodeWorker;
    use std::time::Duration;
    let tc = Toolchain::from_path().expect("these tests need Go on PATH");
    let cache = tempfile::tempdir().unwrap();
    let mut w = NodeWorker::new(&tc.glue().unwrap(), cache.path()).unwrap();
    assert!(w.modules.iter().any(|m| m == "gojs"), "{:?}", w.modules);
    let limit = Duration::from_secs(20);
    for (fd, code) in [(1u8, 3u8), (2, 0), (1, 7)] {
        let o = w.run(&module(fd, "hi\n", Some(code)), limit).unwrap();
        assert_eq!(o.exit, Exit::Code(i32::from(code)));
        let (wrote, other) = if fd == 1 {
            (&o.stdout, &o.stderr)
        } else {
            (&o.stderr, &o.stdout)
        };
        assert_eq!(
            (wrote.as_slice(), other.as_slice()),
            (&b"hi\n"[..], &b""[..])
        );
    }
    assert_eq!(w.starts, 1, "one process for every run");
    let o = w
        .run(&module(1, "", None), Duration::from_millis(500))
        .unwrap();
    assert_eq!(o.exit, Exit::Timeout);
    let o = w.run(&module(1, "after\n", Some(4)), limit).unwrap();
    assert_eq!((o.exit, o.stdout), (Exit::Code(4), b"after\n".to_vec()));
    assert_eq!(w.starts, 2, "a fresh worker after the hang");
}

#[test]
fn a_run_of_the_node_worker_leaves_no_globals_to_the_next() {
    use gojs_harness::host::Exit;
    use gojs_harness::host::worker::NodeWorker;
    use std::time::Duration;
    // globalThis.leak is read (and written to stdout as its 8-byte ref), then set to 1.
    const GLOBAL: &str = "0x7ff8000100000005"; // id 5, flag object
    let wasm = wat::parse_str(format!(
        r#"(module
            (import "gojs" "syscall/js.valueGet" (func $get (param i32)))
            (import "gojs" "syscall/js.valueSet" (func $set (param i32)))
            (import "gojs" "runtime.wasmWrite" (func $write (param i32)))
            (import "gojs" "runtime.wasmExit" (func $exit (param i32)))
            (memory (export "mem") 1)
            (data (i32.const 256) "leak")
            (func (export "run") (param i32 i32)
              (i64.store (i32.const 24) (i64.const {GLOBAL}))
              (i64.store (i32.const 32) (i64.const 256))
              (i64.store (i32.const 40) (i64.const 4))
              (call $get (i32.const 16))
              (i64.store (i32.const 24) (i64.const 1))
              (i64.store (i32.const 32) (i64.const 48))
              (i32.store (i32.const 40) (i32.const 8))
              (call $write (i32.const 16))
              (i64.store (i32.const 24) (i64.const {GLOBAL}))
              (i64.store (i32.const 32) (i64.const 256))
              (i64.store (i32.const 40) (i64.const 4))
              (i64.store (i32.const 48) (i64.const 0x3ff0000000000000))
              (call $set (i32.const 16))
              (i32.store (i32.const 24) (i32.const 0))
              (call $exit (i32.const 16)))
            (func (export "resume"))
            (func (export "getsp") (result i32) (i32.const 16)))"#
    ))
    .unwrap();
    let tc = Toolchain::from_path().expect("these tests need Go on PATH");
    let cache = tempfile::tempdir().unwrap();
    let mut w = NodeWorker::new(&tc.glue().unwrap(), cache.path()).unwrap();
    for run in 1..=2 {
        let o = w.run(&wasm, Duration::from_secs(20)).unwrap();
        assert_eq!(o.exit, Exit::Code(0), "run {run}: {o:?}");
        assert_eq!(
            o.stdout, [0u8; 8],
            "run {run}: globalThis.leak must be undefined"
        );
    }
    assert_eq!(w.starts, 1);
}
