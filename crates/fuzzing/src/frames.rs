//! Target 1, `import_frames`: arbitrary memory, `sp` and import names fed straight to the
//! ABI layer ([`gojs_abi::imports::Env::call`]) with any [`Realm`].
//!
//! Oracle, after every call:
//! * no panic (the target is built with overflow checks and debug assertions);
//! * only documented errors: [`AbiError::OutOfBounds`] and [`AbiError::BadLength`] from any
//!   import that reads memory, [`AbiError::Uncaught`] only from the imports that run JS and
//!   do not catch (valueGet/Set/Delete/Index/SetIndex/Length/PrepareString/InstanceOf) and
//!   from valueLoadString's `RangeError`; never `GetSp` or `Other`;
//! * the ref table's invariants ([`gojs_abi::table::Table::check_invariants`]);
//! * a failed call leaks no reference: the sum of the counts is what it was before.

use std::cell::RefCell;

use arbitrary::{Result as AResult, Unstructured};

use gojs_abi::imports::{Env, Flow, Import, RefTable, new_table};
use gojs_abi::realm::Realm;
use gojs_abi::refs::{self, TypeFlag};
use gojs_abi::table::Fault;
use gojs_abi::{AbiError, GuestMemory, Runtime};

/// Guest memory whose `getsp` reports a moved stack after a re-entering import, as Go's
/// does when a callback grew the goroutine stack.
#[derive(Debug, Clone)]
pub struct FuzzMemory {
    pub data: Vec<u8>,
    pub sp: u32,
}

impl GuestMemory for FuzzMemory {
    fn bytes(&mut self) -> &mut [u8] {
        &mut self.data
    }
    fn getsp(&mut self) -> Result<u32, AbiError> {
        Ok(self.sp)
    }
}

/// Runtime services with no side effects: output is counted, time is fixed, randomness is
/// a counter.
#[derive(Debug, Default, Clone)]
pub struct FuzzRuntime {
    pub exit: Option<i32>,
    pub written: u64,
    pub timers: i32,
}

impl Runtime for FuzzRuntime {
    fn exit(&mut self, code: i32) {
        self.exit = Some(code);
    }
    fn write(&mut self, _fd: i64, bytes: &[u8]) -> Result<(), AbiError> {
        self.written += bytes.len() as u64;
        Ok(())
    }
    fn nanotime(&mut self) -> f64 {
        1.7e18
    }
    fn walltime_ms(&mut self) -> f64 {
        1.7e12 + 0.5
    }
    fn schedule_timeout(&mut self, _ms: f64) -> i32 {
        self.timers = self.timers.wrapping_add(1);
        self.timers
    }
    fn clear_timeout(&mut self, _id: i32) {}
    fn random(&mut self, buf: &mut [u8]) {
        // Byte i is i mod 256, copied a block at a time (see `FramesInput::generate`).
        const RAMP: [u8; 256] = {
            let mut r = [0u8; 256];
            let mut i = 0;
            while i < 256 {
                r[i] = i as u8;
                i += 1;
            }
            r
        };
        for chunk in buf.chunks_mut(256) {
            let n = chunk.len();
            chunk.copy_from_slice(&RAMP[..n]);
        }
    }
}

/// What a call names.
#[derive(Debug, Clone)]
pub enum Target {
    Known(Import),
    /// An entry by module and name, resolved with [`Import::from_name`] (may resolve to nothing).
    Named(String, String),
}

