//! Turning host × Go release × case into trials, running one, and judging its outcome.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use crate::bless;
use crate::case::{Case, Expectation};
use crate::corpus::Corpus;
use crate::host::{Exit, Host, KnownFailureNote, RunOutcome, RunRequest};
use crate::toolchain::Toolchain;

/// Everything a run of the suite is made of.
pub struct Suite {
    pub hosts: Vec<Arc<dyn Host>>,
    pub toolchains: Vec<Toolchain>,
    pub cases: Vec<Arc<Case>>,
    pub corpus: Arc<Corpus>,
    /// Where synthesized modules and host files are cached.
    pub cache_dir: std::path::PathBuf,
    /// Used when a case sets no `timeout`.
    pub default_timeout: Duration,
    /// Rewrite expectations from the reference host when they differ (`GOJS_BLESS`).
    pub bless: bool,
}

/// One host × release × case.
#[derive(Clone)]
pub struct Trial {
    /// `node/go1.26/exit/os_exit_3`.
    pub name: String,
    pub host: Arc<dyn Host>,
    pub toolchain: Toolchain,
    pub case: Arc<Case>,
    /// Set when the trial cannot run here: the reason.
    pub skip: Option<String>,
}

/// How a trial ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Failed as the case says it does on this host; the reason is the case's.
    ExpectedFail(String),
    /// Blessed: the expectation was rewritten from this outcome.
    Blessed(String),
    Fail(String),
    Skip(String),
}

impl Suite {
    /// Every trial, in host, release, case order.
    pub fn trials(&self) -> Vec<Trial> {
        let mut out = Vec::new();
        for host in &self.hosts {
            for tc in &self.toolchains {
                for case in &self.cases {
                    let missing: Vec<&str> = case
                        .file
                        .needs
                        .iter()
                        .filter(|n| !host.capabilities().contains(n.as_str()))
                        .map(String::as_str)
                        .collect();
                    let skip = if let Some(why) = host.unavailable() {
                        Some(format!("{} is unavailable: {why}", host.name()))
                    } else if let Some(why) = host.unclaimed(&tc.version) {
                        Some(why)
                    } else if tc.is_absent() && case.needs_go() {
                        Some("Go is not installed: this case builds a Go program".to_string())
                    } else if tc.is_absent() && host.needs_toolchain_glue() {
                        Some(format!(
                            "{} takes its glue from Go, which is not installed; pass --glue FILE",
                            host.name()
                        ))
                    } else if let Some(why) = generation_mismatch(host.as_ref(), tc, case) {
                        Some(why)
                    } else if !missing.is_empty() {
                        Some(format!("{} lacks {}", host.name(), missing.join(", ")))
                    } else if !case.applies_to(&tc.version) {
                        Some(format!(
                            "the case covers go{}, not go{}",
                            case.file
                                .go
                                .as_ref()
                                .map(|r| r.to_string())
                                .unwrap_or_default(),
                            tc.version
                        ))
                    } else {
                        None
                    };
                    out.push(Trial {
                        name: format!("{}/{}/{}", host.name(), tc.label(), case.name),
                        host: host.clone(),
                        toolchain: tc.clone(),
                        case: case.clone(),
                        skip,
                    });
                }
            }
        }
        out
    }

