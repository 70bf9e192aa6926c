//! Target 4, `module_loading`: arbitrary bytes, synthesized modules with arbitrary
//! descriptions (missing or mistyped exports, unknown and duplicate imports, either import
//! generation, random frames and stack pointers in `run` and `resume`), and synthesized
//! modules with bytes flipped or cut, offered to the native host as programs.
//!
//! Each input of `module_loading` also picks the way the module is compiled and loaded
//! ([`LoadPath`]): the suite's (Cranelift) or Winch, both on the warm runner. Target
//! `run_default` takes the same inputs along `gojs-harness run`'s default path (a tiered cache,
//! the tier-up rewrite, and a second run from the cached build), so every path a user's module
//! takes is reached. That path costs tens of milliseconds an input against one or two for the
//! others: as one input in 32 of `module_loading` it still took two thirds of the target's
//! time (`reports/fuzz.md`), so it has a target, and a rate, of its own.
//!
//! Oracle: the host never crashes (a panic aborts the fuzzer), never hangs (the run ends
//! within its time limit plus the host's grace period), and a failure is a clean one-line
//! `gojs-harness: …` message; bytes that are not a valid module always fail.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arbitrary::{Result as AResult, Unstructured};

use gojs_abi::imports::Import;
use gojs_abi::table::TableProbe;
use gojs_native::engine::Compiler;
use gojs_native::warm::{Code, Job, Runner, WarmOptions};
use gojs_native::{Ending, NativeOutcome, NativeRunOptions, Program};

use crate::reuse::Realms;
use gojs_synth::spec::{Data, ModuleSpec, Show, Step};

/// Time limit of one run. Generated programs that never end are common (a Go timer left
/// armed makes the glue resume Go forever, "missed timeout event"): at 2 s they took most of
/// the target's time; on the warm runner [`MAX_RESUMES`] now ends them first, and the limit
/// is left to the `RunDefault` path and to guest code that loops without returning. The
/// programs that end take a few milliseconds, compile included (tens with a fresh realm on a
/// busy machine).
pub const TIMEOUT: Duration = Duration::from_millis(100);
/// Resumes from the event loop before a run on the warm runner is stopped (a clean failure).
/// A synthesized `resume` does the same steps each time it is called, so a program still
/// waking after this many shows nothing new; ended here instead of at [`TIMEOUT`], such a
/// program costs about a millisecond instead of the whole limit, and ends at the same point
/// however busy the machine is. The `RunDefault` path (`run_isolated`) keeps the time limit only.
pub const MAX_RESUMES: u64 = 128;
/// Memory limit of one run.
pub const MAX_MEMORY: u64 = 64 << 20;
/// The host's grace period past the limit (see `native::run_isolated`) plus slack.
pub const HANG: Duration = Duration::from_secs(8);

static SEQ: AtomicU64 = AtomicU64::new(0);

fn scratch_file() -> PathBuf {
    std::env::temp_dir().join(format!(
        "gojs-fuzz-{}-{}.wasm",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ))
}

/// How a run compiles and loads the module: the native host's paths a user's module can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadPath {
    /// The suite's: Cranelift, no cache.
    Cranelift,
    /// Winch, no cache.
    Winch,
    /// `gojs-harness run`'s default: `auto` with a tiered cache (a new module is built with
    /// Winch and cached), the tier-up to Cranelift at the first pause (which rewrites the
    /// module), then a second run that loads the cached build.
    RunDefault,
}

impl LoadPath {
    /// `module_loading`'s path: Cranelift or Winch, half each ([`LoadPath::RunDefault`] is
    /// target `run_default`'s). Input that has run out picks Cranelift.
    pub fn generate(u: &mut Unstructured<'_>) -> AResult<LoadPath> {
        let b: u8 = u.arbitrary()?;
        Ok(if b % 2 == 1 {
            LoadPath::Winch
        } else {
            LoadPath::Cranelift
        })
    }
}

/// Run module bytes on the native host: deterministic clock, no compile cache, memory and
/// output capped, on a thread of its own (`run_isolated`).
pub fn run_bytes(
    bytes: &[u8],
    timeout: Duration,
    probe: Option<Arc<TableProbe>>,
) -> Result<NativeOutcome, String> {
    run_bytes_on(bytes, timeout, probe, LoadPath::Cranelift, None)
}

