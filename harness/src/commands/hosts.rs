//! `hosts`: the conformance table, every host profile (each version its `table` lists) and
//! the native host × the Go releases given, written as `reports/hosts.md` and its siblings
//! by the matrix's machinery.

use std::process::ExitCode;

use clap::Args;
use gojs_harness::paths;
use gojs_harness::profile::{Profile, names_in};

use super::matrix::TableArgs;

#[derive(Args)]
pub struct HostsArgs {
    /// Hosts, comma-separated (default: native, then every profile of hosts/ at each version
    /// its `table` lists, fetched on first use).
    #[arg(long)]
    host: Option<String>,
    #[command(flatten)]
    run: TableArgs,
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
    a.run.run(
        host,
        false,
        Some(("hosts".to_string(), "Host conformance".to_string())),
    )
}
