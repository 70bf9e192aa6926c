//! Import traces: what Go passed to each import and what it got back, read from linear
//! memory, one JSON line per event, the same on every host.
//!
//! The trace is taken from outside the import: inputs are read at `sp` before the host's
//! handler runs, outputs at the `sp` of `getsp` after it returns, so a trace shows what Go
//! saw, whatever the handler did. The layout of each import is the frame table of
//! [`crate::layout`]: the native host reads it here, and the Node runner receives it as JSON
//! ([`layout_json`]) and decodes memory the same way in `node_runner.js`.
//!
//! Lines (keys are listed in the order written; compare lines as JSON values):
//! * `{"d":D,"ev":"run"}`, `{"d":D,"ev":"resume"}`: the host enters Go (`run`, or `resume`
//!   for a timer, a callback or the deadlock event); `D` is the import nesting depth.
//! * `{"d":D,"i":NAME,"in":{…},"vol":{…}}`: an import is called. Written before the
//!   handler runs, so the last line of a run that exits is `runtime.wasmExit`.
//! * `{"d":D,"r":NAME,"out":{…},"vol":{…}}`: it returned (imports with results only).
//!
//! Values are JSON strings or small integers: a ref as `undefined`, an integer such as
//! `42`, `f64:<16 hex digits>` for any other number, or `<flag>#<id>` for a boxed ref
//! (`object#7`, `string#9`, `#2` for null…); a string as its text (UTF-8 with U+FFFD,
//! first 256 bytes, then `…(+N bytes)`); a `[]ref` as a list of refs; a byte slice as its
//! length; an int64 as a decimal string. Fields that are times or random go under `vol`,
//! which [`comparable`] drops, with the lines of clock reads ([`is_clock_read`]).

use std::io::Write;

use serde_json::{Map, Value, json};

use super::frame;
use super::imports::Import;
use super::layout::{Field, FieldKind, HEADER_LEN, HEADER_PTR, fields};

/// Every import's layout as JSON, for the Node runner:
/// `{"NAME": [[field, offset, kind, out, volatile], …], …}`.
pub fn layout_json() -> String {
    let mut m = Map::new();
    for i in Import::ALL {
        if i == Import::Debug {
            continue;
        }
        let fs: Vec<Value> = fields(i)
            .iter()
            .map(|f| json!([f.name, f.off, f.kind.tag(), f.out, f.volatile]))
            .collect();
        m.insert(i.name().to_string(), Value::Array(fs));
    }
    Value::Object(m).to_string()
}

/// Bytes of a string traced before the rest is summarised.
pub const TEXT_LIMIT: usize = 256;
/// Entries of a `[]ref` traced before the rest is summarised.
pub const REFS_LIMIT: usize = 64;

const FLAGS: [&str; 8] = ["", "object", "string", "symbol", "function", "5", "6", "7"];

/// A ref as traced (see the module docs).
pub fn format_ref(bits: u64) -> String {
    let f = f64::from_bits(bits);
    if f == 0.0 {
        return "undefined".into();
    }
    if f.is_nan() {
        let flag = FLAGS[((bits >> 32) & 7) as usize];
        return format!("{flag}#{}", bits as u32);
    }
    if f.fract() == 0.0 && f.abs() < 9007199254740992.0 {
        return format!("{}", f as i64);
    }
    format!("f64:{bits:016x}")
}

/// Bytes as traced text: lossy UTF-8 of the first [`TEXT_LIMIT`] bytes.
pub fn format_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(TEXT_LIMIT)];
    let mut s = String::from_utf8_lossy(head).into_owned();
    if bytes.len() > TEXT_LIMIT {
        s.push_str(&format!("…(+{} bytes)", bytes.len() - TEXT_LIMIT));
    }
    s
}

/// One field read from memory; a field outside memory is traced as `"<out of bounds>"`.
pub fn read_field(mem: &[u8], sp: u32, f: &Field) -> Value {
    read(mem, sp, f).unwrap_or_else(|| Value::String("<out of bounds>".into()))
}

