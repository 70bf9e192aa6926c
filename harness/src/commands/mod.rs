//! One module per command: its arguments and the few lines that hand them to the library.

pub mod bench;
pub mod build;

pub mod differences;
pub mod fuzz;
pub mod fuzz_regress;
pub mod hosts;
pub mod matrix;
pub mod mutants;
pub mod run;
pub mod stdlib;
pub mod suite;
pub mod toolchains;
pub mod trace_diff;

use std::path::PathBuf;

use clap::Args;
use gojs_harness::toolchain::{self, Toolchain};

#[derive(Args, Clone)]
pub struct ToolchainArgs {
    /// Go releases, comma-separated; each is fetched with GOTOOLCHAIN if not installed
    /// (e.g. 1.24.11). A bare 1.26 names the installed go when it is 1.26.x.
    #[arg(long, value_delimiter = ',')]
    pub go: Vec<String>,
    /// An unpacked toolchain, such as Debian's /usr/lib/go-1.19 (repeatable).
    #[arg(long)]
    pub goroot: Vec<PathBuf>,
}

impl ToolchainArgs {
    pub fn resolve(&self) -> anyhow::Result<Vec<Toolchain>> {
        toolchain::resolve(&self.go, &self.goroot)
    }

    /// The single toolchain of a command that runs one release at a time.
    pub fn one(&self, command: &str) -> anyhow::Result<Toolchain> {
        let mut tcs = self.resolve()?;
        if tcs.len() != 1 {
            anyhow::bail!(
                "{command} runs one toolchain at a time; {} were given",
                tcs.len()
            );
        }
        Ok(tcs.remove(0))
    }
}

/// Trials run at once: `--jobs`, else the number of CPUs.
pub fn jobs(j: Option<usize>) -> usize {
    j.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1)
}

/// `gojs-harness ARGS...` as typed, for the reports.
pub fn command_line() -> String {
    let mut args = std::env::args().skip(1).collect::<Vec<_>>();
    args.insert(0, "gojs-harness".to_string());
    args.join(" ")
}

/// The names given on the command line, or the defaults when none were.
pub fn given_or(given: &[String], defaults: &[&str]) -> Vec<String> {
    if given.is_empty() {
        defaults.iter().map(|s| s.to_string()).collect()
    } else {
        given.to_vec()
    }
}
