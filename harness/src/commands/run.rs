//! `run`: one module on the native host as a drop-in `go_js_wasm_exec`, or on Node; and
//! `cache-fill`, which `run` starts in the background.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use gojs_harness::paths;
use gojs_native::engine::CompilerChoice;

/// `--compiler`, as clap spells [`CompilerChoice`].
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompilerArg {
    Auto,
    Cranelift,
    Winch,
}

impl From<CompilerArg> for CompilerChoice {
    fn from(c: CompilerArg) -> Self {
        match c {
            CompilerArg::Auto => CompilerChoice::Auto,
            CompilerArg::Cranelift => CompilerChoice::Cranelift,
            CompilerArg::Winch => CompilerChoice::Winch,
        }
    }
}

#[derive(Args)]
pub struct RunArgs {
    /// Virtual clock (timers fire in deadline order without waiting) and seeded randomness.
    #[arg(long)]
    deterministic: bool,
    /// Seed of the random source in --deterministic mode.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds of wall time before the program is stopped (exit 124).
    #[arg(long)]
    timeout: Option<f64>,
    /// Largest linear memory, in bytes.
    #[arg(long)]
    max_memory: Option<u64>,
    /// Compile the module afresh instead of using the compiled-module cache.
    #[arg(long)]
    no_cache: bool,
    /// The compiler: `auto` uses a cached Cranelift build when there is one, else a cached
    /// Winch build; a module without either starts at once on wasmi, an interpreter that
    /// translates a function when it is first called. A run on the interpreter that lasts
    /// over 0.15 s builds the module with Winch (fast to compile, slower code) and moves
    /// there, and a run on Winch code that lasts over a second builds it with Cranelift on
    /// low-priority threads and moves to that code (tier-up; `GOJS_TIER_UP_DELAY=SECONDS|off`
    /// changes the second). A move is made at the program's next pause or, for a program
    /// computing without pause, at its next `time` call, or, from the interpreter, at the
    /// entry of a Go function. When a module is run again without a Cranelift build, a
    /// background `cache-fill` caches one for the runs after. Runs with `--timeout` or
    /// `--max-memory` start on Winch. `cranelift` or `winch` always use that compiler.
    #[arg(long, value_enum, default_value = "auto")]
    compiler: CompilerArg,
    /// When the program ends, print to stderr where the time went: the build (compiler, from
    /// the cache or compiled), the realm's start-up, instantiation, the tier-up.
    #[arg(long)]
    phases: bool,
    /// Write the import trace to FILE: one JSON line per import call, return and entry into
    /// Go (see `crates/abi/src/trace.rs`); compare two with `gojs-harness trace-diff`.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Run on `native` (in-process, the default) or any host `suite --host` takes (`node`,
    /// `browser`, `deno`, `node@22`, `cmd:PROGRAM`, a profile file), with the glue of the
    /// toolchain that built the module (--goroot, else the `go` on PATH) or --glue. On a host
    /// other than native, output is printed when the run ends.
    #[arg(long, default_value = "native")]
    host: String,
    /// The wasm_exec.js for a JS host, in place of the toolchain's.
    #[arg(long)]
    glue: Option<PathBuf>,
    /// The Go installation that built the module, whose glue a JS host loads (default: the
    /// `go` on PATH).
    #[arg(long, value_name = "DIR")]
    goroot: Option<PathBuf>,
    /// Give the program the host directory HOST, at guest path GUEST (default: HOST);
    /// repeatable. Without it a native run reaches only its working directory and a private
    /// TMPDIR; `--dir /` gives everything, as Node does (`--host node` always does).
    #[arg(long = "dir", value_name = "HOST[:GUEST]")]
    dirs: Vec<String>,
    /// The module.
    wasm: PathBuf,
    /// The program's arguments (after argv[0], which is the module's path).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// `run --host HOST` for a host other than native: through the host trait, output printed
/// at the end.
fn run_on_host(a: &RunArgs) -> anyhow::Result<ExitCode> {
    use gojs_harness::host::{Exit, HostOptions, RunRequest};
    let opts = HostOptions {
        glue: a.glue.clone(),
        cache_dir: paths::cache_dir(),
        hosts_dir: paths::default_hosts_dir(),
    };
    let host = gojs_harness::host::from_spec(&a.host, &opts)?;
    if let Some(why) = host.unavailable() {
        anyhow::bail!("the host {} is unavailable: {why}", host.name());
    }
    let toolchain = match (&a.goroot, &a.glue) {
        (Some(dir), _) => gojs_harness::toolchain::Toolchain::from_goroot(dir)?,
        (None, Some(_)) => gojs_harness::toolchain::Toolchain::absent(),
        (None, None) if !host.needs_toolchain_glue() => {
            gojs_harness::toolchain::Toolchain::from_path()
                .unwrap_or_else(|_| gojs_harness::toolchain::Toolchain::absent())
        }
        (None, None) => gojs_harness::toolchain::Toolchain::from_path().with_context(|| {
            format!(
                "--host {} takes the glue of the `go` on PATH; give --goroot DIR or --glue FILE",
                a.host
            )
        })?,
    };
    let mut env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    env.entry("TMPDIR".into())
        .or_insert_with(|| std::env::temp_dir().to_string_lossy().into_owned());
    let req = RunRequest {
        wasm: std::path::absolute(&a.wasm)?,
        args: a.args.clone(),
        env,
        cwd: std::env::current_dir()?,
        timeout: Duration::from_secs_f64(a.timeout.unwrap_or(7.0 * 24.0 * 3600.0)),
        toolchain,
        trace: a.trace.as_ref().map(std::path::absolute).transpose()?,
    };
    let out = host.run(&req)?;
    use std::io::Write as _;
    std::io::stdout().write_all(&out.stdout)?;
    std::io::stderr().write_all(&out.stderr)?;
    Ok(match out.exit {
        Exit::Code(c) => ExitCode::from((c & 0xFF) as u8),
        Exit::Signal(_) => ExitCode::FAILURE,
        Exit::Timeout => ExitCode::from(124),
    })
}

pub fn run(a: RunArgs) -> ExitCode {
    if a.host != "native" {
        return run_on_host(&a).unwrap_or_else(|e| {
            eprintln!("gojs-harness: {e:#}");
            ExitCode::FAILURE
        });
    }
    let mut dirs = Vec::new();
    for spec in &a.dirs {
        match gojs_native::realm::sandbox::Grant::parse(spec) {
            Ok(g) => dirs.push(g),
            Err(e) => {
                eprintln!("gojs-harness: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let background_fill = std::env::current_exe()
        .ok()
        .map(|exe| gojs_harness::exec::background_fill(&exe));
    let opts = gojs_native::NativeRunOptions {
        dirs,
        deterministic: a.deterministic,
        seed: a.seed,
        timeout: a.timeout.map(Duration::from_secs_f64),
        max_memory: a.max_memory,
        cache_dir: (!a.no_cache).then(paths::native_cache_dir),
        compiler: a.compiler.into(),
        tiered_cache: true,
        tier_up: gojs_harness::exec::tier_up_from_env(),
        background_fill,
        trace: a.trace.clone(),
        ..Default::default()
    };
    let code = gojs_harness::exec::run_command(opts, &a.wasm, &a.args, a.phases);
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // As a process exit status, the way `go test -exec` sees any host's. The process ends
    // here without its exit handlers: the run thread may still be freeing the instance and
    // realm, and mimalloc's handler hands every free page back to the system, one madvise
    // after another (a twentieth of a warm hello world), work the kernel does at exit anyway.
    // SAFETY: _exit only ends the process; the output was flushed above, and nothing else
    // in the process needs its exit handlers (the private TMPDIR is removed by the run).
    unsafe { libc::_exit(code & 0xFF) }
}

/// `cache-fill`: build `wasm` with `compiler` into the cache in `cache_dir`.
pub fn cache_fill(
    cache_dir: &Path,
    compiler: CompilerArg,
    epoch: bool,
    wasm: &Path,
) -> anyhow::Result<ExitCode> {
    let compiler = CompilerChoice::from(compiler).cached();
    gojs_native::cache::fill(wasm, cache_dir, epoch, compiler)?;
    Ok(ExitCode::SUCCESS)
}
