//! The native host: Go js/wasm modules in-process on wasmtime, with a boa realm.
//!
//! * [`engine`]: engine configuration and the compiled-module cache;
//! * [`args`]: the argv/env block at 4096;
//! * [`runtime`]: linking, `run`, the event loop, re-entry, exits and limits;
//! * [`cli`]: `gojs-harness run`, a drop-in `go_js_wasm_exec`.

pub mod args;
pub mod cli;
pub mod engine;
pub mod runtime;

pub use runtime::{Ending, NativeOutcome, NativeRunOptions, Program, run, run_isolated};

#[cfg(test)]
mod tests;
