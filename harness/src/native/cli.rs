//! `gojs-harness run [--deterministic] [--timeout S] [--max-memory BYTES] [--no-cache] [--dir HOST[:GUEST]]... WASM [ARGS...]`:
//! a drop-in `go_js_wasm_exec` (real stdin/stdout/stderr, the program's exit status; files
//! in the working directory, a private TMPDIR and the `--dir` directories).

use std::collections::BTreeMap;
use std::path::Path;

use std::time::Duration;

use super::runtime::{Ending, NativeRunOptions, Phases, Program, run_isolated};

/// Exit status used when the time limit is hit (as `timeout(1)` does).
pub const TIMEOUT_STATUS: i32 = 124;

/// Run `wasm` with `args`, the real environment (`TMPDIR` pointing at a private directory),
/// in the current directory, writing to the real stdout/stderr. Returns the status to exit
/// with.
pub fn run_command(opts: NativeRunOptions, wasm: &Path, args: &[String], phases: bool) -> i32 {
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
    let out = run_isolated(&program, &opts, false);
    if phases {
        eprintln!("gojs-harness: {}", describe_phases(&out.phases, out.wall));
    }
    match out.ending {
        Ending::Exit(c) => c,
        Ending::Timeout => TIMEOUT_STATUS,
    }
}

/// `build winch (compiled) 431.2ms, realm 7.9ms, instantiate 0.9ms, tier-up to cranelift at
/// 1.52s, total 3.20s`.
pub fn describe_phases(p: &Phases, total: Duration) -> String {
    let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1e3);
    let build = match p.build {
        Some((c, true)) => format!("{} (cached)", c.name()),
        Some((c, false)) => format!("{} (compiled)", c.name()),
        None => "none".into(),
    };
    let tier = match p.tiered_up {
        Some(at) => format!(", tier-up to cranelift at {:.2}s", at.as_secs_f64()),
        None => String::new(),
    };
    format!(
        "build {build} {}, realm {}, instantiate {}{tier}, total {:.2}s",
        ms(p.load),
        ms(p.realm),
        ms(p.instantiate),
        total.as_secs_f64()
    )
}
