//! The frame of every import: where each argument and result lies relative to `sp`, and its
//! type. This is the one table of frame offsets: the import handlers ([`crate::imports`]),
//! the trace ([`crate::trace`], and through [`crate::trace::layout_json`] the Node runner),
//! the synthesized-module builder and the fuzzers all read it.
//!
//! Go's ABI0 layout (go-js-abi §2.1): `[sp, sp+8)` is the return address; parameters start
//! at `sp + 8`, each aligned to its size (`int`, pointers and refs 8 bytes, a string
//! `{ptr, len}`, a slice `{ptr, len, cap}`, a bool 1 byte); results follow at the next
//! 8-aligned offset. The layouts are the same in every release from 1.15 to 1.27.

use crate::imports::Import;

/// How a field is laid out in Go's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// 4-byte signed integer.
    I32,
    /// 1 byte (booleans).
    U8,
    /// 8-byte signed integer.
    I64,
    /// 8-byte NaN-boxed ref.
    Ref,
    /// `{ptr, len}` string header.
    Str,
    /// `{ptr, len, cap}` slice of refs.
    Refs,
    /// `{ptr, len, cap}` byte slice.
    Bytes,
    /// `wasmWrite`'s `p unsafe.Pointer` (8 bytes) then `n int32`.
    Write,
}

impl FieldKind {
    /// Bytes the field takes in the frame.
    pub const fn size(self) -> u32 {
        match self {
            FieldKind::U8 => 1,
            FieldKind::I32 => 4,
            FieldKind::I64 | FieldKind::Ref => 8,
            FieldKind::Write => WRITE_LEN + 4,
            FieldKind::Str => HEADER_LEN + 8,
            FieldKind::Refs | FieldKind::Bytes => SLICE_CAP + 8,
        }
    }

    /// The name the trace layout gives the kind.
    pub const fn tag(self) -> &'static str {
        match self {
            FieldKind::I32 => "i32",
            FieldKind::U8 => "u8",
            FieldKind::I64 => "i64",
            FieldKind::Ref => "ref",
            FieldKind::Str => "str",
            FieldKind::Refs => "refs",
            FieldKind::Bytes => "bytes",
            FieldKind::Write => "write",
        }
    }
}

/// Where a string's or slice's pointer lies in its header.
pub const HEADER_PTR: u32 = 0;
/// Where a string's or slice's length lies in its header.
pub const HEADER_LEN: u32 = 8;
/// Where a slice's capacity lies in its header.
pub const SLICE_CAP: u32 = 16;
/// Where `wasmWrite`'s `n int32` lies after its pointer.
pub const WRITE_LEN: u32 = 8;

/// One field of an import's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Offset from `sp`.
    pub off: u32,
    pub kind: FieldKind,
    /// A result (written by the host, read by Go after the call), not an argument.
    pub out: bool,
    /// A time or random value: traced under `vol`, ignored by trace comparisons.
    pub volatile: bool,
}

impl Field {
    /// The field's address for a frame at `sp` (no wrap-around: computed in 64 bits).
    pub const fn at(self, sp: u32) -> u64 {
        sp as u64 + self.off as u64
    }
}

const fn arg(name: &'static str, off: u32, kind: FieldKind) -> Field {
    Field {
        name,
        off,
        kind,
        out: false,
        volatile: false,
    }
}

const fn res(name: &'static str, off: u32, kind: FieldKind) -> Field {
    Field {
        name,
        off,
        kind,
        out: true,
        volatile: false,
    }
}

const fn vol(f: Field) -> Field {
    Field {
        volatile: true,
        ..f
    }
}

use FieldKind::{Bytes, I32, I64, Ref, Refs, Str, U8, Write};

/// `runtime.wasmExit(code int32)`.
pub mod wasm_exit {
    use super::*;
    pub const CODE: Field = arg("code", 8, I32);
    pub const FIELDS: &[Field] = &[CODE];
}

/// `runtime.wasmWrite(fd uintptr, p unsafe.Pointer, n int32)`.
pub mod wasm_write {
    use super::*;
    pub const FD: Field = arg("fd", 8, I64);
    pub const TEXT: Field = arg("text", 16, Write);
    pub const FIELDS: &[Field] = &[FD, TEXT];
}

