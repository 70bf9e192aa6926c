//! The imports as wasmtime host functions: each call is decoded by the ABI layer
//! ([`gojs_abi::imports`]) against the guest's memory, the boa realm and the run's shared
//! state; and the module's instantiation with the exports a run uses.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use boa_engine::{Context, JsValue};
use gojs_abi::imports::{Env, Flow, Import};
use gojs_abi::table::Table;
use gojs_abi::{AbiError, GuestMemory, Runtime};
use wasmtime::{
    Caller, Engine, Global, Instance, InstancePre, Linker, Memory, Module, ResourceLimiter, Store,
    Trap, TypedFunc,
};

use crate::realm::shared::{Shared, TimerKind};
use crate::realm::{BoaRealm, Helpers, JsKey, reentry};

pub(crate) type JsTable = Table<JsKey, JsValue>;

#[derive(Clone)]
pub(crate) struct Exports {
    pub(crate) run: TypedFunc<(i32, i32), ()>,
    pub(crate) resume: TypedFunc<(), ()>,
    pub(crate) getsp: TypedFunc<(), i32>,
    pub(crate) mem: Memory,
    /// Go's dispatch loop, in a module rewritten for tier-up (see [`crate::tierup`]).
    pub(crate) go_loop: Option<TypedFunc<(), ()>>,
}

pub(crate) struct Limiter {
    pub(crate) max: Option<u64>,
    pub(crate) denied: bool,
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

pub(crate) struct HostState {
    pub(crate) shared: Rc<Shared>,
    pub(crate) helpers: Rc<Helpers>,
    pub(crate) table: Rc<RefCell<JsTable>>,
    // Shared, not cloned per import: a TypedFunc clone copies its registered type, which
    // took a tenth of a JS-heavy program's time.
    pub(crate) exports: Option<Rc<Exports>>,
    pub(crate) limiter: Limiter,
    pub(crate) probe: Option<Arc<gojs_abi::table::TableProbe>>,
    /// The Cranelift build a run on Winch code may move to (see [`crate::tierup`]).
    pub(crate) tier: Option<Box<crate::tierup::Pending>>,
    /// The guest was entered from the event loop, and no import is in progress: no JS frame
    /// is below the wasm frames, so an import may unwind them to move the run mid-run.
    pub(crate) outer: bool,
    /// The instance an import moved the run to before unwinding (see
    /// [`crate::session::MovedMidRun`]).
    pub(crate) moved: Option<Box<crate::session::Moved>>,
}

impl HostState {
    /// The state a new instance gets: a fresh ref table for the realm `js` (with the probe's
    /// fault, if any), no exports yet, and the memory limit.
    pub(crate) fn new(
        js: &mut crate::realm::JsHost,
        probe: Option<Arc<gojs_abi::table::TableProbe>>,
        max_memory: Option<u64>,
    ) -> HostState {
        let table = {
            let mut realm = BoaRealm {
                ctx: &mut js.ctx,
                h: &js.helpers,
            };
            let mut t = gojs_abi::imports::new_table(&mut realm);
            t.inject_fault(probe.as_ref().and_then(|p| p.fault));
            t
        };
        HostState::sharing(
            js.shared.clone(),
            js.helpers.clone(),
            Rc::new(RefCell::new(table)),
            probe,
            max_memory,
        )
    }

    /// The state of an instance that shares the run's realm, ref table and probe (a new one,
    /// or the one a run moves to): no exports yet, no tier-up, the memory limit `max`.
    pub(crate) fn sharing(
        shared: Rc<Shared>,
        helpers: Rc<Helpers>,
        table: Rc<RefCell<JsTable>>,
        probe: Option<Arc<gojs_abi::table::TableProbe>>,
        max: Option<u64>,
    ) -> HostState {
        HostState {
            shared,
            helpers,
            table,
            exports: None,
            limiter: Limiter { max, denied: false },
            probe,
            tier: None,
            outer: false,
            moved: None,
        }
    }
}

/// The guest called `wasmExit`: unwinds every wasm frame up to the host.
#[derive(Debug)]
pub(crate) struct GuestExit(pub(crate) i32);
impl std::fmt::Display for GuestExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Go program exited with code {}", self.0)
    }
}
impl std::error::Error for GuestExit {}

