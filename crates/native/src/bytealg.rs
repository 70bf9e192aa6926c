//! Faster bodies for two routines of Go's `internal/bytealg` that compare memory a byte at
//! a time: `memeqbody` (behind `==` on strings, `bytes.Equal`, map keys) and `memcmp`
//! (behind `strings.Compare`, `bytes.Compare`, `<` on strings). Go writes them by hand in
//! wasm assembly (`internal/bytealg/equal_wasm.s`, `compare_wasm.s`); a string comparison
//! in a Go test binary spends nearly all its time in them (98.6 % of `strings`'
//! `TestCompareStrings`), and no engine here or in V8 turns the byte loop into a faster one.
//!
//! The bodies below compare eight bytes at a time while eight are left, then finish byte by
//! byte as Go does: for every input Go passes (two ranges of linear memory, each in
//! bounds) they return what Go's bodies return. They read no byte outside the ranges Go's would
//! read in full; where Go's stops at the first difference, these may read up to seven more
//! bytes of the same ranges, so a range running past the end of memory (which no Go slice
//! does) can trap a few bytes earlier than Go's would.
//!
//! The rewrite ([`crate::rewrite::export_globals`]) replaces a function only when its body
//! is, byte for byte, what Go's assembler writes for the routine and its type is the one
//! Go's linker gives it (`cmd/link/internal/wasm`'s `wasmFuncTypes`). Bodies are matched,
//! not names: `go test` and `go run` link without the name section. A release whose
//! assembler writes other bytes keeps Go's bodies.

use wasm_encoder::{BlockType, Function, Instruction as I, MemArg, ValType};

/// A routine with a faster body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routine {
    /// `memeqbody(a, b, len i64) i64`: 1 when the `len` bytes at `a` and `b` are equal.
    Memeqbody,
    /// `memcmp(a, b, len i32) i32`: the difference of the first bytes that differ (as
    /// unsigned bytes), or 0.
    Memcmp,
}

/// Go's bodies (local declarations and code, as a code section entry holds them), as its
/// assembler writes them from `internal/bytealg/equal_wasm.s` and `compare_wasm.s`: the
/// same bytes in the modules of Go 1.21.13, 1.22.12, 1.23.12, 1.24.11, 1.25.5 and 1.26.8.
const GO_MEMEQBODY: &str = "002000200151044042010f0b0340200250044042010f0b2000a73100002001a731\
    000052044042000f0b200042017c2100200142017c2101200242017d21020c000b00000b";
const GO_MEMCMP: &str = "01027f2002047f034020002c0000220320012c00002204460440200041016a21002001\
    41016a210141002002417f6a2202450d031a0c010b0b200341ff0171200441ff01716b0541000b0f000b";

impl Routine {
    /// The routine a function with this body and type is, if it is one.
    pub fn of(
        body: &[u8],
        params: &[wasmparser::ValType],
        results: &[wasmparser::ValType],
    ) -> Option<Routine> {
        use wasmparser::ValType::{I32, I64};
        let (routine, go) = match (params, results) {
            ([I64, I64, I64], [I64]) => (Routine::Memeqbody, GO_MEMEQBODY),
            ([I32, I32, I32], [I32]) => (Routine::Memcmp, GO_MEMCMP),
            _ => return None,
        };
        is_hex_of(go, body).then_some(routine)
    }

    /// The faster body.
    pub fn body(self) -> Function {
        let mut f = match self {
            Routine::Memeqbody => memeqbody(),
            Routine::Memcmp => memcmp(),
        };
        f.instruction(&I::End);
        f
    }
}

/// Whether `hex` (whitespace aside) spells `bytes`.
fn is_hex_of(hex: &str, bytes: &[u8]) -> bool {
    let mut digits = hex
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| (b as char).to_digit(16));
    let mut n = 0;
    while let (Some(Some(hi)), Some(Some(lo))) = (digits.next(), digits.next()) {
        if bytes.get(n) != Some(&((hi * 16 + lo) as u8)) {
            return false;
        }
        n += 1;
    }
    n == bytes.len()
}

/// `a += by; b += by; len -= by` on locals 0, 1 and 2, of i64 (`wide`) or i32.
fn advance(f: &mut Function, by: i32, wide: bool) {
    let (add, sub) = if wide {
        (I::I64Add, I::I64Sub)
    } else {
        (I::I32Add, I::I32Sub)
    };
    for (l, op) in [(0, &add), (1, &add), (2, &sub)] {
        f.instruction(&I::LocalGet(l));
        f.instruction(&if wide {
            I::I64Const(by.into())
        } else {
            I::I32Const(by)
        });
        f.instruction(op);
        f.instruction(&I::LocalSet(l));
    }
}

fn mem(align: u32) -> MemArg {
    MemArg {
        offset: 0,
        align,
        memory_index: 0,
    }
}

