//! A run in progress: entering Go, the event loop that wakes it (promise jobs, timers, I/O
//! callbacks, the deadlock event), and the move to Cranelift code at a pause or mid-run.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use boa_engine::{Context, JsValue};
use wasmtime::{AsContextMut, Caller, Engine, Module, Store};

use crate::link::{Exports, HostState, instantiate, one_line};
use crate::outcome::Phases;
use crate::realm::shared::{Shared, TimerKind};
use crate::realm::{BoaRealm, JsHost, reentry};
use crate::{interp, tierup};

/// The code a run is on: compiled by wasmtime, or interpreted by wasmi until it moves to
/// Cranelift code (see [`crate::interp`]).
pub(crate) enum Guest {
    Compiled {
        store: Store<HostState>,
        /// Shared with [`HostState::exports`]; an `Rc` because every call into the guest
        /// takes a handle, and cloning the functions' types was most of the cost of a resume.
        ex: Rc<Exports>,
    },
    Interpreted(Box<interp::Interpreted>),
}

/// Where a call into the guest goes.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// `run(argc, argv)`.
    Run(i32, i32),
    Resume,
}

impl Guest {
    pub(crate) fn compiled(store: Store<HostState>, ex: Rc<Exports>) -> Guest {
        Guest::Compiled { store, ex }
    }

    /// Whether the memory limit refused a growth.
    pub(crate) fn denied(&self) -> bool {
        match self {
            Guest::Compiled { store, .. } => store.data().limiter.denied,
            Guest::Interpreted(_) => false,
        }
    }

    /// Drop the JS values the ref table holds (before the realm goes).
    pub(crate) fn clear_table(&self) {
        match self {
            Guest::Compiled { store, .. } => store.data().table.borrow_mut().clear(),
            Guest::Interpreted(g) => g.table().borrow_mut().clear(),
        }
    }

    fn call(&mut self, entry: Entry) -> anyhow::Result<()> {
        match self {
            Guest::Compiled { store, ex } => {
                let ex = ex.clone();
                store.data_mut().outer = true;
                let r = match entry {
                    Entry::Run(argc, argv) => ex.run.call(&mut *store, (argc, argv)),
                    Entry::Resume => ex.resume.call(&mut *store, ()),
                };
                store.data_mut().outer = false;
                r.map_err(anyhow::Error::from)
            }
            Guest::Interpreted(g) => match entry {
                Entry::Run(argc, argv) => g.run(argc, argv),
                Entry::Resume => g.resume(),
            },
        }
    }

    fn take_moved(&mut self) -> Option<Box<Moved>> {
        match self {
            Guest::Compiled { store, .. } => store.data_mut().moved.take(),
            Guest::Interpreted(g) => g.take_moved(),
        }
    }
}

/// A run in progress.
pub(crate) struct Session {
    pub(crate) guest: Guest,
    pub(crate) js: JsHost,
    pub(crate) started: Instant,
    pub(crate) timeout: Option<Duration>,
    pub(crate) timed_out: Arc<AtomicBool>,
    pub(crate) phases: Phases,
    /// Stop the run after this many resumes from the event loop: a deterministic bound for
    /// programs that never end (see [`crate::warm::WarmOptions::max_resumes`]).
    pub(crate) max_resumes: Option<u64>,
    pub(crate) resumes: u64,
}

/// How a step of the run ended.
pub(crate) enum Stop {
    Exit(i32),
    Timeout,
    /// Exit 1 with this message.
    Fail(String),
}

impl Session {
    pub(crate) fn shared(&self) -> Rc<Shared> {
        self.js.shared.clone()
    }

    /// Call into the guest (`run` or `resume`) with the realm published; if an import moved
    /// the run to Cranelift code on the way, go on there.
    pub(crate) fn enter(&mut self, entry: Entry) -> Result<(), Stop> {
        let mut r = self.call_guest(|code| code.call(entry));
        // A run may move twice in one call: from the interpreter to Winch code, from there
        // to Cranelift code.
        while r.as_ref().is_err_and(|e| e.is::<MovedMidRun>())
            && let Some(moved) = self.guest.take_moved()
        {
            self.moved_to(*moved, true);
            r = self.call_guest(|code| match code {
                Guest::Compiled { store, ex } => match ex.go_loop.clone() {
                    Some(go_loop) => {
                        store.data_mut().outer = true;
                        let r = go_loop.call(&mut *store, ());
                        store.data_mut().outer = false;
                        r.map_err(anyhow::Error::from)
                    }
                    None => Err(anyhow::anyhow!("tier-up: the new instance has no loop")),
                },
                Guest::Interpreted(_) => Err(anyhow::anyhow!("tier-up: moved to the interpreter")),
            });
        }
        self.check(r)
    }

