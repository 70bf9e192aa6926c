//! The format of `real/NAME.toml`: where a real program comes from (pinned by version and
//! checksum), the inputs it runs on, and what may legitimately differ from its Linux build.
//! See `real/README.md` for the user's view.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::capabilities::KNOWN_CAPABILITIES;
use crate::case::ExpectedFailure;
use crate::version::VersionRange;

/// The schema this harness reads.
pub const SCHEMA: u32 = 1;

/// One program, as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramFile {
    pub schema: u32,
    /// What the program is, shown with every failure.
    pub about: String,
    pub source: Source,
    /// The releases the program's trials run on; others skip them.
    pub go: Option<VersionRange>,
    /// Seconds before a host (or the Linux build) is killed. Default: 120.
    pub timeout: Option<u64>,
    /// Capabilities every input needs beyond `fs`, `exit-code` and `stderr`.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Differences from Linux that hold for every input.
    #[serde(default)]
    pub differs: Vec<Difference>,
    #[serde(rename = "input")]
    pub inputs: Vec<Input>,
    /// Hosts on which the program is known to fail, each with why.
    #[serde(default)]
    pub xfail: Vec<ExpectedFailure>,
}

/// Where the program comes from. Exactly one of `module`, `main`, `toolchain` or `npm`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A Go module holding the main package: `github.com/itchyny/gojq`.
    pub module: Option<String>,
    /// `module`'s (or `npm`'s) version: `v0.12.17`, `0.28.2`.
    pub version: Option<String>,
    /// `module`'s checksum as go.sum records it (`h1:...`), checked by the go command.
    pub sum: Option<String>,
    /// The main package to build (default: the module itself).
    pub package: Option<String>,
    /// A directory of `real/` holding a `main.go` of ours around a library (`goldmark`).
    pub main: Option<String>,
    /// The modules `main` imports, each `{ module, version, sum }`.
    #[serde(default)]
    pub requires: Vec<Require>,
    /// A command of the toolchain itself, built from its GOROOT: `cmd/gofmt`.
    pub toolchain: Option<String>,
    /// An npm package shipping a prebuilt js/wasm module: `esbuild-wasm`.
    pub npm: Option<String>,
    /// The tarball's `integrity` (sha512) as the registry lists it.
    pub integrity: Option<String>,
    /// The module's path inside the package: `esbuild.wasm`.
    pub wasm: Option<String>,
    /// The prebuilt program's Linux build, the oracle: another npm package of the same
    /// version and Go release.
    pub oracle: Option<NpmOracle>,
    /// Modules required on some releases only, over `module`'s own requirements (a
    /// dependency version that newer Go releases need), each with why.
    #[serde(default, rename = "release", skip_serializing)]
    pub releases: Vec<ReleaseRequires>,
}

/// `[[source.release]]`: more requirements for the releases in `go`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequires {
    pub go: VersionRange,
    pub why: String,
    pub requires: Vec<Require>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Require {
    pub module: String,
    pub version: String,
    pub sum: String,
}

/// The Linux build of a prebuilt npm program.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NpmOracle {
    pub npm: String,
    pub version: String,
    pub integrity: String,
    /// The executable inside the package: `bin/esbuild`.
    pub binary: String,
}

/// One input: a run of the program in a fresh working directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The trial's last name component: `real/esbuild/NAME`.
    pub name: String,
    /// What the input exercises.
    pub about: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Files created in the working directory first: path → contents.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Files copied from the trial's GOROOT into the working directory: path → GOROOT path
    /// (real Go sources, such as `src/fmt/print.go`).
    #[serde(default)]
    pub goroot_files: BTreeMap<String, String>,
    /// Whether stderr is compared (`true`, the default) or left out, with `stderr_why`.
    #[serde(default = "yes")]
    pub stderr: bool,
    pub stderr_why: Option<String>,
    /// Differences from Linux for this input only.
    #[serde(default)]
    pub differs: Vec<Difference>,
    /// Hosts on which this input is known to fail, each with why.
    #[serde(default)]
    pub xfail: Vec<ExpectedFailure>,
}

fn yes() -> bool {
    true
}

/// A legitimate difference between GOOS=js and GOOS=linux: text matching `pattern` (a
/// regular expression) is replaced by `replace` in both outcomes before they are compared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    pub why: String,
    pub pattern: String,
    #[serde(default)]
    pub replace: String,
    /// Where: `stdout`, `stderr`, `files` (the written files' contents). Default: all three.
    #[serde(default)]
    pub r#in: Vec<String>,
}

impl Difference {
    pub fn applies_to(&self, stream: &str) -> bool {
        self.r#in.is_empty() || self.r#in.iter().any(|s| s == stream)
    }
}

