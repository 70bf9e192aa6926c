//! Tier-up: a run that starts on Winch code moves to Cranelift code while the program is
//! paused.
//!
//! `gojs-harness run` builds a module it has not seen with Winch, because most such modules
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
//! builds the module as rewritten by [`export_globals`]: every mutable global gets an export
//! named [`GLOBAL_EXPORT_PREFIX`]`N`. Both compilers' builds (and their cache entries) are of
//! those bytes, which behave exactly as the original module.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use wasmparser::{Parser, Payload};
use wasmtime::{Engine, Module};

use super::engine::{self, Compiler};

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

impl TierUp {
    /// `gojs-harness run`'s setting: [`DELAY`], or `$GOJS_TIER_UP_DELAY` seconds (`off`
    /// never tiers up).
    pub fn for_run() -> TierUp {
        match std::env::var("GOJS_TIER_UP_DELAY") {
            Ok(v) if v == "off" => TierUp::Off,
            Ok(v) => v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map_or(TierUp::After(DELAY), |s| {
                    TierUp::After(Duration::from_secs_f64(s))
                }),
            Err(_) => TierUp::After(DELAY),
        }
    }
}

/// Exports added by [`export_globals`] are named this, followed by the global's index.
pub const GLOBAL_EXPORT_PREFIX: &str = "gojs-harness:global:";

/// `bytes` with every mutable global exported, and the names of those exports.
///
/// Fails (and the run then does not tier up) on modules this cannot carry over: no export
/// section, a mutable global of a reference type, names already taken.
pub fn export_globals(bytes: &[u8]) -> anyhow::Result<(Vec<u8>, Vec<String>)> {
    use wasm_encoder::{ExportKind, ExportSection, RawSection};
    let mut out = wasm_encoder::Module::new();
    let mut imported_globals = 0u32;
    let mut mutable = Vec::new();
    let mut exported = false;
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.context("parsing the module")?;
        match &payload {
            Payload::Version { encoding, .. } => {
                if *encoding != wasmparser::Encoding::Module {
                    bail!("not a core module");
                }
                continue;
            }
            Payload::ImportSection(r) => {
                for import in r.clone() {
                    if let wasmparser::TypeRef::Global(_) = import?.ty {
                        imported_globals += 1;
                    }
                }
            }
            Payload::GlobalSection(r) => {
                for (i, g) in r.clone().into_iter().enumerate() {
                    let ty = g?.ty;
                    if !ty.mutable {
                        continue;
                    }
                    if !matches!(
                        ty.content_type,
                        wasmparser::ValType::I32
                            | wasmparser::ValType::I64
                            | wasmparser::ValType::F32
                            | wasmparser::ValType::F64
                    ) {
                        bail!("mutable global {i} is not a number");
                    }
                    mutable.push(imported_globals + i as u32);
                }
            }
            Payload::ExportSection(r) => {
                let mut section = ExportSection::new();
                for e in r.clone() {
                    let e = e?;
                    if e.name.starts_with(GLOBAL_EXPORT_PREFIX) {
                        bail!("the module already has an export named {:?}", e.name);
                    }
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => ExportKind::Func,
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        wasmparser::ExternalKind::Tag => ExportKind::Tag,
                    };
                    section.export(e.name, kind, e.index);
                }
                for &g in &mutable {
                    let name = format!("{GLOBAL_EXPORT_PREFIX}{g}");
                    section.export(&name, ExportKind::Global, g);
                    names.push(name);
                }
                out.section(&section);
                exported = true;
                continue;
            }
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            out.section(&RawSection {
                id,
                data: &bytes[range],
            });
        }
    }
    if !exported {
        bail!("the module has no export section");
    }
    Ok((out.finish(), names))
}

/// A Cranelift build of the module under way on a thread of its own.
pub struct Background {
    ready: mpsc::Receiver<anyhow::Result<(Engine, Module)>>,
    wait: bool,
    /// Dropped when the run ends, which stops a build that has not started yet.
    _cancel: mpsc::Sender<()>,
}

