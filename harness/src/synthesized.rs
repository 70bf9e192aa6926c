//! Synthesized modules ([`gojs_synth`]) as files in the harness cache, so that every host
//! (a process or the native host) can load them by path.

use std::path::{Path, PathBuf};

use anyhow::Context;
use gojs_synth::ModuleSpec;
use sha2::{Digest, Sha256};

/// Build `spec` into the cache (named by the module's hash) and return the file.
pub fn module_file(spec: &ModuleSpec, cache_dir: &Path) -> anyhow::Result<PathBuf> {
    let bytes = gojs_synth::build(spec)?;
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = cache_dir.join("synth").join(format!("{hash}.wasm"));
    if !path.is_file() {
        crate::paths::write_atomically(&path, &bytes)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(path)
}
