//! The one trait every host implements, and the request/outcome types that cross it.
//!
//! A host runs one Go js/wasm module to completion. Everything a case checks is in
//! [`RunOutcome`]: how the program ended, what it wrote, how long it took.

pub mod browser;
pub mod cmd;
pub mod fetch;
pub mod native;
pub mod node;
pub mod process;
pub mod profiled;
pub mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::capabilities::{Capability, KNOWN_CAPABILITIES, NODE_CAPABILITIES};
use crate::toolchain::Toolchain;
use crate::version::GoVersion;

/// Everything a host needs to run one module.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The compiled module.
    pub wasm: PathBuf,
    /// Arguments after `argv[0]`; hosts put the module path in `argv[0]` as Node's runner does.
    pub args: Vec<String>,
    /// The complete environment the Go program sees (hosts add `TMPDIR` if it is absent).
    pub env: BTreeMap<String, String>,
    /// Working directory of the program.
    pub cwd: PathBuf,
    /// Wall-clock limit; the host is killed when it passes.
    pub timeout: Duration,
    /// The toolchain that built `wasm`; hosts take its glue unless told otherwise.
    pub toolchain: Toolchain,
    /// Write the import trace here (see [`gojs_abi::trace`]); the native and node hosts
    /// do, the others ignore it.
    pub trace: Option<PathBuf>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The process (or the in-process program) ended with this status.
    Code(i32),
    /// Killed by a signal (a crash of the host itself).
    Signal(i32),
    /// Stopped by the harness after the time limit.
    Timeout,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit code {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
            Exit::Timeout => write!(f, "timed out"),
        }
    }
}

/// What a host observed while running one module.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub wall: Duration,
}

/// A host of the Go js/wasm contract.
pub trait Host: Send + Sync {
    /// Short name used in trial names and reports, e.g. `node`, `native`, `cmd:foo`.
    fn name(&self) -> &str;
    /// What this host offers. Cases needing anything else are skipped on it.
    fn capabilities(&self) -> &BTreeSet<Capability>;
    /// Why this host cannot run anything on this machine (e.g. no browser installed), if so.
    /// Its trials are then reported as skipped with this reason, never as passed.
    fn unavailable(&self) -> Option<String> {
        None
    }
    /// Whether this host loads modules of both import generations (`go` before Go 1.21,
    /// `gojs` after) whatever the toolchain; glue-based hosts provide only their glue's.
    fn loads_any_generation(&self) -> bool {
        false
    }
    /// Whether this host takes its glue from the toolchain (and so cannot run without Go).
    fn needs_toolchain_glue(&self) -> bool {
        false
    }
    /// Whether this host is the reference that `bless` takes expectations from.
    fn is_reference(&self) -> bool {
        false
    }
    /// Why this host does not claim to run Go release `go`, if it does not (a profile's
    /// `go` range): its trials of that release are skipped with the reason.
    fn unclaimed(&self, _go: &GoVersion) -> Option<String> {
        None
    }
    /// Why this host is known to fail `case` on `go`, if it is (a profile's
    /// `[[known_failure]]`): judged like a case's `[[xfail]]`, so a failure is expected and
    /// a pass is reported as "known failure passed: update the profile".
    fn known_failure(&self, _case: &str, _go: &GoVersion) -> Option<KnownFailureNote> {
        None
    }
    /// The command line of a long-lived `node_worker.js` on this host with the glue of
    /// `toolchain` (or the host's own `--glue`), for hosts that run the harness's Node runner
    /// (`fuzz` keeps such a host alive between inputs); `None` for the others.
    fn worker_command(
        &self,
        _toolchain: &Toolchain,
    ) -> anyhow::Result<Option<Vec<std::ffi::OsString>>> {
        Ok(None)
    }
    /// Run one module to completion. `Err` means the harness could not run the host at all
    /// (missing binary, unreadable glue); a host that crashes or hangs is an `Ok` outcome.
    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome>;
}

/// A host's own record of a failure it is known for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFailureNote {
    /// What the host does and what the contract requires (with its finding, if any).
    pub reason: String,
    /// Where the record is, for the note that says to update it.
    pub source: String,
    /// The failure shows on some runs only, so a pass says nothing against the record.
    pub intermittent: bool,
}

/// Settings shared by the hosts a run creates.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// A `wasm_exec.js` that replaces each toolchain's own (Node and browser hosts).
    pub glue: Option<PathBuf>,
    /// Where hosts keep files of their own (the Node runner script, compiled modules).
    pub cache_dir: PathBuf,
    /// Where host profiles named by `NAME[@VERSION]` are read from (`hosts/`).
    pub hosts_dir: PathBuf,
}

/// Make the hosts named by a comma-separated list: `node`, `native`, `browser`,
/// `cmd:PROGRAM`, a profile of `hosts/` as `NAME` or `NAME@VERSION` (`deno`, `node@22`), or a
/// profile file (`./mine.toml`).
pub fn from_specs(
    specs: &str,
    opts: &HostOptions,
) -> anyhow::Result<Vec<std::sync::Arc<dyn Host>>> {
    let mut hosts: Vec<std::sync::Arc<dyn Host>> = Vec::new();
    for spec in specs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        hosts.push(from_spec(spec, opts)?);
    }
    if hosts.is_empty() {
        anyhow::bail!("no host named; {}", host_choices(opts));
    }
    Ok(hosts)
}

pub fn from_spec(spec: &str, opts: &HostOptions) -> anyhow::Result<std::sync::Arc<dyn Host>> {
    if let Some(program) = spec.strip_prefix("cmd:") {
        return Ok(std::sync::Arc::new(cmd::CmdHost::new(program)?));
    }
    if let Some(host) = profiled::from_spec(spec, opts)? {
        return Ok(host);
    }
    match spec {
        "browser" => Ok(std::sync::Arc::new(browser::BrowserHost::new(
            opts.glue.as_deref(),
        )?)),
        "native" => Ok(std::sync::Arc::new(native::NativeHost::new(
            gojs_native::NativeRunOptions {
                cache_dir: Some(opts.cache_dir.join("native")),
                ..Default::default()
            },
        ))),
        "node" => Ok(std::sync::Arc::new(node::NodeHost::new(
            opts.glue.as_deref(),
            &opts.cache_dir,
        )?)),
        other => anyhow::bail!("unknown host `{other}`: {}", host_choices(opts)),
    }
}

/// The hosts a spec may name, for messages.
fn host_choices(opts: &HostOptions) -> String {
    let profiles = crate::profile::names_in(&opts.hosts_dir);
    format!(
        "use native, node, browser, cmd:PROGRAM, a profile of {} ({}; add @VERSION for another version of the host) or a profile file ending in .toml",
        opts.hosts_dir.display(),
        if profiles.is_empty() {
            "none there".to_string()
        } else {
            profiles.join(", ")
        }
    )
}