/// A value written into memory before a call.
#[derive(Debug, Clone)]
pub enum Patch {
    Raw(u64),
    U8(u8),
    /// A ref to the `pick % n`-th live id of the table at the time of the call, with this flag.
    LiveRef {
        pick: u16,
        flag: u8,
    },
    /// A `{ptr, len}` header (strings, slices).
    Header {
        ptr: i64,
        len: i64,
    },
    /// Bytes at an absolute address (string contents, ref arrays).
    Bytes {
        at: u32,
        bytes: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
pub struct FrameCall {
    pub target: Target,
    pub sp: u32,
    /// Where `getsp` says the stack is after the realm operation (re-entry moved it).
    pub moved_sp: Option<u32>,
    /// `(offset from sp, patch)`.
    pub patches: Vec<(u32, Patch)>,
}

#[derive(Debug, Clone)]
pub struct FramesInput {
    pub mem: Vec<u8>,
    pub calls: Vec<FrameCall>,
}

/// Most calls this target makes per input.
pub const MAX_CALLS: usize = 48;
/// Largest memory it offers.
pub const MAX_MEM: usize = 1 << 16;

fn pick_sp(u: &mut Unstructured<'_>, mem_len: usize) -> AResult<u32> {
    Ok(match u.int_in_range(0u8..=9)? {
        0 => u.arbitrary()?,
        1 => (mem_len as u32).saturating_sub(u.int_in_range(0u32..=80)?),
        _ => (u.int_in_range(0u32..=mem_len as u32)? & !7)
            .min(mem_len.saturating_sub(80) as u32 & !7),
    })
}

impl FramesInput {
    pub fn generate(u: &mut Unstructured<'_>) -> AResult<FramesInput> {
        let len = u.int_in_range(64usize..=MAX_MEM)?;
        let seed: Vec<u8> = (0..u.int_in_range(0usize..=64)?)
            .map(|_| u.arbitrary())
            .collect::<AResult<_>>()?;
        // The seed repeated to `len` bytes, by doubling copies: a loop per byte was most of
        // an input's time in the instrumented fuzz build, which traces every comparison.
        let mem = if seed.is_empty() {
            vec![0; len]
        } else {
            let mut m = Vec::with_capacity(len);
            m.extend_from_slice(&seed[..seed.len().min(len)]);
            while m.len() < len {
                let n = m.len().min(len - m.len());
                m.extend_from_within(..n);
            }
            m
        };
        let mut calls = Vec::new();
        while !u.is_empty() && calls.len() < MAX_CALLS {
            let target = if u.ratio(1u8, 16)? {
                let module = u.choose(&["gojs", "go", "env", "_gotest"])?.to_string();
                let name = if u.ratio(1u8, 2)? {
                    u.choose(&Import::ALL)?.name().to_string()
                } else {
                    u.arbitrary::<String>()?
                };
                Target::Named(module, name)
            } else {
                Target::Known(*u.choose(&Import::ALL)?)
            };
            let sp = pick_sp(u, len)?;
            let moved_sp = if u.ratio(1u8, 8)? {
                Some(pick_sp(u, len)?)
            } else {
                None
            };
            let mut patches = Vec::new();
            for _ in 0..u.int_in_range(0usize..=6)? {
                let off = u.int_in_range(1u32..=9)? * 8;
                let p = match u.int_in_range(0u8..=7)? {
                    0 => Patch::Raw(u.arbitrary()?),
                    1 => Patch::U8(u.arbitrary()?),
                    2 | 3 => Patch::LiveRef {
                        pick: u.arbitrary()?,
                        flag: u.int_in_range(0u8..=5)?,
                    },
                    4 | 5 => {
                        let ptr = if u.ratio(1u8, 8)? {
                            u.arbitrary()?
                        } else {
                            i64::from(u.int_in_range(0u32..=len as u32)?)
                        };
                        let l = if u.ratio(1u8, 8)? {
                            u.arbitrary()?
                        } else {
                            i64::from(u.int_in_range(0u32..=64)?)
                        };
                        Patch::Header { ptr, len: l }
                    }
                    _ => Patch::Bytes {
                        at: u.int_in_range(0u32..=len as u32)?,
                        bytes: (0..u.int_in_range(0usize..=24)?)
                            .map(|_| u.arbitrary())
                            .collect::<AResult<_>>()?,
                    },
                };
                patches.push((off, p));
            }
            calls.push(FrameCall {
                target,
                sp,
                moved_sp,
                patches,
            });
        }
        if calls.is_empty() {
            return Err(arbitrary::Error::NotEnoughData);
        }
        Ok(FramesInput { mem, calls })
    }
}

fn put(mem: &mut [u8], addr: u64, bytes: &[u8]) {
    let Ok(start) = usize::try_from(addr) else {
        return;
    };
    if let Some(end) = start.checked_add(bytes.len())
        && end <= mem.len()
    {
        mem[start..end].copy_from_slice(bytes);
    }
}

fn uncaught_allowed(i: Import) -> bool {
    matches!(
        i,
        Import::ValueGet
            | Import::ValueSet
            | Import::ValueDelete
            | Import::ValueIndex
            | Import::ValueSetIndex
            | Import::ValueLength
            | Import::ValuePrepareString
            | Import::ValueInstanceOf
            | Import::ValueLoadString
    )
}

/// Statistics of one input, for the targets' rate printing.
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameStats {
    pub calls: usize,
    pub ok: usize,
}

/// Run `input` against `realm`, checking the oracle after every call.
pub fn check_frames<R: Realm>(
    realm: &mut R,
    input: &FramesInput,
    fault: Option<Fault>,
) -> Result<FrameStats, String> {
    let mut t: RefTable<R> = new_table(realm);
    t.inject_fault(fault);
    let table = RefCell::new(t);
    table
        .borrow()
        .check_invariants()
        .map_err(|e| format!("fresh table: {e}"))?;
    let mut mem = FuzzMemory {
        data: input.mem.clone(),
        sp: 0,
    };
    let mut rt = FuzzRuntime::default();
    let mut stats = FrameStats::default();
    for (n, call) in input.calls.iter().enumerate() {
        let import = match &call.target {
            Target::Known(i) => *i,
            Target::Named(m, name) => match Import::from_name(m, name) {
                Some(i) => i,
                None => continue,
            },
        };
        for (off, p) in &call.patches {
            let addr = u64::from(call.sp) + u64::from(*off);
            match p {
                Patch::Raw(v) => put(&mut mem.data, addr, &v.to_le_bytes()),
                Patch::U8(v) => put(&mut mem.data, addr, &[*v]),
                Patch::LiveRef { pick, flag } => {
                    let live = table.borrow().live_ids();
                    let id = live[*pick as usize % live.len()];
                    let flag = match flag {
                        0 => TypeFlag::None,
                        1 => TypeFlag::Object,
                        2 => TypeFlag::String,
                        3 => TypeFlag::Symbol,
                        _ => TypeFlag::Function,
                    };
                    put(
                        &mut mem.data,
                        addr,
                        &refs::encode_id(id, flag).to_le_bytes(),
                    );
                }
                Patch::Header { ptr, len } => {
                    put(&mut mem.data, addr, &ptr.to_le_bytes());
                    put(&mut mem.data, addr + 8, &len.to_le_bytes());
                }
                Patch::Bytes { at, bytes } => put(&mut mem.data, u64::from(*at), bytes),
            }
        }
        mem.sp = call.moved_sp.unwrap_or(call.sp);
        let before = table.borrow().total_count();
        let r = Env {
            mem: &mut mem,
            realm: &mut *realm,
            table: &table,
            rt: &mut rt,
        }
        .call(import, call.sp);
        stats.calls += 1;
        let what = || format!("call {} ({}, sp {:#x})", n + 1, import.name(), call.sp);
        match &r {
            Ok(_) => stats.ok += 1,
            Err(AbiError::OutOfBounds { .. } | AbiError::BadLength { .. }) => {}
            Err(AbiError::Uncaught { .. }) if uncaught_allowed(import) => {}
            Err(e) => return Err(format!("{}: undocumented error: {e}", what())),
        }
        if let Err(e) = table.borrow().check_invariants() {
            return Err(format!("{}: ref table invariant broken: {e}", what()));
        }
        if let Err(err) = &r {
            let after = table.borrow().total_count();
            if after != before {
                return Err(format!(
                    "{}: failed with {} but changed the reference counts ({before} -> {after})",
                    what(),
                    err
                ));
            }
        }
        if matches!(r, Ok(Flow::Exit(_))) {
            break;
        }
    }
    Ok(stats)
}
