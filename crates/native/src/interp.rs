//! The first tier of a module never seen: wasmi, an interpreter that translates a function
//! into its own bytecode the first time it is called.
//!
//! Winch compiles all of a module before its first instruction runs (180 ms for a 2 MB hello
//! world, more than a JS host takes for the whole run), and a module run once, as every
//! `go test -exec` binary is, runs a small part of its code. The interpreter starts at once
//! and pays only for the functions the program reaches. A run that lasts moves on to
//! Cranelift code as a Winch run does ([`crate::tierup`]): the same rewritten module, the
//! same moves at a pause or at a `runtime.nanotime1` call, with memory and globals read
//! through wasmi's API instead of wasmtime's.
//!
//! The module was validated whole before (it is the same check as for a compiled run), so
//! wasmi is told to check nothing again and to translate lazily: what it finds invalid later
//! can only be a proposal it lacks, and [`supported`] keeps such modules off it.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use boa_engine::Context;
use gojs_abi::imports::Import;
use gojs_abi::{AbiError, GuestMemory};
use wasmi::{Caller, Engine, Linker, Memory, Module, Store, TypedFunc};

use crate::link::{GuestExit, ImportHost, ImportStop, JsTable, one_line};
use crate::realm::shared::Shared;
use crate::realm::{Helpers, JsHost, reentry};
use crate::session::{Moved, MovedMidRun, carry_state};
use crate::tierup::{Background, Later, Pending};

/// Calls deep enough for Go's recursion: wasmtime gives a run 128 MiB of wasm stack.
const MAX_RECURSION: usize = 1 << 20;
/// Value-stack slots (8 bytes each) across those calls.
const MAX_STACK_SLOTS: usize = 16 << 20;

/// Fuel (about one unit an instruction) the interpreter runs between looks at the Winch build
/// (see [`Interpreted::enter`]).
const SLICE: u64 = 20_000_000;

/// Fuel for a call into Go made by JS that an import runs: such a call is never preempted.
const NESTED: u64 = u64::MAX / 4;

/// The interpreter's engine: lazy translation, without a second validation; fuel, so that a
/// computation that never calls an import can still be moved (see [`Interpreted::enter`]).
pub(crate) fn engine() -> Engine {
    let mut c = wasmi::Config::default();
    c.compilation_mode(wasmi::CompilationMode::Lazy);
    c.consume_fuel(true);
    // Translating a function on its first call costs no fuel: running out there is an error,
    // not a pause the run can resume from (wasmi 2.0). A bulk memory instruction (a
    // `memory.grow`, `fill` or `copy` of any size) costs about one: it runs at the speed of
    // the host's memcpy, and at 64 bytes a fuel Go's 2 GiB allocation in `bytes`'
    // `TestIssue65571` cost more than a slice.
    c.fuel_cost(wasmi::CustomFuelCosts {
        bytes_copied_per_fuel: u32::MAX,
        fuel_per_bytes_translated: 0,
        fuel_per_bytes_validated: 0,
    });
    c.set_max_recursion_depth(MAX_RECURSION);
    c.set_max_stack_height(MAX_STACK_SLOTS);
    Engine::new(&c)
}

/// The wasm proposals a module may use to run on the interpreter: those of Go's
/// `GOARCH=wasm` code (the MVP, mutable globals, sign extension, saturating float-to-int
/// conversions, bulk memory) and multi-value, all of which wasmi supports.
fn features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::MUTABLE_GLOBAL
        | F::SIGN_EXTENSION
        | F::SATURATING_FLOAT_TO_INT
        | F::BULK_MEMORY
        | F::MULTI_VALUE
        | F::FLOATS
}

/// Whether the interpreter can run `bytes` (a module already validated with every
/// proposal): it uses no proposal beyond [`features`], and every import is one the
/// interpreter's link layer provides.
pub(crate) fn supported(bytes: &[u8]) -> bool {
    let mut v = wasmparser::Validator::new_with_features(features());
    if v.validate_all(bytes).is_err() {
        return false;
    }
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .all(|p| match p {
            Ok(wasmparser::Payload::ImportSection(r)) => r.into_iter().all(|i| {
                i.is_ok_and(|i| {
                    !matches!(i.ty, wasmparser::TypeRef::Func(_))
                        || Import::from_name(i.module, i.name).is_some()
                })
            }),
            Ok(_) => true,
            Err(_) => false,
        })
}