/// [`run_bytes`] on a chosen path; `cache_dir` is the compile cache of
/// [`LoadPath::RunDefault`] (required there, ignored otherwise).
pub fn run_bytes_on(
    bytes: &[u8],
    timeout: Duration,
    probe: Option<Arc<TableProbe>>,
    path: LoadPath,
    cache_dir: Option<&std::path::Path>,
) -> Result<NativeOutcome, String> {
    use gojs_native::engine::CompilerChoice;
    use gojs_native::tierup::TierUp;
    let file = scratch_file();
    std::fs::write(&file, bytes).map_err(|e| format!("writing {}: {e}", file.display()))?;
    let program = Program {
        wasm: file.clone(),
        args: vec![],
        env: Default::default(),
        cwd: PathBuf::from("/"),
    };
    let (compiler, cache_dir, tiered_cache, tier_up) = match path {
        LoadPath::Cranelift => (CompilerChoice::Cranelift, None, false, TierUp::Off),
        LoadPath::Winch => (CompilerChoice::Winch, None, false, TierUp::Off),
        LoadPath::RunDefault => (
            CompilerChoice::Auto,
            Some(
                cache_dir
                    .ok_or("LoadPath::RunDefault needs a cache directory")?
                    .to_path_buf(),
            ),
            true,
            TierUp::AtFirstChance,
        ),
    };
    let opts = NativeRunOptions {
        deterministic: true,
        seed: 1,
        timeout: Some(timeout),
        max_memory: Some(MAX_MEMORY),
        max_output: 1 << 20,
        cache_dir,
        compiler,
        tiered_cache,
        tier_up,
        // In-process: the fill a real run leaves to a background process is not reached.
        background_fill: None,
        table_probe: probe,
        trace: None,
        // Synthesized modules reach no file at all.
        dirs: Vec::new(),
        private_tmpdir: false,
        grant_cwd: false,
    };
    let out = gojs_native::run_isolated(&program, &opts, true);
    let _ = std::fs::remove_file(&file);
    Ok(out)
}

/// What the target offers.
#[derive(Debug, Clone)]
pub enum LoadInput {
    Raw(Vec<u8>),
    Spec(ModuleSpec),
    /// A synthesized module, then bytes flipped and/or the end cut off.
    Mutated {
        spec: ModuleSpec,
        flips: Vec<(u32, u8)>,
        cut: Option<u32>,
    },
}

const CALLS: [&str; 6] = [
    "syscall/js.valueGet",
    "syscall/js.valueCall",
    "runtime.wasmWrite",
    "syscall/js.finalizeRef",
    "runtime.scheduleTimeoutEvent",
    "syscall/js.copyBytesToGo",
];

fn gen_step(u: &mut Unstructured<'_>) -> AResult<Step> {
    let kind = u.int_in_range(0u8..=9)?;
    let mut step = Step {
        call: None,
        print: None,
        exit: None,
        sp: None,
        frame: Default::default(),
        show: vec![],
    };
    match kind {
        0 => {
            let n = u.int_in_range(0usize..=16)?;
            step.print = Some(String::from_utf8_lossy(u.bytes(n)?).replace('\n', " "))
        }
        1 => step.exit = Some(u.arbitrary()?),
        _ => {
            let name = if u.ratio(1u8, 2)? {
                u.choose(&Import::ALL)?.name().to_string()
            } else {
                u.choose(&CALLS)?.to_string()
            };
            step.call = Some(name);
            step.sp = Some(match u.int_in_range(0u8..=3)? {
                0 => u.arbitrary::<u32>()? & !7,
                1 => 16384 + (u.int_in_range(0u32..=8192)? & !7),
                _ => 16384,
            });
            for _ in 0..u.int_in_range(0usize..=5)? {
                let off = u.int_in_range(1u32..=8)? * 8;
                let v = match u.int_in_range(0u8..=4)? {
                    0 => format!("u64 {}", u.arbitrary::<u64>()?),
                    1 => format!(
                        "ref {}",
                        u.choose(&[
                            "global",
                            "go",
                            "null",
                            "undefined",
                            "id 7",
                            "string 9",
                            "function 1000"
                        ])?
                    ),
                    2 => format!("u64 {}", 20000 + u.int_in_range(0u32..=64)?),
                    3 => format!("u64 {}", u.int_in_range(0u32..=40)?),
                    _ => format!("u8 {}", u.arbitrary::<u8>()?),
                };
                step.frame.insert(off.to_string(), v);
            }
            if u.ratio(1u8, 4)? {
                step.show.push(Show {
                    label: "r".into(),
                    at: u.int_in_range(0u32..=72)?,
                    len: u.int_in_range(1u32..=16)?,
                    abs: false,
                });
            }
        }
    }
    Ok(step)
}

