//! Generators and oracles of the fuzz targets in `fuzz/` (cargo-fuzz), kept here so that the
//! targets stay a few lines each and `cargo test` can replay their corpora on stable Rust
//! (`crates/fuzzing/tests/fuzz_replay.rs`).
//!
//! Each target has one entry point taking the raw fuzz input, returning `Ok` for an input
//! that passed (or was rejected as useless) and `Err(what went wrong)` for a failure:
//!
//! | target | entry point | drives |
//! |---|---|---|
//! | `import_frames` | [`import_frames`] | the ABI layer with the mock realm (or boa, `GOJS_FUZZ_REALM=boa`) |
//! | `call_sequences` | [`call_sequences`] | the interpreter module on the native host (warm runner) |
//! | `valueof_roundtrip` | [`valueof_roundtrip`] | the ABI layer with the thread's reused boa realm |
//! | `module_loading` | [`module_loading`] | the native host (warm runner, Cranelift or Winch) with arbitrary or generated modules |
//! | `run_default` | [`run_default`] | `module_loading`'s inputs along `gojs-harness run`'s default path (tiered cache, tier-up, cached second run) |
//!
//! `GOJS_FUZZ_FAULT=finalize-frees-predefined` breaks the ref table on purpose (see
//! [`gojs_abi::table::Fault`]) to show the oracles catch it.

pub mod frames;
pub mod goside;
pub mod loading;
pub mod mock;
pub mod reuse;
pub mod sequences;
pub mod valueof;

use std::rc::Rc;
use std::sync::OnceLock;

use arbitrary::Unstructured;

use gojs_abi::realm::Realm;
use gojs_abi::table::Fault;
use gojs_native::realm::shared::Shared;
use gojs_native::realm::{BoaRealm, JsHost};
pub use reuse::Realms;

/// The fault named by `GOJS_FUZZ_FAULT`, if any (read once: the environment does not change
/// during a fuzz run, and reading it per input is a lock and a scan).
pub fn fault_from_env() -> Option<Fault> {
    static FAULT: OnceLock<Option<Fault>> = OnceLock::new();
    *FAULT.get_or_init(|| {
        let name = std::env::var("GOJS_FUZZ_FAULT").ok()?;
        match Fault::from_name(&name) {
            Some(f) => Some(f),
            None => panic!("GOJS_FUZZ_FAULT={name}: unknown fault (finalize-frees-predefined)"),
        }
    })
}

/// `GOJS_FUZZ_REALM=boa`, read once.
fn frames_on_boa() -> bool {
    static BOA: OnceLock<bool> = OnceLock::new();
    *BOA.get_or_init(|| std::env::var("GOJS_FUZZ_REALM").as_deref() == Ok("boa"))
}

/// A fresh boa realm with the native host's prelude, deterministic.
pub fn boa_host() -> Result<JsHost, String> {
    let shared = Rc::new(Shared::new(true, 1 << 20, true, 1));
    JsHost::new(shared, &reuse::realm_config()).map_err(|e| format!("boa realm: {e:#}"))
}

/// Run `f` with a fresh boa realm.
pub fn with_boa<T>(f: impl FnOnce(&mut BoaRealm<'_>) -> T) -> Result<T, String> {
    let mut host = boa_host()?;
    let helpers = host.helpers.clone();
    let mut realm = BoaRealm {
        ctx: &mut host.ctx,
        h: &helpers,
    };
    Ok(f(&mut realm))
}

/// What a target did with an input its oracle passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The input was run and checked.
    Checked,
    /// The generator could not make anything of it (too short, a description the
    /// synthesizer refuses): nothing ran.
    Rejected,
}

/// Target `import_frames` with a realm of your choice (see `fuzz/README.md`).
pub fn import_frames_with<R: Realm>(
    realm: &mut R,
    data: &[u8],
    fault: Option<Fault>,
) -> Result<Input, String> {
    let mut u = Unstructured::new(data);
    let Ok(input) = frames::FramesInput::generate(&mut u) else {
        return Ok(Input::Rejected);
    };
    frames::check_frames(realm, &input, fault).map(|_| Input::Checked)
}

/// Target `valueof_roundtrip` with a realm of your choice (see `fuzz/README.md`). Its model is
/// JS semantics, so the realm must be a real engine's (the target's is boa), not a mock.
pub fn valueof_roundtrip_with<R: Realm>(
    realm: &mut R,
    data: &[u8],
    fault: Option<Fault>,
) -> Result<Input, String> {
    let mut u = Unstructured::new(data);
    let Ok(input) = valueof::ValueOfInput::generate(&mut u) else {
        return Ok(Input::Rejected);
    };
    valueof::check_valueof(realm, &input, fault).map(|()| Input::Checked)
}

/// Run target `name` on one input with an optional injected fault: whether the input was
/// checked or rejected, or what went wrong. Realms (and for `call_sequences` the compiled
/// module) are reused from input to input, as the fuzz targets do.
pub fn run_target(name: &str, data: &[u8], fault: Option<Fault>) -> Result<Input, String> {
    run_target_in(name, data, fault, Realms::Reused)
}

