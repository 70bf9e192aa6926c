//! Safe points for a run on the interpreter: the entry of every Go function, where the run
//! can leave the interpreter even while a goroutine computes without calling an import.
//!
//! Go's code for `GOARCH=wasm` keeps nothing in wasm locals across a call: the caller stores
//! every live value on Go's stack (linear memory) and pushes the address to return to, and
//! the callee gets its arguments from Go's stack. At a function's entry, then, the whole of
//! the program's state is linear memory and the globals, plus which function is being
//! entered. Go's dispatch loop (`wasm_pc_f_loop`) calls the function whose `PC` is stored
//! just below Go's `SP` (which is how `gogo` starts a goroutine), so the function can be
//! entered again from the loop of another instance: store its `PC` (its table index in the
//! high half, block 0) at `SP - 8` and enter the loop with the same `SP`.
//!
//! [`instrument`] adds two globals to the (already rewritten, see [`crate::rewrite`])
//! module: `want` (set by the host when it wants the run to move) and `pc`. Each Go function
//! (of type `(i32) -> i32`, its parameter the block to resume at, in the table) that is not
//! called directly by an export begins with: if entered at block 0 and `want` is set, store
//! the function's `PC` in `pc` and trap. The host then carries memory and globals over as at
//! a `runtime.nanotime1` call. The check costs the interpreter four instructions a call.
//!
//! The functions an export calls directly (`rt0_go` from `run`, `handleEvent` from
//! `resume`) are left alone: they are entered by a plain wasm call, with no address to
//! return to on Go's stack.

use std::collections::HashSet;

use anyhow::{Context as _, bail};
use wasm_encoder::{CodeSection, ExportKind, ExportSection, GlobalSection, RawSection};
use wasmparser::{Parser, Payload};

/// The export of the global the host sets to ask for a move at the next function entry.
pub const WANT_EXPORT: &str = "gojs_safepoint_want";
/// The export of the global holding the `PC` of the function whose entry trapped (0: none).
pub const PC_EXPORT: &str = "gojs_safepoint_pc";

