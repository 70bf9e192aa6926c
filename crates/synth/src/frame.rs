//! A step's frame written field by field from the frame table ([`gojs_abi::layout`]), so
//! that generated steps name fields, not offsets.

use std::collections::BTreeMap;

use gojs_abi::layout::{Field, FieldKind, HEADER_LEN, HEADER_PTR, SLICE_CAP};

/// The slots of one step's frame: offset from `sp` → `"TYPE VALUE"` (see [`crate::spec`]).
#[derive(Debug, Clone, Default)]
pub struct Frame {
    slots: BTreeMap<u32, String>,
}

impl Frame {
    pub fn new() -> Self {
        Frame::default()
    }

    /// A one-slot field (`Ref`, `I64`, `I32`, `U8`) set to `value`, e.g. `"ref global"`,
    /// `"load 16400"`, `"u64 7"`.
    pub fn set(mut self, f: Field, value: impl Into<String>) -> Self {
        debug_assert!(
            matches!(
                f.kind,
                FieldKind::Ref | FieldKind::I64 | FieldKind::I32 | FieldKind::U8
            ),
            "{} is a header: use string() or slice()",
            f.name
        );
        self.slots.insert(f.off, value.into());
        self
    }

    /// A `Str` field: `len` bytes at `ptr`.
    pub fn string(mut self, f: Field, ptr: u32, len: usize) -> Self {
        debug_assert_eq!(f.kind, FieldKind::Str, "{}", f.name);
        self.slots.insert(f.off + HEADER_PTR, format!("u64 {ptr}"));
        self.slots.insert(f.off + HEADER_LEN, format!("u64 {len}"));
        self
    }

    /// A `Refs` or `Bytes` field: `len` elements at `ptr`, capacity `len`.
    pub fn slice(mut self, f: Field, ptr: u32, len: usize) -> Self {
        debug_assert!(
            matches!(f.kind, FieldKind::Refs | FieldKind::Bytes),
            "{}",
            f.name
        );
        self.slots.insert(f.off + HEADER_PTR, format!("u64 {ptr}"));
        self.slots.insert(f.off + HEADER_LEN, format!("u64 {len}"));
        self.slots.insert(f.off + SLICE_CAP, format!("u64 {len}"));
        self
    }

    /// A slot outside the import's own fields (an argument array kept after the frame), at
    /// `off` from `sp`.
    pub fn extra(mut self, off: u32, value: impl Into<String>) -> Self {
        self.slots.insert(off, value.into());
        self
    }

    /// The slots as a step's `frame` table.
    pub fn into_slots(self) -> BTreeMap<String, String> {
        self.slots
            .into_iter()
            .map(|(o, v)| (o.to_string(), v))
            .collect()
    }
}
