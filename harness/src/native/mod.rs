//! The native host: Go js/wasm modules in-process on wasmtime, with a boa realm.
//!
//! * [`engine`]: engine configuration and the compiled-module cache;
//! * [`args`]: the argv/env block at 4096;
//! * [`runtime`]: linking, `run`, the event loop, re-entry, exits and limits;
//! * [`tierup`]: moving a paused run from Winch code to Cranelift code;
//! * [`cli`]: `gojs-harness run`, a drop-in `go_js_wasm_exec`.
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

pub mod args;
pub mod cli;
pub mod engine;
pub mod runtime;
pub mod tierup;

pub use runtime::{Ending, NativeOutcome, NativeRunOptions, Phases, Program, run, run_isolated};

#[cfg(test)]
mod tests;
