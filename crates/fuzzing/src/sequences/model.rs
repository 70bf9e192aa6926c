//! The model of the glue's ref table and of the JS values a sequence makes: what every
//! result of a [`super::Sequence`] must be.

use std::collections::{BTreeMap, HashMap};

use foldhash::fast::FixedState;
use gojs_abi::refs::{self, TypeFlag};

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
    // foldhash: std's SipHash of the keys was a visible part of generating a sequence.
    ids: HashMap<MKey, u32, FixedState>,
    counts: HashMap<u32, u64, FixedState>,
    /// `_values.length`.
    pub len: u32,
    pool: Vec<u32>,
}

/// The NaN-boxed ref Go would hold for a number.
pub(super) fn num_ref(n: f64) -> u64 {
    if n == 0.0 {
        refs::encode_id(refs::ID_ZERO, TypeFlag::None)
    } else if n.is_nan() {
        refs::encode_id(refs::ID_NAN, TypeFlag::None)
    } else {
        n.to_bits()
    }
}

impl Model {
    pub(super) fn new() -> Self {
        Model {
            len: refs::FIRST_DYNAMIC_ID,
            ..Default::default()
        }
    }

    pub(super) fn obj(&mut self, kind: OKind) -> MV {
        self.objs.push(MObj {
            kind,
            props: BTreeMap::new(),
        });
        MV::Obj(self.objs.len() - 1)
    }

    /// `storeValue`.
    pub(super) fn store(&mut self, v: &MV) -> u64 {
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
    pub(super) fn finalize(&mut self, bits: u64) {
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
    pub(super) fn js_string(&self, v: &MV, depth: u32) -> Option<String> {
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

pub(super) const NUMBERS: [(f64, &str); 6] = [
    (0.5, "0.5"),
    (-2.25, "-2.25"),
    (1e21, "1e+21"),
    (1e-7, "1e-7"),
    (123456789.125, "123456789.125"),
    (4294967296.0, "4294967296"),
];
