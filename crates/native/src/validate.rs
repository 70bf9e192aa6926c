//! The first thing done with a module's bytes: a module that a partial download cut short,
//! or that is not wasm at all, is refused with one clear line before anything parses it by
//! hand ([`crate::rewrite`]) or compiles it.

use wasmparser::{Validator, WasmFeatures};

/// `Ok` when `bytes` is a valid core module (every proposal wasmparser knows allowed: the
/// engine refuses the ones it lacks, with its own message, when it compiles the module).
pub fn validate(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(b"\0asm") {
        return Err(
            "invalid wasm module: it does not start with the wasm magic number \
                    (is it a Go js/wasm binary?)"
                .into(),
        );
    }
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| {
            let cut = e.offset() >= bytes.len();
            format!(
                "invalid wasm module ({} bytes): {e}{}",
                bytes.len(),
                if cut {
                    " (the file ends too early: was it cut short?)"
                } else {
                    ""
                }
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_foreign_inputs_are_refused_in_one_line() {
        let module =
            wat::parse_str(r#"(module (memory (export "mem") 1) (func (export "run")))"#).unwrap();
        assert!(validate(&module).is_ok());
        let mut refused = 0;
        for cut in 1..module.len() {
            // A cut at a section boundary leaves a smaller valid module.
            if let Err(e) = validate(&module[..cut]) {
                assert!(e.starts_with("invalid wasm module"), "{e}");
                assert!(!e.contains('\n'), "{e}");
                refused += 1;
            }
        }
        assert!(refused > module.len() / 2, "{refused} of {}", module.len());
        assert!(
            validate(b"#!/bin/sh\n")
                .unwrap_err()
                .contains("magic number")
        );
    }
}
