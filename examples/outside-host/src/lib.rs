//! A Go js/wasm host written in Rust, outside the suite's crates, as a user of the suite
//! would write one: it embeds [`gojs_native`] through its public API and implements the
//! suite's [`Host`] trait, and `tests/conformance.rs` runs the whole suite on it with three
//! lines. Replace the body of [`EmbeddedHost::run`] with your own engine to judge yours.

use std::collections::BTreeSet;

use gojs_harness::host::{Capability, Exit, Host, NODE_CAPABILITIES, RunOutcome, RunRequest};
use gojs_native::{Ending, NativeRunOptions, Program};

/// The host under test.
pub struct EmbeddedHost {
    caps: BTreeSet<Capability>,
}

impl EmbeddedHost {
    pub fn new() -> Self {
        EmbeddedHost {
            // Everything Node with its glue offers: no case is skipped on this host.
            caps: NODE_CAPABILITIES.iter().copied().collect(),
        }
    }
}

impl Default for EmbeddedHost {
    fn default() -> Self {
        Self::new()
    }
}

impl Host for EmbeddedHost {
    fn name(&self) -> &str {
        "embedded"
    }

    fn capabilities(&self) -> &BTreeSet<Capability> {
        &self.caps
    }

    /// It reads the import module (`go` or `gojs`) of whatever module it is given.
    fn loads_any_generation(&self) -> bool {
        true
    }

    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome> {
        let program = Program {
            wasm: req.wasm.clone(),
            args: req.args.clone(),
            env: req.env.clone(),
            cwd: req.cwd.clone(),
        };
        let options = NativeRunOptions {
            timeout: Some(req.timeout),
            // The suite runs each module many times: compile it once.
            cache_dir: Some(std::env::temp_dir().join("gojs-example-host-cache")),
            ..NativeRunOptions::default()
        };
        let out = gojs_native::run_isolated(&program, &options, true);
        Ok(RunOutcome {
            exit: match out.ending {
                Ending::Exit(code) => Exit::Code(code & 0xFF),
                Ending::Timeout => Exit::Timeout,
            },
            stdout: out.stdout,
            stderr: out.stderr,
            wall: out.wall,
        })
    }
}
