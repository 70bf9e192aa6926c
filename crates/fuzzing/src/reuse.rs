//! One boa realm per thread for the targets that need a faithful JS realm, reset between
//! inputs ([`gojs_native::realm::reuse`] says what a reset restores and checks), or a fresh
//! one per input: the reuse test (`tests/realm_reuse.rs`) requires both to give every
//! committed input the same outcome.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use gojs_native::realm::reuse::ReusableRealm;
use gojs_native::realm::shared::Shared;
use gojs_native::realm::snapshot::Depth;
use gojs_native::realm::{BoaRealm, RealmConfig};

/// Whether an input gets a realm of its own or the thread's reused one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realms {
    /// A new realm for this input (the slow way, and the reference).
    Fresh,
    /// The thread's realm, reset after each input.
    Reused,
}

/// How far a reset's fingerprint looks: the own properties of `globalThis`, the Go object
/// and the intrinsics the ABI reaches (`Object`, `Array`, `Uint8Array` and their prototypes,
/// see `gojs_native::realm::reuse`), the objects the targets that reuse a realm can name.
/// Comparing the whole reachable graph costs more than an input's work (a millisecond); the
/// reuse test (`tests/realm_reuse.rs`) does it after every input.
pub const RESET_DEPTH: Depth = Some(0);

/// The configuration every fuzzing realm has (deterministic, seed 1).
pub fn realm_config() -> RealmConfig {
    RealmConfig {
        argv: vec!["node".into(), "fuzz".into()],
        env: Default::default(),
        cwd: "/".into(),
        pid: 1,
        ppid: 0,
        uid: 0,
        gid: 0,
        euid: 0,
        egid: 0,
        groups: vec![0],
        // Fuzzing realms are reused (`ReusableRealm` insists on it anyway).
        eager_globals: true,
    }
}

/// A new realm as the fuzzing targets use it.
pub fn new_realm(depth: Depth) -> Result<ReusableRealm, String> {
    let shared = Rc::new(Shared::new(true, 1 << 20, true, 1));
    ReusableRealm::new(shared, &realm_config(), 1, depth).map_err(|e| format!("boa realm: {e:#}"))
}

thread_local! {
    // Never dropped when the thread exits: boa's collector keeps its state in thread-locals
    // too, which may be destroyed first, and dropping a realm after that corrupts the heap.
    // A thread's last realm leaks instead.
    static REALM: RefCell<Option<ManuallyDrop<ReusableRealm>>> = const { RefCell::new(None) };
}

/// Run `f` on a realm (per `mode`), then reset it. An input that leaves the realm other than
/// fresh fails with what differs (every target using this touches only values it created),
/// and the realm is dropped.
pub fn with_realm<T>(mode: Realms, f: impl FnOnce(&mut BoaRealm<'_>) -> T) -> Result<T, String> {
    let mut realm = match mode {
        Realms::Fresh => new_realm(RESET_DEPTH)?,
        Realms::Reused => match REALM.with(|r| r.borrow_mut().take()) {
            Some(r) => ManuallyDrop::into_inner(r),
            None => new_realm(RESET_DEPTH)?,
        },
    };
    let out = f(&mut realm.realm());
    realm
        .reset()
        .map_err(|e| format!("the input left the realm changed: {e}"))?;
    if mode == Realms::Reused {
        REALM.with(|r| *r.borrow_mut() = Some(ManuallyDrop::new(realm)));
    }
    Ok(out)
}
