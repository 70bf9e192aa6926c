//! The on-disk cache of compiled modules, keyed by the module's bytes, the compiler and
//! everything in the engine configuration that changes the code; and background fills of it.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

use crate::engine::{self, CONFIG_TAG, Compiler, compile};
use crate::options::BackgroundFill;

/// What a cache entry is a build of: a module named by the SHA-256 digest of its bytes, as
/// given or as [`crate::rewrite::export_globals`] rewrites it. Naming the rewritten module by
/// the original's digest lets a run find its build before it validates, rewrites or hashes
/// anything more: the bytes are hashed once a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleId {
    digest: [u8; 32],
    rewritten: bool,
}

impl ModuleId {
    /// The module `bytes`, as given.
    pub fn of(bytes: &[u8]) -> ModuleId {
        ModuleId {
            digest: Sha256::digest(bytes).into(),
            rewritten: false,
        }
    }

    /// The module in the file `path`, hashed as it is read through a small buffer: a run
    /// whose build is in the cache needs the digest only, and reading 2.6 MB of hello world
    /// into a buffer of its own was 600 page faults (a sixth of the run's).
    pub fn of_file(path: &Path) -> std::io::Result<ModuleId> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => h.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ModuleId {
            digest: h.finalize().into(),
            rewritten: false,
        })
    }

    /// [`ModuleId::of_file`], remembered in the cache directory `dir` by the file's identity
    /// and times, so that a module run again is not hashed again: hashing hello world's
    /// 2.6 MB was 60 % of loading its cached build, the longer half of a warm start.
    ///
    /// The memo (`dir/ids/DEV-INODE`) holds the file's size, modification and change times
    /// and its digest, and is used only while all of them are the same. Any write to the file
    /// moves its change time, which no program can set back; but file times are kept at the
    /// kernel's tick, so a file changed twice within a tick, to the same size, would look
    /// unchanged. As git does with its index, a file changed in the last two seconds is
    /// hashed and not remembered, and by the time a memo is written no write to it can share
    /// the change time the memo holds.
    pub fn of_file_in(path: &Path, dir: &Path) -> std::io::Result<ModuleId> {
        #[cfg(unix)]
        {
            memo::of_file_in(path, dir)
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Self::of_file(path)
        }
    }

    /// The same module as `export_globals` rewrites it (which is a function of its bytes and
    /// of [`crate::rewrite::VERSION`]).
    pub fn rewritten(self) -> ModuleId {
        ModuleId {
            rewritten: true,
            ..self
        }
    }

    /// Whether this names the rewritten module.
    pub fn is_rewritten(self) -> bool {
        self.rewritten
    }

    fn hex(self, len: usize) -> String {
        self.digest
            .iter()
            .take(len)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(unix)]
mod memo {
    use std::os::unix::fs::MetadataExt as _;
    use std::path::Path;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::ModuleId;

    /// How long a file must have been left alone before its digest is remembered.
    const SETTLED: Duration = Duration::from_secs(2);

