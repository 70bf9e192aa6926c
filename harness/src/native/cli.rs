//! `gojs-harness run [--deterministic] [--timeout S] [--max-memory BYTES] [--no-cache] [--dir HOST[:GUEST]]... WASM [ARGS...]`:
//! a drop-in `go_js_wasm_exec` (real stdin/stdout/stderr, the program's exit status; files
//! in the working directory, a private TMPDIR and the `--dir` directories).

use std::collections::BTreeMap;
use std::path::Path;

use super::runtime::{Ending, NativeRunOptions, Program, run_isolated};

/// Exit status used when the time limit is hit (as `timeout(1)` does).
pub const TIMEOUT_STATUS: i32 = 124;

/// Run `wasm` with `args`, the real environment (`TMPDIR` pointing at a private directory),
/// in the current directory, writing to the real stdout/stderr. Returns the status to exit
/// with.
pub fn run_command(opts: NativeRunOptions, wasm: &Path, args: &[String]) -> i32 {
    let mut env: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    env.entry("TMPDIR".into())
        .or_insert_with(|| std::env::temp_dir().to_string_lossy().into_owned());
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    let program = Program {
        wasm: wasm.to_path_buf(),
        args: args.to_vec(),
        env,
        cwd,
    };
    match run_isolated(&program, &opts, false).ending {
        Ending::Exit(c) => c,
        Ending::Timeout => TIMEOUT_STATUS,
    }
}
