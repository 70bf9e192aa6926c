//! Tier-up: a run that starts on Winch code moves to Cranelift code, while the program is
//! paused or in the middle of a computation.
//!
//! A run with tiered caching ([`crate::NativeRunOptions::tiered_cache`]) builds a module
//! it has not seen with Winch, because most such modules
//! (`go test -exec` binaries) run once and briefly, and compiling is then most of the time.
//! A run that is still going after [`DELAY`] starts a Cranelift build on threads of its
//! own, at low priority. Once that build is ready, the next time the program is paused (its
//! wasm stack empty, waiting in the event loop for a timer or an I/O callback, as after every
//! write to stdout) the run moves to a new instance of it: linear memory and every mutable
//! global are copied over, and the imports' state (the ref table, the realm, timers, files)
//! is host state that both instances share. A Go program's goroutine stacks live in linear
//! memory and its registers in globals, so nothing else is left behind in the old instance.
//!
//! A program that computes without pausing (most test binaries: a `go test` binary writes
//! its output only when a test ends, and many tests never pause) moves at a call of the
//! `runtime.nanotime1` import instead, which Go's scheduler, garbage collector and `time`
//! make often. Go's code for `GOARCH=wasm` can be left at any call and resumed from its own
//! stack, which is how it switches goroutines: a caller stores every live value on Go's stack
//! (linear memory) before a call and pushes the address to come back to, and `run` and
//! `resume` end in a loop (`wasm_pc_f_loop`) that calls the function at the address on top of
//! that stack. The import is called by a wrapper without a frame (`global.get SP; call`), so
//! when it has written the time, returning from the wrapper is only "SP += 8", and what
//! remains is to go on at the address SP pointed at. So the host writes the time, carries
//! memory and globals over with SP moved past that address, unwinds the Winch frames (the
//! import traps with [`crate::session::MovedMidRun`]), and enters the loop of the new
//! instance, exported by the rewrite as [`crate::rewrite::LOOP_EXPORT`]. It does so only
//! when Go was entered from the event loop, or from a JS callback the event loop runs (whose
//! call into Go then goes on in the new instance's loop, see
//! [`crate::session::Session::with_js`]) but never from JS an import runs (whose frames the
//! move would unwind), off the scheduler's goroutine `g0` (whose start-up frames in `rt0_go`
//! are calls Go cannot resume), and when `getsp` confirms SP is the import's `sp`.
//!
//! Globals that are not exported cannot be read through wasmtime's API, so the tiered path
//! builds the module as rewritten by [`crate::rewrite::export_globals`]: every mutable global gets an export
//! named [`crate::rewrite::GLOBAL_EXPORT_PREFIX`]`N`. Both compilers' builds (and their cache entries) are of
//! those bytes, which behave exactly as the original module.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::bail;
use wasmtime::{Engine, Global, Module};

use crate::cache::{self, ModuleId};
use crate::engine::{self, Compiler};
use crate::rewrite::{Carry, cannot_carry};

/// How long a run goes on Winch code before a Cranelift build of its module is started.
/// Shorter runs (most test binaries, hello world) never pay for a second compile.
pub const DELAY: Duration = Duration::from_secs(1);

/// Whether and when a run on Winch code moves to Cranelift code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TierUp {
    /// Never (the suite, whose runs are short and whose modules are cached with Cranelift).
    #[default]
    Off,
    /// Start the Cranelift build this long after the run starts; move at the first pause or
    /// call of `runtime.nanotime1` after it is ready.
    After(Duration),
    /// Start the build at once and wait for it at the first point where the run can move: a
    /// pause or a call of `runtime.nanotime1` (tests).
    AtFirstChance,
}

/// How long a run on the interpreter goes before a Winch build of its module is started
/// (see [`crate::interp`]): the interpreter runs Go's code several times slower than Winch
/// code, so a run that lasts moves to Winch code soon, and on to Cranelift code after
/// [`DELAY`]. A hello world ends well before this.
pub const INTERPRETER_DELAY: Duration = Duration::from_millis(150);

impl TierUp {
    /// This, with the build started no later than `most` after the run starts.
    pub fn no_later_than(self, most: Duration) -> TierUp {
        match self {
            TierUp::After(d) => TierUp::After(d.min(most)),
            other => other,
        }
    }
}

/// The Cranelift build a run on the interpreter starts once it has moved to Winch code: what
/// it needs to start that build then.
pub(crate) struct Later {
    pub(crate) bytes: Vec<u8>,
    pub(crate) id: ModuleId,
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) when: TierUp,
}

impl Later {
    pub(crate) fn start(self) -> Option<Background> {
        Background::start(
            self.bytes,
            self.id,
            self.cache_dir,
            self.when,
            Compiler::Cranelift,
        )
    }
}

/// A build of the module (Cranelift's, or Winch's for a run on the interpreter) under way on
/// a thread of its own.
pub struct Background {
    ready: mpsc::Receiver<anyhow::Result<(Engine, Module)>>,
    wait: bool,
    /// Dropped when the run ends, which stops a build that has not started yet.
    _cancel: mpsc::Sender<()>,
}