    fn call_guest(
        &mut self,
        f: impl FnOnce(&mut Guest) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let code = &mut self.guest;
        let r = reentry::with_context(&mut self.js.ctx, || f(code));
        // An exit is told by the code set, not by the error that unwound the guest; turning
        // that error into anyhow's captures a backtrace when RUST_BACKTRACE is set (0.4 ms).
        if self.js.shared.exit.get().is_some() {
            return Ok(());
        }
        r
    }

    /// Run JS from the event loop, with a resumer for FuncOf wrappers it may call.
    ///
    /// Go resumed by such a callback may move there (most of a program that writes runs in
    /// these callbacks): from the interpreter to Winch code at a safe point, from Winch code
    /// to Cranelift code at a `runtime.nanotime1` call. It then goes on in the new
    /// instance's loop inside the same call, so the JS that called it is not unwound, and
    /// the session keeps that instance.
    pub(crate) fn with_js<R>(&mut self, f: impl FnOnce(&mut BoaRealm<'_>) -> R) -> R {
        let code: *mut Guest = &mut self.guest;
        let mut left: Option<(Duration, &'static str)> = None;
        let mut tiered: Option<Duration> = None;
        let started = self.started;
        let mut resumer = |ctx: &mut Context| -> anyhow::Result<()> {
            // SAFETY: `code` is this session's; nothing else uses it while `f` runs.
            let guest = unsafe { &mut *code };
            let mut r = match guest {
                Guest::Compiled { store, ex } => {
                    let resume = ex.resume.clone();
                    call_outer(ctx, store, &resume)
                }
                Guest::Interpreted(g) => g.resume_in(ctx),
            };
            loop {
                if !r.as_ref().is_err_and(|e| e.is::<MovedMidRun>()) {
                    return r;
                }
                let moved = match guest {
                    Guest::Compiled { store, .. } => {
                        let moved = store.data_mut().moved.take();
                        if moved.is_some() {
                            tiered = Some(started.elapsed());
                        }
                        moved
                    }
                    Guest::Interpreted(g) => {
                        let how = g.how_it_left(true);
                        let moved = g.take_moved();
                        if moved.is_some() {
                            left = Some((started.elapsed(), how));
                        }
                        moved
                    }
                };
                let Some(moved) = moved else {
                    return r;
                };
                *guest = moved.into_code();
                let Guest::Compiled { store, ex } = guest else {
                    return Err(anyhow::anyhow!("tier-up: the run did not move"));
                };
                let Some(go_loop) = ex.go_loop.clone() else {
                    return Err(anyhow::anyhow!("tier-up: the new instance has no loop"));
                };
                r = call_outer(ctx, store, &go_loop);
            }
        };
        let helpers = self.js.helpers.clone();
        let ctx = &mut self.js.ctx;
        let r = reentry::with_resumer(&mut resumer, || {
            let mut realm = BoaRealm { ctx, h: &helpers };
            f(&mut realm)
        });
        if left.is_some() {
            self.phases.left_interpreter = left;
        }
        if tiered.is_some() {
            self.phases.tiered_up = tiered;
            self.phases.tiered_mid_run = true;
        }
        r
    }

    /// Classify the result of entering the guest or running JS.
    pub(crate) fn check(&mut self, r: anyhow::Result<()>) -> Result<(), Stop> {
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
                if let Guest::Compiled { store, .. } = &self.guest
                    && store.data().limiter.denied
                {
                    let max = store.data().limiter.max.unwrap_or(0);
                    return Err(Stop::Fail(format!("memory limit of {max} bytes exceeded")));
                }
                Err(Stop::Fail(one_line(&e)))
            }
        }
    }

    pub(crate) fn js_result(&mut self, r: Result<(), JsValue>) -> Result<(), Stop> {
        match r {
            Ok(()) => self.check(Ok(())),
            Err(thrown) => {
                self.check(Ok(()))?;
                let msg = self.with_js(|realm| gojs_abi::realm::Realm::describe(realm, &thrown));
                Err(Stop::Fail(format!("uncaught JavaScript exception: {msg}")))
            }
        }
    }

