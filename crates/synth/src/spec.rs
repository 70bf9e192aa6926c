//! The description of a synthesized module, as written in a case file's `[module]` table.
//!
//! A module is a list of import calls, each with the stack frame it passes: the values to
//! store at `sp + offset` before the call, and the bytes to print after it. It speaks the
//! js/wasm ABI (exports `run`, `resume`, `getsp`, `mem`) without any Go toolchain.
//!
//! ```toml
//! [module]
//! [[module.data]]
//! at = 20000
//! text = "Object"
//! [[module.run]]
//! call = "syscall/js.valueGet"
//! frame = { 8 = "ref global", 16 = "u64 20000", 24 = "u64 6" }
//! show = { label = "Object", at = 32, len = 8 }
//! ```

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde::Deserialize;

/// Where the module keeps its own scratch data: right after the argv/env block the host
/// writes (see [`gojs_abi::argv`]).
pub const SCRATCH: u32 = gojs_abi::argv::ARGS_LIMIT as u32;
/// The default `sp` of every call.
pub const DEFAULT_SP: u32 = 16384;
/// Addresses below this are the module's own or the host's; `data` goes at or above it.
pub const FIRST_FREE: u32 = 16384;

/// The module Go `major.minor` imports its host functions from: `go` before 1.21 (where the
/// glue also provides `go.debug`), `gojs` since.
pub fn import_module_of(major: u32, minor: u32) -> &'static str {
    if major == 1 && minor < 21 {
        "go"
    } else {
        "gojs"
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// `gojs` (Go 1.21+), `go` (before 1.21, which also imports `go.debug`), or `release`:
    /// the generation of each trial's Go release, so the case runs on every release's glue.
    #[serde(default = "default_generation")]
    pub imports: String,
    /// Initial memory in 64 KiB pages.
    #[serde(default = "default_pages")]
    pub pages: u32,
    /// Exports to leave out, e.g. `["getsp"]`.
    #[serde(default)]
    pub omit_exports: Vec<String>,
    /// Export `mem` as this kind instead of a memory: `global` or `function`.
    pub mem_kind: Option<String>,
    /// Further function imports `(i32) -> ()`, as `"module.name"`, e.g. an unknown one.
    #[serde(default)]
    pub extra_imports: Vec<String>,
    /// The whole module is these bytes instead (hex), e.g. to offer something that is not wasm.
    pub raw_hex: Option<String>,
    /// The whole module is this text instead.
    pub raw_text: Option<String>,
    /// Memory contents at start.
    #[serde(default)]
    pub data: Vec<Data>,
    /// What `run` does, in order. Unless `exit` says otherwise it then calls `wasmExit(0)`.
    #[serde(default)]
    pub run: Vec<Step>,
    /// What `resume` does, each time the host calls it.
    #[serde(default)]
    pub resume: Vec<Step>,
    /// The code `run` passes to `runtime.wasmExit` after its steps; `-1` means: do not exit,
    /// return to the host with the program still alive.
    #[serde(default)]
    pub exit: i32,
}

fn default_generation() -> String {
    "gojs".into()
}

fn default_pages() -> u32 {
    2
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Data {
    pub at: u32,
    pub text: Option<String>,
    pub hex: Option<String>,
}

/// One action of `run` or `resume`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The import to call, e.g. `syscall/js.valueGet` (the module prefix is added).
    pub call: Option<String>,
    /// Write this line to stdout (through `runtime.wasmWrite`) instead of calling anything.
    pub print: Option<String>,
    /// Call `runtime.wasmExit` with this code instead.
    pub exit: Option<i32>,
    /// The `sp` passed to the import; the default is 16384.
    pub sp: Option<u32>,
    /// Values stored at `sp + offset` before the call: `"TYPE VALUE"` where TYPE is u8, i32,
    /// u32, i64, u64, f64, ref or load (8 bytes copied from an absolute address at run time,
    /// e.g. a ref an earlier call returned).
    #[serde(default)]
    pub frame: BTreeMap<String, String>,
    /// After the call, print bytes `[sp + at, sp + at + len)` in hex (`abs = true`: from `at`).
    #[serde(default)]
    pub show: Vec<Show>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Show {
    pub label: String,
    pub at: u32,
    pub len: u32,
    #[serde(default)]
    pub abs: bool,
}

/// A frame slot's value, decoded from its `"TYPE VALUE"` text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Slot {
    U8(u8),
    I32(i32),
    I64(i64),
    F64(f64),
    /// Copy 8 bytes from this absolute address when the step runs.
    Load(u32),
}

