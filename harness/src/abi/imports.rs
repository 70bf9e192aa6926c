//! One function per import of the Go js/wasm contract (module `gojs`, 1.21+; module `go`
//! with its extra `debug` import, 1.19/1.20), plus the `_gotest` test imports.
//!
//! Each function reads all of its inputs from the frame first, then runs the realm
//! operation (which may re-enter Go and move the stack), then re-reads `sp` through
//! [`GuestMemory::getsp`] before writing any result. No borrow of memory or of the ref
//! table is held across a realm operation.

use std::cell::RefCell;

use super::frame::{self, at};
use super::realm::{Kind, Realm};
use super::refs::{self, Ref, TypeFlag};
use super::table::{Finalized, Table};
use super::{AbiError, GuestMemory, Runtime};

/// The ref table as the imports share it.
pub type RefTable<R> = Table<<R as Realm>::Key, <R as Realm>::Value>;

/// A ref table holding the seven predefined values of `realm`.
pub fn new_table<R: Realm>(realm: &mut R) -> RefTable<R> {
    let vals = [
        realm.number(f64::NAN),
        realm.number(0.0),
        realm.null(),
        realm.boolean(true),
        realm.boolean(false),
        realm.global(),
        realm.go_object(),
    ];
    Table::new(vals.map(|v| (realm.key(&v), v)))
}

/// Every sp-style import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Import {
    WasmExit,
    WasmWrite,
    ResetMemoryDataView,
    Nanotime1,
    Walltime,
    ScheduleTimeoutEvent,
    ClearTimeoutEvent,
    GetRandomData,
    FinalizeRef,
    StringVal,
    ValueGet,
    ValueSet,
    ValueDelete,
    ValueIndex,
    ValueSetIndex,
    ValueCall,
    ValueInvoke,
    ValueNew,
    ValueLength,
    ValuePrepareString,
    ValueLoadString,
    ValueInstanceOf,
    CopyBytesToGo,
    CopyBytesToJS,
    /// 1.19's `go.debug(value)`: the argument is a value, not sp.
    Debug,
}

impl Import {
    pub const ALL: [Import; 25] = [
        Import::WasmExit,
        Import::WasmWrite,
        Import::ResetMemoryDataView,
        Import::Nanotime1,
        Import::Walltime,
        Import::ScheduleTimeoutEvent,
        Import::ClearTimeoutEvent,
        Import::GetRandomData,
        Import::FinalizeRef,
        Import::StringVal,
        Import::ValueGet,
        Import::ValueSet,
        Import::ValueDelete,
        Import::ValueIndex,
        Import::ValueSetIndex,
        Import::ValueCall,
        Import::ValueInvoke,
        Import::ValueNew,
        Import::ValueLength,
        Import::ValuePrepareString,
        Import::ValueLoadString,
        Import::ValueInstanceOf,
        Import::CopyBytesToGo,
        Import::CopyBytesToJS,
        Import::Debug,
    ];

    /// The import's field name.
    pub fn name(self) -> &'static str {
        match self {
            Import::WasmExit => "runtime.wasmExit",
            Import::WasmWrite => "runtime.wasmWrite",
            Import::ResetMemoryDataView => "runtime.resetMemoryDataView",
            Import::Nanotime1 => "runtime.nanotime1",
            Import::Walltime => "runtime.walltime",
            Import::ScheduleTimeoutEvent => "runtime.scheduleTimeoutEvent",
            Import::ClearTimeoutEvent => "runtime.clearTimeoutEvent",
            Import::GetRandomData => "runtime.getRandomData",
            Import::FinalizeRef => "syscall/js.finalizeRef",
            Import::StringVal => "syscall/js.stringVal",
            Import::ValueGet => "syscall/js.valueGet",
            Import::ValueSet => "syscall/js.valueSet",
            Import::ValueDelete => "syscall/js.valueDelete",
            Import::ValueIndex => "syscall/js.valueIndex",
            Import::ValueSetIndex => "syscall/js.valueSetIndex",
            Import::ValueCall => "syscall/js.valueCall",
            Import::ValueInvoke => "syscall/js.valueInvoke",
            Import::ValueNew => "syscall/js.valueNew",
            Import::ValueLength => "syscall/js.valueLength",
            Import::ValuePrepareString => "syscall/js.valuePrepareString",
            Import::ValueLoadString => "syscall/js.valueLoadString",
            Import::ValueInstanceOf => "syscall/js.valueInstanceOf",
            Import::CopyBytesToGo => "syscall/js.copyBytesToGo",
            Import::CopyBytesToJS => "syscall/js.copyBytesToJS",
            Import::Debug => "debug",
        }
    }

    /// Resolve an import entry. Module `go` (≤ 1.20) has `debug` in addition; both
    /// generations share the other names.
    pub fn from_name(module: &str, name: &str) -> Option<Import> {
        let name = if name == "runtime.walltime1" {
            "runtime.walltime"
        } else {
            name
        };
        let found = Import::ALL.into_iter().find(|i| i.name() == name)?;
        match (module, found) {
            ("go", _) => Some(found),
            ("gojs", Import::Debug) => None,
            ("gojs", _) => Some(found),
            _ => None,
        }
    }

    /// Whether the import runs JS that may call back into Go.
    pub fn reenters(self) -> bool {
        matches!(
            self,
            Import::ValueGet
                | Import::ValueSet
                | Import::ValueDelete
                | Import::ValueIndex
                | Import::ValueSetIndex
                | Import::ValueCall
                | Import::ValueInvoke
                | Import::ValueNew
                | Import::ValueLength
                | Import::ValuePrepareString
                | Import::ValueInstanceOf
        )
    }
}

