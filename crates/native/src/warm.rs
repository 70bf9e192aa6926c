//! Many short runs in one process, for fuzzing: the same run as [`crate::run_isolated`]
//! (build, link, the boa realm, the session's event loop, the same endings and notes), but
//! with what costs milliseconds kept from run to run:
//! * one wasmtime engine per compiler for the whole process (epoch interruption on, as any
//!   run with a time limit; compiling on the worker's thread), whose epoch a ticker thread advances; a run's deadline callback
//!   ends it once its own limit has passed, so runs sharing an engine do not stop each other;
//! * modules the caller compiled once ([`Code::Module`]), linked once;
//! * one realm per worker, reset between runs ([`crate::realm::reuse`]); a run asks for a
//!   fresh one with [`Job::fresh_realm`], and a realm that fails its reset is dropped;
//! * one worker thread with the run stack of [`crate::run_isolated`] (re-entry nests deeply),
//!   fed jobs over a channel instead of a new thread per run.
//!
//! Always deterministic (virtual clock, seeded randomness, fixed process ids), output
//! captured, no file reachable, no compile cache, no tier-up.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use gojs_abi::argv as args;
use gojs_abi::table::TableProbe;
use wasmtime::{Engine, InstancePre, Module, Store, Trap, UpdateDeadline};

use crate::engine::{self, Compiler};
use crate::link::{HostState, found_exports, instantiate, pre_instantiate};
use crate::outcome::{Ending, NativeOutcome, Phases};
use crate::realm::fs::Fs;
use crate::realm::reuse::{ResetGuard, ReusableRealm};
use crate::realm::sandbox::Sandbox;
use crate::realm::shared::Shared;
use crate::realm::snapshot::Depth;
use crate::realm::{JsHost, RealmConfig};
use crate::run::{DETERMINISTIC_PID, RUN_STACK, finish, settle};
use crate::session::{Entry, Guest, Session, Stop};

/// How often the shared engines' epoch advances: the resolution of a run's time limit.
const TICK: Duration = Duration::from_millis(10);
/// How long past its limit a run may take before its worker is abandoned (as
/// [`crate::run_isolated`]'s grace).
const GRACE: Duration = Duration::from_secs(3);
/// The path argv names the module by (no file is read).
const WASM_PATH: &str = "/fuzz.wasm";

/// The engine for `compiler`, shared by every warm run of the process that compiles its
/// module for the run ([`Code::Bytes`]).
pub fn shared_engine(compiler: Compiler) -> Result<Engine, String> {
    warm_engine(compiler, false)
}

/// The engine of modules compiled once and run many times ([`compile`]): its instances come
/// from a pool ([`engine::pooled_engine`]). [`Code::Bytes`] keeps the on-demand allocator,
/// whose limits and errors are `run`'s, which arbitrary modules are there to exercise.
fn pooled_engine(compiler: Compiler) -> Result<Engine, String> {
    warm_engine(compiler, true)
}

