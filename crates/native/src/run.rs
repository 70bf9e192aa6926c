//! Setting a run up (module, argv/env block, realm, files, instance) and running it to its
//! end, on the caller's thread ([`run`]) or on one of its own ([`run_isolated`]).

use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gojs_abi::argv as args;
use wasmtime::{Engine, Store};

use crate::build::{Built, Loaded, build_module};
use crate::link::{HostState, first_line, instantiate};
use crate::options::{NativeRunOptions, Program};
use crate::outcome::{Ending, NativeOutcome, Phases};
use crate::realm::fs::Fs;
use crate::realm::sandbox::{Grant, Sandbox};
use crate::realm::shared::Shared;
use crate::realm::{JsHost, RealmConfig};
use crate::session::{Entry, Guest, Session, Stop};

/// `process.pid` in deterministic mode.
pub const DETERMINISTIC_PID: i64 = 4096;

fn prepare(
    program: &Program,
    opts: &NativeRunOptions,
    shared: Rc<Shared>,
    timed_out: Arc<AtomicBool>,
    started: Instant,
) -> Result<(Session, Option<Engine>, i32, i32), String> {
    let t_load = Instant::now();
    let epoch = opts.timeout.is_some();
    let cache_dir = opts.cache_dir.clone();

    let mut argv = vec![program.wasm.to_string_lossy().into_owned()];
    argv.extend(program.args.iter().cloned());
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

    // The realm needs nothing from the module: it is made here while another thread reads
    // and loads or compiles the module, the two biggest costs of a warm run side by side.
    let (built, load, js, realm) = std::thread::scope(|scope| {
        let loading = std::thread::Builder::new()
            .name("gojs-load".into())
            .stack_size(LOAD_STACK)
            .spawn_scoped(scope, || {
                let built = build_module(opts, epoch, &program.wasm, cache_dir);
                (built, t_load.elapsed())
            });
        let t_realm = Instant::now();
        let js = JsHost::new(shared.clone(), &cfg).map_err(|e| format!("{e:#}"));
        let realm = t_realm.elapsed();
        let (built, load) = match loading {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| (Err("loading the module panicked".into()), Duration::ZERO)),
            Err(e) => (
                Err(format!(
                    "cannot start the thread that loads the module: {e}"
                )),
                Duration::ZERO,
            ),
        };
        (built, load, js, realm)
    });
    let Built { code, tier } = built?;
    let mut js = js?;
    let env_strings = args::env_strings(&program.env);
    let names = code.import_names();
    let limit = args::limit_for(names.iter().map(String::as_str));
    let (block, argc, argv_addr) = args::layout(&argv, &env_strings, limit)?;
    let mut phases = Phases {
        load,
        realm,
        ..Phases::default()
    };
    let t_inst = Instant::now();
    let (engine, module) = match code {
        Loaded::Compiled {
            engine,
            module,
            compiler,
            cached,
        } => {
            phases.build = Some((compiler, cached));
            (engine, module)
        }
        Loaded::Interpreted {
            engine,
            module,
            tier,
        } => {
            phases.interpreted = true;
            let mut guest = crate::interp::instantiate(
                &mut js,
                opts.table_probe.clone(),
                &engine,
                &module,
                tier.map(|t| *t),
            )?;
            let mem = guest.memory();
            if mem.len() < args::ARGS_START + block.len() {
                return Err("linear memory too small for the argv/env block".into());
            }
            mem[args::ARGS_START..args::ARGS_START + block.len()].copy_from_slice(&block);
            phases.instantiate = t_inst.elapsed();
            let session = Session {
                guest: Guest::Interpreted(Box::new(guest)),
                js,
                started,
                timeout: opts.timeout,
                timed_out,
                phases,
                max_resumes: None,
                resumes: 0,
            };
            return Ok((session, None, argc, argv_addr));
        }
    };
    let global_names = tier
        .as_ref()
        .map(|(_, c)| c.globals.clone())
        .unwrap_or_default();

    let state = HostState::new(&mut js, opts.table_probe.clone(), opts.max_memory);
    let mut store = Store::new(&engine, state);
    store.limiter(|s| &mut s.limiter);
    if opts.timeout.is_some() {
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
    }

    let (ex, globals) = instantiate(&mut store, &engine, &module, &global_names)?;
    let ex = Rc::new(ex);
    store.data_mut().exports = Some(ex.clone());
    store.data_mut().tier = tier.map(|(background, carry)| {
        Box::new(crate::tierup::Pending::new(background, carry, globals))
    });
    let mem = ex.mem.data_mut(&mut store);
    if mem.len() < args::ARGS_START + block.len() {
        return Err("linear memory too small for the argv/env block".into());
    }
    mem[args::ARGS_START..args::ARGS_START + block.len()].copy_from_slice(&block);
    let timeout = opts.timeout;
    phases.instantiate = t_inst.elapsed();
    Ok((
        Session {
            guest: Guest::compiled(store, ex),
            js,
            started,
            timeout,
            timed_out,
            phases,
            max_resumes: None,
            resumes: 0,
        },
        Some(engine),
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
    run_keeping(program, opts, capture).0
}

/// What a finished run still holds: its instance, then its realm (dropped in that order,
/// the ref table's JS values cleared before). Unmapping linear memory and freeing boa's heap
/// need not delay the outcome: [`run_isolated`] delivers it first.
struct Remains {
    _guest: Guest,
    _js: JsHost,
}

/// [`run`], leaving the instance and realm to the caller. The private TMPDIR is removed
/// before this returns.
fn run_keeping(
    program: &Program,
    opts: &NativeRunOptions,
    capture: bool,
) -> (NativeOutcome, Option<Remains>) {
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
    let trace_failed = opts
        .trace
        .as_ref()
        .and_then(|path| match gojs_abi::trace::Tracer::to_file(path) {
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
    let mut remains = None;
    let stop = match prepared {
        Err(msg) => Stop::Fail(msg),
        Ok((mut session, engine, argc, argv)) => {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            // A run with a time limit is never interpreted (see `build_tiered`).
            let watchdog = opts.timeout.zip(engine).map(|(t, engine)| {
                let flag = timed_out.clone();
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
                .enter(Entry::Run(argc, argv))
                .and_then(|()| session.event_loop());
            drop(tx);
            phases = session.phases;
            if let Some(w) = watchdog {
                let _ = w.join();
            }
            let denied = session.guest.denied();
            // Drop JS values held by the table before the realm goes.
            session.guest.clear_table();
            let Session { guest, js, .. } = session;
            remains = Some(Remains {
                _guest: guest,
                _js: js,
            });
            settle(r, denied, opts.max_memory)
        }
    };
    (
        finish(stop, &shared, opts.timeout, started, phases),
        remains,
    )
}

/// How a run that got going ended, from how its event loop stopped.
pub(crate) fn settle(r: Result<(), Stop>, denied: bool, max_memory: Option<u64>) -> Stop {
    match r {
        Ok(()) => Stop::Exit(0),
        // Go reports a failed memory.grow as its own fatal error; say why it failed.
        Err(Stop::Exit(c)) if denied && c != 0 => Stop::Fail(format!(
            "memory limit of {} bytes exceeded",
            max_memory.unwrap_or(0)
        )),
        Err(s) => s,
    }
}

/// The outcome of a run that stopped so: its ending, with the one-line note on stderr a
/// failure gets, and the output captured.
pub(crate) fn finish(
    stop: Stop,
    shared: &Shared,
    timeout: Option<Duration>,
    started: Instant,
    phases: Phases,
) -> NativeOutcome {
    let ending = match stop {
        Stop::Exit(c) => Ending::Exit(c),
        Stop::Timeout => {
            let t = timeout.unwrap_or_default();
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

/// Native stack of the thread that loads or compiles a module while the realm is made.
const LOAD_STACK: usize = 16 << 20;

/// Native stack of the thread a run gets (wasm, plus boa frames between re-entrant calls).
pub const RUN_STACK: usize = 256 << 20;

/// How long past its time limit a run may take to notice before it is abandoned.
const GRACE: Duration = Duration::from_secs(3);

/// [`run`] on a thread of its own with a big stack. The time limit interrupts wasm through
/// epochs; JS that never returns (an endless loop in `eval`) cannot be interrupted, so a run
/// still going a grace period (3 s) after its limit is abandoned (its thread is left running, detached)
/// and reported as timed out.
pub fn run_isolated(program: &Program, opts: &NativeRunOptions, capture: bool) -> NativeOutcome {
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    let (p, o) = (program.clone(), opts.clone());
    let spawned = std::thread::Builder::new()
        .name("gojs-native".into())
        .stack_size(RUN_STACK)
        .spawn(move || {
            let (outcome, remains) = run_keeping(&p, &o, capture);
            let _ = tx.send(outcome);
            drop(remains);
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
