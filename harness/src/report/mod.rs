//! Reports of a run over hosts × Go releases × cases: a Markdown summary, JSON with a
//! versioned schema, JUnit XML and a self-contained HTML page, all from one [`Matrix`].
//!
//! A [`Matrix`] is built from (trial, verdict, wall time) triples, or directly from
//! [`Record`]s. Without timings (the default) every output is deterministic: records are
//! sorted, wall times are left out and absolute paths are replaced by placeholders (see
//! [`Scrubber`]), so a committed snapshot changes only when results do.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::runner::{Trial, Verdict};
use crate::version::GoVersion;

mod html;
pub mod inventory;
mod junit;
mod markdown;

pub use html::html;
pub use junit::junit;
pub use markdown::markdown;

/// The `schema` of [`json`]'s document. Bump it when a field changes meaning or goes away;
/// adding an optional field keeps it.
pub const SCHEMA: &str = "gojs-matrix/1";

/// How a trial ended, as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Pass,
    /// Failed, as a case's `[[xfail]]` says it does on this host.
    Xfail,
    Fail,
    Skip,
    /// The expectation was rewritten from this outcome (counted as a pass).
    Blessed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pass => "pass",
            Kind::Xfail => "xfail",
            Kind::Fail => "fail",
            Kind::Skip => "skip",
            Kind::Blessed => "blessed",
        }
    }
}

/// One trial's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The host's name, e.g. `node`, `native`, `cmd:go_js_wasm_exec`.
    pub host: String,
    /// The release's label in trial names, e.g. `go1.26`.
    pub go: String,
    /// The case's name, e.g. `exit/os_exit_3`.
    pub case: String,
    pub verdict: Kind,
    /// A failure's report (with its diff), or an expected failure's or a skip's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Wall time of the trial, when the report was asked to keep timings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<u64>,
}

impl Record {
    /// The record of `trial`'s `verdict`.
    pub fn of(trial: &Trial, verdict: &Verdict, wall: Duration) -> Record {
        let (kind, detail) = match verdict {
            Verdict::Pass => (Kind::Pass, None),
            Verdict::ExpectedFail(r) => (Kind::Xfail, Some(r.clone())),
            Verdict::Blessed(r) => (Kind::Blessed, Some(r.clone())),
            Verdict::Fail(r) => (Kind::Fail, Some(r.clone())),
            Verdict::Skip(r) => (Kind::Skip, Some(r.clone())),
        };
        Record {
            host: trial.host.name().to_string(),
            go: trial.toolchain.label(),
            case: trial.case.name.clone(),
            verdict: kind,
            detail,
            wall_ms: Some(wall.as_millis() as u64),
        }
    }

    /// `host/go/case`, the trial's name.
    pub fn name(&self) -> String {
        format!("{}/{}/{}", self.host, self.go, self.case)
    }
}

/// A Go release as a column of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// `go1.26`.
    pub label: String,
    /// The full release, `1.26.8`.
    pub version: String,
}

/// Counts of one cell (or of a whole run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub xfail: usize,
    pub fail: usize,
    pub skip: usize,
}

impl Counts {
    pub fn add(&mut self, k: Kind) {
        match k {
            Kind::Pass | Kind::Blessed => self.pass += 1,
            Kind::Xfail => self.xfail += 1,
            Kind::Fail => self.fail += 1,
            Kind::Skip => self.skip += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.xfail + self.fail + self.skip
    }

    /// `green` (nothing failed, something ran), `red` (a failure), `grey` (all skipped or empty).
    pub fn colour(&self) -> &'static str {
        if self.fail > 0 {
            "red"
        } else if self.pass + self.xfail > 0 {
            "green"
        } else {
            "grey"
        }
    }

    /// `190 pass, 2 FAIL, 3 xfail, 18 skip`, leaving out zero counts but for pass.
    pub fn summary(&self) -> String {
        if self.total() == 0 {
            return "no trials".to_string();
        }
        let mut parts = vec![format!("{} pass", self.pass)];
        if self.fail > 0 {
            parts.push(format!("{} FAIL", self.fail));
        }
        if self.xfail > 0 {
            parts.push(format!("{} xfail", self.xfail));
        }
        if self.skip > 0 {
            parts.push(format!("{} skip", self.skip));
        }
        parts.join(", ")
    }
}