fn warm_engine(compiler: Compiler, pooled: bool) -> Result<Engine, String> {
    type Engines = Mutex<HashMap<(&'static str, bool), Engine>>;
    static ENGINES: OnceLock<Engines> = OnceLock::new();
    let mut map = ENGINES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(e) = map.get(&(compiler.name(), pooled)) {
        return Ok(e.clone());
    }
    let e = if pooled {
        engine::pooled_engine(true, compiler)
    } else {
        engine::serial_engine(true, compiler)
    };
    let e = e.map_err(|e| format!("{e:#}"))?;
    let ticked = e.weak();
    std::thread::Builder::new()
        .name("gojs-warm-epoch".into())
        .spawn(move || {
            while let Some(e) = ticked.upgrade() {
                e.increment_epoch();
                drop(e);
                std::thread::sleep(TICK);
            }
        })
        .map_err(|e| format!("cannot start the epoch ticker: {e}"))?;
    map.insert((compiler.name(), pooled), e.clone());
    Ok(e)
}

pub use wasmtime::Module as CompiledModule;

/// `bytes` compiled by `compiler` for [`Code::Module`] jobs.
pub fn compile(bytes: &[u8], compiler: Compiler) -> Result<Module, String> {
    let engine = pooled_engine(compiler)?;
    engine::compile(&engine, bytes).map_err(|e| format!("{e:#}"))
}

/// What a job runs.
#[derive(Clone)]
pub enum Code {
    /// Module bytes, compiled for this run by this compiler (no cache).
    Bytes(Vec<u8>, Compiler),
    /// A module compiled once by [`shared_engine`]'s engine, run many times.
    Module(Module),
}

/// One run.
pub struct Job {
    pub code: Code,
    /// Bytes written into linear memory after instantiation, before `run`.
    pub init: Vec<(u32, Vec<u8>)>,
    pub probe: Option<Arc<TableProbe>>,
    /// Build a new realm for this run instead of the worker's reused one.
    pub fresh_realm: bool,
}

/// Limits and seed of the runs of one [`Runner`].
#[derive(Debug, Clone, Copy)]
pub struct WarmOptions {
    pub timeout: Duration,
    pub max_memory: Option<u64>,
    pub max_output: u64,
    pub seed: u64,
    /// How far a realm reset's fingerprint looks (see [`crate::realm::snapshot`]).
    pub reset_depth: Depth,
    /// End a run with a clean failure once the event loop has resumed Go this many times.
    /// Programs that never end (a timer left armed wakes Go forever) otherwise cost the whole
    /// time limit, and with the virtual clock a bound on resumes ends them at the same point
    /// on every machine and load, where the time limit does not. `None`: the time limit only.
    pub max_resumes: Option<u64>,
}

/// What a run gave, and whether its realm could be reset for the next.
#[derive(Debug, Clone)]
pub struct WarmOutcome {
    pub outcome: NativeOutcome,
    /// `Err(what differs)`: the run left the realm changed, and it was dropped.
    pub reset: Result<(), String>,
}

struct Worker {
    jobs: Sender<Job>,
    done: Receiver<WarmOutcome>,
}

/// What runs jobs: [`Runner`] on a worker thread, [`LocalRunner`] on the caller's.
pub trait RunJob {
    /// Run one job: its outcome, as [`crate::run_isolated`] would give it.
    fn run(&mut self, job: Job) -> WarmOutcome;
}

/// Runs jobs on a worker thread of its own.
pub struct Runner {
    opts: WarmOptions,
    worker: Option<Worker>,
}

/// Runs jobs on the thread that calls it, keeping the realm and the linked module there (so
/// it is not `Send`). Handing each job to a worker and waiting for it was a tenth of a
/// libFuzzer target's time. The caller's stack must hold the whole run: for programs whose
/// calls do not nest (no re-entry, no deep wasm recursion) on a main thread's 8 MiB. JS that
/// never returns hangs the caller instead of being abandoned at the time limit (libFuzzer's
/// own `-timeout` reports it); wasm is still stopped at the limit.
pub struct LocalRunner {
    state: WorkerState,
}

impl LocalRunner {
    pub fn new(opts: WarmOptions) -> LocalRunner {
        LocalRunner {
            state: WorkerState::new(opts),
        }
    }
}

impl RunJob for LocalRunner {
    fn run(&mut self, job: Job) -> WarmOutcome {
        self.state.run(job)
    }
}

impl RunJob for Runner {
    fn run(&mut self, job: Job) -> WarmOutcome {
        Runner::run(self, job)
    }
}

impl Runner {
    pub fn new(opts: WarmOptions) -> Runner {
        Runner { opts, worker: None }
    }

    fn failed(started: Instant, msg: &str) -> WarmOutcome {
        WarmOutcome {
            outcome: NativeOutcome {
                ending: Ending::Exit(1),
                stdout: Vec::new(),
                stderr: format!("gojs-harness: {msg}\n").into_bytes(),
                wall: started.elapsed(),
                phases: Phases::default(),
            },
            reset: Ok(()),
        }
    }

    /// Run one job: its outcome, as [`crate::run_isolated`] would give it.
    pub fn run(&mut self, job: Job) -> WarmOutcome {
        let started = Instant::now();
        if self.worker.is_none() {
            match spawn_worker(self.opts) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    return Self::failed(started, &format!("cannot start the run thread: {e}"));
                }
            }
        }
        let Some(w) = &self.worker else {
            return Self::failed(started, "no run thread");
        };
        if w.jobs.send(job).is_err() {
            self.worker = None;
            return Self::failed(started, "the run thread panicked");
        }
        match w.done.recv_timeout(self.opts.timeout + GRACE) {
            Ok(out) => out,
            Err(RecvTimeoutError::Timeout) => {
                // JS that never returns: the worker is left running, detached, as
                // `run_isolated` leaves its thread.
                self.worker = None;
                let msg = format!(
                    "gojs-harness: time limit of {:.1}s exceeded (JS did not return; run abandoned)\n",
                    self.opts.timeout.as_secs_f64()
                );
                WarmOutcome {
                    outcome: NativeOutcome {
                        ending: Ending::Timeout,
                        stdout: Vec::new(),
                        stderr: msg.into_bytes(),
                        wall: started.elapsed(),
                        phases: Phases::default(),
                    },
                    reset: Ok(()),
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.worker = None;
                Self::failed(started, "the run thread panicked")
            }
        }
    }
}

