//! The Go side of `syscall/js`, emulated in Rust: it lays out frames in a plain memory exactly
//! as Go's ABI0 does and calls the imports through [`Env::call`], so a realm can be driven the
//! way a Go program drives it without compiling any Go.

use std::cell::RefCell;

use crate::abi::frame;
use crate::abi::imports::{Env, Flow, Import, RefTable, new_table};
use crate::abi::realm::Realm;
use crate::abi::refs::{self, Ref};
use crate::abi::{AbiError, VecMemory};

use super::frames::FuzzRuntime;

/// Where every frame starts.
const SP: u32 = 1024;
/// The bump heap for strings and argument slices.
const HEAP: usize = 4096;
/// Memory size.
pub const MEM: usize = 1 << 20;

/// Go's view of one realm: memory, the ref table, and the imports.
pub struct GoSide<'r, R: Realm> {
    pub realm: &'r mut R,
    pub table: RefCell<RefTable<R>>,
    pub mem: VecMemory,
    pub rt: FuzzRuntime,
    heap: usize,
}

/// Go's `Value.Type()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoType {
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Symbol,
    Object,
    Function,
    /// `bad type flag` (a dynamic flag-0 value such as a BigInt).
    BadFlag,
}

pub fn go_type(r: u64) -> GoType {
    match refs::decode(r) {
        Ref::Undefined => GoType::Undefined,
        Ref::Number(_) => GoType::Number,
        Ref::Id(id) => match id {
            refs::ID_NAN | refs::ID_ZERO => GoType::Number,
            refs::ID_NULL => GoType::Null,
            refs::ID_TRUE | refs::ID_FALSE => GoType::Boolean,
            _ => match refs::flag_of(r).unwrap_or(0) & 7 {
                1 => GoType::Object,
                2 => GoType::String,
                3 => GoType::Symbol,
                4 => GoType::Function,
                _ => GoType::BadFlag,
            },
        },
    }
}

/// Whether Go attaches a finalizer (`finalizeRef` when collected) to a ref.
pub fn has_finalizer(r: u64) -> bool {
    refs::decode(r) != Ref::Undefined
        && matches!(refs::decode(r), Ref::Id(_))
        && refs::flag_of(r).unwrap_or(0) & 7 != 0
}

/// Go's `floatValue`: 0 and NaN go through the predefined ids.
pub fn float_ref(f: f64) -> u64 {
    if f == 0.0 {
        refs::encode_id(refs::ID_ZERO, refs::TypeFlag::None)
    } else if f.is_nan() {
        refs::encode_id(refs::ID_NAN, refs::TypeFlag::None)
    } else {
        f.to_bits()
    }
}

impl<'r, R: Realm> GoSide<'r, R> {
    pub fn new(realm: &'r mut R) -> Self {
        let table = RefCell::new(new_table(realm));
        GoSide {
            realm,
            table,
            mem: VecMemory {
                data: vec![0; MEM],
                sp: SP,
            },
            rt: FuzzRuntime::default(),
            heap: HEAP,
        }
    }

    /// Forget the heap (all strings and slices written so far).
    pub fn reset_heap(&mut self) {
        self.heap = HEAP;
    }

    fn alloc(&mut self, bytes: &[u8]) -> Result<u64, String> {
        let at = self.heap;
        let end = at + bytes.len();
        if end > MEM {
            return Err("GoSide heap exhausted".into());
        }
        self.mem.data[at..end].copy_from_slice(bytes);
        self.heap = (end + 7) & !7;
        Ok(at as u64)
    }

    fn w64(&mut self, off: u32, v: u64) {
        let a = (SP + off) as usize;
        self.mem.data[a..a + 8].copy_from_slice(&v.to_le_bytes());
    }

    fn r64(&self, off: u32) -> u64 {
        let a = (SP + off) as usize;
        u64::from_le_bytes(self.mem.data[a..a + 8].try_into().unwrap_or([0; 8]))
    }

    fn r8(&self, off: u32) -> u8 {
        self.mem.data[(SP + off) as usize]
    }

    fn string_at(&mut self, off: u32, s: &[u8]) -> Result<(), String> {
        let p = self.alloc(s)?;
        self.w64(off, p);
        self.w64(off + 8, s.len() as u64);
        Ok(())
    }

    fn slice_at(&mut self, off: u32, refs: &[u64]) -> Result<(), String> {
        let bytes: Vec<u8> = refs.iter().flat_map(|r| r.to_le_bytes()).collect();
        let p = self.alloc(&bytes)?;
        self.w64(off, p);
        self.w64(off + 8, refs.len() as u64);
        self.w64(off + 16, refs.len() as u64);
        Ok(())
    }

    /// Call one import with the frame as it is.
    pub fn call(&mut self, import: Import) -> Result<Flow, AbiError> {
        self.mem.sp = SP;
        Env {
            mem: &mut self.mem,
            realm: &mut *self.realm,
            table: &self.table,
            rt: &mut self.rt,
        }
        .call(import, SP)
    }

    fn call_ok(&mut self, import: Import) -> Result<(), String> {
        self.call(import)
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", import.name()))
    }

    pub fn string_val(&mut self, s: &[u8]) -> Result<u64, String> {
        self.string_at(8, s)?;
        self.call_ok(Import::StringVal)?;
        Ok(self.r64(24))
    }

    pub fn get(&mut self, v: u64, name: &[u8]) -> Result<u64, String> {
        self.w64(8, v);
        self.string_at(16, name)?;
        self.call_ok(Import::ValueGet)?;
        Ok(self.r64(32))
    }