/// A trial whose verdict differs from a baseline's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub trial: String,
    /// `None`: the baseline has no such trial.
    pub before: Option<Kind>,
    pub after: Kind,
}

/// The results of one matrix run, and what the reports say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub schema: String,
    /// The command that produced it, shown in every report.
    pub command: String,
    /// Rows of the grid, in the order given.
    pub hosts: Vec<String>,
    /// Columns of the grid, oldest first.
    pub releases: Vec<Release>,
    /// The glue that replaced each toolchain's own (its file name), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glue: Option<String>,
    /// Free-form notes shown under the grid (why a column is as it is, and the like).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Trials whose verdict changed against a baseline, when one was compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
    /// Sorted by host (in `hosts` order), release (in `releases` order), case.
    pub trials: Vec<Record>,
}

impl Matrix {
    /// A matrix of `records`: sorted, and with every host and release present as a row or
    /// column even when none of its trials ran. `releases` gives the full versions; releases
    /// only seen in records are added with their label as version.
    pub fn new(
        command: &str,
        hosts: &[String],
        releases: &[Release],
        mut records: Vec<Record>,
    ) -> Matrix {
        let mut hosts: Vec<String> = hosts.to_vec();
        let mut releases: Vec<Release> = releases.to_vec();
        for r in &records {
            if !hosts.contains(&r.host) {
                hosts.push(r.host.clone());
            }
            if !releases.iter().any(|x| x.label == r.go) {
                releases.push(Release {
                    label: r.go.clone(),
                    version: r.go.trim_start_matches("go").to_string(),
                });
            }
        }
        releases.sort_by_key(|a| release_key(&a.version));
        releases.dedup_by(|a, b| a.label == b.label);
        let hi = |h: &str| hosts.iter().position(|x| x == h).unwrap_or(usize::MAX);
        let ri = |g: &str| {
            releases
                .iter()
                .position(|x| x.label == g)
                .unwrap_or(usize::MAX)
        };
        records.sort_by(|a, b| {
            (hi(&a.host), ri(&a.go), &a.case).cmp(&(hi(&b.host), ri(&b.go), &b.case))
        });
        Matrix {
            schema: SCHEMA.to_string(),
            command: command.to_string(),
            hosts,
            releases,
            glue: None,
            notes: Vec::new(),
            changes: None,
            trials: records,
        }
    }

    /// Drop wall times and replace what `scrub` knows in every detail, so the reports are
    /// the same on every machine and every run with the same results.
    pub fn make_deterministic(&mut self, scrub: &Scrubber) {
        for r in &mut self.trials {
            r.wall_ms = None;
            if let Some(d) = &mut r.detail {
                *d = scrub.apply(d);
            }
        }
        self.command = scrub.apply(&self.command);
        for n in &mut self.notes {
            *n = scrub.apply(n);
        }
    }

    /// The counts of one cell.
    pub fn cell(&self, host: &str, go: &str) -> Counts {
        let mut c = Counts::default();
        for r in self.trials.iter().filter(|r| r.host == host && r.go == go) {
            c.add(r.verdict);
        }
        c
    }

    pub fn totals(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.trials {
            c.add(r.verdict);
        }
        c
    }

    pub fn failures(&self) -> impl Iterator<Item = &Record> {
        self.trials.iter().filter(|r| r.verdict == Kind::Fail)
    }

