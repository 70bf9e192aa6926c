//! A small deterministic JS realm in plain Rust, fast enough to fuzz the ABI layer with
//! hundreds of thousands of inputs per minute.
//!
//! It is not a model of JS (see [`super::valueof`] and [`super::sequences`] for the models);
//! it only has to produce every kind of value and every kind of failure the imports handle:
//! strings, symbols, plain objects, arrays, functions, `Uint8Array`s, BigInt-like values,
//! getters that throw, non-callable callees, non-constructors, `instanceof` with a
//! non-callable right-hand side, and `length` of `undefined`.

use std::collections::BTreeMap;

use gojs_abi::realm::{Kind, Realm};

/// A value of the mock realm.
#[derive(Debug, Clone, PartialEq)]
pub enum MockValue {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Symbol(u32),
    /// An index into [`MockRealm::objects`]: plain objects, arrays, functions, byte arrays.
    Object(u32),
    /// Something with type flag 0 that is not a predefined value (a BigInt).
    BigInt(i64),
}

/// SameValueZero identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MockKey {
    Undefined,
    Null,
    Bool(bool),
    Number(u64),
    Str(String),
    Symbol(u32),
    Object(u32),
    BigInt(i64),
}

/// What an object is.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjKind {
    Plain,
    Array(Vec<MockValue>),
    Bytes(Vec<u8>),
    Function(Func),
}

/// The functions the mock realm knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `Object`: constructs a plain object.
    ObjectCtor,
    /// `Array`: constructs an array of the given length.
    ArrayCtor,
    /// `Uint8Array`: constructs zeroed bytes of the given length (capped).
    Uint8ArrayCtor,
    /// Returns its first argument.
    Identity,
    /// Always throws.
    Thrower,
    /// Makes a new symbol.
    SymbolMaker,
}

#[derive(Debug, Clone)]
pub struct MockObject {
    pub kind: ObjKind,
    pub props: BTreeMap<String, MockValue>,
}

/// Largest `Uint8Array` or `Array` the mock builds.
pub const MAX_LEN: usize = 1 << 16;
/// Objects the mock will allocate before every construction throws.
pub const MAX_OBJECTS: usize = 1 << 14;

/// The mock realm. Object 0 is `globalThis`, object 1 the Go object.
#[derive(Debug, Clone)]
pub struct MockRealm {
    pub objects: Vec<MockObject>,
    symbols: u32,
}

impl Default for MockRealm {
    fn default() -> Self {
        Self::new()
    }
}

fn err(msg: &str) -> MockValue {
    MockValue::Str(msg.to_string())
}

impl MockRealm {
    pub fn new() -> Self {
        let mut r = MockRealm {
            objects: Vec::new(),
            symbols: 0,
        };
        r.alloc(ObjKind::Plain);
        r.alloc(ObjKind::Plain);
        let (global, go) = (0usize, 1usize);
        for (name, f) in [
            ("Object", Func::ObjectCtor),
            ("Array", Func::ArrayCtor),
            ("Uint8Array", Func::Uint8ArrayCtor),
            ("identity", Func::Identity),
            ("thrower", Func::Thrower),
            ("Symbol", Func::SymbolMaker),
        ] {
            let v = r.alloc(ObjKind::Function(f));
            r.objects[global].props.insert(name.into(), v);
        }
        r.objects[global]
            .props
            .insert("big".into(), MockValue::BigInt(1 << 60));
        r.objects[go]
            .props
            .insert("_pendingEvent".into(), MockValue::Null);
        r
    }

    fn alloc(&mut self, kind: ObjKind) -> MockValue {
        self.objects.push(MockObject {
            kind,
            props: BTreeMap::new(),
        });
        MockValue::Object(self.objects.len() as u32 - 1)
    }

    fn obj(&self, v: &MockValue) -> Option<&MockObject> {
        match v {
            MockValue::Object(i) => self.objects.get(*i as usize),
            _ => None,
        }
    }

    fn obj_mut(&mut self, v: &MockValue) -> Option<&mut MockObject> {
        match v {
            MockValue::Object(i) => self.objects.get_mut(*i as usize),
            _ => None,
        }
    }

    fn func(&self, v: &MockValue) -> Option<Func> {
        match self.obj(v)?.kind {
            ObjKind::Function(f) => Some(f),
            _ => None,
        }
    }

    fn new_of(&mut self, f: Func, args: &[MockValue]) -> Result<MockValue, MockValue> {
        if self.objects.len() >= MAX_OBJECTS {
            return Err(err("RangeError: out of memory (mock object limit)"));
        }
        let len = || match args.first() {
            None => Ok(0usize),
            Some(MockValue::Number(n)) if *n >= 0.0 && n.fract() == 0.0 && *n <= MAX_LEN as f64 => {
                Ok(*n as usize)
            }
            Some(_) => Err(err("RangeError: Invalid array length")),
        };
        match f {
            Func::ObjectCtor => Ok(self.alloc(ObjKind::Plain)),
            Func::ArrayCtor => {
                let n = len()?;
                Ok(self.alloc(ObjKind::Array(vec![MockValue::Undefined; n])))
            }
            Func::Uint8ArrayCtor => {
                let n = len()?;
                Ok(self.alloc(ObjKind::Bytes(vec![0; n])))
            }
            _ => Err(err("TypeError: not a constructor")),
        }
    }
}

