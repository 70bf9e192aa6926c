//! The wasmtime engine configuration and the on-disk compiled-module cache.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, Module, Strategy};

/// Everything in the engine configuration that affects compiled code; part of the cache key.
const CONFIG_TAG: &str = "gojs-native/2 bulk-memory saturating-float-to-int sign-ext stack-128m";

/// Native stack the guest (and the host frames between re-entrant calls) may use.
pub const WASM_STACK: usize = 128 << 20;

/// The compiler that turns a module into machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// Cranelift: optimised code, slow to compile (a 2.4 MB Go module takes most of a second).
    Cranelift,
    /// Winch, wasmtime's baseline compiler: compiles several times faster, the code runs
    /// slower. For modules run once, where compiling is most of the time.
    Winch,
}

impl Compiler {
    pub fn name(self) -> &'static str {
        match self {
            Compiler::Cranelift => "cranelift",
            Compiler::Winch => "winch",
        }
    }
}

/// Which compiler a run uses (`--compiler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CompilerChoice {
    /// Cranelift builds from the cache; Winch where a build is used once. `gojs-harness
    /// run` builds a new module with Winch and caches it; when that build is used again, a
    /// background process caches a Cranelift build for the runs after. Without the cache,
    /// Winch. The suite caches Cranelift builds straight away.
    #[default]
    Auto,
    /// Always Cranelift.
    Cranelift,
    /// Always Winch (cached builds too).
    Winch,
}

impl CompilerChoice {
    /// The compiler whose builds are looked for in the cache first.
    pub fn cached(self) -> Compiler {
        match self {
            CompilerChoice::Winch => Compiler::Winch,
            _ => Compiler::Cranelift,
        }
    }
    /// The compiler of a run without the cache.
    pub fn uncached(self) -> Compiler {
        match self {
            CompilerChoice::Cranelift => Compiler::Cranelift,
            _ => Compiler::Winch,
        }
    }
}

/// The engine of a native run. `epoch` turns on epoch interruption, which the wall-time
/// limit needs; it costs a check on every loop back-edge and function entry (a tight Go loop
/// such as `bytes.Compare` runs about twice as slow), so runs without a limit go without.
/// Code compiled with and without it differs; wasmtime's compatibility hash, part of the
/// cache key, tells them apart.
pub fn engine(epoch: bool, compiler: Compiler) -> anyhow::Result<Engine> {
    Engine::new(&config(epoch, compiler)).map_err(|e| anyhow!("wasmtime engine: {e}"))
}

/// An engine whose compiles use one thread (the tier-up build, beside a running program).
/// Its builds are the same as [`engine`]'s without epochs, cache entries included.
pub fn background_engine(compiler: Compiler) -> anyhow::Result<Engine> {
    let mut c = config(false, compiler);
    c.parallel_compilation(false);
    Engine::new(&c).map_err(|e| anyhow!("wasmtime engine: {e}"))
}

fn config(epoch: bool, compiler: Compiler) -> Config {
    let mut c = Config::new();
    c.strategy(match compiler {
        Compiler::Cranelift => Strategy::Cranelift,
        Compiler::Winch => Strategy::Winch,
    });
    if compiler == Compiler::Winch {
        // Under Winch, Cranelift still compiles an entry trampoline for every function in
        // a table, and a Go module puts nearly all of them there (1,700 in hello world).
        // Optimising those trampolines was a third of a cold compile; they only run when
        // the host calls into wasm (run, resume, getsp), so unoptimised ones cost nothing.
        c.cranelift_opt_level(wasmtime::OptLevel::None);
        c.cranelift_regalloc_algorithm(wasmtime::RegallocAlgorithm::SinglePass);
    }
    c.wasm_bulk_memory(true);
    // Saturating float-to-int and sign-extension (needed by Go 1.26+) are always on in
    // wasmtime; there is no switch for them.
    c.wasm_multi_value(true);
    c.epoch_interruption(epoch);
    // Re-entry (Go → JS → Go …) nests host frames (boa's interpreter) between wasm frames,
    // and wasmtime counts them all against this limit. Runs get a 256 MiB thread stack.
    c.async_stack_size(WASM_STACK + (1 << 20));
    c.max_wasm_stack(WASM_STACK);
    c
}

/// Where compiled modules are cached: `$GOJS_NATIVE_CACHE_DIR`, else
/// `$CARGO_TARGET_DIR/gojs-harness/native-cache`, else this workspace's
/// `target/gojs-harness/native-cache`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GOJS_NATIVE_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("gojs-harness/native-cache");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/gojs-harness/native-cache")
}

