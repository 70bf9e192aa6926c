//! `gojs-harness run` on the native host: a drop-in `go_js_wasm_exec` (real stdin, stdout,
//! stderr and environment, the program's exit status; files in the working directory, a
//! private TMPDIR and the `--dir` directories), with the policies of a process that ends
//! with its program: tiered caching, tier-up after a delay, background cache fills by a
//! detached `gojs-harness cache-fill`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gojs_native::cache::FillRequest;
use gojs_native::tierup::{DELAY, TierUp};
use gojs_native::{BackgroundFill, Ending, NativeRunOptions, Program, run_isolated};

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
        eprintln!("gojs-harness: {}", out.phases.describe(out.wall));
    }
    match out.ending {
        Ending::Exit(c) => c,
        Ending::Timeout => TIMEOUT_STATUS,
    }
}

/// `run`'s tier-up: after [`DELAY`], or `$GOJS_TIER_UP_DELAY` seconds (`off` never tiers up).
pub fn tier_up_from_env() -> TierUp {
    match std::env::var("GOJS_TIER_UP_DELAY") {
        Ok(v) if v == "off" => TierUp::Off,
        Ok(v) => v
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(TierUp::After(DELAY), |s| {
                TierUp::After(Duration::from_secs_f64(s))
            }),
        Err(_) => TierUp::After(DELAY),
    }
}

/// Background fills by `exe cache-fill`, detached: the build outlives this process (whose
/// run is usually over long before a Cranelift compile is) and a Ctrl-C meant for the program
/// does not stop it. Best effort: if it cannot start, a later run compiles.
pub fn background_fill(exe: &Path) -> BackgroundFill {
    let exe = exe.to_path_buf();
    BackgroundFill(Arc::new(move |req: &FillRequest| {
        use std::os::unix::process::CommandExt as _;
        use std::process::{Command, Stdio};
        let mut cmd = Command::new(&exe);
        cmd.arg("cache-fill")
            .arg("--cache-dir")
            .arg(&req.cache_dir)
            .arg("--compiler")
            .arg(req.compiler.name());
        if req.epoch {
            cmd.arg("--epoch");
        }
        cmd.arg(&req.wasm)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let _ = cmd.spawn();
    }))
}
