//! The module as the tiered path builds it: every mutable global exported, so that a paused
//! run's globals can be read from one instance and written into another (see
//! [`crate::tierup`]), and whether a module's state can be carried over at all.
//!
//! Every function here takes bytes that [`crate::validate`] accepted: a truncated or
//! malformed module is refused before anything parses it here, and what is parsed here is
//! still checked, never indexed blindly.

use anyhow::{Context as _, bail};
use wasmparser::{Parser, Payload};

/// Exports added by [`export_globals`] are named this, followed by the global's index.
pub const GLOBAL_EXPORT_PREFIX: &str = "gojs-harness:global:";

/// The version of [`export_globals`]'s output. Cached builds of a rewritten module are named
/// by the original module's digest and this (see [`crate::cache::ModuleId`]), so a change to
/// the bytes the rewrite writes must change it, or runs would load builds of the old
/// rewrite; `the_rewrite_writes_what_its_version_says` catches a change made without one.
pub const VERSION: &str = "export-globals/1";

/// `bytes` with every mutable global exported, and the names of those exports.
///
/// Fails (and the run then does not tier up) on modules this cannot carry over: no export
/// section, a mutable global of a reference type, names already taken.
pub fn export_globals(bytes: &[u8]) -> anyhow::Result<(Vec<u8>, Vec<String>)> {
    use wasm_encoder::{ExportKind, ExportSection, RawSection};
    let mut out = wasm_encoder::Module::new();
    let mut imported_globals = 0u32;
    let mut mutable = Vec::new();
    let mut exported = false;
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.context("parsing the module")?;
        match &payload {
            Payload::Version { encoding, .. } => {
                if *encoding != wasmparser::Encoding::Module {
                    bail!("not a core module");
                }
                continue;
            }
            Payload::ImportSection(r) => {
                for import in r.clone() {
                    if let wasmparser::TypeRef::Global(_) = import?.ty {
                        imported_globals += 1;
                    }
                }
            }
            Payload::GlobalSection(r) => {
                for (i, g) in r.clone().into_iter().enumerate() {
                    let ty = g?.ty;
                    if !ty.mutable {
                        continue;
                    }
                    if !matches!(
                        ty.content_type,
                        wasmparser::ValType::I32
                            | wasmparser::ValType::I64
                            | wasmparser::ValType::F32
                            | wasmparser::ValType::F64
                    ) {
                        bail!("mutable global {i} is not a number");
                    }
                    mutable.push(imported_globals + i as u32);
                }
            }
            Payload::ExportSection(r) => {
                let mut section = ExportSection::new();
                for e in r.clone() {
                    let e = e?;
                    if e.name.starts_with(GLOBAL_EXPORT_PREFIX) {
                        bail!("the module already has an export named {:?}", e.name);
                    }
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => ExportKind::Func,
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        wasmparser::ExternalKind::Tag => ExportKind::Tag,
                    };
                    section.export(e.name, kind, e.index);
                }
                for &g in &mutable {
                    let name = format!("{GLOBAL_EXPORT_PREFIX}{g}");
                    section.export(&name, ExportKind::Global, g);
                    names.push(name);
                }
                out.section(&section);
                exported = true;
                continue;
            }
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            let data = bytes
                .get(range)
                .context("a section runs past the end of the module")?;
            out.section(&RawSection { id, data });
        }
    }
    if !exported {
        bail!("the module has no export section");
    }
    Ok((out.finish(), names))
}

/// Why a paused instance of this module could not be carried over to another by copying
/// its memory and mutable globals: state kept elsewhere (tables changed at run time,
/// dropped segments), or memories and tables it shares with the host.
pub fn cannot_carry(bytes: &[u8]) -> anyhow::Result<Option<String>> {
    use wasmparser::Operator as Op;
    let mut memories = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ImportSection(r) => {
                for i in r {
                    let i = i?;
                    if !matches!(i.ty, wasmparser::TypeRef::Func(_)) {
                        return Ok(Some(format!("it imports {}.{}", i.module, i.name)));
                    }
                }
            }
            Payload::MemorySection(r) => memories += r.count(),
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    let op = ops.read()?;
                    if matches!(
                        op,
                        Op::TableSet { .. }
                            | Op::TableGrow { .. }
                            | Op::TableFill { .. }
                            | Op::TableCopy { .. }
                            | Op::TableInit { .. }
                            | Op::ElemDrop { .. }
                            | Op::MemoryInit { .. }
                            | Op::DataDrop { .. }
                    ) {
                        return Ok(Some(format!("its code uses {op:?}")));
                    }
                }
            }
            _ => {}
        }
    }
    if memories != 1 {
        return Ok(Some(format!("it defines {memories} memories")));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Module};

    fn wat(src: &str) -> Vec<u8> {
        wat::parse_str(src).unwrap()
    }

    #[test]
    fn mutable_globals_are_exported_and_the_rest_kept() {
        let bytes = wat(r#"(module
            (import "m" "g" (global i32))
            (global $a (mut i32) (i32.const 7))
            (global $b i64 (i64.const 1))
            (global $c (mut i64) (i64.const -3))
            (memory (export "mem") 1)
            (func (export "run") (result i32) global.get $a)
            (data (i32.const 8) "hi"))"#);
        let (out, names) = export_globals(&bytes).unwrap();
        assert_eq!(names, ["gojs-harness:global:1", "gojs-harness:global:3"]);
        wasmparser::Validator::new().validate_all(&out).unwrap();
        let engine = Engine::default();
        let module = Module::new(&engine, &out).unwrap();
        let exports: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
        assert_eq!(
            exports,
            [
                "mem",
                "run",
                "gojs-harness:global:1",
                "gojs-harness:global:3"
            ]
        );
    }

    #[test]
    fn the_rewrite_writes_what_its_version_says() {
        use sha2::{Digest, Sha256};
        let bytes = wat(r#"(module
            (import "m" "g" (global (mut i64)))
            (global $a (mut i32) (i32.const 7))
            (global $b f64 (f64.const 1))
            (global $c (mut f32) (f32.const -3))
            (memory (export "mem") 1)
            (func $f (export "run") (result i32) global.get $a)
            (table 1 funcref)
            (elem (i32.const 0) $f)
            (data (i32.const 8) "hi")
            (@custom "name-like" "x"))"#);
        let (out, names) = export_globals(&bytes).unwrap();
        let digest: String = Sha256::digest(&out)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            (VERSION, names.len(), digest.as_str()),
            (
                "export-globals/1",
                2,
                "d0a7d497d24378dba1c38e5132f1e2e3b79d8375985960a18ff7abcf6356f347"
            ),
            "export_globals writes other bytes than before: if that is meant, bump \
             rewrite::VERSION (cached builds of rewritten modules are named by it) and \
             write the new digest here"
        );
    }

    #[test]
    fn modules_it_cannot_carry_are_refused() {
        let no_exports = wat("(module (global (mut i32) (i32.const 0)))");
        assert!(export_globals(&no_exports).is_err());
        let reference =
            wat(r#"(module (global (mut funcref) (ref.null func)) (func (export "f")))"#);
        assert!(export_globals(&reference).is_err());
        let taken =
            wat(r#"(module (global (export "gojs-harness:global:0") (mut i32) (i32.const 0)))"#);
        assert!(export_globals(&taken).is_err());
        assert!(export_globals(b"\0asm\x01\0\0\0\x01").is_err());
    }
}