/// Locals: 0 `a`, 1 `b`, 2 `len` (i64).
fn memeqbody() -> Function {
    let mut f = Function::new([]);
    let (a, b, n) = (0, 1, 2);
    // Equal addresses: equal bytes.
    f.instruction(&I::LocalGet(a));
    f.instruction(&I::LocalGet(b));
    f.instruction(&I::I64Eq);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I64Const(1));
    f.instruction(&I::Return);
    f.instruction(&I::End);
    // Eight bytes at a time while eight are left.
    f.instruction(&I::Block(BlockType::Empty));
    f.instruction(&I::Loop(BlockType::Empty));
    f.instruction(&I::LocalGet(n));
    f.instruction(&I::I64Const(8));
    f.instruction(&I::I64LtU);
    f.instruction(&I::BrIf(1));
    for l in [a, b] {
        f.instruction(&I::LocalGet(l));
        f.instruction(&I::I32WrapI64);
        f.instruction(&I::I64Load(mem(0)));
    }
    f.instruction(&I::I64Ne);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I64Const(0));
    f.instruction(&I::Return);
    f.instruction(&I::End);
    advance(&mut f, 8, true);
    f.instruction(&I::Br(0));
    f.instruction(&I::End);
    f.instruction(&I::End);
    // The rest byte by byte, as Go's loop.
    f.instruction(&I::Loop(BlockType::Empty));
    f.instruction(&I::LocalGet(n));
    f.instruction(&I::I64Eqz);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I64Const(1));
    f.instruction(&I::Return);
    f.instruction(&I::End);
    for l in [a, b] {
        f.instruction(&I::LocalGet(l));
        f.instruction(&I::I32WrapI64);
        f.instruction(&I::I64Load8U(mem(0)));
    }
    f.instruction(&I::I64Ne);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I64Const(0));
    f.instruction(&I::Return);
    f.instruction(&I::End);
    advance(&mut f, 1, true);
    f.instruction(&I::Br(0));
    f.instruction(&I::End);
    f.instruction(&I::Unreachable);
    f
}

