//! The case format: one TOML file per case under `cases/`, its expectations, the per-release
//! overrides and the per-host expected failures. See `cases/README.md` for the user's view.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::capabilities::KNOWN_CAPABILITIES;
use crate::matcher::Matcher;
use crate::version::{GoVersion, VersionRange};
use gojs_synth::ModuleSpec;

/// The schema this harness reads. A case file says which one it was written for.
pub const SCHEMA: u32 = 1;

/// One case, as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub schema: u32,
    /// The contract point checked: a `syscall/js` doc entry, a glue behaviour, a section of
    /// the reference notes. Shown with every failure.
    pub contract: String,
    /// The Go program, a directory of `goprograms/`.
    pub program: Option<String>,
    /// Or a module synthesized from a description (see `gojs_synth::spec`).
    pub module: Option<ModuleSpec>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Capabilities the case needs; on a host without one of them the case is skipped.
    #[serde(default)]
    pub needs: Vec<String>,
    /// The releases the case applies to; others skip it.
    pub go: Option<VersionRange>,
    /// Seconds before the host is killed.
    pub timeout: Option<u64>,
    pub expect: ExpectFields,
    /// Overrides for some releases, applied in order over `expect`.
    #[serde(default, rename = "version")]
    pub versions: Vec<Override>,
    /// Where hosts may rightly differ (e.g. the words of an error), each host's own
    /// expectation, applied after the `[[version]]` overrides.
    #[serde(default, rename = "host")]
    pub hosts: Vec<Override>,
    /// Other outcomes the contract also allows (e.g. refusing a malformed module up front,
    /// or running it until it breaks), each applied over the host's expectation. A trial
    /// passes when it matches the expectation or any of these.
    #[serde(default)]
    pub also: Vec<Override>,
    /// Hosts on which the case is known to fail, each with why.
    #[serde(default)]
    pub xfail: Vec<ExpectedFailure>,
}

/// The expected result; every field may be overridden per release.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFields {
    pub exit: Option<i32>,
    pub stdout: Option<String>,
    pub stdout_pattern: Option<String>,
    pub stderr: Option<String>,
    pub stderr_pattern: Option<String>,
}

/// A `[[version]]` (keyed by `go`) or `[[host]]` (keyed by `name`, optionally also by `go`)
/// entry: the expectation fields it replaces, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// `[[host]]` only: a host name, a prefix ending in `*`, or a list of them.
    pub name: Option<HostNames>,
    /// The releases it covers; required in `[[version]]`, all releases when absent in `[[host]]`.
    pub go: Option<VersionRange>,
    /// Why this release or host differs (the change in Go or the glue; for a host, which
    /// behaviour the contract supports).
    pub why: String,
    // Spelled out rather than flattened: serde cannot refuse unknown fields through flatten.
    pub exit: Option<i32>,
    pub stdout: Option<String>,
    pub stdout_pattern: Option<String>,
    pub stderr: Option<String>,
    pub stderr_pattern: Option<String>,
}

/// One host pattern or several (`name = "node"` or `name = ["node", "cmd:go_js_wasm_exec"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HostNames {
    One(String),
    Many(Vec<String>),
}

impl HostNames {
    pub fn patterns(&self) -> &[String] {
        match self {
            HostNames::One(s) => std::slice::from_ref(s),
            HostNames::Many(v) => v,
        }
    }

    pub fn matches(&self, host: &str) -> bool {
        self.patterns().iter().any(|p| host_matches(p, host))
    }
}

impl std::fmt::Display for HostNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.patterns().join(", "))
    }
}

impl Override {
    pub fn fields(&self) -> ExpectFields {
        ExpectFields {
            exit: self.exit,
            stdout: self.stdout.clone(),
            stdout_pattern: self.stdout_pattern.clone(),
            stderr: self.stderr.clone(),
            stderr_pattern: self.stderr_pattern.clone(),
        }
    }

    /// Whether the entry covers this host (a `[[version]]` covers every host) and release.
    pub fn applies(&self, host: &str, go: &GoVersion) -> bool {
        self.name.as_ref().is_none_or(|n| n.matches(host))
            && self.go.as_ref().is_none_or(|r| r.contains(go))
    }

