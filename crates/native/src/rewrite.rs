//! The module as the tiered path builds it: every mutable global exported, so that a run's
//! globals can be read from one instance and written into another (see [`crate::tierup`]),
//! and Go's dispatch loop exported, so that a run can move between instances in the middle
//! of a computation, not only while paused; Go's byte-at-a-time comparisons given faster
//! bodies (see [`crate::bytealg`]); and whether a module's state can be carried over at
//! all.
//!
//! Every function here takes bytes that [`crate::validate`] accepted: a truncated or
//! malformed module is refused before anything parses it here, and what is parsed here is
//! still checked, never indexed blindly.

use anyhow::{Context as _, bail};
use wasmparser::{Parser, Payload};

/// Exports added by [`export_globals`] are named this, followed by the global's index.
pub const GLOBAL_EXPORT_PREFIX: &str = "gojs-harness:global:";

/// The export [`export_globals`] adds for Go's `wasm_pc_f_loop`: the loop `run` and `resume`
/// end in, which calls the function whose address is on top of Go's stack until the program
/// pauses. Entered with that stack as a call into the host left it, it goes on with the
/// computation (see [`crate::tierup`]).
pub const LOOP_EXPORT: &str = "gojs-harness:loop";

/// The version of [`export_globals`]'s output. Cached builds of a rewritten module are named
/// by the original module's digest and this (see [`crate::cache::ModuleId`]), so a change to
/// the bytes the rewrite writes must change it, or runs would load builds of the old
/// rewrite; `the_rewrite_writes_what_its_version_says` catches a change made without one.
pub const VERSION: &str = "export-globals/3";

/// What a rewritten module offers for moving a run from one instance to another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carry {
    /// The names of the mutable globals' exports.
    pub globals: Vec<String>,
    /// Which of `globals` is Go's stack pointer (the global `getsp` returns), when the
    /// module has a `getsp` that only returns a global.
    pub sp: Option<usize>,
    /// Which of `globals` is Go's `g` (the running goroutine), when the globals are laid out
    /// as Go's linker writes them: SP (i32), CTXT, g, RET0-RET3 (i64), PAUSE (i32).
    pub g: Option<usize>,
    /// Whether [`LOOP_EXPORT`] was added: the module's `resume` ends by calling a function
    /// of no parameters and no results, Go's `wasm_pc_f_loop`.
    pub go_loop: bool,
}

/// The types of the globals Go's linker defines, in order: its registers.
const GO_REGISTERS: [wasmparser::ValType; 8] = {
    use wasmparser::ValType::{I32, I64};
    [I32, I64, I64, I64, I64, I64, I64, I32]
};

/// What a first pass over the module finds: the mutable globals, Go's stack pointer and
/// dispatch loop.
#[derive(Default)]
struct Found {
    mutable: Vec<u32>,
    /// The types of the module's own globals, mutable or not, in order.
    own: Vec<(wasmparser::ValType, bool)>,
    sp_global: Option<u32>,
    go_loop: Option<u32>,
    /// Bodies (by their place in the code section) that [`crate::bytealg`] replaces.
    routines: std::collections::HashMap<u32, crate::bytealg::Routine>,
}

/// The type of function `f` (counting imported functions first).
fn type_of<'t>(
    types: &'t [wasmparser::FuncType],
    func_types: &[u32],
    imported_funcs: u32,
    f: u32,
) -> Option<&'t wasmparser::FuncType> {
    f.checked_sub(imported_funcs)
        .and_then(|i| func_types.get(i as usize))
        .and_then(|&t| types.get(t as usize))
}

