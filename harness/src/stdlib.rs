//! `gojs-harness stdlib`: Go's own standard library tests, `GOOS=js GOARCH=wasm go test
//! -exec HOST`, package by package on each host, and the tests whose verdicts differ.
//!
//! Each host is a `go test -exec` command: `native` is this binary's `run` (with `--dir /`,
//! the whole file system, as Node has it), `node` is the toolchain's own `go_js_wasm_exec`,
//! `cmd:PROGRAM` any other. Verdicts come from `go test -json`: every test and subtest with
//! its action (`pass`, `fail`, `skip`), the package's own verdict and the wall time of the
//! whole `go test` (compilation included; the build cache makes the second host's cheap).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::host::Exit;
use crate::host::process::run_with_timeout;
use crate::toolchain::Toolchain;

/// The packages the issue lists, in its order.
pub const DEFAULT_PACKAGES: &[&str] = &[
    "syscall/js",
    "os",
    "io",
    "io/fs",
    "path/filepath",
    "time",
    "sync",
    "context",
    "strings",
    "strconv",
    "bytes",
    "fmt",
    "errors",
    "sort",
    "encoding/json",
    "encoding/binary",
    "math",
    "math/big",
    "unicode/utf8",
    "container/list",
    "regexp",
    "bufio",
    "crypto/sha256",
    "crypto/rand",
    "compress/gzip",
    "archive/tar",
    "text/template",
    "runtime",
];

/// Version of the JSON written by [`write_reports`].
pub const SCHEMA: u32 = 1;

/// A test's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
    /// Started, never finished (the binary crashed or was killed).
    Unfinished,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
            Verdict::Unfinished => "unfinished",
        }
    }
}

/// One package on one host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackageRun {
    /// `ok`, `FAIL`, `timeout`, or `no result` (the binary never reported).
    pub status: String,
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub wall_seconds: f64,
    /// Every test and subtest by name.
    pub tests: BTreeMap<String, Verdict>,
    /// The last lines of output when the package failed without failing tests (a crash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One package on every host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackageReport {
    pub package: String,
    pub hosts: BTreeMap<String, PackageRun>,
    /// Tests whose verdicts are not the same on every host: name → host → verdict (absent:
    /// the host never ran it).
    pub differences: BTreeMap<String, BTreeMap<String, Option<Verdict>>>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StdlibReport {
    pub schema: u32,
    pub go: String,
    pub hosts: Vec<String>,
    pub generated_by: String,
    pub packages: Vec<PackageReport>,
}

/// How a host runs test binaries.
#[derive(Debug, Clone)]
pub struct ExecHost {
    pub name: String,
    /// The `-exec` value (split by `go test` like a shell would, quotes allowed).
    pub exec: String,
}

impl ExecHost {
    /// `native`, `node` or `cmd:PROGRAM`.
    pub fn from_spec(spec: &str, tc: &Toolchain) -> anyhow::Result<ExecHost> {
        let exec = match spec {
            "native" => {
                let me = std::env::current_exe().context("finding this binary for -exec")?;
                format!("{} run --dir /", quote(&me))
            }
            "node" => quote(&tc.exec_script()?),
            other => match other.strip_prefix("cmd:") {
                Some(p) => p.to_string(),
                None => anyhow::bail!("unknown host `{other}`: use native, node or cmd:PROGRAM"),
            },
        };
        Ok(ExecHost {
            name: spec.to_string(),
            exec,
        })
    }
}

fn quote(p: &Path) -> String {
    let s = p.to_string_lossy();
    if s.contains([' ', '"', '\'']) {
        format!("'{}'", s.replace('\'', "'\\''"))
    } else {
        s.into_owned()
    }
}

/// One line of `go test -json`.
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Test")]
    test: Option<String>,
    #[serde(rename = "Output")]
    output: Option<String>,
}

/// Read `go test -json` output into verdicts.
pub fn parse(json: &str, exit: &Exit, wall: Duration) -> PackageRun {
    let mut tests: BTreeMap<String, Verdict> = BTreeMap::new();
    let mut package: Option<String> = None;
    let mut tail: Vec<String> = Vec::new();
    for line in json.lines() {
        let Ok(ev) = serde_json::from_str::<Event>(line) else {
            tail.push(line.to_string());
            continue;
        };
        if let Some(o) = &ev.output {
            tail.push(o.trim_end().to_string());
        }
        if tail.len() > 40 {
            tail.drain(..tail.len() - 40);
        }
        let verdict = match ev.action.as_str() {
            "run" => Some(Verdict::Unfinished),
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "skip" => Some(Verdict::Skip),
            _ => None,
        };
        match (ev.test, verdict) {
            (Some(t), Some(v)) => {
                tests.insert(t, v);
            }
            (None, Some(v)) if v != Verdict::Unfinished => package = Some(v.word().to_string()),
            _ => {}
        }
    }
    let count = |v| tests.values().filter(|&&x| x == v).count();
    let (pass, fail, skip) = (
        count(Verdict::Pass),
        count(Verdict::Fail) + count(Verdict::Unfinished),
        count(Verdict::Skip),
    );
    let status = match (exit, package.as_deref()) {
        (Exit::Timeout, _) => "timeout".to_string(),
        (_, Some("pass")) => "ok".to_string(),
        (_, Some("skip")) => "ok (no tests)".to_string(),
        (_, Some(_)) => "FAIL".to_string(),
        (_, None) => "no result".to_string(),
    };
    let note = (status != "ok" && fail == 0).then(|| tail.join("\n"));
    PackageRun {
        status,
        pass,
        fail,
        skip,
        wall_seconds: wall.as_secs_f64(),
        tests,
        note,
    }
}