/// The cache key of a module: sha256 of its bytes, of wasmtime's own compatibility hash
/// (its version and every compilation setting) and of our configuration tag.
pub fn cache_key(engine: &Engine, compiler: Compiler, bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let mut h = Sha256::new();
    h.update(bytes);
    h.update(b"\0wasmtime\0");
    h.update(compat.finish().to_le_bytes());
    h.update(CONFIG_TAG.as_bytes());
    // The compatibility hash covers the compiler strategy too; naming it keeps entries of
    // the two compilers apart even if that changes.
    h.update(compiler.name().as_bytes());
    h.update(std::env::consts::ARCH.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Compile `bytes`, through the cache in `cache_dir` when given. A cache entry that cannot
/// be loaded (corrupt, other engine) is replaced.
pub fn load_module(
    engine: &Engine,
    compiler: Compiler,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> anyhow::Result<Module> {
    let Some(dir) = cache_dir else {
        return compile(engine, bytes);
    };
    if let Some(m) = cached(engine, compiler, bytes, dir) {
        return Ok(m);
    }
    let module = compile(engine, bytes)?;
    store(engine, compiler, bytes, dir, &module);
    Ok(module)
}

/// The cached build of `bytes` by `compiler`, if there is a usable one. An entry that cannot
/// be loaded (corrupt, other engine) is removed.
pub fn cached(engine: &Engine, compiler: Compiler, bytes: &[u8], dir: &Path) -> Option<Module> {
    let path = dir.join(format!("{}.cwasm", cache_key(engine, compiler, bytes)));
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

/// Put `module`, the build of `bytes` by `compiler`, in the cache (best effort: a cache that
/// cannot be written only costs the next run a compile).
pub fn store(engine: &Engine, compiler: Compiler, bytes: &[u8], dir: &Path, module: &Module) {
    let key = cache_key(engine, compiler, bytes);
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

/// Start a detached `gojs-harness cache-fill` that builds `wasm` (whose contents are
/// `bytes`) with `compiler` into the cache in `dir`, outliving this process (best effort: if
/// it cannot start, a later run compiles). Only for the `gojs-harness` executable itself.
pub fn fill_in_background(wasm: &Path, bytes: &[u8], dir: &Path, epoch: bool, compiler: Compiler) {
    use std::os::unix::process::CommandExt as _;
    use std::process::{Command, Stdio};
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // Another program embedding the library (a test binary) has no `cache-fill` command.
    if exe.file_stem().is_none_or(|s| s != "gojs-harness") {
        return;
    }
    // One fill at a time per build: runs that follow each other quickly (go test -count=N)
    // would otherwise each start a compile of the same module.
    let marker = fill_marker(dir, epoch, compiler, bytes);
    let fresh = |m: &Path| {
        std::fs::metadata(m)
            .and_then(|md| md.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() < std::time::Duration::from_secs(600))
    };
    if std::fs::File::create_new(&marker).is_err() {
        if fresh(&marker) {
            return;
        }
        let _ = std::fs::File::create(&marker);
    }
    let mut cmd = Command::new(exe);
    cmd.arg("cache-fill")
        .arg("--cache-dir")
        .arg(dir)
        .arg("--compiler")
        .arg(compiler.name());
    if epoch {
        cmd.arg("--epoch");
    }
    cmd.arg(wasm)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C meant for the program does not stop it.
        .process_group(0);
    let _ = cmd.spawn();
}

/// `gojs-harness cache-fill`: build `wasm` with `compiler` into the cache in `dir` unless
/// it is there already.
pub fn fill(wasm: &Path, dir: &Path, epoch: bool, compiler: Compiler) -> anyhow::Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    // The tiered path of `run` (the one that starts fills) builds the rewritten module.
    let bytes = super::tierup::export_globals(&bytes).map_or(bytes, |(b, _)| b);
    let done = engine(epoch, compiler)
        .and_then(|engine| load_module(&engine, compiler, &bytes, Some(dir)));
    let _ = std::fs::remove_file(fill_marker(dir, epoch, compiler, &bytes));
    done.map(|_| ())
}

/// The file that says a background fill of this build is under way.
fn fill_marker(dir: &Path, epoch: bool, compiler: Compiler, bytes: &[u8]) -> PathBuf {
    let hash: String = Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let epoch = if epoch { "-epoch" } else { "" };
    dir.join(format!(".{hash}.{}{epoch}.filling", compiler.name()))
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

pub fn compile(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Module> {
    Module::new(engine, bytes)
        .map_err(|e| anyhow!("{e}"))
        .context("invalid wasm module")
}

#[cfg(test)]
mod tests {
    use super::*;

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
