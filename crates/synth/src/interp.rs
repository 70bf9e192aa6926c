//! One fixed module that does what a [`ModuleSpec`]'s `run` steps say, reading them from its
//! linear memory: a host compiles it once and runs any number of specs by writing each
//! one's [`Program`] into memory before calling `run`, instead of compiling a module per spec
//! ([`crate::build`]). Fuzzing runs thousands of specs a second this way.
//!
//! For the specs it accepts ([`encode`]), a run prints byte for byte what the synthesized
//! module prints and calls the same imports with the same frames in the same order: the
//! same scratch addresses (hex table, the module's own `wasmWrite`/`wasmExit` frame, the hex
//! output buffer), the same `getsp`, slots stored in address order with `load` slots read at
//! run time, labels and `show` dumps after each call, and `wasmExit(exit)` at the end.
//! What differs is not visible to the imports' callers: the module imports every `gojs`
//! import (the synthesized one only those it calls), its memory has [`PAGES`] pages (the
//! program lives in the last, above every address the spec may touch), and the labels and
//! printed lines live in that last page rather than at 12288.
//!
//! Accepted: `imports = "gojs"`, every export present, memory exported as memory, no extra
//! imports, no raw bytes, no `resume` steps, `exit >= 0`, and every address the spec names
//! (data, frame slots, `load`s, shows) below [`PROGRAM`].

use anyhow::{Context, bail};

use super::spec::{DEFAULT_SP, ModuleSpec, Slot, hex};
use gojs_abi::imports::Import;
use gojs_abi::layout::{WRITE_LEN, wasm_exit, wasm_write};

/// Memory of the interpreter, in 64 KiB pages.
pub const PAGES: u32 = 4;
/// Where the program starts: the last page.
pub const PROGRAM: u32 = (PAGES - 1) * 65536;
const PROGRAM_END: u32 = PAGES * 65536;

// The synthesized module's scratch addresses (see `build.rs`).
const HEX_TABLE: u32 = 0x100;
const OWN_SP: u32 = 0x200;
const HEX_OUT: u32 = 0x400;

const OP_END: u32 = 0;
const OP_PRINT: u32 = 1;
const OP_EXIT: u32 = 2;
const OP_CALL: u32 = 3;

const SLOT_U8: u32 = 0;
const SLOT_I32: u32 = 1;
const SLOT_I64: u32 = 2;
const SLOT_LOAD: u32 = 3;

/// The imports the interpreter links, in table order: every `gojs` import.
fn imports() -> Vec<Import> {
    Import::ALL
        .into_iter()
        .filter(|i| *i != Import::Debug)
        .collect()
}

