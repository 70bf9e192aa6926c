//! JS strings as UTF-8, and the SameValueZero identity of a JS value that the ref table keys on.
use boa_engine::{JsObject, JsString, JsSymbol};

/// A JS string as UTF-8, lone surrogates replaced by U+FFFD (what `TextEncoder` does).
/// boa's own conversion formats character by character, which dominated string-heavy runs.
pub fn utf8_lossy(s: &JsString) -> String {
    match s.variant() {
        boa_engine::string::JsStrVariant::Latin1(b) if b.is_ascii() => {
            String::from_utf8(b.to_vec()).unwrap_or_default()
        }
        boa_engine::string::JsStrVariant::Latin1(b) => b.iter().map(|&c| char::from(c)).collect(),
        boa_engine::string::JsStrVariant::Utf16(u) => String::from_utf16_lossy(u),
    }
}

/// The identity key of a JS value (SameValueZero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsKey {
    Undefined,
    Null,
    Bool(bool),
    Number(u64),
    String(JsString),
    Symbol(JsSymbol),
    Object(JsObject),
    Other(String),
}

/// Code units hashed at each end of a string key.
const STRING_HASH_ENDS: usize = 32;

impl std::hash::Hash for JsKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            JsKey::Undefined | JsKey::Null => {}
            JsKey::Bool(b) => b.hash(state),
            JsKey::Number(n) => n.hash(state),
            // A string's length and its first and last code units only (equality still
            // compares them all). JS engines keep a string's hash with the string; boa does
            // not, and hashing every code unit of a megabyte string each time Go stores it
            // took a third of a string-heavy program's time.
            JsKey::String(s) => {
                let (st, n) = (s.as_str(), s.len());
                n.hash(state);
                let head = n.min(STRING_HASH_ENDS);
                let tail = n.saturating_sub(STRING_HASH_ENDS).max(head);
                for i in (0..head).chain(tail..n) {
                    state.write_u16(st.get(i).unwrap_or(0));
                }
            }
            JsKey::Symbol(s) => std::hash::Hash::hash(s, state),
            JsKey::Object(o) => o.hash(state),
            JsKey::Other(s) => s.hash(state),
        }
    }
}
