//! End-to-end tests of the native runtime on small hand-written modules that follow the
//! Go js/wasm calling convention (sp-style imports, `run`/`resume`/`getsp`/`mem` exports).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{Ending, NativeOutcome, NativeRunOptions, Program, run};

/// Imports and exports shared by the modules below; `$sp` is what `getsp` reports.
const IMPORTS: &str = r#"
  (import "gojs" "runtime.wasmExit" (func $exit (param i32)))
  (import "gojs" "runtime.wasmWrite" (func $write (param i32)))
  (import "gojs" "runtime.scheduleTimeoutEvent" (func $sched (param i32)))
"#;

const PRELUDE: &str = r#"
  (memory (export "mem") 1)
  (global $sp (mut i32) (i32.const EXIT_SP))
  (func (export "getsp") (result i32) global.get $sp)
  ;; exit(code)
  (func $quit (param i32)
    global.get $sp
    drop
    (i32.store (i32.const EXIT_CODE) (local.get 0))
    (call $exit (i32.const EXIT_SP)))
  ;; print the string at 3000 with length n to fd 1
  (func $print (param i32)
    (i64.store (i32.const WRITE_FD) (i64.const 1))
    (i64.store (i32.const WRITE_P) (i64.const 3000))
    (i32.store (i32.const WRITE_N) (local.get 0))
    (call $write (i32.const WRITE_SP)))
"#;

/// The frames the modules below use, and the names they give their fields' addresses
/// (taken from the frame table, never written out).
const EXIT_SP: u32 = 1024;
const WRITE_SP: u32 = 1100;
const SCHED_SP: u32 = 1200;

/// `text` with the frame addresses of the modules below filled in.
fn with_frames(text: &str) -> String {
    use gojs_abi::layout::{WRITE_LEN, schedule_timeout_event, wasm_exit, wasm_write};
    let text_at = wasm_write::TEXT.at(WRITE_SP);
    [
        ("EXIT_SP", u64::from(EXIT_SP)),
        ("EXIT_CODE", wasm_exit::CODE.at(EXIT_SP)),
        ("WRITE_SP", u64::from(WRITE_SP)),
        ("WRITE_FD", wasm_write::FD.at(WRITE_SP)),
        ("WRITE_P", text_at),
        ("WRITE_N", text_at + u64::from(WRITE_LEN)),
        ("SCHED_SP", u64::from(SCHED_SP)),
        ("SCHED_MS", schedule_timeout_event::MS.at(SCHED_SP)),
    ]
    .iter()
    .fold(text.to_string(), |t, (name, addr)| {
        t.replace(name, &addr.to_string())
    })
}

