//! The `native` host: runs modules in-process on wasmtime with a boa JS realm
//! (see [`gojs_native`]).

use std::collections::BTreeSet;

use super::{Capability, Exit, Host, RunOutcome, RunRequest};
use gojs_native::{Ending, NativeRunOptions, Program};

/// The native host.
pub struct NativeHost {
    caps: BTreeSet<Capability>,
    opts: NativeRunOptions,
}

impl NativeHost {
    /// A native host with these options (`timeout` is taken from each request).
    pub fn new(opts: NativeRunOptions) -> Self {
        let caps = [
            "deadlock-event",
            "eval",
            "exit-code",
            "fs",
            "stderr",
            "timers",
            "node-globals",
        ]
        .into_iter()
        .collect();
        NativeHost { caps, opts }
    }
}

impl Host for NativeHost {
    fn name(&self) -> &str {
        "native"
    }

    fn capabilities(&self) -> &BTreeSet<Capability> {
        &self.caps
    }

    fn loads_any_generation(&self) -> bool {
        true
    }

    /// Files: the trial's working directory and a private TMPDIR (which replaces the
    /// `TMPDIR` below), plus the options' `dirs`.
    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome> {
        let mut env = req.env.clone();
        env.entry("TMPDIR".into())
            .or_insert_with(|| std::env::temp_dir().to_string_lossy().into_owned());
        let program = Program {
            wasm: req.wasm.clone(),
            args: req.args.clone(),
            env,
            cwd: req.cwd.clone(),
        };
        let mut opts = self.opts.clone();
        opts.timeout = Some(req.timeout);
        opts.trace = req.trace.clone();
        let out = gojs_native::run_isolated(&program, &opts, true);
        Ok(RunOutcome {
            exit: match out.ending {
                // As a process exit status, which is what every other host reports.
                Ending::Exit(c) => Exit::Code(c & 0xFF),
                Ending::Timeout => Exit::Timeout,
            },
            stdout: out.stdout,
            stderr: out.stderr,
            wall: out.wall,
        })
    }
}
