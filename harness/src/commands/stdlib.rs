//! `stdlib`: Go's standard library tests on each host, package by package.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use gojs_harness::paths;
use gojs_harness::stdlib;

use super::{ToolchainArgs, command_line, given_or};

#[derive(Args)]
pub struct StdlibArgs {
    /// Hosts, comma-separated: native, node, cmd:PROGRAM (a go_js_wasm_exec-style command).
    #[arg(long, default_value = "native,node")]
    host: String,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// Where stdlib.md and stdlib.json go (default: reports/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds `go test` may take per package and host.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// How the report says it was made (default: this command line).
    #[arg(long)]
    generated_by: Option<String>,
    /// Run nothing: write stdlib.md again from the stdlib.json and stdlib-explained.md in
    /// --out (after editing an explanation).
    #[arg(long)]
    render: bool,
    /// Packages (default: the 28 of the issue, syscall/js to runtime).
    packages: Vec<String>,
}

pub fn stdlib(a: StdlibArgs) -> anyhow::Result<ExitCode> {
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| paths::repo_root().join("reports"));
    if a.render {
        let json = dir.join("stdlib.json");
        let text = std::fs::read_to_string(&json)
            .with_context(|| format!("cannot read {}: run `stdlib` first", json.display()))?;
        let report: stdlib::StdlibReport = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a stdlib report", json.display()))?;
        let (md, _) = stdlib::write_reports(&report, &dir)?;
        println!("wrote {}", md.display());
        return Ok(ExitCode::SUCCESS);
    }
    let tc = &a.toolchains.one("stdlib")?;
    let hosts = a
        .host
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| stdlib::ExecHost::from_spec(h, tc))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let packages = given_or(&a.packages, stdlib::DEFAULT_PACKAGES);
    let report = stdlib::run_all(
        tc,
        &hosts,
        &packages,
        Duration::from_secs(a.timeout),
        &a.generated_by.unwrap_or_else(command_line),
    )?;
    let (md, json) = stdlib::write_reports(&report, &dir)?;
    let differing: usize = report.packages.iter().map(|p| p.differences.len()).sum();
    println!(
        "{} packages on {}: {differing} tests differ; wrote {} and {}",
        report.packages.len(),
        report.hosts.join(", "),
        md.display(),
        json.display()
    );
    Ok(ExitCode::SUCCESS)
}
