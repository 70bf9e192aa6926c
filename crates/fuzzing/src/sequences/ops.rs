//! The operations of a sequence, as the fuzzer's bytes choose them ([`Op`], derived with
//! `Arbitrary`), and how each becomes a step of the synthesized module and a prediction of
//! the model. Choices that depend on what Go holds (which handle) are numbers, reduced modulo
//! the candidates when the operation is applied; an operation with no candidate is skipped.

use std::fmt::Write as _;

use arbitrary::{Arbitrary, Result as AResult};
use gojs_abi::layout::{
    self, copy_bytes_to_go, copy_bytes_to_js, finalize_ref, string_val, value_call, value_delete,
    value_get, value_index, value_instance_of, value_invoke, value_length, value_load_string,
    value_prepare_string, value_set, value_set_index,
};
use gojs_synth::frame::Frame;
use gojs_synth::spec::{Data, ModuleSpec, Show, Step, to_hex as hex};

use super::model::{Ctor, MV, Model, NUMBERS, OKind};

pub(super) const STRINGS: [&[u8]; 9] = [
    b"",
    b"a",
    b"k0",
    b"h\xc3\xa9llo",
    b"\xff",
    b"\xf0\x9f\x98\x80",
    b"\xed\xa0\x80",
    b"\xe2\x82",
    b"0",
];

pub(super) const KEYS: [&str; 4] = ["k0", "k1", "k2", "k3"];

/// Text from `STRINGS`: one of them, sometimes followed by another.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct Text {
    first: u8,
    second: Option<u8>,
}

impl Text {
    fn bytes(self) -> Vec<u8> {
        let pick = |i: u8| STRINGS[usize::from(i) % STRINGS.len()];
        let mut b = pick(self.first).to_vec();
        if let Some(s) = self.second {
            b.extend_from_slice(pick(s));
        }
        b
    }
}

/// A value passed to JS: a ref Go holds, or an immediate.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum ArgChoice {
    /// The handle this number picks (an immediate 0 when Go holds none).
    Held(u8),
    Undefined,
    Null,
    Bool(bool),
    /// The raw pattern of -0.0: `loadValue` reads it as `undefined`.
    NegZero,
    NaN,
    /// One of the numbers whose text the model knows (`NUMBERS`).
    Special(u8),
    /// An integer from -3 to 300.
    Int(u16),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum CtorChoice {
    Object,
    Array,
    Uint8Array,
}

impl CtorChoice {
    fn index(self) -> usize {
        self as usize
    }
    fn ctor(self) -> Ctor {
        [Ctor::Object, Ctor::Array, Ctor::Uint8Array][self.index()]
    }
}

/// The key of a `Get`: one of `KEYS`, or an array's `length` or element `1`.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum GetKey {
    Length,
    One,
    Key(u8),
}

/// One operation of a sequence.
#[derive(Debug, Clone, Arbitrary)]
pub enum Op {
    /// `js.ValueOf(string)`: `stringVal`.
    StringVal(Text),
    /// `C.New(args)` or `C.Invoke(args)` of `Object`, `Array` or `Uint8Array`. `shape` picks
    /// no arguments, one length, or (for `Array`) two to four elements from `args`.
    Construct {
        ctor: CtorChoice,
        with_new: bool,
        shape: u8,
        len: u8,
        args: [ArgChoice; 4],
    },
    /// `obj.Set(key, value)` on an object, array or byte array.
    Set {
        target: u8,
        key: u8,
        value: ArgChoice,
    },
    /// `obj.Get(key)` on an object, array or byte array.
    Get { target: u8, key: GetKey },
    /// `obj.Delete(key)` on a plain object.
    Delete { target: u8, key: u8 },
    /// `arr.Index(i)`, or with `set`, `arr.SetIndex(i, value)`, on an array or byte array.
    Index {
        target: u8,
        i: u8,
        set: Option<ArgChoice>,
    },
    /// `v.Length()` of anything held but `globalThis`.
    Length { target: u8 },
    /// `arr.Call("push", x)`, or on a plain object `obj.Call("nope", x)`, which throws.
    CallMethod { target: u8, arg: ArgChoice },
    /// `v.InstanceOf(C)`.
    InstanceOf { target: u8, ctor: CtorChoice },
    /// `js.CopyBytesToJS(v, text)`.
    CopyToJs { target: u8, src: Text },
    /// `js.CopyBytesToGo(buf[:len], v)`.
    CopyToGo { target: u8, len: u8 },
    /// `v.String()`: `valuePrepareString`, then `valueLoadString` into a buffer `extra` bytes
    /// longer than needed.
    JsString { target: u8, extra: u8 },
    /// `js.Global().Get("globalThis")`: Go wraps the predefined id 5 with a finalizer (flag
    /// object) and finalizes it when collected; its count must not drop.
    GlobalThis,
    /// Go collects a Value (one of those held beyond the three constructors).
    Finalize { target: u8 },
}

