//! `hosts`: the conformance table, every host profile (each version its `table` lists) and
//! the native host × the Go releases given, written as `reports/hosts.md` and its siblings
//! by the matrix's machinery.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use gojs_harness::matrix::{MatrixOptions, matrix as run_matrix};
use gojs_harness::paths;
use gojs_harness::profile::{Profile, names_in};

use super::{ToolchainArgs, command_line, jobs};

#[derive(Args)]
pub struct HostsArgs {
    /// Hosts, comma-separated (default: native, then every profile of hosts/ at each version
    /// its `table` lists, fetched on first use).
    #[arg(long)]
    host: Option<String>,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to judge on every glue-based host instead of each toolchain's own; the
    /// verdicts are compared with the committed table (reports/hosts.json).
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Where to write hosts.md, hosts.json, hosts.junit.xml and hosts.html (default:
    /// reports/, or target/hosts-glue with --glue).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A hosts.json whose verdicts to compare with (default with --glue: reports/hosts.json).
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
}

/// `native`, then each profile's table specs, profiles in name order.
fn default_hosts() -> anyhow::Result<String> {
    let dir = paths::default_hosts_dir();
    let mut specs = vec!["native".to_string()];
    for name in names_in(&dir) {
        let profile = Profile::load(&dir.join(format!("{name}.toml")))?;
        specs.extend(profile.table_specs(&name));
    }
    Ok(specs.join(","))
}

pub fn hosts(a: HostsArgs) -> anyhow::Result<ExitCode> {
    let host = match a.host {
        Some(h) => h,
        None => default_hosts()?,
    };
    let out = a.out.or_else(|| {
        a.glue
            .as_ref()
            .map(|_| paths::repo_root().join("target/hosts-glue"))
    });
    let ok = run_matrix(&MatrixOptions {
        hosts: host,
        go: a.toolchains.go,
        goroots: a.toolchains.goroot,
        glue: a.glue,
        out,
        jobs: jobs(a.jobs),
        timeout: a.timeout.map(Duration::from_secs),
        filter: a.filter,
        baseline: a.baseline,
        timings: false,
        command: a.generated_by.unwrap_or_else(command_line),
        report: Some(("hosts".to_string(), "Host conformance".to_string())),
    })?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