    fn check(&self, what: &str) -> anyhow::Result<()> {
        self.fields().check(what)?;
        if self.why.trim().is_empty() {
            bail!("{what} needs a `why`");
        }
        Ok(())
    }
}

/// `pattern` is a host name, or a prefix ending in `*`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => host.starts_with(prefix),
        None => host == pattern,
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFailure {
    /// A host name, or a prefix ending in `*` such as `cmd:*`.
    pub host: String,
    /// Only these releases; all when absent.
    pub go: Option<VersionRange>,
    pub reason: String,
    /// The failure shows on some runs only (a race that load makes likely), so a pass says
    /// nothing against the record.
    #[serde(default)]
    pub intermittent: bool,
}

/// A loaded case: its file, and the name trials use.
#[derive(Debug, Clone)]
pub struct Case {
    /// Path under `cases/` without `.toml`, e.g. `exit/os_exit_3`.
    pub name: String,
    pub path: PathBuf,
    pub file: CaseFile,
    /// Set for a real program's input (`real/`): judged against its Linux build, not by
    /// `file.expect`.
    pub real: Option<crate::real::RealInput>,
}

/// What one release must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub exit: i32,
    pub stdout: Matcher,
    pub stderr: Matcher,
}

impl ExpectFields {
    fn check(&self, what: &str) -> anyhow::Result<()> {
        if self.stdout.is_some() && self.stdout_pattern.is_some() {
            bail!("{what} sets both stdout and stdout_pattern; keep one");
        }
        if self.stderr.is_some() && self.stderr_pattern.is_some() {
            bail!("{what} sets both stderr and stderr_pattern; keep one");
        }
        Ok(())
    }

    fn apply(&self, onto: &mut Expectation) {
        if let Some(e) = self.exit {
            onto.exit = e;
        }
        if let Some(s) = &self.stdout {
            onto.stdout = Matcher::Exact(s.clone());
        }
        if let Some(s) = &self.stdout_pattern {
            onto.stdout = Matcher::Pattern(s.clone());
        }
        if let Some(s) = &self.stderr {
            onto.stderr = Matcher::Exact(s.clone());
        }
        if let Some(s) = &self.stderr_pattern {
            onto.stderr = Matcher::Pattern(s.clone());
        }
    }
}

impl Case {
    /// Parse and check one case; `name` is its path under `cases/`.
    pub fn parse(name: &str, path: &Path, text: &str) -> anyhow::Result<Case> {
        let file: CaseFile = toml::from_str(text).with_context(|| format!("{}", path.display()))?;
        let case = Case {
            name: name.to_string(),
            path: path.to_path_buf(),
            file,
            real: None,
        };
        case.check()
            .with_context(|| format!("{}", path.display()))?;
        Ok(case)
    }

    fn check(&self) -> anyhow::Result<()> {
        let f = &self.file;
        if f.schema != SCHEMA {
            bail!(
                "schema {} is not the one this harness reads ({SCHEMA}); update the case or the harness",
                f.schema
            );
        }
        if f.contract.trim().is_empty() {
            bail!("`contract` is empty: name the contract point the case checks");
        }
        if f.expect.exit.is_none() {
            bail!("[expect] needs `exit`");
        }
        f.expect.check("[expect]")?;
        for (i, v) in f.versions.iter().enumerate() {
            let what = format!("[[version]] #{}", i + 1);
            v.check(&what)?;
            if v.go.is_none() || v.name.is_some() {
                bail!("{what} needs a `go` range and no `name` (a host's entry is a [[host]])");
            }
        }
        for need in &f.needs {
            if !KNOWN_CAPABILITIES.iter().any(|(c, _)| c == need) {
                let known: Vec<_> = KNOWN_CAPABILITIES.iter().map(|(c, _)| *c).collect();
                bail!(
                    "unknown capability `{need}` in needs (known: {})",
                    known.join(", ")
                );
            }
        }
        for (i, h) in f.hosts.iter().enumerate() {
            let what = format!("[[host]] #{}", i + 1);
            h.check(&what)?;
            if h.name.is_none() {
                bail!("{what} needs a `name`");
            }
        }
        for (i, a) in f.also.iter().enumerate() {
            let what = format!("[[also]] #{}", i + 1);
            a.check(&what)?;
            if a.name.is_some() {
                bail!(
                    "{what} has a `name`: an outcome the contract allows is allowed on every host (a host's own expectation is a [[host]])"
                );
            }
        }
        for x in &f.xfail {
            if x.reason.trim().is_empty() {
                bail!("[[xfail]] for host `{}` needs a `reason`", x.host);
            }
        }
        match (&f.program, &f.module) {
            (Some(p), None) => {
                if p.contains("..") || p.starts_with('/') {
                    bail!("program `{p}` must name a directory inside goprograms/");
                }
            }
            (None, Some(m)) => m.check().context("[module]")?,
            _ => {
                bail!("a case runs either a `program` or a synthesized [module]: give exactly one")
            }
        }
        Ok(())
    }

