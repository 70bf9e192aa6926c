//! Host profiles: one TOML file per host kind under `hosts/` (see `hosts/README.md`), saying
//! how to launch the host around `WASM ARGS...`, where to fetch it, what it can do, which Go
//! releases it claims and where it is known to fail. A profile is data: every profile runs
//! through the one process runner of [`crate::host::profiled`], so a host needs no Rust.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::capabilities::{Capability, KNOWN_CAPABILITIES};
use crate::version::{GoVersion, VersionRange};

/// The schema this harness reads. A profile says which one it was written for.
pub const SCHEMA: u32 = 1;

/// The placeholders a launch line may use; anything else in braces is refused, so that a
/// typo fails when the profile is read rather than as a puzzling host error.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "{bin}",
        "the fetched host's executable (needs a [fetch] section)",
    ),
    (
        "{runner}",
        "the harness's Node-style runner script (harness/src/host/node_runner.js)",
    ),
    ("{glue}", "the toolchain's wasm_exec.js (or --glue FILE)"),
    ("{goroot}", "the toolchain's GOROOT"),
    ("{wasm}", "the module to run"),
    (
        "{args}",
        "the program's arguments, one element each (a whole element of its own)",
    ),
];

/// One profile, as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub schema: u32,
    /// The host's name in trial names (`deno`); a fetched host adds `@VERSION`.
    pub name: String,
    /// One line on what the host is and how the profile runs it.
    pub about: String,
    /// The Go releases the host claims to run; trials of other releases are skipped with
    /// the reason. All releases when absent.
    pub go: Option<VersionRange>,
    /// The Go releases particular host versions claim where they differ from `go`: each key a
    /// host version or its prefix (`v1.2`), the longest matching key wins (a fetched host
    /// only).
    pub go_by_version: Option<BTreeMap<String, VersionRange>>,
    /// What the host offers (names from `capabilities.rs`); cases needing more are skipped.
    pub capabilities: Vec<String>,
    /// Where the harness gets the host; absent for a command already on the machine.
    pub fetch: Option<Fetch>,
    /// The host versions `gojs-harness hosts` judges, each a version or a prefix (`18`,
    /// `20`, ...); default: the `[fetch]` version.
    pub table: Option<Vec<String>>,
    /// The command lines, the first whose `go` covers a release used for it.
    #[serde(rename = "launch")]
    pub launches: Vec<Launch>,
    /// Where the host is known to fail, each with why.
    #[serde(default, rename = "known_failure")]
    pub known_failures: Vec<KnownFailure>,
}

/// Where a host comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    /// An npm package holding the host's executable (`@deno/linux-x64-glibc`).
    pub npm: Option<String>,
    /// Or a Go command, built with `go install PATH@VERSION` (`github.com/x/y/cmd/z`).
    pub go_install: Option<String>,
    /// The version taken when the host is named without `@VERSION`: a version, or a prefix
    /// of one (`2.9` takes the newest 2.9.x the registry serves).
    pub version: String,
    /// The executable: its path inside the npm package (`bin/node`), or the command's name.
    pub binary: String,
}

/// One command line around `WASM ARGS...`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Launch {
    /// The releases this line is for; all when absent.
    pub go: Option<VersionRange>,
    /// The program and its arguments, with the placeholders of [`PLACEHOLDERS`].
    pub command: Vec<String>,
    /// Run `{runner}` and `{glue}` from copies with this extension (`cjs`: Deno treats a
    /// `.js` file outside a `"type": "commonjs"` package as an ES module, where the glue's
    /// and the runner's `require` do not exist).
    pub script_extension: Option<String>,
}

/// A case the host is known to fail, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// A case name (`jspanic/js_error`), `*` matching any run of characters (`abi/module/*`),
    /// or a list of them (cases failing for one reason).
    pub case: CasePatterns,
    /// Only on these releases; all when absent.
    pub go: Option<VersionRange>,
    /// Only on these versions of the host (each a version or its prefix: `26`, `2.9.6`);
    /// all when absent.
    pub versions: Option<Vec<String>>,
    /// What the host does, and what the contract requires instead.
    pub reason: String,
    /// Where the failure is written up (`reports/findings/NAME.md`, or a URL).
    pub finding: Option<String>,
    /// The host fails the case on some runs only (the reason says how often, measured): a
    /// pass is then a pass, not "known failure passed".
    #[serde(default)]
    pub intermittent: bool,
}

