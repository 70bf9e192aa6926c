//! `toolchains`: the toolchains the options resolve to, and where each keeps its glue.

use std::process::ExitCode;

use super::ToolchainArgs;

pub fn toolchains(a: ToolchainArgs) -> anyhow::Result<ExitCode> {
    for tc in a.resolve()? {
        let glue = match tc.glue() {
            Ok(g) => g.display().to_string(),
            Err(_) => "none (misc/wasm left out: the node host needs --glue)".to_string(),
        };
        println!("go{}\t{}\tglue: {glue}", tc.version, tc.goroot.display());
    }
    Ok(ExitCode::SUCCESS)
}