/// Locals: 0 `a`, 1 `b`, 2 `len` (i32), then 3 and 4, the bytes compared.
fn memcmp() -> Function {
    let mut f = Function::new([(2, ValType::I32)]);
    let (a, b, n, x, y) = (0, 1, 2, 3, 4);
    // Eight bytes at a time while eight are left and they are equal; the eight that differ
    // are gone through by the byte loop, which finds the first that differs.
    f.instruction(&I::Block(BlockType::Empty));
    f.instruction(&I::Loop(BlockType::Empty));
    f.instruction(&I::LocalGet(n));
    f.instruction(&I::I32Const(8));
    f.instruction(&I::I32LtU);
    f.instruction(&I::BrIf(1));
    for l in [a, b] {
        f.instruction(&I::LocalGet(l));
        f.instruction(&I::I64Load(mem(0)));
    }
    f.instruction(&I::I64Ne);
    f.instruction(&I::BrIf(1));
    advance(&mut f, 8, false);
    f.instruction(&I::Br(0));
    f.instruction(&I::End);
    f.instruction(&I::End);
    f.instruction(&I::Loop(BlockType::Empty));
    f.instruction(&I::LocalGet(n));
    f.instruction(&I::I32Eqz);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I32Const(0));
    f.instruction(&I::Return);
    f.instruction(&I::End);
    for (l, into) in [(a, x), (b, y)] {
        f.instruction(&I::LocalGet(l));
        f.instruction(&I::I32Load8U(mem(0)));
        f.instruction(&I::LocalSet(into));
    }
    f.instruction(&I::LocalGet(x));
    f.instruction(&I::LocalGet(y));
    f.instruction(&I::I32Ne);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::LocalGet(x));
    f.instruction(&I::LocalGet(y));
    f.instruction(&I::I32Sub);
    f.instruction(&I::Return);
    f.instruction(&I::End);
    advance(&mut f, 1, false);
    f.instruction(&I::Br(0));
    f.instruction(&I::End);
    f.instruction(&I::Unreachable);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Instance, Module, Store};

    /// Go's two routines, the bytes its assembler writes, each behind an export.
    fn go_s() -> Vec<u8> {
        use wasm_encoder::{
            CodeSection, ExportKind, ExportSection, Function, FunctionSection, MemorySection,
            MemoryType, Module, TypeSection,
        };
        let hex = |h: &str| -> Vec<u8> {
            let d: Vec<u8> = h.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            d.chunks(2)
                .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
                .collect()
        };
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I64; 3], [ValType::I64]);
        types.ty().function([ValType::I32; 3], [ValType::I32]);
        m.section(&types);
        let mut funcs = FunctionSection::new();
        for t in [0, 1, 0, 1] {
            funcs.function(t);
        }
        m.section(&funcs);
        let mut mems = MemorySection::new();
        mems.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&mems);
        let mut exports = ExportSection::new();
        exports.export("mem", ExportKind::Memory, 0);
        exports.export("eq", ExportKind::Func, 2);
        exports.export("cmp", ExportKind::Func, 3);
        m.section(&exports);
        let mut code = CodeSection::new();
        code.raw(&hex(super::GO_MEMEQBODY));
        code.raw(&hex(super::GO_MEMCMP));
        for callee in [0, 1] {
            let mut f = Function::new([]);
            for l in 0..3 {
                f.instruction(&I::LocalGet(l));
            }
            f.instruction(&I::Call(callee));
            f.instruction(&I::End);
            code.function(&f);
        }
        m.section(&code);
        m.finish()
    }

    struct Both {
        store: Store<()>,
        go: Instance,
        fast: Instance,
    }

    impl Both {
        fn new() -> Both {
            let go = go_s();
            let (fast, _) = crate::rewrite::export_globals(&go).unwrap();
            assert_ne!(go, fast, "the rewrite replaced nothing");
            let engine = Engine::default();
            let mut store = Store::new(&engine, ());
            let go = Instance::new(&mut store, &Module::new(&engine, &go).unwrap(), &[]).unwrap();
            let fast =
                Instance::new(&mut store, &Module::new(&engine, &fast).unwrap(), &[]).unwrap();
            Both { store, go, fast }
        }

        fn fill(&mut self, bytes: &[u8]) {
            for i in [self.go, self.fast] {
                let mem = i.get_memory(&mut self.store, "mem").unwrap();
                mem.write(&mut self.store, 0, bytes).unwrap();
            }
        }

        fn eq(&mut self, a: i64, b: i64, n: i64) -> (i64, i64) {
            let mut call = |i: Instance| {
                i.get_typed_func::<(i64, i64, i64), i64>(&mut self.store, "eq")
                    .unwrap()
                    .call(&mut self.store, (a, b, n))
                    .unwrap()
            };
            (call(self.go), call(self.fast))
        }

        fn cmp(&mut self, a: i32, b: i32, n: i32) -> (i32, i32) {
            let mut call = |i: Instance| {
                i.get_typed_func::<(i32, i32, i32), i32>(&mut self.store, "cmp")
                    .unwrap()
                    .call(&mut self.store, (a, b, n))
                    .unwrap()
            };
            (call(self.go), call(self.fast))
        }
    }

    /// For ranges of every length up to 40 at unaligned offsets, equal or differing at any
    /// byte (by more or less than 128, so that signedness would show), both routines return
    /// what Go's return.
    #[test]
    fn the_faster_routines_return_what_go_s_return() {
        let mut both = Both::new();
        let base: Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
        let (a, b) = (3usize, 101usize);
        let mut checked = 0;
        for len in 0..40usize {
            for diff in (0..len).map(Some).chain([None]) {
                for delta in [1u8, 200] {
                    let mut mem = vec![0u8; 256];
                    mem[a..a + len].copy_from_slice(&base[..len]);
                    mem[b..b + len].copy_from_slice(&base[..len]);
                    if let Some(d) = diff {
                        mem[b + d] = mem[b + d].wrapping_add(delta);
                    }
                    both.fill(&mem);
                    let (go, fast) = both.eq(a as i64, b as i64, len as i64);
                    assert_eq!(fast, go, "memeqbody, len {len}, differing at {diff:?}");
                    let (go, fast) = both.cmp(a as i32, b as i32, len as i32);
                    assert_eq!(fast, go, "memcmp, len {len}, differing at {diff:?}");
                    let (go, fast) = both.cmp(b as i32, a as i32, len as i32);
                    assert_eq!(fast, go, "memcmp, len {len}, differing at {diff:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1500);
        // The same range on both sides.
        assert_eq!(both.eq(5, 5, 100), (1, 1));
        assert_eq!(both.cmp(5, 5, 100), (0, 0));
    }

    /// A function of the routine's type but not of Go's bytes is kept.
    #[test]
    fn another_body_is_kept() {
        let other = wat::parse_str(
            r#"(module (memory 1)
                (func $memcmp (param i32 i32 i32) (result i32) (local i32 i32) i32.const 7)
                (func (export "f") (result i32) i32.const 0 i32.const 0 i32.const 0 call $memcmp))"#,
        )
        .unwrap();
        let (out, _) = crate::rewrite::export_globals(&other).unwrap();
        let bodies = |m: &[u8]| -> Vec<Vec<u8>> {
            wasmparser::Parser::new(0)
                .parse_all(m)
                .filter_map(|p| match p.unwrap() {
                    wasmparser::Payload::CodeSectionEntry(b) => Some(m[b.range()].to_vec()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(bodies(&out), bodies(&other));
    }
}
