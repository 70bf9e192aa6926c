//! The conformance suite under `cargo test`: one libtest-mimic trial per host × Go release ×
//! case, named like `node/go1.26/exit/os_exit_3`. Hosts and releases come from the
//! environment (see `SuiteOptions::from_env`); by default every host this machine has runs
//! against the installed Go.

use std::process::ExitCode;
use std::sync::Arc;

use gojs_harness::config::SuiteOptions;
use gojs_harness::runner::Verdict;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let suite = match options().and_then(|o| o.build()) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: cannot set up the conformance suite: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let trials = suite
        .trials()
        .into_iter()
        .map(|t| {
            let skip = t.skip.is_some();
            let name = t.name.clone();
            let suite = suite.clone();
            Trial::test(name, move || match suite.run(&t) {
                Verdict::Pass | Verdict::Skip(_) => Ok(()),
                Verdict::ExpectedFail(reason) => {
                    eprintln!("{}: failed as expected ({reason})", t.name);
                    Ok(())
                }
                Verdict::Blessed(note) => {
                    eprintln!("blessed {note}");
                    Ok(())
                }
                Verdict::Fail(report) => Err(Failed::from(report)),
            })
            .with_ignored_flag(skip)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// Without `GOJS_HOSTS`: the native host, the reference host, the toolchain's own
/// `go_js_wasm_exec` as a command host, and headless Chromium (its trials are skipped, with the
/// reason, where it cannot start). Without Go: native and node, for the synthesized cases.
fn options() -> anyhow::Result<SuiteOptions> {
    let mut o = SuiteOptions::from_env()?;
    if o.hosts.is_none() {
        let tcs = gojs_harness::toolchain::resolve_or_absent(&o.go, &o.goroots)?;
        o.hosts = Some(match tcs[0].exec_script() {
            Ok(exec) => format!("native,node,cmd:{},browser", exec.display()),
            Err(_) => "native,node".to_string(),
        });
    }
    Ok(o)
}
