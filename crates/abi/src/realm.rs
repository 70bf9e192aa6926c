//! The JS operations the imports need, as a trait a JS engine (or a mock) implements.
//!
//! Every operation that can run JS returns `Err(thrown value)` when JS throws. Operations
//! that run JS may re-enter Go (a getter, a proxy trap or a function calling a `FuncOf`
//! wrapper); the imports never hold borrows of guest memory or of the ref table across them.

use std::hash::Hash;

/// `typeof`-level classification of a value, plus the primitive payloads the ABI needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Undefined,
    Null,
    Boolean(bool),
    Number(f64),
    String,
    Symbol,
    /// Non-null, non-callable object.
    Object,
    /// Callable object.
    Function,
    /// Anything else (BigInt): type flag 0.
    Other,
}

/// A JS realm.
pub trait Realm {
    /// A JS value.
    type Value: Clone;
    /// An identity key with SameValueZero semantics (strings by content, objects by identity,
    /// all NaNs equal, +0 and -0 equal).
    type Key: Eq + Hash + Clone;

    fn kind(&self, v: &Self::Value) -> Kind;
    fn key(&self, v: &Self::Value) -> Self::Key;

    fn undefined(&self) -> Self::Value;
    fn null(&self) -> Self::Value;
    fn boolean(&self, b: bool) -> Self::Value;
    fn number(&self, n: f64) -> Self::Value;
    fn string(&mut self, s: &str) -> Self::Value;
    /// `globalThis` (id 5).
    fn global(&self) -> Self::Value;
    /// The Go instance object (id 6).
    fn go_object(&self) -> Self::Value;

    /// `Reflect.get(target, name)`.
    fn get(&mut self, target: &Self::Value, name: &str) -> Result<Self::Value, Self::Value>;
    /// `Reflect.set(target, name, value)`.
    fn set(
        &mut self,
        target: &Self::Value,
        name: &str,
        value: &Self::Value,
    ) -> Result<(), Self::Value>;
    /// `Reflect.deleteProperty(target, name)`.
    fn delete(&mut self, target: &Self::Value, name: &str) -> Result<(), Self::Value>;
    /// `Reflect.get(target, index)`.
    fn get_index(&mut self, target: &Self::Value, index: f64) -> Result<Self::Value, Self::Value>;
    /// `Reflect.set(target, index, value)`.
    fn set_index(
        &mut self,
        target: &Self::Value,
        index: f64,
        value: &Self::Value,
    ) -> Result<(), Self::Value>;
    /// `Reflect.apply(f, this, args)`.
    fn call(
        &mut self,
        f: &Self::Value,
        this: &Self::Value,
        args: &[Self::Value],
    ) -> Result<Self::Value, Self::Value>;
    /// `Reflect.construct(f, args)`.
    fn construct(
        &mut self,
        f: &Self::Value,
        args: &[Self::Value],
    ) -> Result<Self::Value, Self::Value>;
    /// `v instanceof t`.
    fn instance_of(&mut self, v: &Self::Value, t: &Self::Value) -> Result<bool, Self::Value>;
    /// `parseInt(v.length)` (NaN when absent or not numeric).
    fn length(&mut self, v: &Self::Value) -> Result<f64, Self::Value>;
    /// `String(v)`.
    fn to_string(&mut self, v: &Self::Value) -> Result<String, Self::Value>;
    /// If `v` is a `Uint8Array` or `Uint8ClampedArray`: its first `max` bytes (or all if fewer).
    fn read_bytes(&mut self, v: &Self::Value, max: usize) -> Option<Vec<u8>>;
    /// If `v` is a `Uint8Array` or `Uint8ClampedArray`: copy `min(len, bytes.len())` bytes into
    /// it and return how many.
    fn write_bytes(&mut self, v: &Self::Value, bytes: &[u8]) -> Option<usize>;
    /// `new Uint8Array(bytes)`.
    fn new_uint8array(&mut self, bytes: &[u8]) -> Result<Self::Value, Self::Value>;
    /// A one-line description of a thrown value, as an uncaught-exception report would print it.
    fn describe(&mut self, thrown: &Self::Value) -> String;
}