/// What the guest should do after an import returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// `wasmExit(code)` was called: the host must unwind the guest.
    Exit(i32),
}

/// Everything an import touches.
pub struct Env<'a, M: GuestMemory, R: Realm, S: Runtime> {
    pub mem: &'a mut M,
    pub realm: &'a mut R,
    pub table: &'a RefCell<RefTable<R>>,
    pub rt: &'a mut S,
}

/// `_gotest.add(a, b)`.
pub fn gotest_add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

impl<M: GuestMemory, R: Realm, S: Runtime> Env<'_, M, R, S> {
    /// `loadValue(addr)`.
    fn load(&mut self, what: &'static str, addr: u64) -> Result<R::Value, AbiError> {
        let bits = frame::read_u64(self.mem.bytes(), what, addr)?;
        Ok(self.value_of(bits))
    }

    /// The value a raw ref denotes (free or unknown ids give `undefined`).
    pub fn value_of(&mut self, bits: u64) -> R::Value {
        match refs::decode(bits) {
            Ref::Undefined => self.realm.undefined(),
            Ref::Number(n) => self.realm.number(n),
            Ref::Id(id) => {
                let v = self.table.borrow().get(id).cloned();
                v.unwrap_or_else(|| self.realm.undefined())
            }
        }
    }

    /// `storeValue`: the ref for `v`, counting a reference when it goes through the table.
    pub fn ref_of(&mut self, v: R::Value) -> u64 {
        let flag = match self.realm.kind(&v) {
            Kind::Undefined => return refs::UNDEFINED,
            Kind::Number(n) if n.is_nan() => return refs::encode_id(refs::ID_NAN, TypeFlag::None),
            Kind::Number(n) if n != 0.0 => return n.to_bits(),
            Kind::Number(_) | Kind::Null | Kind::Boolean(_) | Kind::Other => TypeFlag::None,
            Kind::Object => TypeFlag::Object,
            Kind::String => TypeFlag::String,
            Kind::Symbol => TypeFlag::Symbol,
            Kind::Function => TypeFlag::Function,
        };
        let key = self.realm.key(&v);
        let id = self.table.borrow_mut().store(key, v);
        refs::encode_id(id, flag)
    }

    fn store(&mut self, what: &'static str, addr: u64, v: R::Value) -> Result<(), AbiError> {
        // Bounds-check before counting a reference, so a bad sp leaks nothing.
        frame::read_u64(self.mem.bytes(), what, addr)?;
        let bits = self.ref_of(v);
        frame::write_u64(self.mem.bytes(), what, addr, bits)
    }

    fn string(&mut self, what: &'static str, addr: u64) -> Result<String, AbiError> {
        frame::read_string(self.mem.bytes(), what, addr)
    }

    fn values(&mut self, what: &'static str, addr: u64) -> Result<Vec<R::Value>, AbiError> {
        let raw = frame::read_refs(self.mem.bytes(), what, addr)?;
        Ok(raw.into_iter().map(|b| self.value_of(b)).collect())
    }

    /// The glue's `getInt64`: `low + high(signed) * 2^32` as a double.
    fn js_int64(&mut self, what: &'static str, addr: u64) -> Result<f64, AbiError> {
        let lo = frame::read_u32(self.mem.bytes(), what, addr)?;
        let hi = frame::read_i32(self.mem.bytes(), what, addr + 4)?;
        Ok(f64::from(lo) + f64::from(hi) * 4294967296.0)
    }

    fn uncaught(&mut self, import: Import, thrown: R::Value) -> AbiError {
        AbiError::Uncaught {
            import: import.name(),
            message: self.realm.describe(&thrown),
        }
    }

    fn sp(&mut self) -> Result<u32, AbiError> {
        self.mem.getsp()
    }

    /// Run one sp-style import.
    pub fn call(&mut self, import: Import, sp: u32) -> Result<Flow, AbiError> {
        let name = import.name();
        match import {
            Import::WasmExit => {
                let code = frame::read_i32(self.mem.bytes(), name, at(sp, 8))?;
                self.rt.exit(code);
                return Ok(Flow::Exit(code));
            }
            Import::WasmWrite => {
                let m = self.mem.bytes();
                let fd = frame::read_i64(m, name, at(sp, 8))?;
                let p = frame::read_i64(m, name, at(sp, 16))?;
                let n = frame::read_i32(m, name, at(sp, 24))?;
                if p < 0 || n < 0 {
                    return Err(AbiError::BadLength {
                        what: name,
                        value: p.min(i64::from(n)),
                    });
                }
                let end = (p as u64)
                    .checked_add(n as u64)
                    .filter(|&e| e <= m.len() as u64);
                let Some(end) = end else {
                    return Err(AbiError::OutOfBounds {
                        what: name,
                        addr: p as u64,
                        len: n as u64,
                        mem: m.len(),
                    });
                };
                let bytes = m[p as usize..end as usize].to_vec();
                self.rt.write(fd, &bytes)?;
            }
            Import::ResetMemoryDataView => self.rt.memory_grown(),
            Import::Nanotime1 => {
                let t = self.rt.nanotime();
                frame::write_js_int64(self.mem.bytes(), name, at(sp, 8), t)?;
            }
            Import::Walltime => {
                let ms = self.rt.walltime_ms();
                let m = self.mem.bytes();
                frame::write_js_int64(m, name, at(sp, 8), ms / 1000.0)?;
                let nsec = frame::to_uint32((ms % 1000.0) * 1_000_000.0) as i32;
                frame::write_i32(m, name, at(sp, 16), nsec)?;
            }
            Import::ScheduleTimeoutEvent => {
                let ms = self.js_int64(name, at(sp, 8))?;
                frame::read_i32(self.mem.bytes(), name, at(sp, 16))?;
                let id = self.rt.schedule_timeout(ms);
                frame::write_i32(self.mem.bytes(), name, at(sp, 16), id)?;
            }
            Import::ClearTimeoutEvent => {
                let id = frame::read_i32(self.mem.bytes(), name, at(sp, 8))?;
                self.rt.clear_timeout(id);
            }
            Import::GetRandomData => {
                let m = self.mem.bytes();
                let r = frame::read_ptr_len(m, name, at(sp, 8))?;
                // `crypto.getRandomValues` refuses more than 65536 bytes, uncaught in the glue.
                if r.len() > 65536 {
                    return Err(AbiError::Uncaught {
                        import: name,
                        message: "QuotaExceededError: The requested length exceeds 65,536 bytes"
                            .to_string(),
                    });
                }
                self.rt.random(&mut m[r]);
            }
            Import::FinalizeRef => {
                let id = frame::read_u32(self.mem.bytes(), name, at(sp, 8))?;
                let _: Finalized = self.table.borrow_mut().finalize(id);
            }
            Import::StringVal => {
                let s = self.string(name, at(sp, 8))?;
                let v = self.realm.string(&s);
                self.store(name, at(sp, 24), v)?;
            }
            Import::ValueGet => {
                let v = self.load(name, at(sp, 8))?;
                let p = self.string(name, at(sp, 16))?;
                let r = self
                    .realm
                    .get(&v, &p)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp()?;
                self.store(name, at(sp, 32), r)?;
            }
            Import::ValueSet => {
                let v = self.load(name, at(sp, 8))?;
                let p = self.string(name, at(sp, 16))?;
                let x = self.load(name, at(sp, 32))?;
                self.realm
                    .set(&v, &p, &x)
                    .map_err(|e| self.uncaught(import, e))?;
            }
            Import::ValueDelete => {
                let v = self.load(name, at(sp, 8))?;
                let p = self.string(name, at(sp, 16))?;
                self.realm
                    .delete(&v, &p)
                    .map_err(|e| self.uncaught(import, e))?;
            }
            Import::ValueIndex => {
                let v = self.load(name, at(sp, 8))?;
                let i = self.js_int64(name, at(sp, 16))?;
                let r = self
                    .realm
                    .get_index(&v, i)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp()?;
                self.store(name, at(sp, 24), r)?;
            }
            Import::ValueSetIndex => {
                let v = self.load(name, at(sp, 8))?;
                let i = self.js_int64(name, at(sp, 16))?;
                let x = self.load(name, at(sp, 24))?;
                self.realm
                    .set_index(&v, i, &x)
                    .map_err(|e| self.uncaught(import, e))?;
            }
            Import::ValueCall => {
                let v = self.load(name, at(sp, 8))?;
                let m = self.string(name, at(sp, 16))?;
                let args = self.values(name, at(sp, 32))?;
                let r = match self.realm.get(&v, &m) {
                    Ok(f) => self.realm.call(&f, &v, &args),
                    Err(e) => Err(e),
                };
                let sp = self.sp()?;
                self.result_pair(name, sp, 56, r)?;
            }
            Import::ValueInvoke => {
                let v = self.load(name, at(sp, 8))?;
                let args = self.values(name, at(sp, 16))?;
                let undef = self.realm.undefined();
                let r = self.realm.call(&v, &undef, &args);
                let sp = self.sp()?;
                self.result_pair(name, sp, 40, r)?;
            }
            Import::ValueNew => {
                let v = self.load(name, at(sp, 8))?;
                let args = self.values(name, at(sp, 16))?;
                let r = self.realm.construct(&v, &args);
                let sp = self.sp()?;
                self.result_pair(name, sp, 40, r)?;
            }
            Import::ValueLength => {
                let v = self.load(name, at(sp, 8))?;
                let n = self
                    .realm
                    .length(&v)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp()?;
                frame::write_js_int64(self.mem.bytes(), name, at(sp, 16), n)?;
            }
            Import::ValuePrepareString => {
                let v = self.load(name, at(sp, 8))?;
                let s = self
                    .realm
                    .to_string(&v)
                    .map_err(|e| self.uncaught(import, e))?;
                let arr = self
                    .realm
                    .new_uint8array(s.as_bytes())
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp()?;
                // Both result slots must fit before a reference is counted (found by the
                // import_frames fuzz target: a frame cut at sp+24 leaked the array's ref).
                frame::read_u64(self.mem.bytes(), name, at(sp, 24))?;
                self.store(name, at(sp, 16), arr)?;
                frame::write_js_int64(self.mem.bytes(), name, at(sp, 24), s.len() as f64)?;
            }
            Import::ValueLoadString => {
                let v = self.load(name, at(sp, 8))?;
                let r = frame::read_ptr_len(self.mem.bytes(), name, at(sp, 16))?;
                if let Some(src) = self.realm.read_bytes(&v, usize::MAX) {
                    if src.len() > r.len() {
                        return Err(AbiError::Uncaught {
                            import: name,
                            message: "RangeError: offset is out of bounds".into(),
                        });
                    }
                    let m = self.mem.bytes();
                    let r = frame::read_ptr_len(m, name, at(sp, 16))?;
                    m[r.start..r.start + src.len()].copy_from_slice(&src);
                }
            }
            Import::ValueInstanceOf => {
                let v = self.load(name, at(sp, 8))?;
                let t = self.load(name, at(sp, 16))?;
                let b = self
                    .realm
                    .instance_of(&v, &t)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp()?;
                frame::write_u8(self.mem.bytes(), name, at(sp, 24), u8::from(b))?;
            }
            Import::CopyBytesToGo => {
                let dst = frame::read_ptr_len(self.mem.bytes(), name, at(sp, 8))?;
                let src = self.load(name, at(sp, 32))?;
                frame::read_u8(self.mem.bytes(), name, at(sp, 48))?;
                match self.realm.read_bytes(&src, dst.len()) {
                    None => frame::write_u8(self.mem.bytes(), name, at(sp, 48), 0)?,
                    Some(bytes) => {
                        let n = bytes.len().min(dst.len());
                        let m = self.mem.bytes();
                        m[dst.start..dst.start + n].copy_from_slice(&bytes[..n]);
                        frame::write_js_int64(m, name, at(sp, 40), n as f64)?;
                        frame::write_u8(m, name, at(sp, 48), 1)?;
                    }
                }
            }
            Import::CopyBytesToJS => {
                let dst = self.load(name, at(sp, 8))?;
                let src = frame::read_bytes(self.mem.bytes(), name, at(sp, 16))?.to_vec();
                frame::read_u8(self.mem.bytes(), name, at(sp, 48))?;
                match self.realm.write_bytes(&dst, &src) {
                    None => frame::write_u8(self.mem.bytes(), name, at(sp, 48), 0)?,
                    Some(n) => {
                        let m = self.mem.bytes();
                        frame::write_js_int64(m, name, at(sp, 40), n as f64)?;
                        frame::write_u8(m, name, at(sp, 48), 1)?;
                    }
                }
            }
            Import::Debug => self.rt.debug(sp as i32),
        }
        Ok(Flow::Continue)
    }

    /// `(ref, ok)` results of valueCall/valueInvoke/valueNew: on a throw, the thrown value and 0.
    fn result_pair(
        &mut self,
        what: &'static str,
        sp: u32,
        off: u32,
        r: Result<R::Value, R::Value>,
    ) -> Result<(), AbiError> {
        frame::read_u8(self.mem.bytes(), what, at(sp, off + 8))?;
        let (v, ok) = match r {
            Ok(v) => (v, 1),
            Err(e) => (e, 0),
        };
        self.store(what, at(sp, off), v)?;
        frame::write_u8(self.mem.bytes(), what, at(sp, off + 8), ok)
    }
}