fn index_name(i: f64) -> String {
    if i.fract() == 0.0 && i.abs() < 1e15 {
        format!("{}", i as i64)
    } else {
        format!("{i}")
    }
}

impl Realm for MockRealm {
    type Value = MockValue;
    type Key = MockKey;

    fn kind(&self, v: &MockValue) -> Kind {
        match v {
            MockValue::Undefined => Kind::Undefined,
            MockValue::Null => Kind::Null,
            MockValue::Bool(b) => Kind::Boolean(*b),
            MockValue::Number(n) => Kind::Number(*n),
            MockValue::Str(_) => Kind::String,
            MockValue::Symbol(_) => Kind::Symbol,
            MockValue::Object(_) if self.func(v).is_some() => Kind::Function,
            MockValue::Object(_) => Kind::Object,
            MockValue::BigInt(_) => Kind::Other,
        }
    }

    fn key(&self, v: &MockValue) -> MockKey {
        match v {
            MockValue::Undefined => MockKey::Undefined,
            MockValue::Null => MockKey::Null,
            MockValue::Bool(b) => MockKey::Bool(*b),
            MockValue::Number(n) if n.is_nan() => MockKey::Number(f64::NAN.to_bits()),
            MockValue::Number(n) => MockKey::Number((n + 0.0).to_bits()),
            MockValue::Str(s) => MockKey::Str(s.clone()),
            MockValue::Symbol(s) => MockKey::Symbol(*s),
            MockValue::Object(i) => MockKey::Object(*i),
            MockValue::BigInt(b) => MockKey::BigInt(*b),
        }
    }

    fn undefined(&self) -> MockValue {
        MockValue::Undefined
    }
    fn null(&self) -> MockValue {
        MockValue::Null
    }
    fn boolean(&self, b: bool) -> MockValue {
        MockValue::Bool(b)
    }
    fn number(&self, n: f64) -> MockValue {
        MockValue::Number(n)
    }
    fn string(&mut self, s: &str) -> MockValue {
        MockValue::Str(s.to_string())
    }
    fn global(&self) -> MockValue {
        MockValue::Object(0)
    }
    fn go_object(&self) -> MockValue {
        MockValue::Object(1)
    }

    fn get(&mut self, target: &MockValue, name: &str) -> Result<MockValue, MockValue> {
        if name == "boom" {
            return Err(err("Error: getter boom throws"));
        }
        match target {
            MockValue::Undefined | MockValue::Null => Err(err("TypeError: cannot read properties")),
            MockValue::Str(s) if name == "length" => {
                Ok(MockValue::Number(s.encode_utf16().count() as f64))
            }
            _ => {
                let Some(o) = self.obj(target) else {
                    return Ok(MockValue::Undefined);
                };
                if name == "length" {
                    match &o.kind {
                        ObjKind::Array(a) => return Ok(MockValue::Number(a.len() as f64)),
                        ObjKind::Bytes(b) => return Ok(MockValue::Number(b.len() as f64)),
                        _ => {}
                    }
                }
                if let (ObjKind::Array(a), Ok(i)) = (&o.kind, name.parse::<usize>()) {
                    return Ok(a.get(i).cloned().unwrap_or(MockValue::Undefined));
                }
                if let (ObjKind::Bytes(b), Ok(i)) = (&o.kind, name.parse::<usize>()) {
                    return Ok(b
                        .get(i)
                        .map(|&x| MockValue::Number(f64::from(x)))
                        .unwrap_or(MockValue::Undefined));
                }
                Ok(o.props.get(name).cloned().unwrap_or(MockValue::Undefined))
            }
        }
    }

    fn set(&mut self, target: &MockValue, name: &str, value: &MockValue) -> Result<(), MockValue> {
        if name == "boom" {
            return Err(err("Error: setter boom throws"));
        }
        match target {
            MockValue::Undefined | MockValue::Null => Err(err("TypeError: cannot set properties")),
            _ => {
                let Some(o) = self.obj_mut(target) else {
                    return Ok(());
                };
                if let (ObjKind::Array(a), Ok(i)) = (&mut o.kind, name.parse::<usize>()) {
                    if i >= MAX_LEN {
                        return Err(err("RangeError: Invalid array length"));
                    }
                    if i >= a.len() {
                        a.resize(i + 1, MockValue::Undefined);
                    }
                    a[i] = value.clone();
                    return Ok(());
                }
                if let (ObjKind::Bytes(b), Ok(i)) = (&mut o.kind, name.parse::<usize>()) {
                    if let (Some(slot), MockValue::Number(n)) = (b.get_mut(i), value) {
                        *slot = gojs_abi::frame::to_uint32(*n) as u8;
                    }
                    return Ok(());
                }
                o.props.insert(name.to_string(), value.clone());
                Ok(())
            }
        }
    }

