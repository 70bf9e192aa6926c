//! Target 3, `valueof_roundtrip`: Go-like values go through `js.ValueOf` (as `syscall/js`
//! lays it out: stringVal, `new Array(n)` + valueSetIndex, `new Object()` + valueSet,
//! numbers boxed in place) into a real JS realm, are read back the way Go reads them
//! (Type, Float, String through valuePrepareString/valueLoadString, Length, Index, Get), and
//! are compared with a model of JS semantics:
//! * Go -0 becomes JS +0 (the predefined id 1), any NaN becomes the predefined NaN (id 0);
//! * integers become float64 with round-to-nearest;
//! * strings are decoded with U+FFFD replacement of maximal invalid subparts (`TextDecoder`),
//!   so two different Go map keys may become one JS key (the later write wins);
//! * a `__proto__` key sets the prototype when the value is an object or null and is ignored
//!   otherwise (`Reflect.set` through `Object.prototype.__proto__`); reading it back gives
//!   the new prototype, or `undefined` once the chain ends in null without passing
//!   `Object.prototype` (the getter is no longer inherited: a null prototype, or a prototype
//!   whose own prototype is null, found by a ten-minute run).
//!
//! Also raw refs: any 8-byte pattern decodes as the glue's `loadValue` does, and every number
//! encodes as `storeValue` does. After Go "collects" every Value (a `finalizeRef` per ref
//! with a type flag, as Go's finalizers do), no dynamic id is live and the invariants hold.

use arbitrary::{Result as AResult, Unstructured};

use gojs_abi::imports::Env;
use gojs_abi::realm::{Kind, Realm};
use gojs_abi::refs::{self, Ref};

use super::goside::{GoSide, GoType, float_ref, go_type, has_finalizer};

/// A Go value `js.ValueOf` accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    F32(f32),
    F64(f64),
    Str(Vec<u8>),
    List(Vec<GoValue>),
    /// A Go map: distinct keys, in the order this emulation ranges over them.
    Map(Vec<(Vec<u8>, GoValue)>),
}

const EDGE_F64: [f64; 16] = [
    0.0,
    -0.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    f64::MAX,
    f64::MIN,
    9007199254740992.0,
    9007199254740993.0,
    -9007199254740993.0,
    1e21,
    0.1,
    -1.5,
];

const EDGE_I64: [i64; 8] = [
    0,
    -1,
    i64::MIN,
    i64::MAX,
    (1 << 53) + 1,
    -(1 << 53) - 1,
    1 << 53,
    4294967296,
];

const KEY_WORDS: [&[u8]; 10] = [
    b"__proto__",
    b"length",
    b"0",
    b"a",
    b"constructor",
    b"toString",
    b"\xff",
    b"\xfe",
    b"\xef\xbf\xbd",
    b"\xe2\x82",
];

fn bytes(u: &mut Unstructured<'_>) -> AResult<Vec<u8>> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => u.choose(&KEY_WORDS)?.to_vec(),
        _ => {
            let n = u.int_in_range(0usize..=12)?;
            (0..n).map(|_| u.arbitrary()).collect::<AResult<_>>()?
        }
    })
}

impl GoValue {
    pub fn generate(u: &mut Unstructured<'_>, depth: u32) -> AResult<GoValue> {
        let max = if depth == 0 { 7 } else { 9 };
        Ok(match u.int_in_range(0u8..=max)? {
            0 => GoValue::Nil,
            1 => GoValue::Bool(u.arbitrary()?),
            2 => GoValue::Int(if u.ratio(1u8, 2)? {
                *u.choose(&EDGE_I64)?
            } else {
                u.arbitrary()?
            }),
            3 => GoValue::Uint(u.arbitrary()?),
            4 => GoValue::F32(f32::from_bits(u.arbitrary()?)),
            5 => GoValue::F64(if u.ratio(1u8, 2)? {
                *u.choose(&EDGE_F64)?
            } else {
                f64::from_bits(u.arbitrary()?)
            }),
            6 | 7 => GoValue::Str(bytes(u)?),
            8 => {
                let n = u.int_in_range(0usize..=6)?;
                GoValue::List(
                    (0..n)
                        .map(|_| GoValue::generate(u, depth - 1))
                        .collect::<AResult<_>>()?,
                )
            }
            _ => {
                let n = u.int_in_range(0usize..=6)?;
                let mut m: Vec<(Vec<u8>, GoValue)> = Vec::new();
                for _ in 0..n {
                    let k = bytes(u)?;
                    let v = GoValue::generate(u, depth - 1)?;
                    // A Go map has distinct keys.
                    m.retain(|(k2, _)| *k2 != k);
                    m.push((k, v));
                }
                GoValue::Map(m)
            }
        })
    }
}

