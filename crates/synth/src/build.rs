//! Encoding a [`ModuleSpec`] as a wasm module with wasm-encoder.
//!
//! The module uses only MVP instructions, so every engine and every glue can load it.
//! Memory map: the module's scratch data lives below 4096 (the host writes argv and env at
//! 4096..12288); labels and printed lines at 12288..16384; the case's own data from 16384.

use anyhow::{Context, bail};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction as I, MemArg,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};

use super::spec::{DEFAULT_SP, FIRST_FREE, ModuleSpec, SCRATCH, Slot, Step, hex};

const HEX_TABLE: u32 = 0x100;
/// The frame the module passes to `runtime.wasmWrite` and `runtime.wasmExit`.
const OWN_SP: u32 = 0x200;
const HEX_OUT: u32 = 0x400;
const TEXTS_END: u32 = FIRST_FREE;

/// The module's bytes.
pub fn build(spec: &ModuleSpec) -> anyhow::Result<Vec<u8>> {
    spec.check()?;
    if spec.imports == "release" {
        // No release given (trials resolve it first): the current generation.
        return build(&ModuleSpec {
            imports: "gojs".to_string(),
            ..spec.clone()
        });
    }
    if let Some(h) = &spec.raw_hex {
        return hex(h);
    }
    if let Some(t) = &spec.raw_text {
        return Ok(t.as_bytes().to_vec());
    }
    Builder::new(spec).finish()
}

struct Builder<'a> {
    spec: &'a ModuleSpec,
    /// (module, name) of each imported function, in index order.
    imports: Vec<(String, String)>,
    texts: Vec<(u32, Vec<u8>)>,
    next_text: u32,
}

// Function indices after the imports.
const F_WRITE: u32 = 0;
const F_HEXDUMP: u32 = 1;
const F_RUN: u32 = 2;
const F_RESUME: u32 = 3;
const F_GETSP: u32 = 4;

// Type indices.
const T_SP: u32 = 0; // (i32) -> ()
const T_VOID: u32 = 1; // () -> ()
const T_GETSP: u32 = 2; // () -> i32
const T_PAIR: u32 = 3; // (i32, i32) -> ()

impl<'a> Builder<'a> {
    fn new(spec: &'a ModuleSpec) -> Self {
        let module = spec.imports.clone();
        let mut imports = Vec::new();
        if module == "go" {
            imports.push((module.clone(), "debug".to_string()));
        }
        let mut add = |name: &str| {
            if !imports.iter().any(|(m, n)| *m == module && n == name) {
                imports.push((module.clone(), name.to_string()));
            }
        };
        add("runtime.wasmExit");
        add("runtime.wasmWrite");
        for step in spec.run.iter().chain(&spec.resume) {
            if let Some(c) = &step.call {
                add(c);
            }
        }
        for extra in &spec.extra_imports {
            let (m, n) = extra.split_once('.').unwrap_or(("env", extra));
            imports.push((m.to_string(), n.to_string()));
        }
        Builder {
            spec,
            imports,
            texts: Vec::new(),
            next_text: SCRATCH,
        }
    }

    fn import_index(&self, name: &str) -> u32 {
        self.imports
            .iter()
            .position(|(m, n)| *m == self.spec.imports && n == name)
            .expect("every called import was added in new()") as u32
    }

    fn own(&self, f: u32) -> u32 {
        self.imports.len() as u32 + f
    }

    /// Place `bytes` in the text area, returning its address.
    fn text(&mut self, bytes: Vec<u8>) -> anyhow::Result<u32> {
        let at = self.next_text;
        let end = at as usize + bytes.len();
        if end > TEXTS_END as usize {
            bail!(
                "the labels and printed lines of this module exceed {} bytes",
                TEXTS_END - SCRATCH
            );
        }
        self.next_text = end as u32;
        self.texts.push((at, bytes));
        Ok(at)
    }

    fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], []);
        types.ty().function([], []);
        types.ty().function([], [ValType::I32]);
        types.ty().function([ValType::I32, ValType::I32], []);

        let mut imports = ImportSection::new();
        for (m, n) in &self.imports {
            imports.import(m, n, EntityType::Function(T_SP));
        }

        let mut funcs = FunctionSection::new();
        for t in [T_PAIR, T_PAIR, T_PAIR, T_VOID, T_GETSP] {
            funcs.function(t);
        }

        let mut memory = MemorySection::new();
        memory.memory(MemoryType {
            minimum: u64::from(self.spec.pages),
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });

        let mut globals = GlobalSection::new();
        globals.global(
            GlobalType {
                val_type: ValType::I32,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i32_const(DEFAULT_SP as i32),
        );

        let run = self.steps(&self.spec.run.clone(), true)?;
        let resume = self.steps(&self.spec.resume.clone(), false)?;
        let mut code = CodeSection::new();
        code.function(&self.write_fn());
        code.function(&self.hexdump_fn());
        code.function(&run);
        code.function(&resume);
        let mut getsp = Function::new([]);
        getsp.instruction(&I::GlobalGet(0));
        getsp.instruction(&I::End);
        code.function(&getsp);

        let mut exports = ExportSection::new();
        let omitted = |e: &str| self.spec.omit_exports.iter().any(|o| o == e);
        if !omitted("run") {
            exports.export("run", ExportKind::Func, self.own(F_RUN));
        }
        if !omitted("resume") {
            exports.export("resume", ExportKind::Func, self.own(F_RESUME));
        }
        if !omitted("getsp") {
            exports.export("getsp", ExportKind::Func, self.own(F_GETSP));
        }
        if !omitted("mem") {
            match self.spec.mem_kind.as_deref() {
                Some("global") => exports.export("mem", ExportKind::Global, 0),
                Some("function") => exports.export("mem", ExportKind::Func, self.own(F_GETSP)),
                _ => exports.export("mem", ExportKind::Memory, 0),
            };
        }

        let mut data = DataSection::new();
        data.active(
            0,
            &ConstExpr::i32_const(HEX_TABLE as i32),
            b"0123456789abcdef".iter().copied(),
        );
        for (at, bytes) in &self.texts {
            data.active(0, &ConstExpr::i32_const(*at as i32), bytes.iter().copied());
        }
        for d in &self.spec.data {
            let bytes = match (&d.text, &d.hex) {
                (Some(t), _) => t.as_bytes().to_vec(),
                (_, Some(h)) => hex(h).with_context(|| format!("data at {}", d.at))?,
                _ => Vec::new(),
            };
            let end = u64::from(d.at) + bytes.len() as u64;
            if end > u64::from(self.spec.pages) * 65536 {
                bail!("data at {} runs past the end of memory", d.at);
            }
            data.active(0, &ConstExpr::i32_const(d.at as i32), bytes);
        }

        let mut m = Module::new();
        m.section(&types);
        m.section(&imports);
        m.section(&funcs);
        m.section(&memory);
        m.section(&globals);
        m.section(&exports);
        m.section(&code);
        m.section(&data);
        Ok(m.finish())
    }

    /// `write(ptr, len)`: `runtime.wasmWrite(fd 1, ptr, len)` through the module's own frame.
    fn write_fn(&self) -> Function {
        let wasm_write = self.import_index("runtime.wasmWrite");
        let mut f = Function::new([]);
        use gojs_abi::layout::{WRITE_LEN, wasm_write};
        let text = u64::from(wasm_write::TEXT.off);
        for ins in [
            I::I32Const(OWN_SP as i32),
            I::I64Const(1),
            I::I64Store(mem(u64::from(wasm_write::FD.off))),
            I::I32Const(OWN_SP as i32),
            I::LocalGet(0),
            I::I64ExtendI32U,
            I::I64Store(mem(text)),
            I::I32Const(OWN_SP as i32),
            I::LocalGet(1),
            I::I32Store(mem4(text + u64::from(WRITE_LEN))),
            I::I32Const(OWN_SP as i32),
            I::Call(wasm_write),
            I::End,
        ] {
            f.instruction(&ins);
        }
        f
    }

    /// `hexdump(addr, len)`: one line of lowercase hex, written to stdout.
    fn hexdump_fn(&self) -> Function {
        // Locals: 0 addr, 1 len, 2 i, 3 byte.
        let mut f = Function::new([(2, ValType::I32)]);
        let out = HEX_OUT as i32;
        let ins = [
            I::Block(wasm_encoder::BlockType::Empty),
            I::Loop(wasm_encoder::BlockType::Empty),
            I::LocalGet(2),
            I::LocalGet(1),
            I::I32GeU,
            I::BrIf(1),
            // byte = mem[addr + i]
            I::LocalGet(0),
            I::LocalGet(2),
            I::I32Add,
            I::I32Load8U(mem8(0)),
            I::LocalSet(3),
            // out[2i] = HEX[byte >> 4]
            I::LocalGet(2),
            I::I32Const(1),
            I::I32Shl,
            I::LocalGet(3),
            I::I32Const(4),
            I::I32ShrU,
            I::I32Load8U(mem8(HEX_TABLE as u64)),
            I::I32Store8(mem8(out as u64)),
            // out[2i+1] = HEX[byte & 15]
            I::LocalGet(2),
            I::I32Const(1),
            I::I32Shl,
            I::LocalGet(3),
            I::I32Const(15),
            I::I32And,
            I::I32Load8U(mem8(HEX_TABLE as u64)),
            I::I32Store8(mem8(out as u64 + 1)),
            I::LocalGet(2),
            I::I32Const(1),
            I::I32Add,
            I::LocalSet(2),
            I::Br(0),
            I::End,
            I::End,
            // out[2 len] = '\n'
            I::LocalGet(1),
            I::I32Const(1),
            I::I32Shl,
            I::I32Const(b'\n' as i32),
            I::I32Store8(mem8(out as u64)),
            I::I32Const(out),
            I::LocalGet(1),
            I::I32Const(1),
            I::I32Shl,
            I::I32Const(1),
            I::I32Add,
            I::Call(self.own(F_WRITE)),
            I::End,
        ];
        for i in &ins {
            f.instruction(i);
        }
        f
    }

    fn exit_call(&self, code: i32) -> [I<'static>; 5] {
        [
            I::I32Const(OWN_SP as i32),
            I::I32Const(code),
            I::I32Store(mem4(u64::from(gojs_abi::layout::wasm_exit::CODE.off))),
            I::I32Const(OWN_SP as i32),
            I::Call(self.import_index("runtime.wasmExit")),
        ]
    }

    fn steps(&mut self, steps: &[Step], is_run: bool) -> anyhow::Result<Function> {
        let mut body: Vec<I<'static>> = Vec::new();
        for step in steps {
            if let Some(line) = &step.print {
                let bytes = format!("{line}\n").into_bytes();
                let len = bytes.len() as i32;
                let at = self.text(bytes)?;
                body.extend([
                    I::I32Const(at as i32),
                    I::I32Const(len),
                    I::Call(self.own(F_WRITE)),
                ]);
                continue;
            }
            if let Some(code) = step.exit {
                body.extend(self.exit_call(code));
                continue;
            }
            let Some(name) = &step.call else { continue };
            let sp = step.sp.unwrap_or(DEFAULT_SP);
            body.extend([I::I32Const(sp as i32), I::GlobalSet(0)]);
            for (off, slot) in step.slots() {
                let addr = u64::from(sp) + u64::from(off);
                let Ok(addr) = u32::try_from(addr) else {
                    bail!("frame slot sp+{off} is beyond 4 GiB");
                };
                body.push(I::I32Const(addr as i32));
                body.extend(match slot {
                    Slot::U8(v) => vec![I::I32Const(i32::from(v)), I::I32Store8(mem8(0))],
                    Slot::I32(v) => vec![I::I32Const(v), I::I32Store(mem4(0))],
                    Slot::I64(v) => vec![I::I64Const(v), I::I64Store(mem(0))],
                    Slot::F64(v) => vec![I::F64Const(v.into()), I::F64Store(mem(0))],
                    Slot::Load(a) => vec![
                        I::I32Const(a as i32),
                        I::I64Load(mem(0)),
                        I::I64Store(mem(0)),
                    ],
                });
            }
            body.extend([I::I32Const(sp as i32), I::Call(self.import_index(name))]);
            for show in &step.show {
                let label = format!("{}: ", show.label).into_bytes();
                let len = label.len() as i32;
                let at = self.text(label)?;
                body.extend([
                    I::I32Const(at as i32),
                    I::I32Const(len),
                    I::Call(self.own(F_WRITE)),
                ]);
                let from = if show.abs {
                    u64::from(show.at)
                } else {
                    u64::from(sp) + u64::from(show.at)
                };
                let Ok(from) = u32::try_from(from) else {
                    bail!("show `{}` is beyond 4 GiB", show.label);
                };
                body.extend([
                    I::I32Const(from as i32),
                    I::I32Const(show.len as i32),
                    I::Call(self.own(F_HEXDUMP)),
                ]);
            }
        }
        if is_run && self.spec.exit >= 0 {
            body.extend(self.exit_call(self.spec.exit));
        }
        body.push(I::End);
        let mut f = Function::new([]);
        for i in &body {
            f.instruction(i);
        }
        Ok(f)
    }
}