impl Background {
    /// Build `bytes` (the module `id` names) with `compiler` after `delay` (looking in
    /// `cache_dir` first, and putting the build there), unless this value is dropped before
    /// then.
    pub fn start(
        bytes: Vec<u8>,
        id: ModuleId,
        cache_dir: Option<PathBuf>,
        when: TierUp,
        compiler: Compiler,
    ) -> Option<Background> {
        let (delay, wait) = match when {
            TierUp::Off => return None,
            TierUp::After(d) => (d, false),
            TierUp::AtFirstChance => (Duration::ZERO, true),
        };
        let at_once = when == TierUp::After(Duration::ZERO);
        let (tx, ready) = mpsc::channel();
        let (cancel, cancelled) = mpsc::channel::<()>();
        // If no thread can be had, `tx` goes with the closure and the run stays on Winch.
        let _ = std::thread::Builder::new()
            .name("gojs-tier-up".into())
            .spawn(move || {
                if !matches!(
                    cancelled.recv_timeout(delay),
                    Err(mpsc::RecvTimeoutError::Timeout)
                ) {
                    return;
                }
                // A build asked for at once (`GOJS_TIER_UP_DELAY=0`, the tests) is wanted
                // at once: beside a busy computation it would otherwise wait for a free core.
                if !at_once {
                    lower_priority();
                }
                let _ = tx.send(build(&bytes, id, cache_dir.as_deref(), compiler));
            });
        Some(Background {
            ready,
            wait,
            _cancel: cancel,
        })
    }

    /// The build, once it is done (then only once); `None` while it is under way. With
    /// [`TierUp::AtFirstChance`], waits for it.
    pub fn ready(&self) -> Option<anyhow::Result<(Engine, Module)>> {
        if self.wait {
            return self.ready.recv().ok();
        }
        self.ready.try_recv().ok()
    }
}

/// A run's way to Cranelift code: the build under way, what the rewritten module offers for
/// the move, and the current instance's exported mutable globals (wasmtime's, or the
/// interpreter's: [`crate::interp`]).
pub(crate) struct Pending<G = Global> {
    background: Background,
    built: Option<(Engine, Module)>,
    pub(crate) carry: Carry,
    pub(crate) globals: Vec<G>,
    pub(crate) goroutines: Goroutines,
}

/// What the run has seen of Go's goroutines, which says where a move may be made.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Goroutines {
    /// Go's `g` at the module's first import call: the scheduler's own goroutine, `g0`, on
    /// which the runtime starts with calls that cannot be resumed (`CALLNORESUME` in
    /// `rt0_go`; see [`crate::tierup`]).
    pub(crate) first: Option<i64>,
    /// An import was called on another goroutine: the runtime switched goroutines, which
    /// unwinds the wasm stack, so `rt0_go`'s frames are gone and `g0` is as movable as any
    /// goroutine (its later frames, the scheduler's, are all resumable calls).
    pub(crate) started: bool,
}

impl Goroutines {
    /// Note an import called with Go's `g` being `g`.
    pub(crate) fn note(&mut self, g: i64) {
        match self.first {
            None => self.first = Some(g),
            Some(first) if first != g => self.started = true,
            Some(_) => {}
        }
    }

    /// Whether the run may move at an import called on goroutine `g`.
    pub(crate) fn may_move_on(&self, g: i64) -> bool {
        self.first.is_some_and(|first| first != g || self.started)
    }
}

impl<G: Copy> Pending<G> {
    pub(crate) fn new(background: Background, carry: Carry, globals: Vec<G>) -> Pending<G> {
        Pending {
            background,
            built: None,
            carry,
            globals,
            goroutines: Goroutines::default(),
        }
    }

    /// Go's `g`, if the module lays its globals out as Go does.
    pub(crate) fn g(&self) -> Option<G> {
        self.globals.get(self.carry.g?).copied()
    }

    /// The Cranelift build once it is done; `Err` when it failed (the run then stays where
    /// it is), `Ok(None)` while it is under way.
    pub(crate) fn poll(&mut self) -> Result<Option<&(Engine, Module)>, ()> {
        if self.built.is_none() {
            match self.background.ready() {
                None => return Ok(None),
                Some(Err(_)) => return Err(()),
                Some(Ok(b)) => self.built = Some(b),
            }
        }
        Ok(self.built.as_ref())
    }
}

fn build(
    bytes: &[u8],
    id: ModuleId,
    cache_dir: Option<&std::path::Path>,
    compiler: Compiler,
) -> anyhow::Result<(Engine, Module)> {
    if let Some(why) = cannot_carry(bytes)? {
        bail!("no tier-up: {why}");
    }
    let engine = engine::engine(false, compiler)?;
    // Every core, each thread below the program: a program computing on one core leaves the
    // others to the build, and a program that does not takes the build's threads' time.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("gojs-tier-up-{i}"))
        .start_handler(|_| lower_priority())
        .build()?;
    let module = pool.install(|| cache::load_module(&engine, compiler, bytes, id, cache_dir))?;
    Ok((engine, module))
}

/// The build shares the machine with the program it is for: let the program come first.
fn lower_priority() {
    // SAFETY: plain system calls on this thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}
