//! `gojs-harness`: run the conformance suite, build the corpus, inspect toolchains.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use gojs_harness::config::SuiteOptions;
use gojs_harness::corpus::Corpus;
use gojs_harness::runner::{Suite, Trial, Verdict};
use gojs_harness::{paths, toolchain};

#[derive(Parser)]
#[command(
    name = "gojs-harness",
    version,
    about = "Conformance suite for hosts of Go's GOOS=js GOARCH=wasm programs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every case on the chosen hosts and Go releases; ends with `N passed, M failed, K skipped`.
    Suite(SuiteArgs),
    /// Print the trials a `suite` run with the same options would run.
    List(SuiteArgs),
    /// Build the Go corpus (goprograms/) with each toolchain into the cache, and print the modules.
    Build(BuildArgs),
    /// Show the toolchains the options resolve to and where each keeps its glue.
    Toolchains(ToolchainArgs),
}

#[derive(Args, Clone)]
struct ToolchainArgs {
    /// Go releases, comma-separated; each is fetched with GOTOOLCHAIN if not installed
    /// (e.g. 1.24.11). A bare 1.26 names the installed go when it is 1.26.x.
    #[arg(long, value_delimiter = ',')]
    go: Vec<String>,
    /// An unpacked toolchain, such as Debian's /usr/lib/go-1.19 (repeatable).
    #[arg(long)]
    goroot: Vec<PathBuf>,
}

#[derive(Args)]
struct SuiteArgs {
    /// Hosts, comma-separated: node, cmd:PROGRAM (any go_js_wasm_exec-style command).
    #[arg(long, default_value = "node")]
    host: String,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to use instead of each toolchain's own (node host).
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Run only trials whose name contains this text (repeatable: any of them).
    #[arg(long)]
    filter: Vec<String>,
    /// The cases directory.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The Go programs module.
    #[arg(long)]
    programs: Option<PathBuf>,
    /// Trials run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Seconds a trial may take when its case sets no limit.
    #[arg(long)]
    timeout: Option<u64>,
}

#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    #[arg(long)]
    programs: Option<PathBuf>,
    #[arg(long, short)]
    jobs: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Suite(a) => suite(a),
        Command::List(a) => list(a),
        Command::Build(a) => build(a),
        Command::Toolchains(a) => toolchains(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn jobs(j: Option<usize>) -> usize {
    j.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1)
}

fn make_suite(a: &SuiteArgs) -> anyhow::Result<(Suite, Vec<Trial>)> {
    let opts = SuiteOptions {
        hosts: Some(a.host.clone()),
        go: a.toolchains.go.clone(),
        goroots: a.toolchains.goroot.clone(),
        glue: a.glue.clone(),
        cases_dir: a.cases.clone(),
        programs_dir: a.programs.clone(),
        timeout: a.timeout.map(Duration::from_secs),
        bless: gojs_harness::bless::requested()?,
    };
    let suite = opts.build()?;
    let trials = suite
        .trials()
        .into_iter()
        .filter(|t| a.filter.is_empty() || a.filter.iter().any(|f| t.name.contains(f.as_str())))
        .collect();
    Ok((suite, trials))
}

fn list(a: SuiteArgs) -> anyhow::Result<ExitCode> {
    let (_, trials) = make_suite(&a)?;
    for t in trials {
        match t.skip {
            Some(why) => println!("{} (skipped: {why})", t.name),
            None => println!("{}", t.name),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn suite(a: SuiteArgs) -> anyhow::Result<ExitCode> {
    let (suite, trials) = make_suite(&a)?;
    let hosts: Vec<&str> = suite.hosts.iter().map(|h| h.name()).collect();
    let releases: Vec<String> = suite
        .toolchains
        .iter()
        .map(|t| format!("go{}", t.version))
        .collect();
    println!(
        "running {} trials: {} case(s) on {} with {}",
        trials.len(),
        suite.cases.len(),
        hosts.join(", "),
        releases.join(", ")
    );
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<(usize, Verdict)>> = Mutex::new(Vec::new());
    let out = Mutex::new(std::io::stdout());
    let total = trials.len();
    std::thread::scope(|s| {
        for _ in 0..jobs(a.jobs).min(total.max(1)) {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(trial) = trials.get(i) else { break };
                    let start = Instant::now();
                    let verdict = suite.run(trial);
                    let secs = start.elapsed().as_secs_f64();
                    let line = match &verdict {
                        Verdict::Pass => format!("ok      {} ({secs:.2}s)", trial.name),
                        Verdict::ExpectedFail(r) => format!("xfail   {} ({r})", trial.name),
                        Verdict::Blessed(n) => format!("blessed {} ({n})", trial.name),
                        Verdict::Fail(_) => format!("FAIL    {} ({secs:.2}s)", trial.name),
                        Verdict::Skip(r) => format!("skip    {} ({r})", trial.name),
                    };
                    let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = writeln!(o, "{line}");
                    drop(o);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, verdict));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let (mut passed, mut failed, mut skipped, mut xfailed) = (0, 0, 0, 0);
    let mut reports = Vec::new();
    for (_, v) in results {
        match v {
            Verdict::Pass | Verdict::Blessed(_) => passed += 1,
            Verdict::ExpectedFail(_) => {
                passed += 1;
                xfailed += 1
            }
            Verdict::Skip(_) => skipped += 1,
            Verdict::Fail(r) => {
                failed += 1;
                reports.push(r)
            }
        }
    }
    if !reports.is_empty() {
        println!("\nfailures:\n");
        for r in &reports {
            println!("---- {r}");
        }
    }
    if xfailed > 0 {
        println!("{xfailed} of the passes are expected failures (see xfail lines)");
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn build(a: BuildArgs) -> anyhow::Result<ExitCode> {
    let tcs = toolchain::resolve(&a.toolchains.go, &a.toolchains.goroot)?;
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

fn toolchains(a: ToolchainArgs) -> anyhow::Result<ExitCode> {
    for tc in toolchain::resolve(&a.go, &a.goroot)? {
        let glue = match tc.glue() {
            Ok(g) => g.display().to_string(),
            Err(_) => "none (misc/wasm left out: the node host needs --glue)".to_string(),
        };
        println!("go{}\t{}\tglue: {glue}", tc.version, tc.goroot.display());
    }
    Ok(ExitCode::SUCCESS)
}