/// [`run_target`] with a fresh realm for this input, or the thread's reused one.
pub fn run_target_in(
    name: &str,
    data: &[u8],
    fault: Option<Fault>,
    mode: Realms,
) -> Result<Input, String> {
    match name {
        "import_frames" => frames_in(data, fault),
        "valueof_roundtrip" => valueof_in(data, fault, mode),
        "call_sequences" => sequences_in(data, fault, mode, sequences::Thread::Worker),
        "module_loading" => loading_in(data, fault, mode),
        "run_default" => run_default_in(data, fault),
        other => Err(format!("no fuzz target {other}")),
    }
}

// One function per target, so that a fuzz target's binary links only its own target's code:
// libFuzzer scans every coverage counter of the binary after each input.

fn frames_in(data: &[u8], fault: Option<Fault>) -> Result<Input, String> {
    if frames_on_boa() {
        return with_boa(|realm| import_frames_with(realm, data, fault))?;
    }
    import_frames_with(&mut mock::MockRealm::new(), data, fault)
}

fn valueof_in(data: &[u8], fault: Option<Fault>, mode: Realms) -> Result<Input, String> {
    let mut u = Unstructured::new(data);
    let Ok(input) = valueof::ValueOfInput::generate(&mut u) else {
        return Ok(Input::Rejected);
    };
    reuse::with_realm(mode, |realm| valueof::check_valueof(realm, &input, fault))?
        .map(|()| Input::Checked)
}

fn sequences_in(
    data: &[u8],
    fault: Option<Fault>,
    mode: Realms,
    thread: sequences::Thread,
) -> Result<Input, String> {
    let mut u = Unstructured::new(data);
    let Ok(seq) = sequences::Sequence::generate(&mut u) else {
        return Ok(Input::Rejected);
    };
    sequences::check_warm(&seq, fault, mode, thread).map(|()| Input::Checked)
}

fn loading_in(data: &[u8], _fault: Option<Fault>, mode: Realms) -> Result<Input, String> {
    let mut u = Unstructured::new(data);
    let Ok(input) = loading::LoadInput::generate(&mut u) else {
        return Ok(Input::Rejected);
    };
    // Inputs written before the paths existed end here and take the suite's.
    let path = loading::LoadPath::generate(&mut u).unwrap_or(loading::LoadPath::Cranelift);
    loading::check_loading(&input, path, mode).map(|()| Input::Checked)
}

fn run_default_in(data: &[u8], _fault: Option<Fault>) -> Result<Input, String> {
    let mut u = Unstructured::new(data);
    let Ok(input) = loading::LoadInput::generate(&mut u) else {
        return Ok(Input::Rejected);
    };
    // Every run on this path has an engine, a realm and a cache of its own.
    loading::check_loading(&input, loading::LoadPath::RunDefault, Realms::Fresh)
        .map(|()| Input::Checked)
}

/// Target `import_frames`: the mock realm, or boa with `GOJS_FUZZ_REALM=boa`.
pub fn import_frames(data: &[u8]) -> Result<(), String> {
    frames_in(data, fault_from_env()).map(drop)
}

/// Target `import_frames` on the mock realm only, whatever `GOJS_FUZZ_REALM` says: a binary
/// that calls only this links neither boa nor wasmtime, and libFuzzer, which scans every
/// coverage counter of the binary after each input, runs it several times faster.
pub fn import_frames_on_mock(data: &[u8]) -> Result<(), String> {
    import_frames_with(&mut mock::MockRealm::new(), data, fault_from_env()).map(drop)
}

/// Target `call_sequences`, on the calling thread: call it from a main thread (libFuzzer's)
/// or one with as large a stack; [`run_target`] runs the same on a worker.
pub fn call_sequences(data: &[u8]) -> Result<(), String> {
    sequences_in(
        data,
        fault_from_env(),
        Realms::Reused,
        sequences::Thread::Caller,
    )
    .map(drop)
}

/// Target `valueof_roundtrip`.
pub fn valueof_roundtrip(data: &[u8]) -> Result<(), String> {
    valueof_in(data, fault_from_env(), Realms::Reused).map(drop)
}

/// Target `module_loading`.
pub fn module_loading(data: &[u8]) -> Result<(), String> {
    loading_in(data, fault_from_env(), Realms::Reused).map(drop)
}

/// Target `run_default`.
pub fn run_default(data: &[u8]) -> Result<(), String> {
    run_default_in(data, fault_from_env()).map(drop)
}

/// A target's entry point: the oracle's verdict on one input.
pub type TargetFn = fn(&[u8]) -> Result<(), String>;

/// The entry point of a target by name.
pub fn target(name: &str) -> Option<TargetFn> {
    Some(match name {
        "import_frames" => import_frames,
        "call_sequences" => call_sequences,
        "valueof_roundtrip" => valueof_roundtrip,
        "module_loading" => module_loading,
        "run_default" => run_default,
        _ => return None,
    })
}

/// Every target's name.
pub const TARGETS: [&str; 5] = [
    "import_frames",
    "call_sequences",
    "valueof_roundtrip",
    "module_loading",
    "run_default",
];

/// Deterministic pseudo-random bytes (xorshift): the smoke inputs of the replay and reuse
/// tests and of the rate example, the same on every run.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