/// A value Go holds a reference to, and where its ref sits in memory.
#[derive(Debug, Clone)]
struct Handle {
    addr: u32,
    v: MV,
    bits: u64,
}

/// A resolved argument.
#[derive(Debug, Clone)]
enum Arg {
    Handle(usize),
    Imm(MV),
    NegZero,
}

const DATA_START: u32 = gojs_synth::spec::FIRST_FREE;
const DATA_END: u32 = 65536;
const FRAMES: u32 = 65536;
const STRIDE: u32 = 128;
/// Where a step's argument array lives, relative to its sp (after every frame's fields).
const ARGS: u32 = 80;
const SENTINEL: u64 = 0x5555_5555_5555_5555;

/// The module being built, what it must print, and the model behind both.
pub(super) struct Gen {
    pub m: Model,
    pub spec: ModuleSpec,
    pub expected: String,
    data_next: u32,
    handles: Vec<Handle>,
    ctors: [usize; 3],
    pub ops: Vec<String>,
}

impl Gen {
    pub fn new() -> Self {
        Gen {
            m: Model::new(),
            spec: ModuleSpec {
                imports: "gojs".into(),
                pages: 3,
                omit_exports: vec![],
                mem_kind: None,
                extra_imports: vec![],
                raw_hex: None,
                raw_text: None,
                data: vec![],
                run: vec![],
                resume: vec![],
                exit: 0,
            },
            // What a sequence of a few dozen operations prints, so that it is not regrown.
            expected: String::with_capacity(4096),
            data_next: DATA_START,
            handles: Vec::new(),
            ctors: [0; 3],
            ops: Vec::new(),
        }
    }

    pub fn holds_anything(&self) -> bool {
        !self.handles.is_empty()
    }

    pub fn held(&self) -> usize {
        self.handles.len()
    }

    fn sp(&self) -> u32 {
        FRAMES + self.spec.run.len() as u32 * STRIDE
    }

    fn data(&mut self, bytes: &[u8]) -> AResult<u32> {
        let at = self.data_next;
        if at + bytes.len() as u32 + 8 > DATA_END {
            return Err(arbitrary::Error::IncorrectFormat);
        }
        self.data_next = (at + bytes.len() as u32 + 7) & !7;
        if !bytes.is_empty() {
            self.spec.data.push(Data {
                at,
                text: None,
                hex: Some(hex(bytes)),
            });
        }
        Ok(at)
    }

    /// Room for `len` bytes Go will write into.
    fn buffer(&mut self, len: u32) -> AResult<u32> {
        let at = self.data(&[])?;
        self.data_next = (self.data_next + len + 7) & !7;
        Ok(at)
    }

