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
//! when Go was entered from the event loop (no JS frame below, whose callback into Go would
//! be abandoned), off the scheduler's goroutine `g0` (whose start-up frames in `rt0_go` are
//! calls Go cannot resume), and when `getsp` confirms SP is the import's `sp`.
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

/// A Cranelift build of the module under way on a thread of its own.
pub struct Background {
    ready: mpsc::Receiver<anyhow::Result<(Engine, Module)>>,
    wait: bool,
    /// Dropped when the run ends, which stops a build that has not started yet.
    _cancel: mpsc::Sender<()>,
}

impl Background {
    /// Build `bytes` (the module `id` names) with Cranelift after `delay` (looking in
    /// `cache_dir` first, and putting the build there), unless this value is dropped before
    /// then.
    pub fn start(
        bytes: Vec<u8>,
        id: ModuleId,
        cache_dir: Option<PathBuf>,
        when: TierUp,
    ) -> Option<Background> {
        let (delay, wait) = match when {
            TierUp::Off => return None,
            TierUp::After(d) => (d, false),
            TierUp::AtFirstChance => (Duration::ZERO, true),
        };
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
                lower_priority();
                let _ = tx.send(build(&bytes, id, cache_dir.as_deref()));
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
/// the move, and the current instance's exported mutable globals.
pub(crate) struct Pending {
    background: Background,
    built: Option<(Engine, Module)>,
    pub(crate) carry: Carry,
    pub(crate) globals: Vec<Global>,
    /// Go's `g` at the module's first import call: the scheduler's own goroutine, on which
    /// the runtime started with calls that cannot be resumed (see [`crate::tierup`]).
    pub(crate) first_g: Option<i64>,
}

impl Pending {
    pub(crate) fn new(background: Background, carry: Carry, globals: Vec<Global>) -> Pending {
        Pending {
            background,
            built: None,
            carry,
            globals,
            first_g: None,
        }
    }

    /// Go's `g`, if the module lays its globals out as Go does.
    pub(crate) fn g(&self) -> Option<Global> {
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
) -> anyhow::Result<(Engine, Module)> {
    if let Some(why) = cannot_carry(bytes)? {
        bail!("no tier-up: {why}");
    }
    let engine = engine::engine(false, Compiler::Cranelift)?;
    // Every core, each thread below the program: a program computing on one core leaves the
    // others to the build, and a program that does not takes the build's threads' time.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("gojs-tier-up-{i}"))
        .start_handler(|_| lower_priority())
        .build()?;
    let module =
        pool.install(|| cache::load_module(&engine, Compiler::Cranelift, bytes, id, cache_dir))?;
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