/// `runtime.nanotime1() int64`.
pub mod nanotime1 {
    use super::*;
    pub const NS: Field = vol(res("ns", 8, I64));
    pub const FIELDS: &[Field] = &[NS];
}

/// `runtime.walltime() (sec int64, nsec int32)`.
pub mod walltime {
    use super::*;
    pub const SEC: Field = vol(res("sec", 8, I64));
    pub const NSEC: Field = vol(res("nsec", 16, I32));
    pub const FIELDS: &[Field] = &[SEC, NSEC];
}

/// `runtime.scheduleTimeoutEvent(ms int64) int32`.
pub mod schedule_timeout_event {
    use super::*;
    pub const MS: Field = vol(arg("ms", 8, I64));
    pub const ID: Field = res("id", 16, I32);
    pub const FIELDS: &[Field] = &[MS, ID];
}

/// `runtime.clearTimeoutEvent(id int32)`.
pub mod clear_timeout_event {
    use super::*;
    pub const ID: Field = arg("id", 8, I32);
    pub const FIELDS: &[Field] = &[ID];
}

/// `runtime.getRandomData(r []byte)`.
pub mod get_random_data {
    use super::*;
    pub const BUF: Field = arg("buf", 8, Bytes);
    pub const FIELDS: &[Field] = &[BUF];
}

/// `syscall/js.finalizeRef(v ref)`.
pub mod finalize_ref {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const FIELDS: &[Field] = &[V];
}

/// `syscall/js.stringVal(x string) ref`.
pub mod string_val {
    use super::*;
    pub const S: Field = arg("s", 8, Str);
    pub const V: Field = res("v", 24, Ref);
    pub const FIELDS: &[Field] = &[S, V];
}

/// `syscall/js.valueGet(v ref, p string) ref`.
pub mod value_get {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const P: Field = arg("p", 16, Str);
    pub const R: Field = res("r", 32, Ref);
    pub const FIELDS: &[Field] = &[V, P, R];
}

/// `syscall/js.valueSet(v ref, p string, x ref)`.
pub mod value_set {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const P: Field = arg("p", 16, Str);
    pub const X: Field = arg("x", 32, Ref);
    pub const FIELDS: &[Field] = &[V, P, X];
}

/// `syscall/js.valueDelete(v ref, p string)`.
pub mod value_delete {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const P: Field = arg("p", 16, Str);
    pub const FIELDS: &[Field] = &[V, P];
}

/// `syscall/js.valueIndex(v ref, i int) ref`.
pub mod value_index {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const I: Field = arg("i", 16, I64);
    pub const R: Field = res("r", 24, Ref);
    pub const FIELDS: &[Field] = &[V, I, R];
}

/// `syscall/js.valueSetIndex(v ref, i int, x ref)`.
pub mod value_set_index {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const I: Field = arg("i", 16, I64);
    pub const X: Field = arg("x", 24, Ref);
    pub const FIELDS: &[Field] = &[V, I, X];
}

/// `syscall/js.valueCall(v ref, m string, args []ref) (ref, bool)`.
pub mod value_call {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const M: Field = arg("m", 16, Str);
    pub const ARGS: Field = arg("args", 32, Refs);
    pub const R: Field = res("r", 56, Ref);
    pub const OK: Field = res("ok", 64, U8);
    pub const FIELDS: &[Field] = &[V, M, ARGS, R, OK];
}

/// `syscall/js.valueInvoke(v ref, args []ref) (ref, bool)`; `valueNew` has the same frame.
pub mod value_invoke {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const ARGS: Field = arg("args", 16, Refs);
    pub const R: Field = res("r", 40, Ref);
    pub const OK: Field = res("ok", 48, U8);
    pub const FIELDS: &[Field] = &[V, ARGS, R, OK];
}

/// `syscall/js.valueNew(v ref, args []ref) (ref, bool)`: the frame of `valueInvoke`.
pub use value_invoke as value_new;

