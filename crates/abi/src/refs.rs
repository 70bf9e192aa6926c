//! The 8-byte `ref` that crosses the import ABI (NaN boxing).
//!
//! * all bits zero, or any float64 equal to 0 (so also -0): `undefined`;
//! * any other non-NaN float64: that number;
//! * otherwise the high 32 bits are `NAN_HEAD | flag` and the low 32 bits an id into the
//!   ref table. The type flag is informational for Go (`Value.Type`); hosts ignore it
//!   when loading.
//!
//! Numbers 0 and NaN are never stored raw: they are the predefined ids 1 and 0.

/// High 32 bits of every boxed ref (a quiet NaN).
pub const NAN_HEAD: u32 = 0x7FF8_0000;

/// Predefined ids, never freed.
pub const ID_NAN: u32 = 0;
pub const ID_ZERO: u32 = 1;
pub const ID_NULL: u32 = 2;
pub const ID_TRUE: u32 = 3;
pub const ID_FALSE: u32 = 4;
pub const ID_GLOBAL: u32 = 5;
pub const ID_GO: u32 = 6;
/// The first id handed out for dynamic values.
pub const FIRST_DYNAMIC_ID: u32 = 7;

/// The ref of `undefined`.
pub const UNDEFINED: u64 = 0;

/// Type flag in the high word of a boxed ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TypeFlag {
    /// number 0, NaN, null, booleans, and anything unrecognised (BigInt).
    None = 0,
    Object = 1,
    String = 2,
    Symbol = 3,
    Function = 4,
}

/// A decoded ref.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ref {
    Undefined,
    Number(f64),
    /// An id into the ref table (type bits dropped).
    Id(u32),
}

/// Decode as the glue's `loadValue` does.
pub fn decode(bits: u64) -> Ref {
    let f = f64::from_bits(bits);
    if f == 0.0 {
        Ref::Undefined
    } else if !f.is_nan() {
        Ref::Number(f)
    } else {
        Ref::Id(bits as u32)
    }
}

/// A boxed ref for table id `id`.
pub fn encode_id(id: u32, flag: TypeFlag) -> u64 {
    (u64::from(NAN_HEAD | flag as u32) << 32) | u64::from(id)
}

/// A raw number ref, or `None` for 0/-0 and NaN, which must go through the table.
pub fn encode_number(f: f64) -> Option<u64> {
    if f == 0.0 || f.is_nan() {
        None
    } else {
        Some(f.to_bits())
    }
}

/// The type flag of a boxed ref (`None` for undefined and raw numbers).
pub fn flag_of(bits: u64) -> Option<u32> {
    match decode(bits) {
        Ref::Id(_) => Some((bits >> 32) as u32 & !NAN_HEAD),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_basics() {
        assert_eq!(decode(0), Ref::Undefined);
        assert_eq!(decode((-0.0f64).to_bits()), Ref::Undefined);
        assert_eq!(decode(42.5f64.to_bits()), Ref::Number(42.5));
        assert_eq!(decode(f64::INFINITY.to_bits()), Ref::Number(f64::INFINITY));
        assert_eq!(decode(encode_id(9, TypeFlag::String)), Ref::Id(9));
        assert_eq!(decode(0x7FF8_0000_0000_0000), Ref::Id(ID_NAN));
        // Any NaN pattern is an id, even one with a sign bit.
        assert_eq!(decode(0xFFF8_0001_0000_0007), Ref::Id(7));
    }

    #[test]
    fn encode_basics() {
        assert_eq!(
            encode_id(ID_GLOBAL, TypeFlag::Object),
            0x7FF8_0001_0000_0005
        );
        assert_eq!(encode_id(ID_NULL, TypeFlag::None), 0x7FF8_0000_0000_0002);
        assert_eq!(encode_number(0.0), None);
        assert_eq!(encode_number(-0.0), None);
        assert_eq!(encode_number(f64::NAN), None);
        assert_eq!(encode_number(1.0), Some(1.0f64.to_bits()));
        assert_eq!(flag_of(encode_id(14, TypeFlag::Function)), Some(4));
        assert_eq!(flag_of(0), None);
    }
}
