//! The conformance suite under `cargo test`: one libtest-mimic trial per host × Go release ×
//! case, named like `node/go1.26/exit/os_exit_3`. Hosts and releases come from the
//! environment (see `SuiteOptions::from_env`); by default every host this machine has runs
//! against the installed Go.

use std::process::ExitCode;

use gojs_harness::config::SuiteOptions;

fn main() -> ExitCode {
    match options().and_then(|o| o.build()) {
        Ok(suite) => gojs_harness::libtest::run(suite),
        Err(e) => {
            eprintln!("error: cannot set up the conformance suite: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Real programs: esbuild, esbuild-wasm and gofmt unless `GOJS_REAL` says otherwise.
/// Without `GOJS_HOSTS`: the native host, the reference host, the toolchain's own
/// `go_js_wasm_exec` as a command host, and headless Chromium (its trials are skipped, with the
/// reason, where it cannot start). Without Go: native and node, for the synthesized cases.
fn options() -> anyhow::Result<SuiteOptions> {
    let mut o = SuiteOptions::from_env()?;
    // Real programs take minutes to build with each release: esbuild (from source and npm's
    // prebuilt) and gofmt run here; GOJS_REAL=all runs the rest (see real/README.md).
    o.real
        .get_or_insert_with(|| "esbuild,esbuild-wasm,gofmt".to_string());
    if o.hosts.is_none() {
        let tcs = gojs_harness::toolchain::resolve_or_absent(&o.go, &o.goroots)?;
        o.hosts = Some(match tcs[0].exec_script() {
            Ok(exec) => format!("native,node,cmd:{},browser", exec.display()),
            Err(_) => "native,node".to_string(),
        });
    }
    Ok(o)
}
