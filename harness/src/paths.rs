//! Where the harness finds the repository's cases and programs, and where it caches builds.

use std::path::PathBuf;

/// The repository root holding `cases/`, `goprograms/`, `mutants/` and `reports/`:
/// `GOJS_SUITE_DIR` when set (a checkout other than the one this binary was built from),
/// else the checkout this harness was built from.
pub fn repo_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOJS_SUITE_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn default_cases_dir() -> PathBuf {
    repo_root().join("cases")
}

pub fn default_programs_dir() -> PathBuf {
    repo_root().join("goprograms")
}

/// `GOJS_HARNESS_CACHE`, else `gojs-harness` in Cargo's target directory, else the user's cache.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOJS_HARNESS_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("gojs-harness");
    }
    let target = repo_root().join("target");
    if target.is_dir() {
        return target.join("gojs-harness");
    }
    let home = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    home.join("gojs-harness")
}

/// Write `bytes` to `path` so readers in other processes never see half a file.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id(),
        unique()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// A number no other call in this process returns.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