    /// Run one trial to a verdict. Never panics on anything a host does.
    pub fn run(&self, trial: &Trial) -> Verdict {
        if let Some(why) = &trial.skip {
            return Verdict::Skip(why.clone());
        }
        let (outcome, mismatch) = if let Some(real) = &trial.case.real {
            // A real program: its Linux build is the expectation.
            match crate::real::judge::judge(
                &self.cache_dir,
                real,
                trial.host.as_ref(),
                &trial.toolchain,
                self.timeout_of(trial),
            ) {
                Ok(m) => (None, m),
                Err(e) => return Verdict::Fail(format!("{}: {e:#}", trial.name)),
            }
        } else {
            let outcome = match self.execute(trial) {
                Ok(o) => o,
                Err(e) => return Verdict::Fail(format!("{}: {e:#}", trial.name)),
            };
            let acceptable = trial
                .case
                .acceptable_for(trial.host.name(), &trial.toolchain.version);
            let mismatch = compare_any(&acceptable, &outcome);
            (Some(outcome), mismatch)
        };
        match (mismatch, self.expected_failure(trial)) {
            (None, None) => Verdict::Pass,
            (None, Some(Expected::Case(_, true))) => Verdict::Pass,
            (None, Some(Expected::Case(reason, false))) => Verdict::Fail(format!(
                "{}: expected to fail ({reason}), but it passes: update the expectation \
                 (remove the [[xfail]] for host `{}` from {})",
                trial.name,
                trial.host.name(),
                trial.case.path.display()
            )),
            (None, Some(Expected::Host(note))) if note.intermittent => Verdict::Pass,
            (None, Some(Expected::Host(note))) => Verdict::Fail(format!(
                "{}: known failure passed: update the profile (remove or narrow {}; it says: {})",
                trial.name, note.source, note.reason
            )),
            (Some(_), Some(Expected::Case(reason, _))) => Verdict::ExpectedFail(reason),
            (Some(_), Some(Expected::Host(note))) => Verdict::ExpectedFail(note.reason),
            (Some(diff), None) => {
                if let Some(outcome) = outcome.filter(|_| self.bless && trial.host.is_reference()) {
                    return match bless::bless(
                        &trial.case,
                        trial.host.name(),
                        &trial.toolchain.version,
                        &outcome,
                    ) {
                        Ok(note) => Verdict::Blessed(note),
                        Err(e) => {
                            Verdict::Fail(format!("{}: cannot bless: {e:#}\n{diff}", trial.name))
                        }
                    };
                }
                Verdict::Fail(self.report(trial, &diff))
            }
        }
    }

    /// Why the trial is expected to fail: the case's `[[xfail]]` for the host first, else
    /// the host's own known failure (a profile's `[[known_failure]]`).
    fn expected_failure(&self, trial: &Trial) -> Option<Expected> {
        let go = &trial.toolchain.version;
        if let Some(x) = trial.case.xfail_for(trial.host.name(), go) {
            return Some(Expected::Case(x.reason.clone(), x.intermittent));
        }
        trial
            .host
            .known_failure(&trial.case.name, go)
            .map(Expected::Host)
    }

    fn execute(&self, trial: &Trial) -> anyhow::Result<RunOutcome> {
        let wasm = match (&trial.case.file.program, &trial.case.file.module) {
            (Some(p), _) => self.corpus.wasm(&trial.toolchain, p)?,
            (None, Some(m)) => {
                let v = &trial.toolchain.version;
                crate::synthesized::module_file(&m.for_release(v.major, v.minor), &self.cache_dir)?
            }
            (None, None) => anyhow::bail!("the case runs nothing"),
        };
        let cwd = tempfile::Builder::new().prefix("gojs-trial-").tempdir()?;
        let mut env = BTreeMap::new();
        // Hosts that are scripts need PATH to find their interpreter.
        if let Some(path) = std::env::var_os("PATH") {
            env.insert("PATH".to_string(), path.to_string_lossy().into_owned());
        }
        env.extend(trial.case.file.env.clone());
        let timeout = self.timeout_of(trial);
        let req = RunRequest {
            wasm,
            args: trial.case.file.args.clone(),
            env,
            cwd: cwd.path().to_path_buf(),
            timeout,
            toolchain: trial.toolchain.clone(),
            trace: None,
        };
        trial.host.run(&req)
    }

    /// The trial's time limit: its case's, else the suite's default.
    fn timeout_of(&self, trial: &Trial) -> Duration {
        trial
            .case
            .file
            .timeout
            .map(Duration::from_secs)
            .unwrap_or(self.default_timeout)
    }

    fn report(&self, trial: &Trial, diff: &str) -> String {
        let f = &trial.case.file;
        format!(
            "{}\n  case:     {}\n  contract: {}\n  runs:     {}\n  toolchain: {}\n{diff}",
            trial.name,
            trial.case.path.display(),
            f.contract,
            trial.case.subject(),
            trial.toolchain,
        )
    }
}

