//! The suite as libtest trials, one per host × Go release × case (named like
//! `node/go1.26/exit/os_exit_3`), so that `cargo test` filters, `--list`, `--ignored` and
//! `cargo nextest --partition` work on it.
//!
//! This crate's own `tests/suite.rs` runs it on the hosts of this repository; a host written
//! in Rust, in another crate, runs the whole suite from a test file of its own:
//!
//! ```no_run
//! // tests/conformance.rs, with `harness = false` for this test in Cargo.toml
//! use std::sync::Arc;
//!
//! # struct MyHost;
//! # impl gojs_harness::host::Host for MyHost {
//! #     fn name(&self) -> &str { "mine" }
//! #     fn capabilities(&self) -> &std::collections::BTreeSet<gojs_harness::host::Capability> { unimplemented!() }
//! #     fn run(&self, _: &gojs_harness::host::RunRequest) -> anyhow::Result<gojs_harness::host::RunOutcome> { unimplemented!() }
//! # }
//! fn main() -> std::process::ExitCode {
//!     gojs_harness::libtest::run_on(vec![Arc::new(MyHost)])
//! }
//! ```
//!
//! Trials a host cannot run (a capability it lacks, a Go release it cannot load) are
//! *ignored*, their reasons printed first; an expected failure passes and says so on stderr.

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::config::SuiteOptions;
use crate::host::Host;
use crate::runner::{Suite, Verdict};

/// Every trial of `suite` as a libtest trial. Trials that cannot run here are ignored; the
/// reasons are printed to stderr first, once each with the number of trials they cover
/// (libtest shows no reason for an ignored test).
pub fn trials(suite: Arc<Suite>) -> Vec<Trial> {
    let all = suite.trials();
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in &all {
        if let Some(why) = &t.skip {
            *reasons.entry(why.as_str()).or_default() += 1;
        }
    }
    for (why, n) in &reasons {
        eprintln!("ignored, {n} trial(s): {why}");
    }
    all.into_iter()
        .map(|t| {
            let skip = t.skip.clone();
            let name = t.name.clone();
            let suite = suite.clone();
            let trial = Trial::test(name, move || match suite.run(&t) {
                Verdict::Pass | Verdict::Skip(_) => Ok(()),
                Verdict::ExpectedFail(reason) => {
                    eprintln!("{}: failed as expected ({reason})", t.name);
                    Ok(())
                }
                Verdict::Blessed(note) => {
                    eprintln!("blessed {note}");
                    Ok(())
                }
                Verdict::Fail(report) => Err(Failed::from(report)),
            });
            trial.with_ignored_flag(skip.is_some())
        })
        .collect()
}

/// Run `suite`'s trials with the process's command-line arguments (filters and all).
pub fn run(suite: Suite) -> ExitCode {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, trials(Arc::new(suite))).exit_code()
}

/// Run the whole suite on `hosts`, with the releases, time limit and the rest taken from
/// the environment as this crate's own `cargo test` takes them (`GOJS_GO`, `GOJS_GOROOT`,
/// `GOJS_TIMEOUT`; see [`SuiteOptions::from_env`]).
pub fn run_on(hosts: Vec<Arc<dyn Host>>) -> ExitCode {
    match SuiteOptions::from_env().and_then(|o| o.build_on(hosts)) {
        Ok(suite) => run(suite),
        Err(e) => {
            eprintln!("error: cannot set up the conformance suite: {e:#}");
            ExitCode::FAILURE
        }
    }
}
