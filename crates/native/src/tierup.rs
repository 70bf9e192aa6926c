//! Tier-up: a run that starts on Winch code moves to Cranelift code while the program is
//! paused.
//!
//! A run with tiered caching ([`crate::NativeRunOptions::tiered_cache`]) builds a module
//! it has not seen with Winch, because most such modules
//! (`go test -exec` binaries) run once and briefly, and compiling is then most of the time.
//! A run that is still going after [`DELAY`] starts a Cranelift build on a thread of its
//! own, at low priority. Once that build is ready, the next time the program is paused (its
//! wasm stack empty, waiting in the event loop for a timer or an I/O callback, as after every
//! write to stdout) the run moves to a new instance of it: linear memory and every mutable
//! global are copied over, and the imports' state (the ref table, the realm, timers, files)
//! is host state that both instances share. A Go program's goroutine stacks live in linear
//! memory and its registers in globals, so nothing else is left behind in the old instance.
//!
//! Globals that are not exported cannot be read through wasmtime's API, so the tiered path
//! builds the module as rewritten by [`crate::rewrite::export_globals`]: every mutable global gets an export
//! named [`crate::rewrite::GLOBAL_EXPORT_PREFIX`]`N`. Both compilers' builds (and their cache entries) are of
//! those bytes, which behave exactly as the original module.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::bail;
use wasmtime::{Engine, Module};

use crate::cache::{self, ModuleId};
use crate::engine::{self, Compiler};
use crate::rewrite::cannot_carry;

/// How long a run goes on Winch code before a Cranelift build of its module is started.
/// Shorter runs (most test binaries, hello world) never pay for a second compile.
pub const DELAY: Duration = Duration::from_secs(1);

/// Whether and when a run on Winch code moves to Cranelift code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TierUp {
    /// Never (the suite, whose runs are short and whose modules are cached with Cranelift).
    #[default]
    Off,
    /// Start the Cranelift build this long after the run starts; move at the first pause
    /// after it is ready.
    After(Duration),
    /// Start the build at once and wait for it at the first pause (tests).
    AtFirstPause,
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
            TierUp::AtFirstPause => (Duration::ZERO, true),
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

    /// The build, once it is done (then only once); `None` while it is under way.
    pub fn ready(&self) -> Option<anyhow::Result<(Engine, Module)>> {
        if self.wait {
            return self.ready.recv().ok();
        }
        self.ready.try_recv().ok()
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
    let engine = engine::background_engine(Compiler::Cranelift)?;
    let module = cache::load_module(&engine, Compiler::Cranelift, bytes, id, cache_dir)?;
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