/// Where an expected failure is recorded: the two call for different updates when they pass.
enum Expected {
    /// A case's `[[xfail]]`: its reason, and whether it is intermittent.
    Case(String, bool),
    Host(KnownFailureNote),
}

/// Why a glue-based host cannot load a synthesized module of the other import generation.
fn generation_mismatch(host: &dyn Host, tc: &Toolchain, case: &Case) -> Option<String> {
    let module = case.file.module.as_ref()?;
    if host.loads_any_generation() || module.raw_hex.is_some() || module.raw_text.is_some() {
        return None;
    }
    let glue = gojs_synth::spec::import_module_of(tc.version.major, tc.version.minor);
    (module.imports != glue && module.imports != "release").then(|| {
        format!(
            "the module imports `{}` but {}'s glue provides `{glue}`",
            module.imports,
            tc.label()
        )
    })
}

/// Run `trials` on `jobs` threads. `each` sees every verdict as it comes (from the worker
/// that ran it, with the trial's index and time) and returns whether to go on: once it says
/// no, trials not yet started are not run and come back as skips. Verdicts are returned in
/// trial order.
pub fn run_parallel(
    suite: &Suite,
    trials: &[Trial],
    jobs: usize,
    each: impl Fn(usize, &Trial, &Verdict, Duration) -> bool + Sync,
) -> Vec<Verdict> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Verdict>>> = Mutex::new(vec![None; trials.len()]);
    let took: Mutex<Vec<(&str, Duration)>> = Mutex::new(Vec::new());
    let cache = crate::paths::cache_dir();
    let names: Vec<&str> = trials.iter().map(|t| t.name.as_str()).collect();
    // One at a time, the order changes no wall time: keep the listed one.
    let order: Vec<usize> = if jobs > 1 {
        crate::schedule::order(&cache, &names)
    } else {
        (0..trials.len()).collect()
    };
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(trials.len().max(1)) {
            s.spawn(|| {
                while !stop.load(Ordering::SeqCst) {
                    let Some(&i) = order.get(next.fetch_add(1, Ordering::SeqCst)) else {
                        break;
                    };
                    let trial = &trials[i];
                    let start = std::time::Instant::now();
                    let verdict = suite.run(trial);
                    let elapsed = start.elapsed();
                    if trial.skip.is_none() {
                        took.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((trial.name.as_str(), elapsed));
                    }
                    if !each(i, trial, &verdict, elapsed) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(verdict);
                }
            });
        }
    });
    crate::schedule::record(
        &cache,
        &took.into_inner().unwrap_or_else(|e| e.into_inner()),
    );
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|v| v.unwrap_or_else(|| Verdict::Skip("not run: the run stopped early".into())))
        .collect()
}

/// `None` when the outcome meets the expectation, else a readable account of every difference.
/// `None` when the outcome matches any of `acceptable` (the expectation first, then the
/// case's `[[also]]`); otherwise the diff against the expectation itself.
pub fn compare_any(acceptable: &[Expectation], actual: &RunOutcome) -> Option<String> {
    if acceptable.iter().any(|e| compare(e, actual).is_none()) {
        return None;
    }
    let diff = compare(acceptable.first()?, actual)?;
    Some(match acceptable.len() {
        1 => diff,
        n => format!(
            "{diff}(nor does it match the {} other outcome(s) the case's [[also]] allows)\n",
            n - 1
        ),
    })
}

pub fn compare(expected: &Expectation, actual: &RunOutcome) -> Option<String> {
    let stdout = String::from_utf8_lossy(&actual.stdout);
    let stderr = String::from_utf8_lossy(&actual.stderr);
    let mut out = String::new();
    let exit_ok = actual.exit == Exit::Code(expected.exit);
    if !exit_ok {
        let _ = writeln!(
            out,
            "exit differs:\n    --- expected\n    +++ actual\n    -exit code {}\n    +{}",
            expected.exit, actual.exit
        );
    }
    let stdout_ok = expected.stdout.matches(&stdout);
    if !stdout_ok {
        out.push_str(&diff(
            "stdout",
            expected.stdout.text(),
            &stdout,
            expected.stdout.is_pattern(),
        ));
    }
    let stderr_ok = expected.stderr.matches(&stderr);
    if !stderr_ok {
        out.push_str(&diff(
            "stderr",
            expected.stderr.text(),
            &stderr,
            expected.stderr.is_pattern(),
        ));
    } else if !exit_ok && !stderr.is_empty() {
        // The host's own words usually say why the exit code is wrong.
        let _ = writeln!(out, "stderr (as expected):\n{}", indent(&stderr));
    }
    (!out.is_empty()).then_some(out)
}