/// One case pattern or several (`case = "fs/*"` or `case = ["a/b", "c/*"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CasePatterns {
    One(String),
    Many(Vec<String>),
}

impl CasePatterns {
    pub fn patterns(&self) -> &[String] {
        match self {
            CasePatterns::One(s) => std::slice::from_ref(s),
            CasePatterns::Many(v) => v,
        }
    }

    /// Whether any pattern matches `case`.
    pub fn matches(&self, case: &str) -> bool {
        self.patterns().iter().any(|p| glob_matches(p, case))
    }
}

impl std::fmt::Display for CasePatterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.patterns().join(", "))
    }
}

/// A loaded profile: its file, where it came from, and its capabilities as the suite names
/// them.
#[derive(Debug, Clone)]
pub struct Profile {
    pub path: PathBuf,
    pub file: ProfileFile,
    pub capabilities: BTreeSet<Capability>,
}

impl Profile {
    /// Read and check the profile at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Profile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the host profile {}", path.display()))?;
        Profile::parse(path, &text)
    }

    /// Parse and check a profile; `path` is only for messages and known-failure notes.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Profile> {
        let file: ProfileFile = toml::from_str(text)
            .with_context(|| format!("the host profile {} is not valid", path.display()))?;
        let capabilities = file
            .check()
            .with_context(|| format!("the host profile {} is not valid", path.display()))?;
        Ok(Profile {
            path: path.to_path_buf(),
            file,
            capabilities,
        })
    }

    /// The Go releases this version of the host claims (`host_version`: the fetched version;
    /// `None` for a host that fetches nothing): its `go_by_version` entry, else `go`; all
    /// releases when neither says.
    pub fn claimed(&self, host_version: Option<&str>) -> Option<&VersionRange> {
        let by_version = host_version.and_then(|hv| {
            self.file
                .go_by_version
                .as_ref()?
                .iter()
                .filter(|(sel, _)| version_matches(sel, hv))
                .max_by_key(|(sel, _)| sel.trim().len())
                .map(|(_, range)| range)
        });
        by_version.or(self.file.go.as_ref())
    }

    /// Why this version of the host does not claim `go`, if it does not.
    pub fn unclaimed(&self, go: &GoVersion, host_version: Option<&str>) -> Option<String> {
        let range = self.claimed(host_version)?;
        (!range.contains(go)).then(|| match host_version {
            Some(hv) => format!(
                "the {} profile claims go{range} for {}@{hv}, not go{go}",
                self.file.name, self.file.name
            ),
            None => format!(
                "the {} profile claims go{range}, not go{go}",
                self.file.name
            ),
        })
    }

    /// The launch line for `go`: the first whose range covers it.
    pub fn launch_for(&self, go: &GoVersion) -> Option<&Launch> {
        self.file
            .launches
            .iter()
            .find(|l| l.go.as_ref().is_none_or(|r| r.contains(go)))
    }

    /// The known failure covering `case` on `go` and this version of the host, if any.
    pub fn known_failure(
        &self,
        case: &str,
        go: &GoVersion,
        host_version: Option<&str>,
    ) -> Option<&KnownFailure> {
        self.file.known_failures.iter().find(|k| {
            k.case.matches(case)
                && k.go.as_ref().is_none_or(|r| r.contains(go))
                && k.versions.as_ref().is_none_or(|vs| {
                    host_version.is_some_and(|hv| vs.iter().any(|p| version_matches(p, hv)))
                })
        })
    }

    /// The host specs `gojs-harness hosts` judges this profile with, the profile being
    /// `hosts/STEM.toml`: `STEM@VERSION` for each version of `table` (default: the
    /// `[fetch]` version), or `STEM` for a profile that fetches nothing.
    pub fn table_specs(&self, stem: &str) -> Vec<String> {
        match (&self.file.fetch, &self.file.table) {
            (None, _) => vec![stem.to_string()],
            (Some(_), Some(t)) => t.iter().map(|v| format!("{stem}@{}", v.trim())).collect(),
            (Some(f), None) => vec![format!("{stem}@{}", f.version)],
        }
    }

    /// Whether any launch line takes its glue from the toolchain.
    pub fn uses_glue(&self) -> bool {
        self.file
            .launches
            .iter()
            .any(|l| l.command.iter().any(|a| a.contains("{glue}")))
    }

    /// Whether any launch line runs the harness's runner script.
    pub fn uses_runner(&self) -> bool {
        self.file
            .launches
            .iter()
            .any(|l| l.command.iter().any(|a| a.contains("{runner}")))
    }
}

