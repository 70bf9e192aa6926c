//! `build`: the Go corpus built with each toolchain into the cache.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use gojs_harness::corpus::Corpus;
use gojs_harness::paths;

use super::{ToolchainArgs, jobs};

#[derive(Args)]
pub struct BuildArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// The Go programs module (default: goprograms/).
    #[arg(long)]
    programs: Option<PathBuf>,
    /// Builds run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
}

pub fn build(a: BuildArgs) -> anyhow::Result<ExitCode> {
    let tcs = a.toolchains.resolve()?;
    let dir = a.programs.unwrap_or_else(paths::default_programs_dir);
    let corpus = Corpus::new(&dir, &paths::cache_dir());
    let programs = corpus.programs()?;
    let start = Instant::now();
    let built = corpus.build_all(&tcs, &programs, jobs(a.jobs))?;
    for (tc, prog, path) in &built {
        println!("go{}\t{prog}\t{}", tc.version, path.display());
    }
    eprintln!(
        "{} module(s) ready in {:.1}s",
        built.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