/// The kind of source, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Module,
    Main(PathBuf),
    Toolchain,
    Npm,
}

impl ProgramFile {
    pub fn parse(path: &Path, text: &str, real_dir: &Path) -> anyhow::Result<ProgramFile> {
        let file: ProgramFile =
            toml::from_str(text).with_context(|| format!("{}", path.display()))?;
        file.check(real_dir)
            .with_context(|| format!("{}", path.display()))?;
        Ok(file)
    }

    fn check(&self, real_dir: &Path) -> anyhow::Result<()> {
        if self.schema != SCHEMA {
            bail!(
                "schema {} is not the one this harness reads ({SCHEMA}); update the file or the harness",
                self.schema
            );
        }
        if self.about.trim().is_empty() {
            bail!("`about` is empty: say what the program is");
        }
        self.source.kind(real_dir)?;
        if self.inputs.is_empty() {
            bail!("the program has no [[input]]: give it at least one");
        }
        let mut names = std::collections::BTreeSet::new();
        for i in &self.inputs {
            if !names.insert(i.name.as_str()) {
                bail!("two inputs are named `{}`", i.name);
            }
            if i.name.is_empty() || i.name.contains(['/', ' ']) {
                bail!(
                    "input name `{}` must be one word without `/` or spaces",
                    i.name
                );
            }
            if !i.stderr && i.stderr_why.as_deref().is_none_or(|w| w.trim().is_empty()) {
                bail!(
                    "input `{}` leaves stderr out: say why in `stderr_why`",
                    i.name
                );
            }
            for f in i.files.keys().chain(i.goroot_files.keys()) {
                let p = Path::new(f);
                if p.is_absolute()
                    || p.components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    bail!(
                        "input `{}`: file `{f}` must be a relative path inside the working directory",
                        i.name
                    );
                }
            }
        }
        for d in self
            .differs
            .iter()
            .chain(self.inputs.iter().flat_map(|i| &i.differs))
        {
            if d.why.trim().is_empty() {
                bail!("a [[differs]] with pattern `{}` needs a `why`", d.pattern);
            }
            regex::Regex::new(&d.pattern)
                .with_context(|| format!("[[differs]] pattern `{}`", d.pattern))?;
            for s in &d.r#in {
                if !["stdout", "stderr", "files"].contains(&s.as_str()) {
                    bail!("[[differs]] `in` names `{s}`: use stdout, stderr or files");
                }
            }
        }
        for need in &self.needs {
            if !KNOWN_CAPABILITIES.iter().any(|(c, _)| c == need) {
                bail!("unknown capability `{need}` in needs");
            }
        }
        Ok(())
    }
}

impl Source {
    /// Which kind of source this is, or what is missing.
    pub fn kind(&self, real_dir: &Path) -> anyhow::Result<SourceKind> {
        let given = [
            self.module.is_some(),
            self.main.is_some(),
            self.toolchain.is_some(),
            self.npm.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            bail!("[source] needs exactly one of `module`, `main`, `toolchain` or `npm`");
        }
        if self.module.is_some() {
            match (&self.version, &self.sum) {
                (Some(_), Some(s)) if s.starts_with("h1:") => {}
                _ => bail!(
                    "[source] module needs `version` and `sum` (the h1: line of go.sum: \
                     `go mod download -json MODULE@VERSION` prints it as Sum)"
                ),
            }
            for r in self
                .releases
                .iter()
                .flat_map(|r| &r.requires)
                .chain(&self.requires)
            {
                if !r.sum.starts_with("h1:") {
                    bail!("requirement {}: `sum` must be go.sum's h1: line", r.module);
                }
            }
            if self.releases.iter().any(|r| r.why.trim().is_empty()) {
                bail!("every [[source.release]] needs a `why`");
            }
            return Ok(SourceKind::Module);
        }
        if let Some(main) = &self.main {
            let dir = real_dir.join(main);
            if !dir.join("main.go").is_file() {
                bail!("[source] main: {} has no main.go", dir.display());
            }
            for r in &self.requires {
                if !r.sum.starts_with("h1:") {
                    bail!(
                        "[[source.requires]] {}: `sum` must be go.sum's h1: line",
                        r.module
                    );
                }
            }
            return Ok(SourceKind::Main(dir));
        }
        if let Some(cmd) = &self.toolchain {
            if !cmd.starts_with("cmd/") {
                bail!("[source] toolchain names a command of the toolchain, as in cmd/gofmt");
            }
            return Ok(SourceKind::Toolchain);
        }
        match (&self.version, &self.integrity, &self.wasm, &self.oracle) {
            (Some(_), Some(i), Some(_), Some(o))
                if i.starts_with("sha512-") && o.integrity.starts_with("sha512-") =>
            {
                Ok(SourceKind::Npm)
            }
            _ => bail!(
                "[source] npm needs `version`, `integrity` (sha512-..., `npm view PACKAGE@VERSION \
                 dist.integrity`), `wasm` and an [source.oracle] naming the Linux build's package"
            ),
        }
    }

