//! Bounds-checked access to Go's stack frame and to the strings/slices it points to.
//!
//! Every import receives `sp`; its parameters start at `sp + 8` in Go ABI0 layout. All
//! integers are little-endian; `int`, pointers and lengths are 8 bytes; a string is
//! `{ptr, len}` and a slice `{ptr, len, cap}`. Any address or length that does not fit in
//! linear memory is an [`AbiError`], never a panic.

use super::AbiError;
use super::layout::{HEADER_LEN, HEADER_PTR, WRITE_LEN};

/// `len` bytes at `addr`, if they lie in `mem`: the range to index it with.
pub fn checked_range(
    mem: &[u8],
    what: &'static str,
    addr: u64,
    len: u64,
) -> Result<std::ops::Range<usize>, AbiError> {
    range(mem, what, addr, len)
}

fn range(
    mem: &[u8],
    what: &'static str,
    addr: u64,
    len: u64,
) -> Result<std::ops::Range<usize>, AbiError> {
    let end = addr.checked_add(len);
    match end {
        Some(end) if end <= mem.len() as u64 => Ok(addr as usize..end as usize),
        _ => Err(AbiError::OutOfBounds {
            what,
            addr,
            len,
            mem: mem.len(),
        }),
    }
}

fn array<const N: usize>(mem: &[u8], what: &'static str, addr: u64) -> Result<[u8; N], AbiError> {
    let r = range(mem, what, addr, N as u64)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&mem[r]);
    Ok(out)
}

pub fn read_u8(mem: &[u8], what: &'static str, addr: u64) -> Result<u8, AbiError> {
    Ok(array::<1>(mem, what, addr)?[0])
}

pub fn read_u32(mem: &[u8], what: &'static str, addr: u64) -> Result<u32, AbiError> {
    Ok(u32::from_le_bytes(array(mem, what, addr)?))
}

pub fn read_i32(mem: &[u8], what: &'static str, addr: u64) -> Result<i32, AbiError> {
    Ok(i32::from_le_bytes(array(mem, what, addr)?))
}

pub fn read_u64(mem: &[u8], what: &'static str, addr: u64) -> Result<u64, AbiError> {
    Ok(u64::from_le_bytes(array(mem, what, addr)?))
}

pub fn read_i64(mem: &[u8], what: &'static str, addr: u64) -> Result<i64, AbiError> {
    Ok(i64::from_le_bytes(array(mem, what, addr)?))
}

fn write(mem: &mut [u8], what: &'static str, addr: u64, bytes: &[u8]) -> Result<(), AbiError> {
    let r = range(mem, what, addr, bytes.len() as u64)?;
    mem[r].copy_from_slice(bytes);
    Ok(())
}

pub fn write_u8(mem: &mut [u8], what: &'static str, addr: u64, v: u8) -> Result<(), AbiError> {
    write(mem, what, addr, &[v])
}

pub fn write_u32(mem: &mut [u8], what: &'static str, addr: u64, v: u32) -> Result<(), AbiError> {
    write(mem, what, addr, &v.to_le_bytes())
}

pub fn write_i32(mem: &mut [u8], what: &'static str, addr: u64, v: i32) -> Result<(), AbiError> {
    write(mem, what, addr, &v.to_le_bytes())
}

pub fn write_u64(mem: &mut [u8], what: &'static str, addr: u64, v: u64) -> Result<(), AbiError> {
    write(mem, what, addr, &v.to_le_bytes())
}

/// Write a JS number as the glue's `setInt64` does: low word `v`, high word `floor(v / 2^32)`,
/// both through `setUint32` (ToUint32: NaN/±Inf → 0, wrap modulo 2^32).
pub fn write_js_int64(
    mem: &mut [u8],
    what: &'static str,
    addr: u64,
    v: f64,
) -> Result<(), AbiError> {
    range(mem, what, addr, 8)?;
    let lo = to_uint32(v);
    let hi = to_uint32((v / 4294967296.0).floor());
    write_u32(mem, what, addr, lo)?;
    write_u32(mem, what, addr + 4, hi)
}

/// The glue's `getInt64`: `low + high(signed) * 2^32` as a double (exact within ±2^53).
pub fn read_js_int64(mem: &[u8], what: &'static str, addr: u64) -> Result<f64, AbiError> {
    let lo = read_u32(mem, what, addr)?;
    let hi = read_i32(mem, what, addr + 4)?;
    Ok(f64::from(lo) + f64::from(hi) * 4294967296.0)
}

