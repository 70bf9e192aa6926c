//! Running one Go js/wasm module on wasmtime: linking, the argv/env block, `run`, the event
//! loop, re-entry, exits and limits.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use boa_engine::{Context, JsValue};
use wasmtime::{
    Caller, Engine, Global, Instance, Linker, Memory, Module, ResourceLimiter, Store, Trap,
    TypedFunc,
};

use super::args;
use super::engine::{self, Compiler, CompilerChoice};
use super::tierup;
use crate::abi::imports::{Env, Flow, Import};
use crate::abi::table::Table;
use crate::abi::{AbiError, GuestMemory, Runtime};
use crate::realm::fs::Fs;
use crate::realm::sandbox::{Grant, Sandbox};
use crate::realm::shared::{Shared, TimerKind};
use crate::realm::{BoaRealm, Helpers, JsHost, JsKey, RealmConfig, reentry};

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
    /// Use the compiled-module cache.
    pub cache: bool,
    /// Cache directory (default: [`engine::default_cache_dir`]).
    pub cache_dir: Option<PathBuf>,
    /// Which compiler builds the module (see [`CompilerChoice`]).
    pub compiler: CompilerChoice,
    /// Tiered caching for `--compiler auto` (set by `gojs-harness run`, whose process ends
    /// with the program): a module not in the cache is built by Winch and cached; when that
    /// build is used again, a detached `gojs-harness cache-fill` puts a Cranelift build in
    /// the cache for the runs after. Without it, `auto` caches Cranelift builds straight away
    /// (the suite runs each module in several trials of one process).
    pub tiered_cache: bool,
    /// With `tiered_cache`, when a run on Winch code moves to Cranelift code (see
    /// [`tierup`]). Runs with a time limit never do.
    pub tier_up: tierup::TierUp,
    /// Check the ref table's invariants after every import and record its state (fuzzing).
    pub table_probe: Option<Arc<crate::abi::table::TableProbe>>,
    /// Write an import trace here (see [`crate::abi::trace`]).
    pub trace: Option<PathBuf>,
    /// Directories the program may reach besides its working directory and its TMPDIR
    /// (`--dir HOST[:GUEST]`; a grant of `/` gives everything).
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
            cache: true,
            cache_dir: None,
            compiler: CompilerChoice::Auto,
            tiered_cache: false,
            tier_up: tierup::TierUp::Off,
            table_probe: None,
            trace: None,
            dirs: Vec::new(),
            private_tmpdir: true,
            grant_cwd: true,
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Program {
    pub wasm: PathBuf,
    /// Arguments after argv[0] (argv[0] is the wasm path, as Node's runner does).
    pub args: Vec<String>,
    /// The environment the program sees.
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
}

/// How a native run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exit(i32),
    Timeout,
}

/// Result of a native run (stdout/stderr empty when not captured).
#[derive(Debug, Clone)]
pub struct NativeOutcome {
    pub ending: Ending,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub wall: Duration,
    /// Where the time before the program's first instruction went.
    pub phases: Phases,
}

/// Start-up phases of a run (zero when the run did not get that far).
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// Reading the module and compiling it (or loading it from the cache).
    pub load: Duration,
    /// Building the JS realm (boa and the prelude).
    pub realm: Duration,
    /// Linking and instantiating the module.
    pub instantiate: Duration,
    /// The compiler whose build ran, and whether it came from the cache.
    pub build: Option<(Compiler, bool)>,
    /// When the run moved to Cranelift code (see [`tierup`]), counted from its start.
    pub tiered_up: Option<Duration>,
}

type JsTable = Table<JsKey, JsValue>;

#[derive(Clone)]
struct Exports {
    run: TypedFunc<(i32, i32), ()>,
    resume: TypedFunc<(), ()>,
    getsp: TypedFunc<(), i32>,
    mem: Memory,
}

struct Limiter {
    max: Option<u64>,
    denied: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if let Some(max) = self.max
            && desired as u64 > max
        {
            self.denied = true;
            return Ok(false);
        }
        Ok(true)
    }
    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

struct HostState {
    shared: Rc<Shared>,
    helpers: Rc<Helpers>,
    table: Rc<RefCell<JsTable>>,
    // Shared, not cloned per import: a TypedFunc clone copies its registered type, which
    // took a tenth of a JS-heavy program's time.
    exports: Option<Rc<Exports>>,
    limiter: Limiter,
    probe: Option<Arc<crate::abi::table::TableProbe>>,
}

/// The guest called `wasmExit`: unwinds every wasm frame up to the host.
#[derive(Debug)]
struct GuestExit(i32);
impl std::fmt::Display for GuestExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Go program exited with code {}", self.0)
    }
}
impl std::error::Error for GuestExit {}

