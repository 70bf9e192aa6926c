//! Building `goprograms/` with each toolchain into a cache keyed by the toolchain's version
//! and the sources' contents, so an unchanged program is never built twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::paths::{unique, write_atomically};
use crate::toolchain::Toolchain;

/// Directories of the Go module that hold shared code rather than programs. A change in them
/// changes every program's key.
const SHARED_DIRS: &[&str] = &["internal"];

/// A toolchain's root and a program's name.
type BuildKey = (PathBuf, String);

/// The corpus of one `goprograms/` module and its build cache.
pub struct Corpus {
    programs_dir: PathBuf,
    cache_dir: PathBuf,
    /// One lock per (toolchain, program), so concurrent trials build each program once.
    locks: Mutex<HashMap<BuildKey, Arc<Mutex<()>>>>,
}

impl Corpus {
    pub fn new(programs_dir: &Path, cache_dir: &Path) -> Corpus {
        Corpus {
            programs_dir: programs_dir.to_path_buf(),
            cache_dir: cache_dir.join("wasm"),
            locks: Mutex::new(HashMap::new()),
        }
    }

    pub fn programs_dir(&self) -> &Path {
        &self.programs_dir
    }

    /// Every program: each directory holding a `main.go`, by name.
    pub fn programs(&self) -> anyhow::Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.programs_dir)
            .with_context(|| format!("reading {}", self.programs_dir.display()))?;
        for e in entries {
            let path = e?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if path.join("main.go").is_file() && !SHARED_DIRS.contains(&name.as_str()) {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The module for `program` built by `tc`, building it if the cache lacks it.
    pub fn wasm(&self, tc: &Toolchain, program: &str) -> anyhow::Result<PathBuf> {
        let dir = self.programs_dir.join(program);
        if !dir.join("main.go").is_file() {
            bail!(
                "there is no program `{program}`: {} has no main.go",
                dir.display()
            );
        }
        let key = self.key(tc, program)?;
        let out = self
            .cache_dir
            .join(sanitize(&tc.version_text))
            .join(format!("{program}-{}.wasm", &key[..20]));
        if out.is_file() {
            return Ok(out);
        }
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            locks
                .entry((tc.goroot.clone(), program.to_string()))
                .or_default()
                .clone()
        };
        let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
        if out.is_file() {
            return Ok(out);
        }
        self.build(tc, program, &out)?;
        Ok(out)
    }

    fn build(&self, tc: &Toolchain, program: &str, out: &Path) -> anyhow::Result<()> {
        let parent = out.parent().expect("cache paths have a parent");
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the build cache {}", parent.display()))?;
        let tmp = parent.join(format!(
            ".{program}.{}.{}.build",
            std::process::id(),
            unique()
        ));
        let result = Command::new(tc.go_binary())
            .current_dir(&self.programs_dir)
            .args(["build", "-trimpath", "-o"])
            .arg(&tmp)
            .arg(format!("./{program}"))
            .env("GOOS", "js")
            .env("GOARCH", "wasm")
            .env("GOROOT", &tc.goroot)
            // The module's go line must not make a newer go command switch toolchains.
            .env("GOTOOLCHAIN", "local")
            .env("GOWORK", "off")
            .env("GOFLAGS", "-mod=mod")
            .env_remove("GOWASM")
            .output()
            .with_context(|| format!("running {}", tc.go_binary().display()))?;
        if !result.status.success() {
            let _ = std::fs::remove_file(&tmp);
            bail!(
                "building goprograms/{program} with go{} failed:\n{}{}",
                tc.version,
                String::from_utf8_lossy(&result.stdout),
                String::from_utf8_lossy(&result.stderr).trim_end()
            );
        }
        let bytes = std::fs::read(&tmp).with_context(|| format!("reading {}", tmp.display()))?;
        let _ = std::fs::remove_file(&tmp);
        write_atomically(out, &bytes).with_context(|| format!("writing {}", out.display()))
    }

    /// The cache key: toolchain identity, build settings, and every source the program reads.
    fn key(&self, tc: &Toolchain, program: &str) -> anyhow::Result<String> {
        let mut h = Sha256::new();
        h.update(b"gojs-corpus-v1\0");
        h.update(tc.version_text.as_bytes());
        h.update(b"\0");
        h.update(tc.goroot.to_string_lossy().as_bytes());
        h.update(b"\0GOOS=js GOARCH=wasm -trimpath\0");
        let mut files = Vec::new();
        for f in ["go.mod", "go.sum"] {
            let p = self.programs_dir.join(f);
            if p.is_file() {
                files.push(p);
            }
        }
        list_files(&self.programs_dir.join(program), &mut files)?;
        for shared in SHARED_DIRS {
            let d = self.programs_dir.join(shared);
            if d.is_dir() {
                list_files(&d, &mut files)?;
            }
        }
        files.sort();
        for f in files {
            let rel = f.strip_prefix(&self.programs_dir).unwrap_or(&f);
            h.update(rel.to_string_lossy().as_bytes());
            h.update(b"\0");
            let bytes = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Build every program for every toolchain, `jobs` at a time; all errors are reported.
    pub fn build_all(
        &self,
        toolchains: &[Toolchain],
        programs: &[String],
        jobs: usize,
    ) -> anyhow::Result<Vec<(Toolchain, String, PathBuf)>> {
        let work: Vec<(&Toolchain, &String)> = toolchains
            .iter()
            .flat_map(|t| programs.iter().map(move |p| (t, p)))
            .collect();
        let next = Mutex::new(0usize);
        let results = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..jobs.max(1) {
                s.spawn(|| {
                    loop {
                        let i = {
                            let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                            let i = *n;
                            *n += 1;
                            i
                        };
                        let Some((tc, prog)) = work.get(i) else { break };
                        let r = self.wasm(tc, prog);
                        results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, r));
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        results.sort_by_key(|(i, _)| *i);
        let mut built = Vec::new();
        let mut errors = Vec::new();
        for (i, r) in results {
            let (tc, prog) = work[i];
            match r {
                Ok(p) => built.push((tc.clone(), prog.clone(), p)),
                Err(e) => errors.push(format!("{e:#}")),
            }
        }
        if !errors.is_empty() {
            bail!("{}", errors.join("\n\n"));
        }
        Ok(built)
    }
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = e?.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `s` as one path component: anything but ASCII letters, digits, `.` and `-` becomes `_`.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