/// `syscall/js.valueLength(v ref) int`.
pub mod value_length {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const N: Field = res("n", 16, I64);
    pub const FIELDS: &[Field] = &[V, N];
}

/// `syscall/js.valuePrepareString(v ref) (ref, int)`.
pub mod value_prepare_string {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const S: Field = res("s", 16, Ref);
    pub const N: Field = res("n", 24, I64);
    pub const FIELDS: &[Field] = &[V, S, N];
}

/// `syscall/js.valueLoadString(v ref, b []byte)`.
pub mod value_load_string {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const DST: Field = arg("dst", 16, Bytes);
    pub const FIELDS: &[Field] = &[V, DST];
}

/// `syscall/js.valueInstanceOf(v ref, t ref) bool`.
pub mod value_instance_of {
    use super::*;
    pub const V: Field = arg("v", 8, Ref);
    pub const T: Field = arg("t", 16, Ref);
    pub const B: Field = res("b", 24, U8);
    pub const FIELDS: &[Field] = &[V, T, B];
}

/// `syscall/js.copyBytesToGo(dst []byte, src ref) (int, bool)`.
pub mod copy_bytes_to_go {
    use super::*;
    pub const DST: Field = arg("dst", 8, Bytes);
    pub const SRC: Field = arg("src", 32, Ref);
    pub const N: Field = res("n", 40, I64);
    pub const OK: Field = res("ok", 48, U8);
    pub const FIELDS: &[Field] = &[DST, SRC, N, OK];
}

/// `syscall/js.copyBytesToJS(dst ref, src []byte) (int, bool)`.
pub mod copy_bytes_to_js {
    use super::*;
    pub const DST: Field = arg("dst", 8, Ref);
    pub const SRC: Field = arg("src", 16, Bytes);
    pub const N: Field = res("n", 40, I64);
    pub const OK: Field = res("ok", 48, U8);
    pub const FIELDS: &[Field] = &[DST, SRC, N, OK];
}

/// The fields of an sp-style import (none for `resetMemoryDataView`, and for 1.19's `debug`,
/// whose argument is a value, not `sp`).
pub fn fields(import: Import) -> &'static [Field] {
    match import {
        Import::WasmExit => wasm_exit::FIELDS,
        Import::WasmWrite => wasm_write::FIELDS,
        Import::ResetMemoryDataView | Import::Debug => &[],
        Import::Nanotime1 => nanotime1::FIELDS,
        Import::Walltime => walltime::FIELDS,
        Import::ScheduleTimeoutEvent => schedule_timeout_event::FIELDS,
        Import::ClearTimeoutEvent => clear_timeout_event::FIELDS,
        Import::GetRandomData => get_random_data::FIELDS,
        Import::FinalizeRef => finalize_ref::FIELDS,
        Import::StringVal => string_val::FIELDS,
        Import::ValueGet => value_get::FIELDS,
        Import::ValueSet => value_set::FIELDS,
        Import::ValueDelete => value_delete::FIELDS,
        Import::ValueIndex => value_index::FIELDS,
        Import::ValueSetIndex => value_set_index::FIELDS,
        Import::ValueCall => value_call::FIELDS,
        Import::ValueInvoke => value_invoke::FIELDS,
        Import::ValueNew => value_new::FIELDS,
        Import::ValueLength => value_length::FIELDS,
        Import::ValuePrepareString => value_prepare_string::FIELDS,
        Import::ValueLoadString => value_load_string::FIELDS,
        Import::ValueInstanceOf => value_instance_of::FIELDS,
        Import::CopyBytesToGo => copy_bytes_to_go::FIELDS,
        Import::CopyBytesToJS => copy_bytes_to_js::FIELDS,
    }
}

/// The field of `import` named `name`.
pub fn field(import: Import, name: &str) -> Option<Field> {
    fields(import).iter().copied().find(|f| f.name == name)
}