    pub(crate) fn resume(&mut self) -> Result<(), Stop> {
        if let Some(max) = self.max_resumes {
            if self.resumes >= max {
                return Err(Stop::Fail(format!(
                    "resume limit of {max} reached (the program keeps waking up without ending)"
                )));
            }
            self.resumes += 1;
        }
        self.shared().trace_event("resume");
        self.enter(Entry::Resume)
    }

    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.timeout
            .map(|t| t.saturating_sub(self.started.elapsed()))
    }

    /// Move to the Cranelift build once it is ready. Called with the program paused (no wasm
    /// frame on the stack); if anything fails, the run goes on where it was.
    pub(crate) fn tier_up(&mut self) {
        let moved = match &mut self.guest {
            Guest::Compiled { store, ex } => {
                let Some(mut tier) = store.data_mut().tier.take() else {
                    return;
                };
                let (engine, module) = match tier.poll() {
                    Ok(Some(built)) => built.clone(),
                    Ok(None) => {
                        store.data_mut().tier = Some(tier);
                        return;
                    }
                    Err(()) => return,
                };
                let ex = ex.clone();
                carry_over(store, &ex, &tier, &engine, &module, None)
            }
            Guest::Interpreted(g) => g.tier_up(),
        };
        if let Some(moved) = moved {
            self.moved_to(*moved, false);
        }
    }

    /// Go on in the instance a move made (`mid_run`: in the middle of a computation).
    fn moved_to(&mut self, moved: Moved, mid_run: bool) {
        let at = Some(self.started.elapsed());
        if let Guest::Interpreted(g) = &self.guest {
            let how = g.how_it_left(mid_run);
            self.phases.left_interpreter = at.map(|at| (at, how));
        } else {
            self.phases.tiered_up = at;
            self.phases.tiered_mid_run = mid_run;
        }
        self.guest = moved.into_code();
    }

    /// The event loop, after `run` returned with the program paused.
    pub(crate) fn event_loop(&mut self) -> Result<(), Stop> {
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

/// Call `f` (Go's `resume` or its loop) from a JS callback the event loop runs, as the
/// outermost Go on the stack: an import may then move the run mid-computation (the caller
/// goes on in the new instance, see [`Session::with_js`]).
fn call_outer(
    ctx: &mut Context,
    store: &mut Store<HostState>,
    f: &wasmtime::TypedFunc<(), ()>,
) -> anyhow::Result<()> {
    store.data_mut().outer = true;
    let r = reentry::with_context(ctx, || f.call(&mut *store, ()));
    store.data_mut().outer = false;
    r.map_err(anyhow::Error::from)
}

/// A new instance of the Cranelift build, with the run's state, for a move (see
/// [`crate::tierup`]).
pub(crate) struct Moved {
    store: Store<HostState>,
    ex: Rc<Exports>,
}

impl Moved {
    fn into_code(self) -> Guest {
        let Moved { store, ex } = self;
        Guest::Compiled { store, ex }
    }
}

/// An import moved the run to Cranelift code (into [`HostState::moved`]) and unwinds the
/// frames it was called from: the session goes on in the new instance's loop.
#[derive(Debug)]
pub(crate) struct MovedMidRun;
impl std::fmt::Display for MovedMidRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("moving to Cranelift code")
    }
}
impl std::error::Error for MovedMidRun {}

/// Instantiate the Cranelift build and carry the run's state over from `old`: memory, every
/// mutable global (with Go's SP set to `sp`, when given). `None` if any step fails; `old` is
/// not changed.
fn carry_over(
    mut old: impl AsContextMut<Data = HostState>,
    old_ex: &Exports,
    tier: &tierup::Pending,
    engine: &Engine,
    module: &Module,
    sp: Option<(usize, u32)>,
) -> Option<Box<Moved>> {
    let vals = tier
        .globals
        .iter()
        .enumerate()
        .map(|(i, g)| match sp {
            Some((index, sp)) if index == i => wasmtime::Val::I32(sp as i32),
            _ => g.get(&mut old),
        })
        .collect();
    let data = old.as_context().data();
    let state = HostState::sharing(
        data.shared.clone(),
        data.helpers.clone(),
        data.table.clone(),
        data.probe.clone(),
        data.limiter.max,
    );
    carry_state(
        state,
        old_ex.mem.data(&old),
        vals,
        &tier.carry,
        engine,
        module,
        None,
    )
}