/// Run one package's tests on one host.
pub fn run_package(
    tc: &Toolchain,
    host: &ExecHost,
    package: &str,
    timeout: Duration,
) -> anyhow::Result<PackageRun> {
    let mut cmd = go_test(tc);
    cmd.args(["-json", "-count=1"])
        .arg(format!("-timeout={}s", timeout.as_secs()))
        .arg("-exec")
        .arg(&host.exec)
        .arg(package);
    let out = run_with_timeout(cmd, timeout + Duration::from_secs(120))?;
    let mut run = parse(&String::from_utf8_lossy(&out.stdout), &out.exit, out.wall);
    if run.status == "no result" {
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        run.note = Some(run.note.take().unwrap_or_default() + &tail);
    }
    Ok(run)
}

/// `go test` of `package` with an `-exec` that runs nothing: Go's build cache then holds the
/// package's compiled tests and its vet results, for every host's run alike.
fn warm_up(tc: &Toolchain, package: &str, timeout: Duration) -> anyhow::Result<()> {
    let mut cmd = go_test(tc);
    cmd.args(["-count=1", "-run=^$", "-exec", "true", package]);
    run_with_timeout(cmd, timeout)?;
    Ok(())
}

/// `go test` of the toolchain `tc` for js/wasm, options and package to follow.
fn go_test(tc: &Toolchain) -> Command {
    let mut cmd = Command::new(tc.go_binary());
    cmd.arg("test")
        .env("GOOS", "js")
        .env("GOARCH", "wasm")
        .env("GOROOT", &tc.goroot)
        .env("GOTOOLCHAIN", "local")
        // The glue's script finds node on PATH, and the toolchain's own go comes first.
        .env("PATH", path_with(&tc.goroot.join("bin")));
    cmd
}