impl Slot {
    pub fn parse(text: &str) -> anyhow::Result<Slot> {
        let (ty, val) = text.trim().split_once(' ').with_context(|| {
            format!("`{text}`: write a slot as \"TYPE VALUE\", e.g. \"u64 20000\"")
        })?;
        let val = val.trim();
        Ok(match ty {
            "u8" => Slot::U8(int(val)?.try_into().context("u8 out of range")?),
            "i32" | "u32" => {
                let v = int(val)?;
                if v < i128::from(i32::MIN) || v > i128::from(u32::MAX) {
                    bail!("`{text}` does not fit 32 bits");
                }
                Slot::I32(v as i32)
            }
            "i64" | "u64" => Slot::I64(int(val)? as i64),
            "f64" => Slot::F64(match val {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .with_context(|| format!("`{v}` is not a number"))?,
            }),
            "ref" => Slot::I64(reference(val)? as i64),
            "load" => Slot::Load(u32::try_from(int(val)?).context("load address out of range")?),
            other => bail!(
                "unknown slot type `{other}` in `{text}` (u8, i32, u32, i64, u64, f64, ref, load)"
            ),
        })
    }
}

/// Integers in decimal, `0x` hex, or negative decimal.
fn int(s: &str) -> anyhow::Result<i128> {
    let s = s.replace('_', "");
    let v = if let Some(h) = s.strip_prefix("0x") {
        i128::from_str_radix(h, 16)
    } else {
        s.parse::<i128>()
    };
    let v = v.with_context(|| format!("`{s}` is not an integer"))?;
    if v < i128::from(i64::MIN) || v > i128::from(u64::MAX) {
        bail!("`{s}` does not fit 64 bits");
    }
    Ok(v)
}

const NAN_HEAD: u64 = 0x7FF8_0000;

/// A ref by name: `undefined`, `nan`, `zero`, `null`, `true`, `false`, `global`, `go`,
/// `id N` (object flag), `FLAG N` with FLAG one of none/object/string/symbol/function, or a
/// raw 64-bit pattern.
pub fn reference(s: &str) -> anyhow::Result<u64> {
    let boxed = |flag: u64, id: u64| ((NAN_HEAD | flag) << 32) | id;
    let parts: Vec<&str> = s.split_whitespace().collect();
    Ok(match parts.as_slice() {
        ["undefined"] => 0,
        ["nan"] => boxed(0, 0),
        ["zero"] => boxed(0, 1),
        ["null"] => boxed(0, 2),
        ["true"] => boxed(0, 3),
        ["false"] => boxed(0, 4),
        ["global"] => boxed(1, 5),
        ["go"] => boxed(1, 6),
        [flag, id] => {
            let flag = match *flag {
                "none" => 0,
                "object" | "id" => 1,
                "string" => 2,
                "symbol" => 3,
                "function" => 4,
                other => bail!("unknown ref flag `{other}`"),
            };
            boxed(
                flag,
                u64::try_from(int(id)?).context("ref id out of range")? & 0xFFFF_FFFF,
            )
        }
        [raw] => int(raw)? as u64,
        _ => bail!("`{s}` is not a ref"),
    })
}

impl ModuleSpec {
    /// This spec for a trial of Go `major.minor`: `imports = "release"` becomes that
    /// release's import module.
    pub fn for_release(&self, major: u32, minor: u32) -> ModuleSpec {
        let mut spec = self.clone();
        if spec.imports == "release" {
            spec.imports = import_module_of(major, minor).to_string();
        }
        spec
    }

    pub fn check(&self) -> anyhow::Result<()> {
        if !matches!(self.imports.as_str(), "gojs" | "go" | "release") {
            bail!(
                "[module] imports = `{}`: use gojs (Go 1.21+), go (before 1.21) or release (the \
                 trial's)",
                self.imports
            );
        }
        if self.pages == 0 || self.pages > 1024 {
            bail!("[module] pages must be 1..=1024");
        }
        for e in &self.omit_exports {
            if !["run", "resume", "getsp", "mem"].contains(&e.as_str()) {
                bail!("omit_exports: `{e}` is not one of run, resume, getsp, mem");
            }
        }
        if let Some(k) = &self.mem_kind
            && !["global", "function"].contains(&k.as_str())
        {
            bail!("mem_kind `{k}`: use global or function");
        }
        for d in &self.data {
            if d.at < FIRST_FREE {
                bail!(
                    "data at {} overlaps the module's scratch area; use {FIRST_FREE} or above",
                    d.at
                );
            }
            if d.text.is_some() == d.hex.is_some() {
                bail!("data at {} needs exactly one of text or hex", d.at);
            }
        }
        for (i, s) in self.run.iter().chain(&self.resume).enumerate() {
            s.check().with_context(|| format!("step {}", i + 1))?;
        }
        Ok(())
    }
}