fn module(body: &str) -> String {
    // Imports must precede definitions: hoist the body's own.
    let re = regex::Regex::new(r#"\(import "[^"]*" "[^"]*" \(func[^()]*(\(param[^()]*\))?\)\)"#)
        .unwrap();
    let imports: Vec<&str> = re.find_iter(body).map(|m| m.as_str()).collect();
    let rest = re.replace_all(body, "");
    with_frames(&format!(
        "(module {IMPORTS} {} {PRELUDE} {rest})",
        imports.join(" ")
    ))
}

fn run_bytes(bytes: &[u8], opts: &NativeRunOptions) -> NativeOutcome {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.wasm");
    std::fs::write(&path, bytes).unwrap();
    run_path(&path, &[], opts)
}

fn run_path(path: &Path, args: &[String], opts: &NativeRunOptions) -> NativeOutcome {
    let program = Program {
        wasm: path.to_path_buf(),
        args: args.to_vec(),
        env: BTreeMap::from([("A".to_string(), "1".to_string())]),
        cwd: "/".into(),
    };
    run(&program, opts, true)
}

fn run_wat(body: &str, opts: &NativeRunOptions) -> NativeOutcome {
    run_bytes(&wat::parse_str(module(body)).unwrap(), opts)
}

fn no_cache() -> NativeRunOptions {
    NativeRunOptions {
        cache_dir: None,
        timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

fn stderr(o: &NativeOutcome) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exit_code_unwinds_the_guest() {
    let o = run_wat(
        r#"(func (export "resume")) (func (export "run") (param i32 i32) (call $quit (i32.const 7)) unreachable)"#,
        &no_cache(),
    );
    assert_eq!(o.ending, Ending::Exit(7), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn write_and_exit_zero() {
    let o = run_wat(
        r#"(data (i32.const 3000) "hi\n")
           (func (export "resume"))
           (func (export "run") (param i32 i32) (call $print (i32.const 3)) (call $quit (i32.const 0)))"#,
        &no_cache(),
    );
    assert_eq!(o.ending, Ending::Exit(0));
    assert_eq!(o.stdout, b"hi\n");
}

#[test]
fn each_situation_gets_its_compiler() {
    use crate::engine::{Compiler, CompilerChoice};
    let bytes = wat::parse_str(module(
        r#"(data (i32.const 3000) "hi\n")
           (func (export "resume"))
           (func (export "run") (param i32 i32) (call $print (i32.const 3)) (call $quit (i32.const 0)))"#,
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.wasm");
    std::fs::write(&path, &bytes).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = |cache_on: bool, tiered: bool, compiler: CompilerChoice| {
        let o = run_path(
            &path,
            &[],
            &NativeRunOptions {
                cache_dir: cache_on.then(|| cache.path().to_path_buf()),
                tiered_cache: tiered,
                compiler,
                ..Default::default()
            },
        );
        assert_eq!(
            (o.ending, o.stdout.as_slice()),
            (Ending::Exit(0), &b"hi\n"[..])
        );
        o.phases
    };
    let build = |cache_on, tiered, compiler| run(cache_on, tiered, compiler).build.unwrap();
    let (auto, cl, winch) = (
        CompilerChoice::Auto,
        CompilerChoice::Cranelift,
        CompilerChoice::Winch,
    );
    // Without the cache: Winch unless Cranelift is asked for.
    assert_eq!(build(false, false, auto), (Compiler::Winch, false));
    assert_eq!(build(false, false, cl), (Compiler::Cranelift, false));
    // `run`: a new module starts on the interpreter, and again the next time (without a
    // background fill, which only `gojs-harness run` gives: see `harness/tests`).
    for _ in 0..2 {
        let p = run(true, true, auto);
        assert!(p.interpreted && p.build.is_none(), "{p:?}");
    }
    // The suite: Cranelift, then from the cache, where `run` prefers it too.
    assert_eq!(build(true, false, auto), (Compiler::Cranelift, false));
    assert_eq!(build(true, false, auto), (Compiler::Cranelift, true));
    assert_eq!(build(true, true, auto), (Compiler::Cranelift, true));
    // An explicit choice builds the module as it is (`auto` in `run` builds it with its
    // globals exported, for tier-up): Winch compiles once, Cranelift is the suite's build.
    assert_eq!(build(true, true, winch), (Compiler::Winch, false));
    assert_eq!(build(true, true, winch), (Compiler::Winch, true));
    assert_eq!(build(true, true, cl), (Compiler::Cranelift, true));
}

#[test]
fn trap_is_exit_1_with_one_line() {
    let o = run_wat(
        r#"(func (export "resume")) (func (export "run") (param i32 i32) unreachable)"#,
        &no_cache(),
    );
    assert_eq!(o.ending, Ending::Exit(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("wasm trap"), "{e}");
}

#[test]
fn paused_with_nothing_pending_gets_the_deadlock_event() {
    // run returns (Go paused); the host sends {id: 0} and resumes; resume prints and returns.
    let o = run_wat(
        r#"(data (i32.const 3000) "resumed\n")
           (func (export "resume") (call $print (i32.const 8)))
           (func (export "run") (param i32 i32))"#,
        &no_cache(),
    );
    assert_eq!(o.ending, Ending::Exit(0), "{}", stderr(&o));
    assert_eq!(o.stdout, b"resumed\n");
}

#[test]
fn timer_resumes_go() {
    // scheduleTimeoutEvent(50 ms); the timer resumes, resume exits 3.
    let body = r#"(func (export "resume") (call $quit (i32.const 3)))
        (func (export "run") (param i32 i32)
          (i64.store (i32.const SCHED_MS) (i64.const 50))
          (call $sched (i32.const SCHED_SP)))"#;
    let det = NativeRunOptions {
        deterministic: true,
        ..no_cache()
    };
    let t = Instant::now();
    let o = run_wat(body, &det);
    assert_eq!(o.ending, Ending::Exit(3), "{}", stderr(&o));
    let real = run_wat(body, &no_cache());
    assert_eq!(real.ending, Ending::Exit(3));
    assert!(real.wall >= Duration::from_millis(50));
    assert!(t.elapsed() >= Duration::from_millis(50));
}

/// A step of a synthesized module's `run` (see [`gojs_synth::spec::Step`]).
fn step(
    call: &str,
    sp: u32,
    frame: gojs_synth::frame::Frame,
    show: Vec<gojs_synth::spec::Show>,
) -> gojs_synth::spec::Step {
    gojs_synth::spec::Step {
        call: Some(call.into()),
        print: None,
        exit: None,
        sp: Some(sp),
        frame: frame.into_slots(),
        show,
    }
}

/// A `gojs` module of 2 pages with these texts at these addresses, `run` and `resume` steps,
/// that exits 0 after `run`'s steps.
fn synthesized(
    texts: &[(u32, &str)],
    run: Vec<gojs_synth::spec::Step>,
    resume: Vec<gojs_synth::spec::Step>,
) -> Vec<u8> {
    use gojs_synth::spec::{Data, ModuleSpec};
    let spec = ModuleSpec {
        imports: "gojs".into(),
        pages: 2,
        omit_exports: vec![],
        mem_kind: None,
        extra_imports: vec![],
        raw_hex: None,
        raw_text: None,
        data: texts
            .iter()
            .map(|&(at, text)| Data {
                at,
                text: Some(text.into()),
                hex: None,
            })
            .collect(),
        run,
        resume,
        exit: 0,
    };
    gojs_synth::build(&spec).unwrap()
}

#[test]
fn js_values_through_the_imports() {
    // console.log("hello from js"), as Go's fmt would not do it: valueGet, stringVal, valueCall.
    use gojs_abi::layout::{string_val, value_call, value_get};
    use gojs_synth::frame::Frame;
    use gojs_synth::spec::Show;
    let (console, text, log) = (20_000, 20_100, 20_200);
    let sp = [16_384u32, 16_640, 16_896];
    let args_off = 80;
    let run = vec![
        step(
            "syscall/js.valueGet",
            sp[0],
            Frame::new()
                .set(value_get::V, "ref global")
                .string(value_get::P, console, 7),
            vec![],
        ),
        step(
            "syscall/js.stringVal",
            sp[1],
            Frame::new().string(string_val::S, text, 13),
            vec![],
        ),
        step(
            "syscall/js.valueCall",
            sp[2],
            Frame::new()
                .set(value_call::V, format!("load {}", value_get::R.at(sp[0])))
                .string(value_call::M, log, 3)
                .slice(value_call::ARGS, sp[2] + args_off, 1)
                .extra(args_off, format!("load {}", string_val::V.at(sp[1]))),
            vec![Show {
                label: "ok".into(),
                at: value_call::OK.off,
                len: 1,
                abs: false,
            }],
        ),
    ];
    let bytes = synthesized(
        &[(console, "console"), (text, "hello from js"), (log, "log")],
        run,
        vec![],
    );
    let o = run_bytes(&bytes, &no_cache());
    assert_eq!(o.ending, Ending::Exit(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "hello from js\nok: 01\n"
    );
}

#[test]
fn bad_pointer_is_a_clear_error() {
    let body = r#"
      (import "gojs" "syscall/js.valueGet" (func $get (param i32)))
      (data (i32.const GET_P) "\00\ff\ff\ff\00\00\00\00" "\07\00\00\00\00\00\00\00")
      (func (export "resume"))
      (func (export "run") (param i32 i32) (call $get (i32.const EXIT_SP)))"#
        .replace(
            "GET_P",
            &gojs_abi::layout::value_get::P.at(EXIT_SP).to_string(),
        );
    let o = run_wat(&body, &no_cache());
    assert_eq!(o.ending, Ending::Exit(1));
    assert!(
        stderr(&o).contains("outside linear memory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_import_and_malformed_module() {
    let o = run_wat(
        r#"(import "env" "foo" (func)) (func (export "resume")) (func (export "run") (param i32 i32))"#,
        &no_cache(),
    );
    assert_eq!(o.ending, Ending::Exit(1));
    assert!(
        stderr(&o).contains("unsupported import env.foo"),
        "{}",
        stderr(&o)
    );

    let o = run_bytes(b"\0asm garbage", &no_cache());
    assert_eq!(o.ending, Ending::Exit(1));
    assert!(stderr(&o).contains("invalid wasm module"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn duplicate_import_entries_are_accepted() {
    let o = run_wat(
        r#"(import "gojs" "runtime.getRandomData" (func $r1 (param i32)))
           (import "gojs" "runtime.getRandomData" (func $r2 (param i32)))
           (func (export "resume"))
           (func (export "run") (param i32 i32) (call $quit (i32.const 4)))"#,
        &no_cache(),
    );
    assert_eq!(o.ending, Ending::Exit(4), "{}", stderr(&o));
}

#[test]
fn time_limit() {
    let opts = NativeRunOptions {
        timeout: Some(Duration::from_millis(300)),
        ..no_cache()
    };
    let o = run_wat(
        r#"(func (export "resume")) (func (export "run") (param i32 i32) (loop $l (br $l)))"#,
        &opts,
    );
    assert_eq!(o.ending, Ending::Timeout);
    assert!(stderr(&o).contains("time limit"), "{}", stderr(&o));
}

#[test]
fn output_limit() {
    let opts = NativeRunOptions {
        max_output: 10,
        ..no_cache()
    };
    let o = run_wat(
        r#"(func (export "resume"))
           (func (export "run") (param i32 i32) (loop $l (call $print (i32.const 4)) (br $l)))"#,
        &opts,
    );
    assert_eq!(o.ending, Ending::Exit(1));
    assert!(
        stderr(&o).contains("output limit of 10 bytes exceeded"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn memory_limit() {
    let opts = NativeRunOptions {
        max_memory: Some(32 * 1024),
        ..no_cache()
    };
    let o = run_wat(
        r#"(func (export "resume")) (func (export "run") (param i32 i32))"#,
        &opts,
    );
    assert_eq!(o.ending, Ending::Exit(1));
    assert!(stderr(&o).contains("memory limit"), "{}", stderr(&o));
}

#[test]
fn argv_env_limit() {
    let bytes = wat::parse_str(module(r#"(func (export "resume")) (func (export "run") (param i32 i32) (call $quit (local.get 0)))"#)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.wasm");
    std::fs::write(&path, bytes).unwrap();
    // argc = 3 (wasm path + 2 args)
    let o = run_path(&path, &["a".into(), "b".into()], &no_cache());
    assert_eq!(o.ending, Ending::Exit(3));
    let o = run_path(&path, &["x".repeat(9000)], &no_cache());
    assert_eq!(o.ending, Ending::Exit(1));
    assert!(
        stderr(&o).contains("total length of command line and environment variables exceeds limit")
    );
}

#[test]
fn module_cache_survives_corruption() {
    let cache = tempfile::tempdir().unwrap();
    let opts = NativeRunOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..no_cache()
    };
    let body = r#"(func (export "resume")) (func (export "run") (param i32 i32) (call $quit (i32.const 5)))"#;
    assert_eq!(run_wat(body, &opts).ending, Ending::Exit(5));
    let entries: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(run_wat(body, &opts).ending, Ending::Exit(5));
    std::fs::write(&entries[0], b"corrupt").unwrap();
    assert_eq!(run_wat(body, &opts).ending, Ending::Exit(5));
    assert!(std::fs::metadata(&entries[0]).unwrap().len() > 100);
}

#[test]
fn a_paused_run_moves_from_the_interpreter_to_winch_and_cranelift_with_its_state() {
    use crate::engine::Compiler;
    use crate::tierup::TierUp;
    // run: memory grows by 2 pages, a byte at 70000 (in the grown part) and one at 2000 (over
    // a data segment) are written, a global is set, and a timer pauses the program. Each
    // resume checks all of it, on the instance the run moved to at that pause, and adds to
    // it; the first pauses again, the second prints ok (bad if anything was lost) and exits.
    let body = r#"
        (import "gojs" "runtime.clearTimeoutEvent" (func $clear (param i32)))
        (data (i32.const 3000) "ok\nbad\n")
        (data (i32.const 2000) "\01")
        (global $kept (mut i64) (i64.const 0))
        (func (export "resume")
          (if (i32.and
                (i32.and (i64.eq (global.get $kept) (i64.const 41))
                         (i32.eq (memory.size) (i32.const 3)))
                (i32.and (i32.eq (i32.load8_u (i32.const 70000)) (i32.const 9))
                         (i32.eq (i32.load8_u (i32.const 2000)) (i32.const 5))))
            (then
              ;; Go clears the timeout it woke for (else the glue resumes it again at once).
              (i32.store (i32.const 1408) (i32.const 1))
              (call $clear (i32.const 1400))
              (global.set $kept (i64.const 42))
              (i32.store8 (i32.const 70000) (i32.const 10))
              (i64.store (i32.const SCHED_MS) (i64.const 1))
              (call $sched (i32.const SCHED_SP))
              (return)))
          (if (i32.and
                (i64.eq (global.get $kept) (i64.const 42))
                (i32.eq (i32.load8_u (i32.const 70000)) (i32.const 10)))
            (then (call $print (i32.const 3)))
            (else (i64.store (i32.const WRITE_P) (i64.const 3003))
                  (i32.store (i32.const WRITE_N) (i32.const 4))
                  (call $write (i32.const WRITE_SP))))
          (call $quit (i32.const 0)))
        (func (export "run") (param i32 i32)
          (drop (memory.grow (i32.const 2)))
          (i32.store8 (i32.const 70000) (i32.const 9))
          (i32.store8 (i32.const 2000) (i32.const 5))
          (global.set $kept (i64.const 41))
          (i64.store (i32.const SCHED_MS) (i64.const 1))
          (call $sched (i32.const SCHED_SP)))"#;
    let cache = tempfile::tempdir().unwrap();
    let opts = |tier_up| NativeRunOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        tiered_cache: true,
        tier_up,
        ..Default::default()
    };
    let bytes = wat::parse_str(module(body)).unwrap();
    let o = run_bytes(&bytes, &opts(TierUp::AtFirstChance));
    assert_eq!(o.ending, Ending::Exit(0), "{}", stderr(&o));
    assert_eq!(o.stdout, b"ok\n", "{}", stderr(&o));
    assert!(o.phases.interpreted, "{:?}", o.phases);
    assert!(
        o.phases.left_interpreter.is_some(),
        "the run stayed on the interpreter"
    );
    assert!(
        o.phases.tiered_up.is_some(),
        "the run did not move on to Cranelift: {}",
        o.phases.describe(o.wall)
    );
    // Both builds went to the cache: the next run starts on Cranelift's.
    let o = run_bytes(&bytes, &opts(TierUp::Off));
    assert_eq!(o.stdout, b"ok\n", "{}", stderr(&o));
    assert_eq!(o.phases.build, Some((Compiler::Cranelift, true)));
    assert_eq!(o.phases.tiered_up, None);
}

/// A run with a time limit or a memory limit, which the interpreter does not enforce, starts
/// on Winch code instead.
#[test]
fn limited_runs_start_on_winch() {
    use crate::engine::Compiler;
    let body = r#"(data (i32.const 3000) "hi\n")
           (func (export "resume"))
           (func (export "run") (param i32 i32) (call $print (i32.const 3)) (call $quit (i32.const 0)))"#;
    for limited in [
        NativeRunOptions {
            timeout: Some(std::time::Duration::from_secs(60)),
            ..Default::default()
        },
        NativeRunOptions {
            max_memory: Some(1 << 30),
            ..Default::default()
        },
    ] {
        let cache = tempfile::tempdir().unwrap();
        let opts = NativeRunOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            tiered_cache: true,
            ..limited
        };
        let o = run_wat(body, &opts);
        assert_eq!(o.stdout, b"hi\n", "{}", stderr(&o));
        assert_eq!(o.phases.build, Some((Compiler::Winch, false)));
    }
}

/// `gojs-harness run`'s options: tiered caching, tier-up after the usual delay, a cache.
fn run_defaults(cache: &Path) -> NativeRunOptions {
    NativeRunOptions {
        cache_dir: Some(cache.to_path_buf()),
        tiered_cache: true,
        tier_up: crate::tierup::TierUp::After(crate::tierup::DELAY),
        ..Default::default()
    }
}

#[test]
fn truncated_modules_are_refused_in_one_line_on_runs_default_path() {
    // A module with every section a Go binary has (types, imports, functions, a table,
    // memory, mutable globals, exports, elements, code, data), cut at every length, as a
    // partial download leaves it.
    let bytes = wat::parse_str(module(
        r#"(data (i32.const 3000) "hi\n")
           (global $g (mut i64) (i64.const 5))
           (table 2 funcref)
           (elem (i32.const 0) $a $b)
           (func $a (result i32) (i32.const 1))
           (func $b (result i32) (i32.const 2))
           (func (export "resume"))
           (func (export "run") (param i32 i32) (call $print (i32.const 3)) (call $quit (i32.const 0)))"#,
    ))
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let o = run_bytes(&bytes, &run_defaults(cache.path()));
    assert_eq!(
        (o.ending, o.stdout.as_slice()),
        (Ending::Exit(0), &b"hi\n"[..])
    );
    let mut refused = 0;
    for cut in 0..bytes.len() {
        let o = run_bytes(&bytes[..cut], &run_defaults(cache.path()));
        let err = stderr(&o);
        // A cut at a section boundary can leave a valid module (without its data, say):
        // it runs, and whatever it does, the host must not panic.
        assert!(!err.contains("panicked"), "cut at {cut}: {err}");
        if crate::validate::validate(&bytes[..cut]).is_ok() {
            continue;
        }
        refused += 1;
        assert_eq!(o.ending, Ending::Exit(1), "cut at {cut}: {err}");
        assert!(
            err.starts_with("gojs-harness: invalid wasm module") && err.lines().count() == 1,
            "cut at {cut}: {err}"
        );
    }
    assert!(
        refused > bytes.len() / 2,
        "only {refused} cuts were invalid"
    );
}

/// `valueLoadString` runs JS (the realm's test for a Uint8Array: `instanceof`, which a
/// Proxy's `getPrototypeOf` trap sees) before it copies. Here that trap calls a `FuncOf`
/// wrapper, so Go is resumed inside the import, and Go's `resume` rewrites the import's
/// frame: the destination slice now points at the last 4 bytes of memory. The import must
/// copy where the frame said when it was called (the contract: inputs are read before any
/// JS runs), not panic on a destination that moved.
#[test]
fn value_load_string_reads_its_frame_before_js_reenters_go() {
    use gojs_abi::layout::{string_val, value_call, value_invoke, value_load_string};
    use gojs_synth::frame::Frame;
    use gojs_synth::spec::{Show, Step};

    const CODE: &str = "(go) => new Proxy(new Uint8Array(16).fill(171), { \
        getPrototypeOf(t) { go._makeFuncWrapper(1)(); return Uint8Array.prototype; }, \
        get(t, k) { return t[k]; } })";
    let (code_at, eval_at, dst) = (20_000u32, 21_000u32, 30_000u32);
    let sp = [16_384u32, 16_640, 16_896, 17_152];
    // The argument arrays of the calls, after their frames.
    let args_off = 80;
    let run = vec![
        // s = "(go) => new Proxy(...)"
        step(
            "syscall/js.stringVal",
            sp[0],
            Frame::new().string(string_val::S, code_at, CODE.len()),
            vec![],
        ),
        // f = globalThis.eval(s)
        step(
            "syscall/js.valueCall",
            sp[1],
            Frame::new()
                .set(value_call::V, "ref global")
                .string(value_call::M, eval_at, 4)
                .slice(value_call::ARGS, sp[1] + args_off, 1)
                .extra(args_off, format!("load {}", string_val::V.at(sp[0]))),
            vec![],
        ),
        // p = f(go)
        step(
            "syscall/js.valueInvoke",
            sp[2],
            Frame::new()
                .set(value_invoke::V, format!("load {}", value_call::R.at(sp[1])))
                .slice(value_invoke::ARGS, sp[2] + args_off, 1)
                .extra(args_off, "ref go"),
            vec![],
        ),
        // valueLoadString(p, memory[30000..30100])
        step(
            "syscall/js.valueLoadString",
            sp[3],
            Frame::new()
                .set(
                    value_load_string::V,
                    format!("load {}", value_invoke::R.at(sp[2])),
                )
                .slice(value_load_string::DST, dst, 100),
            vec![Show {
                label: "copied".into(),
                at: dst,
                len: 16,
                abs: true,
            }],
        ),
    ];
    let resume = vec![
        Step {
            call: None,
            print: Some("resumed inside valueLoadString".into()),
            exit: None,
            sp: None,
            frame: Default::default(),
            show: vec![],
        },
        // The outer frame's destination, moved to the last 4 bytes of memory (2 pages).
        step(
            "runtime.resetMemoryDataView",
            sp[3],
            Frame::new().slice(value_load_string::DST, 2 * 65_536 - 4, 4),
            vec![],
        ),
    ];
    let bytes = synthesized(&[(code_at, CODE), (eval_at, "eval")], run, resume);
    let o = run_bytes(&bytes, &no_cache());
    assert_eq!(o.ending, Ending::Exit(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "resumed inside valueLoadString\ncopied: {}\n",
            "ab".repeat(16)
        ),
        "{}",
        stderr(&o)
    );
}
