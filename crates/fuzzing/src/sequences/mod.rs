//! Target 2, `call_sequences`: a valid-by-construction sequence of ABI operations
//! ([`ops::Op`]: strings, objects, arrays, byte arrays; get, set, delete, index, set-index,
//! length; call, invoke, construct, a throwing call; instanceof; copy bytes both ways;
//! prepare/load string; finalize), tracking which refs Go holds. It becomes a synthesized
//! module ([`gojs_synth`]) that shows every result, run on the native host, and a model of the
//! glue ([`model`]) predicts every byte of its output: each value read back is the value
//! stored, and each id is the one `wasm_exec.js` would hand out (same value → same live id;
//! freed ids reused last-in first-out).
//!
//! Oracle: the output equals the model's; a [`TableProbe`] checks the ref table's
//! invariants after every import; after every ref is finalized no dynamic id is live and the
//! table has exactly the slots the model allocated.

pub mod model;
pub mod ops;

use std::sync::Arc;
use std::time::Duration;

use arbitrary::{Result as AResult, Unstructured};
use gojs_abi::table::{Fault, TableProbe};
use gojs_synth::spec::ModuleSpec;

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

/// Run `seq` on the native host and check it against the model.
pub fn check_native(seq: &Sequence, fault: Option<Fault>) -> Result<(), String> {
    let bytes = gojs_synth::build(&seq.spec).map_err(|e| format!("synth: {e:#}"))?;
    let probe = Arc::new(TableProbe::new(fault));
    let out = crate::loading::run_bytes(&bytes, TIMEOUT, Some(probe.clone()))?;
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