    /// Add a step; `shows` are `(offset, expected bytes)` (absolute when `abs`).
    fn step(&mut self, call: &str, frame: Frame, shows: Vec<(u32, Vec<u8>, bool)>) {
        let n = self.spec.run.len();
        let mut step = Step {
            call: Some(call.to_string()),
            print: None,
            exit: None,
            sp: Some(self.sp()),
            frame: frame.into_slots(),
            show: Vec::new(),
        };
        for (i, (at, bytes, abs)) in shows.into_iter().enumerate() {
            if bytes.is_empty() {
                continue;
            }
            let label = format!("s{n}.{i}");
            let _ = writeln!(self.expected, "{label}: {}", hex(&bytes));
            step.show.push(Show {
                label,
                at,
                len: bytes.len() as u32,
                abs,
            });
        }
        self.spec.run.push(step);
    }

    fn load(&self, h: usize) -> String {
        format!("load {}", self.handles[h].addr)
    }

    fn arg_slot(&self, a: &Arg) -> String {
        match a {
            Arg::Handle(i) => self.load(*i),
            Arg::Imm(v) => format!("u64 {:#x}", Model::new().store(v)),
            Arg::NegZero => format!("u64 {:#x}", (-0.0f64).to_bits()),
        }
    }

    fn arg_value(&self, a: &Arg) -> MV {
        match a {
            Arg::Handle(i) => self.handles[*i].v.clone(),
            Arg::Imm(v) => v.clone(),
            Arg::NegZero => MV::Undef,
        }
    }

    /// An immediate: never a handle.
    fn imm(c: ArgChoice) -> Arg {
        match c {
            ArgChoice::Held(_) | ArgChoice::Undefined => Arg::Imm(MV::Undef),
            ArgChoice::Null => Arg::Imm(MV::Null),
            ArgChoice::Bool(b) => Arg::Imm(MV::Bool(b)),
            ArgChoice::NegZero => Arg::NegZero,
            ArgChoice::NaN => Arg::Imm(MV::Num(f64::NAN)),
            ArgChoice::Special(i) => Arg::Imm(MV::Num(NUMBERS[usize::from(i) % NUMBERS.len()].0)),
            ArgChoice::Int(n) => Arg::Imm(MV::Num(f64::from(i32::from(n % 304) - 3))),
        }
    }

    fn arg(&self, c: ArgChoice) -> Arg {
        match c {
            ArgChoice::Held(h) if !self.handles.is_empty() => {
                Arg::Handle(usize::from(h) % self.handles.len())
            }
            other => Self::imm(other),
        }
    }

    /// The `n`th handle whose value `f` accepts, if any.
    fn handle_where(&self, n: u8, f: impl Fn(&Model, &MV) -> bool) -> Option<usize> {
        let idx: Vec<usize> = (0..self.handles.len())
            .filter(|&i| f(&self.m, &self.handles[i].v))
            .collect();
        (!idx.is_empty()).then(|| idx[usize::from(n) % idx.len()])
    }

    fn any_handle(&self, n: u8) -> Option<usize> {
        self.handle_where(n, |_, _| true)
    }

    fn kind_of(m: &Model, v: &MV) -> Option<OKind> {
        match v {
            MV::Obj(i) => Some(m.objs[*i].kind.clone()),
            _ => None,
        }
    }

    fn obj_index(&self, h: usize) -> usize {
        match self.handles[h].v {
            MV::Obj(i) => i,
            _ => unreachable!("handle_where chose objects only"),
        }
    }

    fn str_key(&mut self, key: &str) -> AResult<(u32, usize)> {
        Ok((self.data(key.as_bytes())?, key.len()))
    }

    /// Keep a result ref Go now holds (only refs with a type flag are counted and finalized).
    fn hold(&mut self, addr: u64, v: MV, bits: u64) {
        if matches!(v, MV::Str(_) | MV::Obj(_)) {
            self.handles.push(Handle {
                addr: addr as u32,
                v,
                bits,
            });
        }
    }

    /// `valueGet(global, key)` (key at `at`, `len` bytes) whose result `v` Go keeps.
    fn get_from_global(&mut self, at: u32, len: usize, v: MV) {
        let bits = self.m.store(&v);
        let sp = self.sp();
        self.step(
            "syscall/js.valueGet",
            Frame::new()
                .set(value_get::V, "ref global")
                .string(value_get::P, at, len),
            vec![(value_get::R.off, bits.to_le_bytes().to_vec(), false)],
        );
        self.hold(value_get::R.at(sp), v, bits);
    }