/// What JS holds after `ValueOf`.
#[derive(Debug, Clone, PartialEq)]
pub enum JsModel {
    Undefined,
    Null,
    Bool(bool),
    /// Never -0; NaN is any NaN.
    Number(f64),
    Str(String),
    Array(Vec<JsModel>),
    Object {
        own: Vec<(String, JsModel)>,
        /// `Some` when `__proto__` was set to an object or null.
        proto: Option<Box<JsModel>>,
    },
    /// `Object.prototype` (read through `__proto__` when it was not replaced): only its type
    /// is checked.
    ObjectPrototype,
}

fn number(f: f64) -> JsModel {
    JsModel::Number(if f == 0.0 { 0.0 } else { f })
}

/// The model of `js.ValueOf(v)`.
pub fn model(v: &GoValue) -> JsModel {
    match v {
        GoValue::Nil => JsModel::Null,
        GoValue::Bool(b) => JsModel::Bool(*b),
        GoValue::Int(i) => number(*i as f64),
        GoValue::Uint(i) => number(*i as f64),
        GoValue::F32(f) => number(f64::from(*f)),
        GoValue::F64(f) => number(*f),
        GoValue::Str(s) => JsModel::Str(String::from_utf8_lossy(s).into_owned()),
        GoValue::List(l) => JsModel::Array(l.iter().map(model).collect()),
        GoValue::Map(m) => {
            let mut own: Vec<(String, JsModel)> = Vec::new();
            let mut proto = None;
            for (k, v) in m {
                let k = String::from_utf8_lossy(k).into_owned();
                let v = model(v);
                if k == "__proto__" {
                    if matches!(
                        v,
                        JsModel::Null | JsModel::Array(_) | JsModel::Object { .. }
                    ) {
                        proto = Some(Box::new(v));
                    }
                    continue;
                }
                match own.iter_mut().find(|(k2, _)| *k2 == k) {
                    Some(slot) => slot.1 = v,
                    None => own.push((k, v)),
                }
            }
            JsModel::Object { own, proto }
        }
    }
}

/// Refs Go holds and must finalize at the end.
struct Held(Vec<u64>);

impl Held {
    fn keep(&mut self, r: u64) -> u64 {
        if has_finalizer(r) {
            self.0.push(r);
        }
        r
    }
}

/// `js.ValueOf`, emulated.
fn value_of<R: Realm>(
    go: &mut GoSide<'_, R>,
    held: &mut Held,
    ctors: (u64, u64),
    v: &GoValue,
) -> Result<u64, String> {
    Ok(match v {
        GoValue::Nil => refs::encode_id(refs::ID_NULL, refs::TypeFlag::None),
        GoValue::Bool(true) => refs::encode_id(refs::ID_TRUE, refs::TypeFlag::None),
        GoValue::Bool(false) => refs::encode_id(refs::ID_FALSE, refs::TypeFlag::None),
        GoValue::Int(i) => float_ref(*i as f64),
        GoValue::Uint(i) => float_ref(*i as f64),
        GoValue::F32(f) => float_ref(f64::from(*f)),
        GoValue::F64(f) => float_ref(*f),
        GoValue::Str(s) => {
            let r = go.string_val(s)?;
            held.keep(r)
        }
        GoValue::List(l) => {
            let (a, ok) = go.new_(ctors.1, &[float_ref(l.len() as f64)])?;
            if !ok {
                return Err("new Array(n) threw".into());
            }
            held.keep(a);
            for (i, x) in l.iter().enumerate() {
                let xr = value_of(go, held, ctors, x)?;
                go.set_index(a, i as i64, xr)?;
            }
            a
        }
        GoValue::Map(m) => {
            let (o, ok) = go.new_(ctors.0, &[])?;
            if !ok {
                return Err("new Object() threw".into());
            }
            held.keep(o);
            for (k, x) in m {
                let xr = value_of(go, held, ctors, x)?;
                go.set(o, k, xr)?;
            }
            o
        }
    })
}

