//! `bench`: whole runs timed on the native host (cold and warm cache) and on Node.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gojs_harness::bench;
use gojs_harness::corpus::Corpus;
use gojs_harness::paths;

use super::{ToolchainArgs, command_line, given_or};

#[derive(Args)]
pub struct BenchArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// Rounds (each runs every program once in every variant).
    #[arg(long, default_value_t = 7)]
    rounds: usize,
    /// Corpus programs to time (default: hello, value_type, reftable, strings).
    #[arg(long, value_delimiter = ',')]
    programs: Vec<String>,
    /// Also time `suite --host native` and `suite --host node` once each.
    #[arg(long)]
    suite: bool,
    /// Where the report goes (default: reports/perf.md).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn bench(a: BenchArgs) -> anyhow::Result<ExitCode> {
    let tc = &a.toolchains.one("bench")?;
    let names = given_or(&a.programs, bench::DEFAULT_PROGRAMS);
    let corpus = Corpus::new(&paths::default_programs_dir(), &paths::cache_dir());
    let programs = names
        .iter()
        .map(|n| Ok((n.clone(), corpus.wasm(tc, n)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let node = gojs_harness::host::node::NodeHost::new(None, &paths::cache_dir())?;
    println!(
        "{} programs × 3 variants × {} rounds with {}",
        programs.len(),
        a.rounds,
        tc.label()
    );
    let m = bench::measure(tc, &node, &programs, a.rounds)?;
    let table = bench::table(&m, &names);
    println!("\n{table}");
    let suites = if a.suite {
        let s = bench::time_suites(&std::env::current_exe()?, &["native", "node"])?;
        print!("{s}");
        s
    } else {
        String::new()
    };
    let out = a
        .out
        .unwrap_or_else(|| paths::repo_root().join("reports/perf.md"));
    std::fs::write(
        &out,
        bench::report(&command_line(), a.rounds, &tc.label(), &table, &suites),
    )?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}