/// Linear memory and `getsp` through the import's `Caller`.
pub(crate) struct CallerMem<'a, 'c> {
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
pub(crate) struct NativeRt<'a> {
    pub(crate) s: &'a Shared,
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
pub(crate) fn first_line(msg: &str) -> &str {
    msg.lines().next().unwrap_or("failed").trim_end()
}

/// One line describing an error: the root cause, first line only.
pub(crate) fn one_line(e: &anyhow::Error) -> String {
    if let Some(t) = e.downcast_ref::<Trap>() {
        return t.to_string();
    }
    if let Some(a) = e.downcast_ref::<AbiError>() {
        return a.to_string();
    }
    let root = e.root_cause().to_string();
    root.lines().next().unwrap_or("unknown error").to_string()
}

/// Why an import did not return to the guest, whichever engine runs it.
pub(crate) enum ImportStop {
    /// The program exited (`wasmExit`, or an exit a realm operation asked for).
    Exit(i32),
    /// The import failed on the guest's data (a bad pointer, id or string).
    Abi(AbiError),
    /// The host failed in a way that ends the run.
    Fatal(anyhow::Error),
    /// The ref table's invariants broke (a table probe's finding).
    Probe(String),
}

impl ImportStop {
    fn into_wasmtime(self) -> wasmtime::Error {
        match self {
            ImportStop::Exit(code) => wasmtime::Error::new(GuestExit(code)),
            ImportStop::Abi(e) => wasmtime::Error::new(e),
            ImportStop::Fatal(e) => wasmtime::Error::from_anyhow(e),
            ImportStop::Probe(msg) => wasmtime::Error::msg(msg),
        }
    }
}

/// The run's state an import reaches, whichever engine runs the module.
pub(crate) struct ImportHost<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) helpers: &'a Helpers,
    pub(crate) table: &'a RefCell<JsTable>,
    pub(crate) probe: Option<&'a gojs_abi::table::TableProbe>,
}

impl ImportHost<'_> {
    /// Run `import` against the guest's memory `mem`, with `resumer` for the FuncOf wrappers
    /// that JS run by the import calls; then the checks every import ends with (the table
    /// probe, a fatal host error, an exit).
    pub(crate) fn call<M: GuestMemory>(
        &self,
        mem: &mut M,
        resumer: &mut reentry::Resumer<'_>,
        import: Import,
        sp: u32,
    ) -> Result<(), ImportStop> {
        let shared = self.shared;
        let tracing = shared.trace.borrow().is_some();
        if let Some(t) = shared.trace.borrow_mut().as_mut() {
            t.enter(import, mem.bytes(), sp);
        }
        let result = reentry::with_resumer(resumer, || -> Result<Flow, AbiError> {
            // SAFETY: the context was published by whoever entered the guest (`enter` or a
            // resumer) and that scope is live below us; no other reference to it is in use.
            let ctx = unsafe { reentry::context() }
                .ok_or_else(|| AbiError::Other("no JS context".into()))?;
            let mut realm = BoaRealm {
                ctx,
                h: self.helpers,
            };
            let mut rt = NativeRt { s: shared };
            let r = Env {
                mem: &mut *mem,
                realm: &mut realm,
                table: self.table,
                rt: &mut rt,
            }
            .call(import, sp);
            if shared.exit.get().is_some() {
                realm.mark_exited();
            }
            r
        });
        if tracing {
            trace_return(mem, shared, import, result.is_ok());
        }
        shared.table_len.set(self.table.borrow().len());
        if let Some(p) = self.probe
            && let Err(e) = p.observe(import.name(), &self.table.borrow())
        {
            return Err(ImportStop::Probe(e));
        }
        if let Some(e) = shared.fatal.borrow_mut().take() {
            return Err(ImportStop::Fatal(e));
        }
        if let Some(code) = shared.exit.get() {
            return Err(ImportStop::Exit(code));
        }
        result.map(|_| ()).map_err(ImportStop::Abi)
    }
}