fn path_with(first: &Path) -> std::ffi::OsString {
    let mut parts = vec![first.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        parts.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(parts).unwrap_or_default()
}

/// Tests whose verdicts differ between hosts.
pub fn differences(
    hosts: &BTreeMap<String, PackageRun>,
) -> BTreeMap<String, BTreeMap<String, Option<Verdict>>> {
    let names: BTreeSet<&String> = hosts.values().flat_map(|r| r.tests.keys()).collect();
    let mut out = BTreeMap::new();
    for name in names {
        let verdicts: BTreeMap<String, Option<Verdict>> = hosts
            .iter()
            .map(|(h, r)| (h.clone(), r.tests.get(name).copied()))
            .collect();
        let first = verdicts.values().next().copied().flatten();
        if verdicts.values().any(|v| *v != first) {
            out.insert(name.clone(), verdicts);
        }
    }
    out
}

/// Run every package on every host, printing a line per run.
pub fn run_all(
    tc: &Toolchain,
    hosts: &[ExecHost],
    packages: &[String],
    timeout: Duration,
    generated_by: &str,
) -> anyhow::Result<StdlibReport> {
    let mut reports = Vec::new();
    for (i, pkg) in packages.iter().enumerate() {
        // The first `go test` of a package compiles and vets it into Go's build cache, and the
        // host that ran first would pay for that alone.
        warm_up(tc, pkg, timeout)
            .with_context(|| format!("compiling the tests of {pkg} before timing them"))?;
        let mut runs = BTreeMap::new();
        for h in hosts {
            let r = run_package(tc, h, pkg, timeout)
                .with_context(|| format!("running the tests of {pkg} on {}", h.name))?;
            println!(
                "[{}/{}] {pkg} on {}: {} ({} pass, {} fail, {} skip) in {:.1}s",
                i + 1,
                packages.len(),
                h.name,
                r.status,
                r.pass,
                r.fail,
                r.skip,
                r.wall_seconds
            );
            runs.insert(h.name.clone(), r);
        }
        let differences = differences(&runs);
        reports.push(PackageReport {
            package: pkg.clone(),
            hosts: runs,
            differences,
        });
    }
    Ok(StdlibReport {
        schema: SCHEMA,
        go: tc.version_text.clone(),
        hosts: hosts.iter().map(|h| h.name.clone()).collect(),
        generated_by: generated_by.to_string(),
        packages: reports,
    })
}

/// The Markdown report: a row per package, then each difference.
pub fn markdown(r: &StdlibReport, explanations: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    s.push_str("# Go's standard library tests on each host\n\n");
    s.push_str(&format!(
        "Generated by `{}` with {}. Each cell: the package's verdict, tests (and subtests) \
         passed / failed / skipped, and the wall time of `go test` (compilation included).\n\n",
        r.generated_by, r.go
    ));
    if r.hosts.iter().any(|h| h == "native") {
        s.push_str(
            "`native` is `gojs-harness run --dir /`: a test binary it has not seen starts at \
             once on an interpreter (wasmi), moves to Winch code built beside it after 0.15 s \
             (at the entry of a Go function, a pause or a clock read) and to Cranelift code \
             built after a second more (at a pause or a clock read); see \
             `crates/native/src/tierup.rs`. Each test binary is new to it when the run is made \
             with an empty cache (`GOJS_NATIVE_CACHE_DIR`). Node runs V8's tiers.\n\n",
        );
    }
    s.push_str("| package |");
    for h in &r.hosts {
        s.push_str(&format!(" {h} |"));
    }
    s.push_str(" tests that differ |\n|---|");
    for _ in &r.hosts {
        s.push_str("---|");
    }
    s.push_str("---|\n");
    for p in &r.packages {
        s.push_str(&format!("| `{}` |", p.package));
        for h in &r.hosts {
            match p.hosts.get(h) {
                Some(run) => s.push_str(&format!(
                    " {} {}/{}/{} {:.1}s |",
                    run.status, run.pass, run.fail, run.skip, run.wall_seconds
                )),
                None => s.push_str(" — |"),
            }
        }
        s.push_str(&format!(" {} |\n", p.differences.len()));
    }
    s.push_str(&totals(r));
    for p in r.packages.iter().filter(|p| {
        // A package failing on every host differs in nothing, yet its failure wants
        // saying why.
        !p.differences.is_empty()
            || p.hosts
                .values()
                .any(|h| h.note.is_some() || h.status == "FAIL")
    }) {
        s.push_str(&format!("\n## `{}`\n\n", p.package));
        if let Some(why) = explanations.get(&p.package) {
            s.push_str(why.trim());
            s.push_str("\n\n");
        }
        for (name, verdicts) in &p.differences {
            let v: Vec<String> = verdicts
                .iter()
                .map(|(h, v)| format!("{h}: {}", v.map_or("not run", Verdict::word)))
                .collect();
            s.push_str(&format!("- `{name}`: {}\n", v.join(", ")));
        }
        for (h, run) in &p.hosts {
            if let Some(n) = &run.note {
                s.push_str(&format!(
                    "\n{h} ({}), last output:\n\n```text\n{}\n```\n",
                    run.status,
                    n.trim()
                ));
            }
        }
    }
    s
}

/// The packages' wall times summed per host, `runtime` aside (its tests run out of address
/// space alike everywhere and dwarf the rest), each against the first host's, and the
/// packages slower on the first host than on another.
fn totals(r: &StdlibReport) -> String {
    let counted = || r.packages.iter().filter(|p| p.package != "runtime");
    let Some(first) = r.hosts.first() else {
        return String::new();
    };
    let sum = |h: &str| -> f64 {
        counted()
            .filter_map(|p| p.hosts.get(h))
            .map(|run| run.wall_seconds)
            .sum()
    };
    let n = counted().count();
    let mut s = format!("\nThe {n} packages besides `runtime`, summed: ");
    let parts: Vec<String> = r
        .hosts
        .iter()
        .map(|h| {
            let t = sum(h);
            if h == first {
                format!("{h} {t:.1}s")
            } else {
                let ratio = if t > 0.0 { sum(first) / t } else { f64::NAN };
                format!("{h} {t:.1}s ({first} takes {ratio:.2}× {h}'s time)")
            }
        })
        .collect();
    s.push_str(&parts.join(", "));
    s.push_str(".\n");
    for h in r.hosts.iter().skip(1) {
        let slower: Vec<String> = counted()
            .filter_map(|p| {
                let (a, b) = (p.hosts.get(first)?, p.hosts.get(h)?);
                (a.wall_seconds > b.wall_seconds).then(|| {
                    format!(
                        "`{}` ({:.1}s vs {:.1}s)",
                        p.package, a.wall_seconds, b.wall_seconds
                    )
                })
            })
            .collect();
        if slower.is_empty() {
            s.push_str(&format!("No package is slower on {first} than on {h}.\n"));
        } else {
            s.push_str(&format!(
                "Slower on {first} than on {h}: {}.\n",
                slower.join(", ")
            ));
        }
    }
    s
}

/// Explanations of differences, one Markdown section per package, read from a file of
/// `## package` headings (kept by hand next to the report).
pub fn read_explanations(path: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            if let Some((k, v)) = current.take() {
                out.insert(k, v);
            }
            current = Some((h.trim().trim_matches('`').to_string(), String::new()));
        } else if let Some((_, v)) = current.as_mut() {
            v.push_str(line);
            v.push('\n');
        }
    }
    if let Some((k, v)) = current {
        out.insert(k, v);
    }
    out
}

