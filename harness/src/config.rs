//! Assembling a [`Suite`] from what a user asked for, on the command line or in the
//! environment of `cargo test`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::case;
use crate::corpus::Corpus;
use crate::host::{self, HostOptions};
use crate::paths;
use crate::runner::Suite;
use crate::toolchain;

/// Everything that selects a run. Empty fields take the defaults documented on each.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// Comma-separated host specs: `native`, `node`, `browser`, `cmd:PROGRAM`, a profile
    /// (`deno`, `node@22`, `PATH.toml`). Default: `native`.
    pub hosts: Option<String>,
    /// Go releases to fetch through GOTOOLCHAIN (`1.24.11`, or `1.26` for the installed one).
    pub go: Vec<String>,
    /// Unpacked toolchains.
    pub goroots: Vec<PathBuf>,
    /// A glue replacing every toolchain's own, for the Node host.
    pub glue: Option<PathBuf>,
    /// Default: `cases/` of this repository.
    pub cases_dir: Option<PathBuf>,
    /// Default: `goprograms/` of this repository.
    pub programs_dir: Option<PathBuf>,
    /// Per-trial limit when a case sets none. Default: 60 s.
    pub timeout: Option<Duration>,
    pub bless: bool,
    /// The real programs of `real/` included: `all`, `none` or names, comma-separated.
    /// Default: none (the commands ask for all, `cargo test` for a few: each program is
    /// fetched and built with every release on first use).
    pub real: Option<String>,
}

impl SuiteOptions {
    /// The `cargo test` settings: `GOJS_HOSTS`, `GOJS_GO`, `GOJS_GOROOT` (a PATH-style list),
    /// `GOJS_GLUE`, `GOJS_TIMEOUT` (seconds), `GOJS_BLESS`, `GOJS_REAL` (the real programs:
    /// `all`, `none` or names).
    pub fn from_env() -> anyhow::Result<SuiteOptions> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Ok(SuiteOptions {
            hosts: var("GOJS_HOSTS"),
            go: var("GOJS_GO").into_iter().collect(),
            goroots: std::env::var_os("GOJS_GOROOT")
                .map(|v| {
                    std::env::split_paths(&v)
                        .filter(|p| !p.as_os_str().is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            glue: var("GOJS_GLUE").map(PathBuf::from),
            cases_dir: None,
            programs_dir: None,
            timeout: var("GOJS_TIMEOUT")
                .map(|s| {
                    s.parse::<u64>()
                        .context("GOJS_TIMEOUT must be whole seconds")
                })
                .transpose()?
                .map(Duration::from_secs),
            bless: crate::bless::requested()?,
            real: var("GOJS_REAL"),
        })
    }

    /// The suite on the hosts named by [`SuiteOptions::hosts`].
    pub fn build(&self) -> anyhow::Result<Suite> {
        let host_opts = HostOptions {
            glue: self.glue.clone(),
            cache_dir: paths::cache_dir(),
            hosts_dir: paths::default_hosts_dir(),
        };
        let hosts = host::from_specs(self.hosts.as_deref().unwrap_or("native"), &host_opts)?;
        self.build_on(hosts)
    }

    /// The suite on `hosts` (made by the caller; [`SuiteOptions::hosts`] and
    /// [`SuiteOptions::glue`] are not used).
    pub fn build_on(&self, hosts: Vec<Arc<dyn host::Host>>) -> anyhow::Result<Suite> {
        let cache = paths::cache_dir();
        let toolchains = toolchain::resolve_or_absent(&self.go, &self.goroots)?;
        let cases_dir = self
            .cases_dir
            .clone()
            .unwrap_or_else(paths::default_cases_dir);
        let mut cases: Vec<Arc<case::Case>> = case::load_all(&cases_dir)?
            .into_iter()
            .map(Arc::new)
            .collect();
        let selection = crate::real::Selection::parse(self.real.as_deref().unwrap_or("none"));
        cases.extend(
            crate::real::load_cases(&crate::real::default_dir(), &selection)?
                .into_iter()
                .map(Arc::new),
        );
        let programs = self
            .programs_dir
            .clone()
            .unwrap_or_else(paths::default_programs_dir);
        Ok(Suite {
            hosts,
            toolchains,
            cases,
            corpus: Arc::new(Corpus::new(&programs, &cache)),
            cache_dir: cache.clone(),
            default_timeout: self.timeout.unwrap_or(Duration::from_secs(60)),
            bless: self.bless,
        })
    }
}