/// The interpreter module's bytes.
pub fn module() -> anyhow::Result<Vec<u8>> {
    let imps = imports();
    let mut w = String::from("(module\n  (type $sp (func (param i32)))\n");
    for i in &imps {
        w += &format!("  (import \"gojs\" \"{}\" (func (type $sp)))\n", i.name());
    }
    let exit = position(&imps, Import::WasmExit);
    let write = position(&imps, Import::WasmWrite);
    let elems: Vec<String> = (0..imps.len()).map(|i| i.to_string()).collect();
    w += &format!(
        r#"  (table {n} funcref)
  (elem (i32.const 0) func {elems})
  (memory (export "mem") {PAGES})
  (global $sp (mut i32) (i32.const {DEFAULT_SP}))
  (data (i32.const {HEX_TABLE}) "0123456789abcdef")
  (func $write (param $ptr i32) (param $len i32)
    (i64.store offset={fd} (i32.const {OWN_SP}) (i64.const 1))
    (i64.store offset={text} (i32.const {OWN_SP}) (i64.extend_i32_u (local.get $ptr)))
    (i32.store offset={text_len} (i32.const {OWN_SP}) (local.get $len))
    (call {write} (i32.const {OWN_SP})))
  (func $hexdump (param $addr i32) (param $len i32) (local $i i32) (local $b i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $b (i32.load8_u (i32.add (local.get $addr) (local.get $i))))
        (i32.store8 offset={HEX_OUT} (i32.shl (local.get $i) (i32.const 1))
          (i32.load8_u offset={HEX_TABLE} (i32.shr_u (local.get $b) (i32.const 4))))
        (i32.store8 offset={hex_out1} (i32.shl (local.get $i) (i32.const 1))
          (i32.load8_u offset={HEX_TABLE} (i32.and (local.get $b) (i32.const 15))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store8 offset={HEX_OUT} (i32.shl (local.get $len) (i32.const 1)) (i32.const 10))
    (call $write (i32.const {HEX_OUT})
      (i32.add (i32.shl (local.get $len) (i32.const 1)) (i32.const 1))))
  (func (export "run") (param i32 i32)
    (local $pc i32) (local $op i32) (local $n i32) (local $k i32) (local $a i32)
    (local $callee i32) (local $at i32)
    (local.set $pc (i32.const {PROGRAM}))
    (block $done
      (loop $next
        (local.set $op (i32.load (local.get $pc)))
        (br_if $done (i32.eq (local.get $op) (i32.const {OP_END})))
        (if (i32.eq (local.get $op) (i32.const {OP_PRINT}))
          (then
            (call $write (i32.load offset=4 (local.get $pc)) (i32.load offset=8 (local.get $pc)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 12)))
            (br $next)))
        (if (i32.eq (local.get $op) (i32.const {OP_EXIT}))
          (then
            (i32.store offset={code} (i32.const {OWN_SP}) (i32.load offset=4 (local.get $pc)))
            (call {exit} (i32.const {OWN_SP}))
            (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
            (br $next)))
        (local.set $callee (i32.load offset=4 (local.get $pc)))
        (local.set $at (i32.load offset=8 (local.get $pc)))
        (local.set $n (i32.load offset=12 (local.get $pc)))
        (local.set $k (i32.load offset=16 (local.get $pc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 20)))
        (global.set $sp (local.get $at))
        (block $slots_done
          (loop $slot
            (br_if $slots_done (i32.eqz (local.get $n)))
            (local.set $op (i32.load (local.get $pc)))
            (local.set $a (i32.load offset=4 (local.get $pc)))
            (if (i32.eq (local.get $op) (i32.const {SLOT_U8}))
              (then (i32.store8 (local.get $a) (i32.load offset=8 (local.get $pc)))))
            (if (i32.eq (local.get $op) (i32.const {SLOT_I32}))
              (then (i32.store (local.get $a) (i32.load offset=8 (local.get $pc)))))
            (if (i32.eq (local.get $op) (i32.const {SLOT_I64}))
              (then (i64.store (local.get $a) (i64.load offset=8 (local.get $pc)))))
            (if (i32.eq (local.get $op) (i32.const {SLOT_LOAD}))
              (then (i64.store (local.get $a) (i64.load (i32.load offset=8 (local.get $pc))))))
            (local.set $pc (i32.add (local.get $pc) (i32.const 16)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $slot)))
        (call_indirect (type $sp) (local.get $at) (local.get $callee))
        (block $shows_done
          (loop $show
            (br_if $shows_done (i32.eqz (local.get $k)))
            (call $write (i32.load (local.get $pc)) (i32.load offset=4 (local.get $pc)))
            (call $hexdump (i32.load offset=8 (local.get $pc)) (i32.load offset=12 (local.get $pc)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 16)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $show)))
        (br $next))))
  (func (export "resume"))
  (func (export "getsp") (result i32) (global.get $sp)))
"#,
        n = imps.len(),
        elems = elems.join(" "),
        fd = wasm_write::FD.off,
        text = wasm_write::TEXT.off,
        text_len = wasm_write::TEXT.off + WRITE_LEN,
        hex_out1 = HEX_OUT + 1,
        code = wasm_exit::CODE.off,
    );
    wat::parse_str(&w).context("the interpreter module")
}

fn position(imps: &[Import], i: Import) -> usize {
    imps.iter().position(|x| *x == i).unwrap_or(0)
}

/// A spec as the interpreter runs it: bytes to write into memory before `run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub init: Vec<(u32, Vec<u8>)>,
}

struct Encoder {
    code: Vec<u8>,
    texts: Vec<u8>,
}

impl Encoder {
    fn u32(&mut self, v: u32) {
        self.code.extend_from_slice(&v.to_le_bytes());
    }
    fn text(&mut self, bytes: &[u8]) -> (u32, u32) {
        // Placed after the code once its length is known: offsets from the text area.
        let at = self.texts.len() as u32;
        self.texts.extend_from_slice(bytes);
        (at, bytes.len() as u32)
    }
}

