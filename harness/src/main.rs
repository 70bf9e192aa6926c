//! `gojs-harness`: run the conformance suite, build the corpus, inspect toolchains.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use gojs_harness::config::SuiteOptions;
use gojs_harness::corpus::Corpus;
use gojs_harness::runner::{Suite, Trial, Verdict, run_parallel};
use gojs_harness::{paths, toolchain};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run one module on the native host, as a drop-in `go_js_wasm_exec`:
    /// `GOOS=js GOARCH=wasm go test -exec "gojs-harness run" PKG`. Exits with the program's code.
    Run(RunArgs),
    /// Run every case on the chosen hosts and Go releases; ends with `N passed, M failed, K skipped`.
    Suite(SuiteArgs),
    /// Print the trials a `suite` run with the same options would run.
    List(SuiteArgs),
    /// Build the Go corpus (goprograms/) with each toolchain into the cache, and print the modules.
    Build(BuildArgs),
    /// Show the toolchains the options resolve to and where each keeps its glue.
    Toolchains(ToolchainArgs),
    /// Print the report of where hosts differ (every [[host]] and [[xfail]] entry of the cases).
    Differences {
        /// The cases directory.
        #[arg(long)]
        cases: Option<PathBuf>,
    },
    /// Run the suite on Node with each faulty glue of the catalogue (mutants/) and report
    /// which were caught, and by which cases; exits 1 if an applicable, non-equivalent
    /// mutant is not caught.
    Mutants(MutantsArgs),
    /// Build the corpus with each toolchain, run every case on every host × release, and
    /// write the reports (Markdown, JSON, JUnit XML, HTML, the ABI inventory) to reports/;
    /// exits 1 if a trial failed unexpectedly.
    Matrix(MatrixArgs),
    /// The ABI inventory: per release, the imports the corpus requires, the imports the glue
    /// provides, the engine features the modules need, and the changes between releases.
    Inventory(InventoryArgs),
    /// Run Go's standard library tests (`GOOS=js GOARCH=wasm go test -exec HOST`) package by
    /// package on each host and write reports/stdlib.md and reports/stdlib.json: per package
    /// the pass/fail/skip counts and wall time on each host, and the tests whose results
    /// differ. Explanations of differences are kept in reports/stdlib-explained.md.
    Stdlib(StdlibArgs),
    /// Time whole runs of hello world and three heavier corpus programs on the native host
    /// (cold and warm module cache) and on Node, interleaved over several rounds; print the
    /// medians and ratios and write reports/perf.md. `--suite` also times the whole suite on
    /// each host.
    Bench(BenchArgs),
    /// Build a module into the compiled-module cache (started in the background by `run`).
    #[command(hide = true)]
    CacheFill {
        #[arg(long)]
        cache_dir: PathBuf,
        #[arg(long, value_enum)]
        compiler: gojs_harness::native::engine::CompilerChoice,
        #[arg(long)]
        epoch: bool,
        wasm: PathBuf,
    },
    /// Compare two import traces (`run --trace`) line by line, times and random values
    /// aside; prints a diff and exits 1 when they differ.
    TraceDiff {
        /// The first trace (e.g. from `--host node`).
        a: PathBuf,
        /// The second trace (e.g. from the native host).
        b: PathBuf,
    },
    /// Write matrix.md, matrix.junit.xml and matrix.html again from a matrix.json.
    Render {
        /// The matrix.json (default: reports/matrix.json).
        #[arg(long)]
        from: Option<PathBuf>,
        /// Where to write (default: next to the JSON).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
struct MatrixArgs {
    /// Hosts, comma-separated: native, node, browser, cmd:PROGRAM.
    #[arg(long, default_value = "native,node")]
    host: String,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to use instead of each toolchain's own (glue-based hosts); its imports
    /// are compared with each stock glue's and its verdicts with the baseline.
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Where to write the reports (default: reports/, or target/matrix-glue with --glue).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A matrix.json whose verdicts to compare with (default with --glue: reports/matrix.json).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Run only trials whose name contains this text (repeatable: any of them).
    #[arg(long)]
    filter: Vec<String>,
    /// Trials run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Seconds a trial may take when its case sets no limit.
    #[arg(long)]
    timeout: Option<u64>,
    /// Keep wall times in the reports (they are then not reproducible).
    #[arg(long)]
    timings: bool,
    /// The command the reports say produced them (default: this command line).
    #[arg(long, hide = true)]
    generated_by: Option<String>,
}

#[derive(Args)]
struct InventoryArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// A wasm_exec.js to compare with each release's stock glue.
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Write the Markdown here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, short)]
    jobs: Option<usize>,
    /// The command the report says produced it (default: this command line).
    #[arg(long, hide = true)]
    generated_by: Option<String>,
}