fn gen_spec(u: &mut Unstructured<'_>) -> AResult<ModuleSpec> {
    let mut omit = vec![];
    for e in ["run", "resume", "getsp", "mem"] {
        if u.ratio(1u8, 12)? {
            omit.push(e.to_string());
        }
    }
    let mut extra = vec![];
    if u.ratio(1u8, 8)? {
        extra.push(
            u.choose(&[
                "env.nope",
                "gojs.runtime.wasmExit",
                "gojs.runtime.getRandomData",
                "go.debug",
                "gojs.debug",
                "_gotest.add",
                "gojs.runtime.walltime1",
            ])?
            .to_string(),
        );
    }
    let run = (0..u.int_in_range(0usize..=6)?)
        .map(|_| gen_step(u))
        .collect::<AResult<_>>()?;
    let resume = (0..u.int_in_range(0usize..=3)?)
        .map(|_| gen_step(u))
        .collect::<AResult<_>>()?;
    Ok(ModuleSpec {
        imports: if u.ratio(1u8, 4)? { "go" } else { "gojs" }.into(),
        pages: u.int_in_range(1u32..=3)?,
        omit_exports: omit,
        mem_kind: if u.ratio(1u8, 16)? {
            Some(u.choose(&["global", "function"])?.to_string())
        } else {
            None
        },
        extra_imports: extra,
        raw_hex: None,
        raw_text: None,
        data: vec![Data {
            at: 20000,
            text: Some(
                u.choose(&["Object", "fs", "_pendingEvent", "\u{fffd}"])?
                    .to_string(),
            ),
            hex: None,
        }],
        run,
        resume,
        exit: if u.ratio(1u8, 3)? {
            -1
        } else {
            u.int_in_range(0i32..=255)?
        },
    })
}

impl LoadInput {
    pub fn generate(u: &mut Unstructured<'_>) -> AResult<LoadInput> {
        Ok(match u.int_in_range(0u8..=3)? {
            0 => {
                let n = u.arbitrary_len::<u8>()?.min(4096);
                let mut b = u.bytes(n)?.to_vec();
                if u.ratio(1u8, 2)? {
                    // Start like a module so that decoding gets further.
                    let mut m = b"\0asm\x01\0\0\0".to_vec();
                    m.append(&mut b);
                    b = m;
                }
                LoadInput::Raw(b)
            }
            1 | 2 => LoadInput::Spec(gen_spec(u)?),
            _ => LoadInput::Mutated {
                spec: gen_spec(u)?,
                flips: (0..u.int_in_range(0usize..=4)?)
                    .map(|_| Ok((u.arbitrary()?, u.arbitrary()?)))
                    .collect::<AResult<_>>()?,
                cut: if u.ratio(1u8, 3)? {
                    Some(u.arbitrary()?)
                } else {
                    None
                },
            },
        })
    }

    /// The bytes offered, or `None` for a description the synthesizer refuses (useless input).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            LoadInput::Raw(b) => Some(b.clone()),
            LoadInput::Spec(s) => gojs_synth::build(s).ok(),
            LoadInput::Mutated { spec, flips, cut } => {
                let mut b = gojs_synth::build(spec).ok()?;
                if b.is_empty() {
                    return Some(b);
                }
                for (at, x) in flips {
                    let i = *at as usize % b.len();
                    b[i] ^= x;
                }
                if let Some(c) = cut {
                    b.truncate(*c as usize % (b.len() + 1));
                }
                Some(b)
            }
        }
    }
}

