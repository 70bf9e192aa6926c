//! Target 2, `call_sequences`: a valid-by-construction sequence of ABI operations (strings,
//! objects, arrays, byte arrays; get, set, delete, index, set-index, length; call, invoke,
//! construct, a throwing call; instanceof; copy bytes both ways; prepare/load string;
//! finalize), tracking which refs Go holds. It becomes a synthesized module
//! ([`crate::synth`]) that shows every result, run on the native host, and a model of the
//! glue predicts every byte of its output: each value read back is the value stored, and each
//! id is the one `wasm_exec.js` would hand out (same value → same live id; freed ids reused
//! last-in first-out).
//!
//! Oracle: the output equals the model's; a [`TableProbe`] checks the ref table's
//! invariants after every import; after every ref is finalized no dynamic id is live and the
//! table has exactly the slots the model allocated.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use arbitrary::{Result as AResult, Unstructured};

use crate::abi::refs::{self, TypeFlag};
use crate::abi::table::{Fault, TableProbe};
use crate::synth::spec::{Data, ModuleSpec, Show, Step};

/// A JS value in the model.
#[derive(Debug, Clone, PartialEq)]
pub enum MV {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Obj(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctor {
    Object,
    Array,
    Uint8Array,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OKind {
    Plain,
    Array(Vec<MV>),
    Bytes(Vec<u8>),
    Ctor(Ctor),
    /// A thrown TypeError: only its identity and type are modelled.
    Error,
    /// `globalThis` (predefined id 5: never counted, never freed).
    Global,
}

#[derive(Debug, Clone)]
pub struct MObj {
    pub kind: OKind,
    pub props: BTreeMap<String, MV>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum MKey {
    Str(String),
    Obj(usize),
}

/// The glue's `_values`/`_goRefCounts`/`_ids`/`_idPool`, for dynamic values only.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub objs: Vec<MObj>,
    ids: HashMap<MKey, u32>,
    counts: HashMap<u32, u64>,
    /// `_values.length`.
    pub len: u32,
    pool: Vec<u32>,
}

/// The NaN-boxed ref Go would hold for a number.
fn num_ref(n: f64) -> u64 {
    if n == 0.0 {
        refs::encode_id(refs::ID_ZERO, TypeFlag::None)
    } else if n.is_nan() {
        refs::encode_id(refs::ID_NAN, TypeFlag::None)
    } else {
        n.to_bits()
    }
}

impl Model {
    fn new() -> Self {
        Model {
            len: refs::FIRST_DYNAMIC_ID,
            ..Default::default()
        }
    }

    fn obj(&mut self, kind: OKind) -> MV {
        self.objs.push(MObj {
            kind,
            props: BTreeMap::new(),
        });
        MV::Obj(self.objs.len() - 1)
    }

    /// `storeValue`.
    fn store(&mut self, v: &MV) -> u64 {
        let (key, flag) = match v {
            MV::Undef => return refs::UNDEFINED,
            MV::Num(n) => return num_ref(*n),
            MV::Null => return refs::encode_id(refs::ID_NULL, TypeFlag::None),
            MV::Bool(true) => return refs::encode_id(refs::ID_TRUE, TypeFlag::None),
            MV::Bool(false) => return refs::encode_id(refs::ID_FALSE, TypeFlag::None),
            MV::Str(s) => (MKey::Str(s.clone()), TypeFlag::String),
            MV::Obj(i) if self.objs[*i].kind == OKind::Global => {
                return refs::encode_id(refs::ID_GLOBAL, TypeFlag::Object);
            }
            MV::Obj(i) => (
                MKey::Obj(*i),
                if matches!(self.objs[*i].kind, OKind::Ctor(_)) {
                    TypeFlag::Function
                } else {
                    TypeFlag::Object
                },
            ),
        };
        let id = match self.ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.pool.pop().unwrap_or_else(|| {
                    self.len += 1;
                    self.len - 1
                });
                self.ids.insert(key, id);
                id
            }
        };
        *self.counts.entry(id).or_insert(0) += 1;
        refs::encode_id(id, flag)
    }

    /// `finalizeRef`.
    fn finalize(&mut self, bits: u64) {
        let id = bits as u32;
        if id < refs::FIRST_DYNAMIC_ID {
            return;
        }
        let Some(c) = self.counts.get_mut(&id) else {
            return;
        };
        *c -= 1;
        if *c == 0 {
            self.counts.remove(&id);
            self.ids.retain(|_, v| *v != id);
            self.pool.push(id);
        }
    }

    /// `String(v)`, where the model can tell.
    fn js_string(&self, v: &MV, depth: u32) -> Option<String> {
        Some(match v {
            MV::Undef => "undefined".into(),
            MV::Null => "null".into(),
            MV::Bool(b) => b.to_string(),
            MV::Num(n) => num_string(*n)?,
            MV::Str(s) => s.clone(),
            MV::Obj(i) => match &self.objs[*i].kind {
                OKind::Plain => "[object Object]".into(),
                OKind::Array(items) if depth < 4 => {
                    let mut parts = Vec::new();
                    for x in items {
                        parts.push(match x {
                            MV::Undef | MV::Null => String::new(),
                            other => self.js_string(other, depth + 1)?,
                        });
                    }
                    parts.join(",")
                }
                OKind::Bytes(b) => b
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                _ => return None,
            },
        })
    }
}

/// Number → string for the numbers this target uses.
fn num_string(n: f64) -> Option<String> {
    if n.is_nan() {
        return Some("NaN".into());
    }
    if n.is_infinite() {
        return Some(if n > 0.0 { "Infinity" } else { "-Infinity" }.into());
    }
    if n == 0.0 {
        return Some("0".into());
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return Some(format!("{}", n as i64));
    }
    NUMBERS
        .iter()
        .find(|(x, _)| x.to_bits() == n.to_bits())
        .map(|(_, s)| s.to_string())
}

const NUMBERS: [(f64, &str); 6] = [
    (0.5, "0.5"),
    (-2.25, "-2.25"),
    (1e21, "1e+21"),
    (1e-7, "1e-7"),
    (123456789.125, "123456789.125"),
    (4294967296.0, "4294967296"),
];

const STRINGS: [&[u8]; 9] = [
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

const KEYS: [&str; 4] = ["k0", "k1", "k2", "k3"];

/// A value Go holds a reference to, and where its ref sits in memory.
#[derive(Debug, Clone)]
struct Handle {
    addr: u32,
    v: MV,
    bits: u64,
}

/// An argument: a held ref (loaded from memory) or an immediate.
#[derive(Debug, Clone)]
enum Arg {
    Handle(usize),
    Imm(MV),
    /// The raw pattern of -0.0: `loadValue` reads it as `undefined`.
    NegZero,
}

const DATA_START: u32 = crate::synth::spec::FIRST_FREE;
const DATA_END: u32 = 65536;
const FRAMES: u32 = 65536;
const STRIDE: u32 = 128;
/// Where a step's argument array lives, relative to its sp.
const ARGS: u32 = 80;
const SENTINEL: u64 = 0x5555_5555_5555_5555;
/// Most operations per input (finalizing at the end comes on top).
pub const MAX_OPS: usize = 48;

/// The module and what it must print.
#[derive(Debug, Clone)]
pub struct Sequence {
    pub spec: ModuleSpec,
    pub expected: String,
    /// `_values.length` at the end, per the model.
    pub expected_len: u32,
    /// One line per operation, for reports.
    pub ops: Vec<String>,
}

struct Gen {
    m: Model,
    spec: ModuleSpec,
    expected: String,
    data_next: u32,
    handles: Vec<Handle>,
    ctors: [usize; 3],
    ops: Vec<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Gen {
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

    /// Add a step; `shows` are `(offset, expected bytes)` (absolute when `abs`).
    fn step(&mut self, call: &str, frame: Vec<(u32, String)>, shows: Vec<(u32, Vec<u8>, bool)>) {
        let n = self.spec.run.len();
        let mut step = Step {
            call: Some(call.to_string()),
            print: None,
            exit: None,
            sp: Some(self.sp()),
            frame: frame.into_iter().map(|(o, v)| (o.to_string(), v)).collect(),
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

    fn arg_slot(&self, a: &Arg) -> String {
        match a {
            Arg::Handle(i) => format!("load {}", self.handles[*i].addr),
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

    /// `valueGet(global, key)` (key at `at`, `len` bytes) whose result `v` Go keeps.
    fn get_from_global(&mut self, at: u32, len: usize, v: MV) {
        let bits = self.m.store(&v);
        let sp = self.sp();
        self.step(
            "syscall/js.valueGet",
            vec![
                (8, "ref global".into()),
                (16, format!("u64 {at}")),
                (24, format!("u64 {len}")),
            ],
            vec![(32, bits.to_le_bytes().to_vec(), false)],
        );
        self.hold(sp + 32, v, bits);
    }

    /// Keep a result ref Go now holds (only refs with a type flag are counted and finalized).
    fn hold(&mut self, addr: u32, v: MV, bits: u64) {
        if matches!(v, MV::Str(_) | MV::Obj(_)) {
            self.handles.push(Handle { addr, v, bits });
        }
    }

    fn imm(&self, u: &mut Unstructured<'_>) -> AResult<Arg> {
        Ok(match u.int_in_range(0u8..=8)? {
            0 => Arg::Imm(MV::Undef),
            1 => Arg::Imm(MV::Null),
            2 => Arg::Imm(MV::Bool(u.arbitrary()?)),
            3 => Arg::NegZero,
            4 => Arg::Imm(MV::Num(f64::NAN)),
            5 => Arg::Imm(MV::Num(u.choose(&NUMBERS)?.0)),
            _ => Arg::Imm(MV::Num(f64::from(u.int_in_range(-3i32..=300)?))),
        })
    }

    fn arg(&self, u: &mut Unstructured<'_>) -> AResult<Arg> {
        if !self.handles.is_empty() && u.ratio(1u8, 2)? {
            Ok(Arg::Handle(u.choose_index(self.handles.len())?))
        } else {
            self.imm(u)
        }
    }

    fn handle_where(
        &self,
        u: &mut Unstructured<'_>,
        f: impl Fn(&Model, &MV) -> bool,
    ) -> AResult<Option<usize>> {
        let idx: Vec<usize> = (0..self.handles.len())
            .filter(|&i| f(&self.m, &self.handles[i].v))
            .collect();
        if idx.is_empty() {
            return Ok(None);
        }
        Ok(Some(idx[u.choose_index(idx.len())?]))
    }

    fn kind_of(m: &Model, v: &MV) -> Option<OKind> {
        match v {
            MV::Obj(i) => Some(m.objs[*i].kind.clone()),
            _ => None,
        }
    }

    fn bytes_arg(&mut self, u: &mut Unstructured<'_>) -> AResult<(u32, Vec<u8>)> {
        let s = u.choose(&STRINGS)?;
        let mut b = s.to_vec();
        if u.ratio(1u8, 3)? {
            b.extend_from_slice(u.choose(&STRINGS)?);
        }
        let at = self.data(&b)?;
        Ok((at, b))
    }

    fn str_key(&mut self, key: &str) -> AResult<(u32, usize)> {
        Ok((self.data(key.as_bytes())?, key.len()))
    }

    fn setup(&mut self) -> AResult<()> {
        let (at, len) = self.str_key("Object")?;
        let (at2, len2) = self.str_key("Array")?;
        let (at3, len3) = self.str_key("Uint8Array")?;
        for (i, (c, at, len)) in [
            (Ctor::Object, at, len),
            (Ctor::Array, at2, len2),
            (Ctor::Uint8Array, at3, len3),
        ]
        .into_iter()
        .enumerate()
        {
            let v = self.m.obj(OKind::Ctor(c));
            let MV::Obj(oi) = v else { unreachable!() };
            self.ctors[i] = oi;
            self.get_from_global(at, len, v);
        }
        Ok(())
    }

    fn ctor_handle(&self, c: usize) -> usize {
        self.handles
            .iter()
            .position(|h| h.v == MV::Obj(self.ctors[c]))
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

    fn op(&mut self, u: &mut Unstructured<'_>) -> AResult<()> {
        let sp = self.sp();
        match u.int_in_range(0u8..=17)? {
            0 | 1 => {
                let (at, b) = self.bytes_arg(u)?;
                let v = MV::Str(String::from_utf8_lossy(&b).into_owned());
                let bits = self.m.store(&v);
                self.ops
                    .push(format!("stringVal({:?})", String::from_utf8_lossy(&b)));
                self.step(
                    "syscall/js.stringVal",
                    vec![(8, format!("u64 {at}")), (16, format!("u64 {}", b.len()))],
                    vec![(24, bits.to_le_bytes().to_vec(), false)],
                );
                self.hold(sp + 24, v, bits);
            }
            2 | 3 => {
                // new C(args) or C(args)
                let c = u.int_in_range(0usize..=2)?;
                let with_new = u.ratio(3u8, 4)?;
                let ctor = [Ctor::Object, Ctor::Array, Ctor::Uint8Array][c];
                let args: Vec<Arg> = match (ctor, u.int_in_range(0u8..=2)?) {
                    (_, 0) => vec![],
                    (Ctor::Array, 1) | (Ctor::Uint8Array, _) => {
                        vec![Arg::Imm(MV::Num(f64::from(u.int_in_range(0u32..=5)?)))]
                    }
                    (Ctor::Array, _) => (0..u.int_in_range(2usize..=4)?)
                        .map(|_| self.arg(u))
                        .collect::<AResult<_>>()?,
                    (Ctor::Object, _) => vec![],
                };
                let vals: Vec<MV> = args.iter().map(|a| self.arg_value(a)).collect();
                let h = self.ctor_handle(c);
                let mut frame = vec![
                    (8, format!("load {}", self.handles[h].addr)),
                    (16, format!("u64 {}", sp + ARGS)),
                    (24, format!("u64 {}", args.len())),
                    (32, format!("u64 {}", args.len())),
                ];
                for (i, a) in args.iter().enumerate() {
                    frame.push((ARGS + 8 * i as u32, self.arg_slot(a)));
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
                self.step(
                    if with_new {
                        "syscall/js.valueNew"
                    } else {
                        "syscall/js.valueInvoke"
                    },
                    frame,
                    vec![(40, out, false)],
                );
                self.hold(sp + 40, v, bits);
            }
            4 | 5 => {
                // Set(obj, key, value)
                let Some(h) = self.handle_where(u, |m, v| {
                    matches!(
                        Gen::kind_of(m, v),
                        Some(OKind::Plain | OKind::Array(_) | OKind::Bytes(_))
                    )
                })?
                else {
                    return Ok(());
                };
                let key = *u.choose(&KEYS)?;
                let (at, len) = self.str_key(key)?;
                let a = self.arg(u)?;
                let val = self.arg_value(&a);
                let MV::Obj(oi) = self.handles[h].v else {
                    unreachable!()
                };
                self.m.objs[oi].props.insert(key.into(), val);
                self.ops.push(format!("set(h{h}, {key})"));
                let frame = vec![
                    (8, format!("load {}", self.handles[h].addr)),
                    (16, format!("u64 {at}")),
                    (24, format!("u64 {len}")),
                    (32, self.arg_slot(&a)),
                ];
                self.step("syscall/js.valueSet", frame, vec![]);
            }
            6 | 7 => {
                // Get(obj, key)
                let Some(h) = self.handle_where(u, |m, v| {
                    matches!(
                        Gen::kind_of(m, v),
                        Some(OKind::Plain | OKind::Array(_) | OKind::Bytes(_))
                    )
                })?
                else {
                    return Ok(());
                };
                let MV::Obj(oi) = self.handles[h].v else {
                    unreachable!()
                };
                let key = match u.int_in_range(0u8..=5)? {
                    0 => "length",
                    1 => "1",
                    _ => *u.choose(&KEYS)?,
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
                let frame = vec![
                    (8, format!("load {}", self.handles[h].addr)),
                    (16, format!("u64 {at}")),
                    (24, format!("u64 {len}")),
                ];
                self.step(
                    "syscall/js.valueGet",
                    frame,
                    vec![(32, bits.to_le_bytes().to_vec(), false)],
                );
                self.hold(sp + 32, v, bits);
            }
            8 => {
                // Delete(obj, key)
                let Some(h) =
                    self.handle_where(u, |m, v| matches!(Gen::kind_of(m, v), Some(OKind::Plain)))?
                else {
                    return Ok(());
                };
                let key = *u.choose(&KEYS)?;
                let (at, len) = self.str_key(key)?;
                let MV::Obj(oi) = self.handles[h].v else {
                    unreachable!()
                };
                self.m.objs[oi].props.remove(key);
                self.ops.push(format!("delete(h{h}, {key})"));
                let frame = vec![
                    (8, format!("load {}", self.handles[h].addr)),
                    (16, format!("u64 {at}")),
                    (24, format!("u64 {len}")),
                ];
                self.step("syscall/js.valueDelete", frame, vec![]);
            }
            9 => {
                // Index / SetIndex on arrays and byte arrays
                let Some(h) = self.handle_where(u, |m, v| {
                    matches!(Gen::kind_of(m, v), Some(OKind::Array(_) | OKind::Bytes(_)))
                })?
                else {
                    return Ok(());
                };
                let MV::Obj(oi) = self.handles[h].v else {
                    unreachable!()
                };
                let i = u.int_in_range(0u32..=5)?;
                let hv = format!("load {}", self.handles[h].addr);
                if u.ratio(1u8, 2)? {
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
                        vec![(8, hv), (16, format!("u64 {i}"))],
                        vec![(24, bits.to_le_bytes().to_vec(), false)],
                    );
                    self.hold(sp + 24, v, bits);
                } else {
                    let is_bytes = matches!(self.m.objs[oi].kind, OKind::Bytes(_));
                    let a = if is_bytes {
                        Arg::Imm(MV::Num(f64::from(u.int_in_range(-3i32..=300)?)))
                    } else {
                        self.arg(u)?
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
                                *slot = crate::abi::frame::to_uint32(n) as u8;
                            }
                        }
                        _ => {}
                    }
                    self.ops.push(format!("setIndex(h{h}, {i})"));
                    let frame = vec![(8, hv), (16, format!("u64 {i}")), (24, self.arg_slot(&a))];
                    self.step("syscall/js.valueSetIndex", frame, vec![]);
                }
            }
            10 => {
                // Length of anything held
                if self.handles.is_empty() {
                    return Ok(());
                }
                let h = u.choose_index(self.handles.len())?;
                if Gen::kind_of(&self.m, &self.handles[h].v) == Some(OKind::Global) {
                    return Ok(());
                }
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
                    vec![
                        (8, format!("load {}", self.handles[h].addr)),
                        (16, format!("u64 {SENTINEL}")),
                    ],
                    vec![(16, (n as i64).to_le_bytes().to_vec(), false)],
                );
            }
            11 => {
                // arr.push(x), or obj.nope() which throws a TypeError
                let Some(h) = self.handle_where(u, |m, v| {
                    matches!(Gen::kind_of(m, v), Some(OKind::Plain | OKind::Array(_)))
                })?
                else {
                    return Ok(());
                };
                let MV::Obj(oi) = self.handles[h].v else {
                    unreachable!()
                };
                let a = self.arg(u)?;
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
                let frame = vec![
                    (8, format!("load {}", self.handles[h].addr)),
                    (16, format!("u64 {at}")),
                    (24, format!("u64 {len}")),
                    (32, format!("u64 {}", sp + ARGS)),
                    (40, "u64 1".into()),
                    (48, "u64 1".into()),
                    (ARGS, self.arg_slot(&a)),
                ];
                self.step("syscall/js.valueCall", frame, vec![(56, out, false)]);
                self.hold(sp + 56, v, bits);
            }
            12 => {
                // v instanceof C
                if self.handles.is_empty() {
                    return Ok(());
                }
                let h = u.choose_index(self.handles.len())?;
                let c = u.int_in_range(0usize..=2)?;
                let ch = self.ctor_handle(c);
                let r = match (&self.handles[h].v, c) {
                    (MV::Obj(_), 0) => true,
                    (MV::Obj(i), 1) => matches!(self.m.objs[*i].kind, OKind::Array(_)),
                    (MV::Obj(i), _) => matches!(self.m.objs[*i].kind, OKind::Bytes(_)),
                    _ => false,
                };
                self.ops.push(format!("instanceOf(h{h}, {c})"));
                self.step(
                    "syscall/js.valueInstanceOf",
                    vec![
                        (8, format!("load {}", self.handles[h].addr)),
                        (16, format!("load {}", self.handles[ch].addr)),
                        (24, "u8 7".into()),
                    ],
                    vec![(24, vec![u8::from(r)], false)],
                );
            }
            13 => {
                // copyBytesToJS(dst, src)
                if self.handles.is_empty() {
                    return Ok(());
                }
                let h = u.choose_index(self.handles.len())?;
                let (at, b) = self.bytes_arg(u)?;
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
                self.step(
                    "syscall/js.copyBytesToJS",
                    vec![
                        (8, format!("load {}", self.handles[h].addr)),
                        (16, format!("u64 {at}")),
                        (24, format!("u64 {}", b.len())),
                        (32, format!("u64 {}", b.len())),
                        (40, format!("u64 {SENTINEL}")),
                        (48, "u8 7".into()),
                    ],
                    vec![(40, out, false)],
                );
            }
            14 => {
                // copyBytesToGo(dst, src)
                if self.handles.is_empty() {
                    return Ok(());
                }
                let h = u.choose_index(self.handles.len())?;
                let len = u.int_in_range(0usize..=8)?;
                let buf = self.data(&[])?;
                self.data_next += len as u32;
                self.data_next = (self.data_next + 7) & !7;
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
                self.step(
                    "syscall/js.copyBytesToGo",
                    vec![
                        (8, format!("u64 {buf}")),
                        (16, format!("u64 {len}")),
                        (24, format!("u64 {len}")),
                        (32, format!("load {}", self.handles[h].addr)),
                        (40, format!("u64 {SENTINEL}")),
                        (48, "u8 7".into()),
                    ],
                    vec![(40, out, false), (buf, got, true)],
                );
            }
            15 => {
                // jsString: valuePrepareString then valueLoadString
                if self.handles.is_empty() {
                    return Ok(());
                }
                let h = u.choose_index(self.handles.len())?;
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
                self.step(
                    "syscall/js.valuePrepareString",
                    vec![(8, format!("load {}", self.handles[h].addr))],
                    vec![(16, out, false)],
                );
                self.hold(sp + 16, arr, bits);
                let extra = u.int_in_range(0u32..=3)?;
                let cap = b.len() as u32 + extra;
                let buf = self.data(&[])?;
                self.data_next = (self.data_next + cap + 7) & !7;
                let mut got = b.clone();
                got.resize(cap as usize, 0);
                self.step(
                    "syscall/js.valueLoadString",
                    vec![
                        (8, format!("load {}", sp + 16)),
                        (16, format!("u64 {buf}")),
                        (24, format!("u64 {cap}")),
                        (32, format!("u64 {cap}")),
                    ],
                    vec![(buf, got, true)],
                );
            }
            16 => {
                // globalThis.globalThis: Go wraps the predefined id 5 with a finalizer
                // (flag object) and finalizes it when collected; the count must not drop.
                let v = self.m.obj(OKind::Global);
                let (at, len) = self.str_key("globalThis")?;
                self.ops.push("get(global, globalThis)".into());
                self.get_from_global(at, len, v);
            }
            _ => {
                // Go collects a Value
                if self.handles.len() <= 3 {
                    return Ok(());
                }
                let h = u.int_in_range(3..=self.handles.len() - 1)?;
                self.finalize(h);
            }
        }
        Ok(())
    }

    fn finalize(&mut self, h: usize) {
        let hd = self.handles.remove(h);
        self.m.finalize(hd.bits);
        self.ops.push(format!("finalize(h{h})"));
        self.step(
            "syscall/js.finalizeRef",
            vec![(8, format!("load {}", hd.addr))],
            vec![],
        );
    }
}

impl Sequence {
    pub fn generate(u: &mut Unstructured<'_>) -> AResult<Sequence> {
        let mut g = Gen {
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
            expected: String::new(),
            data_next: DATA_START,
            handles: Vec::new(),
            ctors: [0; 3],
            ops: Vec::new(),
        };
        g.setup()?;
        let mut n = 0;
        while !u.is_empty() && n < MAX_OPS {
            g.op(u)?;
            n += 1;
        }
        if n == 0 {
            return Err(arbitrary::Error::NotEnoughData);
        }
        // Go collects everything, in an order the input picks.
        while !g.handles.is_empty() {
            let h = if u.is_empty() {
                0
            } else {
                u.choose_index(g.handles.len())?
            };
            g.finalize(h);
        }
        // Fresh values now reuse the freed ids, last freed first.
        for s in ["z1", "z2"] {
            let (at, len) = g.str_key(s)?;
            let v = MV::Str(s.into());
            let bits = g.m.store(&v);
            let sp = g.sp();
            g.step(
                "syscall/js.stringVal",
                vec![(8, format!("u64 {at}")), (16, format!("u64 {len}"))],
                vec![(24, bits.to_le_bytes().to_vec(), false)],
            );
            g.hold(sp + 24, v, bits);
        }
        while !g.handles.is_empty() {
            g.finalize(0);
        }
        Ok(Sequence {
            expected_len: g.m.len,
            spec: g.spec,
            expected: g.expected,
            ops: g.ops,
        })
    }
}

/// Limits of one run.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Run `seq` on the native host and check it against the model.
pub fn check_native(seq: &Sequence, fault: Option<Fault>) -> Result<(), String> {
    let bytes = crate::synth::build(&seq.spec).map_err(|e| format!("synth: {e:#}"))?;
    let probe = Arc::new(TableProbe::new(fault));
    let out = super::loading::run_bytes(&bytes, TIMEOUT, Some(probe.clone()))?;
    let report = probe.report();
    if let Some(v) = &report.violation {
        return Err(v.clone());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.ending != crate::native::Ending::Exit(0) || !stderr.is_empty() {
        return Err(format!("run ended with {:?}, stderr: {stderr}", out.ending));
    }
    if stdout != seq.expected {
        let diff = similar::TextDiff::from_lines(seq.expected.as_str(), &stdout)
            .unified_diff()
            .header("model", "native")
            .to_string();
        return Err(format!(
            "output differs from the model:\n{diff}\nops:\n{}",
            seq.ops.join("\n")
        ));
    }
    if report.live_dynamic != 0 || report.len != seq.expected_len as usize {
        return Err(format!(
            "after finalizing every ref: {} dynamic ids live, {} slots (model: 0 live, {} slots)",
            report.live_dynamic, report.len, seq.expected_len
        ));
    }
    Ok(())
}
