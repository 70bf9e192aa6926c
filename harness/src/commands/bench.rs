//! `bench`: whole runs timed on the native host (a module never seen, and cached) and on
//! the JS hosts.

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
    /// Time the real programs of real/ instead, input by input: linux, native cold and warm,
    /// and each --host; written as the report's `## Real programs` section, the rest kept.
    /// --programs names real programs then (default: all).
    #[arg(long)]
    real: bool,
    /// The JS hosts to time besides native (node, deno, bun, node@22, ...; fetched on first
    /// use).
    #[arg(long, default_value = "node")]
    host: String,
}

pub fn bench(a: BenchArgs) -> anyhow::Result<ExitCode> {
    let tc = &a.toolchains.one("bench")?;
    if a.real {
        return bench_real(&a, tc);
    }
    let names = given_or(&a.programs, bench::DEFAULT_PROGRAMS);
    let corpus = Corpus::new(&paths::default_programs_dir(), &paths::cache_dir());
    let programs = names
        .iter()
        .map(|n| Ok((n.clone(), corpus.wasm(tc, n)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let hosts = js_hosts(&a.host)?;
    println!(
        "{} programs × (native never seen, warm and in process, {}) × {} rounds with {}",
        programs.len(),
        hosts
            .iter()
            .map(|h| h.name())
            .collect::<Vec<_>>()
            .join(", "),
        a.rounds,
        tc.label()
    );
    let exe = std::env::current_exe()?;
    let m = bench::measure(tc, &exe, &hosts, &programs, a.rounds)?;
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
    // The real programs' section (`bench --real`) stays.
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    let mut report = bench::report(&command_line(), a.rounds, &tc.label(), &table, &suites);
    if let Some(at) = old.find(&format!("\n{}\n", gojs_harness::bench_real::SECTION)) {
        report = format!("{}\n{}", report.trim_end(), &old[at..]);
    }
    std::fs::write(&out, report)?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The hosts of `--host`, native left out (it is measured anyway).
fn js_hosts(spec: &str) -> anyhow::Result<Vec<std::sync::Arc<dyn gojs_harness::host::Host>>> {
    let host_opts = gojs_harness::host::HostOptions {
        glue: None,
        cache_dir: paths::cache_dir(),
        hosts_dir: paths::default_hosts_dir(),
    };
    Ok(gojs_harness::host::from_specs(spec, &host_opts)?
        .into_iter()
        .filter(|h| h.name() != "native")
        .collect())
}

/// `bench --real`.
fn bench_real(a: &BenchArgs, tc: &gojs_harness::toolchain::Toolchain) -> anyhow::Result<ExitCode> {
    use gojs_harness::{bench_real, real};
    let selection = if a.programs.is_empty() {
        real::Selection::All
    } else {
        real::Selection::Some(a.programs.clone())
    };
    let dir = real::default_dir();
    // Names are checked by the case loader, with the list of programs when one is unknown.
    real::load_cases(&dir, &selection)?;
    let programs: Vec<_> = real::load_programs(&dir)?
        .into_iter()
        .filter(|p| match &selection {
            real::Selection::Some(names) => names.contains(&p.name),
            _ => true,
        })
        .collect();
    let hosts = js_hosts(&a.host)?;
    println!(
        "{} real programs × (linux, native cold, native warm, {}) × {} rounds with {}",
        programs.len(),
        hosts
            .iter()
            .map(|h| h.name())
            .collect::<Vec<_>>()
            .join(", "),
        a.rounds,
        tc.label()
    );
    let m = bench_real::measure(&paths::cache_dir(), &programs, tc, &hosts, a.rounds)?;
    let table = bench_real::table(&m);
    println!("\n{table}");
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| paths::repo_root().join("reports/perf.md"));
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    let section = bench_real::section(&command_line(), a.rounds, tc, &table);
    std::fs::write(&out, bench_real::splice(&old, &section))?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}