    /// The expectation for one host and release: `expect`, then every matching `[[version]]`,
    /// then every matching `[[host]]`, in order.
    pub fn expectation_for(&self, host: &str, go: &GoVersion) -> Expectation {
        let mut e = self.expectation(go);
        for h in &self.file.hosts {
            if h.applies(host, go) {
                h.fields().apply(&mut e);
            }
        }
        e
    }

    /// Every outcome a host may produce on a release: its expectation first, then each
    /// `[[also]]` that covers the release, applied over it.
    pub fn acceptable_for(&self, host: &str, go: &GoVersion) -> Vec<Expectation> {
        let first = self.expectation_for(host, go);
        let mut all = vec![first.clone()];
        for a in &self.file.also {
            if a.applies(host, go) {
                let mut e = first.clone();
                a.fields().apply(&mut e);
                all.push(e);
            }
        }
        all
    }

    /// The expectation for one release on any host without a `[[host]]` entry.
    pub fn expectation(&self, go: &GoVersion) -> Expectation {
        let mut e = Expectation {
            exit: 0,
            stdout: Matcher::Exact(String::new()),
            stderr: Matcher::Exact(String::new()),
        };
        self.file.expect.apply(&mut e);
        for v in &self.file.versions {
            if v.applies("", go) {
                v.fields().apply(&mut e);
            }
        }
        e
    }

    /// What the case runs, for reports: `goprograms/NAME ARGS` or `synthesized module`.
    pub fn subject(&self) -> String {
        if let Some(r) = &self.real {
            return format!(
                "{} {}",
                r.program.file.source.describe(),
                self.file.args.join(" ")
            )
            .trim_end()
            .to_string();
        }
        match &self.file.program {
            Some(p) => format!("goprograms/{p} {}", self.file.args.join(" "))
                .trim_end()
                .to_string(),
            None => "a synthesized module".to_string(),
        }
    }

    /// Whether the case needs a Go toolchain to build what it runs.
    pub fn needs_go(&self) -> bool {
        self.file.program.is_some() || self.real.as_ref().is_some_and(|r| r.needs_go())
    }

    /// Whether this case applies to a release at all.
    pub fn applies_to(&self, go: &GoVersion) -> bool {
        self.file.go.as_ref().is_none_or(|r| r.contains(go))
    }

    /// The reason this case is expected to fail on a host and release, if it is.
    pub fn expected_failure(&self, host: &str, go: &GoVersion) -> Option<&str> {
        self.xfail_for(host, go).map(|x| x.reason.as_str())
    }

    /// The `[[xfail]]` that applies to a host and release, if one does.
    pub fn xfail_for(&self, host: &str, go: &GoVersion) -> Option<&ExpectedFailure> {
        self.file
            .xfail
            .iter()
            .find(|x| host_matches(&x.host, host) && x.go.as_ref().is_none_or(|r| r.contains(go)))
    }
}

