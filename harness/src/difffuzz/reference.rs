//! The reference side of `gojs-harness fuzz`: the native host on warm runners
//! ([`gojs_native::warm`]), one per reference thread and kept for the whole process. A run
//! there is [`gojs_fuzzing::loading::run_bytes_on`]'s (its limits and seed: [`warm_options`])
//! without what costs milliseconds an input: a realm built and its prelude run, a thread and
//! an engine started. The realm is reset between inputs and checked against a fingerprint
//! (`crates/fuzzing/tests/realm_reuse.rs`: every input gives alone what it gives after a
//! thousand others); one an input left changed is dropped and the next input gets a new one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gojs_fuzzing::loading::warm_options;
use gojs_native::engine::Compiler;
use gojs_native::warm::{Code, Job, Runner};

use super::verdict::Observed;

/// The runners, by slot; each slot is one reference thread's.
struct Pool {
    timeout: Duration,
    runners: Vec<Arc<Mutex<Runner>>>,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

/// The runner of `slot`, for runs limited to `timeout`.
fn runner(slot: usize, timeout: Duration) -> Arc<Mutex<Runner>> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let p = match pool.as_mut() {
        Some(p) if p.timeout == timeout => p,
        _ => pool.insert(Pool {
            timeout,
            runners: Vec::new(),
        }),
    };
    while p.runners.len() <= slot {
        p.runners
            .push(Arc::new(Mutex::new(Runner::new(warm_options(timeout)))));
    }
    p.runners[slot].clone()
}

/// Run `wasm` on the runner of `slot` with the time limit `timeout`.
pub fn run(slot: usize, wasm: &[u8], timeout: Duration) -> Result<Observed, String> {
    let runner = runner(slot, timeout);
    let out = runner.lock().unwrap_or_else(|e| e.into_inner()).run(Job {
        // Winch: compiling is a good part of the reference's time on these small modules.
        code: Code::Bytes(wasm.to_vec(), Compiler::Winch),
        init: Vec::new(),
        probe: None,
        fresh_realm: false,
    });
    let stderr = String::from_utf8_lossy(&out.outcome.stderr);
    if stderr.starts_with("gojs-harness: cannot start the run thread") {
        return Err(format!("the native host could not run an input: {stderr}"));
    }
    Ok(Observed::of_native(&out.outcome))
}