    /// `globalThis.Object`, `.Array` and `.Uint8Array`, held for the whole sequence.
    pub fn setup(&mut self) -> AResult<()> {
        for (i, c) in [Ctor::Object, Ctor::Array, Ctor::Uint8Array]
            .into_iter()
            .enumerate()
        {
            let (at, len) = self.str_key(&format!("{c:?}"))?;
            let v = self.m.obj(OKind::Ctor(c));
            let MV::Obj(oi) = v else { unreachable!() };
            self.ctors[i] = oi;
            self.get_from_global(at, len, v);
        }
        Ok(())
    }

    fn ctor_handle(&self, c: CtorChoice) -> usize {
        self.handles
            .iter()
            .position(|h| h.v == MV::Obj(self.ctors[c.index()]))
            .unwrap_or(0)
    }

    /// `new C(args)` / `C(args)` in the model: `Ok(value)` or `Err(())` for a throw.
    fn construct(&mut self, c: Ctor, args: &[MV], with_new: bool) -> Result<MV, ()> {
        match c {
            Ctor::Object => Ok(self.m.obj(OKind::Plain)),
            Ctor::Array => Ok(match args {
                [MV::Num(n)] => self.m.obj(OKind::Array(vec![MV::Undef; *n as usize])),
                other => self.m.obj(OKind::Array(other.to_vec())),
            }),
            Ctor::Uint8Array if !with_new => Err(()),
            Ctor::Uint8Array => Ok(match args {
                [MV::Num(n), ..] => self.m.obj(OKind::Bytes(vec![0; *n as usize])),
                _ => self.m.obj(OKind::Bytes(Vec::new())),
            }),
        }
    }

