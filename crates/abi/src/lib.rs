//! The Go js/wasm import ABI, independent of any JS engine and of any wasm runtime.
//!
//! * [`layout`]: the frame of every import, field by field: the one table of offsets.
//! * [`argv`]: the argv/env block Go's `run(argc, argv)` reads at 4096.
//! * [`refs`]: the NaN-boxed 8-byte `ref` encoding.
//! * [`table`]: the ref table (ids, reference counts, identity).
//! * [`frame`]: bounds-checked reads and writes of linear memory: frame fields, string and
//!   slice headers, the bytes they point to.
//! * [`realm`]: the [`realm::Realm`] trait, the JS operations the imports need.
//! * [`imports`]: one function per import, decoding the frame, calling the realm,
//!   writing the results.
//! * [`trace`]: the import trace, read from memory around each call (`--trace`).
//!
//! The layer talks to linear memory and to the `getsp` export through [`GuestMemory`],
//! and to clocks, timers, output and randomness through [`Runtime`], so that a fuzz
//! target can drive it with a `Vec<u8>` and a mock realm.
//!
//! Guest data never panics this crate: every pointer, length and id read from memory is
//! checked before use and turned into an [`AbiError`]; an import reads all of its inputs
//! before it runs JS (which may re-enter Go and rewrite the frame) and writes its results at
//! the `sp` Go has after that JS ([`imports::Import::reenters`]).

#![forbid(unsafe_code)]

pub mod argv;
pub mod frame;
pub mod imports;
pub mod layout;
pub mod realm;
pub mod refs;
pub mod table;
pub mod trace;

use std::fmt;

/// Linear memory of the guest plus its current stack pointer.
pub trait GuestMemory {
    /// The whole linear memory, fetched afresh (it may have grown since the last call).
    fn bytes(&mut self) -> &mut [u8];
    /// The current Go stack pointer (the `getsp` export), needed after re-entry.
    fn getsp(&mut self) -> Result<u32, AbiError>;
}

/// A plain byte vector as guest memory, with a fixed stack pointer. For tests and fuzzing.
#[derive(Debug, Clone)]
pub struct VecMemory {
    pub data: Vec<u8>,
    pub sp: u32,
}

impl GuestMemory for VecMemory {
    fn bytes(&mut self) -> &mut [u8] {
        &mut self.data
    }
    fn getsp(&mut self) -> Result<u32, AbiError> {
        Ok(self.sp)
    }
}

/// Host services behind the `runtime.*` imports (what Node's `fs.writeSync`, `performance`,
/// `Date`, `setTimeout` and `crypto` give the stock glue).
pub trait Runtime {
    /// `runtime.wasmExit`: remember the exit code. The caller unwinds the guest.
    fn exit(&mut self, code: i32);
    /// `runtime.wasmWrite`: synchronous write to fd (1 or 2 in practice).
    fn write(&mut self, fd: i64, bytes: &[u8]) -> Result<(), AbiError>;
    /// Nanoseconds since the Unix epoch, as Node computes it (`(timeOrigin + performance.now()) * 1e6`).
    fn nanotime(&mut self) -> f64;
    /// Milliseconds since the Unix epoch (`Date.now()`).
    fn walltime_ms(&mut self) -> f64;
    /// Arm a host timer that resumes Go with no event after `ms` milliseconds; returns its id.
    fn schedule_timeout(&mut self, ms: f64) -> i32;
    /// Disarm a timer armed by [`Runtime::schedule_timeout`]; unknown ids are ignored.
    fn clear_timeout(&mut self, id: i32);
    /// Fill `buf` with random bytes (`crypto.getRandomValues`).
    fn random(&mut self, buf: &mut [u8]);
    /// Go grew its memory (`resetMemoryDataView`): drop any cached view.
    fn memory_grown(&mut self) {}
    /// The 1.19 `debug` import: `console.log(value)`.
    fn debug(&mut self, value: i32) {
        let _ = value;
    }
}

/// Why an import could not complete. Every one of these ends the run with exit status 1.
#[derive(Debug, Clone, PartialEq)]
pub enum AbiError {
    /// A pointer/length from the guest points outside linear memory.
    OutOfBounds {
        what: &'static str,
        addr: u64,
        len: u64,
        mem: usize,
    },
    /// A 64-bit length or pointer is negative or not representable.
    BadLength { what: &'static str, value: i64 },
    /// A JS exception escaped an import that does not catch exceptions.
    Uncaught {
        import: &'static str,
        message: String,
    },
    /// `getsp` failed (the guest trapped or is not suspended in an import).
    GetSp(String),
    /// Anything else the host refuses to do.
    Other(String),
}

impl fmt::Display for AbiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbiError::OutOfBounds {
                what,
                addr,
                len,
                mem,
            } => write!(
                f,
                "{what}: {len} bytes at {addr:#x} are outside linear memory ({mem} bytes)"
            ),
            AbiError::BadLength { what, value } => write!(f, "{what}: invalid value {value}"),
            AbiError::Uncaught { import, message } => {
                write!(f, "uncaught JavaScript exception in {import}: {message}")
            }
            AbiError::GetSp(m) => write!(f, "getsp failed: {m}"),
            AbiError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AbiError {}

#[cfg(test)]
mod tests;