#[derive(Args)]
struct MutantsArgs {
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// Run only mutants whose name contains this text (repeatable: any of them).
    #[arg(long)]
    filter: Vec<String>,
    /// Run only cases whose name contains this text (repeatable: any of them).
    #[arg(long)]
    case: Vec<String>,
    /// The catalogue directory (default: mutants/).
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// The cases directory.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The Go programs module.
    #[arg(long)]
    programs: Option<PathBuf>,
    /// Trials run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Seconds a trial may take when its case sets no limit (faulty glues often hang).
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// Stop a mutant's run once this many cases caught it (default: run every case).
    #[arg(long)]
    max_catches: Option<usize>,
    /// Write the Markdown report here (e.g. reports/mutants.md).
    #[arg(long)]
    report: Option<PathBuf>,
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
struct BenchArgs {
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

#[derive(Args)]
struct StdlibArgs {
    /// Hosts, comma-separated: native, node, cmd:PROGRAM (a go_js_wasm_exec-style command).
    #[arg(long, default_value = "native,node")]
    host: String,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// Where stdlib.md and stdlib.json go (default: reports/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds `go test` may take per package and host.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// How the report says it was made (default: this command line).
    #[arg(long)]
    generated_by: Option<String>,
    /// Run nothing: write stdlib.md again from the stdlib.json and stdlib-explained.md in
    /// --out (after editing an explanation).
    #[arg(long)]
    render: bool,
    /// Packages (default: the 28 of the issue, syscall/js to runtime).
    packages: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    /// Virtual clock (timers fire in deadline order without waiting) and seeded randomness.
    #[arg(long)]
    deterministic: bool,
    /// Seed of the random source in --deterministic mode.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds of wall time before the program is stopped (exit 124).
    #[arg(long)]
    timeout: Option<f64>,
    /// Largest linear memory, in bytes.
    #[arg(long)]
    max_memory: Option<u64>,
    /// Compile the module afresh instead of using the compiled-module cache.
    #[arg(long)]
    no_cache: bool,
    /// The compiler: `auto` uses a cached Cranelift build when there is one; a module run for
    /// the first time is built with Winch (fast to compile, slower code) and cached, and a
    /// run on Winch code that lasts over a second builds the module with Cranelift on a
    /// thread of its own and moves to that code at the program's next pause (tier-up;
    /// `GOJS_TIER_UP_DELAY=SECONDS|off` changes the second). When a Winch build is used
    /// again, a background `cache-fill` caches a Cranelift build for the runs after.
    /// `cranelift` or `winch` always use that compiler.
    #[arg(long, value_enum, default_value = "auto")]
    compiler: gojs_harness::native::engine::CompilerChoice,
    /// When the program ends, print to stderr where the time went: the build (compiler, from
    /// the cache or compiled), the realm's start-up, instantiation, the tier-up.
    #[arg(long)]
    phases: bool,
    /// Write the import trace to FILE: one JSON line per import call, return and entry into
    /// Go (see `harness/src/abi/trace.rs`); compare two with `gojs-harness trace-diff`.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Run on `native` (in-process, the default) or `node` (the harness's Node runner with
    /// the glue of the `go` on PATH, or --glue). Output is printed when the run ends.
    #[arg(long, default_value = "native")]
    host: String,
    /// The wasm_exec.js for `--host node`.
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Give the program the host directory HOST, at guest path GUEST (default: HOST);
    /// repeatable. Without it a native run reaches only its working directory and a private
    /// TMPDIR; `--dir /` gives everything, as Node does (`--host node` always does).
    #[arg(long = "dir", value_name = "HOST[:GUEST]")]
    dirs: Vec<String>,
    /// The module.
    wasm: PathBuf,
    /// The program's arguments (after argv[0], which is the module's path).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Args)]
struct SuiteArgs {
    /// Hosts, comma-separated: native (in-process, the default), node, browser, cmd:PROGRAM (any go_js_wasm_exec-style command).
    #[arg(long, default_value = "native")]
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

/// mimalloc's options (`mi_option_e` in mimalloc.h; the same indices in its v2 and v3).
const MI_OPTION_PURGE_DECOMMITS: libmimalloc_sys::mi_option_t = 5;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// By default mimalloc decommits freed memory 10 ms after it is freed, and memory used
/// again then comes back as fresh zeroed pages. A program passing multi-megabyte strings
/// back and forth paid for that on every transfer, and a run that followed a large one in
/// the same process (the suite, the benchmark) paid for the purge of the one before: three
/// times glibc's time for the `strings` program. Freed memory is now only marked reusable
/// by the system (which takes it back under memory pressure), a second after it is freed.
/// `MIMALLOC_*` environment variables still override this.
fn tune_allocator() {
    let set = |option, var: &str, value| {
        if std::env::var_os(var).is_none() {
            // SAFETY: sets an option value, which mimalloc reads when it next purges.
            unsafe { libmimalloc_sys::mi_option_set(option, value) };
        }
    };
    set(MI_OPTION_PURGE_DECOMMITS, "MIMALLOC_PURGE_DECOMMITS", 0);
    set(MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY", 1000);
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => return run(a),
        Command::Suite(a) => suite(a),
        Command::List(a) => list(a),
        Command::Build(a) => build(a),
        Command::Toolchains(a) => toolchains(a),
        Command::Differences { cases } => differences(cases),
        Command::Mutants(a) => mutants(a),
        Command::Matrix(a) => matrix(a),
        Command::Inventory(a) => inventory(a),
        Command::TraceDiff { a, b } => trace_diff(&a, &b),
        Command::CacheFill {
            cache_dir,
            compiler,
            epoch,
            wasm,
        } => gojs_harness::native::engine::fill(&wasm, &cache_dir, epoch, compiler.cached())
            .map(|()| ExitCode::SUCCESS),
        Command::Stdlib(a) => stdlib(a),
        Command::Bench(a) => bench(a),
        Command::Render { from, out } => gojs_harness::report::run::render(
            &from.unwrap_or_else(|| paths::repo_root().join("reports/matrix.json")),
            out.as_deref(),
        )
        .map(|_| ExitCode::SUCCESS),
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
    let out = Mutex::new(std::io::stdout());
    let results = run_parallel(&suite, &trials, jobs(a.jobs), |_, trial, verdict, took| {
        let secs = took.as_secs_f64();
        let line = match verdict {
            Verdict::Pass => format!("ok      {} ({secs:.2}s)", trial.name),
            Verdict::ExpectedFail(r) => format!("xfail   {} ({r})", trial.name),
            Verdict::Blessed(n) => format!("blessed {} ({n})", trial.name),
            Verdict::Fail(_) => format!("FAIL    {} ({secs:.2}s)", trial.name),
            Verdict::Skip(r) => format!("skip    {} ({r})", trial.name),
        };
        let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(o, "{line}");
        true
    });
    let (mut passed, mut failed, mut skipped, mut xfailed) = (0, 0, 0, 0);
    let mut reports = Vec::new();
    for v in results {
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

fn mutants(a: MutantsArgs) -> anyhow::Result<ExitCode> {
    use gojs_harness::mutants::{self, MutantsRun, Outcome, describe};
    use std::sync::Arc;
    let catalogue = a.catalogue.clone().unwrap_or_else(mutants::default_dir);
    let all = mutants::load_catalogue(&catalogue)?;
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|m| a.filter.is_empty() || a.filter.iter().any(|f| m.name.contains(f.as_str())))
        .collect();
    if chosen.is_empty() {
        anyhow::bail!(
            "no mutant in {} matches {:?}",
            catalogue.display(),
            a.filter
        );
    }
    let tcs = toolchain::resolve(&a.toolchains.go, &a.toolchains.goroot)?;
    let cache = paths::cache_dir();
    let cases_dir = a.cases.clone().unwrap_or_else(paths::default_cases_dir);
    let programs = a
        .programs
        .clone()
        .unwrap_or_else(paths::default_programs_dir);
    let run = MutantsRun {
        toolchains: tcs.clone(),
        cases: gojs_harness::case::load_all(&cases_dir)?
            .into_iter()
            .map(Arc::new)
            .collect(),
        corpus: Arc::new(Corpus::new(&programs, &cache)),
        cache_dir: cache.clone(),
        timeout: Duration::from_secs(a.timeout),
        jobs: jobs(a.jobs),
        case_filter: a.case.clone(),
        max_catches: a.max_catches,
    };
    let work = tempfile::Builder::new().prefix("gojs-mutants-").tempdir()?;
    let mut results = Vec::new();
    let mut baselines = Vec::new();
    let start = Instant::now();
    for tc in &tcs {
        println!(
            "go{}: the suite with the stock glue ({})",
            tc.version,
            tc.glue()?.display()
        );
        let t = Instant::now();
        let base = run.baseline(tc, work.path())?;
        if base.failing.is_empty() {
            println!(
                "  {} trials pass ({:.0}s)",
                base.trials,
                t.elapsed().as_secs_f64()
            );
        } else {
            println!(
                "  {} trials; failing with the stock glue, so ignored below: {}",
                base.trials,
                base.failing.join(", ")
            );
        }
        for (i, m) in chosen.iter().enumerate() {
            let r = run.run_one(tc, m, &base, work.path())?;
            let shown = describe(&r.outcome, m.equivalent.is_some(), 3);
            let took = if matches!(r.outcome, Outcome::Caught(_) | Outcome::NotCaught) {
                format!(" ({} trials, {:.0}s)", r.trials, r.wall.as_secs_f64())
            } else {
                String::new()
            };
            println!(
                "[{}/{}] go{} {}: {shown}{took}",
                i + 1,
                chosen.len(),
                tc.version,
                m.name
            );
            results.push(r);
        }
        baselines.push((tc.label(), base));
    }
    let scores = mutants::score(&results);
    println!();
    let mut gaps = 0;
    for (rel, s) in &scores {
        println!(
            "{rel}: {} of {} scored mutants caught, {} not caught ({} equivalent, {} do not apply, {} broken)",
            s[1], s[0], s[2], s[3], s[4], s[5]
        );
        gaps += s[2] + s[5];
    }
    for r in results.iter().filter(|r| r.is_gap()) {
        println!(
            "not caught: {} on {}: {}",
            r.mutant.name, r.release, r.mutant.description
        );
    }
    println!("{:.0}s in all", start.elapsed().as_secs_f64());
    if let Some(path) = &a.report {
        let mut command = "cargo run --release -p gojs-harness -- mutants".to_string();
        for v in &a.toolchains.go {
            command.push_str(&format!(" --go {v}"));
        }
        for g in &a.toolchains.goroot {
            command.push_str(&format!(" --goroot {}", g.display()));
        }
        for f in &a.filter {
            command.push_str(&format!(" --filter {f}"));
        }
        for c in &a.case {
            command.push_str(&format!(" --case {c}"));
        }
        if let Some(m) = a.max_catches {
            command.push_str(&format!(" --max-catches {m}"));
        }
        command.push_str(&format!(" --report {}", path.display()));
        let node = std::process::Command::new(
            std::env::var_os("GOJS_NODE").unwrap_or_else(|| "node".into()),
        )
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
        std::fs::write(path, mutants::report(&results, &baselines, &command, &node))?;
        println!("report written to {}", path.display());
    }
    Ok(if gaps == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn differences(cases: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = cases.unwrap_or_else(paths::default_cases_dir);
    let cases = gojs_harness::case::load_all(&dir)?;
    print!("{}", gojs_harness::differences::report(&cases));
    Ok(ExitCode::SUCCESS)
}

/// `gojs-harness ARGS...` as typed, for the reports.
fn command_line() -> String {
    let mut args = std::env::args().skip(1).collect::<Vec<_>>();
    args.insert(0, "gojs-harness".to_string());
    args.join(" ")
}

fn matrix(a: MatrixArgs) -> anyhow::Result<ExitCode> {
    use gojs_harness::report::run::{MatrixOptions, matrix};
    let ok = matrix(&MatrixOptions {
        hosts: a.host,
        go: a.toolchains.go,
        goroots: a.toolchains.goroot,
        glue: a.glue,
        out: a.out,
        jobs: jobs(a.jobs),
        timeout: a.timeout.map(Duration::from_secs),
        filter: a.filter,
        baseline: a.baseline,
        timings: a.timings,
        command: a.generated_by.unwrap_or_else(command_line),
    })?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn inventory(a: InventoryArgs) -> anyhow::Result<ExitCode> {
    gojs_harness::report::run::inventory_command(
        &a.toolchains.go,
        &a.toolchains.goroot,
        a.glue.as_deref(),
        a.out.as_deref(),
        jobs(a.jobs),
        &a.generated_by.unwrap_or_else(command_line),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The single toolchain a command that runs one release at a time was given.
fn one_toolchain(t: &ToolchainArgs, command: &str) -> anyhow::Result<toolchain::Toolchain> {
    let mut tcs = toolchain::resolve(&t.go, &t.goroot)?;
    if tcs.len() != 1 {
        anyhow::bail!(
            "{command} runs one toolchain at a time; {} were given",
            tcs.len()
        );
    }
    Ok(tcs.remove(0))
}

/// The names given on the command line, or the defaults when none were.
fn given_or(given: &[String], defaults: &[&str]) -> Vec<String> {
    if given.is_empty() {
        defaults.iter().map(|s| s.to_string()).collect()
    } else {
        given.to_vec()
    }
}

fn bench(a: BenchArgs) -> anyhow::Result<ExitCode> {
    use gojs_harness::bench;
    let tc = &one_toolchain(&a.toolchains, "bench")?;
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
    let mut suite_times = String::new();
    if a.suite {
        let me = std::env::current_exe()?;
        for host in ["native", "node"] {
            let start = Instant::now();
            let out = std::process::Command::new(&me)
                .args(["suite", "--host", host])
                .output()?;
            let took = start.elapsed();
            let last = String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or("")
                .to_string();
            let line = format!(
                "- `gojs-harness suite --host {host}`: {:.1} s ({last})\n",
                took.as_secs_f64()
            );
            print!("{line}");
            suite_times.push_str(&line);
        }
    }
    let machine = machine_description();
    let report = format!(
        "# Speed: the native host against Node\n\n\
         Generated by `{}` ({} rounds, medians; each round runs every program once in every \
         variant, interleaved). Wall time of whole runs, start-up included.\n\n\
         Machine: {machine}. {}.\n\n{table}{}",
        command_line(),
        a.rounds,
        tc.label(),
        if suite_times.is_empty() {
            String::new()
        } else {
            format!("\nThe whole suite, once on each host:\n\n{suite_times}")
        }
    );
    let out = a
        .out
        .unwrap_or_else(|| paths::repo_root().join("reports/perf.md"));
    std::fs::write(&out, report)?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// CPU model, core count, and Node's version, for reports of timings.
fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores; Node {node}")
}

fn stdlib(a: StdlibArgs) -> anyhow::Result<ExitCode> {
    use gojs_harness::stdlib;
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| paths::repo_root().join("reports"));
    if a.render {
        let json = dir.join("stdlib.json");
        let text = std::fs::read_to_string(&json)
            .with_context(|| format!("cannot read {}: run `stdlib` first", json.display()))?;
        let report: stdlib::StdlibReport = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a stdlib report", json.display()))?;
        let (md, _) = stdlib::write_reports(&report, &dir)?;
        println!("wrote {}", md.display());
        return Ok(ExitCode::SUCCESS);
    }
    let tc = &one_toolchain(&a.toolchains, "stdlib")?;
    let hosts = a
        .host
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| stdlib::ExecHost::from_spec(h, tc))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let packages = given_or(&a.packages, stdlib::DEFAULT_PACKAGES);
    let report = stdlib::run_all(
        tc,
        &hosts,
        &packages,
        Duration::from_secs(a.timeout),
        &a.generated_by.unwrap_or_else(command_line),
    )?;
    let (md, json) = stdlib::write_reports(&report, &dir)?;
    let differing: usize = report.packages.iter().map(|p| p.differences.len()).sum();
    println!(
        "{} packages on {}: {differing} tests differ; wrote {} and {}",
        report.packages.len(),
        report.hosts.join(", "),
        md.display(),
        json.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn trace_diff(a: &Path, b: &Path) -> anyhow::Result<ExitCode> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read the trace {}", p.display()))
    };
    let (ta, tb) = (read(a)?, read(b)?);
    let names = (a.display().to_string(), b.display().to_string());
    match gojs_harness::abi::trace::compare(&ta, &tb, (&names.0, &names.1))
        .map_err(anyhow::Error::msg)?
    {
        None => {
            println!(
                "traces match ({} lines; times and random values not compared)",
                ta.lines().count()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            print!("{diff}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `run --host node`: the Node runner through the host trait, output printed at the end.
fn run_on_node(a: &RunArgs) -> anyhow::Result<ExitCode> {
    use gojs_harness::host::{Exit, Host as _, RunRequest, node::NodeHost};
    let host = NodeHost::new(a.glue.as_deref(), &paths::cache_dir())?;
    let toolchain = match &a.glue {
        Some(_) => gojs_harness::toolchain::Toolchain::absent(),
        None => gojs_harness::toolchain::Toolchain::from_path()
            .context("--host node takes the glue of the `go` on PATH; give --glue FILE instead")?,
    };
    let mut env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    env.entry("TMPDIR".into())
        .or_insert_with(|| std::env::temp_dir().to_string_lossy().into_owned());
    let req = RunRequest {
        wasm: std::path::absolute(&a.wasm)?,
        args: a.args.clone(),
        env,
        cwd: std::env::current_dir()?,
        timeout: Duration::from_secs_f64(a.timeout.unwrap_or(7.0 * 24.0 * 3600.0)),
        toolchain,
        trace: a.trace.as_ref().map(std::path::absolute).transpose()?,
    };
    let out = host.run(&req)?;
    use std::io::Write as _;
    std::io::stdout().write_all(&out.stdout)?;
    std::io::stderr().write_all(&out.stderr)?;
    Ok(match out.exit {
        Exit::Code(c) => ExitCode::from((c & 0xFF) as u8),
        Exit::Signal(_) => ExitCode::FAILURE,
        Exit::Timeout => ExitCode::from(124),
    })
}

fn run(a: RunArgs) -> ExitCode {
    match a.host.as_str() {
        "native" => {}
        "node" => {
            return run_on_node(&a).unwrap_or_else(|e| {
                eprintln!("gojs-harness: {e:#}");
                ExitCode::FAILURE
            });
        }
        other => {
            eprintln!("gojs-harness: run --host takes native or node, not `{other}`");
            return ExitCode::from(2);
        }
    }
    let mut dirs = Vec::new();
    for spec in &a.dirs {
        match gojs_harness::realm::sandbox::Grant::parse(spec) {
            Ok(g) => dirs.push(g),
            Err(e) => {
                eprintln!("gojs-harness: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let opts = gojs_harness::native::NativeRunOptions {
        dirs,
        deterministic: a.deterministic,
        seed: a.seed,
        timeout: a.timeout.map(Duration::from_secs_f64),
        max_memory: a.max_memory,
        cache: !a.no_cache,
        compiler: a.compiler,
        tiered_cache: true,
        tier_up: gojs_harness::native::tierup::TierUp::for_run(),
        trace: a.trace.clone(),
        ..Default::default()
    };
    let code = gojs_harness::native::cli::run_command(opts, &a.wasm, &a.args, a.phases);
    // As a process exit status, the way `go test -exec` sees any host's.
    ExitCode::from((code & 0xFF) as u8)
}