    /// The grid as plain text, for a terminal.
    pub fn grid_text(&self) -> String {
        let mut rows = vec![{
            let mut h = vec!["host".to_string()];
            h.extend(self.releases.iter().map(|r| r.label.clone()));
            h
        }];
        for host in &self.hosts {
            let mut row = vec![host.clone()];
            for rel in &self.releases {
                let c = self.cell(host, &rel.label);
                row.push(if c.total() == 0 {
                    "-".to_string()
                } else {
                    format!("{}/{}/{}/{}", c.pass, c.fail, c.xfail, c.skip)
                });
            }
            rows.push(row);
        }
        let cols = rows[0].len();
        let widths: Vec<usize> = (0..cols)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out.push_str("(cells: pass/fail/xfail/skip)\n");
        out
    }

    /// Trials whose verdict differs from `baseline`'s, for the hosts and releases both ran.
    pub fn compare(&self, baseline: &Matrix) -> Vec<Change> {
        let before: BTreeMap<String, Kind> = baseline
            .trials
            .iter()
            .map(|r| (r.name(), r.verdict))
            .collect();
        let hosts: BTreeSet<&str> = baseline.trials.iter().map(|r| r.host.as_str()).collect();
        let gos: BTreeSet<&str> = baseline.trials.iter().map(|r| r.go.as_str()).collect();
        let mut out = Vec::new();
        for r in &self.trials {
            if !hosts.contains(r.host.as_str()) || !gos.contains(r.go.as_str()) {
                continue;
            }
            let b = before.get(&r.name()).copied();
            let same = match (b, r.verdict) {
                (Some(Kind::Blessed), Kind::Pass) | (Some(Kind::Pass), Kind::Blessed) => true,
                (Some(x), y) => x == y,
                (None, _) => false,
            };
            if !same {
                out.push(Change {
                    trial: r.name(),
                    before: b,
                    after: r.verdict,
                });
            }
        }
        out
    }
}

/// The JSON document (schema [`SCHEMA`]), pretty-printed with a final newline.
pub fn json(m: &Matrix) -> String {
    let mut s = serde_json::to_string_pretty(m).expect("a matrix always serializes");
    s.push('\n');
    s
}

/// Read a document written by [`json`]; refuses other schemas.
pub fn from_json(text: &str) -> anyhow::Result<Matrix> {
    let m: Matrix = serde_json::from_str(text)?;
    if m.schema != SCHEMA {
        anyhow::bail!(
            "the matrix has schema `{}`; this harness reads `{SCHEMA}`",
            m.schema
        );
    }
    Ok(m)
}

fn release_key(v: &str) -> (u32, u32, u32, String) {
    match GoVersion::parse(v) {
        Ok(g) => (g.major, g.minor, g.patch.unwrap_or(0), String::new()),
        Err(_) => (u32::MAX, u32::MAX, u32::MAX, v.to_string()),
    }
}

/// Replaces machine-specific text (absolute paths, temporary directories) by placeholders.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// Longest first when applied.
    pairs: Vec<(String, String)>,
}

impl Scrubber {
    /// Replace `path` (and its canonical form) by `placeholder`. Empty paths are ignored.
    pub fn path(mut self, path: &std::path::Path, placeholder: &str) -> Scrubber {
        let mut add = |p: &std::path::Path| {
            let s = p.to_string_lossy().trim_end_matches('/').to_string();
            if s.len() > 1 && !self.pairs.iter().any(|(x, _)| *x == s) {
                self.pairs.push((s, placeholder.to_string()));
            }
        };
        add(path);
        if let Ok(c) = path.canonicalize() {
            add(&c);
        }
        self
    }

    pub fn apply(&self, text: &str) -> String {
        let mut pairs: Vec<&(String, String)> = self.pairs.iter().collect();
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut out = text.to_string();
        for (from, to) in pairs {
            out = out.replace(from.as_str(), to);
        }
        // Per-trial temporary directories and files.
        let tmp = regex::Regex::new(r"(/tmp|/var/tmp)/(gojs|\.tmp)[A-Za-z0-9_.-]*")
            .expect("a valid pattern");
        tmp.replace_all(&out, "$$TMP").into_owned()
    }
}

/// Escape text for HTML and XML (element content and quoted attributes alike).
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(ch),
            '\r' => out.push_str("&#13;"),
            // Not allowed in XML 1.0 even as references: show them as escapes.
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