/// ECMAScript ToUint32.
pub fn to_uint32(v: f64) -> u32 {
    if !v.is_finite() {
        return 0;
    }
    let t = v.trunc();
    let m = t.rem_euclid(4294967296.0);
    m as u32
}

/// A `{ptr, len}` pair read from the frame, checked against memory. Returns the byte range.
pub fn read_ptr_len(
    mem: &[u8],
    what: &'static str,
    addr: u64,
) -> Result<std::ops::Range<usize>, AbiError> {
    let ptr = read_i64(mem, what, addr + u64::from(HEADER_PTR))?;
    let len = read_i64(mem, what, addr + u64::from(HEADER_LEN))?;
    if ptr < 0 {
        return Err(AbiError::BadLength { what, value: ptr });
    }
    if len < 0 {
        return Err(AbiError::BadLength { what, value: len });
    }
    range(mem, what, ptr as u64, len as u64)
}

/// `wasmWrite`'s `(p int64, n int32)` at `addr`, checked against memory: the byte range.
pub fn read_write_span(
    mem: &[u8],
    what: &'static str,
    addr: u64,
) -> Result<std::ops::Range<usize>, AbiError> {
    let p = read_i64(mem, what, addr)?;
    let n = read_i32(mem, what, addr + u64::from(WRITE_LEN))?;
    if p < 0 || n < 0 {
        return Err(AbiError::BadLength {
            what,
            value: p.min(i64::from(n)),
        });
    }
    range(mem, what, p as u64, n as u64)
}

/// The bytes of a Go string or byte slice whose header is at `addr`.
pub fn read_bytes<'m>(mem: &'m [u8], what: &'static str, addr: u64) -> Result<&'m [u8], AbiError> {
    let r = read_ptr_len(mem, what, addr)?;
    Ok(&mem[r])
}

/// A Go string at `addr`, decoded as UTF-8 with U+FFFD replacement (`TextDecoder`).
pub fn read_string(mem: &[u8], what: &'static str, addr: u64) -> Result<String, AbiError> {
    Ok(String::from_utf8_lossy(read_bytes(mem, what, addr)?).into_owned())
}

/// A `[]ref` slice at `addr`: the raw 8-byte refs it holds.
pub fn read_refs(mem: &[u8], what: &'static str, addr: u64) -> Result<Vec<u64>, AbiError> {
    let ptr = read_i64(mem, what, addr + u64::from(HEADER_PTR))?;
    let len = read_i64(mem, what, addr + u64::from(HEADER_LEN))?;
    if ptr < 0 {
        return Err(AbiError::BadLength { what, value: ptr });
    }
    if len < 0 || len > (mem.len() / 8) as i64 {
        return Err(AbiError::BadLength { what, value: len });
    }
    let r = range(mem, what, ptr as u64, len as u64 * 8)?;
    Ok(mem[r]
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_errors() {
        let mem = vec![0u8; 16];
        assert!(read_u64(&mem, "x", 8).is_ok());
        assert!(read_u64(&mem, "x", 9).is_err());
        assert!(read_u64(&mem, "x", u64::MAX).is_err());
        let mut m = mem.clone();
        assert!(write_u64(&mut m, "x", 16, 1).is_err());
    }

    #[test]
    fn strings_and_slices() {
        let mut mem = vec![0u8; 64];
        mem[32..35].copy_from_slice(b"abc");
        write_u64(&mut mem, "p", 8, 32).unwrap();
        write_u64(&mut mem, "l", 16, 3).unwrap();
        assert_eq!(read_string(&mem, "s", 8).unwrap(), "abc");
        write_u64(&mut mem, "l", 16, 100).unwrap();
        assert!(read_string(&mem, "s", 8).is_err());
        write_u64(&mut mem, "l", 16, u64::MAX).unwrap();
        assert!(matches!(
            read_string(&mem, "s", 8),
            Err(AbiError::BadLength { .. })
        ));
        write_u64(&mut mem, "l", 16, 1 << 61).unwrap();
        assert!(read_refs(&mem, "a", 8).is_err());
    }

    #[test]
    fn js_int64() {
        let mut mem = vec![0u8; 8];
        write_js_int64(&mut mem, "n", 0, -1.0).unwrap();
        assert_eq!(read_i64(&mem, "n", 0).unwrap(), -1);
        write_js_int64(&mut mem, "n", 0, 5e9).unwrap();
        assert_eq!(read_i64(&mem, "n", 0).unwrap(), 5_000_000_000);
        write_js_int64(&mut mem, "n", 0, f64::NAN).unwrap();
        assert_eq!(read_i64(&mem, "n", 0).unwrap(), 0);
    }
}
