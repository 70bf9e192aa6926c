//! `differences`: where hosts may differ, from every `[[host]]` and `[[xfail]]` of the cases.

use std::path::PathBuf;
use std::process::ExitCode;

use gojs_harness::paths;

pub fn differences(cases: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = cases.unwrap_or_else(paths::default_cases_dir);
    let cases = gojs_harness::case::load_all(&dir)?;
    print!("{}", gojs_harness::differences::report(&cases));
    Ok(ExitCode::SUCCESS)
}