/// A new instance of the build `module` with `state` (the old instance's host state), the
/// old instance's memory `old_mem` and the values `vals` of its mutable globals. `next` is
/// the build the new instance may move to in turn, and what the run has seen of Go's
/// goroutines so far.
pub(crate) fn carry_state(
    state: HostState,
    old_mem: &[u8],
    vals: Vec<wasmtime::Val>,
    carry: &crate::rewrite::Carry,
    engine: &Engine,
    module: &Module,
    next: Option<(tierup::Background, tierup::Goroutines)>,
) -> Option<Box<Moved>> {
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    let (ex, globals) = instantiate(&mut store, engine, module, &carry.globals).ok()?;
    if globals.len() != vals.len() {
        return None;
    }
    let pages = |len: usize| (len / (64 << 10)) as u64;
    let initial = ex.mem.data_size(&store).min(old_mem.len());
    let grow = pages(old_mem.len()).saturating_sub(pages(initial));
    if ex.mem.grow(&mut store, grow).is_err() || ex.mem.data_size(&store) != old_mem.len() {
        return None;
    }
    copy_memory(ex.mem.data_mut(&mut store), old_mem, initial);
    for (new, v) in globals.iter().zip(vals) {
        new.set(&mut store, v).ok()?;
    }
    if let Some((background, goroutines)) = next {
        let mut pending = tierup::Pending::new(background, carry.clone(), globals);
        pending.goroutines = goroutines;
        store.data_mut().tier = Some(Box::new(pending));
    }
    let ex = Rc::new(ex);
    store.data_mut().exports = Some(ex.clone());
    Some(Box::new(Moved { store, ex }))
}

/// At a call of `runtime.nanotime1` (whose result is written), the run moved to the
/// Cranelift build if it is ready, as if the import's wrapper had returned: see
/// [`crate::tierup`]. `None` leaves the run where it is.
pub(crate) fn move_mid_run(
    caller: &mut Caller<'_, HostState>,
    ex: &Exports,
    sp: u32,
) -> Option<Box<Moved>> {
    let tier = caller.data().tier.as_ref()?;
    let sp_index = tier.carry.sp.filter(|_| tier.carry.go_loop)?;
    // Not in the runtime's start-up, whose frames include calls Go cannot resume.
    let goroutines = tier.goroutines;
    let g = tier.g()?.get(&mut *caller).i64()?;
    if !goroutines.may_move_on(g) {
        return None;
    }
    let (engine, module) = caller.data_mut().tier.as_mut()?.poll().ok()??.clone();
    // The wrapper has no frame exactly when Go's SP is the `sp` it passed.
    if ex.getsp.call(&mut *caller, ()).ok()? as u32 != sp {
        return None;
    }
    let after_return = sp.checked_add(8)?;
    // A move that fails is not tried again at every call: the tier is taken either way.
    let tier = caller.data_mut().tier.take()?;
    carry_over(
        &mut *caller,
        ex,
        &tier,
        &engine,
        &module,
        Some((sp_index, after_return)),
    )
}

/// Note Go's `g` at an import call until the runtime has started (see
/// [`tierup::Goroutines`]).
pub(crate) fn note_g(caller: &mut Caller<'_, HostState>) {
    let Some(tier) = caller.data().tier.as_ref() else {
        return;
    };
    if tier.goroutines.started {
        return;
    }
    let Some(g) = tier.g().and_then(|g| g.get(&mut *caller).i64()) else {
        return;
    };
    if let Some(tier) = caller.data_mut().tier.as_mut() {
        tier.goroutines.note(g);
    }
}

/// Copy linear memory `from` into `to`, a fresh instance's memory of the same size whose
/// first `initial` bytes hold its data segments and whose rest is zero (just grown). Pages
/// of that rest that are zero in `from` too are left alone: writing them would only make
/// the system back them with memory, which for a program whose heap once grew large (and
/// was zeroed when freed) is most of a tier-up's time.
pub(crate) fn copy_memory(to: &mut [u8], from: &[u8], initial: usize) {
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