/// The bytes of the frame an import reads and writes: from `sp` to the end of its last
/// field (at least the 8 bytes of the return address).
pub fn frame_len(import: Import) -> u32 {
    fields(import)
        .iter()
        .map(|f| f.off + f.kind.size())
        .max()
        .unwrap_or(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's ABI0 rules, checked on the table: parameters from 8, each aligned to its size
    /// (headers to 8), no overlap, results after every argument at an 8-aligned offset.
    #[test]
    fn every_frame_follows_abi0() {
        for import in Import::ALL {
            let fs = fields(import);
            let mut end = 8;
            let mut results_started = false;
            for f in fs {
                let align = match f.kind {
                    FieldKind::U8 => 1,
                    FieldKind::I32 => 4,
                    _ => 8,
                };
                assert_eq!(f.off % align, 0, "{}.{} misaligned", import.name(), f.name);
                assert!(f.off >= end, "{}.{} overlaps", import.name(), f.name);
                if f.out && !results_started {
                    results_started = true;
                    assert_eq!(f.off % 8, 0, "{}: results start 8-aligned", import.name());
                }
                assert!(
                    f.out || !results_started,
                    "{}: an argument after a result",
                    import.name()
                );
                end = f.off + f.kind.size();
            }
        }
    }

    /// The offsets follow from the Go declarations of the imports (`syscall/js/js.go`,
    /// `runtime/*_wasm.go`) by ABI0's rules: computed here from the types alone.
    #[test]
    fn offsets_follow_from_the_go_signatures() {
        fn size_align(t: &str) -> (u32, u32) {
            match t {
                "bool" => (1, 1),
                "int32" => (4, 4),
                "string" => (16, 8),
                "[]byte" | "[]ref" => (24, 8),
                _ => (8, 8), // int, int64, uintptr, unsafe.Pointer, ref
            }
        }
        let signatures: &[(Import, &[&str], &[&str])] = &[
            (Import::WasmExit, &["int32"], &[]),
            (
                Import::WasmWrite,
                &["uintptr", "unsafe.Pointer", "int32"],
                &[],
            ),
            (Import::Nanotime1, &[], &["int64"]),
            (Import::Walltime, &[], &["int64", "int32"]),
            (Import::ScheduleTimeoutEvent, &["int64"], &["int32"]),
            (Import::ClearTimeoutEvent, &["int32"], &[]),
            (Import::GetRandomData, &["[]byte"], &[]),
            (Import::FinalizeRef, &["ref"], &[]),
            (Import::StringVal, &["string"], &["ref"]),
            (Import::ValueGet, &["ref", "string"], &["ref"]),
            (Import::ValueSet, &["ref", "string", "ref"], &[]),
            (Import::ValueDelete, &["ref", "string"], &[]),
            (Import::ValueIndex, &["ref", "int"], &["ref"]),
            (Import::ValueSetIndex, &["ref", "int", "ref"], &[]),
            (
                Import::ValueCall,
                &["ref", "string", "[]ref"],
                &["ref", "bool"],
            ),
            (Import::ValueInvoke, &["ref", "[]ref"], &["ref", "bool"]),
            (Import::ValueNew, &["ref", "[]ref"], &["ref", "bool"]),
            (Import::ValueLength, &["ref"], &["int"]),
            (Import::ValuePrepareString, &["ref"], &["ref", "int"]),
            (Import::ValueLoadString, &["ref", "[]byte"], &[]),
            (Import::ValueInstanceOf, &["ref", "ref"], &["bool"]),
            (Import::CopyBytesToGo, &["[]byte", "ref"], &["int", "bool"]),
            (Import::CopyBytesToJS, &["ref", "[]byte"], &["int", "bool"]),
        ];
        for (import, params, results) in signatures {
            let mut want = Vec::new();
            let mut at: u32 = 8;
            for (k, t) in params.iter().chain(results.iter()).enumerate() {
                if k == params.len() {
                    at = at.next_multiple_of(8);
                }
                let (size, align) = size_align(t);
                at = at.next_multiple_of(align);
                want.push(at);
                at += size;
            }
            let mut have: Vec<u32> = fields(*import).iter().map(|f| f.off).collect();
            // wasmWrite's `p` and `n` are one traced field: its `n` is at `WRITE_LEN`.
            if *import == Import::WasmWrite {
                have.push(wasm_write::TEXT.off + WRITE_LEN);
            }
            assert_eq!(have, want, "{}", import.name());
        }
    }
}
