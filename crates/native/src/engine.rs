//! The wasmtime engine configuration: which compiler, which proposals, how much stack.

use anyhow::{Context as _, anyhow};
use wasmtime::{Config, Engine, Module, Strategy};

/// Everything in the engine configuration that affects compiled code; part of the cache key.
pub(crate) const CONFIG_TAG: &str =
    "gojs-native/2 bulk-memory saturating-float-to-int sign-ext stack-128m";

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompilerChoice {
    /// Cranelift builds from the cache; Winch where a build is used once. With tiered
    /// caching a new module is built with Winch and cached, and when that build is used
    /// again, a background fill caches a Cranelift build for the runs after. Without the
    /// cache, Winch. Otherwise Cranelift builds are cached straight away.
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

/// [`engine`], compiling on the calling thread only: the same builds, and for a module of a
/// few functions no thread pool to wake (fuzzing compiles thousands of those a second).
pub fn serial_engine(epoch: bool, compiler: Compiler) -> anyhow::Result<Engine> {
    Engine::new(&serial_config(epoch, compiler)).map_err(|e| anyhow!("wasmtime engine: {e}"))
}

fn serial_config(epoch: bool, compiler: Compiler) -> Config {
    let mut c = config(epoch, compiler);
    c.parallel_compilation(false);
    c
}

/// Instances [`pooled_engine`] can hold at once: one per warm worker, and a fuzz process or
/// test binary has at most a few dozen.
pub const POOLED_INSTANCES: u32 = 64;
/// Linear memory a pooled instance's slot zeroes with `memset` when freed instead of
/// returning it to the kernel: enough for the few pages of a module compiled once and run
/// thousands of times.
const POOLED_KEEP_RESIDENT: usize = 1 << 20;

/// [`serial_engine`] whose instances come from a pool of [`POOLED_INSTANCES`] slots, kept
/// mapped from instance to instance. For a module instantiated thousands of times a second:
/// the on-demand allocator maps and unmaps a linear memory per instance, and each unmapping
/// flushes the TLB of every core the process runs on (a tenth of a fuzz target's time).
/// Instantiation fails once every slot is taken, so it is for a bounded number of
/// concurrent instances, and a memory's minimum must fit a slot (4 GiB, wasm32's whole space).
pub fn pooled_engine(epoch: bool, compiler: Compiler) -> anyhow::Result<Engine> {
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_core_instances(POOLED_INSTANCES)
        .total_memories(POOLED_INSTANCES)
        .total_tables(POOLED_INSTANCES)
        .linear_memory_keep_resident(POOLED_KEEP_RESIDENT)
        .table_keep_resident(POOLED_KEEP_RESIDENT);
    let mut c = serial_config(epoch, compiler);
    c.allocation_strategy(pool);
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

pub fn compile(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Module> {
    Module::new(engine, bytes)
        .map_err(|e| anyhow!("{e}"))
        .context("invalid wasm module")
}
