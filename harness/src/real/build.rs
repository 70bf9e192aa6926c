//! Building a real program twice with one toolchain, for `GOOS=js GOARCH=wasm` (what the
//! hosts run) and for the machine's `GOOS=linux` (the oracle), into the harness cache:
//! `CACHE/real/bin/GO/NAME-KEY/{js.wasm,linux}`, the key covering the toolchain, the pinned
//! source and our own `main.go`. The module is resolved in `CACHE/real/src/NAME-KEY/` (a
//! go.mod of ours requiring the pinned version, its checksum written to go.sum so the go
//! command refuses any other bytes), with the module cache at `CACHE/real/gomod`.
//! A prebuilt npm program is fetched instead, with its Linux build from the npm package of
//! the same version.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::RealProgram;
use super::spec::SourceKind;
use crate::corpus::sanitize;
use crate::paths::write_atomically;
use crate::toolchain::Toolchain;

/// The two builds of one program.
#[derive(Debug, Clone)]
pub struct Built {
    /// The js/wasm module the hosts run.
    pub wasm: PathBuf,
    /// The Linux executable whose outcome is the oracle.
    pub linux: PathBuf,
}

/// The builds of `program` by `tc`, made now if the cache lacks them.
pub fn build(cache_dir: &Path, program: &RealProgram, tc: &Toolchain) -> anyhow::Result<Built> {
    let src = &program.file.source;
    if program.kind == SourceKind::Npm {
        let package = src.npm.as_deref().unwrap_or_default();
        let version = src.version.as_deref().unwrap_or_default();
        let wasm_path = src.wasm.as_deref().unwrap_or_default();
        let dir = super::npm::fetch_pinned(
            cache_dir,
            package,
            version,
            src.integrity.as_deref().unwrap_or_default(),
            wasm_path,
        )?;
        let o = src
            .oracle
            .as_ref()
            .expect("checked: npm sources have an oracle");
        let odir =
            super::npm::fetch_pinned(cache_dir, &o.npm, &o.version, &o.integrity, &o.binary)?;
        return Ok(Built {
            wasm: dir.join(wasm_path),
            linux: odir.join(&o.binary),
        });
    }
    if tc.is_absent() {
        bail!(
            "Go is not installed: real program `{}` is built with Go",
            program.name
        );
    }
    let key = key(program, tc)?;
    let out = cache_dir
        .join("real/bin")
        .join(sanitize(&tc.version_text))
        .join(format!("{}-{}", program.name, &key[..20]));
    let built = Built {
        wasm: out.join("js.wasm"),
        linux: out.join("linux"),
    };
    if built.wasm.is_file() && built.linux.is_file() {
        return Ok(built);
    }
    let _held = program.build_lock.lock().unwrap_or_else(|e| e.into_inner());
    if built.wasm.is_file() && built.linux.is_file() {
        return Ok(built);
    }
    // A build that failed once in this run fails the program's other trials the same way.
    let mut failed = program.failed.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(why) = failed.get(&tc.version_text) {
        bail!("{why}");
    }
    match build_go(cache_dir, program, tc, &key, &out, &built) {
        Ok(()) => Ok(built),
        Err(e) => {
            let why = format!("{e:#}");
            failed.insert(tc.version_text.clone(), why.clone());
            bail!("{why}")
        }
    }
}

fn build_go(
    cache_dir: &Path,
    program: &RealProgram,
    tc: &Toolchain,
    key: &str,
    out: &Path,
    built: &Built,
) -> anyhow::Result<()> {
    let src = &program.file.source;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let work = cache_dir
        .join("real/src")
        .join(format!("{}-{}", program.name, &key[..20]));
    let (dir, package) = prepare(cache_dir, program, tc, &work)?;
    eprintln!(
        "gojs-harness: building real program {} ({}) with go{}",
        program.name,
        src.describe(),
        tc.version
    );
    go_build(
        cache_dir,
        program,
        tc,
        &dir,
        &package,
        "js",
        "wasm",
        &built.wasm,
    )?;
    go_build(
        cache_dir,
        program,
        tc,
        &dir,
        &package,
        "linux",
        linux_arch(),
        &built.linux,
    )
}