/// Every case under `dir`, sorted by name.
pub fn load_all(dir: &Path) -> anyhow::Result<Vec<Case>> {
    let mut files = Vec::new();
    collect(dir, &mut files).with_context(|| format!("reading the cases in {}", dir.display()))?;
    files.sort();
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let name = rel.with_extension("").to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        match Case::parse(&name, &path, &text) {
            Ok(c) => cases.push(c),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} case file(s) are invalid:\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    Ok(cases)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
schema = 1
contract = "runtime.wasmExit"
program = "exit"
args = ["3"]
[expect]
exit = 3
stdout = "before exit\n"
"#;

    fn parse(text: &str) -> anyhow::Result<Case> {
        Case::parse(
            "exit/os_exit_3",
            Path::new("cases/exit/os_exit_3.toml"),
            text,
        )
    }

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn defaults_are_empty_output() {
        let c = parse(BASE).unwrap();
        let e = c.expectation(&v("1.26.8"));
        assert_eq!(e.exit, 3);
        assert_eq!(e.stdout, Matcher::Exact("before exit\n".into()));
        assert_eq!(e.stderr, Matcher::Exact(String::new()));
    }

    #[test]
    fn unknown_fields_and_wrong_schema_are_refused() {
        let e = parse(&BASE.replace("args =", "argz =")).unwrap_err();
        assert!(format!("{e:#}").contains("unknown field `argz`"), "{e:#}");
        let e = parse(&BASE.replace("schema = 1", "schema = 2")).unwrap_err();
        assert!(format!("{e:#}").contains("schema 2"), "{e:#}");
        let e = parse(&BASE.replace("exit = 3", "")).unwrap_err();
        assert!(format!("{e:#}").contains("needs `exit`"), "{e:#}");
        let e = parse(&format!("{BASE}stdout_pattern = \"x\"\n")).unwrap_err();
        assert!(
            format!("{e:#}").contains("both stdout and stdout_pattern"),
            "{e:#}"
        );
        let e = parse(&BASE.replace("program = \"exit\"", "program = \"../x\"")).unwrap_err();
        assert!(format!("{e:#}").contains("inside goprograms"), "{e:#}");
        let e = parse(&format!("{BASE}[[version]]\ngo = \"1.2x\"\nwhy = \"w\"\n")).unwrap_err();
        assert!(format!("{e:#}").contains("1.2x"), "{e:#}");
        let e = parse(&format!(
            "{BASE}[[version]]\ngo = \"1.21\"\nwhy = \"w\"\nexitt = 1\n"
        ))
        .unwrap_err();
        assert!(format!("{e:#}").contains("unknown field `exitt`"), "{e:#}");
    }

    #[test]
    fn version_overrides_apply_in_order_to_their_releases_only() {
        let text = format!(
            "{BASE}[[version]]\ngo = \"<1.22\"\nwhy = \"old text\"\nstderr_pattern = \"an [..]\"\n\
             [[version]]\ngo = \"<1.21\"\nwhy = \"older\"\nexit = 4\n"
        );
        let c = parse(&text).unwrap();
        let new = c.expectation(&v("1.22.10"));
        assert_eq!(new.stderr, Matcher::Exact(String::new()));
        assert_eq!(new.exit, 3);
        let mid = c.expectation(&v("1.21.13"));
        assert_eq!(mid.stderr, Matcher::Pattern("an [..]".into()));
        assert_eq!(mid.exit, 3);
        let old = c.expectation(&v("1.19.8"));
        assert_eq!(old.exit, 4);
        assert_eq!(old.stderr, Matcher::Pattern("an [..]".into()));
        // Overrides leave what they do not name alone.
        assert_eq!(old.stdout, Matcher::Exact("before exit\n".into()));
    }

    #[test]
    fn expected_failures_match_host_and_release() {
        let text = format!(
            "{BASE}[[xfail]]\nhost = \"cmd:*\"\nreason = \"r1\"\n\
             [[xfail]]\nhost = \"native\"\ngo = \">=1.24\"\nreason = \"r2\"\n"
        );
        let c = parse(&text).unwrap();
        assert_eq!(
            c.expected_failure("cmd:go_js_wasm_exec", &v("1.19")),
            Some("r1")
        );
        assert_eq!(c.expected_failure("native", &v("1.24.11")), Some("r2"));
        assert_eq!(c.expected_failure("native", &v("1.23.9")), None);
        assert_eq!(c.expected_failure("node", &v("1.26")), None);
        let e = parse(&format!(
            "{BASE}[[xfail]]\nhost = \"node\"\nreason = \" \"\n"
        ))
        .unwrap_err();
        assert!(format!("{e:#}").contains("needs a `reason`"), "{e:#}");
    }

    #[test]
    fn also_lists_other_allowed_outcomes_over_the_hosts_expectation() {
        let text = format!(
            "{BASE}[[host]]\nname = \"node\"\nwhy = \"w\"\nstderr_pattern = \"[..]\\n\"\n\
             [[also]]\nwhy = \"refused up front\"\nexit = 1\nstdout = \"\"\n\
             [[also]]\ngo = \">=1.24\"\nwhy = \"newer only\"\nexit = 2\n"
        );
        let c = parse(&text).unwrap();
        let old = c.acceptable_for("node", &v("1.21.13"));
        assert_eq!(old.len(), 2);
        assert_eq!(old[0], c.expectation_for("node", &v("1.21.13")));
        assert_eq!(old[1].exit, 1);
        assert_eq!(old[1].stdout, Matcher::Exact(String::new()));
        assert_eq!(
            old[1].stderr,
            Matcher::Pattern("[..]\n".into()),
            "an alternative applies over the host's own expectation"
        );
        assert_eq!(c.acceptable_for("native", &v("1.26.8")).len(), 3);
        let e = parse(&format!(
            "{BASE}[[also]]\nname = \"node\"\nwhy = \"w\"\nexit = 1\n"
        ))
        .unwrap_err();
        assert!(format!("{e:#}").contains("has a `name`"), "{e:#}");
        let e = parse(&format!("{BASE}[[also]]\nwhy = \"\"\nexit = 1\n")).unwrap_err();
        assert!(format!("{e:#}").contains("needs a `why`"), "{e:#}");
    }

    #[test]
    fn host_overrides_apply_last_and_only_to_their_host() {
        let text = format!(
            "{BASE}[[version]]\ngo = \"<1.22\"\nwhy = \"old\"\nexit = 4\n\
             [[host]]\nname = \"native\"\nwhy = \"one clear line\"\nstderr_pattern = \"gojs: [..]\\n\"\n\
             [[host]]\nname = [\"x\", \"cmd:*\"]\ngo = \">=1.24\"\nwhy = \"w\"\nexit = 9\n"
        );
        let c = parse(&text).unwrap();
        let native = c.expectation_for("native", &v("1.19.8"));
        assert_eq!(native.exit, 4, "version overrides still apply");
        assert_eq!(native.stderr, Matcher::Pattern("gojs: [..]\n".into()));
        assert_eq!(
            c.expectation_for("node", &v("1.19.8")).stderr,
            Matcher::Exact(String::new())
        );
        assert_eq!(c.expectation_for("cmd:x", &v("1.24.1")).exit, 9);
        assert_eq!(c.expectation_for("cmd:x", &v("1.23.1")).exit, 3);
        let e = parse(&format!("{BASE}[[host]]\nname = \"node\"\nwhy = \"\"\n")).unwrap_err();
        assert!(format!("{e:#}").contains("needs a `why`"), "{e:#}");
        let e = parse(&format!("{BASE}[[host]]\nwhy = \"w\"\nexit = 1\n")).unwrap_err();
        assert!(format!("{e:#}").contains("needs a `name`"), "{e:#}");
        let e = parse(&format!(
            "{BASE}[[version]]\nname = \"node\"\ngo = \"1.21\"\nwhy = \"w\"\n"
        ))
        .unwrap_err();
        assert!(format!("{e:#}").contains("no `name`"), "{e:#}");
        let e = parse(&format!("{BASE}[[version]]\nwhy = \"w\"\n")).unwrap_err();
        assert!(format!("{e:#}").contains("needs a `go` range"), "{e:#}");
    }

    #[test]
    fn capabilities_must_be_known_and_ranges_limit_releases() {
        let e = parse(&BASE.replace("args", "needs = [\"teleport\"]\nargs")).unwrap_err();
        assert!(
            format!("{e:#}").contains("unknown capability `teleport`"),
            "{e:#}"
        );
        let c = parse(&BASE.replace("args", "go = \">=1.21\"\nargs")).unwrap();
        assert!(c.applies_to(&v("1.21.0")));
        assert!(!c.applies_to(&v("1.19.8")));
    }
}
