//! Measuring the suite's power: a catalogue of faulty glues ("mutants"), each the toolchain's
//! own `wasm_exec.js` with one realistic fault, and a run of the suite on Node with each.
//!
//! A mutant is a TOML file in `mutants/` (see `mutants/README.md`): a description, a fault
//! class, and exact find/replace edits applied to the toolchain's glue. Every `find` must
//! occur exactly once in that glue, or the mutant "does not apply" to it (and says why); it is
//! never silently skipped. A mutant with `equivalent = "why"` changes nothing observable and
//! is left out of the score.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::case::Case;
use crate::corpus::Corpus;
use crate::host::node::NodeHost;
use crate::runner::{Suite, Trial, Verdict, run_parallel};
use crate::toolchain::Toolchain;
use crate::version::{GoVersion, VersionRange};

/// One find/replace edit of a glue.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub find: String,
    pub replace: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MutantFile {
    description: String,
    class: String,
    #[serde(default)]
    go: Option<VersionRange>,
    #[serde(default)]
    equivalent: Option<String>,
    #[serde(rename = "edit")]
    edits: Vec<Edit>,
}

/// A faulty glue, described as edits of the toolchain's own.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// The file name without `.toml`.
    pub name: String,
    pub path: PathBuf,
    pub description: String,
    /// The kind of fault: exit, stdio, values, refs, timers, ...
    pub class: String,
    /// The releases whose glue the mutant is written for; others report "does not apply".
    pub go: Option<VersionRange>,
    /// Why the fault changes nothing observable, when it does not.
    pub equivalent: Option<String>,
    pub edits: Vec<Edit>,
}

/// Why a mutant cannot be made from a glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable(pub String);

impl Mutant {
    pub fn parse(name: &str, path: &Path, text: &str) -> anyhow::Result<Mutant> {
        let f: MutantFile =
            toml::from_str(text).with_context(|| format!("reading mutant {}", path.display()))?;
        if f.edits.is_empty() {
            bail!("mutant {} has no [[edit]]", path.display());
        }
        if let Some(e) = f.edits.iter().find(|e| e.find.is_empty()) {
            bail!(
                "mutant {}: an edit has an empty `find` (replace: {:?})",
                path.display(),
                e.replace
            );
        }
        Ok(Mutant {
            name: name.to_string(),
            path: path.to_path_buf(),
            description: f.description,
            class: f.class,
            go: f.go,
            equivalent: f.equivalent,
            edits: f.edits,
        })
    }

    /// The glue with every edit applied, each `find` matched exactly once in the text as the
    /// earlier edits left it.
    pub fn apply(&self, glue: &str) -> Result<String, NotApplicable> {
        let mut out = glue.to_string();
        for (i, e) in self.edits.iter().enumerate() {
            let n = out.matches(e.find.as_str()).count();
            if n != 1 {
                let first_line = e.find.lines().next().unwrap_or_default().trim();
                return Err(NotApplicable(format!(
                    "edit {} finds `{}{}` {n} times, not once",
                    i + 1,
                    first_line,
                    if e.find.contains('\n') { " ..." } else { "" },
                )));
            }
            out = out.replacen(e.find.as_str(), &e.replace, 1);
        }
        Ok(out)
    }

    /// `Err` with the reason when the mutant is not written for this release.
    pub fn covers(&self, v: &GoVersion) -> Result<(), NotApplicable> {
        match &self.go {
            Some(r) if !r.contains(v) => Err(NotApplicable(format!(
                "written for go{r}, not go{}",
                v.short().trim_start_matches("go")
            ))),
            _ => Ok(()),
        }
    }
}

/// The default catalogue: `mutants/` at the top of the repository.
pub fn default_dir() -> PathBuf {
    crate::paths::repo_root().join("mutants")
}

/// Every `*.toml` in `dir`, sorted by name.
pub fn load_catalogue(dir: &Path) -> anyhow::Result<Vec<Mutant>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the catalogue {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .context("a mutant's file name is not UTF-8")?
            .to_string();
        let text = std::fs::read_to_string(&path)?;
        out.push(Mutant::parse(&name, &path, &text)?);
    }
    if out.is_empty() {
        bail!("no mutants (*.toml) in {}", dir.display());
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What the suite made of one mutant on one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Failing cases, in case order.
    Caught(Vec<String>),
    NotCaught,
    DoesNotApply(String),
    /// The mutated glue is not valid JavaScript: a fault of the catalogue, not of the suite.
    Broken(String),
}

