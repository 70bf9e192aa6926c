//! The host under test as the fuzzer drives it: Node through a long-lived worker, any other
//! host one process per input through its [`Host`] implementation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::host::worker::NodeWorker;
use crate::host::{Host, RunOutcome, RunRequest};
use crate::toolchain::Toolchain;

pub enum HostSide {
    Worker(NodeWorker),
    OneShot {
        host: Arc<dyn Host>,
        toolchain: Toolchain,
        dir: tempfile::TempDir,
        pending: Option<PathBuf>,
    },
}

impl HostSide {
    /// The import module the glue provides (`gojs` from Go 1.21, `go` before), which the
    /// fuzzer's modules must import: the worker says which its glue builds; a host run once
    /// per input is taken to have its toolchain's.
    pub fn import_module(&self) -> anyhow::Result<&'static str> {
        match self {
            HostSide::Worker(w) => {
                for m in ["gojs", "go"] {
                    if w.modules.iter().any(|x| x == m) {
                        return Ok(m);
                    }
                }
                bail!(
                    "the glue provides the import modules {:?}, neither `gojs` (Go 1.21 and \
                     later) nor `go` (before): is it a wasm_exec.js?",
                    w.modules
                )
            }
            HostSide::OneShot { toolchain, .. } => Ok(gojs_synth::spec::import_module_of(
                toolchain.version.major,
                toolchain.version.minor,
            )),
        }
    }

    pub fn one_shot(host: Arc<dyn Host>, toolchain: Toolchain) -> anyhow::Result<HostSide> {
        Ok(HostSide::OneShot {
            host,
            toolchain,
            dir: tempfile::tempdir().context("creating a scratch directory for the modules")?,
            pending: None,
        })
    }

    /// Processes started so far (restarts included), for the summary; 0 when one per input.
    pub fn starts(&self) -> u64 {
        match self {
            HostSide::Worker(w) => w.starts,
            HostSide::OneShot { .. } => 0,
        }
    }

    /// Start a run (the worker works while the caller runs the reference).
    pub fn send(&mut self, wasm: &[u8]) -> anyhow::Result<()> {
        match self {
            HostSide::Worker(w) => w.send(wasm),
            HostSide::OneShot { dir, pending, .. } => {
                let path = dir.path().join("input.wasm");
                std::fs::write(&path, wasm)
                    .with_context(|| format!("writing {}", path.display()))?;
                *pending = Some(path);
                Ok(())
            }
        }
    }

    pub fn receive(&mut self, timeout: Duration) -> anyhow::Result<RunOutcome> {
        match self {
            HostSide::Worker(w) => w.receive(timeout),
            HostSide::OneShot {
                host,
                toolchain,
                dir,
                pending,
            } => {
                let wasm = pending.take().context("receive without send")?;
                let mut env = BTreeMap::new();
                env.insert(
                    "PATH".to_string(),
                    std::env::var("PATH").unwrap_or_default(),
                );
                host.run(&RunRequest {
                    wasm,
                    args: vec![],
                    env,
                    cwd: dir.path().to_path_buf(),
                    timeout,
                    toolchain: toolchain.clone(),
                    trace: None,
                })
            }
        }
    }

    pub fn run(&mut self, wasm: &[u8], timeout: Duration) -> anyhow::Result<RunOutcome> {
        self.send(wasm)?;
        self.receive(timeout)
    }
}
