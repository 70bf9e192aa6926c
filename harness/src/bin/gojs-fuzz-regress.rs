//! `gojs-fuzz-regress TARGET INPUT [NAME]`: keep a fuzz input (usually a crash from
//! `fuzz/artifacts/TARGET/`) as a regression.
//!
//! * copies it to `fuzz/regressions/TARGET/NAME`, which `cargo test --test fuzz_replay` replays
//!   through the target's oracle;
//! * for `call_sequences` and `module_loading`, also writes `cases/fuzz/TARGET_NAME.toml`, a
//!   synthesized-module case every host runs (`call_sequences`: expectations from the model;
//!   `module_loading`: recorded from the native host, to review against Node).
//!
//! Then it replays the input and says whether the oracle passes now.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args.len() > 3 {
        eprintln!("usage: gojs-fuzz-regress TARGET INPUT [NAME]");
        return ExitCode::from(2);
    }
    let (target, input) = (&args[0], Path::new(&args[1]));
    if !gojs_harness::fuzzing::TARGETS.contains(&target.as_str()) {
        eprintln!(
            "unknown target {target}: one of {:?}",
            gojs_harness::fuzzing::TARGETS
        );
        return ExitCode::from(2);
    }
    let data = match std::fs::read(input) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {}: {e}", input.display());
            return ExitCode::from(2);
        }
    };
    let name = args.get(2).cloned().unwrap_or_else(|| {
        input
            .file_name()
            .map(|n| n.to_string_lossy().replace(['-', '.'], "_"))
            .unwrap_or_else(|| "input".into())
    });
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("fuzz/regressions").join(target);
    let dest = dir.join(&name);
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&dest, &data)) {
        eprintln!("cannot write {}: {e}", dest.display());
        return ExitCode::from(1);
    }
    println!("kept {}", dest.display());
    match gojs_harness::fuzzing::regress::case_toml(target, &data) {
        Ok(Some(toml)) => {
            let case = root
                .join("cases/fuzz")
                .join(format!("{target}_{name}.toml"));
            if let Err(e) = std::fs::create_dir_all(root.join("cases/fuzz"))
                .and_then(|()| std::fs::write(&case, toml))
            {
                eprintln!("cannot write {}: {e}", case.display());
                return ExitCode::from(1);
            }
            println!("wrote {}", case.display());
        }
        Ok(None) => {
            println!("{target} drives the ABI layer directly: the regression is the input file")
        }
        Err(e) => eprintln!("no case written: {e}"),
    }
    match gojs_harness::fuzzing::run_target(target, &data, None) {
        Ok(()) => {
            println!("the oracle passes on this input now");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("the oracle still fails on this input (fix it before committing):\n{e}");
            ExitCode::from(1)
        }
    }
}