    pub fn set(&mut self, v: u64, name: &[u8], x: u64) -> Result<(), String> {
        self.w64(8, v);
        self.string_at(16, name)?;
        self.w64(32, x);
        self.call_ok(Import::ValueSet)
    }

    pub fn delete(&mut self, v: u64, name: &[u8]) -> Result<(), String> {
        self.w64(8, v);
        self.string_at(16, name)?;
        self.call_ok(Import::ValueDelete)
    }

    pub fn index(&mut self, v: u64, i: i64) -> Result<u64, String> {
        self.w64(8, v);
        self.w64(16, i as u64);
        self.call_ok(Import::ValueIndex)?;
        Ok(self.r64(24))
    }

    pub fn set_index(&mut self, v: u64, i: i64, x: u64) -> Result<(), String> {
        self.w64(8, v);
        self.w64(16, i as u64);
        self.w64(24, x);
        self.call_ok(Import::ValueSetIndex)
    }

    /// `valueCall`: `(result, ok)`.
    pub fn call_method(&mut self, v: u64, m: &[u8], args: &[u64]) -> Result<(u64, bool), String> {
        self.w64(8, v);
        self.string_at(16, m)?;
        self.slice_at(32, args)?;
        self.call_ok(Import::ValueCall)?;
        Ok((self.r64(56), self.r8(64) != 0))
    }

    pub fn invoke(&mut self, v: u64, args: &[u64]) -> Result<(u64, bool), String> {
        self.w64(8, v);
        self.slice_at(16, args)?;
        self.call_ok(Import::ValueInvoke)?;
        Ok((self.r64(40), self.r8(48) != 0))
    }

    pub fn new_(&mut self, v: u64, args: &[u64]) -> Result<(u64, bool), String> {
        self.w64(8, v);
        self.slice_at(16, args)?;
        self.call_ok(Import::ValueNew)?;
        Ok((self.r64(40), self.r8(48) != 0))
    }

    pub fn length(&mut self, v: u64) -> Result<i64, String> {
        self.w64(8, v);
        self.call_ok(Import::ValueLength)?;
        Ok(self.r64(16) as i64)
    }

    pub fn instance_of(&mut self, v: u64, t: u64) -> Result<bool, String> {
        self.w64(8, v);
        self.w64(16, t);
        self.call_ok(Import::ValueInstanceOf)?;
        Ok(self.r8(24) != 0)
    }

    pub fn finalize(&mut self, v: u64) -> Result<(), String> {
        self.w64(8, v);
        self.call_ok(Import::FinalizeRef)
    }

    /// Go's `jsString`: prepare, load into a fresh buffer, finalize the temporary array.
    pub fn js_string(&mut self, v: u64) -> Result<Vec<u8>, String> {
        self.w64(8, v);
        self.call_ok(Import::ValuePrepareString)?;
        let arr = self.r64(16);
        let n = self.r64(24) as usize;
        if n > MEM / 2 {
            return Err(format!("valuePrepareString: length {n} is absurd"));
        }
        let buf = self.alloc(&vec![0u8; n])?;
        self.w64(8, arr);
        self.w64(16, buf);
        self.w64(24, n as u64);
        self.w64(32, n as u64);
        self.call_ok(Import::ValueLoadString)?;
        let out = self.mem.data[buf as usize..buf as usize + n].to_vec();
        self.finalize(arr)?;
        Ok(out)
    }

    /// `copyBytesToGo(dst, src)`: `(n, ok)`; the copied bytes are returned.
    pub fn copy_to_go(&mut self, len: usize, src: u64) -> Result<(Vec<u8>, i64, bool), String> {
        let buf = self.alloc(&vec![0u8; len])?;
        self.w64(8, buf);
        self.w64(16, len as u64);
        self.w64(24, len as u64);
        self.w64(32, src);
        self.w64(40, 0);
        self.call_ok(Import::CopyBytesToGo)?;
        let n = self.r64(40) as i64;
        let ok = self.r8(48) != 0;
        Ok((
            self.mem.data[buf as usize..buf as usize + len].to_vec(),
            n,
            ok,
        ))
    }

    /// `copyBytesToJS(dst, src)`: `(n, ok)`.
    pub fn copy_to_js(&mut self, dst: u64, src: &[u8]) -> Result<(i64, bool), String> {
        self.w64(8, dst);
        let p = self.alloc(src)?;
        self.w64(16, p);
        self.w64(24, src.len() as u64);
        self.w64(32, src.len() as u64);
        self.w64(40, 0);
        self.call_ok(Import::CopyBytesToJS)?;
        Ok((self.r64(40) as i64, self.r8(48) != 0))
    }

    /// Go's `Value.Float()` of a number ref.
    pub fn float(&mut self, r: u64) -> f64 {
        match refs::decode(r) {
            Ref::Number(f) => f,
            Ref::Id(refs::ID_NAN) => f64::NAN,
            _ => 0.0,
        }
    }

    /// Read one 8-byte slot of the frame (for checks on raw results).
    pub fn slot(&self, off: u32) -> u64 {
        self.r64(off)
    }

    /// Write into the frame directly.
    pub fn put_slot(&mut self, off: u32, v: u64) {
        self.w64(off, v);
    }

    pub fn read_i64(&self, off: u32) -> i64 {
        frame::read_i64(&self.mem.data, "slot", u64::from(SP + off)).unwrap_or(0)
    }
}