impl ProfileFile {
    fn check(&self) -> anyhow::Result<BTreeSet<Capability>> {
        if self.schema != SCHEMA {
            bail!(
                "schema {} is not the one this harness reads ({SCHEMA}); update the profile or the harness",
                self.schema
            );
        }
        let name_ok = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok {
            bail!(
                "name `{}` must be letters, digits, `-`, `_` or `.` (it becomes part of trial names)",
                self.name
            );
        }
        if self.about.trim().is_empty() {
            bail!("`about` is empty: say in a line what the host is and how it is run");
        }
        let mut caps = BTreeSet::new();
        for c in &self.capabilities {
            match KNOWN_CAPABILITIES.iter().find(|(k, _)| k == c) {
                Some((k, _)) => {
                    caps.insert(*k);
                }
                None => {
                    let known: Vec<_> = KNOWN_CAPABILITIES.iter().map(|(c, _)| *c).collect();
                    bail!("unknown capability `{c}` (known: {})", known.join(", "));
                }
            }
        }
        if let Some(f) = &self.fetch {
            f.check()?;
        }
        match (&self.table, &self.fetch) {
            (Some(_), None) => bail!(
                "`table` lists host versions, but the profile fetches nothing, so there is only one version to judge: leave `table` out"
            ),
            (Some(t), Some(_))
                if t.is_empty() || t.iter().any(|v| v.trim().is_empty() || v.contains(',')) =>
            {
                bail!(
                    "`table` must list host versions (such as \"22\"), none empty; leave it out to judge the [fetch] version"
                )
            }
            _ => {}
        }
        if let Some(by) = &self.go_by_version {
            if self.fetch.is_none() {
                bail!(
                    "`go_by_version` names host versions, but the profile fetches nothing, so the host has no version to match: use `go`"
                );
            }
            if by.is_empty() || by.keys().any(|k| k.trim().is_empty()) {
                bail!(
                    "`go_by_version` must map host versions (such as \"v1.2\") to Go releases, none empty; leave it out to claim `go` for every version"
                );
            }
        }
        if self.launches.is_empty() {
            bail!(
                "no [[launch]]: give the command line that runs a module, as in command = [\"{{bin}}\", \"{{wasm}}\", \"{{args}}\"]"
            );
        }
        for (i, l) in self.launches.iter().enumerate() {
            l.check(self.fetch.is_some())
                .with_context(|| format!("[[launch]] #{}", i + 1))?;
        }
        for (i, k) in self.known_failures.iter().enumerate() {
            let what = format!("[[known_failure]] #{} (case `{}`)", i + 1, k.case);
            let pats = k.case.patterns();
            if pats.is_empty() || pats.iter().any(|p| p.trim().is_empty()) {
                bail!(
                    "{what} needs a `case`: a case name or a pattern with `*` (or a list of them), none empty"
                );
            }
            if k.reason.trim().is_empty() {
                bail!(
                    "{what} needs a `reason`: what the host does, and what the contract requires"
                );
            }
            if k.versions.is_some() && self.fetch.is_none() {
                bail!(
                    "{what} names host `versions`, but the profile fetches nothing, so the host has no version to match"
                );
            }
            if k.versions.as_ref().is_some_and(|v| v.is_empty()) {
                bail!("{what} has an empty `versions`: leave it out to cover every version");
            }
        }
        Ok(caps)
    }
}

impl Fetch {
    fn check(&self) -> anyhow::Result<()> {
        match (&self.npm, &self.go_install) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => bail!(
                "[fetch] names exactly one source: `npm` (a package) or `go_install` (a Go command path)"
            ),
        }
        if self.version.trim().is_empty() {
            bail!("[fetch] needs a `version` (a version, or a prefix such as `2.9`)");
        }
        if self.binary.trim().is_empty() || self.binary.contains("..") {
            bail!("[fetch] `binary` must be the executable's path inside the package");
        }
        Ok(())
    }
}

