//! Turning a fuzz input (a crash, or any input worth keeping) into a regression: the input
//! itself under `fuzz/regressions/<target>/` (replayed by `cargo test`), and, for the targets
//! that run whole modules, a case under `cases/fuzz/` that every host runs.

use arbitrary::Unstructured;
use toml::{Table, Value};

use gojs_synth::spec::{ModuleSpec, Step};

use gojs_fuzzing::loading::{self, LoadInput, run_bytes};
use gojs_fuzzing::sequences::Sequence;

fn step_table(s: &Step) -> Table {
    let mut t = Table::new();
    if let Some(c) = &s.call {
        t.insert("call".into(), Value::String(c.clone()));
    }
    if let Some(p) = &s.print {
        t.insert("print".into(), Value::String(p.clone()));
    }
    if let Some(e) = s.exit {
        t.insert("exit".into(), Value::Integer(e.into()));
    }
    if let Some(sp) = s.sp {
        t.insert("sp".into(), Value::Integer(sp.into()));
    }
    if !s.frame.is_empty() {
        let f: Table = s
            .frame
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        t.insert("frame".into(), Value::Table(f));
    }
    if !s.show.is_empty() {
        let shows = s
            .show
            .iter()
            .map(|sh| {
                let mut x = Table::new();
                x.insert("label".into(), Value::String(sh.label.clone()));
                x.insert("at".into(), Value::Integer(sh.at.into()));
                x.insert("len".into(), Value::Integer(sh.len.into()));
                if sh.abs {
                    x.insert("abs".into(), Value::Boolean(true));
                }
                Value::Table(x)
            })
            .collect();
        t.insert("show".into(), Value::Array(shows));
    }
    t
}

/// A `[module]` table for `spec`.
pub fn module_table(spec: &ModuleSpec) -> Table {
    let mut m = Table::new();
    m.insert("imports".into(), Value::String(spec.imports.clone()));
    m.insert("pages".into(), Value::Integer(spec.pages.into()));
    let strs = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    if !spec.omit_exports.is_empty() {
        m.insert("omit_exports".into(), strs(&spec.omit_exports));
    }
    if let Some(k) = &spec.mem_kind {
        m.insert("mem_kind".into(), Value::String(k.clone()));
    }
    if !spec.extra_imports.is_empty() {
        m.insert("extra_imports".into(), strs(&spec.extra_imports));
    }
    if let Some(h) = &spec.raw_hex {
        m.insert("raw_hex".into(), Value::String(h.clone()));
    }
    if !spec.data.is_empty() {
        let d = spec
            .data
            .iter()
            .map(|d| {
                let mut x = Table::new();
                x.insert("at".into(), Value::Integer(d.at.into()));
                if let Some(t) = &d.text {
                    x.insert("text".into(), Value::String(t.clone()));
                }
                if let Some(h) = &d.hex {
                    x.insert("hex".into(), Value::String(h.clone()));
                }
                Value::Table(x)
            })
            .collect();
        m.insert("data".into(), Value::Array(d));
    }
    m.insert("exit".into(), Value::Integer(spec.exit.into()));
    let steps = |v: &[Step]| Value::Array(v.iter().map(|s| Value::Table(step_table(s))).collect());
    if !spec.run.is_empty() {
        m.insert("run".into(), steps(&spec.run));
    }
    if !spec.resume.is_empty() {
        m.insert("resume".into(), steps(&spec.resume));
    }
    m
}

fn case(contract: &str, module: Table, exit: i64, stdout: &str, extra: Option<Table>) -> String {
    let mut t = Table::new();
    t.insert("schema".into(), Value::Integer(1));
    t.insert("contract".into(), Value::String(contract.into()));
    t.insert("module".into(), Value::Table(module));
    let mut e = extra.unwrap_or_default();
    e.insert("exit".into(), Value::Integer(exit));
    if !stdout.is_empty() {
        e.insert("stdout".into(), Value::String(stdout.into()));
    }
    t.insert("expect".into(), Value::Table(e));
    toml::to_string(&t).unwrap_or_default()
}

/// The case file for a fuzz input, for the targets whose inputs are modules; `None` for the
/// targets that drive the ABI layer directly (their regression is the input file itself).
pub fn case_toml(target: &str, data: &[u8]) -> Result<Option<String>, String> {
    let mut u = Unstructured::new(data);
    match target {
        "call_sequences" => {
            let seq = Sequence::generate(&mut u).map_err(|e| format!("input rejected: {e}"))?;
            Ok(Some(case(
                "fuzz regression (call_sequences): each import's results and ids are the ones wasm_exec.js gives; ids are reused last-freed first",
                module_table(&seq.spec),
                0,
                &seq.expected,
                None,
            )))
        }
        "module_loading" | "run_default" => {
            let input = LoadInput::generate(&mut u).map_err(|e| format!("input rejected: {e}"))?;
            let bytes = input.bytes().ok_or("the synthesizer refuses this input")?;
            let out = run_bytes(&bytes, loading::TIMEOUT, None)?;
            let exit = match out.ending {
                gojs_native::Ending::Exit(c) => i64::from(c),
                gojs_native::Ending::Timeout => {
                    return Err("the run timed out: no expectation to record".into());
                }
            };
            let module = match &input {
                LoadInput::Spec(s) => module_table(s),
                _ => {
                    let mut m = Table::new();
                    m.insert(
                        "raw_hex".into(),
                        Value::String(gojs_synth::spec::to_hex(&bytes)),
                    );
                    m
                }
            };
            Ok(Some(case(
                "fuzz regression (module_loading, run_default): the host loads or refuses this module cleanly (expectation recorded from the native host: review it against Node)",
                module,
                exit,
                &String::from_utf8_lossy(&out.stdout),
                None,
            )))
        }
        "import_frames" | "valueof_roundtrip" => Ok(None),
        other => Err(format!("no fuzz target {other}")),
    }
}
