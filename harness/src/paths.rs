//! Where the harness finds the repository's cases and programs, and where it caches builds.

use std::path::PathBuf;

/// The directory holding the suite's `cases/`, `goprograms/`, `mutants/`, `hosts/` (and, in a
/// checkout, `reports/`), looked for in this order:
/// 1. `GOJS_SUITE_DIR` (a checkout other than the one this binary was built from);
/// 2. the checkout this binary was built from, while it is still there;
/// 3. `share/gojs-harness` beside the binary's `bin/` (a packaged install);
/// 4. the copy embedded in the binary, unpacked into the user's cache
///    ([`crate::embedded::unpack`]), so that `cargo install` gives a tool that works from
///    any directory.
pub fn repo_root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(find_root).clone()
}

fn find_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOJS_SUITE_DIR") {
        return PathBuf::from(dir);
    }
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    if built.join("cases").is_dir() {
        return built;
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("share/gojs-harness")));
    if let Some(dir) = beside.filter(|d| d.join("cases").is_dir()) {
        return dir;
    }
    match crate::embedded::unpack() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!(
                "gojs-harness: the suite's files are not in {} (the checkout this binary was \
                 built from), and unpacking the copy built into it into {} failed: {e}; set \
                 GOJS_SUITE_DIR to a checkout of the suite",
                built.display(),
                crate::embedded::unpack_dir().display()
            );
            built
        }
    }
}

pub fn default_cases_dir() -> PathBuf {
    repo_root().join("cases")
}

/// The host profiles (`hosts/NAME.toml`); `GOJS_HOSTS_DIR` names another directory.
pub fn default_hosts_dir() -> PathBuf {
    match std::env::var_os("GOJS_HOSTS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("hosts"),
    }
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
    user_cache_dir()
}

/// `$XDG_CACHE_HOME/gojs-harness`, else `~/.cache/gojs-harness`.
pub fn user_cache_dir() -> PathBuf {
    let home = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    home.join("gojs-harness")
}

/// Where the native host caches compiled modules: `GOJS_NATIVE_CACHE_DIR`, else `native`
/// in [`cache_dir`].
pub fn native_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOJS_NATIVE_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    cache_dir().join("native")
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