impl Background {
    /// Build `bytes` with Cranelift after `delay` (looking in `cache_dir` first, and putting
    /// the build there), unless this value is dropped before then.
    pub fn start(bytes: Vec<u8>, cache_dir: Option<PathBuf>, when: TierUp) -> Option<Background> {
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
                let _ = tx.send(build(&bytes, cache_dir.as_deref()));
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

fn build(bytes: &[u8], cache_dir: Option<&std::path::Path>) -> anyhow::Result<(Engine, Module)> {
    if let Some(why) = cannot_carry(bytes)? {
        bail!("no tier-up: {why}");
    }
    let engine = engine::background_engine(Compiler::Cranelift)?;
    let module = engine::load_module(&engine, Compiler::Cranelift, bytes, cache_dir)?;
    Ok((engine, module))
}

/// Why a paused instance of this module could not be carried over to another by copying
/// its memory and mutable globals: state kept elsewhere (tables changed at run time,
/// dropped segments), or memories and tables it shares with the host.
pub fn cannot_carry(bytes: &[u8]) -> anyhow::Result<Option<String>> {
    use wasmparser::Operator as Op;
    let mut memories = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ImportSection(r) => {
                for i in r {
                    let i = i?;
                    if !matches!(i.ty, wasmparser::TypeRef::Func(_)) {
                        return Ok(Some(format!("it imports {}.{}", i.module, i.name)));
                    }
                }
            }
            Payload::MemorySection(r) => memories += r.count(),
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    let op = ops.read()?;
                    if matches!(
                        op,
                        Op::TableSet { .. }
                            | Op::TableGrow { .. }
                            | Op::TableFill { .. }
                            | Op::TableCopy { .. }
                            | Op::TableInit { .. }
                            | Op::ElemDrop { .. }
                            | Op::MemoryInit { .. }
                            | Op::DataDrop { .. }
                    ) {
                        return Ok(Some(format!("its code uses {op:?}")));
                    }
                }
            }
            _ => {}
        }
    }
    if memories != 1 {
        return Ok(Some(format!("it defines {memories} memories")));
    }
    Ok(None)
}

/// The build shares the machine with the program it is for: let the program come first.
fn lower_priority() {
    // SAFETY: plain system calls on this thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(src: &str) -> Vec<u8> {
        wat::parse_str(src).unwrap()
    }

    #[test]
    fn mutable_globals_are_exported_and_the_rest_kept() {
        let bytes = wat(r#"(module
            (import "m" "g" (global i32))
            (global $a (mut i32) (i32.const 7))
            (global $b i64 (i64.const 1))
            (global $c (mut i64) (i64.const -3))
            (memory (export "mem") 1)
            (func (export "run") (result i32) global.get $a)
            (data (i32.const 8) "hi"))"#);
        let (out, names) = export_globals(&bytes).unwrap();
        assert_eq!(names, ["gojs-harness:global:1", "gojs-harness:global:3"]);
        wasmparser::Validator::new().validate_all(&out).unwrap();
        let engine = Engine::default();
        let module = Module::new(&engine, &out).unwrap();
        let exports: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
        assert_eq!(
            exports,
            [
                "mem",
                "run",
                "gojs-harness:global:1",
                "gojs-harness:global:3"
            ]
        );
    }

    #[test]
    fn modules_it_cannot_carry_are_refused() {
        let no_exports = wat("(module (global (mut i32) (i32.const 0)))");
        assert!(export_globals(&no_exports).is_err());
        let reference =
            wat(r#"(module (global (mut funcref) (ref.null func)) (func (export "f")))"#);
        assert!(export_globals(&reference).is_err());
        let taken =
            wat(r#"(module (global (export "gojs-harness:global:0") (mut i32) (i32.const 0)))"#);
        assert!(export_globals(&taken).is_err());
        assert!(export_globals(b"\0asm\x01\0\0\0\x01").is_err());
    }
}
