//! `gojs-harness`: run the conformance suite, build the corpus, inspect toolchains.

mod allocator;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{
    ToolchainArgs, bench, build, differences, fuzz, fuzz_regress, hosts, matrix, mutants, run,
    stdlib, suite, toolchains, trace_diff,
};

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
    Run(run::RunArgs),
    /// Run every case on the chosen hosts and Go releases; ends with `N passed, M failed, K skipped`.
    Suite(suite::SuiteArgs),
    /// Print the trials a `suite` run with the same options would run.
    List(suite::SuiteArgs),
    /// Build the Go corpus (goprograms/) with each toolchain into the cache, and print the modules.
    Build(build::BuildArgs),
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
    Mutants(mutants::MutantsArgs),
    /// Build the corpus with each toolchain, run every case on every host × release, and
    /// write the reports (Markdown, JSON, JUnit XML, HTML, the ABI inventory) to reports/;
    /// exits 1 if a trial failed unexpectedly.
    Matrix(matrix::MatrixArgs),
    /// The conformance table: the native and browser hosts and every host profile of hosts/
    /// (fetched on first use) × the Go releases given, written as reports/hosts.md, hosts.json,
    /// hosts.junit.xml and hosts.html; exits 1 if a trial failed unexpectedly. With --glue,
    /// judges a wasm_exec.js on every glue-based profile and lists the verdicts that changed
    /// against the committed table.
    Hosts(hosts::HostsArgs),
    /// The ABI inventory: per release, the imports the corpus requires, the imports the glue
    /// provides, the engine features the modules need, and the changes between releases.
    Inventory(matrix::InventoryArgs),
    /// Run Go's standard library tests (`GOOS=js GOARCH=wasm go test -exec HOST`) package by
    /// package on each host and write reports/stdlib.md and reports/stdlib.json: per package
    /// the pass/fail/skip counts and wall time on each host, and the tests whose results
    /// differ. Explanations of differences are kept in reports/stdlib-explained.md.
    Stdlib(stdlib::StdlibArgs),
    /// Time whole runs of hello world and three heavier corpus programs on the native host
    /// (cold and warm module cache) and on Node, interleaved over several rounds; print the
    /// medians and ratios and write reports/perf.md. `--suite` also times the whole suite on
    /// each host.
    Bench(bench::BenchArgs),
    /// Build a module into the compiled-module cache (started in the background by `run`).
    #[command(hide = true)]
    CacheFill {
        #[arg(long)]
        cache_dir: PathBuf,
        #[arg(long, value_enum)]
        compiler: run::CompilerArg,
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
    /// Keep a fuzz input as a regression: fuzz/regressions/TARGET/NAME, and for the targets
    /// that run modules a case under cases/fuzz/; then replay it.
    FuzzRegress {
        /// The fuzz target (import_frames, call_sequences, valueof_roundtrip, module_loading,
        /// run_default).
        target: String,
        /// The input, e.g. fuzz/artifacts/TARGET/crash-….
        input: PathBuf,
        /// The regression's name (default: the input's file name).
        name: Option<String>,
    },
    /// Differential fuzzing: random valid ABI call sequences run on HOST and on the native
    /// reference, compared with each other and with the model of wasm_exec.js; a divergence
    /// is minimized and written as a case under --out. Exits 1 when one was found.
    Fuzz(fuzz::FuzzArgs),
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

fn main() -> ExitCode {
    allocator::tune();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => return run::run(a),
        Command::Suite(a) => suite::suite(a),
        Command::List(a) => suite::list(a),
        Command::Build(a) => build::build(a),
        Command::Toolchains(a) => toolchains::toolchains(a),
        Command::Differences { cases } => differences::differences(cases),
        Command::Mutants(a) => mutants::mutants(a),
        Command::Matrix(a) => matrix::matrix(a),
        Command::Hosts(a) => hosts::hosts(a),
        Command::Inventory(a) => matrix::inventory(a),
        Command::TraceDiff { a, b } => trace_diff::trace_diff(&a, &b),
        Command::CacheFill {
            cache_dir,
            compiler,
            epoch,
            wasm,
        } => run::cache_fill(&cache_dir, compiler, epoch, &wasm),
        Command::Stdlib(a) => stdlib::stdlib(a),
        Command::Bench(a) => bench::bench(a),
        Command::Render { from, out } => matrix::render_reports(from, out),
        Command::Fuzz(a) => fuzz::fuzz(a),
        Command::FuzzRegress {
            target,
            input,
            name,
        } => fuzz_regress::fuzz_regress(&target, input, name),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
