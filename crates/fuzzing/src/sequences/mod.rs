//! Target 2, `call_sequences`: a valid-by-construction sequence of ABI operations
//! ([`ops::Op`]: strings, objects, arrays, byte arrays; get, set, delete, index, set-index,
//! length; call, invoke, construct, a throwing call; instanceof; copy bytes both ways;
//! prepare/load string; finalize), tracking which refs Go holds. It becomes a module
//! description ([`gojs_synth::spec::ModuleSpec`]) that shows every result, run on the native
//! host ([`check_warm`]: as data for the interpreter module; [`check_native`]: as a module of
//! its own), and a model of the glue ([`model`]) predicts every byte of its output: each value read back is the value
//! stored, and each id is the one `wasm_exec.js` would hand out (same value → same live id;
//! freed ids reused last-in first-out).
//!
//! Oracle: the output equals the model's; a [`TableProbe`] checks the ref table's
//! invariants after every import; after every ref is finalized no dynamic id is live and the
//! table has exactly the slots the model allocated.

pub mod model;
pub mod ops;

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arbitrary::{Result as AResult, Unstructured};
use gojs_abi::table::{Fault, TableProbe};
use gojs_native::NativeOutcome;
use gojs_native::engine::Compiler;
use gojs_native::warm::{
    self, Code, CompiledModule, Job, LocalRunner, RunJob, Runner, WarmOptions,
};
use gojs_synth::spec::ModuleSpec;

use crate::reuse::Realms;

use ops::{Gen, Op};

/// Most operations per input (finalizing at the end comes on top).
pub const MAX_OPS: usize = 48;

/// The module and what it must print.
#[derive(Debug, Clone)]
pub struct Sequence {
    pub spec: ModuleSpec,
    pub expected: String,
    /// `_values.length` at the end, per the model.
    pub expected_len: u32,
    /// One line per operation, for reports.
    pub ops: Vec<String>,
}

impl Sequence {
    pub fn generate(u: &mut Unstructured<'_>) -> AResult<Sequence> {
        let mut g = Gen::new();
        g.setup()?;
        let mut n = 0;
        while !u.is_empty() && n < MAX_OPS {
            let op: Op = u.arbitrary()?;
            g.apply(&op)?;
            n += 1;
        }
        if n == 0 {
            return Err(arbitrary::Error::NotEnoughData);
        }
        // Go collects everything, in an order the input picks.
        while g.holds_anything() {
            let h = if u.is_empty() {
                0
            } else {
                u.choose_index(g.held())?
            };
            g.finalize(h);
        }
        // Fresh values now reuse the freed ids, last freed first.
        for s in ["z1", "z2"] {
            g.fresh_string(s)?;
        }
        while g.holds_anything() {
            g.finalize(0);
        }
        Ok(Sequence {
            expected_len: g.m.len,
            spec: g.spec,
            expected: g.expected,
            ops: g.ops,
        })
    }
}

/// Limits of one run.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Run `seq` as a synthesized module of its own on the native host (compiled, with a realm
/// and a thread of its own: the way every host runs the case `fuzz-regress` writes) and
/// check it against the model. [`check_warm`] checks the same faster.
pub fn check_native(seq: &Sequence, fault: Option<Fault>) -> Result<(), String> {
    let bytes = gojs_synth::build(&seq.spec).map_err(|e| format!("synth: {e:#}"))?;
    let probe = Arc::new(TableProbe::new(fault));
    let out = crate::loading::run_bytes(&bytes, TIMEOUT, Some(probe.clone()))?;
    check_run(seq, &out, &probe)
}

/// The interpreter module ([`gojs_synth::interp`]), compiled once per process.
fn interpreter() -> Result<CompiledModule, String> {
    static MODULE: OnceLock<Result<CompiledModule, String>> = OnceLock::new();
    MODULE
        .get_or_init(|| {
            let bytes = gojs_synth::interp::module().map_err(|e| format!("{e:#}"))?;
            warm::compile(&bytes, Compiler::Cranelift)
        })
        .clone()
}

