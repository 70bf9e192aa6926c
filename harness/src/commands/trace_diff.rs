//! `trace-diff`: two import traces compared line by line, times and random values aside.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

pub fn trace_diff(a: &Path, b: &Path) -> anyhow::Result<ExitCode> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read the trace {}", p.display()))
    };
    let (ta, tb) = (read(a)?, read(b)?);
    let names = (a.display().to_string(), b.display().to_string());
    match gojs_abi::trace::compare(&ta, &tb, (&names.0, &names.1)).map_err(anyhow::Error::msg)? {
        None => {
            println!(
                "traces match ({} lines; times and random values not compared)",
                ta.lines().count()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            print!("{diff}");
            Ok(ExitCode::FAILURE)
        }
    }
}