/// `bytes` with a safe point at the entry of each Go function (see the module's docs).
pub fn instrument(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    use wasmparser::Operator as Op;
    // First pass: types, function types, globals, the table's functions and the functions
    // exports call.
    let mut go_types = Vec::new();
    let mut func_types = Vec::new();
    let mut imported_funcs = 0u32;
    let mut globals = 0u32;
    let mut slot_of = std::collections::HashMap::new();
    let mut exported = HashSet::new();
    let mut called_by_exports = HashSet::new();
    let mut body_index = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.context("parsing the module")? {
            Payload::TypeSection(r) => {
                for t in r.into_iter_err_on_gc_types() {
                    let t = t?;
                    go_types.push(
                        t.params() == [wasmparser::ValType::I32]
                            && t.results() == [wasmparser::ValType::I32],
                    );
                }
            }
            Payload::ImportSection(r) => {
                for i in r {
                    match i?.ty {
                        wasmparser::TypeRef::Func(_) => imported_funcs += 1,
                        wasmparser::TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    func_types.push(t?);
                }
            }
            Payload::GlobalSection(r) => globals += r.count(),
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    if e.kind == wasmparser::ExternalKind::Func {
                        exported.insert(e.index);
                    }
                }
            }
            Payload::ElementSection(r) => {
                for e in r {
                    let e = e?;
                    let wasmparser::ElementKind::Active {
                        table_index: None | Some(0),
                        offset_expr,
                    } = e.kind
                    else {
                        continue;
                    };
                    let mut ops = offset_expr.get_operators_reader();
                    let Ok(Op::I32Const { value: offset }) = ops.read() else {
                        continue;
                    };
                    if let wasmparser::ElementItems::Functions(fs) = e.items {
                        for (i, f) in fs.into_iter().enumerate() {
                            slot_of
                                .entry(f?)
                                .or_insert((offset as u32).wrapping_add(i as u32));
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index = imported_funcs + body_index;
                body_index += 1;
                if exported.contains(&index) {
                    let mut ops = body.get_operators_reader()?;
                    while !ops.eof() {
                        if let Op::Call { function_index } = ops.read()? {
                            called_by_exports.insert(function_index);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let (want, pc) = (globals, globals + 1);
    let is_go = |f: u32| {
        f.checked_sub(imported_funcs)
            .and_then(|i| func_types.get(i as usize))
            .and_then(|&t| go_types.get(t as usize))
            .copied()
            .unwrap_or(false)
    };

    // Second pass: the same sections, with the globals, their exports and the checks added.
    let mut out = wasm_encoder::Module::new();
    let mut code: Option<CodeSection> = None;
    let mut had_globals = false;
    let mut body_index = 0u32;
    let flush_globals = |out: &mut wasm_encoder::Module, existing: Option<&[u8]>| {
        if let Some(raw) = existing {
            // A global section's contents are a count and the globals: copy the globals.
            let mut reader = wasmparser::BinaryReader::new(raw, 0);
            let count = reader.read_var_u32()?;
            let rest = &raw[reader.current_position()..];
            let mut bytes = Vec::new();
            wasm_encoder::Encode::encode(&(count + 2), &mut bytes);
            bytes.extend_from_slice(rest);
            let ty = wasm_encoder::GlobalType {
                val_type: wasm_encoder::ValType::I32,
                mutable: true,
                shared: false,
            };
            for _ in 0..2 {
                wasm_encoder::Encode::encode(&ty, &mut bytes);
                bytes.extend_from_slice(&[0x41, 0x00, 0x0b]);
            }
            out.section(&RawSection {
                id: wasm_encoder::SectionId::Global as u8,
                data: &bytes,
            });
            return anyhow::Ok(());
        }
        let mut section = GlobalSection::new();
        for _ in 0..2 {
            section.global(
                wasm_encoder::GlobalType {
                    val_type: wasm_encoder::ValType::I32,
                    mutable: true,
                    shared: false,
                },
                &wasm_encoder::ConstExpr::i32_const(0),
            );
        }
        out.section(&section);
        Ok(())
    };
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.context("parsing the module")?;
        match &payload {
            Payload::Version { .. } => continue,
            Payload::GlobalSection(r) => {
                let range = r.range();
                flush_globals(&mut out, bytes.get(range.start..range.end))?;
                had_globals = true;
                continue;
            }
            Payload::ExportSection(r) => {
                if !had_globals {
                    flush_globals(&mut out, None)?;
                    had_globals = true;
                }
                let mut section = ExportSection::new();
                for e in r.clone() {
                    let e = e?;
                    if e.name == WANT_EXPORT || e.name == PC_EXPORT {
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
                section.export(WANT_EXPORT, ExportKind::Global, want);
                section.export(PC_EXPORT, ExportKind::Global, pc);
                out.section(&section);
                continue;
            }
            Payload::CodeSectionStart { .. } => {
                code = Some(CodeSection::new());
                continue;
            }
            Payload::CodeSectionEntry(body) => {
                let index = imported_funcs + body_index;
                body_index += 1;
                let raw = bytes
                    .get(body.range())
                    .context("a function body runs past the end of the module")?;
                let section = code
                    .as_mut()
                    .context("a function body outside the code section")?;
                let slot = slot_of.get(&index).copied();
                match slot.filter(|_| is_go(index) && !called_by_exports.contains(&index)) {
                    Some(slot) => {
                        // Locals come first; the check goes before the first instruction.
                        let mut locals = body.get_locals_reader()?;
                        for _ in 0..locals.get_count() {
                            locals.read()?;
                        }
                        let split = locals.original_position() - body.range().start;
                        let mut f = Vec::with_capacity(raw.len() + 24);
                        f.extend_from_slice(&raw[..split]);
                        check(&mut f, want, pc, slot);
                        f.extend_from_slice(&raw[split..]);
                        section.raw(&f);
                    }
                    None => {
                        section.raw(raw);
                    }
                }
                if body_index as usize == func_types.len() {
                    out.section(code.as_ref().context("no code section")?);
                }
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
    Ok(out.finish())
}

/// `if (block == 0 && want) { pc = PC; unreachable }`, for the function in table slot
/// `slot`.
fn check(f: &mut Vec<u8>, want: u32, pc: u32, slot: u32) {
    use wasm_encoder::Encode as _;
    f.extend_from_slice(&[0x20, 0x00, 0x45, 0x23]); // local.get 0; i32.eqz; global.get
    want.encode(f);
    f.extend_from_slice(&[0x71, 0x04, 0x40, 0x41]); // i32.and; if; i32.const
    (slot.wrapping_shl(16) as i32).encode(f);
    f.push(0x24); // global.set
    pc.encode(f);
    f.extend_from_slice(&[0x00, 0x0b]); // unreachable; end
}