    /// Apply one operation: a step of the module, and the model's prediction of its output.
    pub fn apply(&mut self, op: &Op) -> AResult<()> {
        let sp = self.sp();
        match *op {
            Op::StringVal(text) => {
                let b = text.bytes();
                let at = self.data(&b)?;
                let v = MV::Str(String::from_utf8_lossy(&b).into_owned());
                let bits = self.m.store(&v);
                self.ops
                    .push(format!("stringVal({:?})", String::from_utf8_lossy(&b)));
                self.step(
                    "syscall/js.stringVal",
                    Frame::new().string(string_val::S, at, b.len()),
                    vec![(string_val::V.off, bits.to_le_bytes().to_vec(), false)],
                );
                self.hold(string_val::V.at(sp), v, bits);
            }
            Op::Construct {
                ctor: choice,
                with_new,
                shape,
                len,
                args,
            } => {
                let ctor = choice.ctor();
                let args: Vec<Arg> = match (ctor, shape % 3) {
                    (_, 0) | (Ctor::Object, _) => vec![],
                    (Ctor::Array, 1) | (Ctor::Uint8Array, _) => {
                        vec![Arg::Imm(MV::Num(f64::from(len % 6)))]
                    }
                    (Ctor::Array, _) => {
                        let n = 2 + usize::from(len) % 3;
                        args[..n].iter().map(|&c| self.arg(c)).collect()
                    }
                };
                let vals: Vec<MV> = args.iter().map(|a| self.arg_value(a)).collect();
                let h = self.ctor_handle(choice);
                let f = value_invoke::FIELDS;
                debug_assert_eq!(f, layout::value_new::FIELDS);
                let mut frame = Frame::new().set(value_invoke::V, self.load(h)).slice(
                    value_invoke::ARGS,
                    sp + ARGS,
                    args.len(),
                );
                for (i, a) in args.iter().enumerate() {
                    frame = frame.extra(ARGS + 8 * i as u32, self.arg_slot(a));
                }
                let (v, ok) = match self.construct(ctor, &vals, with_new) {
                    Ok(v) => (v, 1u8),
                    Err(()) => (self.m.obj(OKind::Error), 0u8),
                };
                let bits = self.m.store(&v);
                let mut out = bits.to_le_bytes().to_vec();
                out.push(ok);
                self.ops.push(format!(
                    "{}{ctor:?}({} args) -> ok={ok}",
                    if with_new { "new " } else { "" },
                    args.len()
                ));
                let import = if with_new {
                    "syscall/js.valueNew"
                } else {
                    "syscall/js.valueInvoke"
                };
                // The ok byte follows the ref: one show covers both.
                debug_assert_eq!(value_invoke::OK.off, value_invoke::R.off + 8);
                self.step(import, frame, vec![(value_invoke::R.off, out, false)]);
                self.hold(value_invoke::R.at(sp), v, bits);
            }
            Op::Set { target, key, value } => {
                let Some(h) = self.handle_where(target, |m, v| {
                    matches!(
                        Gen::kind_of(m, v),
                        Some(OKind::Plain | OKind::Array(_) | OKind::Bytes(_))
                    )
                }) else {
                    return Ok(());
                };
                let key = KEYS[usize::from(key) % KEYS.len()];
                let (at, len) = self.str_key(key)?;
                let a = self.arg(value);
                let val = self.arg_value(&a);
                let oi = self.obj_index(h);
                self.m.objs[oi].props.insert(key.into(), val);
                self.ops.push(format!("set(h{h}, {key})"));
                let frame = Frame::new()
                    .set(value_set::V, self.load(h))
                    .string(value_set::P, at, len)
                    .set(value_set::X, self.arg_slot(&a));
                self.step("syscall/js.valueSet", frame, vec![]);
            }
            Op::Get { target, key } => {
                let Some(h) = self.handle_where(target, |m, v| {
                    matches!(
                        Gen::kind_of(m, v),
                        Some(OKind::Plain | OKind::Array(_) | OKind::Bytes(_))
                    )
                }) else {
                    return Ok(());
                };
                let oi = self.obj_index(h);
                let key = match key {
                    GetKey::Length => "length",
                    GetKey::One => "1",
                    GetKey::Key(k) => KEYS[usize::from(k) % KEYS.len()],
                };
                let o = &self.m.objs[oi];
                let v = match (&o.kind, key) {
                    (OKind::Array(a), "length") => MV::Num(a.len() as f64),
                    (OKind::Bytes(b), "length") => MV::Num(b.len() as f64),
                    (OKind::Array(a), "1") => a.get(1).cloned().unwrap_or(MV::Undef),
                    (OKind::Bytes(b), "1") => b
                        .get(1)
                        .map(|&x| MV::Num(f64::from(x)))
                        .unwrap_or(MV::Undef),
                    _ => o.props.get(key).cloned().unwrap_or(MV::Undef),
                };
                let (at, len) = self.str_key(key)?;
                let bits = self.m.store(&v);
                self.ops.push(format!("get(h{h}, {key})"));
                let frame =
                    Frame::new()
                        .set(value_get::V, self.load(h))
                        .string(value_get::P, at, len);
                self.step(
                    "syscall/js.valueGet",
                    frame,
                    vec![(value_get::R.off, bits.to_le_bytes().to_vec(), false)],
                );
                self.hold(value_get::R.at(sp), v, bits);
            }
            Op::Delete { target, key } => {
                let Some(h) = self.handle_where(target, |m, v| {
                    matches!(Gen::kind_of(m, v), Some(OKind::Plain))
                }) else {
                    return Ok(());
                };
                let key = KEYS[usize::from(key) % KEYS.len()];
                let (at, len) = self.str_key(key)?;
                let oi = self.obj_index(h);
                self.m.objs[oi].props.remove(key);
                self.ops.push(format!("delete(h{h}, {key})"));
                let frame = Frame::new().set(value_delete::V, self.load(h)).string(
                    value_delete::P,
                    at,
                    len,
                );
                self.step("syscall/js.valueDelete", frame, vec![]);
            }
            Op::Index { target, i, set } => {
                let Some(h) = self.handle_where(target, |m, v| {
                    matches!(Gen::kind_of(m, v), Some(OKind::Array(_) | OKind::Bytes(_)))
                }) else {
                    return Ok(());
                };
                let oi = self.obj_index(h);
                let i = u32::from(i % 6);
                let Some(value) = set else {
                    let v = match &self.m.objs[oi].kind {
                        OKind::Array(a) => a.get(i as usize).cloned().unwrap_or(MV::Undef),
                        OKind::Bytes(b) => b
                            .get(i as usize)
                            .map(|&x| MV::Num(f64::from(x)))
                            .unwrap_or(MV::Undef),
                        _ => MV::Undef,
                    };
                    let bits = self.m.store(&v);
                    self.ops.push(format!("index(h{h}, {i})"));
                    self.step(
                        "syscall/js.valueIndex",
                        Frame::new()
                            .set(value_index::V, self.load(h))
                            .set(value_index::I, format!("u64 {i}")),
                        vec![(value_index::R.off, bits.to_le_bytes().to_vec(), false)],
                    );
                    self.hold(value_index::R.at(sp), v, bits);
                    return Ok(());
                };
                // Byte arrays take numbers; an array anything.
                let a = if matches!(self.m.objs[oi].kind, OKind::Bytes(_)) {
                    match Self::imm(value) {
                        n @ Arg::Imm(MV::Num(_)) => n,
                        _ => Arg::Imm(MV::Num(f64::from(i32::from(target) - 3))),
                    }
                } else {
                    self.arg(value)
                };
                let val = self.arg_value(&a);
                match &mut self.m.objs[oi].kind {
                    OKind::Array(arr) => {
                        if arr.len() <= i as usize {
                            arr.resize(i as usize + 1, MV::Undef);
                        }
                        arr[i as usize] = val;
                    }
                    OKind::Bytes(b) => {
                        if let (Some(slot), MV::Num(n)) = (b.get_mut(i as usize), val) {
                            *slot = gojs_abi::frame::to_uint32(n) as u8;
                        }
                    }
                    _ => {}
                }
                self.ops.push(format!("setIndex(h{h}, {i})"));
                let frame = Frame::new()
                    .set(value_set_index::V, self.load(h))
                    .set(value_set_index::I, format!("u64 {i}"))
                    .set(value_set_index::X, self.arg_slot(&a));
                self.step("syscall/js.valueSetIndex", frame, vec![]);
            }
            Op::Length { target } => {
                let Some(h) =
                    self.handle_where(target, |m, v| Gen::kind_of(m, v) != Some(OKind::Global))
                else {
                    return Ok(());
                };
                let n: f64 = match &self.handles[h].v {
                    MV::Str(s) => s.encode_utf16().count() as f64,
                    MV::Obj(i) => match &self.m.objs[*i].kind {
                        OKind::Array(a) => a.len() as f64,
                        OKind::Bytes(b) => b.len() as f64,
                        OKind::Ctor(Ctor::Uint8Array) => 3.0,
                        OKind::Ctor(_) => 1.0,
                        _ => 0.0,
                    },
                    _ => 0.0,
                };
                self.ops.push(format!("length(h{h})"));
                self.step(
                    "syscall/js.valueLength",
                    Frame::new()
                        .set(value_length::V, self.load(h))
                        .set(value_length::N, format!("u64 {SENTINEL}")),
                    vec![(
                        value_length::N.off,
                        (n as i64).to_le_bytes().to_vec(),
                        false,
                    )],
                );
            }
            Op::CallMethod { target, arg } => {
                let Some(h) = self.handle_where(target, |m, v| {
                    matches!(Gen::kind_of(m, v), Some(OKind::Plain | OKind::Array(_)))
                }) else {
                    return Ok(());
                };
                let oi = self.obj_index(h);
                let a = self.arg(arg);
                let val = self.arg_value(&a);
                let (method, v, ok) = match &mut self.m.objs[oi].kind {
                    OKind::Array(arr) => {
                        arr.push(val);
                        ("push", MV::Num(arr.len() as f64), 1u8)
                    }
                    _ => ("nope", MV::Undef, 0u8),
                };
                let v = if ok == 0 { self.m.obj(OKind::Error) } else { v };
                let (at, len) = self.str_key(method)?;
                let bits = self.m.store(&v);
                let mut out = bits.to_le_bytes().to_vec();
                out.push(ok);
                self.ops.push(format!("call(h{h}, {method})"));
                let frame = Frame::new()
                    .set(value_call::V, self.load(h))
                    .string(value_call::M, at, len)
                    .slice(value_call::ARGS, sp + ARGS, 1)
                    .extra(ARGS, self.arg_slot(&a));
                debug_assert_eq!(value_call::OK.off, value_call::R.off + 8);
                self.step(
                    "syscall/js.valueCall",
                    frame,
                    vec![(value_call::R.off, out, false)],
                );
                self.hold(value_call::R.at(sp), v, bits);
            }
            Op::InstanceOf { target, ctor } => {
                let Some(h) = self.any_handle(target) else {
                    return Ok(());
                };
                let ch = self.ctor_handle(ctor);
                let r = match (&self.handles[h].v, ctor) {
                    (MV::Obj(_), CtorChoice::Object) => true,
                    (MV::Obj(i), CtorChoice::Array) => {
                        matches!(self.m.objs[*i].kind, OKind::Array(_))
                    }
                    (MV::Obj(i), CtorChoice::Uint8Array) => {
                        matches!(self.m.objs[*i].kind, OKind::Bytes(_))
                    }
                    _ => false,
                };
                self.ops.push(format!("instanceOf(h{h}, {})", ctor.index()));
                self.step(
                    "syscall/js.valueInstanceOf",
                    Frame::new()
                        .set(value_instance_of::V, self.load(h))
                        .set(value_instance_of::T, self.load(ch))
                        .set(value_instance_of::B, "u8 7"),
                    vec![(value_instance_of::B.off, vec![u8::from(r)], false)],
                );
            }
            Op::CopyToJs { target, src } => {
                let Some(h) = self.any_handle(target) else {
                    return Ok(());
                };
                let b = src.bytes();
                let at = self.data(&b)?;
                let mut out = Vec::new();
                let kind = Gen::kind_of(&self.m, &self.handles[h].v);
                if let (Some(OKind::Bytes(_)), MV::Obj(oi)) = (kind, &self.handles[h].v) {
                    let OKind::Bytes(dst) = &mut self.m.objs[*oi].kind else {
                        unreachable!()
                    };
                    let n = dst.len().min(b.len());
                    dst[..n].copy_from_slice(&b[..n]);
                    out.extend((n as i64).to_le_bytes());
                    out.push(1);
                } else {
                    out.extend(SENTINEL.to_le_bytes());
                    out.push(0);
                }
                self.ops
                    .push(format!("copyBytesToJS(h{h}, {} bytes)", b.len()));
                debug_assert_eq!(copy_bytes_to_js::OK.off, copy_bytes_to_js::N.off + 8);
                self.step(
                    "syscall/js.copyBytesToJS",
                    Frame::new()
                        .set(copy_bytes_to_js::DST, self.load(h))
                        .slice(copy_bytes_to_js::SRC, at, b.len())
                        .set(copy_bytes_to_js::N, format!("u64 {SENTINEL}"))
                        .set(copy_bytes_to_js::OK, "u8 7"),
                    vec![(copy_bytes_to_js::N.off, out, false)],
                );
            }
            Op::CopyToGo { target, len } => {
                let Some(h) = self.any_handle(target) else {
                    return Ok(());
                };
                let len = usize::from(len % 9);
                let buf = self.buffer(len as u32)?;
                let mut got = vec![0u8; len];
                let mut out = Vec::new();
                match Gen::kind_of(&self.m, &self.handles[h].v) {
                    Some(OKind::Bytes(src)) => {
                        let n = src.len().min(len);
                        got[..n].copy_from_slice(&src[..n]);
                        out.extend((n as i64).to_le_bytes());
                        out.push(1);
                    }
                    _ => {
                        out.extend(SENTINEL.to_le_bytes());
                        out.push(0);
                    }
                }
                self.ops.push(format!("copyBytesToGo({len}, h{h})"));
                debug_assert_eq!(copy_bytes_to_go::OK.off, copy_bytes_to_go::N.off + 8);
                self.step(
                    "syscall/js.copyBytesToGo",
                    Frame::new()
                        .slice(copy_bytes_to_go::DST, buf, len)
                        .set(copy_bytes_to_go::SRC, self.load(h))
                        .set(copy_bytes_to_go::N, format!("u64 {SENTINEL}"))
                        .set(copy_bytes_to_go::OK, "u8 7"),
                    vec![(copy_bytes_to_go::N.off, out, false), (buf, got, true)],
                );
            }
            Op::JsString { target, extra } => {
                let Some(h) = self.any_handle(target) else {
                    return Ok(());
                };
                let Some(s) = self.m.js_string(&self.handles[h].v, 0) else {
                    return Ok(());
                };
                let b = s.into_bytes();
                if b.len() > 200 {
                    return Ok(());
                }
                let arr = self.m.obj(OKind::Bytes(b.clone()));
                let bits = self.m.store(&arr);
                let mut out = bits.to_le_bytes().to_vec();
                out.extend((b.len() as i64).to_le_bytes());
                self.ops.push(format!("prepareString(h{h})"));
                debug_assert_eq!(value_prepare_string::N.off, value_prepare_string::S.off + 8);
                self.step(
                    "syscall/js.valuePrepareString",
                    Frame::new().set(value_prepare_string::V, self.load(h)),
                    vec![(value_prepare_string::S.off, out, false)],
                );
                let array_at = value_prepare_string::S.at(sp);
                self.hold(array_at, arr, bits);
                let cap = b.len() as u32 + u32::from(extra % 4);
                let buf = self.buffer(cap)?;
                let mut got = b;
                got.resize(cap as usize, 0);
                self.step(
                    "syscall/js.valueLoadString",
                    Frame::new()
                        .set(value_load_string::V, format!("load {array_at}"))
                        .slice(value_load_string::DST, buf, cap as usize),
                    vec![(buf, got, true)],
                );
            }
            Op::GlobalThis => {
                let v = self.m.obj(OKind::Global);
                let (at, len) = self.str_key("globalThis")?;
                self.ops.push("get(global, globalThis)".into());
                self.get_from_global(at, len, v);
            }
            Op::Finalize { target } => {
                // The three constructors stay held: every other operation needs them.
                if self.handles.len() <= 3 {
                    return Ok(());
                }
                let h = 3 + usize::from(target) % (self.handles.len() - 3);
                self.finalize(h);
            }
        }
        Ok(())
    }

    /// `finalizeRef` of handle `h`, which Go no longer holds.
    pub fn finalize(&mut self, h: usize) {
        let hd = self.handles.remove(h);
        self.m.finalize(hd.bits);
        self.ops.push(format!("finalize(h{h})"));
        self.step(
            "syscall/js.finalizeRef",
            Frame::new().set(finalize_ref::V, format!("load {}", hd.addr)),
            vec![],
        );
    }

    /// A fresh string `s` Go keeps: after frees it reuses the last id freed.
    pub fn fresh_string(&mut self, s: &str) -> AResult<()> {
        let (at, len) = self.str_key(s)?;
        let v = MV::Str(s.into());
        let bits = self.m.store(&v);
        let sp = self.sp();
        self.step(
            "syscall/js.stringVal",
            Frame::new().string(string_val::S, at, len),
            vec![(string_val::V.off, bits.to_le_bytes().to_vec(), false)],
        );
        self.hold(string_val::V.at(sp), v, bits);
        Ok(())
    }
}