impl Launch {
    fn check(&self, fetched: bool) -> anyhow::Result<()> {
        if self.command.is_empty() {
            bail!("`command` is empty");
        }
        let mut wasm = false;
        let mut args = 0;
        for arg in &self.command {
            let mut rest = arg.as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').with_context(|| {
                    format!("`{arg}` opens a placeholder with `{{` and never closes it")
                })?;
                let ph = &rest[open..open + close + 1];
                if !PLACEHOLDERS.iter().any(|(p, _)| *p == ph) {
                    let known: Vec<_> = PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
                    bail!(
                        "unknown placeholder `{ph}` in `{arg}` (known: {})",
                        known.join(", ")
                    );
                }
                match ph {
                    "{wasm}" => wasm = true,
                    "{args}" => {
                        if arg != "{args}" {
                            bail!(
                                "`{{args}}` stands for several arguments, so it must be an element of its own, not part of `{arg}`"
                            );
                        }
                        args += 1;
                    }
                    "{bin}" if !fetched => bail!(
                        "`{{bin}}` is the fetched executable, but the profile has no [fetch]: name the program itself"
                    ),
                    _ => {}
                }
                rest = &rest[open + close + 1..];
            }
        }
        if !wasm {
            bail!("`command` never passes the module: put `{{wasm}}` where it goes");
        }
        if args != 1 {
            bail!(
                "`command` must pass the program's arguments exactly once, as the element `{{args}}` (found {args})"
            );
        }
        if let Some(ext) = &self.script_extension
            && (ext.is_empty() || !ext.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            bail!(
                "`script_extension` `{ext}` must be letters or digits, without the dot (as in \"cjs\")"
            );
        }
        Ok(())
    }

    /// The command line for one run: every placeholder replaced, `{args}` spread.
    pub fn command_line(&self, vars: &LaunchVars, args: &[String]) -> Vec<OsString> {
        let mut out = Vec::new();
        for a in &self.command {
            if a == "{args}" {
                out.extend(args.iter().map(OsString::from));
                continue;
            }
            let mut s = a.clone();
            for (ph, value) in [
                ("{bin}", &vars.bin),
                ("{runner}", &vars.runner),
                ("{glue}", &vars.glue),
                ("{goroot}", &vars.goroot),
                ("{wasm}", &Some(vars.wasm.clone())),
            ] {
                if let Some(v) = value {
                    s = s.replace(ph, &v.to_string_lossy());
                }
            }
            out.push(OsString::from(s));
        }
        out
    }
}

/// What the placeholders of a launch line stand for in one run (`None`: not needed by it).
#[derive(Debug, Clone, Default)]
pub struct LaunchVars {
    pub bin: Option<PathBuf>,
    pub runner: Option<PathBuf>,
    pub glue: Option<PathBuf>,
    pub goroot: Option<PathBuf>,
    pub wasm: PathBuf,
}

/// `pattern` against `text`, `*` matching any run of characters (`/` included).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    // Both checks first, so that the slice below falls on character boundaries.
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `version` is `selector` or starts with it at a dot: `22` covers `22.23.5`, not
/// `220.1.0`.
pub fn version_matches(selector: &str, version: &str) -> bool {
    let selector = selector.trim().trim_start_matches('v');
    let version = version.trim_start_matches('v');
    version == selector
        || version
            .strip_prefix(selector)
            .is_some_and(|r| r.starts_with('.'))
}

/// The built-in hosts `gojs-harness hosts` judges before the profiles: the native host and
/// headless Chromium (`browser`, whose trials are skipped with the reason where Chromium
/// cannot start). `node` alone is the reference host the profiles are compared with; its
/// profile (`node@VERSION`) stands for it in the table.
pub const TABLE_BUILTINS: &[&str] = &["native", "browser"];

/// The hosts of `gojs-harness hosts`: [`TABLE_BUILTINS`], then each profile of `dir` at each
/// version its `table` lists ([`Profile::table_specs`]), profiles in file-name order.
pub fn table_hosts(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut specs: Vec<String> = TABLE_BUILTINS.iter().map(|h| h.to_string()).collect();
    for name in names_in(dir) {
        let profile = Profile::load(&dir.join(format!("{name}.toml")))?;
        specs.extend(profile.table_specs(&name));
    }
    Ok(specs)
}

/// The profiles under `dir`, by file name: `hosts/deno.toml` is `deno`.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension().is_some_and(|x| x == "toml"))
                .then(|| p.file_stem()?.to_str().map(String::from))
                .flatten()
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests;