/// The directory to build in and the package to build: our module requiring the pinned
/// version (with its checksum in go.sum), or the toolchain's own source.
fn prepare(
    cache_dir: &Path,
    program: &RealProgram,
    tc: &Toolchain,
    work: &Path,
) -> anyhow::Result<(PathBuf, String)> {
    let src = &program.file.source;
    if let Some(cmd) = &src.toolchain {
        std::fs::create_dir_all(work)?;
        // Outside any module: the go command builds a standard command from GOROOT.
        return Ok((work.to_path_buf(), cmd.clone()));
    }
    if work.exists() {
        std::fs::remove_dir_all(work).with_context(|| format!("clearing {}", work.display()))?;
    }
    std::fs::create_dir_all(work).with_context(|| format!("creating {}", work.display()))?;
    let requires = src.requires_on(&tc.version);
    if let SourceKind::Main(dir) = &program.kind {
        for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "go") {
                std::fs::copy(&p, work.join(p.file_name().expect("a file")))
                    .with_context(|| format!("copying {}", p.display()))?;
            }
        }
    }
    std::fs::write(
        work.join("go.mod"),
        format!("module gojs-real/{}\n\ngo 1.21\n", program.name),
    )?;
    let sums: String = requires
        .iter()
        .map(|r| format!("{} {} {}\n", r.module, r.version, r.sum))
        .collect();
    std::fs::write(work.join("go.sum"), sums)?;
    let mut get = go(cache_dir, tc, work);
    get.arg("get");
    for r in &requires {
        get.arg(format!("{}@{}", r.module, r.version));
    }
    run(
        get,
        &format!("resolving {}", program.file.source.describe()),
    )
    .map_err(|e| {
        e.context(format!(
            "cannot fetch real program `{}`: check that the Go module proxy is reachable \
             (GOPROXY), that the pinned `sum` in {} is go.sum's line for that version \
             (`go mod download -json MODULE@VERSION`), and that the version builds with go{} \
             (its go.mod's go line)",
            program.name,
            program.path.display(),
            tc.version
        ))
    })?;
    let package = match (&src.package, &src.module) {
        (Some(p), _) => p.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => ".".to_string(),
    };
    Ok((work.to_path_buf(), package))
}

#[allow(clippy::too_many_arguments)]
fn go_build(
    cache_dir: &Path,
    program: &RealProgram,
    tc: &Toolchain,
    dir: &Path,
    package: &str,
    goos: &str,
    goarch: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let tmp = out.with_extension(format!("{}.build", std::process::id()));
    let mut cmd = go(cache_dir, tc, dir);
    cmd.args(["build", "-trimpath", "-o"])
        .arg(&tmp)
        .arg(package)
        .env("GOOS", goos)
        .env("GOARCH", goarch)
        .env("CGO_ENABLED", "0");
    let what = format!(
        "building {package} for {goos}/{goarch} with go{}",
        tc.version
    );
    run(cmd, &what).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        e.context(format!(
            "real program `{}` ({}) does not build for {goos}/{goarch} with go{}: if the \
             release is too old for it, limit the program with `go = \"...\"` in {}",
            program.name,
            program.file.source.describe(),
            tc.version,
            program.path.display()
        ))
    })?;
    let bytes = std::fs::read(&tmp).with_context(|| format!("reading {}", tmp.display()))?;
    let _ = std::fs::remove_file(&tmp);
    write_atomically(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// The toolchain's go command in `dir`, with the harness's module cache and no switching.
fn go(cache_dir: &Path, tc: &Toolchain, dir: &Path) -> Command {
    let mut cmd = Command::new(tc.go_binary());
    cmd.current_dir(dir)
        .env("GOROOT", &tc.goroot)
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOMODCACHE", cache_dir.join("real/gomod"))
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("GOWASM");
    cmd
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("{what}: cannot run {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

/// The cache key: the toolchain, the pinned source, and our own main's files.
fn key(program: &RealProgram, tc: &Toolchain) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    h.update(b"gojs-real-v1\0");
    h.update(tc.version_text.as_bytes());
    h.update(b"\0");
    h.update(tc.goroot.to_string_lossy().as_bytes());
    h.update(b"\0");
    h.update(serde_json::to_vec(&program.file.source)?);
    h.update(serde_json::to_vec(
        &program.file.source.requires_on(&tc.version),
    )?);
    if let SourceKind::Main(dir) = &program.kind {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            h.update(f.file_name().unwrap_or_default().as_encoded_bytes());
            let bytes = std::fs::read(&f)?;
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn linux_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "amd64",
    }
}