fn mem(offset: u64) -> MemArg {
    MemArg {
        offset,
        align: 3,
        memory_index: 0,
    }
}

fn mem4(offset: u64) -> MemArg {
    MemArg {
        offset,
        align: 2,
        memory_index: 0,
    }
}

fn mem8(offset: u64) -> MemArg {
    MemArg {
        offset,
        align: 0,
        memory_index: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ModuleSpec {
        toml::from_str(text).unwrap()
    }

    /// Every module must load with no proposal enabled beyond the MVP and mutable globals.
    fn validate(bytes: &[u8]) {
        let features = wasmparser::WasmFeatures::MUTABLE_GLOBAL | wasmparser::WasmFeatures::FLOATS;
        wasmparser::Validator::new_with_features(features)
            .validate_all(bytes)
            .unwrap();
    }

    fn imports(bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            if let wasmparser::Payload::ImportSection(r) = payload.unwrap() {
                for imp in r {
                    let imp = imp.unwrap();
                    out.push(format!("{}.{}", imp.module, imp.name));
                }
            }
        }
        out
    }

    #[test]
    fn a_full_description_builds_a_valid_module() {
        let s = spec(
            r#"
            data = [{ at = 20000, text = "Object" }, { at = 20010, hex = "00ff" }]
            exit = 3
            [[run]]
            print = "start"
            [[run]]
            call = "syscall/js.valueGet"
            sp = 24000
            frame = { 8 = "ref global", 16 = "u64 20000", 24 = "u64 6", 40 = "u8 1", 44 = "i32 -1", 48 = "f64 nan", 56 = "load 20000" }
            show = [{ label = "r", at = 32, len = 8 }, { label = "m", at = 20000, len = 6, abs = true }]
            [[resume]]
            call = "runtime.nanotime1"
            "#,
        );
        let bytes = build(&s).unwrap();
        validate(&bytes);
        assert_eq!(
            imports(&bytes),
            [
                "gojs.runtime.wasmExit",
                "gojs.runtime.wasmWrite",
                "gojs.syscall/js.valueGet",
                "gojs.runtime.nanotime1"
            ]
        );
    }

    #[test]
    fn the_old_generation_imports_go_and_debug_first() {
        let bytes = build(&spec(
            "imports = \"go\"\n[[run]]\ncall = \"runtime.nanotime1\"\n",
        ))
        .unwrap();
        validate(&bytes);
        assert_eq!(imports(&bytes)[0], "go.debug");
        assert!(imports(&bytes).iter().all(|i| i.starts_with("go.")));
    }

    #[test]
    fn release_takes_the_generation_of_the_trial() {
        let s = spec("imports = \"release\"\n[[run]]\ncall = \"runtime.nanotime1\"\n");
        let old = build(&s.for_release(1, 19)).unwrap();
        assert_eq!(
            imports(&old),
            [
                "go.debug",
                "go.runtime.wasmExit",
                "go.runtime.wasmWrite",
                "go.runtime.nanotime1"
            ]
        );
        for (major, minor) in [(1, 21), (1, 27)] {
            let new = build(&s.for_release(major, minor)).unwrap();
            assert_eq!(
                imports(&new),
                [
                    "gojs.runtime.wasmExit",
                    "gojs.runtime.wasmWrite",
                    "gojs.runtime.nanotime1"
                ]
            );
        }
        assert_eq!(build(&s).unwrap(), build(&s.for_release(1, 21)).unwrap());
    }

    #[test]
    fn duplicate_and_unknown_imports_are_kept() {
        let s = spec("extra_imports = [\"gojs.runtime.wasmExit\", \"env.nope\"]\n");
        let bytes = build(&s).unwrap();
        validate(&bytes);
        let names = imports(&bytes);
        assert_eq!(
            names
                .iter()
                .filter(|n| *n == "gojs.runtime.wasmExit")
                .count(),
            2
        );
        assert!(names.contains(&"env.nope".to_string()));
    }

    #[test]
    fn raw_modules_are_taken_as_given_and_bad_descriptions_are_refused() {
        assert_eq!(build(&spec("raw_text = \"hello\"")).unwrap(), b"hello");
        assert_eq!(build(&spec("raw_hex = \"0061736d\"")).unwrap(), b"\0asm");
        for bad in [
            "imports = \"wasi\"",
            "pages = 0",
            "omit_exports = [\"start\"]",
            "mem_kind = \"table\"",
            "data = [{ at = 100, text = \"x\" }]",
            "data = [{ at = 20000 }]",
            "[[run]]\ncall = \"a\"\nprint = \"b\"",
            "[[run]]\nexit = 1\nprint = \"b\"",
            "[[run]]\nsp = 1",
            "[[run]]\ncall = \"a\"\nframe = { x = \"u8 1\" }",
            "[[run]]\ncall = \"a\"\nshow = [{ label = \"l\", at = 0, len = 0 }]",
        ] {
            assert!(build(&spec(bad)).is_err(), "accepted: {bad}");
        }
        let e = build(&spec(
            "pages = 1\ndata = [{ at = 65530, text = \"0123456789\" }]",
        ))
        .unwrap_err();
        assert!(format!("{e:#}").contains("past the end of memory"), "{e:#}");
    }
}
