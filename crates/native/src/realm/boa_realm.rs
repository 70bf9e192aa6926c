//! The boa realm as the ABI layer sees it ([`gojs_abi::realm::Realm`]), for the duration of
//! one import.
use boa_engine::object::builtins::JsUint8Array;
use boa_engine::{Context, JsError, JsObject, JsString, JsValue};
use gojs_abi::realm::{Kind, Realm};

use super::js_host::Helpers;
use super::keys::{JsKey, utf8_lossy};

/// The boa realm as the ABI sees it, for the duration of one import.
pub struct BoaRealm<'a> {
    pub ctx: &'a mut Context,
    pub h: &'a Helpers,
}

impl BoaRealm<'_> {
    fn thrown(&mut self, e: JsError) -> JsValue {
        let text = e.to_string();
        let text = text.lines().next().unwrap_or("error").to_string();
        e.into_opaque(self.ctx)
            .unwrap_or_else(|_| JsString::from(text.as_str()).into())
    }
    fn call_helper(&mut self, f: &JsObject, args: &[JsValue]) -> Result<JsValue, JsValue> {
        f.call(&JsValue::undefined(), args, self.ctx)
            .map_err(|e| self.thrown(e))
    }

    /// Run a `setTimeout` callback.
    pub fn run_js_timer(&mut self, id: i32) -> Result<(), JsValue> {
        let f = self.h.run_timer.clone();
        self.call_helper(&f, &[JsValue::new(id)]).map(|_| ())
    }

    /// Set `go._pendingEvent = {id: 0}` (the deadlock event).
    pub fn post_deadlock_event(&mut self) -> Result<(), JsValue> {
        let f = self.h.deadlock.clone();
        self.call_helper(&f, &[]).map(|_| ())
    }

    /// Mark the Go object as exited.
    pub fn mark_exited(&mut self) {
        let _ = self
            .h
            .go
            .set(JsString::from("exited"), true, false, self.ctx);
    }

    /// The value to store into element `key` of `target`, working around boa 0.22's
    /// conversion to 8- and 16-bit integer elements: it goes through `as i64`, which
    /// saturates at ±2^63, so `u8[0] = 1e21` stored 255 where the spec (and Node) store 0
    /// (found by `call_sequences`). A number that large is passed reduced modulo 2^32
    /// instead, which the spec's conversion maps to the same element (2^32 is a multiple of
    /// 2^16) and boa converts right.
    fn element_value(target: &JsValue, value: &JsValue) -> JsValue {
        use boa_engine::builtins::typed_array::{TypedArray, TypedArrayKind as K};
        let Some(n) = value.as_number() else {
            return value.clone();
        };
        if !n.is_finite() || n.abs() < 9007199254740992.0 {
            return value.clone();
        }
        let small = target.as_object().is_some_and(|o| {
            o.downcast_ref::<TypedArray>()
                .is_some_and(|t| matches!(t.kind(), K::Int8 | K::Uint8 | K::Int16 | K::Uint16))
        });
        if !small {
            return value.clone();
        }
        JsValue::new(n.trunc().rem_euclid(4294967296.0))
    }

    /// Run promise jobs.
    pub fn run_jobs(&mut self) -> Result<(), JsValue> {
        self.ctx.run_jobs().map_err(|e| self.thrown(e))
    }
}