#[derive(Debug, Clone)]
pub struct MutantResult {
    pub mutant: Mutant,
    /// `go1.26`.
    pub release: String,
    pub outcome: Outcome,
    /// Trials run (not skipped).
    pub trials: usize,
    pub wall: Duration,
}

impl MutantResult {
    /// An applicable, non-equivalent mutant the suite did not catch.
    pub fn is_gap(&self) -> bool {
        self.outcome == Outcome::NotCaught && self.mutant.equivalent.is_none()
    }
}

/// Everything a mutants run needs besides the catalogue.
pub struct MutantsRun {
    pub toolchains: Vec<Toolchain>,
    pub cases: Vec<Arc<Case>>,
    pub corpus: Arc<Corpus>,
    pub cache_dir: PathBuf,
    pub timeout: Duration,
    pub jobs: usize,
    /// Only trials whose case name contains one of these (all when empty).
    pub case_filter: Vec<String>,
    /// Stop running a mutant's trials once this many cases caught it (all when `None`).
    pub max_catches: Option<usize>,
}

/// Cases that fail with the stock glue: their failures say nothing about a mutant.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub failing: Vec<String>,
    pub trials: usize,
}

impl MutantsRun {
    fn suite(&self, tc: &Toolchain, glue: &Path) -> anyhow::Result<Suite> {
        Ok(Suite {
            hosts: vec![Arc::new(NodeHost::new(Some(glue), &self.cache_dir)?)],
            toolchains: vec![tc.clone()],
            cases: self.cases.clone(),
            corpus: self.corpus.clone(),
            cache_dir: self.cache_dir.clone(),
            default_timeout: self.timeout,
            bless: false,
        })
    }

    fn trials(&self, suite: &Suite) -> Vec<Trial> {
        suite
            .trials()
            .into_iter()
            .filter(|t| t.skip.is_none())
            .filter(|t| {
                self.case_filter.is_empty()
                    || self
                        .case_filter
                        .iter()
                        .any(|f| t.case.name.contains(f.as_str()))
            })
            .collect()
    }

    /// Run the suite with `glue`; the names of the failing cases, in case order.
    fn failing_cases(
        &self,
        tc: &Toolchain,
        glue: &Path,
        ignore: &[String],
    ) -> anyhow::Result<(Vec<String>, usize)> {
        let suite = self.suite(tc, glue)?;
        let trials = self.trials(&suite);
        let caught = std::sync::atomic::AtomicUsize::new(0);
        let verdicts = run_parallel(&suite, &trials, self.jobs, |_, t, v, _| {
            if matches!(v, Verdict::Fail(_)) && !ignore.contains(&t.case.name) {
                let n = caught.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                return self.max_catches.is_none_or(|m| n < m);
            }
            true
        });
        let failing = trials
            .iter()
            .zip(&verdicts)
            .filter(|(t, v)| matches!(v, Verdict::Fail(_)) && !ignore.contains(&t.case.name))
            .map(|(t, _)| t.case.name.clone())
            .collect();
        let ran = verdicts
            .iter()
            .filter(|v| !matches!(v, Verdict::Skip(_)))
            .count();
        Ok((failing, ran))
    }

    /// The suite with the toolchain's own glue, copied to `work`.
    pub fn baseline(&self, tc: &Toolchain, work: &Path) -> anyhow::Result<Baseline> {
        let stock = tc.glue()?;
        let path = work.join(format!("stock-{}.js", tc.label()));
        std::fs::copy(&stock, &path)?;
        let (failing, trials) = self.failing_cases(tc, &path, &[])?;
        Ok(Baseline { failing, trials })
    }