    /// Every module to require on release `go`: the source's own, then the release's.
    pub fn requires_on(&self, go: &crate::version::GoVersion) -> Vec<Require> {
        let mut out = Vec::new();
        if let (Some(m), Some(v), Some(s)) = (&self.module, &self.version, &self.sum) {
            out.push(Require {
                module: m.clone(),
                version: v.clone(),
                sum: s.clone(),
            });
        }
        out.extend(self.requires.iter().cloned());
        for r in self.releases.iter().filter(|r| r.go.contains(go)) {
            out.extend(r.requires.iter().cloned());
        }
        out
    }

    /// How the program is named in reports: `github.com/itchyny/gojq@v0.12.17`.
    pub fn describe(&self) -> String {
        if let Some(m) = &self.module {
            let pkg = self.package.as_deref().unwrap_or(m);
            return format!("{pkg}@{}", self.version.as_deref().unwrap_or("?"));
        }
        if let Some(m) = &self.main {
            let reqs: Vec<String> = self
                .requires
                .iter()
                .map(|r| format!("{}@{}", r.module, r.version))
                .collect();
            return format!("real/{m} around {}", reqs.join(", "));
        }
        if let Some(c) = &self.toolchain {
            return format!("the toolchain's {c}");
        }
        format!(
            "npm {}@{} {}",
            self.npm.as_deref().unwrap_or("?"),
            self.version.as_deref().unwrap_or("?"),
            self.wasm.as_deref().unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<ProgramFile> {
        let dir = tempfile::tempdir().unwrap();
        ProgramFile::parse(Path::new("real/x.toml"), text, dir.path())
    }

    const MODULE: &str = r#"
schema = 1
about = "gojq"
[source]
module = "github.com/itchyny/gojq"
version = "v0.12.17"
sum = "h1:abc="
package = "github.com/itchyny/gojq/cmd/gojq"
[[input]]
name = "q"
about = "a query"
args = [".", "a.json"]
files = { "a.json" = "{}" }
"#;

    #[test]
    fn a_module_program_parses_and_names_its_source() {
        let f = parse(MODULE).unwrap();
        assert_eq!(
            f.source.describe(),
            "github.com/itchyny/gojq/cmd/gojq@v0.12.17"
        );
        assert_eq!(f.inputs[0].args, [".", "a.json"]);
        assert!(f.inputs[0].stderr, "stderr is compared by default");
    }

    #[test]
    fn pins_are_required_and_mistakes_say_what_to_do() {
        let no_sum = MODULE.replace("sum = \"h1:abc=\"\n", "");
        let e = format!("{:#}", parse(&no_sum).unwrap_err());
        assert!(e.contains("go mod download -json"), "{e}");
        let two = MODULE.replace("[source]\n", "[source]\nnpm = \"x\"\n");
        assert!(format!("{:#}", parse(&two).unwrap_err()).contains("exactly one"));
        let escape = MODULE.replace("\"a.json\" = \"{}\"", "\"../a.json\" = \"{}\"");
        assert!(format!("{:#}", parse(&escape).unwrap_err()).contains("relative path"));
        let unexplained = MODULE.replace("files =", "stderr = false\nfiles =");
        assert!(format!("{:#}", parse(&unexplained).unwrap_err()).contains("stderr_why"));
        let npm = "schema = 1\nabout = \"a\"\n[source]\nnpm = \"esbuild-wasm\"\nversion = \"1\"\n\
                   [[input]]\nname = \"i\"\nabout = \"i\"\n";
        assert!(format!("{:#}", parse(npm).unwrap_err()).contains("[source.oracle]"));
    }

    #[test]
    fn release_requirements_apply_to_their_releases_only() {
        let text = MODULE.replace(
            "[[input]]",
            "[[source.release]]\ngo = \">=1.25\"\nwhy = \"newer x/tools\"\n\
             [[source.release.requires]]\nmodule = \"golang.org/x/tools\"\n\
             version = \"v0.30.0\"\nsum = \"h1:t=\"\n[[input]]",
        );
        let f = parse(&text).unwrap();
        let v = |s| crate::version::GoVersion::parse(s).unwrap();
        assert_eq!(f.source.requires_on(&v("1.24.11")).len(), 1);
        let on_new = f.source.requires_on(&v("1.26.0"));
        assert_eq!(on_new.len(), 2);
        assert_eq!(on_new[1].module, "golang.org/x/tools");
    }
}
