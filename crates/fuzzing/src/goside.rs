//! The Go side of `syscall/js`, emulated in Rust: it lays out frames in a plain memory exactly
//! as Go's ABI0 does and calls the imports through [`Env::call`], so a realm can be driven the
//! way a Go program drives it without compiling any Go.

use std::cell::RefCell;

use gojs_abi::imports::{Env, Flow, Import, RefTable, new_table};
use gojs_abi::layout::{self, Field, HEADER_LEN, HEADER_PTR, SLICE_CAP};
use gojs_abi::realm::Realm;
use gojs_abi::refs::{self, Ref};
use gojs_abi::{AbiError, VecMemory};

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

    fn put(&mut self, f: Field, v: u64) {
        self.w64(f.off, v);
    }

    fn get_field(&self, f: Field) -> u64 {
        self.r64(f.off)
    }

    fn flag(&self, f: Field) -> bool {
        self.r8(f.off) != 0
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

    /// A `Str` field: `s` copied to the heap.
    fn string_at(&mut self, f: Field, s: &[u8]) -> Result<(), String> {
        let p = self.alloc(s)?;
        self.w64(f.off + HEADER_PTR, p);
        self.w64(f.off + HEADER_LEN, s.len() as u64);
        Ok(())
    }

    /// A `Refs` or `Bytes` field: `len` elements at `p`, capacity `len`.
    fn slice_header(&mut self, f: Field, p: u64, len: usize) {
        self.w64(f.off + HEADER_PTR, p);
        self.w64(f.off + HEADER_LEN, len as u64);
        self.w64(f.off + SLICE_CAP, len as u64);
    }

    /// A `Refs` field: `refs` copied to the heap.
    fn slice_at(&mut self, f: Field, refs: &[u64]) -> Result<(), String> {
        let bytes: Vec<u8> = refs.iter().flat_map(|r| r.to_le_bytes()).collect();
        let p = self.alloc(&bytes)?;
        self.slice_header(f, p, refs.len());
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
        use layout::string_val as f;
        self.string_at(f::S, s)?;
        self.call_ok(Import::StringVal)?;
        Ok(self.get_field(f::V))
    }

    pub fn get(&mut self, v: u64, name: &[u8]) -> Result<u64, String> {
        use layout::value_get as f;
        self.put(f::V, v);
        self.string_at(f::P, name)?;
        self.call_ok(Import::ValueGet)?;
        Ok(self.get_field(f::R))
    }

    pub fn set(&mut self, v: u64, name: &[u8], x: u64) -> Result<(), String> {
        use layout::value_set as f;
        self.put(f::V, v);
        self.string_at(f::P, name)?;
        self.put(f::X, x);
        self.call_ok(Import::ValueSet)
    }

    pub fn delete(&mut self, v: u64, name: &[u8]) -> Result<(), String> {
        use layout::value_delete as f;
        self.put(f::V, v);
        self.string_at(f::P, name)?;
        self.call_ok(Import::ValueDelete)
    }

    pub fn index(&mut self, v: u64, i: i64) -> Result<u64, String> {
        use layout::value_index as f;
        self.put(f::V, v);
        self.put(f::I, i as u64);
        self.call_ok(Import::ValueIndex)?;
        Ok(self.get_field(f::R))
    }

    pub fn set_index(&mut self, v: u64, i: i64, x: u64) -> Result<(), String> {
        use layout::value_set_index as f;
        self.put(f::V, v);
        self.put(f::I, i as u64);
        self.put(f::X, x);
        self.call_ok(Import::ValueSetIndex)
    }

    /// `valueCall`: `(result, ok)`.
    pub fn call_method(&mut self, v: u64, m: &[u8], args: &[u64]) -> Result<(u64, bool), String> {
        use layout::value_call as f;
        self.put(f::V, v);
        self.string_at(f::M, m)?;
        self.slice_at(f::ARGS, args)?;
        self.call_ok(Import::ValueCall)?;
        Ok((self.get_field(f::R), self.flag(f::OK)))
    }

    pub fn invoke(&mut self, v: u64, args: &[u64]) -> Result<(u64, bool), String> {
        use layout::value_invoke as f;
        self.put(f::V, v);
        self.slice_at(f::ARGS, args)?;
        self.call_ok(Import::ValueInvoke)?;
        Ok((self.get_field(f::R), self.flag(f::OK)))
    }

    pub fn new_(&mut self, v: u64, args: &[u64]) -> Result<(u64, bool), String> {
        use layout::value_new as f;
        self.put(f::V, v);
        self.slice_at(f::ARGS, args)?;
        self.call_ok(Import::ValueNew)?;
        Ok((self.get_field(f::R), self.flag(f::OK)))
    }

    pub fn length(&mut self, v: u64) -> Result<i64, String> {
        use layout::value_length as f;
        self.put(f::V, v);
        self.call_ok(Import::ValueLength)?;
        Ok(self.get_field(f::N) as i64)
    }

    pub fn instance_of(&mut self, v: u64, t: u64) -> Result<bool, String> {
        use layout::value_instance_of as f;
        self.put(f::V, v);
        self.put(f::T, t);
        self.call_ok(Import::ValueInstanceOf)?;
        Ok(self.flag(f::B))
    }

    pub fn finalize(&mut self, v: u64) -> Result<(), String> {
        self.put(layout::finalize_ref::V, v);
        self.call_ok(Import::FinalizeRef)
    }

    /// Go's `jsString`: prepare, load into a fresh buffer, finalize the temporary array.
    pub fn js_string(&mut self, v: u64) -> Result<Vec<u8>, String> {
        use layout::{value_load_string as load, value_prepare_string as prep};
        self.put(prep::V, v);
        self.call_ok(Import::ValuePrepareString)?;
        let arr = self.get_field(prep::S);
        let n = self.get_field(prep::N) as usize;
        if n > MEM / 2 {
            return Err(format!("valuePrepareString: length {n} is absurd"));
        }
        let buf = self.alloc(&vec![0u8; n])?;
        self.put(load::V, arr);
        self.slice_header(load::DST, buf, n);
        self.call_ok(Import::ValueLoadString)?;
        let out = self.mem.data[buf as usize..buf as usize + n].to_vec();
        self.finalize(arr)?;
        Ok(out)
    }

    /// `copyBytesToGo(dst, src)`: `(n, ok)`; the copied bytes are returned.
    pub fn copy_to_go(&mut self, len: usize, src: u64) -> Result<(Vec<u8>, i64, bool), String> {
        use layout::copy_bytes_to_go as f;
        let buf = self.alloc(&vec![0u8; len])?;
        self.slice_header(f::DST, buf, len);
        self.put(f::SRC, src);
        self.put(f::N, 0);
        self.call_ok(Import::CopyBytesToGo)?;
        let n = self.get_field(f::N) as i64;
        let ok = self.flag(f::OK);
        Ok((
            self.mem.data[buf as usize..buf as usize + len].to_vec(),
            n,
            ok,
        ))
    }

    /// `copyBytesToJS(dst, src)`: `(n, ok)`.
    pub fn copy_to_js(&mut self, dst: u64, src: &[u8]) -> Result<(i64, bool), String> {
        use layout::copy_bytes_to_js as f;
        self.put(f::DST, dst);
        let p = self.alloc(src)?;
        self.slice_header(f::SRC, p, src.len());
        self.put(f::N, 0);
        self.call_ok(Import::CopyBytesToJS)?;
        Ok((self.get_field(f::N) as i64, self.flag(f::OK)))
    }

    /// Go's `Value.Float()` of a number ref.
    pub fn float(&mut self, r: u64) -> f64 {
        match refs::decode(r) {
            Ref::Number(f) => f,
            Ref::Id(refs::ID_NAN) => f64::NAN,
            _ => 0.0,
        }
    }
}