/// Run one import on behalf of the guest.
pub(crate) fn dispatch(
    caller: &mut Caller<'_, HostState>,
    import: Import,
    sp: u32,
) -> wasmtime::Result<()> {
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
    crate::session::note_g(caller);
    // Go re-entered by JS that this import runs must not be unwound by a move mid-run.
    let outer = std::mem::replace(&mut caller.data_mut().outer, false);
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
    let mut mem = CallerMem {
        caller: cp,
        ex: &ex,
    };
    let host = ImportHost {
        shared: &shared,
        helpers: &helpers,
        table: &table,
        probe: probe.as_deref(),
    };
    let result = host.call(&mut mem, &mut resumer, import, sp);
    caller.data_mut().outer = outer;
    match result {
        Ok(()) if outer && import == Import::Nanotime1 => {
            if let Some(moved) = crate::session::move_mid_run(caller, &ex, sp) {
                caller.data_mut().moved = Some(moved);
                return Err(wasmtime::Error::new(crate::session::MovedMidRun));
            }
            Ok(())
        }
        Ok(()) => Ok(()),
        Err(e) => Err(e.into_wasmtime()),
    }
}

/// Trace an import's results (read at the `sp` Go has now), or that it did not return.
fn trace_return<M: GuestMemory>(mem: &mut M, shared: &Shared, import: Import, ok: bool) {
    let returned = ok && shared.exit.get().is_none() && shared.fatal.borrow().is_none();
    let sp = if returned { mem.getsp().ok() } else { None };
    if let Some(t) = shared.trace.borrow_mut().as_mut() {
        match sp {
            Some(sp) => t.leave(import, mem.bytes(), sp),
            None => t.abandon(),
        }
    }
}

pub(crate) fn link(linker: &mut Linker<HostState>, module: &Module) -> anyhow::Result<()> {
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
                        gojs_abi::imports::gotest_add(a as u32, b as u32) as i32
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

/// Instantiate `module` in `store` and find the exports the run uses (`globals`: the names
/// of the mutable globals' exports, see [`crate::tierup`]).
pub(crate) fn instantiate(
    store: &mut Store<HostState>,
    engine: &Engine,
    module: &Module,
    globals: &[String],
) -> Result<(Exports, Vec<Global>), String> {
    let mut linker = Linker::new(engine);
    link(&mut linker, module).map_err(|e| format!("{e:#}"))?;
    let instance = linker.instantiate(&mut *store, module);
    found_exports(store, instance, globals)
}

/// The linked imports of `module`, ready to instantiate many times (runs of one module).
pub(crate) fn pre_instantiate(
    engine: &Engine,
    module: &Module,
) -> Result<InstancePre<HostState>, String> {
    let mut linker = Linker::new(engine);
    link(&mut linker, module).map_err(|e| format!("{e:#}"))?;
    linker.instantiate_pre(module).map_err(|e| {
        format!(
            "cannot instantiate module: {}",
            one_line(&anyhow::Error::from(e))
        )
    })
}

/// The exports a run uses, from an instantiation's result.
pub(crate) fn found_exports(
    store: &mut Store<HostState>,
    instance: wasmtime::Result<Instance>,
    globals: &[String],
) -> Result<(Exports, Vec<Global>), String> {
    let instance: Instance = instance.map_err(|e| {
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
        go_loop: instance
            .get_func(&mut *store, crate::rewrite::LOOP_EXPORT)
            .and_then(|f| f.typed(&*store).ok()),
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
