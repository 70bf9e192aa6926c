//! `fuzz-regress TARGET INPUT [NAME]`: keep a fuzz input (usually a crash from
//! `fuzz/artifacts/TARGET/`) as a regression:
//! * it is copied to `fuzz/regressions/TARGET/NAME`, which `cargo test -p gojs-fuzzing`
//!   replays through the target's oracle;
//! * for `call_sequences` and `module_loading`, `cases/fuzz/TARGET_NAME.toml` is written too,
//!   a synthesized-module case every host runs (`call_sequences`: expectations from the model;
//!   `module_loading`: recorded from the native host, to review against Node).
//!
//! Then the input is replayed, to say whether the oracle passes on it now.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use gojs_fuzzing::Input;
use gojs_harness::paths;

pub fn fuzz_regress(
    target: &str,
    input: PathBuf,
    name: Option<String>,
) -> anyhow::Result<ExitCode> {
    if !gojs_fuzzing::TARGETS.contains(&target) {
        anyhow::bail!(
            "unknown target {target}: one of {:?}",
            gojs_fuzzing::TARGETS
        );
    }
    let data = std::fs::read(&input).with_context(|| format!("cannot read {}", input.display()))?;
    let name = name.unwrap_or_else(|| {
        input
            .file_name()
            .map(|n| n.to_string_lossy().replace(['-', '.'], "_"))
            .unwrap_or_else(|| "input".into())
    });
    let root = paths::repo_root();
    let dir = root.join("fuzz/regressions").join(target);
    let dest = dir.join(&name);
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&dest, &data))
        .with_context(|| format!("cannot write {}", dest.display()))?;
    println!("kept {}", dest.display());
    match gojs_harness::fuzz_regress::case_toml(target, &data) {
        Ok(Some(toml)) => {
            let case = root
                .join("cases/fuzz")
                .join(format!("{target}_{name}.toml"));
            std::fs::create_dir_all(root.join("cases/fuzz"))
                .and_then(|()| std::fs::write(&case, toml))
                .with_context(|| format!("cannot write {}", case.display()))?;
            println!("wrote {}", case.display());
        }
        Ok(None) => {
            println!("{target} drives the ABI layer directly: the regression is the input file")
        }
        Err(e) => eprintln!("no case written: {e}"),
    }
    Ok(match gojs_fuzzing::run_target(target, &data, None) {
        Ok(Input::Checked) => {
            println!("the oracle passes on this input now");
            ExitCode::SUCCESS
        }
        Ok(Input::Rejected) => {
            println!("the generator rejects this input: it checks nothing");
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("the oracle still fails on this input (fix it before committing):\n{e}");
            ExitCode::FAILURE
        }
    })
}