/// Write `stdlib.md` and `stdlib.json` into `dir`; the explanations come from
/// `dir/stdlib-explained.md` when it exists.
pub fn write_reports(r: &StdlibReport, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let md = dir.join("stdlib.md");
    let json = dir.join("stdlib.json");
    let explanations = read_explanations(&dir.join("stdlib-explained.md"));
    std::fs::write(&md, markdown(r, &explanations))?;
    std::fs::write(&json, serde_json::to_string_pretty(r)? + "\n")?;
    Ok((md, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestB/sub"}
{"Action":"skip","Package":"p","Test":"TestB/sub","Elapsed":0}
{"Action":"fail","Package":"p","Test":"TestB","Elapsed":0}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p","Elapsed":0.5}
"#;

    #[test]
    fn verdicts_from_go_test_json() {
        let r = parse(SAMPLE, &Exit::Code(1), Duration::from_secs(2));
        assert_eq!(r.status, "FAIL");
        assert_eq!((r.pass, r.fail, r.skip), (1, 2, 1));
        assert_eq!(r.tests["TestC"], Verdict::Unfinished);
        assert_eq!(r.tests["TestB/sub"], Verdict::Skip);
        assert!(r.note.is_none());
    }

    #[test]
    fn a_crash_without_events_keeps_its_output() {
        let r = parse("panic: boom\n", &Exit::Code(2), Duration::ZERO);
        assert_eq!(r.status, "no result");
        assert_eq!(r.note.as_deref(), Some("panic: boom"));
    }

    #[test]
    fn differences_name_the_tests_and_hosts() {
        let a = parse(SAMPLE, &Exit::Code(1), Duration::ZERO);
        let mut b = a.clone();
        b.tests.insert("TestB".into(), Verdict::Pass);
        b.tests.remove("TestC");
        let hosts: BTreeMap<String, PackageRun> =
            [("native".to_string(), a), ("node".to_string(), b)].into();
        let d = differences(&hosts);
        assert_eq!(d.len(), 2);
        assert_eq!(d["TestB"]["node"], Some(Verdict::Pass));
        assert_eq!(d["TestC"]["node"], None);
        let md = markdown(
            &StdlibReport {
                schema: SCHEMA,
                go: "go1.x".into(),
                hosts: vec!["native".into(), "node".into()],
                generated_by: "test".into(),
                packages: vec![PackageReport {
                    package: "p".into(),
                    hosts,
                    differences: d,
                }],
            },
            &[("p".to_string(), "Because.".to_string())].into(),
        );
        assert!(
            md.contains("| `p` | FAIL 1/2/1 0.0s | FAIL 1/2/1 0.0s | 2 |"),
            "{md}"
        );
        assert!(
            md.contains("Because.") && md.contains("- `TestC`: native: unfinished, node: not run"),
            "{md}"
        );
    }

    fn run(wall: f64) -> PackageRun {
        PackageRun {
            status: "ok".into(),
            pass: 1,
            fail: 0,
            skip: 0,
            wall_seconds: wall,
            tests: BTreeMap::new(),
            note: None,
        }
    }

    /// Totals leave `runtime` out, compare each host with the first, and name the packages
    /// slower on the first.
    #[test]
    fn totals_leave_runtime_out_and_name_the_slower_packages() {
        let package = |name: &str, native: f64, node: f64| PackageReport {
            package: name.into(),
            hosts: [("native".into(), run(native)), ("node".into(), run(node))].into(),
            differences: BTreeMap::new(),
        };
        let r = StdlibReport {
            schema: 1,
            go: "go1.26.8".into(),
            hosts: vec!["native".into(), "node".into()],
            generated_by: "test".into(),
            packages: vec![
                package("strings", 4.0, 8.0),
                package("bytes", 12.0, 10.0),
                package("runtime", 500.0, 100.0),
            ],
        };
        assert_eq!(
            totals(&r),
            "\nThe 2 packages besides `runtime`, summed: native 16.0s, node 18.0s (native takes \
             0.89× node's time).\nSlower on native than on node: `bytes` (12.0s vs 10.0s).\n"
        );
    }
}