fn diff(stream: &str, expected: &str, actual: &str, pattern: bool) -> String {
    let kind = if pattern { " pattern" } else { "" };
    let text = similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("expected {stream}{kind}"),
            &format!("actual {stream}"),
        )
        .to_string();
    format!("{stream} differs:\n{}", indent(&text))
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Matcher;

    fn outcome(code: i32, stdout: &str, stderr: &str) -> RunOutcome {
        RunOutcome {
            exit: Exit::Code(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
            wall: Duration::ZERO,
        }
    }

    fn expect(code: i32, stdout: &str) -> Expectation {
        Expectation {
            exit: code,
            stdout: Matcher::Exact(stdout.into()),
            stderr: Matcher::Pattern("...".into()),
        }
    }

    #[test]
    fn a_matching_outcome_has_no_report() {
        assert_eq!(
            compare(&expect(3, "a\n"), &outcome(3, "a\n", "anything")),
            None
        );
    }

    #[test]
    fn a_wrong_exit_code_and_output_are_both_reported_with_a_diff() {
        let r = compare(
            &expect(3, "before exit\n"),
            &outcome(0, "before exit\nextra\n", "why\n"),
        )
        .unwrap();
        assert!(r.contains("-exit code 3\n    +exit code 0"), "{r}");
        assert!(r.contains("stdout differs"), "{r}");
        assert!(r.contains("+extra"), "{r}");
        assert!(
            r.contains("why"),
            "the host's stderr helps explain the exit: {r}"
        );
    }

    #[test]
    fn any_allowed_outcome_passes_and_a_failure_shows_the_expectations_diff() {
        let allowed = [expect(0, "ran\n"), expect(1, "")];
        assert_eq!(compare_any(&allowed, &outcome(0, "ran\n", "")), None);
        assert_eq!(compare_any(&allowed, &outcome(1, "", "no getsp\n")), None);
        let r = compare_any(&allowed, &outcome(1, "ran\n", "")).unwrap();
        assert!(r.contains("-exit code 0\n    +exit code 1"), "{r}");
        assert!(r.contains("1 other outcome(s)"), "{r}");
        assert_eq!(compare_any(&allowed[..1], &outcome(0, "ran\n", "")), None);
        assert!(
            !compare_any(&allowed[..1], &outcome(2, "", ""))
                .unwrap()
                .contains("[[also]]")
        );
    }

    /// A host that exits with a fixed code and knows one failure, as a profile's host does.
    struct Known {
        caps: std::collections::BTreeSet<crate::host::Capability>,
        exit: i32,
    }

    impl Host for Known {
        fn name(&self) -> &str {
            "known@1.0"
        }
        fn capabilities(&self) -> &std::collections::BTreeSet<crate::host::Capability> {
            &self.caps
        }
        fn unclaimed(&self, go: &crate::version::GoVersion) -> Option<String> {
            (go.minor < 21).then(|| format!("claims go>=1.21, not go{go}"))
        }
        fn known_failure(
            &self,
            case: &str,
            _go: &crate::version::GoVersion,
        ) -> Option<KnownFailureNote> {
            match case {
                "x/known" | "x/sometimes" => Some(KnownFailureNote {
                    reason: "the host exits 9".into(),
                    source: format!("the [[known_failure]] `{case}` of hosts/known.toml"),
                    intermittent: case == "x/sometimes",
                }),
                _ => None,
            }
        }
        fn run(&self, _: &RunRequest) -> anyhow::Result<RunOutcome> {
            Ok(outcome(self.exit, "", ""))
        }
    }

    fn suite_on(exit: i32, go: &str) -> (Suite, tempfile::TempDir) {
        let cache = tempfile::tempdir().unwrap();
        let text = "schema = 1\ncontract = \"c\"\n[module]\nexit = 3\n[expect]\nexit = 3\n";
        let case = |name: &str| {
            Arc::new(Case::parse(name, std::path::Path::new("cases/x.toml"), text).unwrap())
        };
        let suite = Suite {
            hosts: vec![Arc::new(Known {
                caps: Default::default(),
                exit,
            })],
            toolchains: vec![Toolchain {
                version: crate::version::GoVersion::parse(go).unwrap(),
                version_text: format!("go{go}"),
                goroot: std::path::PathBuf::new(),
            }],
            cases: vec![case("x/known"), case("x/other"), case("x/sometimes")],
            corpus: Arc::new(Corpus::new(cache.path(), cache.path())),
            cache_dir: cache.path().to_path_buf(),
            default_timeout: Duration::from_secs(5),
            bless: false,
        };
        (suite, cache)
    }

    #[test]
    fn a_hosts_known_failure_is_expected_and_its_pass_says_update_the_profile() {
        let (failing, _c1) = suite_on(9, "1.26");
        let t = failing.trials();
        assert_eq!(
            failing.run(&t[0]),
            Verdict::ExpectedFail("the host exits 9".into())
        );
        assert!(matches!(failing.run(&t[1]), Verdict::Fail(_)));
        let (passing, _c2) = suite_on(3, "1.26");
        let t = passing.trials();
        let Verdict::Fail(report) = passing.run(&t[0]) else {
            panic!("a known failure that passes must fail the trial")
        };
        assert!(
            report.contains("known failure passed: update the profile"),
            "{report}"
        );
        assert!(report.contains("hosts/known.toml"), "{report}");
        assert_eq!(passing.run(&t[1]), Verdict::Pass);
    }

    #[test]
    fn an_intermittent_known_failure_may_pass_or_fail() {
        let (failing, _c1) = suite_on(9, "1.26");
        let t = failing.trials();
        assert_eq!(
            failing.run(&t[2]),
            Verdict::ExpectedFail("the host exits 9".into())
        );
        let (passing, _c2) = suite_on(3, "1.26");
        let t = passing.trials();
        assert_eq!(passing.run(&t[2]), Verdict::Pass);
    }

    #[test]
    fn a_cases_intermittent_xfail_may_pass_or_fail_and_a_steady_one_must_fail() {
        let with_xfail = |intermittent: bool| {
            let text = format!(
                "schema = 1\ncontract = \"c\"\n[module]\nexit = 3\n[expect]\nexit = 3\n\
                 [[xfail]]\nhost = \"*\"\nintermittent = {intermittent}\nreason = \"a race\"\n"
            );
            Arc::new(Case::parse("x/raced", std::path::Path::new("cases/x.toml"), &text).unwrap())
        };
        for intermittent in [true, false] {
            let (mut failing, _c1) = suite_on(9, "1.26");
            failing.cases = vec![with_xfail(intermittent)];
            let t = failing.trials();
            assert_eq!(failing.run(&t[0]), Verdict::ExpectedFail("a race".into()));
            let (mut passing, _c2) = suite_on(3, "1.26");
            passing.cases = vec![with_xfail(intermittent)];
            let t = passing.trials();
            match passing.run(&t[0]) {
                Verdict::Pass => assert!(intermittent),
                Verdict::Fail(why) => {
                    assert!(!intermittent);
                    assert!(
                        why.contains("expected to fail (a race), but it passes"),
                        "{why}"
                    );
                }
                v => panic!("{v:?}"),
            }
        }
    }

    #[test]
    fn a_release_the_host_does_not_claim_is_skipped_with_the_reason() {
        let (suite, _c) = suite_on(3, "1.19");
        for t in suite.trials() {
            assert_eq!(t.skip.as_deref(), Some("claims go>=1.21, not go1.19"));
            assert!(matches!(suite.run(&t), Verdict::Skip(_)));
        }
    }

    #[test]
    fn a_timeout_is_never_a_pass() {
        let mut o = outcome(0, "", "");
        o.exit = Exit::Timeout;
        let r = compare(&expect(0, ""), &o).unwrap();
        assert!(r.contains("+timed out"), "{r}");
    }
}