impl Step {
    fn check(&self) -> anyhow::Result<()> {
        let kinds = [
            self.call.is_some(),
            self.print.is_some(),
            self.exit.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            bail!("a step needs exactly one of call, print or exit");
        }
        for (off, v) in &self.frame {
            off.parse::<u32>()
                .with_context(|| format!("frame offset `{off}` is not a number"))?;
            Slot::parse(v)?;
        }
        for s in &self.show {
            if s.len == 0 || s.len > 256 {
                bail!("show `{}`: len must be 1..=256", s.label);
            }
        }
        Ok(())
    }

    pub fn slots(&self) -> Vec<(u32, Slot)> {
        // Checked in `check`; a malformed entry never reaches here.
        let mut slots: Vec<(u32, Slot)> = self
            .frame
            .iter()
            .filter_map(|(o, v)| Some((o.parse().ok()?, Slot::parse(v).ok()?)))
            .collect();
        // In address order, whatever order the table's keys sort in.
        slots.sort_by_key(|(o, _)| *o);
        slots
    }
}

/// Every byte's two hex digits, so that [`to_hex`] is a copy per byte: a `format!` per byte
/// was a tenth of a fuzz target's time (`call_sequences` writes its data and expected output
/// in hex).
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [DIGITS[i >> 4], DIGITS[i & 15]];
        i += 1;
    }
    t
};

/// `bytes` as lowercase hex digits, as [`hex`] reads them.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.extend_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
    // Only ASCII digits were written.
    String::from_utf8(s).unwrap_or_default()
}

pub fn hex(s: &str) -> anyhow::Result<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut high: Option<u8> = None;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let Some(d) = digit(c) else {
            bail!("bad hex in `{s}`: {:?} is not a hex digit", c as char);
        };
        match high.take() {
            Some(h) => out.push(h << 4 | d),
            None => high = Some(d),
        }
    }
    if high.is_some() {
        bail!("hex `{s}` has an odd number of digits");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_parse_every_type() {
        assert_eq!(Slot::parse("u64 20000").unwrap(), Slot::I64(20000));
        assert_eq!(
            Slot::parse("u64 0xFFFFFFFFFFFFFFFF").unwrap(),
            Slot::I64(-1)
        );
        assert_eq!(Slot::parse("i32 -1").unwrap(), Slot::I32(-1));
        assert_eq!(Slot::parse("u32 4294967295").unwrap(), Slot::I32(-1));
        assert_eq!(Slot::parse("u8 1").unwrap(), Slot::U8(1));
        assert_eq!(Slot::parse("load 16416").unwrap(), Slot::Load(16416));
        assert_eq!(
            Slot::parse("ref global").unwrap(),
            Slot::I64(0x7FF8_0001_0000_0005)
        );
        assert_eq!(
            Slot::parse("ref string 9").unwrap(),
            Slot::I64(0x7FF8_0002_0000_0009)
        );
        assert_eq!(Slot::parse("ref undefined").unwrap(), Slot::I64(0));
        assert!(matches!(Slot::parse("f64 nan").unwrap(), Slot::F64(x) if x.is_nan()));
        assert!(Slot::parse("u8 300").is_err());
        assert!(Slot::parse("u32 4294967296").is_err());
        assert!(Slot::parse("i32 -2147483649").is_err());
        assert!(Slot::parse("u128 1").is_err());
        assert!(Slot::parse("u64").is_err());
        assert!(Slot::parse("u64 0x1FFFFFFFFFFFFFFFF").is_err());
        assert!(Slot::parse("ref purple 3").is_err());
    }

    #[test]
    fn hex_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(hex(&to_hex(&all)).unwrap(), all);
        assert_eq!(to_hex(&[0, 15, 16, 255]), "000f10ff");
    }

    #[test]
    fn hex_parses_with_spaces() {
        assert_eq!(hex("00 ff 7f").unwrap(), vec![0, 255, 127]);
        assert!(hex("0").is_err());
        assert!(hex("zz").is_err());
    }
}
