//! `suite` and `list`: every case on the chosen hosts × Go releases.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use gojs_harness::config::SuiteOptions;
use gojs_harness::runner::{Suite, Trial};

use super::{ToolchainArgs, jobs};

#[derive(Args)]
pub struct SuiteArgs {
    /// Hosts, comma-separated: native (in-process, the default), node, browser, cmd:PROGRAM (any go_js_wasm_exec-style command), a profile of hosts/ as NAME or NAME@VERSION (deno, bun, node@22: fetched on first use) or a profile file PATH.toml.
    #[arg(long, default_value = "native")]
    host: String,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to use instead of each toolchain's own (node host).
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Run only trials whose name contains this text (repeatable: any of them).
    #[arg(long)]
    filter: Vec<String>,
    /// The cases directory.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The Go programs module.
    #[arg(long)]
    programs: Option<PathBuf>,
    /// Trials run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Seconds a trial may take when its case sets no limit.
    #[arg(long)]
    timeout: Option<u64>,
    /// The real programs of real/ to include: all, none, or names, comma-separated. The default
    /// is the three `cargo test` runs: the others take minutes to build for each release.
    #[arg(long, default_value = "esbuild,esbuild-wasm,gofmt")]
    real: String,
}

fn make_suite(a: &SuiteArgs) -> anyhow::Result<(Suite, Vec<Trial>)> {
    let opts = SuiteOptions {
        hosts: Some(a.host.clone()),
        go: a.toolchains.go.clone(),
        goroots: a.toolchains.goroot.clone(),
        glue: a.glue.clone(),
        cases_dir: a.cases.clone(),
        programs_dir: a.programs.clone(),
        timeout: a.timeout.map(Duration::from_secs),
        bless: gojs_harness::bless::requested()?,
        real: Some(a.real.clone()),
    };
    let suite = opts.build()?;
    let trials = suite
        .trials()
        .into_iter()
        .filter(|t| a.filter.is_empty() || a.filter.iter().any(|f| t.name.contains(f.as_str())))
        .collect();
    Ok((suite, trials))
}

pub fn list(a: SuiteArgs) -> anyhow::Result<ExitCode> {
    let (_, trials) = make_suite(&a)?;
    for t in trials {
        match t.skip {
            Some(why) => println!("{} (skipped: {why})", t.name),
            None => println!("{}", t.name),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn suite(a: SuiteArgs) -> anyhow::Result<ExitCode> {
    let (suite, trials) = make_suite(&a)?;
    let tally = gojs_harness::console::run_and_print(&suite, &trials, jobs(a.jobs));
    Ok(if tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
