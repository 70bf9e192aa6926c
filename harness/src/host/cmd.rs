//! Any `go_js_wasm_exec`-style command as a host: `PROGRAM WASM ARGS...`, the way
//! `go test -exec` and `go run` call one. Lets a third-party host be validated without Rust.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use anyhow::bail;

use super::process::run_with_timeout;
use super::{Capability, Host, NODE_CAPABILITIES, RunOutcome, RunRequest};

pub struct CmdHost {
    name: String,
    program: PathBuf,
    caps: BTreeSet<Capability>,
}

impl CmdHost {
    /// `program` is run as given (a path, or a name looked up on PATH).
    pub fn new(program: &str) -> anyhow::Result<CmdHost> {
        if program.trim().is_empty() {
            bail!("`cmd:` needs a program, as in cmd:/usr/local/go/lib/wasm/go_js_wasm_exec");
        }
        let program = PathBuf::from(program);
        let short = program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| program.to_string_lossy().into_owned());
        // Nothing is known of a foreign host beyond the command contract: it must keep the
        // exit code and the two streams. Everything else is assumed, as `go test -exec` does.
        let caps = NODE_CAPABILITIES.iter().copied().collect();
        Ok(CmdHost {
            name: format!("cmd:{short}"),
            program,
            caps,
        })
    }
}

impl Host for CmdHost {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &BTreeSet<Capability> {
        &self.caps
    }

    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome> {
        let mut cmd = Command::new(&self.program);
        cmd.arg(&req.wasm)
            .args(&req.args)
            .current_dir(&req.cwd)
            .env_clear()
            .envs(&req.env);
        run_with_timeout(cmd, req.timeout)
    }
}
