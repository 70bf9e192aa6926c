//! What a caller says about a run: the program, and how to run it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::FillRequest;
use crate::engine::CompilerChoice;
use crate::realm::sandbox::Grant;
use crate::tierup::TierUp;

/// What to run.
#[derive(Debug, Clone)]
pub struct Program {
    pub wasm: PathBuf,
    /// Arguments after `argv[0]` (`argv[0]` is the wasm path, as Node's runner does).
    pub args: Vec<String>,
    /// The environment the program sees.
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
}

/// Background work the embedder runs for the cache: build a module into it, usually in
/// another process so that the build outlives a short run (see [`crate::cache::fill`]).
#[derive(Clone)]
pub struct BackgroundFill(pub Arc<dyn Fn(&FillRequest) + Send + Sync>);

impl std::fmt::Debug for BackgroundFill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackgroundFill(..)")
    }
}

/// Options of a native run.
#[derive(Debug, Clone)]
pub struct NativeRunOptions {
    /// Virtual clock and seeded randomness.
    pub deterministic: bool,
    /// Seed of the deterministic random source.
    pub seed: u64,
    /// Wall-time limit.
    pub timeout: Option<Duration>,
    /// Linear-memory limit in bytes.
    pub max_memory: Option<u64>,
    /// stdout + stderr limit in bytes.
    pub max_output: u64,
    /// The compiled-module cache directory; `None` compiles every module afresh.
    pub cache_dir: Option<PathBuf>,
    /// Which compiler builds the module (see [`CompilerChoice`]).
    pub compiler: CompilerChoice,
    /// Tiered caching for [`CompilerChoice::Auto`], for a process that ends with the program
    /// (a `go_js_wasm_exec`): a module not in the cache is built by Winch and cached; when
    /// that build is used again, [`NativeRunOptions::background_fill`] is asked to put a
    /// Cranelift build in the cache for the runs after. Without it, `Auto` caches Cranelift
    /// builds straight away (a process that runs each module several times).
    pub tiered_cache: bool,
    /// With `tiered_cache`, when a run on Winch code moves to Cranelift code (see
    /// [`crate::tierup`]). Runs with a time limit never do.
    pub tier_up: TierUp,
    /// Who builds a module into the cache in the background (with `tiered_cache`); `None`:
    /// nobody, and later runs keep the Winch build.
    pub background_fill: Option<BackgroundFill>,
    /// Check the ref table's invariants after every import and record its state (fuzzing).
    pub table_probe: Option<Arc<gojs_abi::table::TableProbe>>,
    /// Write an import trace here (see [`gojs_abi::trace`]).
    pub trace: Option<PathBuf>,
    /// Directories the program may reach besides its working directory and its TMPDIR
    /// (a grant of `/` gives everything).
    pub dirs: Vec<Grant>,
    /// Give the program a fresh TMPDIR of its own (removed when the run ends) instead of
    /// the `TMPDIR` of its environment.
    pub private_tmpdir: bool,
    /// Give the program its working directory (off: it reaches only `dirs`).
    pub grant_cwd: bool,
}

impl Default for NativeRunOptions {
    fn default() -> Self {
        NativeRunOptions {
            deterministic: false,
            seed: 1,
            timeout: None,
            max_memory: None,
            max_output: 256 << 20,
            cache_dir: None,
            compiler: CompilerChoice::Auto,
            tiered_cache: false,
            tier_up: TierUp::Off,
            background_fill: None,
            table_probe: None,
            trace: None,
            dirs: Vec::new(),
            private_tmpdir: true,
            grant_cwd: true,
        }
    }
}