/// Whether wasmtime's validator (with the features the native engine enables) accepts `b`.
pub fn is_valid_wasm(b: &[u8]) -> bool {
    let features = wasmparser::WasmFeatures::default();
    wasmparser::Validator::new_with_features(features)
        .validate_all(b)
        .is_ok()
}

/// The oracle on one outcome.
pub fn check_outcome(bytes: &[u8], out: &NativeOutcome) -> Result<(), String> {
    if out.wall > TIMEOUT + HANG {
        return Err(format!(
            "the run took {:?} (limit {TIMEOUT:?}): the host hangs",
            out.wall
        ));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("gojs-harness:"))
        .collect();
    for n in &notes {
        if n.contains("panicked") {
            return Err(format!("the host crashed: {n}"));
        }
    }
    if !is_valid_wasm(bytes) && (out.ending != Ending::Exit(1) || notes.is_empty()) {
        return Err(format!(
            "an invalid module ended with {:?} and no clean error (stderr: {stderr:?})",
            out.ending
        ));
    }
    Ok(())
}

/// A warm runner's options for runs as [`run_bytes_on`] makes them (deterministic, seed 1,
/// its memory and output limits) with the time limit `timeout`: no limit on wake-ups, the
/// realm's reset fingerprinted [`crate::reuse::RESET_DEPTH`] deep.
pub fn warm_options(timeout: Duration) -> WarmOptions {
    WarmOptions {
        timeout,
        max_memory: Some(MAX_MEMORY),
        max_output: 1 << 20,
        seed: 1,
        reset_depth: crate::reuse::RESET_DEPTH,
        max_resumes: None,
    }
}

thread_local! {
    static RUNNER: RefCell<Runner> = RefCell::new(Runner::new(WarmOptions {
        max_resumes: Some(MAX_RESUMES),
        ..warm_options(TIMEOUT)
    }));
}

/// Run module bytes as [`run_bytes_on`] does on [`LoadPath::Cranelift`] or
/// [`LoadPath::Winch`], but on the thread's warm runner ([`gojs_native::warm`]): the
/// compiler's engine shared by every input, the worker thread and its realm reused (or a
/// fresh realm, `mode`). A program may leave the realm changed (its frames are arbitrary);
/// the runner then drops it, and the next input gets a fresh one.
pub fn run_warm(bytes: &[u8], compiler: Compiler, mode: Realms) -> NativeOutcome {
    let job = Job {
        code: Code::Bytes(bytes.to_vec(), compiler),
        init: Vec::new(),
        probe: None,
        fresh_realm: mode == Realms::Fresh,
    };
    RUNNER.with(|r| r.borrow_mut().run(job)).outcome
}

/// Run the target's oracle on one input, on `path`: Cranelift and Winch on the warm runner,
/// `gojs-harness run`'s default path as [`run_bytes_on`] runs it (a thread, an engine and a
/// realm of its own, a compile cache in a fresh directory).
pub fn check_loading(input: &LoadInput, path: LoadPath, mode: Realms) -> Result<(), String> {
    let Some(bytes) = input.bytes() else {
        return Ok(());
    };
    match path {
        LoadPath::Cranelift => {
            return check_outcome(&bytes, &run_warm(&bytes, Compiler::Cranelift, mode));
        }
        LoadPath::Winch => return check_outcome(&bytes, &run_warm(&bytes, Compiler::Winch, mode)),
        LoadPath::RunDefault => {}
    }
    // A cache of its own per input, so that no input's outcome depends on another's.
    let cache = tempfile::tempdir().map_err(|e| format!("a cache directory: {e}"))?;
    for run in ["first run (Winch, cached)", "second run (from the cache)"] {
        let out = run_bytes_on(&bytes, TIMEOUT, None, path, Some(cache.path()))?;
        check_outcome(&bytes, &out).map_err(|e| format!("{run}: {e}"))?;
    }
    Ok(())
}
