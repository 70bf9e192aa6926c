//! A run of trials as the terminal shows it: a line per trial as it ends, then every
//! failure's report, then `N passed, M failed, K skipped`.

use std::io::Write;
use std::sync::Mutex;

use crate::runner::{Suite, Trial, Verdict, run_parallel};

/// How many trials ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Passed, expected failures and blessed trials included.
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Of `passed`, the expected failures.
    pub expected_failures: usize,
}

/// The line printed when a trial ends.
pub fn verdict_line(trial: &Trial, verdict: &Verdict, secs: f64) -> String {
    match verdict {
        Verdict::Pass => format!("ok      {} ({secs:.2}s)", trial.name),
        Verdict::ExpectedFail(r) => format!("xfail   {} ({r})", trial.name),
        Verdict::Blessed(n) => format!("blessed {} ({n})", trial.name),
        Verdict::Fail(_) => format!("FAIL    {} ({secs:.2}s)", trial.name),
        Verdict::Skip(r) => format!("skip    {} ({r})", trial.name),
    }
}

/// Run `trials` with `jobs` at a time, printing as [`verdict_line`] says, then the
/// failures and the counts.
pub fn run_and_print(suite: &Suite, trials: &[Trial], jobs: usize) -> Tally {
    let hosts: Vec<&str> = suite.hosts.iter().map(|h| h.name()).collect();
    let releases: Vec<String> = suite
        .toolchains
        .iter()
        .map(|t| format!("go{}", t.version))
        .collect();
    println!(
        "running {} trials: {} case(s) on {} with {}",
        trials.len(),
        suite.cases.len(),
        hosts.join(", "),
        releases.join(", ")
    );
    let out = Mutex::new(std::io::stdout());
    let results = run_parallel(suite, trials, jobs, |_, trial, verdict, took| {
        let line = verdict_line(trial, verdict, took.as_secs_f64());
        let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(o, "{line}");
        true
    });
    let mut tally = Tally::default();
    let mut reports = Vec::new();
    for v in results {
        match v {
            Verdict::Pass | Verdict::Blessed(_) => tally.passed += 1,
            Verdict::ExpectedFail(_) => {
                tally.passed += 1;
                tally.expected_failures += 1
            }
            Verdict::Skip(_) => tally.skipped += 1,
            Verdict::Fail(r) => {
                tally.failed += 1;
                reports.push(r)
            }
        }
    }
    if !reports.is_empty() {
        println!("\nfailures:\n");
        for r in &reports {
            println!("---- {r}");
        }
    }
    if tally.expected_failures > 0 {
        println!(
            "{} of the passes are expected failures (see xfail lines)",
            tally.expected_failures
        );
    }
    println!(
        "{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.skipped
    );
    tally
}
