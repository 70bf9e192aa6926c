//! The argv/env block Go's `run(argc, argv)` expects at linear address 4096.

/// Where the block starts.
pub const ARGS_START: usize = 4096;
/// `wasmMinDataAddr` of the linker from Go 1.19 (at least): the block must end below this
/// (Go's data starts there).
pub const ARGS_LIMIT: usize = 4096 + 8192;
/// `wasmMinDataAddr` of Go 1.15's linker (cmd/link/internal/ld/data.go): data from 8192.
pub const OLD_ARGS_LIMIT: usize = 4096 + 4096;

/// The limit for a module, by the names it imports: binaries that import
/// `runtime.walltime1` (Go 1.15 and its neighbours; Go 1.19 imports `runtime.walltime`)
/// have their data at 8192, and a longer block would overwrite it. The data segments cannot
/// tell: zero bytes are not stored, so the first segment starts well after the data does.
/// Go 1.16 to 1.18 were not available to check which limit their binaries need.
pub fn limit_for<'a>(mut import_names: impl Iterator<Item = &'a str>) -> usize {
    if import_names.any(|n| n == "runtime.walltime1") {
        OLD_ARGS_LIMIT
    } else {
        ARGS_LIMIT
    }
}

/// The error text of the stock glue.
pub const TOO_LONG: &str = "total length of command line and environment variables exceeds limit";

/// Lay out `argv` and `env` (already sorted `KEY=VALUE` strings) as the glue does: each
/// string UTF-8 + NUL padded to 8, then the pointer array argv…, 0, env…, 0 (8 bytes each).
/// The block must end below `limit` ([`limit_for`] the module).
/// Returns the bytes to write at [`ARGS_START`], `argc` and the `argv` address.
pub fn layout(
    argv: &[String],
    env: &[String],
    limit: usize,
) -> Result<(Vec<u8>, i32, i32), String> {
    let mut block = Vec::new();
    let mut ptrs = Vec::new();
    let push = |s: &str, block: &mut Vec<u8>| {
        let at = ARGS_START + block.len();
        block.extend_from_slice(s.as_bytes());
        block.push(0);
        while !block.len().is_multiple_of(8) {
            block.push(0);
        }
        at
    };
    let mut argv_ptrs = Vec::new();
    for a in argv {
        argv_ptrs.push(push(a, &mut block));
    }
    let mut env_ptrs = Vec::new();
    for e in env {
        env_ptrs.push(push(e, &mut block));
    }
    let argv_addr = ARGS_START + block.len();
    for p in argv_ptrs {
        ptrs.push(p);
    }
    ptrs.push(0);
    for p in env_ptrs {
        ptrs.push(p);
    }
    ptrs.push(0);
    for p in ptrs {
        block.extend_from_slice(&(p as u32).to_le_bytes());
        block.extend_from_slice(&0u32.to_le_bytes());
    }
    if ARGS_START + block.len() >= limit {
        return Err(TOO_LONG.to_string());
    }
    Ok((block, argv.len() as i32, argv_addr as i32))
}

/// `KEY=VALUE` strings sorted by key as JS's default sort does (UTF-16 code units).
pub fn env_strings(env: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    let mut keys: Vec<&String> = env.keys().collect();
    keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    keys.into_iter()
        .map(|k| format!("{k}={}", env[k]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_glue() {
        let (b, argc, argv) = layout(
            &["js".into(), "abcdefgh".into()],
            &["A=1".into()],
            ARGS_LIMIT,
        )
        .unwrap();
        assert_eq!(argc, 2);
        // "js\0" pad 8, "abcdefgh\0" pad 16, "A=1\0" pad 8 → pointers at 4096+32
        assert_eq!(argv, 4096 + 32);
        let ptr = |i: usize| u32::from_le_bytes(b[32 + 8 * i..36 + 8 * i].try_into().unwrap());
        assert_eq!(
            [ptr(0), ptr(1), ptr(2), ptr(3), ptr(4)],
            [4096, 4104, 0, 4120, 0]
        );
        assert_eq!(b.len(), 32 + 40);
    }

    #[test]
    fn limit() {
        let l = ARGS_LIMIT;
        assert!(layout(&["x".repeat(7000)], &[], l).is_ok());
        assert_eq!(layout(&["x".repeat(9000)], &[], l).unwrap_err(), TOO_LONG);
        // exactly at the limit fails: 8192 - 3*8 pointer bytes of string incl. NUL
        assert!(layout(&["x".repeat(8192 - 24 - 1)], &[], l).is_err());
        assert!(layout(&["x".repeat(8192 - 24 - 8 - 1)], &[], l).is_ok());
        // A Go 1.15 module's data starts at 8192.
        assert!(layout(&["x".repeat(7000)], &[], 8192).is_err());
        assert!(layout(&["x".repeat(4096 - 24 - 8 - 1)], &[], 8192).is_ok());
    }

    #[test]
    fn old_binaries_get_the_old_limit() {
        let old = ["runtime.wasmExit", "runtime.walltime1"];
        assert_eq!(limit_for(old.into_iter()), OLD_ARGS_LIMIT);
        let new = ["runtime.wasmExit", "runtime.walltime"];
        assert_eq!(limit_for(new.into_iter()), ARGS_LIMIT);
    }
}
