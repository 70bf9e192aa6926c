//! The host profiles of `hosts/` on their real hosts, where those are already in the harness
//! cache: a passing case passes, a failure the profile knows is an expected failure, and a
//! known failure the host no longer has would fail the test. Nothing is fetched here (a test
//! must not depend on the network): a host that is not in the cache is reported *ignored*,
//! with the reason and the command that fetches it printed first, never passed.

use std::process::ExitCode;
use std::sync::Arc;

use gojs_harness::config::SuiteOptions;
use gojs_harness::host::fetch::find_cached;
use gojs_harness::host::{Host, HostOptions, profiled};
use gojs_harness::paths;
use gojs_harness::profile::Profile;
use gojs_harness::runner::{Suite, Verdict};
use gojs_harness::toolchain::Toolchain;
use libtest_mimic::{Arguments, Failed, Trial};

/// The host specs tried, and the cases run on each: one that every JS host passes, one that
/// needs the file system, and one every host running the stock glue fails (a known failure
/// in every JS profile).
const SPECS: &[&str] = &["node@22", "deno", "bun"];
const CASES: &[&str] = &["hello/hello", "exit/os_exit_3", "strings/leading_bom"];

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let go = Toolchain::from_path().err();
    let mut trials = Vec::new();
    for spec in SPECS {
        let why = match &go {
            Some(e) => Some(format!(
                "Go is not installed ({e:#}): the cases build Go programs"
            )),
            None => not_cached(spec),
        };
        if let Some(why) = &why {
            eprintln!("profile test `{spec}` ignored: {why}");
        }
        let spec = spec.to_string();
        trials.push(
            Trial::test(format!("profile/{spec}"), move || run(&spec))
                .with_ignored_flag(why.is_some()),
        );
    }
    libtest_mimic::run(&args, trials).exit_code()
}

/// Why the host of `spec` cannot be tried here without fetching it, if it cannot.
fn not_cached(spec: &str) -> Option<String> {
    let (name, version) = match spec.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (spec, None),
    };
    let path = paths::repo_root()
        .join("hosts")
        .join(format!("{name}.toml"));
    let profile = match Profile::load(&path) {
        Ok(p) => p,
        Err(e) => return Some(format!("{e:#}")),
    };
    let fetch = profile.file.fetch.as_ref()?;
    let selector = version.unwrap_or(&fetch.version);
    let cache = paths::cache_dir();
    find_cached(&cache, fetch, selector).is_none().then(|| {
        format!(
            "{spec} is not in the harness cache ({}); `gojs-harness suite --host {spec}` fetches it",
            cache.display()
        )
    })
}

fn run(spec: &str) -> Result<(), Failed> {
    let opts = HostOptions {
        glue: None,
        cache_dir: paths::cache_dir(),
        hosts_dir: paths::repo_root().join("hosts"),
    };
    let host: Arc<dyn Host> = profiled::from_spec(spec, &opts)
        .map_err(|e| format!("{e:#}"))?
        .ok_or_else(|| format!("no profile for `{spec}`"))?;
    let mut suite: Suite = SuiteOptions::default()
        .build_on(vec![host])
        .map_err(|e| format!("{e:#}"))?;
    suite.cases.retain(|c| CASES.contains(&c.name.as_str()));
    if suite.cases.len() != CASES.len() {
        return Err(format!("the suite has not all of {CASES:?}").into());
    }
    let mut problems = Vec::new();
    for t in suite.trials() {
        let verdict = suite.run(&t);
        let want_known = t.case.name == "strings/leading_bom";
        match (&verdict, want_known) {
            (Verdict::Pass, false) | (Verdict::ExpectedFail(_), true) => {}
            _ => problems.push(format!("{}: {verdict:?}", t.name)),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