    pub(super) fn of_file_in(path: &Path, dir: &Path) -> std::io::Result<ModuleId> {
        let md = std::fs::metadata(path)?;
        let stamp = format!(
            "{} {}.{:09} {}.{:09}",
            md.len(),
            md.mtime(),
            md.mtime_nsec(),
            md.ctime(),
            md.ctime_nsec()
        );
        let memo = dir.join("ids").join(format!("{}-{}", md.dev(), md.ino()));
        if let Ok(text) = std::fs::read_to_string(&memo)
            && let Some((was, hex)) = text.split_once('\n')
            && was == stamp
            && let Some(digest) = parse_digest(hex.trim())
        {
            return Ok(ModuleId {
                digest,
                rewritten: false,
            });
        }
        let id = ModuleId::of_file(path)?;
        let changed = UNIX_EPOCH
            + Duration::new(
                u64::try_from(md.ctime()).unwrap_or(0),
                u32::try_from(md.ctime_nsec()).unwrap_or(0),
            );
        let settled = SystemTime::now()
            .duration_since(changed)
            .is_ok_and(|age| age >= SETTLED);
        if settled {
            // Best effort, written whole or not at all: a memo that cannot be written only
            // costs the next run a hash.
            let _ = std::fs::create_dir_all(dir.join("ids"));
            let tmp = memo.with_extension(format!("{}.tmp", std::process::id()));
            if std::fs::write(&tmp, format!("{stamp}\n{}\n", id.hex(32))).is_ok() {
                let _ = std::fs::rename(&tmp, &memo);
            }
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(id)
    }

    fn parse_digest(hex: &str) -> Option<[u8; 32]> {
        if hex.len() != 64 {
            return None;
        }
        let mut d = [0u8; 32];
        for (i, b) in d.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(d)
    }
}

/// The cache key of a module: sha256 of its [`ModuleId`], of wasmtime's own compatibility
/// hash (its version and every compilation setting) and of our configuration tag.
pub fn cache_key(engine: &Engine, compiler: Compiler, id: ModuleId) -> String {
    use std::hash::{Hash, Hasher};
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let mut h = Sha256::new();
    h.update(id.digest);
    if id.rewritten {
        h.update(b"\0rewritten\0");
        h.update(crate::rewrite::VERSION.as_bytes());
    }
    h.update(b"\0wasmtime\0");
    h.update(compat.finish().to_le_bytes());
    h.update(CONFIG_TAG.as_bytes());
    // The compatibility hash covers the compiler strategy too; naming it keeps entries of
    // the two compilers apart even if that changes.
    h.update(compiler.name().as_bytes());
    h.update(std::env::consts::ARCH.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Compile `bytes` (the module `id` names), through the cache in `cache_dir` when given. A
/// cache entry that cannot be loaded (corrupt, other engine) is replaced.
pub fn load_module(
    engine: &Engine,
    compiler: Compiler,
    bytes: &[u8],
    id: ModuleId,
    cache_dir: Option<&Path>,
) -> anyhow::Result<Module> {
    let Some(dir) = cache_dir else {
        return compile(engine, bytes);
    };
    if let Some(m) = cached(engine, compiler, id, dir) {
        return Ok(m);
    }
    let module = compile(engine, bytes)?;
    store(engine, compiler, id, dir, &module);
    Ok(module)
}

/// The cached build of the module `id` by `compiler`, if there is a usable one. An entry that
/// cannot be loaded (corrupt, other engine) is removed.
pub fn cached(engine: &Engine, compiler: Compiler, id: ModuleId, dir: &Path) -> Option<Module> {
    let path = dir.join(format!("{}.cwasm", cache_key(engine, compiler, id)));
    if !path.is_file() {
        return None;
    }
    // SAFETY: the file is one `store` wrote with `Module::serialize` for the same engine
    // configuration (the key covers the bytes, the wasmtime version, the compiler and the
    // config); wasmtime checks the header and engine compatibility and errors on mismatch. A
    // deliberately forged file in the cache directory is outside this threat model.
    match unsafe { Module::deserialize_file(engine, &path) } {
        Ok(m) => {
            // Mark as recently used for eviction.
            if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                let _ = f.set_modified(std::time::SystemTime::now());
            }
            Some(m)
        }
        Err(_) => {
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

/// Put `module`, the build of the module `id` by `compiler`, in the cache (best effort: a
/// cache that cannot be written only costs the next run a compile).
pub fn store(engine: &Engine, compiler: Compiler, id: ModuleId, dir: &Path, module: &Module) {
    let key = cache_key(engine, compiler, id);
    let path = dir.join(format!("{key}.cwasm"));
    if let Ok(ser) = module.serialize() {
        let _ = std::fs::create_dir_all(dir);
        let tmp = dir.join(format!(".{key}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, ser).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
        let _ = std::fs::remove_file(&tmp);
        evict(dir, &path, cache_limit());
    }
}

/// A build the cache should get in the background: `wasm` (the file the run loaded) built
/// with `compiler` into `cache_dir`; the embedder's [`BackgroundFill`] does it, usually by
/// calling [`fill`] in a process of its own that outlives the run.
#[derive(Debug, Clone)]
pub struct FillRequest {
    pub wasm: PathBuf,
    pub cache_dir: PathBuf,
    pub epoch: bool,
    pub compiler: Compiler,
}

/// Ask `filler` to build `wasm` (the module `id` names, as given) into the cache, unless a
/// fill of that build started less than ten minutes ago: runs that follow each other
/// quickly (`go test -count=N`) would otherwise each start a compile of the same module.
pub(crate) fn request_fill(filler: &BackgroundFill, req: FillRequest, id: ModuleId) {
    let marker = fill_marker(&req.cache_dir, req.epoch, req.compiler, id);
    let fresh = |m: &Path| {
        std::fs::metadata(m)
            .and_then(|md| md.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() < std::time::Duration::from_secs(600))
    };
    let _ = std::fs::create_dir_all(&req.cache_dir);
    if std::fs::File::create_new(&marker).is_err() {
        if fresh(&marker) {
            return;
        }
        let _ = std::fs::File::create(&marker);
    }
    (filler.0)(&req);
}

/// Build `wasm` with `compiler` into the cache in `dir` unless it is there already (what a
/// [`BackgroundFill`] does with a [`FillRequest`]).
pub fn fill(wasm: &Path, dir: &Path, epoch: bool, compiler: Compiler) -> anyhow::Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let id = ModuleId::of(&bytes);
    // The tiered path of `run` (the one that starts fills) builds the rewritten module. The
    // file was valid when the run that asked for this fill compiled it.
    let (bytes, built) = match crate::rewrite::export_globals(&bytes) {
        Ok((b, _)) => (b, id.rewritten()),
        Err(_) => (bytes, id),
    };
    let done = engine::engine(epoch, compiler)
        .and_then(|engine| load_module(&engine, compiler, &bytes, built, Some(dir)));
    let _ = std::fs::remove_file(fill_marker(dir, epoch, compiler, id));
    done.map(|_| ())
}

/// Whether the module `id` was run from this cache before without a build of its own (on the
/// interpreter, see [`crate::interp`]); marks it so for the runs after. A module run once
/// (as most `go test -exec` binaries are) costs no compile; one run again gets a background
/// fill.
pub(crate) fn seen_before(dir: &Path, id: ModuleId) -> bool {
    let marker = dir.join(format!(".{}.seen", id.hex(16)));
    if marker.exists() {
        return true;
    }
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::File::create(&marker);
    false
}

/// The file that says a background fill of a build of the module `id` (as given or
/// rewritten: one fill makes the build the tiered path uses) is under way.
fn fill_marker(dir: &Path, epoch: bool, compiler: Compiler, id: ModuleId) -> PathBuf {
    let epoch = if epoch { "-epoch" } else { "" };
    dir.join(format!(
        ".{}.{}{epoch}.filling",
        id.hex(16),
        compiler.name()
    ))
}

/// Size the cache may reach before the least recently used entries go:
/// `$GOJS_NATIVE_CACHE_MAX` bytes, default 2 GiB.
fn cache_limit() -> u64 {
    std::env::var("GOJS_NATIVE_CACHE_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2 << 30)
}

/// Remove the oldest `.cwasm` entries (by modification time) until the cache fits its limit.
/// `keep` (the entry just written) is never removed.
fn evict(dir: &Path, keep: &Path, limit: u64) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = rd
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.modified().ok()?, m.len(), e.path()))
        })
        .collect();
    let mut total: u64 = entries.iter().map(|e| e.1).sum();
    entries.sort();
    for (_, len, path) in entries {
        if total <= limit {
            break;
        }
        if path != keep && std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module's digest is remembered only once the file has been left alone, and a change
    /// to the file (even to the same size) is never answered from the memo.
    #[cfg(unix)]
    #[test]
    fn a_remembered_digest_follows_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let wasm = dir.path().join("m.wasm");
        std::fs::write(&wasm, b"first").unwrap();
        let first = ModuleId::of(b"first");
        assert_eq!(ModuleId::of_file_in(&wasm, &cache).unwrap(), first);
        let memos = || std::fs::read_dir(cache.join("ids")).map_or(0, |d| d.count());
        assert_eq!(memos(), 0, "a file changed just now is not remembered");
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert_eq!(ModuleId::of_file_in(&wasm, &cache).unwrap(), first);
        assert_eq!(memos(), 1);
        assert_eq!(ModuleId::of_file_in(&wasm, &cache).unwrap(), first);
        std::fs::write(&wasm, b"other").unwrap();
        assert_eq!(
            ModuleId::of_file_in(&wasm, &cache).unwrap(),
            ModuleId::of(b"other")
        );
    }

    #[test]
    fn eviction_removes_oldest_first_and_keeps_the_new_entry() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(100);
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            let p = dir.path().join(format!("{name}.cwasm"));
            std::fs::write(&p, vec![0u8; 100]).unwrap();
            let f = std::fs::File::options().append(true).open(&p).unwrap();
            f.set_modified(old + std::time::Duration::from_secs(i as u64))
                .unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), vec![0u8; 1000]).unwrap();
        let keep = dir.path().join("a.cwasm");
        evict(dir.path(), &keep, 150);
        assert!(keep.exists());
        assert!(!dir.path().join("b.cwasm").exists());
        assert!(!dir.path().join("c.cwasm").exists());
        assert!(dir.path().join("other.txt").exists());
    }
}
