//! A run in progress: entering Go, the event loop that wakes it (promise jobs, timers, I/O
//! callbacks, the deadlock event), and the move to Cranelift code at a pause.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use boa_engine::{Context, JsValue};
use wasmtime::{Global, Store};

use crate::link::{Exports, HostState, Limiter, instantiate, one_line};
use crate::outcome::Phases;
use crate::realm::shared::{Shared, TimerKind};
use crate::realm::{BoaRealm, JsHost, reentry};
use crate::tierup;

/// A run in progress.
pub(crate) struct Session {
    pub(crate) store: Store<HostState>,
    pub(crate) js: JsHost,
    pub(crate) ex: Exports,
    /// The mutable globals, exported for tier-up; empty when the run cannot tier up.
    pub(crate) globals: Vec<Global>,
    /// The Cranelift build being made for tier-up, and the names of the globals' exports.
    pub(crate) tier: Option<(tierup::Background, Vec<String>)>,
    pub(crate) started: Instant,
    pub(crate) timeout: Option<Duration>,
    pub(crate) timed_out: Arc<AtomicBool>,
    pub(crate) phases: Phases,
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

    /// Call into the guest (`run` or `resume`) with the realm published.
    pub(crate) fn enter(
        &mut self,
        f: impl FnOnce(&mut Store<HostState>, &Exports) -> wasmtime::Result<()>,
    ) -> Result<(), Stop> {
        let ex = self.ex.clone();
        let store = &mut self.store;
        let r = reentry::with_context(&mut self.js.ctx, || f(store, &ex));
        // An exit is told by the code set, not by the error that unwound the guest; turning
        // that error into anyhow's captures a backtrace when RUST_BACKTRACE is set (0.4 ms).
        if self.js.shared.exit.get().is_some() {
            return self.check(Ok(()));
        }
        self.check(r.map_err(anyhow::Error::from))
    }

    /// Run JS from the event loop, with a resumer for FuncOf wrappers it may call.
    pub(crate) fn with_js<R>(&mut self, f: impl FnOnce(&mut BoaRealm<'_>) -> R) -> R {
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
                if self.store.data().limiter.denied {
                    let max = self.store.data().limiter.max.unwrap_or(0);
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
        self.shared().trace_event("resume");
        self.enter(|s, ex| ex.resume.call(s, ()))
    }

    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.timeout
            .map(|t| t.saturating_sub(self.started.elapsed()))
    }

    /// Move to the Cranelift build once it is ready. Called with the program paused (no wasm
    /// frame on the stack); if anything fails, the run goes on where it was.
    pub(crate) fn tier_up(&mut self) {
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