/// `bytes` (valid, see [`supported`]) ready to instantiate on the interpreter.
pub(crate) fn load(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Module> {
    // SAFETY: `new_unchecked` skips validation; `supported` validated these bytes whole,
    // with only the proposals wasmi implements.
    unsafe { Module::new_unchecked(engine, bytes) }
        .map_err(|e| anyhow::anyhow!("the interpreter refused the module: {e}"))
}

/// The exports a run uses, on the interpreter.
pub(crate) struct Exports {
    run: TypedFunc<(i32, i32), ()>,
    resume: TypedFunc<(), ()>,
    getsp: TypedFunc<(), i32>,
    mem: Memory,
    /// Go's dispatch loop and the safe points' globals, when the module has them (see
    /// [`crate::safepoint`]).
    go_loop: Option<TypedFunc<(), ()>>,
    want: Option<wasmi::Global>,
    pc: Option<wasmi::Global>,
}

/// A store's data: the run's shared state, as [`crate::link::HostState`] has it for
/// compiled code.
pub(crate) struct State {
    shared: Rc<Shared>,
    helpers: Rc<Helpers>,
    table: Rc<RefCell<JsTable>>,
    probe: Option<Arc<gojs_abi::table::TableProbe>>,
    exports: Option<Rc<Exports>>,
    tier: Option<Box<Pending<wasmi::Global>>>,
    /// The Cranelift build to start once the run is on Winch code.
    later: Option<Later>,
    /// As [`crate::link::HostState::outer`].
    outer: bool,
    moved: Option<Box<Moved>>,
}

/// A run on the interpreter.
pub(crate) struct Interpreted {
    store: Store<State>,
    ex: Rc<Exports>,
    /// The move was made at a safe point.
    safe_point_move: bool,
}

/// Instantiate `module` for the realm `js`; `tier` is the Winch build under way, the
/// rewritten module's offer for the move, and the Cranelift build to start after it.
pub(crate) fn instantiate(
    js: &mut JsHost,
    probe: Option<Arc<gojs_abi::table::TableProbe>>,
    engine: &Engine,
    module: &Module,
    tier: Option<(Background, crate::rewrite::Carry, Later)>,
) -> Result<Interpreted, String> {
    let base = crate::link::HostState::new(js, probe, None);
    let state = State {
        shared: base.shared,
        helpers: base.helpers,
        table: base.table,
        probe: base.probe,
        exports: None,
        tier: None,
        later: None,
        outer: false,
        moved: None,
    };
    let mut store = Store::new(engine, state);
    store
        .set_fuel(SLICE)
        .map_err(|e| format!("interpreter: {e}"))?;
    let mut linker = Linker::<State>::new(engine);
    for imp in module.imports() {
        let Some(i) = Import::from_name(imp.module(), imp.name()) else {
            return Err(format!(
                "unsupported import {}.{}",
                imp.module(),
                imp.name()
            ));
        };
        let r = if i == Import::Debug {
            linker.func_wrap(
                imp.module(),
                imp.name(),
                move |caller: Caller<'_, State>, v: i32| {
                    let shared = caller.data().shared.clone();
                    if let Some(t) = shared.trace.borrow_mut().as_mut() {
                        t.enter(Import::Debug, &[], v as u32);
                        t.abandon();
                    }
                    gojs_abi::Runtime::debug(&mut crate::link::NativeRt { s: &shared }, v);
                },
            )
        } else {
            linker.func_wrap(
                imp.module(),
                imp.name(),
                move |mut caller: Caller<'_, State>, sp: i32| dispatch(&mut caller, i, sp as u32),
            )
        };
        if let Err(e) = r {
            // The same import twice in the module's list: linked once is enough.
            if !matches!(e, wasmi::errors::LinkerError::DuplicateDefinition { .. }) {
                return Err(format!("cannot link {}.{}: {e}", imp.module(), imp.name()));
            }
        }
    }
    let instance = linker
        .instantiate_and_start(&mut store, module)
        .map_err(|e| format!("cannot instantiate module: {e}"))?;
    let func = |store: &Store<State>, name: &str| {
        instance
            .get_func(store, name)
            .ok_or_else(|| format!("module has no export {name:?}"))
    };
    let ex = Exports {
        run: func(&store, "run")?
            .typed(&store)
            .map_err(|e| format!("export run: {e}"))?,
        resume: func(&store, "resume")?
            .typed(&store)
            .map_err(|e| format!("export resume: {e}"))?,
        getsp: func(&store, "getsp")?
            .typed(&store)
            .map_err(|e| format!("export getsp: {e}"))?,
        mem: instance
            .get_memory(&store, "mem")
            .ok_or("module has no memory export \"mem\"")?,
        go_loop: instance
            .get_func(&store, crate::rewrite::LOOP_EXPORT)
            .and_then(|f| f.typed(&store).ok()),
        want: instance.get_global(&store, crate::safepoint::WANT_EXPORT),
        pc: instance.get_global(&store, crate::safepoint::PC_EXPORT),
    };
    if let Some((background, carry, later)) = tier {
        let globals = carry
            .globals
            .iter()
            .map(|name| {
                instance
                    .get_global(&store, name)
                    .ok_or_else(|| format!("module has no export {name:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        store.data_mut().tier = Some(Box::new(Pending::new(background, carry, globals)));
        store.data_mut().later = Some(later);
    }
    let ex = Rc::new(ex);
    store.data_mut().exports = Some(ex.clone());
    Ok(Interpreted {
        store,
        ex,
        safe_point_move: false,
    })
}

/// The value of a wasmi global as wasmtime's.
fn to_wasmtime(v: wasmi::Val) -> Option<wasmtime::Val> {
    Some(match v {
        wasmi::Val::I32(x) => wasmtime::Val::I32(x),
        wasmi::Val::I64(x) => wasmtime::Val::I64(x),
        wasmi::Val::F32(x) => wasmtime::Val::F32(x.to_bits()),
        wasmi::Val::F64(x) => wasmtime::Val::F64(x.to_bits()),
        _ => return None,
    })
}

impl Interpreted {
    /// Linear memory, for the argv/env block.
    pub(crate) fn memory(&mut self) -> &mut [u8] {
        self.ex.mem.data_mut(&mut self.store)
    }

    pub(crate) fn run(&mut self, argc: i32, argv: i32) -> anyhow::Result<()> {
        self.enter(|s, ex| ex.run.call_resumable(s, (argc, argv)))
    }

    pub(crate) fn resume(&mut self) -> anyhow::Result<()> {
        self.enter(|s, ex| ex.resume.call_resumable(s, ()))
    }

    /// Call into Go from the event loop, a slice of fuel at a time. A Go program moves to
    /// compiled code at a call of `runtime.nanotime1`, which its scheduler makes; a goroutine
    /// computing without calling an import would stay on the interpreter to its end. So once
    /// the Winch build is ready, a slice that runs out asks for a move at the next entry of a
    /// Go function (see [`crate::safepoint`]).
    fn enter(
        &mut self,
        f: impl FnOnce(
            &mut Store<State>,
            &Exports,
        ) -> Result<wasmi::TypedResumableCall<()>, wasmi::Error>,
    ) -> anyhow::Result<()> {
        let ex = self.ex.clone();
        self.store.data_mut().outer = true;
        let mut r = f(&mut self.store, &ex);
        let r = loop {
            // A safe point trapped: move, or go on here from Go's loop.
            if r.is_err()
                && let Some(go_loop) = self.at_safe_point(&ex)
            {
                if self.store.data().moved.is_some() {
                    break Err(wasmi::Error::host(MovedMidRun));
                }
                r = go_loop.call_resumable(&mut self.store, ());
                continue;
            }
            match r {
                Ok(wasmi::TypedResumableCall::Finished(())) => break Ok(()),
                Ok(wasmi::TypedResumableCall::HostTrap(t)) => break Err(rebuild(t.host_error())),
                Ok(wasmi::TypedResumableCall::OutOfFuel(o)) => {
                    // An instruction that costs more than a slice gets what it costs.
                    if let Err(e) = self.store.set_fuel(SLICE.max(o.required_fuel())) {
                        break Err(e);
                    }
                    want_move_if_ready(&mut self.store, &ex);
                    r = o.resume(&mut self.store);
                }
                Err(e) => break Err(e),
            }
        };
        self.store.data_mut().outer = false;
        r.map_err(into_anyhow)
    }

    /// After a trap: if it was a safe point's (see [`crate::safepoint`]), the function whose
    /// entry trapped is made the next one Go's loop calls, and the run moves to the Winch
    /// build (into [`State::moved`]) if it can; the loop of this instance is returned, to go
    /// on with if it cannot. `None` for any other trap.
    fn at_safe_point(&mut self, ex: &Exports) -> Option<TypedFunc<(), ()>> {
        let (want, pc, go_loop) = (ex.want?, ex.pc?, ex.go_loop?);
        let entry = pc.get(&self.store).i32()? as u32;
        if entry == 0 {
            return None;
        }
        let _ = pc.set(&mut self.store, wasmi::Val::I32(0));
        let _ = want.set(&mut self.store, wasmi::Val::I32(0));
        let tier = self.store.data().tier.as_ref()?;
        let sp_global = *tier.globals.get(tier.carry.sp?)?;
        let sp = sp_global.get(&self.store).i32()? as u32 as usize;
        let slot = sp.checked_sub(8)?;
        self.memory()
            .get_mut(slot..sp)?
            .copy_from_slice(&u64::from(entry).to_le_bytes());
        if let Some(mut tier) = self.store.data_mut().tier.take()
            && let Ok(Some((engine, module))) = tier.poll().map(|b| b.cloned())
        {
            let moved = carry_over(&mut self.store, ex, &tier, &engine, &module, None);
            self.safe_point_move = moved.is_some();
            self.store.data_mut().moved = moved;
        }
        Some(go_loop)
    }

    /// Where the run left the interpreter, for [`crate::outcome::Phases::left_interpreter`]:
    /// at a safe point, else mid-run (at a clock read) or at a pause.
    pub(crate) fn how_it_left(&self, mid_run: bool) -> &'static str {
        match (self.safe_point_move, mid_run) {
            (true, _) => "at a safe point",
            (false, true) => "mid-run",
            (false, false) => "at a pause",
        }
    }

    /// The move an import made before it unwound the guest, if it did.
    pub(crate) fn take_moved(&mut self) -> Option<Box<Moved>> {
        self.store.data_mut().moved.take()
    }

    /// The resumer for FuncOf wrappers that JS run from the event loop calls (a callback Go
    /// waits for, as after every write): Go runs there as from the event loop itself, in
    /// slices, and may move as there (the session then goes on in the new instance inside
    /// this call, see [`crate::session::Session::with_js`]).
    pub(crate) fn resume_in(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        reentry::with_context(ctx, || self.resume())
    }

    pub(crate) fn table(&self) -> &Rc<RefCell<JsTable>> {
        &self.store.data().table
    }

    /// Move to the Winch build if it is ready: the program is paused.
    pub(crate) fn tier_up(&mut self) -> Option<Box<Moved>> {
        let mut tier = self.store.data_mut().tier.take()?;
        let (engine, module) = match tier.poll() {
            Ok(Some(built)) => built.clone(),
            Ok(None) => {
                self.store.data_mut().tier = Some(tier);
                return None;
            }
            Err(()) => return None,
        };
        carry_over(&mut self.store, &self.ex, &tier, &engine, &module, None)
    }
}

/// `resume` called by JS that an import (or the event loop) runs, with fuel enough never to
/// stop; the slice of the call it is nested in starts again after it.
fn nested_resume(
    mut ctx: impl wasmi::AsContextMut<Data = State>,
    ex: &Exports,
) -> Result<(), wasmi::Error> {
    // A safe point's trap would unwind the JS below this call too.
    if let Some(want) = ex.want {
        want.set(&mut ctx, wasmi::Val::I32(0))?;
    }
    ctx.as_context_mut().set_fuel(NESTED)?;
    let r = ex.resume.call(&mut ctx, ());
    ctx.as_context_mut().set_fuel(SLICE)?;
    r
}

/// Ask for a move at the next Go function's entry (see [`crate::safepoint`]) if the Winch
/// build is ready and the runtime has started (its start-up's frames cannot be resumed).
fn want_move_if_ready(store: &mut Store<State>, ex: &Exports) {
    let Some(want) = ex.want else {
        return;
    };
    let Some(tier) = store.data_mut().tier.as_mut() else {
        return;
    };
    if tier.goroutines.started && matches!(tier.poll(), Ok(Some(_))) {
        let _ = want.set(&mut *store, wasmi::Val::I32(1));
    }
}

/// The error an import returned, out of the resumable call it stopped.
fn rebuild(e: &wasmi::Error) -> wasmi::Error {
    if e.downcast_ref::<MovedMidRun>().is_some() {
        return wasmi::Error::host(MovedMidRun);
    }
    if let Some(GuestExit(code)) = e.downcast_ref::<GuestExit>() {
        return wasmi::Error::host(GuestExit(*code));
    }
    wasmi::Error::new(e.to_string())
}

fn into_anyhow(e: wasmi::Error) -> anyhow::Error {
    if e.downcast_ref::<MovedMidRun>().is_some() {
        return anyhow::Error::new(MovedMidRun);
    }
    anyhow::Error::msg(e.to_string())
}

impl wasmi::errors::HostError for MovedMidRun {}
impl wasmi::errors::HostError for GuestExit {}

/// A new instance of the Winch build with the run's state (see [`crate::session::carry_state`]),
/// on its way to Cranelift code; `None` if any step fails.
fn carry_over(
    store: &mut impl wasmi::AsContextMut<Data = State>,
    ex: &Exports,
    tier: &Pending<wasmi::Global>,
    engine: &wasmtime::Engine,
    module: &wasmtime::Module,
    sp: Option<(usize, u32)>,
) -> Option<Box<Moved>> {
    let vals = tier
        .globals
        .iter()
        .enumerate()
        .map(|(i, g)| match sp {
            Some((index, sp)) if index == i => Some(wasmtime::Val::I32(sp as i32)),
            _ => to_wasmtime(g.get(&*store)),
        })
        .collect::<Option<Vec<_>>>()?;
    let later = store.as_context_mut().data_mut().later.take();
    let next = later.and_then(Later::start).map(|b| (b, tier.goroutines));
    let ctx = store.as_context();
    let d = ctx.data();
    let state = crate::link::HostState::sharing(
        d.shared.clone(),
        d.helpers.clone(),
        d.table.clone(),
        d.probe.clone(),
        None,
    );
    carry_state(
        state,
        ex.mem.data(ctx),
        vals,
        &tier.carry,
        engine,
        module,
        next,
    )
}

/// Linear memory and `getsp` through the import's `Caller`.
struct CallerMem<'a, 'c> {
    caller: *mut Caller<'c, State>,
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
            .map_err(|e| AbiError::GetSp(one_line(&anyhow::Error::msg(e.to_string()))))
    }
}

/// Run one import on behalf of the guest (see [`crate::link::dispatch`], its twin for
/// compiled code).
fn dispatch(caller: &mut Caller<'_, State>, import: Import, sp: u32) -> Result<(), wasmi::Error> {
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
        return Err(wasmi::Error::new(
            "import called before the module was initialised",
        ));
    };
    note_g(caller);
    // A slice may be nearly spent: the import's own calls into Go (`getsp`) must not run out.
    if caller.get_fuel().is_ok_and(|f| f < 1_000) {
        let _ = caller.set_fuel(1_000);
    }
    let outer = std::mem::replace(&mut caller.data_mut().outer, false);
    let cp: *mut Caller<'_, State> = caller;
    let resume_ex = ex.clone();
    let mut resumer = |ctx: &mut Context| -> anyhow::Result<()> {
        // SAFETY: `cp` is this import's `Caller`, alive for the whole call below; the import
        // does not touch it while JS (and so this closure) runs.
        let c = unsafe { &mut *cp };
        reentry::with_context(ctx, || nested_resume(c, &resume_ex)).map_err(into_anyhow)
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
            if let Some(moved) = move_mid_run(caller, &ex, sp) {
                caller.data_mut().moved = Some(moved);
                return Err(wasmi::Error::host(MovedMidRun));
            }
            Ok(())
        }
        Ok(()) => Ok(()),
        Err(ImportStop::Exit(code)) => Err(wasmi::Error::host(GuestExit(code))),
        Err(ImportStop::Abi(e)) => Err(wasmi::Error::new(e.to_string())),
        Err(ImportStop::Fatal(e)) => Err(wasmi::Error::new(one_line(&e))),
        Err(ImportStop::Probe(msg)) => Err(wasmi::Error::new(msg)),
    }
}

