//! What a divergence leaves behind in `--out`: the minimized input (`NAME.bin`), a
//! synthesized case for it (`NAME.toml`, written by [`crate::fuzz_regress::case_toml`], so its
//! expectations are the model's and it runs on every host like any case), and a short text
//! saying which host, glue and operations, and how the outputs differ (`NAME.txt`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// One finding, ready to write.
pub struct Finding<'a> {
    pub name: String,
    pub input: &'a [u8],
    /// The input before minimizing, and the runs minimizing took.
    pub original_len: usize,
    pub minimize_runs: usize,
    pub host: &'a str,
    pub glue: &'a str,
    pub seed: u64,
    pub verdict: String,
    pub ops: &'a [String],
    pub diff: String,
}

/// Write the three files; returns the case's path.
pub fn write(out: &Path, f: &Finding<'_>) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let case = crate::fuzz_regress::case_toml("call_sequences", f.input)
        .map_err(anyhow::Error::msg)?
        .context("call_sequences always has a case")?;
    let case = every_release(&case)?;
    let case_path = out.join(format!("{}.toml", f.name));
    let mut text = String::new();
    let _ = writeln!(text, "{}", f.verdict);
    let _ = writeln!(text, "host: {}", f.host);
    let _ = writeln!(text, "glue: {}", f.glue);
    let _ = writeln!(
        text,
        "seed: {} (input of {} bytes, minimized to {} in {} runs)",
        f.seed,
        f.original_len,
        f.input.len(),
        f.minimize_runs
    );
    let _ = writeln!(
        text,
        "replay: gojs-harness suite --cases {} --filter {} --host {} --real none",
        out.display(),
        f.name,
        f.host
    );
    let _ = writeln!(text, "\noperations:");
    for op in f.ops {
        let _ = writeln!(text, "  {op}");
    }
    let _ = writeln!(text, "\n{}", f.diff);
    for (path, bytes) in [
        (out.join(format!("{}.bin", f.name)), f.input),
        (case_path.clone(), case.as_bytes()),
        (out.join(format!("{}.txt", f.name)), text.as_bytes()),
    ] {
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(case_path)
}

/// The case with `imports = "release"`: the fuzzer runs the sequences with the import module
/// of the glue under test, either generation, and the case should run on every release too.
fn every_release(case: &str) -> anyhow::Result<String> {
    let mut t: toml::Table = toml::from_str(case).context("reading back the case written")?;
    let module = t
        .get_mut("module")
        .and_then(|m| m.as_table_mut())
        .context("the case written has no [module]")?;
    module.insert("imports".into(), toml::Value::String("release".into()));
    Ok(toml::to_string(&t)?)
}