impl Realm for BoaRealm<'_> {
    type Value = JsValue;
    type Key = JsKey;

    fn kind(&self, v: &JsValue) -> Kind {
        if v.is_undefined() {
            Kind::Undefined
        } else if v.is_null() {
            Kind::Null
        } else if let Some(b) = v.as_boolean() {
            Kind::Boolean(b)
        } else if let Some(n) = v.as_number() {
            Kind::Number(n)
        } else if v.is_string() {
            Kind::String
        } else if v.is_symbol() {
            Kind::Symbol
        } else if let Some(o) = v.as_object() {
            if o.is_callable() {
                Kind::Function
            } else {
                Kind::Object
            }
        } else {
            Kind::Other
        }
    }

    fn key(&self, v: &JsValue) -> JsKey {
        if v.is_undefined() {
            JsKey::Undefined
        } else if v.is_null() {
            JsKey::Null
        } else if let Some(b) = v.as_boolean() {
            JsKey::Bool(b)
        } else if let Some(n) = v.as_number() {
            JsKey::Number(if n.is_nan() {
                f64::NAN.to_bits()
            } else {
                (n + 0.0).to_bits()
            })
        } else if let Some(s) = v.as_string() {
            JsKey::String(s)
        } else if let Some(s) = v.as_symbol() {
            JsKey::Symbol(s)
        } else if let Some(o) = v.as_object() {
            JsKey::Object(o)
        } else {
            JsKey::Other(v.display().to_string())
        }
    }

    fn undefined(&self) -> JsValue {
        JsValue::undefined()
    }
    fn null(&self) -> JsValue {
        JsValue::null()
    }
    fn boolean(&self, b: bool) -> JsValue {
        JsValue::new(b)
    }
    fn number(&self, n: f64) -> JsValue {
        JsValue::new(n)
    }
    fn string(&mut self, s: &str) -> JsValue {
        JsString::from(s).into()
    }
    fn global(&self) -> JsValue {
        self.h.global.clone().into()
    }
    fn go_object(&self) -> JsValue {
        self.h.go.clone().into()
    }

    fn get(&mut self, target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
        let f = self.h.get.clone();
        self.call_helper(&f, &[target.clone(), JsString::from(name).into()])
    }
    fn set(&mut self, target: &JsValue, name: &str, value: &JsValue) -> Result<(), JsValue> {
        let f = self.h.set.clone();
        // An element when the name is a canonical array index.
        let index = name.parse::<u32>().is_ok_and(|i| i.to_string() == name);
        let value = if index {
            Self::element_value(target, value)
        } else {
            value.clone()
        };
        self.call_helper(&f, &[target.clone(), JsString::from(name).into(), value])
            .map(|_| ())
    }
    fn delete(&mut self, target: &JsValue, name: &str) -> Result<(), JsValue> {
        let f = self.h.del.clone();
        self.call_helper(&f, &[target.clone(), JsString::from(name).into()])
            .map(|_| ())
    }
    fn get_index(&mut self, target: &JsValue, index: f64) -> Result<JsValue, JsValue> {
        let f = self.h.get.clone();
        self.call_helper(&f, &[target.clone(), JsValue::new(index)])
    }
    fn set_index(&mut self, target: &JsValue, index: f64, value: &JsValue) -> Result<(), JsValue> {
        let f = self.h.set.clone();
        let value = Self::element_value(target, value);
        self.call_helper(&f, &[target.clone(), JsValue::new(index), value])
            .map(|_| ())
    }
    fn call(&mut self, f: &JsValue, this: &JsValue, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let apply = self.h.apply.clone();
        let list = boa_engine::object::builtins::JsArray::from_iter(args.iter().cloned(), self.ctx);
        self.call_helper(&apply, &[f.clone(), this.clone(), list.into()])
    }
    fn construct(&mut self, f: &JsValue, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let c = self.h.construct.clone();
        let list = boa_engine::object::builtins::JsArray::from_iter(args.iter().cloned(), self.ctx);
        self.call_helper(&c, &[f.clone(), list.into()])
    }
    fn instance_of(&mut self, v: &JsValue, t: &JsValue) -> Result<bool, JsValue> {
        let f = self.h.instance_of.clone();
        self.call_helper(&f, &[v.clone(), t.clone()])
            .map(|r| r.to_boolean())
    }
    fn length(&mut self, v: &JsValue) -> Result<f64, JsValue> {
        let f = self.h.length.clone();
        self.call_helper(&f, std::slice::from_ref(v))
            .map(|r| r.as_number().unwrap_or(f64::NAN))
    }
    fn to_string(&mut self, v: &JsValue) -> Result<String, JsValue> {
        let f = self.h.str.clone();
        let s = self.call_helper(&f, std::slice::from_ref(v))?;
        Ok(s.as_string().map(|s| utf8_lossy(&s)).unwrap_or_default())
    }
    fn read_bytes(&mut self, v: &JsValue, max: usize) -> Option<Vec<u8>> {
        let f = self.h.view.clone();
        let view = self
            .call_helper(&f, &[v.clone(), JsValue::new(max as f64)])
            .ok()?;
        let obj = view.as_object()?;
        JsUint8Array::from_object(obj).ok()?.to_vec(self.ctx).ok()
    }
    fn write_bytes(&mut self, v: &JsValue, bytes: &[u8]) -> Option<usize> {
        let src = JsUint8Array::from_iter(bytes.iter().copied(), self.ctx).ok()?;
        let f = self.h.copy_to.clone();
        let n = self
            .call_helper(&f, &[v.clone(), src.into()])
            .ok()?
            .as_number()?;
        (n >= 0.0).then_some(n as usize)
    }
    fn new_uint8array(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        match JsUint8Array::from_iter(bytes.iter().copied(), self.ctx) {
            Ok(a) => Ok(a.into()),
            Err(e) => Err(self.thrown(e)),
        }
    }
    fn describe(&mut self, thrown: &JsValue) -> String {
        let f = self.h.describe.clone();
        match self.call_helper(&f, std::slice::from_ref(thrown)) {
            Ok(s) => s
                .as_string()
                .map(|s| s.to_std_string_lossy())
                .unwrap_or_default(),
            Err(_) => match thrown.as_string() {
                Some(s) => s.to_std_string_lossy(),
                None => thrown.display().to_string(),
            },
        }
    }
}