fn spawn_worker(opts: WarmOptions) -> std::io::Result<Worker> {
    let (jobs, rx) = mpsc::channel::<Job>();
    let (tx, done) = mpsc::channel::<WarmOutcome>();
    std::thread::Builder::new()
        .name("gojs-warm".into())
        .stack_size(RUN_STACK)
        .spawn(move || {
            let mut state = WorkerState::new(opts);
            while let Ok(job) = rx.recv() {
                if tx.send(state.run(job)).is_err() {
                    return;
                }
            }
        })?;
    Ok(Worker { jobs, done })
}

struct WorkerState {
    opts: WarmOptions,
    realm: Option<ReusableRealm>,
    /// The last [`Code::Module`] run, linked.
    linked: Option<(Module, InstancePre<HostState>)>,
    /// [`Code::Bytes`] compiled before, by compiler and bytes: a fuzzer offers the same
    /// module again and again (mutations that miss every byte the generator reads; half of
    /// `module_loading`'s inputs), and compiling the same bytes takes the same path each time.
    /// Only modules that compiled are kept; instantiation and the run are never skipped.
    compiled: HashMap<(&'static str, Vec<u8>), Module>,
}

/// Modules [`WorkerState::compiled`] keeps before it starts again from empty.
const COMPILED_KEPT: usize = 512;

/// The realm configuration of every warm run: what `run` gives a deterministic run of
/// [`WASM_PATH`] with no arguments, no environment and `/` as working directory.
fn realm_config() -> RealmConfig {
    let argv = vec![
        "node".to_string(),
        "wasm_exec_node.js".to_string(),
        WASM_PATH.to_string(),
    ];
    let mut cfg = RealmConfig::from_process(argv, Default::default(), "/".into());
    (cfg.pid, cfg.ppid) = (DETERMINISTIC_PID, DETERMINISTIC_PID - 1);
    cfg
}

impl WorkerState {
    fn new(opts: WarmOptions) -> WorkerState {
        WorkerState {
            opts,
            realm: None,
            linked: None,
            compiled: HashMap::new(),
        }
    }

    fn take_realm(&mut self, fresh: bool) -> Result<ReusableRealm, String> {
        match self.realm.take() {
            Some(r) if !fresh => Ok(r),
            _ => {
                let o = &self.opts;
                let shared = Rc::new(Shared::new(true, o.max_output, true, o.seed));
                ReusableRealm::new(shared, &realm_config(), o.seed, o.reset_depth)
                    .map_err(|e| format!("{e:#}"))
            }
        }
    }

    fn run(&mut self, job: Job) -> WarmOutcome {
        let started = Instant::now();
        let (stop, phases, realm) = self.drive(job, started);
        let shared = match &realm {
            Some(r) => r.host.shared.clone(),
            // The run ended before it needed a realm: its note goes to host state of its own.
            None => Rc::new(Shared::new(
                true,
                self.opts.max_output,
                true,
                self.opts.seed,
            )),
        };
        let outcome = finish(stop, &shared, Some(self.opts.timeout), started, phases);
        let reset = match realm {
            Some(mut r) => {
                let reset = r.reset();
                if reset.is_ok() {
                    self.realm = Some(r);
                }
                reset
            }
            None => Ok(()),
        };
        WarmOutcome { outcome, reset }
    }

