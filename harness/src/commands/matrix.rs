//! `matrix`, `inventory` and `render`: every case on every host × release, with the reports.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use gojs_harness::matrix::{MatrixOptions, inventory_command, matrix as run_matrix, render};
use gojs_harness::paths;

use super::{ToolchainArgs, command_line, jobs};

#[derive(Args)]
pub struct MatrixArgs {
    /// Hosts, comma-separated: native, node, browser, cmd:PROGRAM, a profile of hosts/ (deno, bun, node@22: fetched on first use) or PATH.toml.
    #[arg(long, default_value = "native,node")]
    host: String,
    #[command(flatten)]
    run: TableArgs,
    /// Keep wall times in the reports (they are then not reproducible).
    #[arg(long)]
    timings: bool,
}

/// What `matrix` and `hosts` share: both run hosts × releases and write one table's reports.
#[derive(Args)]
pub struct TableArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to use instead of each toolchain's own (glue-based hosts); its verdicts
    /// are compared with the baseline (and, for the matrix, its imports with each stock glue's).
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Where to write the reports (default: reports/, or target/matrix-glue or
    /// target/hosts-glue with --glue).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A matrix.json or hosts.json whose verdicts to compare with (default with --glue: the
    /// committed one in reports/).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Run only trials whose name contains this text (repeatable: any of them).
    #[arg(long)]
    filter: Vec<String>,
    /// Trials run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Seconds a trial may take when its case sets no limit.
    #[arg(long)]
    timeout: Option<u64>,
    /// The command the reports say produced them (default: this command line).
    #[arg(long, hide = true)]
    generated_by: Option<String>,
    /// The real programs of real/ to include: all (the default), none, or names, comma-separated.
    #[arg(long, default_value = "all")]
    real: String,
}

impl TableArgs {
    /// Run the table on `hosts`; `report` as in `MatrixOptions::report`.
    pub fn run(
        self,
        hosts: String,
        timings: bool,
        report: Option<(String, String)>,
    ) -> anyhow::Result<ExitCode> {
        let ok = run_matrix(&MatrixOptions {
            hosts,
            go: self.toolchains.go,
            goroots: self.toolchains.goroot,
            glue: self.glue,
            out: self.out,
            jobs: jobs(self.jobs),
            timeout: self.timeout.map(Duration::from_secs),
            filter: self.filter,
            baseline: self.baseline,
            timings,
            command: self.generated_by.unwrap_or_else(command_line),
            report,
            real: self.real,
        })?;
        Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

#[derive(Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to compare with each release's stock glue.
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Write the Markdown here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, short)]
    jobs: Option<usize>,
    /// The command the report says produced it (default: this command line).
    #[arg(long, hide = true)]
    generated_by: Option<String>,
}

pub fn matrix(a: MatrixArgs) -> anyhow::Result<ExitCode> {
    a.run.run(a.host, a.timings, None)
}

pub fn inventory(a: InventoryArgs) -> anyhow::Result<ExitCode> {
    inventory_command(
        &a.toolchains.go,
        &a.toolchains.goroot,
        a.glue.as_deref(),
        a.out.as_deref(),
        jobs(a.jobs),
        &a.generated_by.unwrap_or_else(command_line),
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn render_reports(from: Option<PathBuf>, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    render(
        &from.unwrap_or_else(|| paths::repo_root().join("reports/matrix.json")),
        out.as_deref(),
    )?;
    Ok(ExitCode::SUCCESS)
}