thread_local! {
    static RUNNER: RefCell<Runner> = RefCell::new(warm_runner(crate::reuse::RESET_DEPTH));
    static HERE: RefCell<LocalRunner> =
        RefCell::new(LocalRunner::new(warm_options(crate::reuse::RESET_DEPTH)));
}

/// Where [`check_warm`] runs a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thread {
    /// A worker with the run stack of `run_isolated`, which abandons JS that never returns.
    Worker,
    /// The calling thread, which must have a main thread's stack (8 MiB) or more: the
    /// interpreter's run nests no calls, so this is the libFuzzer target's (see
    /// [`LocalRunner`]).
    Caller,
}

/// Run `seq` on the native host as the program of the interpreter module, compiled once per
/// process, on the runner's reused realm (or a fresh one), and check it against the model as
/// [`check_native`] does. The run also fails when it leaves the realm other than fresh: a
/// sequence touches only the values it creates.
pub fn check_warm(
    seq: &Sequence,
    fault: Option<Fault>,
    mode: Realms,
    thread: Thread,
) -> Result<(), String> {
    match thread {
        Thread::Worker => RUNNER.with(|r| check_warm_on(&mut *r.borrow_mut(), seq, fault, mode)),
        Thread::Caller => HERE.with(|r| check_warm_on(&mut *r.borrow_mut(), seq, fault, mode)),
    }
}

/// The runner [`check_warm`] uses: limits as [`check_native`]'s, the reset's fingerprint
/// `depth` deep.
pub fn warm_runner(depth: gojs_native::realm::snapshot::Depth) -> Runner {
    Runner::new(warm_options(depth))
}

fn warm_options(depth: gojs_native::realm::snapshot::Depth) -> WarmOptions {
    // No limit on wake-ups: the sequences end by construction, and one that does not is a
    // finding for the time limit.
    WarmOptions {
        reset_depth: depth,
        ..crate::loading::warm_options(TIMEOUT)
    }
}

/// [`check_warm`] on a runner of the caller's.
pub fn check_warm_on(
    runner: &mut impl RunJob,
    seq: &Sequence,
    fault: Option<Fault>,
    mode: Realms,
) -> Result<(), String> {
    let program = gojs_synth::interp::encode(&seq.spec).map_err(|e| format!("interp: {e:#}"))?;
    let probe = Arc::new(TableProbe::new(fault));
    let job = Job {
        code: Code::Module(interpreter()?),
        init: program.init,
        probe: Some(probe.clone()),
        fresh_realm: mode == Realms::Fresh,
    };
    let run = runner.run(job);
    check_run(seq, &run.outcome, &probe)?;
    run.reset
        .map_err(|e| format!("the sequence left the realm changed: {e}"))
}

/// The oracle on one run of `seq`.
fn check_run(seq: &Sequence, out: &NativeOutcome, probe: &TableProbe) -> Result<(), String> {
    let report = probe.report();
    if let Some(v) = &report.violation {
        return Err(v.clone());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.ending != gojs_native::Ending::Exit(0) || !stderr.is_empty() {
        return Err(format!("run ended with {:?}, stderr: {stderr}", out.ending));
    }
    if stdout != seq.expected {
        let diff = similar::TextDiff::from_lines(seq.expected.as_str(), &stdout)
            .unified_diff()
            .header("model", "native")
            .to_string();
        return Err(format!(
            "output differs from the model:\n{diff}\nops:\n{}",
            seq.ops.join("\n")
        ));
    }
    if report.live_dynamic != 0 || report.len != seq.expected_len as usize {
        return Err(format!(
            "after finalizing every ref: {} dynamic ids live, {} slots (model: 0 live, {} slots)",
            report.live_dynamic, report.len, seq.expected_len
        ));
    }
    Ok(())
}
