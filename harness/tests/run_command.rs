//! `gojs-harness run`, the drop-in `go_js_wasm_exec`, on real Go modules: the corpus's hello
//! world built with the installed Go (these tests need Go on PATH, as `tests/corpus.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use gojs_harness::corpus::Corpus;
use gojs_harness::paths;
use gojs_harness::toolchain::Toolchain;
use gojs_native::tierup::TierUp;

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
    let (rewritten, carry) = gojs_native::rewrite::export_globals(&bytes).unwrap();
    assert!(!carry.globals.is_empty());
    // A real Go module: its stack pointer and dispatch loop are found, so a run can move in
    // the middle of a computation.
    assert!(
        carry.sp == Some(0) && carry.g == Some(2) && carry.go_loop,
        "{carry:?}"
    );
    assert_eq!(
        gojs_native::rewrite::cannot_carry(&rewritten).unwrap(),
        None
    );
}

/// A program that computes without ever pausing (goroutines switching, the garbage collector
/// running, `time.Now` called now and then) moves from the interpreter to Winch code and on
/// to Cranelift code in the middle of its computation, at `runtime.nanotime1` calls, and goes
/// on to print what its own Linux build prints.
#[test]
fn a_program_that_never_pauses_moves_to_cranelift_mid_run() {
    const SRC: &str = r#"package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

func work(seed uint64, n int) uint64 {
	x := seed
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		if i%4096 == 0 {
			_ = time.Now()
		}
	}
	return x
}

func main() {
	results := make(chan uint64)
	for g := 0; g < 4; g++ {
		go func(g int) { results <- work(uint64(g)+1, 300000) }(g)
	}
	var sum uint64
	for g := 0; g < 4; g++ {
		sum ^= <-results
	}
	var words []string
	for i := 0; i < 30000; i++ {
		words = append(words, fmt.Sprint(work(uint64(i), 40)%100000))
	}
	sort.Strings(words)
	fmt.Println(sum, len(strings.Join(words, ",")), words[0], words[len(words)-1])
}
"#;
    let out = moved_runs_match_linux(SRC, TierUp::AtFirstChance);
    assert!(
        out.phases.interpreted
            && out.phases.left_interpreter.is_some()
            && out.phases.tiered_up.is_some()
            && out.phases.tiered_mid_run,
        "the run did not move mid-run: {}",
        out.phases.describe(out.wall)
    );
}

/// A program that has written goes on inside the write's callback, which the event loop
/// runs. A run on Winch code resumed there moves to Cranelift code at a `runtime.nanotime1`
/// call as it would outside, going on in the new instance inside the callback, and prints
/// what its own Linux build prints. (A memory limit makes the run start on Winch code,
/// not on the interpreter; the program writes at once, so all of its computation runs in
/// the callback. Before the resumer could move a run, this one stayed on Winch code until
/// its last pause.)
#[test]
fn a_computation_inside_a_callback_moves_to_cranelift_mid_run() {
    const SRC: &str = r#"package main

import (
	"fmt"
	"time"
)

func work(seed uint64, n int) uint64 {
	x := seed
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
		if i%4096 == 0 {
			_ = time.Now()
		}
	}
	return x
}

func main() {
	fmt.Println("computing")
	fmt.Println(work(1, 2500000000))
}
"#;
    let out =
        moved_runs_match_linux_with(SRC, TierUp::After(std::time::Duration::ZERO), Some(1 << 30));
    assert!(
        !out.phases.interpreted && out.phases.tiered_up.is_some() && out.phases.tiered_mid_run,
        "the run did not move to Cranelift code mid-run: {}",
        out.phases.describe(out.wall)
    );
}

/// A goroutine that computes without calling anything but Go functions (no import, no
/// clock, no allocation) leaves the interpreter at a Go function's entry (a safe point, see
/// `crates/native/src/safepoint.rs`), and prints what its own Linux build prints.
#[test]
fn a_computation_without_imports_leaves_the_interpreter() {
    const SRC: &str = r#"package main

import "fmt"

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	fmt.Println(fib(36))
}
"#;
    // The build starts at once and the run moves when it is ready: with the clock read at
    // the runtime's start (long before), fib's calls are the only chances left.
    let out = moved_runs_match_linux(SRC, TierUp::After(std::time::Duration::ZERO));
    assert!(
        out.phases.interpreted
            && out
                .phases
                .left_interpreter
                .is_some_and(|(_, how)| how == "at a safe point"),
        "the run did not leave the interpreter at a safe point: {}",
        out.phases.describe(out.wall)
    );
}

/// Build `src` for Linux and for js/wasm, run the module on `run`'s default path with the
/// tier-ups `when`, and check it prints what the Linux build prints.
fn moved_runs_match_linux(src: &str, when: TierUp) -> gojs_native::NativeOutcome {
    moved_runs_match_linux_with(src, when, None)
}

/// [`moved_runs_match_linux`], with a memory limit.
///
/// One such run at a time: each computes on one core while its next tier builds at low
/// priority, and beside another computing run that build could starve until the
/// computation ended (both tests that wait for a build once failed so in CI).
fn moved_runs_match_linux_with(
    src: &str,
    when: TierUp,
    max_memory: Option<u64>,
) -> gojs_native::NativeOutcome {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tc = Toolchain::from_path().expect("these tests need Go on PATH");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.go"), src).unwrap();
    std::fs::write(dir.path().join("go.mod"), "module compute\n\ngo 1.21\n").unwrap();
    let build = |goos: &str, goarch: &str, out: &str| {
        let status = Command::new(tc.go_binary())
            .args(["build", "-o", out, "."])
            .current_dir(dir.path())
            .env("GOOS", goos)
            .env("GOARCH", goarch)
            .env("GOFLAGS", "-mod=mod")
            .status()
            .expect("running go build");
        assert!(status.success(), "go build for {goos}/{goarch}");
        dir.path().join(out)
    };
    let linux = build("linux", "amd64", "compute");
    let wasm = build("js", "wasm", "compute.wasm");
    let oracle = Command::new(&linux).output().unwrap();
    assert!(oracle.status.success());

    let program = gojs_native::Program {
        wasm,
        args: Vec::new(),
        env: Default::default(),
        cwd: dir.path().to_path_buf(),
    };
    let opts = gojs_native::NativeRunOptions {
        cache_dir: Some(dir.path().join("cache")),
        tiered_cache: true,
        tier_up: when,
        max_memory,
        ..Default::default()
    };
    let out = gojs_native::run_isolated(&program, &opts, true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.ending, gojs_native::Ending::Exit(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&oracle.stdout),
        "{stderr}"
    );
    out
}
