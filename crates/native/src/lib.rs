//! An embeddable host for Go `GOOS=js GOARCH=wasm` programs: the module runs in-process on
//! wasmtime, its JS world is a boa realm holding the globals a Go program meets under Node
//! (`process`, `fs`, `crypto`, timers…), and its imports are the ABI layer of
//! [`gojs_abi`]. No Node, no browser.
//!
//! ```
//! use std::collections::BTreeMap;
//! use gojs_native::{Ending, NativeRunOptions, Program};
//!
//! // A module speaking the Go js/wasm ABI: `run` writes "hi\n" to fd 1 with
//! // `runtime.wasmWrite` and ends with `runtime.wasmExit(0)`. The output of
//! // `GOOS=js GOARCH=wasm go build` is run the same way.
//! let wasm = wat::parse_str(r#"(module
//!   (import "gojs" "runtime.wasmWrite" (func $write (param i32)))
//!   (import "gojs" "runtime.wasmExit" (func $exit (param i32)))
//!   (memory (export "mem") 1)
//!   (data (i32.const 2000) "hi\n")
//!   (func (export "run") (param i32 i32)
//!     (i64.store (i32.const 1032) (i64.const 1))     ;; fd
//!     (i64.store (i32.const 1040) (i64.const 2000))  ;; p
//!     (i32.store (i32.const 1048) (i32.const 3))     ;; n
//!     (call $write (i32.const 1024))                 ;; sp = 1024
//!     (i32.store (i32.const 1032) (i32.const 0))     ;; code
//!     (call $exit (i32.const 1024)))
//!   (func (export "resume"))
//!   (func (export "getsp") (result i32) (i32.const 1024)))"#)?;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("hello.wasm");
//! std::fs::write(&path, wasm)?;
//!
//! let program = Program {
//!     wasm: path,
//!     args: vec![],
//!     env: BTreeMap::from([("HOME".to_string(), "/".to_string())]),
//!     cwd: dir.path().to_path_buf(),
//! };
//! let options = NativeRunOptions {
//!     // Compiled modules are kept here between runs; `None` compiles every time.
//!     cache_dir: Some(dir.path().join("cache")),
//!     ..NativeRunOptions::default()
//! };
//! // `true`: keep stdout and stderr in the outcome instead of writing them out.
//! let outcome = gojs_native::run_isolated(&program, &options, true);
//! assert_eq!(outcome.ending, Ending::Exit(0));
//! assert_eq!(outcome.stdout, b"hi\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pieces:
//! * [`options`] and [`outcome`]: what a caller passes and gets back; [`run()`] and
//!   [`run_isolated`]: a run (private modules: `run` sets it up, `session` is its event
//!   loop, `link` makes the imports wasmtime functions, `build` finds its code);
//! * [`engine`]: wasmtime's configuration; [`cache`]: compiled modules on disk;
//!   [`validate`]: the first check of a module's bytes; [`rewrite`] and [`tierup`]: moving a
//!   paused run from Winch code to Cranelift code;
//! * [`realm`]: the boa realm, its Node-like globals, `fs` on a sandbox;
//! * [`warm`]: many short deterministic runs in one process, engines, modules and realm kept
//!   between them (fuzzing).
//!
//! How a run goes: the module is compiled (or loaded from the cache), every import it
//! declares is linked by name (unknown ones end the run with exit 1), the boa realm is built
//! (`crate::realm`), the argv/env block is written at 4096 and `run(argc, argv)` is called.
//! When `run`/`resume` return with the program paused, the event loop runs promise jobs,
//! then the earliest timer (Go's `scheduleTimeoutEvent` → `resume` with no event, repeated
//! while Go keeps the id registered; JS `setTimeout` and I/O completions → their callback),
//! and when nothing is left sends the `{id: 0}` deadlock event once, as Node's runner does.
//!
//! Exits: `wasmExit(code)` records the code and makes the import fail with a private error,
//! which unwinds every wasm frame, nested resumes included (an outer import re-raises it once
//! its JS returns). Traps, ABI errors and uncaught JS exceptions end the run with exit 1 and
//! one `gojs-harness: …` line on stderr; time, memory and output limits each have their own
//! line. Re-entry (a `FuncOf` wrapper called by JS that an import runs) is described in
//! [`crate::realm::reentry`].
//!
//! Deterministic mode (`--deterministic`): the clock is virtual (Go's clocks, `Date`,
//! `performance.now()`; timers fire in deadline order without waiting), randomness (Go's
//! `getRandomData`, `crypto.getRandomValues`, `Math.random`) comes from the seed, and
//! `process.pid` is fixed, so two runs of a program write the same output and trace.
//!
//! Files: `fs` is Node's callback API on host files ([`crate::realm::fs`]) inside a sandbox
//! ([`crate::realm::sandbox`]): the working directory, a private TMPDIR (fresh, removed at
//! the end; `TMPDIR` in the environment points at it) and [`NativeRunOptions::dirs`]; other
//! paths are `EACCES`.
//!
//! Known gaps: JS code that never returns cannot be interrupted (the run is abandoned after
//! its time limit plus a grace period). File operations run synchronously inside the call
//! (only their callbacks wait for the event loop), so a read of a slow stdin blocks timers.
//! The sandbox checks paths, then operates on host paths: a host process racing to swap a
//! checked directory for a symbolic link could redirect an operation (the last component is
//! opened with `O_NOFOLLOW`, intermediate ones are not re-checked). In `--deterministic`
//! runs `TMPDIR` and file times still differ from run to run. `fs.watch`, streams, promises and the `*Sync`
//! calls other than `writeSync` are absent (Go does not use them).

mod build;
mod bytealg;
pub mod cache;
pub mod engine;
mod interp;
mod link;
pub mod options;
pub mod outcome;
pub mod realm;
pub mod rewrite;
mod run;
mod safepoint;
mod session;
pub mod tierup;
pub mod validate;
pub mod warm;

pub use options::{BackgroundFill, NativeRunOptions, Program};
pub use outcome::{Ending, NativeOutcome, Phases};
pub use run::{RUN_STACK, run, run_isolated};

#[cfg(test)]
mod tests;