fn survey(bytes: &[u8]) -> anyhow::Result<Found> {
    use wasmparser::Operator as Op;
    let mut found = Found::default();
    let mut imported_globals = 0u32;
    let mut imported_funcs = 0u32;
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let (mut resume, mut getsp) = (None, None);
    let mut body_index = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.context("parsing the module")? {
            Payload::TypeSection(r) => {
                for t in r.into_iter_err_on_gc_types() {
                    types.push(t?);
                }
            }
            Payload::ImportSection(r) => {
                for import in r {
                    match import?.ty {
                        wasmparser::TypeRef::Global(_) => imported_globals += 1,
                        wasmparser::TypeRef::Func(_) => imported_funcs += 1,
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    func_types.push(t?);
                }
            }
            Payload::GlobalSection(r) => {
                for (i, g) in r.into_iter().enumerate() {
                    let ty = g?.ty;
                    found.own.push((ty.content_type, ty.mutable));
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
                    found.mutable.push(imported_globals + i as u32);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    if e.name.starts_with(GLOBAL_EXPORT_PREFIX) || e.name == LOOP_EXPORT {
                        bail!("the module already has an export named {:?}", e.name);
                    }
                    if e.kind == wasmparser::ExternalKind::Func {
                        match e.name {
                            "resume" => resume = Some(e.index),
                            "getsp" => getsp = Some(e.index),
                            _ => {}
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index = imported_funcs + body_index;
                body_index += 1;
                let routine = type_of(&types, &func_types, imported_funcs, index).and_then(|t| {
                    let body = bytes.get(body.range())?;
                    crate::bytealg::Routine::of(body, t.params(), t.results())
                });
                if let Some(r) = routine {
                    found.routines.insert(body_index - 1, r);
                }
                if Some(index) == getsp {
                    let mut ops = body.get_operators_reader()?;
                    if let (Op::GlobalGet { global_index }, Op::End | Op::Return) =
                        (ops.read()?, ops.read()?)
                    {
                        found.sp_global = Some(global_index);
                    }
                }
                if Some(index) == resume {
                    let mut ops = body.get_operators_reader()?;
                    let mut last_call = None;
                    while !ops.eof() {
                        if let Op::Call { function_index } = ops.read()? {
                            last_call = Some(function_index);
                        }
                    }
                    let empty = |f: u32| {
                        type_of(&types, &func_types, imported_funcs, f)
                            .is_some_and(|t| t.params().is_empty() && t.results().is_empty())
                    };
                    found.go_loop = last_call.filter(|&f| empty(f));
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

/// `bytes` with every mutable global exported (and Go's dispatch loop, when found), and
/// what those exports are.
///
/// Fails (and the run then does not tier up) on modules this cannot carry over: no export
/// section, a mutable global of a reference type, names already taken.
pub fn export_globals(bytes: &[u8]) -> anyhow::Result<(Vec<u8>, Carry)> {
    use wasm_encoder::{ExportKind, ExportSection, RawSection};
    let found = survey(bytes)?;
    let go_registers = found.sp_global == Some(0)
        && found.own.len() >= GO_REGISTERS.len()
        && found.mutable.first() == Some(&0)
        && GO_REGISTERS
            .iter()
            .zip(&found.own)
            .all(|(want, (ty, mutable))| ty == want && *mutable);
    let mut out = wasm_encoder::Module::new();
    let mut exported = false;
    let mut carry = Carry::default();
    // The code section, rebuilt when a body is replaced: (section, bodies left to copy).
    let mut code: Option<(wasm_encoder::CodeSection, u32)> = None;
    let mut body_index = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.context("parsing the module")?;
        match &payload {
            Payload::CodeSectionStart { count, .. } if !found.routines.is_empty() => {
                code = Some((wasm_encoder::CodeSection::new(), *count));
                continue;
            }
            Payload::CodeSectionEntry(body) => {
                let index = body_index;
                body_index += 1;
                let Some((section, left)) = code.as_mut() else {
                    continue;
                };
                match found.routines.get(&index) {
                    Some(routine) => section.function(&routine.body()),
                    None => section.raw(
                        bytes
                            .get(body.range())
                            .context("a function body runs past the end of the module")?,
                    ),
                };
                *left -= 1;
                if *left == 0 {
                    out.section(&code.take().context("no code section")?.0);
                }
                continue;
            }
            Payload::Version { encoding, .. } => {
                if *encoding != wasmparser::Encoding::Module {
                    bail!("not a core module");
                }
                continue;
            }
            Payload::ExportSection(r) => {
                let mut section = ExportSection::new();
                for e in r.clone() {
                    let e = e?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => ExportKind::Func,
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        wasmparser::ExternalKind::Tag => ExportKind::Tag,
                    };
                    section.export(e.name, kind, e.index);
                }
                for &g in &found.mutable {
                    let name = format!("{GLOBAL_EXPORT_PREFIX}{g}");
                    section.export(&name, ExportKind::Global, g);
                    if Some(g) == found.sp_global {
                        carry.sp = Some(carry.globals.len());
                    }
                    if g == 2 && go_registers {
                        carry.g = Some(carry.globals.len());
                    }
                    carry.globals.push(name);
                }
                if let Some(f) = found.go_loop {
                    section.export(LOOP_EXPORT, ExportKind::Func, f);
                    carry.go_loop = true;
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
    Ok((out.finish(), carry))
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
        let (out, carry) = export_globals(&bytes).unwrap();
        assert_eq!(
            carry,
            Carry {
                globals: vec![
                    "gojs-harness:global:1".into(),
                    "gojs-harness:global:3".into()
                ],
                sp: None,
                g: None,
                go_loop: false,
            }
        );
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
        let (out, carry) = export_globals(&bytes).unwrap();
        let names = carry.globals;
        let digest: String = Sha256::digest(&out)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            (VERSION, names.len(), digest.as_str()),
            (
                "export-globals/3",
                2,
                "d0a7d497d24378dba1c38e5132f1e2e3b79d8375985960a18ff7abcf6356f347"
            ),
            "export_globals writes other bytes than before: if that is meant, bump \
             rewrite::VERSION (cached builds of rewritten modules are named by it) and \
             write the new digest here"
        );
    }

    /// The shape of a Go module's exports: `getsp` returns the stack pointer's global,
    /// `resume` ends by calling the dispatch loop.
    #[test]
    fn go_s_stack_pointer_and_dispatch_loop_are_found() {
        let bytes = wat(r#"(module
            (import "gojs" "runtime.nanotime1" (func (param i32)))
            (global $sp (mut i32) (i32.const 4096))
            (global $ctxt (mut i64) (i64.const 0))
            (global $g (mut i64) (i64.const 0))
            (global $ret0 (mut i64) (i64.const 0))
            (global $ret1 (mut i64) (i64.const 0))
            (global $ret2 (mut i64) (i64.const 0))
            (global $ret3 (mut i64) (i64.const 0))
            (global $pause (mut i32) (i32.const 0))
            (memory (export "mem") 1)
            (func $handle_event (param i32) (result i32) i32.const 0)
            (func $loop)
            (func (export "resume") i32.const 0 call $handle_event drop call $loop)
            (func (export "getsp") (result i32) global.get $sp))"#);
        let (out, carry) = export_globals(&bytes).unwrap();
        assert_eq!(
            carry,
            Carry {
                globals: (0..8).map(|i| format!("gojs-harness:global:{i}")).collect(),
                sp: Some(0),
                g: Some(2),
                go_loop: true,
            }
        );
        let module = Module::new(&Engine::default(), &out).unwrap();
        let ty = module.get_export(LOOP_EXPORT).unwrap();
        let f = ty.func().unwrap();
        assert_eq!((f.params().len(), f.results().len()), (0, 0));
        // Function 2 (after the import and $handle_event) is the loop.
        let index = Parser::new(0)
            .parse_all(&out)
            .find_map(|p| match p.unwrap() {
                Payload::ExportSection(r) => r
                    .into_iter()
                    .map(|e| e.unwrap())
                    .find(|e| e.name == LOOP_EXPORT)
                    .map(|e| e.index),
                _ => None,
            });
        assert_eq!(index, Some(2));
    }

    /// A `resume` whose last call takes parameters is not Go's loop: nothing is exported.
    #[test]
    fn a_loop_of_another_type_is_not_exported() {
        let bytes = wat(r#"(module
            (global $sp (mut i32) (i32.const 4096))
            (memory (export "mem") 1)
            (func $other (param i32))
            (func (export "resume") i32.const 0 call $other)
            (func (export "getsp") (result i32) global.get $sp i32.const 1 i32.add))"#);
        let (_, carry) = export_globals(&bytes).unwrap();
        assert_eq!((carry.sp, carry.g, carry.go_loop), (None, None, false));
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
