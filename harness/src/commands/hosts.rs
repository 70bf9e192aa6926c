//! `hosts`: the conformance table, the native and browser hosts and every host profile (each
//! version its `table` lists) × the Go releases given, written as `reports/hosts.md` and its siblings
//! by the matrix's machinery.

use std::process::ExitCode;

use clap::Args;
use gojs_harness::paths;
use gojs_harness::profile::table_hosts;

use super::matrix::TableArgs;

#[derive(Args)]
pub struct HostsArgs {
    /// Hosts, comma-separated (default: native, browser, then every profile of hosts/ at each
    /// version its `table` lists, fetched on first use).
    #[arg(long)]
    host: Option<String>,
    #[command(flatten)]
    run: TableArgs,
}

pub fn hosts(a: HostsArgs) -> anyhow::Result<ExitCode> {
    let host = match a.host {
        Some(h) => h,
        None => table_hosts(&paths::default_hosts_dir())?.join(","),
    };
    a.run.run(
        host,
        false,
        Some(("hosts".to_string(), "Host conformance".to_string())),
    )
}
