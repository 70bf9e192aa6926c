//! Fetching a profile's host into the harness cache: an npm package (the tarball checked
//! against the registry's digest, unpacked) or a Go command (`go install` with `GOBIN` in
//! the cache). Nothing is installed on the machine, and a host fetched once is reused.
//!
//! Layout: `CACHE/hosts/npm/PACKAGE/VERSION/package/...` (the tarball's own `package/`),
//! `CACHE/hosts/go/PATH/VERSION/BINARY`. A version directory appears whole or not at all
//! (unpacked beside it, then renamed), so a second harness process never sees half a host;
//! deleting one makes the next run fetch that host again.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::profile::{Fetch, version_matches};

/// The npm registry, unless `GOJS_NPM_REGISTRY` names another (a mirror).
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org";

/// The registry npm packages come from: `GOJS_NPM_REGISTRY`, else [`NPM_REGISTRY`].
pub fn npm_registry() -> String {
    std::env::var("GOJS_NPM_REGISTRY")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| NPM_REGISTRY.to_string())
}

/// A tarball larger than this is refused rather than held in memory (Deno's and Bun's
/// executables, the largest, are about 50 MB packed).
const MAX_TARBALL: u64 = 512 << 20;

/// A listed version the registry refuses to serve is passed over for the next older one at
/// most this many times, so that a broken package fails in seconds rather than walking its
/// whole history.
const MAX_TRIES: usize = 5;

/// A host ready to run: its version and its executable.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub version: String,
    pub binary: PathBuf,
}

/// The host `fetch` describes, at the newest version matching `selector` already in the
/// cache, else fetched now. `label` names the host in the progress line.
pub fn fetch(
    cache_dir: &Path,
    label: &str,
    fetch: &Fetch,
    selector: &str,
) -> anyhow::Result<Fetched> {
    let (root, binary) = location(cache_dir, fetch)?;
    if let Some(found) = cached(&root, selector, &binary) {
        return Ok(found);
    }
    match (&fetch.npm, &fetch.go_install) {
        (Some(package), _) => npm(&root, label, package, selector, &binary),
        (None, Some(path)) => go_install(&root, label, path, selector, &binary),
        (None, None) => bail!("[fetch] names no source (`npm` or `go_install`)"),
    }
}

/// The host `fetch` describes at the newest version matching `selector`, if it is in the
/// cache already; never touches the network.
pub fn find_cached(cache_dir: &Path, fetch: &Fetch, selector: &str) -> Option<Fetched> {
    let (root, binary) = location(cache_dir, fetch).ok()?;
    cached(&root, selector, &binary)
}

/// Where a source's versions live in the cache, and the executable's path in a version.
fn location(cache_dir: &Path, fetch: &Fetch) -> anyhow::Result<(PathBuf, PathBuf)> {
    match (&fetch.npm, &fetch.go_install) {
        (Some(package), _) => Ok((
            cache_dir.join("hosts/npm").join(safe_name(package)),
            Path::new("package").join(&fetch.binary),
        )),
        (None, Some(path)) => Ok((
            cache_dir.join("hosts/go").join(safe_name(path)),
            PathBuf::from(&fetch.binary),
        )),
        (None, None) => bail!("[fetch] names no source (`npm` or `go_install`)"),
    }
}

/// A package or module path as one directory name.
pub(crate) fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                c
            } else {
                '+'
            }
        })
        .collect()
}

/// The newest cached version matching `selector` whose executable is there.
fn cached(root: &Path, selector: &str, binary: &Path) -> Option<Fetched> {
    let mut found: Vec<(Vec<u64>, String)> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.to_string();
            let ok = !v.starts_with('.')
                && version_matches(selector, &v)
                && e.path().join(binary).is_file();
            ok.then(|| Some((version_key(&v)?, v))).flatten()
        })
        .collect();
    found.sort();
    let (_, version) = found.pop()?;
    Some(Fetched {
        binary: root.join(&version).join(binary),
        version,
    })
}

/// `22.23.5` (or `v1.6.0`) as numbers for ordering; `None` for a pre-release or anything
/// else that is not plain numbers, which selection passes over.
fn version_key(v: &str) -> Option<Vec<u64>> {
    v.trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().ok())
        .collect()
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(900)))
        .user_agent(concat!("gojs-harness/", env!("CARGO_PKG_VERSION")))
        // The machine's trusted roots, not a bundled list: a registry reached through a
        // proxy with a CA of its own must work as it does for curl and npm.
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