/// As [`crate::session::move_mid_run`], from the interpreter.
fn move_mid_run(caller: &mut Caller<'_, State>, ex: &Exports, sp: u32) -> Option<Box<Moved>> {
    let tier = caller.data().tier.as_ref()?;
    let sp_index = tier.carry.sp.filter(|_| tier.carry.go_loop)?;
    let goroutines = tier.goroutines;
    let g = tier.g()?.get(&*caller).i64()?;
    if !goroutines.may_move_on(g) {
        return None;
    }
    let (engine, module) = caller.data_mut().tier.as_mut()?.poll().ok()??.clone();
    if ex.getsp.call(&mut *caller, ()).ok()? as u32 != sp {
        return None;
    }
    let after_return = sp.checked_add(8)?;
    let tier = caller.data_mut().tier.take()?;
    carry_over(
        caller,
        ex,
        &tier,
        &engine,
        &module,
        Some((sp_index, after_return)),
    )
}

/// As [`crate::session::note_g`].
fn note_g(caller: &mut Caller<'_, State>) {
    let g = match caller.data().tier.as_ref() {
        Some(tier) if !tier.goroutines.started => tier.g().and_then(|g| g.get(&*caller).i64()),
        _ => return,
    };
    if let (Some(tier), Some(g)) = (caller.data_mut().tier.as_mut(), g) {
        tier.goroutines.note(g);
    }
}