fn below(what: &str, end: u64) -> anyhow::Result<()> {
    if end > u64::from(PROGRAM) {
        bail!("{what} reaches {end}, where the interpreter keeps its program");
    }
    Ok(())
}

/// The program of `spec`, or why the interpreter cannot run it (then build the module).
pub fn encode(spec: &ModuleSpec) -> anyhow::Result<Program> {
    spec.check()?;
    if spec.imports != "gojs"
        || !spec.omit_exports.is_empty()
        || spec.mem_kind.is_some()
        || !spec.extra_imports.is_empty()
        || spec.raw_hex.is_some()
        || spec.raw_text.is_some()
        || !spec.resume.is_empty()
        || spec.exit < 0
    {
        bail!("the interpreter runs gojs specs with run steps only, every export and an exit");
    }
    let mem_end = u64::from(spec.pages) * 65536;
    let mut init = Vec::new();
    for d in &spec.data {
        let bytes = match (&d.text, &d.hex) {
            (Some(t), _) => t.as_bytes().to_vec(),
            (_, Some(h)) => hex(h).with_context(|| format!("data at {}", d.at))?,
            _ => Vec::new(),
        };
        let end = u64::from(d.at) + bytes.len() as u64;
        if end > mem_end {
            bail!("data at {} runs past the end of memory", d.at);
        }
        below("data", end)?;
        init.push((d.at, bytes));
    }
    let imps = imports();
    let mut e = Encoder {
        code: Vec::new(),
        texts: Vec::new(),
    };
    // Text offsets to patch once the code's length is known: (position in code, text offset).
    let mut patches: Vec<usize> = Vec::new();
    for step in &spec.run {
        if let Some(line) = &step.print {
            let (at, len) = e.text(format!("{line}\n").as_bytes());
            e.u32(OP_PRINT);
            patches.push(e.code.len());
            e.u32(at);
            e.u32(len);
            continue;
        }
        if let Some(code) = step.exit {
            e.u32(OP_EXIT);
            e.u32(code as u32);
            continue;
        }
        let Some(name) = &step.call else { continue };
        let Some(callee) = imps.iter().position(|i| i.name() == name) else {
            bail!("the interpreter does not import {name}");
        };
        let sp = step.sp.unwrap_or(DEFAULT_SP);
        let slots = step.slots();
        e.u32(OP_CALL);
        e.u32(callee as u32);
        e.u32(sp);
        e.u32(slots.len() as u32);
        e.u32(step.show.len() as u32);
        for (off, slot) in slots {
            let addr = u64::from(sp) + u64::from(off);
            let (kind, width, value) = match slot {
                Slot::U8(v) => (SLOT_U8, 1, u64::from(v)),
                Slot::I32(v) => (SLOT_I32, 4, u64::from(v as u32)),
                Slot::I64(v) => (SLOT_I64, 8, v as u64),
                Slot::F64(v) => (SLOT_I64, 8, v.to_bits()),
                Slot::Load(a) => {
                    below("a load slot's source", u64::from(a) + 8)?;
                    (SLOT_LOAD, 8, u64::from(a))
                }
            };
            below("a frame slot", addr + width)?;
            e.u32(kind);
            e.u32(addr as u32);
            e.code.extend_from_slice(&value.to_le_bytes());
        }
        for show in &step.show {
            let (at, len) = e.text(format!("{}: ", show.label).as_bytes());
            let from = if show.abs {
                u64::from(show.at)
            } else {
                u64::from(sp) + u64::from(show.at)
            };
            below("a show", from + u64::from(show.len))?;
            patches.push(e.code.len());
            e.u32(at);
            e.u32(len);
            e.u32(from as u32);
            e.u32(show.len);
        }
    }
    e.u32(OP_EXIT);
    e.u32(spec.exit as u32);
    e.u32(OP_END);
    let texts_at = PROGRAM + e.code.len() as u32;
    for p in patches {
        let off = u32::from_le_bytes(e.code[p..p + 4].try_into().unwrap_or([0; 4]));
        e.code[p..p + 4].copy_from_slice(&(texts_at + off).to_le_bytes());
    }
    if u64::from(texts_at) + e.texts.len() as u64 > u64::from(PROGRAM_END) {
        bail!("the program does not fit the interpreter's last page");
    }
    let mut program = e.code;
    program.extend_from_slice(&e.texts);
    init.push((PROGRAM, program));
    Ok(Program { init })
}