/// Fetch the newest version of `package` matching `selector` from the npm registry.
fn npm(
    root: &Path,
    label: &str,
    package: &str,
    selector: &str,
    binary: &Path,
) -> anyhow::Result<Fetched> {
    let registry = npm_registry();
    let registry = registry.trim_end_matches('/');
    let agent = agent();
    let url = format!("{registry}/{}", package.replace('/', "%2f"));
    let meta: serde_json::Value = agent
        .get(&url)
        // The abbreviated document: versions and their `dist`, a fraction of the full one.
        .header("Accept", "application/vnd.npm.install-v1+json")
        .call()
        .and_then(|mut r| r.body_mut().with_config().limit(64 << 20).read_to_vec())
        .map_err(anyhow::Error::from)
        .and_then(|b| serde_json::from_slice(&b).map_err(anyhow::Error::from))
        .with_context(|| {
            format!(
                "cannot read the npm registry's list of `{package}` versions ({url}): check the \
                 network, or set GOJS_NPM_REGISTRY to a mirror"
            )
        })?;
    let candidates = candidates(&meta, selector);
    if candidates.is_empty() {
        let mut listed: Vec<&str> = meta["versions"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        listed.sort_by_key(|v| version_key(v));
        let newest = listed.iter().rev().take(8).copied().collect::<Vec<_>>();
        bail!(
            "the npm registry has no version of `{package}` matching `{selector}` (newest listed: {}): name one with {label}@VERSION",
            newest.join(", ")
        );
    }
    let mut refused = Vec::new();
    for (version, dist) in candidates.into_iter().take(MAX_TRIES) {
        let Some(tarball) = dist["tarball"].as_str() else {
            refused.push(format!("{version}: no tarball listed"));
            continue;
        };
        let dir = root.join(&version);
        eprintln!(
            "gojs-harness: fetching {label} {version} (npm package {package}) into {}",
            dir.display()
        );
        let bytes = match download(&agent, tarball) {
            Ok(b) => b,
            Err(Refused(why)) => {
                refused.push(format!("{version}: {why}"));
                continue;
            }
        };
        verify(&bytes, &dist).with_context(|| {
            format!("the tarball of {package} {version} ({tarball}) is not the one the registry lists; nothing was unpacked")
        })?;
        unpack(root, &dir, &bytes, binary)
            .with_context(|| format!("unpacking {package} {version} into {}", dir.display()))?;
        return Ok(Fetched {
            binary: dir.join(binary),
            version,
        });
    }
    bail!(
        "the npm registry lists `{package}` versions matching `{selector}` but served none of them ({}): try another with {label}@VERSION",
        refused.join("; ")
    )
}

/// The versions of a registry document matching `selector`, newest first, with their
/// `dist`; pre-releases only when the selector names one exactly.
fn candidates(meta: &serde_json::Value, selector: &str) -> Vec<(String, serde_json::Value)> {
    let Some(versions) = meta["versions"].as_object() else {
        return Vec::new();
    };
    let mut out: Vec<(Vec<u64>, String, serde_json::Value)> = versions
        .iter()
        .filter(|(v, _)| version_matches(selector, v))
        .filter_map(|(v, doc)| {
            let key = version_key(v).or_else(|| (v == selector).then(Vec::new))?;
            Some((key, v.clone(), doc["dist"].clone()))
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0));
    out.into_iter().map(|(_, v, d)| (v, d)).collect()
}

/// Why one download did not happen; the caller tries an older version.
pub(crate) struct Refused(pub(crate) String);

pub(crate) fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, Refused> {
    let mut resp = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => Refused(format!("HTTP {code} for {url}")),
        other => Refused(format!("{url}: {other}")),
    })?;
    let mut bytes = Vec::new();
    resp.body_mut()
        .with_config()
        .limit(MAX_TARBALL)
        .reader()
        .read_to_end(&mut bytes)
        .map_err(|e| Refused(format!("reading {url}: {e}")))?;
    Ok(bytes)
}

/// Check `bytes` against the registry's `integrity` (sha512, as npm does) or, for packages
/// published before npm recorded one, its sha1 `shasum`. A package with neither is refused.
pub(crate) fn verify(bytes: &[u8], dist: &serde_json::Value) -> anyhow::Result<()> {
    use sha2::Digest;
    if let Some(integrity) = dist["integrity"].as_str()
        && let Some(want) = integrity
            .split_whitespace()
            .find_map(|h| h.strip_prefix("sha512-"))
    {
        let got = base64(&sha2::Sha512::digest(bytes));
        if got != want {
            bail!("sha512 is {got}, the registry says {want}");
        }
        return Ok(());
    }
    if let Some(want) = dist["shasum"].as_str() {
        let got: String = sha1::Sha1::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if !got.eq_ignore_ascii_case(want) {
            bail!("sha1 is {got}, the registry says {want}");
        }
        return Ok(());
    }
    bail!("the registry lists neither an sha512 `integrity` nor a `shasum` to check it against")
}

/// Standard base64 with padding, as npm's `integrity` writes digests.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Unpack a gzipped tarball into `dir` (through a temporary directory beside it) and make
/// `binary` executable: npm does not keep the mode bits of every package's files.
pub(crate) fn unpack(root: &Path, dir: &Path, tgz: &[u8], binary: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(root)?;
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(root)?;
    // `unpack` refuses entries that would land outside the directory (`..`, absolute paths).
    tar::Archive::new(flate2::read::GzDecoder::new(tgz))
        .unpack(tmp.path())
        .context("the tarball is not a gzipped tar")?;
    let exe = tmp.path().join(binary);
    if !exe.is_file() {
        bail!(
            "the package has no {} (the profile's `binary`): check the profile",
            binary.display()
        );
    }
    make_executable(&exe)?;
    finish(tmp, dir)
}

fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(path)?.permissions();
    perm.set_mode(perm.mode() | 0o755);
    std::fs::set_permissions(path, perm)?;
    Ok(())
}

/// Move a finished temporary directory into place; another process that got there first
/// wins, its copy being as good as this one.
fn finish(tmp: tempfile::TempDir, dir: &Path) -> anyhow::Result<()> {
    let tmp = tmp.keep();
    if let Err(e) = std::fs::rename(&tmp, dir) {
        let _ = std::fs::remove_dir_all(&tmp);
        if !dir.is_dir() {
            return Err(e).with_context(|| format!("moving the host into {}", dir.display()));
        }
    }
    Ok(())
}

/// `go install PATH@VERSION` with `GOBIN` in the cache, with the `go` on PATH.
fn go_install(
    root: &Path,
    label: &str,
    path: &str,
    selector: &str,
    binary: &Path,
) -> anyhow::Result<Fetched> {
    // The go command resolves only whole versions (or `latest`) without a module proxy
    // query of our own, so a prefix such as `1.6` is refused with the way out.
    let version = format!("v{}", selector.trim_start_matches('v'));
    if version_key(&version).is_none_or(|k| k.len() != 3) {
        bail!(
            "{label} is built with `go install {path}@VERSION`, which needs a whole version such as v1.6.0, not `{selector}`: name one with {label}@VERSION"
        );
    }
    let dir = root.join(&version);
    eprintln!(
        "gojs-harness: fetching {label} {version} (go install {path}@{version}) into {}",
        dir.display()
    );
    std::fs::create_dir_all(root)?;
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(root)?;
    let out = std::process::Command::new("go")
        .args(["install", &format!("{path}@{version}")])
        .env("GOBIN", tmp.path())
        // The host runs on this machine, whatever the caller's environment targets.
        .env("GOOS", std::env::consts::OS)
        .env("GOARCH", go_arch())
        .env("CGO_ENABLED", "0")
        .output()
        .context("cannot run `go` (is Go installed and on PATH?)")?;
    if !out.status.success() {
        bail!(
            "`go install {path}@{version}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    if !tmp.path().join(binary).is_file() {
        bail!(
            "`go install {path}@{version}` left no {} (the profile's `binary`): check the profile",
            binary.display()
        );
    }
    finish(tmp, &dir)?;
    Ok(Fetched {
        binary: dir.join(binary),
        version,
    })
}

fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_encoding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn integrity_and_shasum_are_checked() {
        use sha2::Digest;
        let data = b"a tarball";
        let sri = format!("sha512-{}", base64(&sha2::Sha512::digest(data)));
        assert!(verify(data, &serde_json::json!({ "integrity": sri })).is_ok());
        let e = verify(b"another", &serde_json::json!({ "integrity": sri })).unwrap_err();
        assert!(e.to_string().contains("the registry says"), "{e}");
        let sha1: String = sha1::Sha1::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(verify(data, &serde_json::json!({ "shasum": sha1 })).is_ok());
        assert!(verify(b"x", &serde_json::json!({ "shasum": sha1 })).is_err());
        let e = verify(data, &serde_json::json!({})).unwrap_err();
        assert!(e.to_string().contains("neither"), "{e}");
    }

    #[test]
    fn candidates_are_the_matching_releases_newest_first() {
        let meta = serde_json::json!({ "versions": {
            "22.1.0": { "dist": {} }, "22.23.5": { "dist": {} }, "22.3.0": { "dist": {} },
            "220.0.0": { "dist": {} }, "22.24.0-rc.1": { "dist": {} }, "20.1.0": { "dist": {} },
        }});
        let got: Vec<String> = candidates(&meta, "22").into_iter().map(|c| c.0).collect();
        assert_eq!(got, ["22.23.5", "22.3.0", "22.1.0"]);
        let got: Vec<String> = candidates(&meta, "22.24.0-rc.1")
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(got, ["22.24.0-rc.1"]);
        assert!(candidates(&meta, "19").is_empty());
    }

    #[test]
    fn the_cache_is_used_newest_matching_first() {
        let root = tempfile::tempdir().unwrap();
        for v in ["2.9.4", "2.9.6", "2.10.0", "2.9.10-broken"] {
            let d = root.path().join(v).join("package");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("deno"), "").unwrap();
        }
        // A version directory without its executable is not a fetched host.
        std::fs::create_dir_all(root.path().join("2.9.9")).unwrap();
        let bin = Path::new("package/deno");
        let f = cached(root.path(), "2.9", bin).unwrap();
        assert_eq!(f.version, "2.9.6");
        assert_eq!(f.binary, root.path().join("2.9.6/package/deno"));
        assert_eq!(cached(root.path(), "2", bin).unwrap().version, "2.10.0");
        assert!(cached(root.path(), "3", bin).is_none());
        assert!(cached(&root.path().join("none"), "2", bin).is_none());
    }
}