/// Linear memory and `getsp` through the import's `Caller`.
struct CallerMem<'a, 'c> {
    caller: *mut Caller<'c, HostState>,
    ex: &'a Exports,
}

impl GuestMemory for CallerMem<'_, '_> {
    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `caller` points at the `Caller` of the import being run (see `dispatch`),
        // which is alive and otherwise unused while this value exists.
        unsafe { self.ex.mem.data_mut(&mut *self.caller) }
    }
    fn getsp(&mut self) -> Result<u32, AbiError> {
        // SAFETY: as in `bytes`.
        let r = unsafe { self.ex.getsp.call(&mut *self.caller, ()) };
        r.map(|v| v as u32)
            .map_err(|e| AbiError::GetSp(one_line(&anyhow::Error::from(e))))
    }
}

/// The runtime imports' host services.
struct NativeRt<'a> {
    s: &'a Shared,
}

impl Runtime for NativeRt<'_> {
    fn exit(&mut self, code: i32) {
        self.s.exit.set(Some(code));
    }
    fn write(&mut self, fd: i64, bytes: &[u8]) -> Result<(), AbiError> {
        self.s
            .out
            .borrow_mut()
            .write(fd, bytes)
            .map_err(AbiError::Other)
    }
    fn nanotime(&mut self) -> f64 {
        (self.s.clock.origin_ms() + self.s.clock.now_ms()) * 1_000_000.0
    }
    fn walltime_ms(&mut self) -> f64 {
        (self.s.clock.origin_ms() + self.s.clock.now_ms()).floor()
    }
    fn schedule_timeout(&mut self, ms: f64) -> i32 {
        let ms = if ms.is_nan() || ms < 1.0 {
            1.0
        } else {
            ms.min(2147483647.0)
        };
        let due = self.s.clock.now_us() + (ms * 1000.0) as u64;
        self.s.timers.borrow_mut().add_go(due)
    }
    fn clear_timeout(&mut self, id: i32) {
        self.s.timers.borrow_mut().clear(TimerKind::Go(id));
    }
    fn random(&mut self, buf: &mut [u8]) {
        self.s.rng.borrow_mut().fill(buf);
    }
    fn debug(&mut self, value: i32) {
        let _ = self
            .s
            .out
            .borrow_mut()
            .write(1, format!("{value}\n").as_bytes());
    }
}

/// The first line of a message (JS stacks and wasm backtraces follow it).
fn first_line(msg: &str) -> &str {
    msg.lines().next().unwrap_or("failed").trim_end()
}

/// One line describing an error: the root cause, first line only.
fn one_line(e: &anyhow::Error) -> String {
    if let Some(t) = e.downcast_ref::<Trap>() {
        return t.to_string();
    }
    if let Some(a) = e.downcast_ref::<AbiError>() {
        return a.to_string();
    }
    let root = e.root_cause().to_string();
    root.lines().next().unwrap_or("unknown error").to_string()
}

/// Run one import on behalf of the guest.
fn dispatch(caller: &mut Caller<'_, HostState>, import: Import, sp: u32) -> wasmtime::Result<()> {
    let (shared, helpers, table, ex, probe) = {
        let d = caller.data();
        (
            d.shared.clone(),
            d.helpers.clone(),
            d.table.clone(),
            d.exports.clone(),
            d.probe.clone(),
        )
    };
    let Some(ex) = ex else {
        return Err(wasmtime::Error::msg(
            "import called before the module was initialised",
        ));
    };
    let tracing = shared.trace.borrow().is_some();
    if let Some(t) = shared.trace.borrow_mut().as_mut() {
        t.enter(import, ex.mem.data(&*caller), sp);
    }
    let cp: *mut Caller<'_, HostState> = caller;
    let resume_ex = ex.clone();
    // The resumer for FuncOf wrappers called by JS that this import runs. It is the only user
    // of the `Caller` while the realm operation is in progress.
    let mut resumer = |ctx: &mut Context| -> anyhow::Result<()> {
        // SAFETY: `cp` is this import's `Caller`, alive for the whole `with_resumer` scope; the
        // import does not touch it while JS (and so this closure) runs.
        let c = unsafe { &mut *cp };
        reentry::with_context(ctx, || resume_ex.resume.call(c, ())).map_err(anyhow::Error::from)
    };
    let result = reentry::with_resumer(&mut resumer, || -> Result<Flow, AbiError> {
        // SAFETY: the context was published by whoever entered the guest (`enter` or a
        // resumer) and that scope is live below us; no other reference to it is in use.
        let ctx =
            unsafe { reentry::context() }.ok_or_else(|| AbiError::Other("no JS context".into()))?;
        let mut realm = BoaRealm { ctx, h: &helpers };
        let mut mem = CallerMem {
            caller: cp,
            ex: &ex,
        };
        let mut rt = NativeRt { s: &shared };
        let r = Env {
            mem: &mut mem,
            realm: &mut realm,
            table: &table,
            rt: &mut rt,
        }
        .call(import, sp);
        if shared.exit.get().is_some() {
            realm.mark_exited();
        }
        r
    });
    if tracing {
        trace_return(caller, &shared, &ex, import, result.is_ok());
    }
    shared.table_len.set(table.borrow().len());
    if let Some(p) = &probe
        && let Err(e) = p.observe(import.name(), &table.borrow())
    {
        return Err(wasmtime::Error::msg(e));
    }
    if let Some(e) = shared.fatal.borrow_mut().take() {
        return Err(wasmtime::Error::from_anyhow(e));
    }
    if let Some(code) = shared.exit.get() {
        return Err(wasmtime::Error::new(GuestExit(code)));
    }
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err(wasmtime::Error::new(e)),
    }
}