    /// `run`'s `prepare` and session, with this worker's engine, module and realm: how the
    /// run stopped, and the realm if it got one (compiling comes first, as in `run`, so a
    /// module that does not compile costs no realm).
    fn drive(&mut self, mut job: Job, started: Instant) -> (Stop, Phases, Option<ReusableRealm>) {
        let mut phases = Phases::default();
        let t_load = Instant::now();
        let (engine, module) = match &mut job.code {
            Code::Module(m) => (m.engine().clone(), m.clone()),
            Code::Bytes(bytes, compiler) => {
                let engine = match shared_engine(*compiler) {
                    Ok(e) => e,
                    Err(e) => return (Stop::Fail(e), phases, None),
                };
                let key = (compiler.name(), std::mem::take(bytes));
                if let Some(m) = self.compiled.get(&key) {
                    phases.build = Some((*compiler, true));
                    (engine, m.clone())
                } else {
                    phases.build = Some((*compiler, false));
                    match engine::compile(&engine, &key.1) {
                        Ok(m) => {
                            if self.compiled.len() >= COMPILED_KEPT {
                                self.compiled.clear();
                            }
                            self.compiled.insert(key, m.clone());
                            (engine, m)
                        }
                        Err(e) => return (Stop::Fail(format!("{e:#}")), phases, None),
                    }
                }
            }
        };
        phases.load = t_load.elapsed();
        let limit = args::limit_for(module.imports().map(|i| i.name()));
        let (block, argc, argv) = match args::layout(&[WASM_PATH.to_string()], &[], limit) {
            Ok(l) => l,
            Err(e) => return (Stop::Fail(e), phases, None),
        };
        let t_realm = Instant::now();
        let realm = match self.take_realm(job.fresh_realm) {
            Ok(r) => r,
            Err(e) => return (Stop::Fail(e), phases, None),
        };
        phases.realm = t_realm.elapsed();
        // What `run` gives a program with no directories granted.
        *realm.host.shared.fs.borrow_mut() = Fs::new(Sandbox::new(Vec::new(), "/"), false);
        let ReusableRealm {
            host: mut js,
            guard,
        } = realm;
        let back = |host: JsHost, guard: ResetGuard| Some(ReusableRealm { host, guard });
        let t_inst = Instant::now();
        let state = HostState::new(&mut js, job.probe.clone(), self.opts.max_memory);
        let mut store = Store::new(&engine, state);
        store.limiter(|s| &mut s.limiter);
        let timed_out = Arc::new(AtomicBool::new(false));
        let (flag, timeout) = (timed_out.clone(), self.opts.timeout);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if started.elapsed() >= timeout {
                flag.store(true, Ordering::SeqCst);
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
        let found = match &job.code {
            Code::Bytes(..) => instantiate(&mut store, &engine, &module, &[]),
            Code::Module(m) => {
                let linked = match self.linked.take() {
                    Some((lm, pre)) if Module::same(&lm, m) => Ok(pre),
                    _ => pre_instantiate(&engine, m),
                };
                match linked {
                    Ok(pre) => {
                        let inst = pre.instantiate(&mut store);
                        self.linked = Some((m.clone(), pre));
                        found_exports(&mut store, inst, &[])
                    }
                    Err(e) => Err(e),
                }
            }
        };
        let (ex, _globals) = match found {
            Ok(f) => f,
            Err(e) => return (Stop::Fail(e), phases, back(js, guard)),
        };
        let ex = Rc::new(ex);
        store.data_mut().exports = Some(ex.clone());
        let mem = ex.mem.data_mut(&mut store);
        if mem.len() < args::ARGS_START + block.len() {
            let msg = "linear memory too small for the argv/env block".to_string();
            return (Stop::Fail(msg), phases, back(js, guard));
        }
        mem[args::ARGS_START..args::ARGS_START + block.len()].copy_from_slice(&block);
        for (at, bytes) in &job.init {
            let at = *at as usize;
            let Some(dst) = mem.get_mut(at..at.saturating_add(bytes.len())) else {
                let msg = format!("initial data at {at} lies beyond linear memory");
                return (Stop::Fail(msg), phases, back(js, guard));
            };
            dst.copy_from_slice(bytes);
        }
        phases.instantiate = t_inst.elapsed();
        let mut session = Session {
            guest: Guest::compiled(store, ex),
            js,
            started,
            timeout: Some(timeout),
            timed_out,
            phases,
            max_resumes: self.opts.max_resumes,
            resumes: 0,
        };
        let r = session
            .enter(Entry::Run(argc, argv))
            .and_then(|()| session.event_loop());
        let phases = session.phases;
        let denied = session.guest.denied();
        // Drop JS values held by the table before the realm is reset.
        session.guest.clear_table();
        let Session { guest, js, .. } = session;
        drop(guest);
        (
            settle(r, denied, self.opts.max_memory),
            phases,
            back(js, guard),
        )
    }
}