    /// One mutant on one release; `baseline` failures are not counted as catches.
    pub fn run_one(
        &self,
        tc: &Toolchain,
        mutant: &Mutant,
        baseline: &Baseline,
        work: &Path,
    ) -> anyhow::Result<MutantResult> {
        let start = Instant::now();
        let result = |outcome, trials| MutantResult {
            mutant: mutant.clone(),
            release: tc.label(),
            outcome,
            trials,
            wall: start.elapsed(),
        };
        if let Err(NotApplicable(why)) = mutant.covers(&tc.version) {
            return Ok(result(Outcome::DoesNotApply(why), 0));
        }
        let stock = std::fs::read_to_string(tc.glue()?)?;
        let glue = match mutant.apply(&stock) {
            Ok(g) => g,
            Err(NotApplicable(why)) => return Ok(result(Outcome::DoesNotApply(why), 0)),
        };
        let path = work.join(format!("{}-{}.js", mutant.name, tc.label()));
        std::fs::write(&path, glue)?;
        if let Err(why) = check_syntax(&path) {
            return Ok(result(Outcome::Broken(why), 0));
        }
        let (failing, trials) = self.failing_cases(tc, &path, &baseline.failing)?;
        let outcome = if failing.is_empty() {
            Outcome::NotCaught
        } else {
            Outcome::Caught(failing)
        };
        Ok(result(outcome, trials))
    }
}

/// `node --check`: a mutated glue that does not even parse is a catalogue bug.
fn check_syntax(glue: &Path) -> Result<(), String> {
    let node = std::env::var_os("GOJS_NODE").unwrap_or_else(|| "node".into());
    match std::process::Command::new(node)
        .arg("--check")
        .arg(glue)
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .collect::<Vec<_>>()
            .join(" | ")),
        Err(e) => Err(format!("cannot run node --check: {e}")),
    }
}

/// One line for the progress log and the summary.
pub fn describe(outcome: &Outcome, equivalent: bool, shown: usize) -> String {
    let eq = if equivalent { " [equivalent]" } else { "" };
    match outcome {
        Outcome::Caught(cases) => {
            let mut s = format!("caught by {} case(s): ", cases.len());
            s.push_str(
                &cases
                    .iter()
                    .take(shown)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if cases.len() > shown {
                s.push_str(", ...");
            }
            s + eq
        }
        Outcome::NotCaught => format!("NOT CAUGHT{eq}"),
        Outcome::DoesNotApply(why) => format!("does not apply to this glue: {why}"),
        Outcome::Broken(why) => format!("BROKEN MUTANT (the glue does not parse): {why}"),
    }
}

/// Scores per release: (applicable non-equivalent, caught, not caught, equivalent, n/a, broken).
pub fn score(results: &[MutantResult]) -> BTreeMap<String, [usize; 6]> {
    let mut out: BTreeMap<String, [usize; 6]> = BTreeMap::new();
    for r in results {
        let s = out.entry(r.release.clone()).or_default();
        let eq = r.mutant.equivalent.is_some();
        match (&r.outcome, eq) {
            (Outcome::DoesNotApply(_), _) => s[4] += 1,
            (Outcome::Broken(_), _) => s[5] += 1,
            (_, true) => s[3] += 1,
            (Outcome::Caught(_), false) => {
                s[0] += 1;
                s[1] += 1
            }
            (Outcome::NotCaught, false) => {
                s[0] += 1;
                s[2] += 1
            }
        }
    }
    out
}

/// Each release's baseline, by its label.
pub type Baselines = Vec<(String, Baseline)>;

/// Run every mutant of `chosen` on every toolchain of `run`, each release's baseline first,
/// telling `progress` one line at a time what happened. Returns the results and each
/// release's baseline.
pub fn run_catalogue(
    run: &MutantsRun,
    chosen: &[Mutant],
    work: &Path,
    progress: &mut dyn FnMut(String),
) -> anyhow::Result<(Vec<MutantResult>, Baselines)> {
    let mut results = Vec::new();
    let mut baselines = Vec::new();
    for tc in &run.toolchains {
        progress(format!(
            "go{}: the suite with the stock glue ({})",
            tc.version,
            tc.glue()?.display()
        ));
        let t = std::time::Instant::now();
        let base = run.baseline(tc, work)?;
        if base.failing.is_empty() {
            progress(format!(
                "  {} trials pass ({:.0}s)",
                base.trials,
                t.elapsed().as_secs_f64()
            ));
        } else {
            progress(format!(
                "  {} trials; failing with the stock glue, so ignored below: {}",
                base.trials,
                base.failing.join(", ")
            ));
        }
        for (i, m) in chosen.iter().enumerate() {
            let r = run.run_one(tc, m, &base, work)?;
            let shown = describe(&r.outcome, m.equivalent.is_some(), 3);
            let took = if matches!(r.outcome, Outcome::Caught(_) | Outcome::NotCaught) {
                format!(" ({} trials, {:.0}s)", r.trials, r.wall.as_secs_f64())
            } else {
                String::new()
            };
            progress(format!(
                "[{}/{}] go{} {}: {shown}{took}",
                i + 1,
                chosen.len(),
                tc.version,
                m.name
            ));
            results.push(r);
        }
        baselines.push((tc.label(), base));
    }
    Ok((results, baselines))
}

/// The closing lines of a run (per release, what was caught; every gap), and the number of
/// gaps: applicable, non-equivalent mutants not caught, and broken ones.
pub fn summary(results: &[MutantResult]) -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    let mut gaps = 0;
    for (rel, s) in &score(results) {
        lines.push(format!(
            "{rel}: {} of {} scored mutants caught, {} not caught ({} equivalent, {} do not apply, {} broken)",
            s[1], s[0], s[2], s[3], s[4], s[5]
        ));
        gaps += s[2] + s[5];
    }
    for r in results.iter().filter(|r| r.is_gap()) {
        lines.push(format!(
            "not caught: {} on {}: {}",
            r.mutant.name, r.release, r.mutant.description
        ));
    }
    (lines, gaps)
}