fn same_number(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Read `r` back as Go would and compare with `m`.
fn read_back<R: Realm>(
    go: &mut GoSide<'_, R>,
    held: &mut Held,
    r: u64,
    m: &JsModel,
    path: &str,
) -> Result<(), String> {
    let t = go_type(r);
    let want = match m {
        JsModel::Undefined => GoType::Undefined,
        JsModel::Null => GoType::Null,
        JsModel::Bool(_) => GoType::Boolean,
        JsModel::Number(_) => GoType::Number,
        JsModel::Str(_) => GoType::String,
        JsModel::Array(_) | JsModel::Object { .. } | JsModel::ObjectPrototype => GoType::Object,
    };
    if t != want {
        return Err(format!(
            "{path}: Type() is {t:?}, the model says {want:?} ({m:?}); ref {r:#018x}"
        ));
    }
    match m {
        JsModel::Bool(b) => {
            let got = refs::decode(r) == Ref::Id(refs::ID_TRUE);
            if got != *b {
                return Err(format!("{path}: Bool() is {got}, want {b}"));
            }
        }
        JsModel::Number(f) => {
            let got = go.float(r);
            if !same_number(got, *f) {
                return Err(format!(
                    "{path}: Float() is {got:?} ({:#x}), want {f:?} ({:#x})",
                    got.to_bits(),
                    f.to_bits()
                ));
            }
        }
        JsModel::Str(s) => {
            let got = go.js_string(r)?;
            if got != s.as_bytes() {
                return Err(format!(
                    "{path}: String() is {:?}, want {s:?}",
                    String::from_utf8_lossy(&got)
                ));
            }
        }
        JsModel::Array(items) => {
            let n = go.length(r)?;
            if n != items.len() as i64 {
                return Err(format!("{path}: Length() is {n}, want {}", items.len()));
            }
            for (i, item) in items.iter().enumerate() {
                let x = go.index(r, i as i64)?;
                held.keep(x);
                read_back(go, held, x, item, &format!("{path}[{i}]"))?;
            }
        }
        JsModel::Object { own, proto } => {
            for (k, v) in own {
                let x = go.get(r, k.as_bytes())?;
                held.keep(x);
                read_back(go, held, x, v, &format!("{path}.{k:?}"))?;
            }
            let x = go.get(r, b"__proto__")?;
            held.keep(x);
            // Once the prototype chain ends in null without passing `Object.prototype`,
            // nothing inherits its `__proto__` getter and the read gives `undefined`.
            let want = match proto.as_deref() {
                _ if !inherits_proto_getter(proto.as_deref()) => &JsModel::Undefined,
                None => &JsModel::ObjectPrototype,
                Some(p) => p,
            };
            read_back(go, held, x, want, &format!("{path}.__proto__"))?;
        }
        JsModel::Undefined | JsModel::Null | JsModel::ObjectPrototype => {}
    }
    Ok(())
}

/// Whether an object whose `__proto__` was set to `proto` (`None`: left alone) still has
/// `Object.prototype` in its prototype chain.
fn inherits_proto_getter(proto: Option<&JsModel>) -> bool {
    match proto {
        None | Some(JsModel::Array(_)) => true,
        Some(JsModel::Object { proto, .. }) => inherits_proto_getter(proto.as_deref()),
        Some(_) => false,
    }
}

/// One input of the target.
#[derive(Debug, Clone)]
pub struct ValueOfInput {
    pub values: Vec<GoValue>,
    /// Raw 8-byte refs to decode.
    pub raw: Vec<u64>,
}

impl ValueOfInput {
    pub fn generate(u: &mut Unstructured<'_>) -> AResult<ValueOfInput> {
        let mut values = Vec::new();
        let mut raw = Vec::new();
        while !u.is_empty() && values.len() + raw.len() < 16 {
            if u.ratio(1u8, 4)? {
                raw.push(match u.int_in_range(0u8..=3)? {
                    0 => u.arbitrary()?,
                    1 => (*u.choose(&EDGE_F64)?).to_bits(),
                    2 => {
                        (u64::from(0x7FF8_0000u32 | u.int_in_range(0u32..=7)?) << 32)
                            | u64::from(u.int_in_range(0u32..=40)?)
                    }
                    _ => 0x8000_0000_0000_0000,
                });
            } else {
                values.push(GoValue::generate(u, 3)?);
            }
        }
        if values.is_empty() && raw.is_empty() {
            return Err(arbitrary::Error::NotEnoughData);
        }
        Ok(ValueOfInput { values, raw })
    }
}

/// The glue's `loadValue`, as a model: what kind of value a raw ref denotes.
fn model_load(bits: u64, live: &[u32]) -> Result<Option<f64>, ()> {
    let f = f64::from_bits(bits);
    if f == 0.0 {
        Err(()) // undefined
    } else if !f.is_nan() {
        Ok(Some(f))
    } else {
        let id = bits as u32;
        if live.contains(&id) {
            Ok(None)
        } else {
            Err(())
        }
    }
}

/// Run the target's oracle with `realm` (a faithful JS realm: boa in the target).
pub fn check_valueof<R: Realm>(
    realm: &mut R,
    input: &ValueOfInput,
    fault: Option<gojs_abi::table::Fault>,
) -> Result<(), String> {
    let mut go = GoSide::new(realm);
    go.table.borrow_mut().inject_fault(fault);
    let mut held = Held(Vec::new());
    // Raw refs: decoding.
    for &bits in &input.raw {
        let live = go.table.borrow().live_ids();
        let v = Env {
            mem: &mut go.mem,
            realm: &mut *go.realm,
            table: &go.table,
            rt: &mut go.rt,
        }
        .value_of(bits);
        let k = go.realm.kind(&v);
        match (model_load(bits, &live), k) {
            (Err(()), Kind::Undefined) => {}
            (Ok(Some(f)), Kind::Number(g)) if f.to_bits() == g.to_bits() => {}
            (Ok(None), _) => {
                let id = bits as u32;
                let want = go.table.borrow().get(id).map(|w| go.realm.key(w));
                if want != Some(go.realm.key(&v)) {
                    return Err(format!(
                        "ref {bits:#018x}: loadValue is not the value of id {id}"
                    ));
                }
            }
            (m, k) => {
                return Err(format!(
                    "ref {bits:#018x}: loadValue gave {k:?}, the model {m:?}"
                ));
            }
        }
        // Numbers: storeValue of the number the pattern denotes.
        let f = f64::from_bits(bits);
        let nv = go.realm.number(f);
        let r = Env {
            mem: &mut go.mem,
            realm: &mut *go.realm,
            table: &go.table,
            rt: &mut go.rt,
        }
        .ref_of(nv);
        if r != float_ref(f) {
            return Err(format!(
                "storeValue({f:?}) = {r:#018x}, want {:#018x}",
                float_ref(f)
            ));
        }
    }
    let before = go.table.borrow().total_count();
    let (object, array) = (
        go.get(
            refs::encode_id(refs::ID_GLOBAL, refs::TypeFlag::Object),
            b"Object",
        )?,
        go.get(
            refs::encode_id(refs::ID_GLOBAL, refs::TypeFlag::Object),
            b"Array",
        )?,
    );
    held.keep(object);
    held.keep(array);
    for (i, v) in input.values.iter().enumerate() {
        go.reset_heap();
        let m = model(v);
        let r = value_of(&mut go, &mut held, (object, array), v)?;
        read_back(&mut go, &mut held, r, &m, &format!("value {i}"))?;
        go.table
            .borrow()
            .check_invariants()
            .map_err(|e| format!("value {i}: ref table invariant broken: {e}"))?;
    }
    // Go collects everything: one finalizeRef per Value with a finalizer.
    for r in std::mem::take(&mut held.0) {
        go.finalize(r)?;
    }
    let t = go.table.borrow();
    t.check_invariants()
        .map_err(|e| format!("after finalizing: ref table invariant broken: {e}"))?;
    if t.live_dynamic() != 0 || t.total_count() != before {
        return Err(format!(
            "after finalizing every ref, {} dynamic ids are still live (counts {} -> {})",
            t.live_dynamic(),
            before,
            t.total_count()
        ));
    }
    Ok(())
}
