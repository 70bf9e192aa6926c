//! The JS realm of the native host: boa, with the globals a Go program meets under Node.
//!
//! * [`shared`]: host state the globals and the imports share (output, timers, clock, rng).
//! * [`reentry`]: how a `FuncOf` wrapper resumes Go from inside an import.
//! * [`time`]: the clock and time zone behind `Date`.
//! * [`sandbox`]: the directories a program may reach and how its paths resolve.
//! * [`fs`]: the file operations and the program's descriptor table; [`errno`] their
//!   errors as Node names them; [`fs_host`] the native functions prelude.js's `fs` calls.
//! * `prelude.js`: the Node-like globals (console, timers, fs, process, path, crypto,
//!   performance, TextEncoder/TextDecoder) and the Go instance object, on top of the small
//!   native `host` object built here.
//! * `builtins`: faster replacements for boa builtins that cost far more than their work.
//! * [`RealmConfig`] (`config.rs`): what the program's `process` is; `host_object.rs`: the
//!   native `host` object; [`JsHost`] (`js_host.rs`): building a realm and its helpers;
//!   [`JsKey`] (`keys.rs`): UTF-8 of JS strings and the ref table's identity key.
//! * [`BoaRealm`]: the [`gojs_abi::realm::Realm`] implementation.
//! * [`reuse`]: one deterministic realm for many programs (fuzzing), checked against a
//!   fingerprint ([`snapshot`]) of its state when new.

mod boa_realm;
mod builtins;
mod config;
pub mod errno;
pub mod fs;
pub mod fs_host;
mod host_object;
mod js_host;
mod keys;
pub mod reentry;
pub mod reuse;
pub mod sandbox;
pub mod shared;
pub use gojs_realm_snapshot as snapshot;
pub mod time;

pub use boa_realm::BoaRealm;
pub use config::RealmConfig;
pub use js_host::{Helpers, JsHost};
pub use keys::{JsKey, utf8_lossy};