/// The Markdown report: a summary per release, then a table of every mutant.
pub fn report(
    results: &[MutantResult],
    baselines: &[(String, Baseline)],
    command: &str,
    node_version: &str,
) -> String {
    let mut md = String::new();
    let releases: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for r in results {
            if !v.contains(&r.release) {
                v.push(r.release.clone());
            }
        }
        v
    };
    let _ = writeln!(md, "# Mutants: the suite against faulty glues\n");
    let _ = writeln!(
        md,
        "Each mutant is the toolchain's own `wasm_exec.js` with one fault, described in \
         `mutants/NAME.toml`; the suite runs on Node with it, and a mutant is *caught* when at \
         least one case fails that passes with the stock glue. Equivalent mutants (no \
         observable change) are run but not scored. The cases named are the first to fail (a run \
         with `--max-catches N` stops a mutant there). Cases with timing bounds can fail on a \
         loaded machine: a mutant caught only by one of them deserves a second look.\n"
    );
    let _ = writeln!(md, "Regenerate with:\n\n    {command}\n");
    let _ = writeln!(md, "Node {node_version}.\n");
    let _ = writeln!(md, "## Score\n");
    let _ = writeln!(
        md,
        "| release | scored | caught | not caught | equivalent | does not apply | broken | stock glue: trials, failing cases |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    let scores = score(results);
    for rel in &releases {
        let s = scores.get(rel).copied().unwrap_or_default();
        let base = baselines
            .iter()
            .find(|(r, _)| r == rel)
            .map(|(_, b)| {
                if b.failing.is_empty() {
                    format!("{}, none", b.trials)
                } else {
                    format!("{}, {} (ignored)", b.trials, b.failing.join(", "))
                }
            })
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "| {rel} | {} | {} | {} | {} | {} | {} | {base} |",
            s[0], s[1], s[2], s[3], s[4], s[5]
        );
    }
    let _ = writeln!(md, "\n## Mutants\n");
    let mut header = "| mutant | class | fault |".to_string();
    let mut rule = "|---|---|---|".to_string();
    for rel in &releases {
        header.push_str(&format!(" {rel} |"));
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    let mut names: Vec<&str> = Vec::new();
    for r in results {
        if !names.contains(&r.mutant.name.as_str()) {
            names.push(&r.mutant.name);
        }
    }
    for name in names {
        let first = results.iter().find(|r| r.mutant.name == name).unwrap();
        let m = &first.mutant;
        let mut fault = m.description.replace('|', "\\|");
        if let Some(why) = &m.equivalent {
            fault.push_str(&format!(" **Equivalent:** {}", why.replace('|', "\\|")));
        }
        let mut row = format!("| `{name}` | {} | {fault} |", m.class);
        for rel in &releases {
            let cell = match results
                .iter()
                .find(|r| r.mutant.name == name && &r.release == rel)
            {
                None => "not run".to_string(),
                Some(r) => match &r.outcome {
                    Outcome::Caught(cases) => {
                        let shown: Vec<String> =
                            cases.iter().take(4).map(|c| format!("`{c}`")).collect();
                        format!(
                            "caught by {}: {}{}",
                            cases.len(),
                            shown.join(", "),
                            if cases.len() > 4 { ", ..." } else { "" }
                        )
                    }
                    Outcome::NotCaught if m.equivalent.is_some() => {
                        "not caught (equivalent)".to_string()
                    }
                    Outcome::NotCaught => "**NOT CAUGHT**".to_string(),
                    Outcome::DoesNotApply(why) => format!("does not apply: {why}"),
                    Outcome::Broken(why) => {
                        format!("**broken mutant**: {}", why.replace('|', "\\|"))
                    }
                },
            };
            row.push_str(&format!(" {cell} |"));
        }
        let _ = writeln!(md, "{row}");
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutant(toml: &str) -> Mutant {
        Mutant::parse("m", Path::new("m.toml"), toml).unwrap()
    }

    const GLUE: &str = "a();\nthis.exit(code);\nb();\nb();\n";

    #[test]
    fn an_edit_that_matches_once_is_applied() {
        let m = mutant(
            "description = \"d\"\nclass = \"exit\"\n[[edit]]\nfind = 'this.exit(code);'\nreplace = 'this.exit(0);'\n",
        );
        assert_eq!(m.apply(GLUE).unwrap(), "a();\nthis.exit(0);\nb();\nb();\n");
    }

    #[test]
    fn edits_apply_in_order_and_multi_line_finds_work() {
        let m = mutant(
            "description = \"d\"\nclass = \"c\"\n[[edit]]\nfind = \"a();\\nthis\"\nreplace = \"that\"\n[[edit]]\nfind = 'that.exit'\nreplace = 'x'\n",
        );
        assert_eq!(m.apply(GLUE).unwrap(), "x(code);\nb();\nb();\n");
    }

    #[test]
    fn an_edit_that_does_not_match_exactly_once_does_not_apply() {
        let none =
            mutant("description = \"d\"\nclass = \"c\"\n[[edit]]\nfind = 'nope'\nreplace = ''\n");
        let err = none.apply(GLUE).unwrap_err();
        assert!(err.0.contains("edit 1 finds `nope` 0 times"), "{err:?}");
        let twice = mutant(
            "description = \"d\"\nclass = \"c\"\n[[edit]]\nfind = 'a();'\nreplace = ''\n[[edit]]\nfind = 'b();'\nreplace = ''\n",
        );
        let err = twice.apply(GLUE).unwrap_err();
        assert!(err.0.contains("edit 2 finds `b();` 2 times"), "{err:?}");
    }

    #[test]
    fn a_version_range_limits_where_a_mutant_applies() {
        let m = mutant(
            "description = \"d\"\nclass = \"c\"\ngo = \">=1.21\"\n[[edit]]\nfind = 'a'\nreplace = ''\n",
        );
        assert!(m.covers(&GoVersion::parse("1.26.8").unwrap()).is_ok());
        let err = m.covers(&GoVersion::parse("1.19.8").unwrap()).unwrap_err();
        assert!(err.0.contains(">=1.21"), "{err:?}");
    }

    #[test]
    fn unknown_fields_and_empty_edits_are_refused() {
        assert!(
            Mutant::parse(
                "m",
                Path::new("m"),
                "description = \"d\"\nclass = \"c\"\nedit = []\n"
            )
            .is_err()
        );
        assert!(
            Mutant::parse(
                "m",
                Path::new("m"),
                "description = \"d\"\nclass = \"c\"\nwhat = 1\n[[edit]]\nfind = 'a'\nreplace = ''\n"
            )
            .is_err()
        );
        assert!(
            Mutant::parse(
                "m",
                Path::new("m"),
                "description = \"d\"\nclass = \"c\"\n[[edit]]\nfind = ''\nreplace = 'x'\n"
            )
            .is_err()
        );
    }

    #[test]
    fn the_catalogue_loads_and_has_at_least_25_mutants() {
        let all = load_catalogue(&default_dir()).unwrap();
        assert!(all.len() >= 25, "{} mutants", all.len());
        for m in &all {
            assert!(!m.description.trim().is_empty(), "{}", m.name);
        }
    }
}