    fn delete(&mut self, target: &MockValue, name: &str) -> Result<(), MockValue> {
        match target {
            MockValue::Undefined | MockValue::Null => {
                Err(err("TypeError: cannot convert to object"))
            }
            _ => {
                if let Some(o) = self.obj_mut(target) {
                    o.props.remove(name);
                }
                Ok(())
            }
        }
    }

    fn get_index(&mut self, target: &MockValue, index: f64) -> Result<MockValue, MockValue> {
        self.get(target, &index_name(index))
    }

    fn set_index(
        &mut self,
        target: &MockValue,
        index: f64,
        value: &MockValue,
    ) -> Result<(), MockValue> {
        self.set(target, &index_name(index), value)
    }

    fn call(
        &mut self,
        f: &MockValue,
        _this: &MockValue,
        args: &[MockValue],
    ) -> Result<MockValue, MockValue> {
        match self.func(f) {
            None => Err(err("TypeError: not a function")),
            Some(Func::Identity) => Ok(args.first().cloned().unwrap_or(MockValue::Undefined)),
            Some(Func::Thrower) => Err(args.first().cloned().unwrap_or(err("Error: thrown"))),
            Some(Func::SymbolMaker) => {
                self.symbols += 1;
                Ok(MockValue::Symbol(self.symbols))
            }
            Some(Func::Uint8ArrayCtor) => {
                Err(err("TypeError: Constructor Uint8Array requires 'new'"))
            }
            Some(c) => self.new_of(c, args),
        }
    }

    fn construct(&mut self, f: &MockValue, args: &[MockValue]) -> Result<MockValue, MockValue> {
        match self.func(f) {
            None => Err(err("TypeError: not a constructor")),
            Some(c) => self.new_of(c, args),
        }
    }

    fn instance_of(&mut self, v: &MockValue, t: &MockValue) -> Result<bool, MockValue> {
        let Some(f) = self.func(t) else {
            return Err(err(
                "TypeError: Right-hand side of 'instanceof' is not callable",
            ));
        };
        let Some(o) = self.obj(v) else {
            return Ok(false);
        };
        Ok(matches!(
            (f, &o.kind),
            (Func::ObjectCtor, _)
                | (Func::ArrayCtor, ObjKind::Array(_))
                | (Func::Uint8ArrayCtor, ObjKind::Bytes(_))
        ))
    }

    fn length(&mut self, v: &MockValue) -> Result<f64, MockValue> {
        let l = self.get(v, "length")?;
        Ok(match l {
            MockValue::Number(n) if n.is_finite() => n.trunc(),
            MockValue::Str(s) => s
                .trim()
                .parse::<i64>()
                .map(|n| n as f64)
                .unwrap_or(f64::NAN),
            _ => f64::NAN,
        })
    }

    fn to_string(&mut self, v: &MockValue) -> Result<String, MockValue> {
        Ok(match v {
            MockValue::Undefined => "undefined".into(),
            MockValue::Null => "null".into(),
            MockValue::Bool(b) => b.to_string(),
            MockValue::Number(n) => n.to_string(),
            MockValue::Str(s) => s.clone(),
            MockValue::Symbol(s) => format!("Symbol({s})"),
            MockValue::BigInt(b) => b.to_string(),
            MockValue::Object(_) => match self.obj(v).map(|o| &o.kind) {
                Some(ObjKind::Function(f)) => format!("function {f:?}() {{ [native code] }}"),
                _ => "[object Object]".into(),
            },
        })
    }

    fn read_bytes(&mut self, v: &MockValue, max: usize) -> Option<Vec<u8>> {
        match &self.obj(v)?.kind {
            ObjKind::Bytes(b) => Some(b[..b.len().min(max)].to_vec()),
            _ => None,
        }
    }

    fn write_bytes(&mut self, v: &MockValue, bytes: &[u8]) -> Option<usize> {
        match &mut self.obj_mut(v)?.kind {
            ObjKind::Bytes(b) => {
                let n = b.len().min(bytes.len());
                b[..n].copy_from_slice(&bytes[..n]);
                Some(n)
            }
            _ => None,
        }
    }

    fn new_uint8array(&mut self, bytes: &[u8]) -> Result<MockValue, MockValue> {
        if self.objects.len() >= MAX_OBJECTS {
            return Err(err("RangeError: out of memory (mock object limit)"));
        }
        Ok(self.alloc(ObjKind::Bytes(bytes.to_vec())))
    }

    fn describe(&mut self, thrown: &MockValue) -> String {
        match thrown {
            MockValue::Str(s) => s.clone(),
            other => format!("Uncaught {other:?}"),
        }
    }
}