fn read(mem: &[u8], sp: u32, f: &Field) -> Option<Value> {
    let a = f.at(sp);
    let w = "trace";
    Some(match f.kind {
        FieldKind::I32 => json!(frame::read_i32(mem, w, a).ok()?),
        FieldKind::U8 => json!(frame::read_u8(mem, w, a).ok()?),
        FieldKind::I64 => json!(frame::read_i64(mem, w, a).ok()?.to_string()),
        FieldKind::Ref => json!(format_ref(frame::read_u64(mem, w, a).ok()?)),
        FieldKind::Str => json!(format_text(frame::read_bytes(mem, w, a).ok()?)),
        FieldKind::Bytes => json!(frame::read_i64(mem, w, a + u64::from(HEADER_LEN)).ok()?),
        FieldKind::Refs => {
            let ptr = frame::read_i64(mem, w, a + u64::from(HEADER_PTR)).ok()?;
            let len = frame::read_i64(mem, w, a + u64::from(HEADER_LEN)).ok()?;
            if ptr < 0 || len < 0 {
                return None;
            }
            let shown = len.min(REFS_LIMIT as i64) as u64;
            let mut list = Vec::new();
            for k in 0..shown {
                list.push(json!(format_ref(
                    frame::read_u64(mem, w, ptr as u64 + 8 * k).ok()?
                )));
            }
            if len as u64 > shown {
                list.push(json!(format!("…(+{} refs)", len as u64 - shown)));
            }
            Value::Array(list)
        }
        FieldKind::Write => json!(format_text(&mem[frame::read_write_span(mem, w, a).ok()?])),
    })
}

/// The arguments (`out` false) or results of an import, split into the compared values and
/// the volatile ones.
fn read_fields(
    import: Import,
    mem: &[u8],
    sp: u32,
    out: bool,
) -> (Map<String, Value>, Map<String, Value>) {
    let (mut vals, mut vol) = (Map::new(), Map::new());
    for f in fields(import).iter().filter(|f| f.out == out) {
        let into = if f.volatile { &mut vol } else { &mut vals };
        into.insert(f.name.into(), read_field(mem, sp, f));
    }
    (vals, vol)
}

/// Writes a trace. Errors writing it are remembered, not raised: a trace must not change
/// how the program runs.
pub struct Tracer {
    out: Box<dyn Write>,
    depth: u32,
    pub error: Option<std::io::Error>,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer")
            .field("depth", &self.depth)
            .field("error", &self.error)
            .finish()
    }
}

impl Tracer {
    pub fn new(out: Box<dyn Write>) -> Self {
        Tracer {
            out,
            depth: 0,
            error: None,
        }
    }

    /// A trace written to `path` (created or truncated).
    pub fn to_file(path: &std::path::Path) -> std::io::Result<Self> {
        let f = std::fs::File::create(path)?;
        Ok(Tracer::new(Box::new(std::io::BufWriter::new(f))))
    }

    fn line(&mut self, v: Value) {
        if self.error.is_none()
            && let Err(e) = writeln!(self.out, "{v}")
        {
            self.error = Some(e);
        }
    }

    /// The host enters Go: `run` or `resume`.
    pub fn event(&mut self, ev: &str) {
        self.line(json!({"d": self.depth, "ev": ev}));
    }

    /// An import is called with `sp`: trace its arguments and go one level deeper.
    pub fn enter(&mut self, import: Import, mem: &[u8], sp: u32) {
        let (mut args, v) = read_fields(import, mem, sp, false);
        if import == Import::Debug {
            args.insert("value".into(), json!(sp as i32));
        }
        self.line(json!({"d": self.depth, "i": import.name(), "in": args, "vol": v}));
        self.depth += 1;
    }

    /// The import returned normally; `sp` is `getsp()` after it.
    pub fn leave(&mut self, import: Import, mem: &[u8], sp: u32) {
        self.depth = self.depth.saturating_sub(1);
        if !fields(import).iter().any(|f| f.out) {
            return;
        }
        let (res, v) = read_fields(import, mem, sp, true);
        self.line(json!({"d": self.depth, "r": import.name(), "out": res, "vol": v}));
    }

    /// The import did not return normally (the program exited or the run failed).
    pub fn abandon(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
    }
}

/// Whether an import only reads a clock (every field volatile): how often Go reads the
/// clock depends on the time it reads (the scheduler spins, GC paces), so the number of
/// such lines differs from run to run even on one host.
pub fn is_clock_read(import: Import) -> bool {
    let f = fields(import);
    !f.is_empty() && f.iter().all(|f| f.volatile)
}

/// A trace line as compared: `None` for a clock read, else the line without its volatile
/// part as a canonical JSON string (sorted keys).
pub fn comparable(line: &str) -> Result<Option<String>, String> {
    let mut v: Value =
        serde_json::from_str(line).map_err(|e| format!("not a trace line ({e}): {line}"))?;
    let Some(o) = v.as_object_mut() else {
        return Err(format!("not a trace line (not an object): {line}"));
    };
    let name = o.get("i").or_else(|| o.get("r")).and_then(Value::as_str);
    if name
        .and_then(|n| Import::from_name("gojs", n))
        .is_some_and(is_clock_read)
    {
        return Ok(None);
    }
    o.remove("vol");
    Ok(Some(v.to_string()))
}

