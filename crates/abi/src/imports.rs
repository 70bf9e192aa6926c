//! One function per import of the Go js/wasm contract (module `gojs`, 1.21+; module `go`
//! with its extra `debug` import, 1.19/1.20), plus the `_gotest` test imports.
//!
//! Each function reads all of its inputs from the frame first, then runs the realm
//! operation (which may re-enter Go and move the stack), then re-reads `sp` through
//! [`GuestMemory::getsp`] before writing any result. No borrow of memory or of the ref
//! table is held across a realm operation.

use std::cell::RefCell;

use super::frame;
use super::layout::{self, Field};
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

    /// Whether the import runs JS that may call back into Go (a getter, a setter, a proxy
    /// trap, `toString`, `Symbol.hasInstance`: the glue's `instanceof Uint8Array` in the
    /// byte copies and in our realm's `valueLoadString` too), and so may find Go's stack
    /// moved when that JS returns: such an import reads all of its inputs before running JS
    /// and writes its results at [`GuestMemory::getsp`], never at the `sp` it was given.
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
                | Import::ValueLoadString
                | Import::ValueInstanceOf
                | Import::CopyBytesToGo
                | Import::CopyBytesToJS
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

    /// `loadValue` of a `Ref` field.
    fn load(&mut self, what: &'static str, sp: u32, f: Field) -> Result<R::Value, AbiError> {
        let bits = frame::read_u64(self.mem.bytes(), what, f.at(sp))?;
        Ok(self.value_of(bits))
    }

    /// `storeValue` into a `Ref` result field.
    fn store(
        &mut self,
        what: &'static str,
        sp: u32,
        f: Field,
        v: R::Value,
    ) -> Result<(), AbiError> {
        // Bounds-check before counting a reference, so a bad sp leaks nothing.
        frame::read_u64(self.mem.bytes(), what, f.at(sp))?;
        let bits = self.ref_of(v);
        frame::write_u64(self.mem.bytes(), what, f.at(sp), bits)
    }

    fn string(&mut self, what: &'static str, sp: u32, f: Field) -> Result<String, AbiError> {
        frame::read_string(self.mem.bytes(), what, f.at(sp))
    }

    fn values(&mut self, what: &'static str, sp: u32, f: Field) -> Result<Vec<R::Value>, AbiError> {
        let raw = frame::read_refs(self.mem.bytes(), what, f.at(sp))?;
        Ok(raw.into_iter().map(|b| self.value_of(b)).collect())
    }

    /// The glue's `getInt64` of an `I64` field: `low + high(signed) * 2^32` as a double.
    fn js_int64(&mut self, what: &'static str, sp: u32, f: Field) -> Result<f64, AbiError> {
        frame::read_js_int64(self.mem.bytes(), what, f.at(sp))
    }

    fn uncaught(&mut self, import: Import, thrown: R::Value) -> AbiError {
        AbiError::Uncaught {
            import: import.name(),
            message: self.realm.describe(&thrown),
        }
    }

    /// Where results go once JS has run: the `sp` Go has now ([`Import::reenters`]).
    fn sp_after_js(&mut self) -> Result<u32, AbiError> {
        self.mem.getsp()
    }

    /// Run one sp-style import.
    pub fn call(&mut self, import: Import, sp: u32) -> Result<Flow, AbiError> {
        let name = import.name();
        match import {
            Import::WasmExit => {
                use layout::wasm_exit as f;
                let code = frame::read_i32(self.mem.bytes(), name, f::CODE.at(sp))?;
                self.rt.exit(code);
                return Ok(Flow::Exit(code));
            }
            Import::WasmWrite => {
                use layout::wasm_write as f;
                let m = self.mem.bytes();
                let fd = frame::read_i64(m, name, f::FD.at(sp))?;
                let r = frame::read_write_span(m, name, f::TEXT.at(sp))?;
                let bytes = m[r].to_vec();
                self.rt.write(fd, &bytes)?;
            }
            Import::ResetMemoryDataView => self.rt.memory_grown(),
            Import::Nanotime1 => {
                use layout::nanotime1 as f;
                let t = self.rt.nanotime();
                frame::write_js_int64(self.mem.bytes(), name, f::NS.at(sp), t)?;
            }
            Import::Walltime => {
                use layout::walltime as f;
                let ms = self.rt.walltime_ms();
                let m = self.mem.bytes();
                frame::write_js_int64(m, name, f::SEC.at(sp), ms / 1000.0)?;
                let nsec = frame::to_uint32((ms % 1000.0) * 1_000_000.0) as i32;
                frame::write_i32(m, name, f::NSEC.at(sp), nsec)?;
            }
            Import::ScheduleTimeoutEvent => {
                use layout::schedule_timeout_event as f;
                let ms = self.js_int64(name, sp, f::MS)?;
                frame::read_i32(self.mem.bytes(), name, f::ID.at(sp))?;
                let id = self.rt.schedule_timeout(ms);
                frame::write_i32(self.mem.bytes(), name, f::ID.at(sp), id)?;
            }
            Import::ClearTimeoutEvent => {
                use layout::clear_timeout_event as f;
                let id = frame::read_i32(self.mem.bytes(), name, f::ID.at(sp))?;
                self.rt.clear_timeout(id);
            }
            Import::GetRandomData => {
                use layout::get_random_data as f;
                let m = self.mem.bytes();
                let r = frame::read_ptr_len(m, name, f::BUF.at(sp))?;
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
                use layout::finalize_ref as f;
                // The id is the low half of the ref; the type bits are ignored, as in the glue.
                let id = frame::read_u32(self.mem.bytes(), name, f::V.at(sp))?;
                let _: Finalized = self.table.borrow_mut().finalize(id);
            }
            Import::StringVal => {
                use layout::string_val as f;
                let s = self.string(name, sp, f::S)?;
                let v = self.realm.string(&s);
                self.store(name, sp, f::V, v)?;
            }
            Import::ValueGet => {
                use layout::value_get as f;
                let v = self.load(name, sp, f::V)?;
                let p = self.string(name, sp, f::P)?;
                let r = self
                    .realm
                    .get(&v, &p)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp_after_js()?;
                self.store(name, sp, f::R, r)?;
            }
            Import::ValueSet => {
                use layout::value_set as f;
                let v = self.load(name, sp, f::V)?;
                let p = self.string(name, sp, f::P)?;
                let x = self.load(name, sp, f::X)?;
                self.realm
                    .set(&v, &p, &x)
                    .map_err(|e| self.uncaught(import, e))?;
            }
            Import::ValueDelete => {
                use layout::value_delete as f;
                let v = self.load(name, sp, f::V)?;
                let p = self.string(name, sp, f::P)?;
                self.realm
                    .delete(&v, &p)
                    .map_err(|e| self.uncaught(import, e))?;
            }
            Import::ValueIndex => {
                use layout::value_index as f;
                let v = self.load(name, sp, f::V)?;
                let i = self.js_int64(name, sp, f::I)?;
                let r = self
                    .realm
                    .get_index(&v, i)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp_after_js()?;
                self.store(name, sp, f::R, r)?;
            }
            Import::ValueSetIndex => {
                use layout::value_set_index as f;
                let v = self.load(name, sp, f::V)?;
                let i = self.js_int64(name, sp, f::I)?;
                let x = self.load(name, sp, f::X)?;
                self.realm
                    .set_index(&v, i, &x)
                    .map_err(|e| self.uncaught(import, e))?;
            }
            Import::ValueCall => {
                use layout::value_call as f;
                let v = self.load(name, sp, f::V)?;
                let m = self.string(name, sp, f::M)?;
                let args = self.values(name, sp, f::ARGS)?;
                let r = match self.realm.get(&v, &m) {
                    Ok(func) => self.realm.call(&func, &v, &args),
                    Err(e) => Err(e),
                };
                let sp = self.sp_after_js()?;
                self.result_pair(name, sp, (f::R, f::OK), r)?;
            }
            Import::ValueInvoke => {
                use layout::value_invoke as f;
                let v = self.load(name, sp, f::V)?;
                let args = self.values(name, sp, f::ARGS)?;
                let undef = self.realm.undefined();
                let r = self.realm.call(&v, &undef, &args);
                let sp = self.sp_after_js()?;
                self.result_pair(name, sp, (f::R, f::OK), r)?;
            }
            Import::ValueNew => {
                use layout::value_new as f;
                let v = self.load(name, sp, f::V)?;
                let args = self.values(name, sp, f::ARGS)?;
                let r = self.realm.construct(&v, &args);
                let sp = self.sp_after_js()?;
                self.result_pair(name, sp, (f::R, f::OK), r)?;
            }
            Import::ValueLength => {
                use layout::value_length as f;
                let v = self.load(name, sp, f::V)?;
                let n = self
                    .realm
                    .length(&v)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp_after_js()?;
                frame::write_js_int64(self.mem.bytes(), name, f::N.at(sp), n)?;
            }
            Import::ValuePrepareString => {
                use layout::value_prepare_string as f;
                let v = self.load(name, sp, f::V)?;
                let s = self
                    .realm
                    .to_string(&v)
                    .map_err(|e| self.uncaught(import, e))?;
                let arr = self
                    .realm
                    .new_uint8array(s.as_bytes())
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp_after_js()?;
                // Both result slots must fit before a reference is counted (found by the
                // import_frames fuzz target: a frame cut at sp+24 leaked the array's ref).
                frame::read_u64(self.mem.bytes(), name, f::N.at(sp))?;
                self.store(name, sp, f::S, arr)?;
                frame::write_js_int64(self.mem.bytes(), name, f::N.at(sp), s.len() as f64)?;
            }
            Import::ValueLoadString => {
                use layout::value_load_string as f;
                let v = self.load(name, sp, f::V)?;
                // The destination is read once, here: the JS below (the realm's test for a
                // Uint8Array) may re-enter Go, which may move its stack and rewrite this frame.
                let dst = frame::read_ptr_len(self.mem.bytes(), name, f::DST.at(sp))?;
                if let Some(src) = self.realm.read_bytes(&v, usize::MAX) {
                    if src.len() > dst.len() {
                        return Err(AbiError::Uncaught {
                            import: name,
                            message: "RangeError: offset is out of bounds".into(),
                        });
                    }
                    let m = self.mem.bytes();
                    let to = frame::checked_range(m, name, dst.start as u64, src.len() as u64)?;
                    m[to].copy_from_slice(&src);
                }
            }
            Import::ValueInstanceOf => {
                use layout::value_instance_of as f;
                let v = self.load(name, sp, f::V)?;
                let t = self.load(name, sp, f::T)?;
                let b = self
                    .realm
                    .instance_of(&v, &t)
                    .map_err(|e| self.uncaught(import, e))?;
                let sp = self.sp_after_js()?;
                frame::write_u8(self.mem.bytes(), name, f::B.at(sp), u8::from(b))?;
            }
            Import::CopyBytesToGo => {
                use layout::copy_bytes_to_go as f;
                let dst = frame::read_ptr_len(self.mem.bytes(), name, f::DST.at(sp))?;
                let src = self.load(name, sp, f::SRC)?;
                frame::read_u8(self.mem.bytes(), name, f::OK.at(sp))?;
                let copied = self.realm.read_bytes(&src, dst.len());
                let sp = self.sp_after_js()?;
                let m = self.mem.bytes();
                match copied {
                    None => frame::write_u8(m, name, f::OK.at(sp), 0)?,
                    Some(bytes) => {
                        let n = bytes.len().min(dst.len());
                        let to = frame::checked_range(m, name, dst.start as u64, n as u64)?;
                        // Both result slots must fit before any byte is copied.
                        frame::read_u8(m, name, f::OK.at(sp))?;
                        frame::read_u64(m, name, f::N.at(sp))?;
                        m[to].copy_from_slice(&bytes[..n]);
                        frame::write_js_int64(m, name, f::N.at(sp), n as f64)?;
                        frame::write_u8(m, name, f::OK.at(sp), 1)?;
                    }
                }
            }
            Import::CopyBytesToJS => {
                use layout::copy_bytes_to_js as f;
                let dst = self.load(name, sp, f::DST)?;
                let src = frame::read_bytes(self.mem.bytes(), name, f::SRC.at(sp))?.to_vec();
                frame::read_u8(self.mem.bytes(), name, f::OK.at(sp))?;
                let copied = self.realm.write_bytes(&dst, &src);
                let sp = self.sp_after_js()?;
                let m = self.mem.bytes();
                match copied {
                    None => frame::write_u8(m, name, f::OK.at(sp), 0)?,
                    Some(n) => {
                        frame::read_u8(m, name, f::OK.at(sp))?;
                        frame::write_js_int64(m, name, f::N.at(sp), n as f64)?;
                        frame::write_u8(m, name, f::OK.at(sp), 1)?;
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
        (value, ok): (Field, Field),
        r: Result<R::Value, R::Value>,
    ) -> Result<(), AbiError> {
        frame::read_u8(self.mem.bytes(), what, ok.at(sp))?;
        let (v, flag) = match r {
            Ok(v) => (v, 1),
            Err(e) => (e, 0),
        };
        self.store(what, sp, value, v)?;
        frame::write_u8(self.mem.bytes(), what, ok.at(sp), flag)
    }
}
