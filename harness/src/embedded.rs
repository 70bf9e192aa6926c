//! The suite's own files (`cases/`, `goprograms/`, `mutants/`, `hosts/`), embedded at build time (see
//! `build.rs`), and unpacked when the checkout the binary was built from is gone.

use std::path::{Path, PathBuf};

mod files {
    include!(concat!(env!("OUT_DIR"), "/suite_files.rs"));
}

pub use files::{DIGEST, FILES};

/// Where [`unpack`] puts the files: `$XDG_CACHE_HOME/gojs-harness/suite-DIGEST`, or under
/// `~/.cache`.
pub fn unpack_dir() -> PathBuf {
    crate::paths::user_cache_dir().join(format!("suite-{DIGEST}"))
}

/// The embedded files as a directory tree, unpacked once (into a temporary directory renamed
/// into place, so that two processes starting at once never see half of it).
pub fn unpack() -> std::io::Result<PathBuf> {
    let dir = unpack_dir();
    if dir.join("cases").is_dir() {
        return Ok(dir);
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".suite-")
        .tempdir_in(parent)?;
    for (rel, bytes) in FILES {
        let path = tmp.path().join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, bytes)?;
    }
    let tmp = tmp.keep();
    if let Err(e) = std::fs::rename(&tmp, &dir) {
        let _ = std::fs::remove_dir_all(&tmp);
        // Another process got there first.
        if !dir.join("cases").is_dir() {
            return Err(e);
        }
    }
    Ok(dir)
}
