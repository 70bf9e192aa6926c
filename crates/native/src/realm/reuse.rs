//! A deterministic realm that runs one program after another, for fuzzing: building a boa
//! realm and evaluating the prelude takes milliseconds, far longer than a fuzz input's work.
//!
//! Invariant ([`ReusableRealm::reset`] checks it after every program, and refuses the realm
//! when it does not hold): after a reset, nothing a program can observe differs from a
//! fresh realm built with the same configuration and seed:
//! * the host state ([`Shared`]) is as [`Shared::new`] made it: no output, no timers and
//!   timer ids from 1 again, the virtual clock at its start, the random source at its seed,
//!   `_values.length` 7, no exit code, no pending failure, no trace; the file system is the
//!   caller's (a run sets its own);
//! * no JS timer is armed (its callback lives in the prelude's closure, which no reset
//!   reaches) and no promise job is pending (they are run, and whatever they change is seen
//!   by the fingerprint);
//! * the two fields the host itself writes on the Go object at exit (`exited`,
//!   `_pendingEvent`) are restored;
//! * the fingerprint ([`super::snapshot`]) of everything reachable from `globalThis` and
//!   the Go object, and of the intrinsics the ABI reaches ([`watched`]), to the depth the
//!   caller chose (own properties, accessors, prototypes, extensibility), equals the one
//!   taken when the realm was new;
//! * the ref table is not the realm's: every run makes a fresh one.
//!
//! What the fingerprint cannot see is listed in [`super::snapshot`]; the fuzzing crate's
//! reuse test replays every committed input on a fresh realm and again after a thousand
//! others on a reused one, and requires the same outcome.

use std::rc::Rc;

use anyhow::anyhow;
use boa_engine::property::PropertyDescriptor;
use boa_engine::{JsObject, JsString, JsValue};

use super::js_host::JsHost;
use super::shared::Shared;
use super::snapshot::{Depth, Pins, Snapshot, baseline, snapshot};
use super::{BoaRealm, RealmConfig};

/// The roots of a reset's fingerprint: `globalThis` and the Go object, and the intrinsic
/// objects the ABI's operations reach from them and from the values they create: the
/// constructors a program gets from `globalThis` (`Object`, `Array`, `Uint8Array`, `Error`,
/// `TypeError`, `String`, `Symbol`) with their prototypes, `%TypedArray%` with its prototype,
/// `Function.prototype` and `Reflect`, whose functions the prelude's helpers are. With depth
/// `Some(0)` only their own properties are compared; with `None`, everything reachable.
fn watched(host: &JsHost) -> Vec<JsObject> {
    let c = host.ctx.intrinsics().constructors();
    let mut roots = vec![host.helpers.global.clone(), host.helpers.go.clone()];
    for s in [
        c.object(),
        c.array(),
        c.typed_array(),
        c.typed_uint8_array(),
        c.function(),
        c.error(),
        c.type_error(),
        c.string(),
        c.symbol(),
    ] {
        roots.push(s.constructor());
        roots.push(s.prototype());
    }
    roots.push(host.ctx.intrinsics().objects().reflect());
    roots
}

/// A realm and the fingerprint it had when new.
pub struct ReusableRealm {
    pub host: JsHost,
    pub guard: ResetGuard,
}

/// What a reset compares a realm with (kept apart from the realm, so that a run can own the
/// realm for a while).
pub struct ResetGuard {
    seed: u64,
    roots: Vec<JsObject>,
    depth: Depth,
    baseline: Snapshot,
    /// What the baseline hashed by identity, alive as long as it is compared with.
    _pins: Pins,
    /// Programs run since the realm was built.
    pub runs: u64,
}

impl ReusableRealm {
    /// A fresh deterministic realm (`shared` must have the virtual clock and `seed`), whose
    /// resets compare the graph within `depth` of `globalThis` and the Go object.
    pub fn new(
        shared: Rc<Shared>,
        cfg: &RealmConfig,
        seed: u64,
        depth: Depth,
    ) -> anyhow::Result<ReusableRealm> {
        if !shared.clock.is_virtual() {
            return Err(anyhow!("a reusable realm must be deterministic"));
        }
        let cfg = RealmConfig {
            eager_globals: true,
            ..cfg.clone()
        };
        let mut host = JsHost::new(shared, &cfg)?;
        let roots = watched(&host);
        let (baseline, pins) = baseline(&mut host.ctx, &roots, depth);
        Ok(ReusableRealm {
            host,
            guard: ResetGuard {
                seed,
                roots,
                depth,
                baseline,
                _pins: pins,
                runs: 0,
            },
        })
    }

    /// The realm as the ABI sees it.
    pub fn realm(&mut self) -> BoaRealm<'_> {
        BoaRealm {
            ctx: &mut self.host.ctx,
            h: &self.host.helpers,
        }
    }

    /// See [`ResetGuard::reset`].
    pub fn reset(&mut self) -> Result<(), String> {
        self.guard.reset(&mut self.host)
    }
}

impl ResetGuard {
    /// The fingerprint the realm had when new.
    pub fn baseline(&self) -> Snapshot {
        self.baseline
    }

    /// Make `host` (the realm this guard was made with) ready for the next program;
    /// `Err(what differs)` when it cannot be shown to be as new, and the caller must drop it.
    pub fn reset(&mut self, host: &mut JsHost) -> Result<(), String> {
        self.runs += 1;
        let jobs = host.ctx.run_jobs();
        jobs.map_err(|e| format!("a promise job threw while resetting: {e}"))?;
        let go = host.helpers.go.clone();
        for (name, value) in [
            ("exited", JsValue::new(false)),
            ("_pendingEvent", JsValue::null()),
        ] {
            let desc = PropertyDescriptor::builder()
                .value(value)
                .writable(true)
                .enumerable(true)
                .configurable(true);
            go.define_property_or_throw(JsString::from(name), desc, &mut host.ctx)
                .map_err(|e| format!("restoring go.{name}: {e}"))?;
        }
        host.shared.reset(self.seed)?;
        let now = snapshot(&mut host.ctx, &self.roots, self.depth);
        if now != self.baseline {
            return Err(format!(
                "the realm differs from a fresh one after the program: {} objects / {} \
                 properties reachable, fingerprint {:#x} (fresh: {} / {}, {:#x})",
                now.objects,
                now.properties,
                now.hash,
                self.baseline.objects,
                self.baseline.properties,
                self.baseline.hash
            ));
        }
        Ok(())
    }
}
