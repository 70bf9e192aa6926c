//! `mutants`: the suite on Node with each faulty glue of the catalogue.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use gojs_harness::corpus::Corpus;
use gojs_harness::mutants::{self, MutantsRun};
use gojs_harness::paths;

use super::{ToolchainArgs, command_line, jobs};

#[derive(Args)]
pub struct MutantsArgs {
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

pub fn mutants(a: MutantsArgs) -> anyhow::Result<ExitCode> {
    let catalogue = a.catalogue.clone().unwrap_or_else(mutants::default_dir);
    let chosen: Vec<_> = mutants::load_catalogue(&catalogue)?
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
    let cache = paths::cache_dir();
    let cases_dir = a.cases.clone().unwrap_or_else(paths::default_cases_dir);
    let programs = a
        .programs
        .clone()
        .unwrap_or_else(paths::default_programs_dir);
    let run = MutantsRun {
        toolchains: a.toolchains.resolve()?,
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
    let start = std::time::Instant::now();
    let (results, baselines) =
        mutants::run_catalogue(&run, &chosen, work.path(), &mut |line| println!("{line}"))?;
    println!();
    let (lines, gaps) = mutants::summary(&results);
    for line in lines {
        println!("{line}");
    }
    println!("{:.0}s in all", start.elapsed().as_secs_f64());
    if let Some(path) = &a.report {
        let node = gojs_harness::host::node::node_version();
        std::fs::write(
            path,
            mutants::report(&results, &baselines, &command_line(), &node),
        )?;
        println!("report written to {}", path.display());
    }
    Ok(if gaps == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