/// Compare two traces line by line, volatile fields aside. `None` when they match, else a
/// unified diff (of the canonical lines) around the first differences.
pub fn compare(a: &str, b: &str, names: (&str, &str)) -> Result<Option<String>, String> {
    let canon = |t: &str| -> Result<String, String> {
        let mut out = String::new();
        for l in t.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(c) = comparable(l)? {
                out.push_str(&c);
                out.push('\n');
            }
        }
        Ok(out)
    };
    let (ca, cb) = (canon(a)?, canon(b)?);
    if ca == cb {
        return Ok(None);
    }
    let diff = similar::TextDiff::from_lines(&ca, &cb)
        .unified_diff()
        .context_radius(3)
        .header(names.0, names.1)
        .to_string();
    Ok(Some(diff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs::{TypeFlag, encode_id};

    #[test]
    fn refs_are_formatted_like_the_runner_does() {
        assert_eq!(format_ref(0), "undefined");
        assert_eq!(format_ref((-0.0f64).to_bits()), "undefined");
        assert_eq!(format_ref(42.0f64.to_bits()), "42");
        assert_eq!(format_ref((-7.0f64).to_bits()), "-7");
        assert_eq!(format_ref(1.5f64.to_bits()), "f64:3ff8000000000000");
        assert_eq!(
            format_ref(1e300f64.to_bits()),
            format!("f64:{:016x}", 1e300f64.to_bits())
        );
        assert_eq!(format_ref(encode_id(7, TypeFlag::Object)), "object#7");
        assert_eq!(format_ref(encode_id(2, TypeFlag::None)), "#2");
        assert_eq!(format_ref(encode_id(12, TypeFlag::Function)), "function#12");
    }

    #[test]
    fn fields_are_read_with_bounds_checks() {
        use crate::layout::value_get;
        let mut mem = vec![0u8; 128];
        let put = |mem: &mut Vec<u8>, addr: u64, v: u64| {
            crate::frame::write_u64(mem, "t", addr, v).unwrap();
        };
        put(&mut mem, value_get::V.at(0), encode_id(5, TypeFlag::Object));
        put(&mut mem, value_get::P.at(0) + u64::from(HEADER_PTR), 100);
        put(&mut mem, value_get::P.at(0) + u64::from(HEADER_LEN), 2);
        mem[100..102].copy_from_slice(b"fs");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut t = Tracer::to_file(&path).unwrap();
        t.enter(Import::ValueGet, &mem, 0);
        t.leave(Import::ValueGet, &mem, 0);
        // A frame past the end of memory is traced, not refused.
        t.enter(Import::ValueGet, &mem, 120);
        t.abandon();
        t.flush();
        assert!(t.error.is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"d":0,"i":"syscall/js.valueGet","in":{"p":"fs","v":"object#5"},"vol":{}}"#
        );
        assert_eq!(
            lines[1],
            r#"{"d":0,"out":{"r":"undefined"},"r":"syscall/js.valueGet","vol":{}}"#
        );
        assert!(lines[2].contains("<out of bounds>"), "{}", lines[2]);
    }

    #[test]
    fn text_is_cut_after_the_limit() {
        let long = vec![b'a'; TEXT_LIMIT + 3];
        assert!(format_text(&long).ends_with("a…(+3 bytes)"));
        assert_eq!(format_text(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn comparison_ignores_volatile_fields_clock_reads_and_key_order() {
        let a = r#"{"d":0,"r":"runtime.scheduleTimeoutEvent","out":{"id":1},"vol":{"ms":"1"}}"#;
        let b = r#"{"vol":{"ms":"2"},"out":{"id":1},"r":"runtime.scheduleTimeoutEvent","d":0}"#;
        let clock = r#"{"d":0,"r":"runtime.nanotime1","out":{},"vol":{"ns":"1"}}"#;
        assert_eq!(
            compare(a, &format!("{clock}\n{b}"), ("a", "b")).unwrap(),
            None
        );
        let c = r#"{"d":1,"r":"runtime.scheduleTimeoutEvent","out":{"id":1},"vol":{}}"#;
        let d = compare(a, c, ("a", "b")).unwrap().unwrap();
        assert!(d.contains("-{\"d\":0") && d.contains("+{\"d\":1"), "{d}");
        assert!(compare("not json", a, ("a", "b")).is_err());
    }

    #[test]
    fn layout_lists_every_sp_import() {
        let v: Value = serde_json::from_str(&layout_json()).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.len(), Import::ALL.len() - 1);
        let args = crate::layout::value_call::ARGS;
        assert_eq!(
            o["syscall/js.valueCall"][2],
            json!(["args", args.off, "refs", false, false])
        );
    }
}