/// Trace an import's results (read at the `sp` Go has now), or that it did not return.
fn trace_return(
    caller: &mut Caller<'_, HostState>,
    shared: &Shared,
    ex: &Exports,
    import: Import,
    ok: bool,
) {
    let returned = ok && shared.exit.get().is_none() && shared.fatal.borrow().is_none();
    let sp = if returned {
        ex.getsp.call(&mut *caller, ()).ok()
    } else {
        None
    };
    if let Some(t) = shared.trace.borrow_mut().as_mut() {
        match sp {
            Some(sp) => t.leave(import, ex.mem.data(&*caller), sp as u32),
            None => t.abandon(),
        }
    }
}

fn link(linker: &mut Linker<HostState>, module: &Module) -> anyhow::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for imp in module.imports() {
        let (m, n) = (imp.module().to_string(), imp.name().to_string());
        if !seen.insert((m.clone(), n.clone())) {
            continue;
        }
        if let Some(i) = Import::from_name(&m, &n) {
            if i == Import::Debug {
                linker
                    .func_wrap(&m, &n, move |mut caller: Caller<'_, HostState>, v: i32| {
                        let shared = caller.data_mut().shared.clone();
                        if let Some(t) = shared.trace.borrow_mut().as_mut() {
                            t.enter(Import::Debug, &[], v as u32);
                            t.abandon();
                        }
                        NativeRt { s: &shared }.debug(v);
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            } else {
                linker
                    .func_wrap(&m, &n, move |mut caller: Caller<'_, HostState>, sp: i32| {
                        dispatch(&mut caller, i, sp as u32)
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            continue;
        }
        match (m.as_str(), n.as_str()) {
            ("_gotest", "add") => {
                linker
                    .func_wrap(&m, &n, |a: i32, b: i32| {
                        crate::abi::imports::gotest_add(a as u32, b as u32) as i32
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            ("_gotest", "callExport") => {
                linker
                    .func_wrap(
                        &m,
                        &n,
                        |mut caller: Caller<'_, HostState>,
                         a: i32,
                         b: i64|
                         -> wasmtime::Result<i64> {
                            let f0 = caller
                                .get_export("testExport0")
                                .and_then(|e| e.into_func())
                                .ok_or_else(|| {
                                    wasmtime::Error::msg("export testExport0 missing")
                                })?;
                            f0.typed::<(), ()>(&caller)?.call(&mut caller, ())?;
                            let f = caller
                                .get_export("testExport")
                                .and_then(|e| e.into_func())
                                .ok_or_else(|| wasmtime::Error::msg("export testExport missing"))?;
                            f.typed::<(i32, i64), i64>(&caller)?
                                .call(&mut caller, (a, b))
                        },
                    )
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            _ => anyhow::bail!("unsupported import {m}.{n}"),
        }
    }
    Ok(())
}

/// A run in progress.
struct Session {
    store: Store<HostState>,
    js: JsHost,
    ex: Exports,
    /// The mutable globals, exported for tier-up; empty when the run cannot tier up.
    globals: Vec<Global>,
    /// The Cranelift build being made for tier-up, and the names of the globals' exports.
    tier: Option<(tierup::Background, Vec<String>)>,
    started: Instant,
    timeout: Option<Duration>,
    timed_out: Arc<AtomicBool>,
    phases: Phases,
}

/// How a step of the run ended.
enum Stop {
    Exit(i32),
    Timeout,
    /// Exit 1 with this message.
    Fail(String),
}

impl Session {
    fn shared(&self) -> Rc<Shared> {
        self.js.shared.clone()
    }

    /// Call into the guest (`run` or `resume`) with the realm published.
    fn enter(
        &mut self,
        f: impl FnOnce(&mut Store<HostState>, &Exports) -> wasmtime::Result<()>,
    ) -> Result<(), Stop> {
        let ex = self.ex.clone();
        let store = &mut self.store;
        let r = reentry::with_context(&mut self.js.ctx, || f(store, &ex));
        self.check(r.map_err(anyhow::Error::from))
    }

    /// Run JS from the event loop, with a resumer for FuncOf wrappers it may call.
    fn with_js<R>(&mut self, f: impl FnOnce(&mut BoaRealm<'_>) -> R) -> R {
        let resume_fn = self.ex.resume.clone();
        let sp: *mut Store<HostState> = &mut self.store;
        let mut resumer = |ctx: &mut Context| -> anyhow::Result<()> {
            // SAFETY: `sp` is this session's store; nothing else uses it while `f` runs.
            let s = unsafe { &mut *sp };
            reentry::with_context(ctx, || resume_fn.call(s, ())).map_err(anyhow::Error::from)
        };
        let helpers = self.js.helpers.clone();
        let ctx = &mut self.js.ctx;
        reentry::with_resumer(&mut resumer, || {
            let mut realm = BoaRealm { ctx, h: &helpers };
            f(&mut realm)
        })
    }

    /// Classify the result of entering the guest or running JS.
    fn check(&mut self, r: anyhow::Result<()>) -> Result<(), Stop> {
        let shared = self.shared();
        if let Some(code) = shared.exit.get() {
            return Err(Stop::Exit(code));
        }
        if self.timed_out.load(Ordering::SeqCst) {
            return Err(Stop::Timeout);
        }
        if shared.out.borrow().exceeded {
            return Err(Stop::Fail(format!(
                "output limit of {} bytes exceeded",
                shared.out.borrow().limit
            )));
        }
        if let Some(e) = shared.fatal.borrow_mut().take() {
            return Err(Stop::Fail(one_line(&e)));
        }
        match r {
            Ok(()) => Ok(()),
            Err(e) => {
                if self.store.data().limiter.denied {
                    let max = self.store.data().limiter.max.unwrap_or(0);
                    return Err(Stop::Fail(format!("memory limit of {max} bytes exceeded")));
                }
                Err(Stop::Fail(one_line(&e)))
            }
        }
    }

    fn js_result(&mut self, r: Result<(), JsValue>) -> Result<(), Stop> {
        match r {
            Ok(()) => self.check(Ok(())),
            Err(thrown) => {
                self.check(Ok(()))?;
                let msg = self.with_js(|realm| crate::abi::realm::Realm::describe(realm, &thrown));
                Err(Stop::Fail(format!("uncaught JavaScript exception: {msg}")))
            }
        }
    }

    fn resume(&mut self) -> Result<(), Stop> {
        self.shared().trace_event("resume");
        self.enter(|s, ex| ex.resume.call(s, ()))
    }

    fn remaining(&self) -> Option<Duration> {
        self.timeout
            .map(|t| t.saturating_sub(self.started.elapsed()))
    }

    /// Move to the Cranelift build once it is ready. Called with the program paused (no wasm
    /// frame on the stack); if anything fails, the run goes on where it was.
    fn tier_up(&mut self) {
        let Some(ready) = self.tier.as_ref().and_then(|(b, _)| b.ready()) else {
            return;
        };
        let Some((_, names)) = self.tier.take() else {
            return;
        };
        let Ok((engine, module)) = ready else {
            return;
        };
        let old = self.store.data();
        let state = HostState {
            shared: old.shared.clone(),
            helpers: old.helpers.clone(),
            table: old.table.clone(),
            exports: None,
            limiter: Limiter {
                max: old.limiter.max,
                denied: false,
            },
            probe: old.probe.clone(),
        };
        let mut store = Store::new(&engine, state);
        store.limiter(|s| &mut s.limiter);
        let Ok((ex, globals)) = instantiate(&mut store, &engine, &module, &names) else {
            return;
        };
        if globals.len() != self.globals.len() {
            return;
        }
        let old_mem = self.ex.mem.data(&self.store);
        let pages = |len: usize| (len / (64 << 10)) as u64;
        let initial = ex.mem.data_size(&store).min(old_mem.len());
        let grow = pages(old_mem.len()).saturating_sub(pages(initial));
        if ex.mem.grow(&mut store, grow).is_err() || ex.mem.data_size(&store) != old_mem.len() {
            return;
        }
        copy_memory(ex.mem.data_mut(&mut store), old_mem, initial);
        for (new, old) in globals.iter().zip(&self.globals) {
            let v = old.get(&mut self.store);
            if new.set(&mut store, v).is_err() {
                return;
            }
        }
        store.data_mut().exports = Some(Rc::new(ex.clone()));
        self.store = store;
        self.ex = ex;
        self.globals = globals;
        self.phases.tiered_up = Some(self.started.elapsed());
    }

    /// The event loop, after `run` returned with the program paused.
    fn event_loop(&mut self) -> Result<(), Stop> {
        let shared = self.shared();
        loop {
            self.tier_up();
            let jobs = self.with_js(|realm| realm.run_jobs());
            self.js_result(jobs)?;
            let next = shared.timers.borrow_mut().peek();
            let Some((due, kind)) = next else {
                // Nothing can wake Go any more: the deadlock event, as Node's runner sends it
                // from `process.on("exit")`. Whatever Go does then, the process ends there
                // (with status 0 if Go did not exit).
                let r = self.with_js(|realm| realm.post_deadlock_event());
                self.js_result(r)?;
                self.resume()?;
                return Err(Stop::Exit(0));
            };
            if shared.clock.is_virtual() {
                shared.clock.advance_to(due);
            } else {
                let now = shared.clock.now_us();
                if due > now {
                    let wait = Duration::from_micros(due - now);
                    match self.remaining() {
                        Some(rem) if rem < wait => {
                            std::thread::sleep(rem);
                            return Err(Stop::Timeout);
                        }
                        _ => std::thread::sleep(wait),
                    }
                }
            }
            if self.remaining() == Some(Duration::ZERO) {
                return Err(Stop::Timeout);
            }
            shared.timers.borrow_mut().pop();
            match kind {
                TimerKind::Go(_) => {
                    self.resume()?;
                    while shared.timers.borrow().is_live(kind) {
                        shared
                            .out
                            .borrow_mut()
                            .note("scheduleTimeoutEvent: missed timeout event");
                        self.resume()?;
                    }
                }
                TimerKind::Js(id) => {
                    let r = self.with_js(|realm| realm.run_js_timer(id));
                    self.js_result(r)?;
                }
            }
        }
    }
}

/// Copy linear memory `from` into `to`, a fresh instance's memory of the same size whose
/// first `initial` bytes hold its data segments and whose rest is zero (just grown). Pages
/// of that rest that are zero in `from` too are left alone: writing them would only make
/// the system back them with memory, which for a program whose heap once grew large (and
/// was zeroed when freed) is most of a tier-up's time.
fn copy_memory(to: &mut [u8], from: &[u8], initial: usize) {
    to[..initial].copy_from_slice(&from[..initial]);
    for (t, f) in to[initial..]
        .chunks_mut(4096)
        .zip(from[initial..].chunks(4096))
    {
        if f.iter().fold(0, |acc, b| acc | b) != 0 {
            t.copy_from_slice(f);
        }
    }
}

/// Instantiate `module` in `store` and find the exports the run uses (`globals`: the names
/// of the mutable globals' exports, see [`tierup`]).
fn instantiate(
    store: &mut Store<HostState>,
    engine: &Engine,
    module: &Module,
    globals: &[String],
) -> Result<(Exports, Vec<Global>), String> {
    let mut linker = Linker::new(engine);
    link(&mut linker, module).map_err(|e| format!("{e:#}"))?;
    let instance: Instance = linker.instantiate(&mut *store, module).map_err(|e| {
        if store.data().limiter.denied {
            format!(
                "memory limit of {} bytes exceeded",
                store.data().limiter.max.unwrap_or(0)
            )
        } else {
            format!(
                "cannot instantiate module: {}",
                one_line(&anyhow::Error::from(e))
            )
        }
    })?;
    let get = |store: &mut Store<HostState>, name: &str| -> Result<wasmtime::Func, String> {
        instance
            .get_func(&mut *store, name)
            .ok_or_else(|| format!("module has no export {name:?}"))
    };
    let ex = Exports {
        run: get(store, "run")?
            .typed(&*store)
            .map_err(|e| format!("export run: {e}"))?,
        resume: get(store, "resume")?
            .typed(&*store)
            .map_err(|e| format!("export resume: {e}"))?,
        getsp: get(store, "getsp")?
            .typed(&*store)
            .map_err(|e| format!("export getsp: {e}"))?,
        mem: instance
            .get_memory(&mut *store, "mem")
            .ok_or("module has no memory export \"mem\"")?,
    };
    let globals = globals
        .iter()
        .map(|name| {
            instance
                .get_global(&mut *store, name)
                .ok_or_else(|| format!("module has no export {name:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ex, globals))
}

/// A module ready to run: its build, the engine it was built for, and for a run that may
/// tier up, the Cranelift build under way and the names of the globals' exports.
struct Built {
    engine: Engine,
    module: Module,
    build: (Compiler, bool),
    tier: Option<(tierup::Background, Vec<String>)>,
}

/// The module, from the cache or compiled, and the engine it was built for.
fn build_module(
    opts: &NativeRunOptions,
    epoch: bool,
    bytes: &[u8],
    wasm: &Path,
    cache_dir: Option<PathBuf>,
) -> Result<Built, String> {
    let err = |e: anyhow::Error| format!("{e:#}");
    let built = |engine, module, build| Built {
        engine,
        module,
        build,
        tier: None,
    };
    if opts.compiler == CompilerChoice::Auto && opts.tiered_cache {
        return build_tiered(epoch, bytes, wasm, cache_dir, opts.tier_up).map_err(err);
    }
    let Some(dir) = cache_dir else {
        let compiler = opts.compiler.uncached();
        let engine = engine::engine(epoch, compiler).map_err(err)?;
        let module = engine::compile(&engine, bytes).map_err(err)?;
        return Ok(built(engine, module, (compiler, false)));
    };
    let first = opts.compiler.cached();
    let engine = engine::engine(epoch, first).map_err(err)?;
    if let Some(m) = engine::cached(&engine, first, bytes, &dir) {
        return Ok(built(engine, m, (first, true)));
    }
    let module = engine::compile(&engine, bytes).map_err(err)?;
    engine::store(&engine, first, bytes, &dir, &module);
    Ok(built(engine, module, (first, false)))
}

/// `--compiler auto` in `gojs-harness run`: a cached Cranelift build if there is one, else
/// Winch code, which tiers up (see [`tierup`]) if the run lasts. A module seen for the first
/// time is often run only once (`go test -exec`): it is built quickly and cached. When that
/// build is used again, a detached process caches a Cranelift build for the runs after.
fn build_tiered(
    epoch: bool,
    original: &[u8],
    wasm: &Path,
    cache_dir: Option<PathBuf>,
    tier_up: tierup::TierUp,
) -> anyhow::Result<Built> {
    let rewritten = tierup::export_globals(original).ok();
    let bytes = rewritten.as_ref().map_or(original, |(b, _)| b.as_slice());
    let winch = engine::engine(epoch, Compiler::Winch)?;
    let (module, hit) = match &cache_dir {
        Some(dir) => {
            let cranelift = engine::engine(epoch, Compiler::Cranelift)?;
            // The tier-up's and the fills' builds are of the rewritten module; the suite's
            // of the original one.
            let found = engine::cached(&cranelift, Compiler::Cranelift, bytes, dir).or_else(|| {
                (bytes != original)
                    .then(|| engine::cached(&cranelift, Compiler::Cranelift, original, dir))
                    .flatten()
            });
            if let Some(m) = found {
                return Ok(Built {
                    engine: cranelift,
                    module: m,
                    build: (Compiler::Cranelift, true),
                    tier: None,
                });
            }
            match engine::cached(&winch, Compiler::Winch, bytes, dir) {
                Some(m) => {
                    engine::fill_in_background(wasm, bytes, dir, epoch, Compiler::Cranelift);
                    (m, true)
                }
                None => {
                    let m = engine::compile(&winch, bytes)?;
                    engine::store(&winch, Compiler::Winch, bytes, dir, &m);
                    (m, false)
                }
            }
        }
        None => (engine::compile(&winch, bytes)?, false),
    };
    // Epoch checks are compiled in, and the time limit's watchdog holds this engine: a run
    // with a time limit stays on it.
    let tier = match rewritten {
        Some((bytes, names)) if !epoch => {
            tierup::Background::start(bytes, cache_dir, tier_up).map(|b| (b, names))
        }
        _ => None,
    };
    Ok(Built {
        engine: winch,
        module,
        build: (Compiler::Winch, hit),
        tier,
    })
}

/// `process.pid` in deterministic mode.
pub const DETERMINISTIC_PID: i64 = 4096;

fn prepare(
    program: &Program,
    opts: &NativeRunOptions,
    shared: Rc<Shared>,
    timed_out: Arc<AtomicBool>,
    started: Instant,
) -> Result<(Session, Engine, i32, i32), String> {
    let t_load = Instant::now();
    let bytes = std::fs::read(&program.wasm)
        .map_err(|e| format!("cannot read {}: {e}", program.wasm.display()))?;
    let epoch = opts.timeout.is_some();
    let cache_dir = opts.cache.then(|| {
        opts.cache_dir
            .clone()
            .unwrap_or_else(engine::default_cache_dir)
    });
    let Built {
        engine,
        module,
        build,
        tier,
    } = build_module(opts, epoch, &bytes, &program.wasm, cache_dir)?;
    let global_names = tier.as_ref().map(|(_, n)| n.clone()).unwrap_or_default();

    let mut argv = vec![program.wasm.to_string_lossy().into_owned()];
    argv.extend(program.args.iter().cloned());
    let env_strings = args::env_strings(&program.env);
    let limit = args::limit_for(module.imports().map(|i| i.name()));
    let (block, argc, argv_addr) = args::layout(&argv, &env_strings, limit)?;

    let mut node_argv = vec!["node".to_string(), "wasm_exec_node.js".to_string()];
    node_argv.extend(argv.iter().cloned());
    let mut cfg = RealmConfig::from_process(
        node_argv,
        program.env.clone(),
        program.cwd.to_string_lossy().into_owned(),
    );
    if opts.deterministic {
        // The process ids are the one other input that changes from run to run.
        (cfg.pid, cfg.ppid) = (DETERMINISTIC_PID, DETERMINISTIC_PID - 1);
    }
    let mut phases = Phases {
        load: t_load.elapsed(),
        build: Some(build),
        ..Phases::default()
    };
    let t_realm = Instant::now();
    let mut js = JsHost::new(shared.clone(), &cfg).map_err(|e| format!("{e:#}"))?;
    phases.realm = t_realm.elapsed();
    let t_inst = Instant::now();

    let table = {
        let mut realm = BoaRealm {
            ctx: &mut js.ctx,
            h: &js.helpers,
        };
        let mut t = crate::abi::imports::new_table(&mut realm);
        t.inject_fault(opts.table_probe.as_ref().and_then(|p| p.fault));
        t
    };
    let state = HostState {
        shared: shared.clone(),
        helpers: js.helpers.clone(),
        table: Rc::new(RefCell::new(table)),
        exports: None,
        limiter: Limiter {
            max: opts.max_memory,
            denied: false,
        },
        probe: opts.table_probe.clone(),
    };
    let mut store = Store::new(&engine, state);
    store.limiter(|s| &mut s.limiter);
    if opts.timeout.is_some() {
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
    }

    let (ex, globals) = instantiate(&mut store, &engine, &module, &global_names)?;
    store.data_mut().exports = Some(Rc::new(ex.clone()));
    let mem = ex.mem.data_mut(&mut store);
    if mem.len() < args::ARGS_START + block.len() {
        return Err("linear memory too small for the argv/env block".into());
    }
    mem[args::ARGS_START..args::ARGS_START + block.len()].copy_from_slice(&block);
    let timeout = opts.timeout;
    phases.instantiate = t_inst.elapsed();
    Ok((
        Session {
            store,
            js,
            ex,
            globals,
            tier,
            started,
            timeout,
            timed_out,
            phases,
        },
        engine,
        argc,
        argv_addr,
    ))
}

/// The directories a run gives: the working directory, the private TMPDIR (whose path
/// replaces `TMPDIR` in the program's environment) and `opts.dirs`.
fn file_system(
    program: &mut Program,
    opts: &NativeRunOptions,
    capture: bool,
) -> Result<(Fs, Option<tempfile::TempDir>), String> {
    let cwd = std::path::absolute(&program.cwd)
        .map_err(|e| format!("working directory {}: {e}", program.cwd.display()))?;
    let cwd = cwd.to_string_lossy().into_owned();
    let mut grants = Vec::new();
    if opts.grant_cwd {
        grants.push(Grant::new(Path::new(&cwd), &cwd)?);
    }
    let tmp = if opts.private_tmpdir {
        let t = tempfile::Builder::new()
            .prefix("gojs-tmp-")
            .tempdir()
            .map_err(|e| format!("cannot make the program's TMPDIR: {e}"))?;
        let path = std::fs::canonicalize(t.path())
            .map_err(|e| format!("cannot make the program's TMPDIR: {e}"))?;
        let path = path.to_string_lossy().into_owned();
        grants.push(Grant::new(Path::new(&path), &path)?);
        program.env.insert("TMPDIR".into(), path);
        Some(t)
    } else {
        None
    };
    grants.extend(opts.dirs.iter().cloned());
    Ok((Fs::new(Sandbox::new(grants, &cwd), !capture), tmp))
}

/// Run a module to completion.
pub fn run(program: &Program, opts: &NativeRunOptions, capture: bool) -> NativeOutcome {
    let started = Instant::now();
    let shared = Rc::new(Shared::new(
        capture,
        opts.max_output,
        opts.deterministic,
        opts.seed,
    ));
    let mut program = program.clone();
    // Removed when the run ends (dropped at the end of this function).
    let (fs_failed, _tmpdir) = match file_system(&mut program, opts, capture) {
        Ok((fs, tmp)) => {
            *shared.fs.borrow_mut() = fs;
            (None, tmp)
        }
        Err(e) => (Some(e), None),
    };
    let program = &program;
    let timed_out = Arc::new(AtomicBool::new(false));
    let trace_failed =
        opts.trace
            .as_ref()
            .and_then(|path| match crate::abi::trace::Tracer::to_file(path) {
                Ok(t) => {
                    *shared.trace.borrow_mut() = Some(t);
                    None
                }
                Err(e) => Some(format!("cannot write the trace to {}: {e}", path.display())),
            });
    let prepared = match trace_failed.or(fs_failed) {
        Some(msg) => Err(msg),
        None => prepare(program, opts, shared.clone(), timed_out.clone(), started),
    };
    let mut phases = Phases::default();
    let stop = match prepared {
        Err(msg) => Stop::Fail(msg),
        Ok((mut session, engine, argc, argv)) => {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let watchdog = opts.timeout.map(|t| {
                let flag = timed_out.clone();
                let engine = engine.clone();
                let t = t.saturating_sub(started.elapsed());
                std::thread::spawn(move || {
                    if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(t) {
                        flag.store(true, Ordering::SeqCst);
                        engine.increment_epoch();
                    }
                })
            });
            shared.trace_event("run");
            let r = session
                .enter(|s, ex| ex.run.call(s, (argc, argv)))
                .and_then(|()| session.event_loop());
            drop(tx);
            phases = session.phases;
            if let Some(w) = watchdog {
                let _ = w.join();
            }
            let denied = session.store.data().limiter.denied;
            // Drop JS values held by the table before the realm goes.
            session.store.data().table.borrow_mut().clear();
            let Session { store, js, .. } = session;
            drop(store);
            drop(js);
            match r {
                Ok(()) => Stop::Exit(0),
                // Go reports a failed memory.grow as its own fatal error; say why it failed.
                Err(Stop::Exit(c)) if denied && c != 0 => Stop::Fail(format!(
                    "memory limit of {} bytes exceeded",
                    opts.max_memory.unwrap_or(0)
                )),
                Err(s) => s,
            }
        }
    };
    let ending = match stop {
        Stop::Exit(c) => Ending::Exit(c),
        Stop::Timeout => {
            let t = opts.timeout.unwrap_or_default();
            shared.out.borrow_mut().note(&format!(
                "gojs-harness: time limit of {:.1}s exceeded",
                t.as_secs_f64()
            ));
            Ending::Timeout
        }
        Stop::Fail(msg) => {
            shared
                .out
                .borrow_mut()
                .note(&format!("gojs-harness: {}", first_line(&msg)));
            Ending::Exit(1)
        }
    };
    if let Some(mut t) = shared.trace.borrow_mut().take() {
        t.flush();
        if let Some(e) = t.error {
            shared
                .out
                .borrow_mut()
                .note(&format!("gojs-harness: writing the trace failed: {e}"));
        }
    }
    let mut out = shared.out.borrow_mut();
    NativeOutcome {
        ending,
        stdout: std::mem::take(&mut out.stdout),
        stderr: std::mem::take(&mut out.stderr),
        wall: started.elapsed(),
        phases,
    }
}

/// The module's path as Node's runner would put it in argv[0].
pub fn wasm_arg0(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Native stack of the thread a run gets (wasm, plus boa frames between re-entrant calls).
pub const RUN_STACK: usize = 256 << 20;

/// How long past its time limit a run may take to notice before it is abandoned.
const GRACE: Duration = Duration::from_secs(3);

/// [`run`] on a thread of its own with a big stack. The time limit interrupts wasm through
/// epochs; JS that never returns (an endless loop in `eval`) cannot be interrupted, so a run
/// still going [`GRACE`] after its limit is abandoned (its thread is left running, detached)
/// and reported as timed out.
pub fn run_isolated(program: &Program, opts: &NativeRunOptions, capture: bool) -> NativeOutcome {
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    let (p, o) = (program.clone(), opts.clone());
    let spawned = std::thread::Builder::new()
        .name("gojs-native".into())
        .stack_size(RUN_STACK)
        .spawn(move || {
            let _ = tx.send(run(&p, &o, capture));
        });
    let failed = |msg: String| NativeOutcome {
        ending: Ending::Exit(1),
        stdout: Vec::new(),
        stderr: format!("gojs-harness: {msg}\n").into_bytes(),
        wall: started.elapsed(),
        phases: Phases::default(),
    };
    if let Err(e) = spawned {
        return failed(format!("cannot start the run thread: {e}"));
    }
    let received = match opts.timeout {
        Some(t) => rx
            .recv_timeout(t + GRACE)
            .map_err(|e| matches!(e, std::sync::mpsc::RecvTimeoutError::Timeout)),
        None => rx.recv().map_err(|_| false),
    };
    match received {
        Ok(outcome) => outcome,
        Err(true) => {
            let msg = format!(
                "gojs-harness: time limit of {:.1}s exceeded (JS did not return; run abandoned)\n",
                opts.timeout.unwrap_or_default().as_secs_f64()
            );
            if !capture {
                eprint!("{msg}");
            }
            NativeOutcome {
                ending: Ending::Timeout,
                stdout: Vec::new(),
                stderr: if capture {
                    msg.into_bytes()
                } else {
                    Vec::new()
                },
                wall: started.elapsed(),
                phases: Phases::default(),
            }
        }
        Err(false) => failed("the run thread panicked".into()),
    }
}
