//! `fuzz --host HOST`: differential fuzzing of a host against the native reference and the
//! model of wasm_exec.js (see `gojs_harness::difffuzz`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use gojs_harness::difffuzz::side::HostSide;
use gojs_harness::difffuzz::{FuzzOptions, Reference, fuzz as run_fuzz};
use gojs_harness::host::worker::NodeWorker;
use gojs_harness::host::{self, HostOptions};
use gojs_harness::toolchain::Toolchain;
use gojs_harness::{mutants, paths};

use super::ToolchainArgs;

#[derive(Args)]
pub struct FuzzArgs {
    /// The host under test: node, or any host `suite` takes. Node and the profiles that
    /// launch the harness's runner (deno, bun, node@22) are kept alive between inputs; the
    /// others (cmd:PROGRAM, wazero) start once per input.
    #[arg(long)]
    host: String,
    /// The reference: only `native` (in-process) for now.
    #[arg(long, default_value = "native")]
    against: String,
    /// A wasm_exec.js to test instead of the toolchain's own.
    #[arg(long, conflicts_with = "mutant")]
    glue: Option<PathBuf>,
    /// Test the toolchain's glue with one fault of the catalogue (mutants/NAME.toml).
    #[arg(long)]
    mutant: Option<String>,
    #[command(flatten)]
    toolchains: ToolchainArgs,
    /// How long to fuzz (minimizing a divergence comes on top).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seed of the random inputs: the same seed gives the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where findings are written (default: target/fuzz-host/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds one input may run on each side.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
    /// Stop after this many divergences were minimized and written.
    #[arg(long, default_value_t = 1)]
    max_findings: usize,
    /// Runs one minimization may take.
    #[arg(long, default_value_t = 300)]
    minimize_runs: usize,
    /// Longest random input, in bytes.
    #[arg(long, default_value_t = 256)]
    max_len: usize,
    /// When the reference runs: on `every` input, or only on those where the host leaves the
    /// model's prediction (`divergent`; several times faster, but inputs where only the
    /// reference is wrong go unseen: the in-process call_sequences target covers those).
    #[arg(long, default_value = "every", value_parser = ["every", "divergent"])]
    reference: String,
    /// Threads running the reference (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
}

pub fn fuzz(a: FuzzArgs) -> anyhow::Result<ExitCode> {
    if a.against != "native" {
        bail!(
            "--against {}: the only reference is `native` (the in-process host)",
            a.against
        );
    }
    let tc = a.toolchains.one("fuzz")?;
    let cache_dir = paths::cache_dir();
    let glue = match (&a.glue, &a.mutant) {
        (Some(g), _) => g.clone(),
        (None, Some(m)) => mutated_glue(m, &tc, &cache_dir)?,
        (None, None) => tc.glue()?,
    };
    let glue_given = (a.glue.is_some() || a.mutant.is_some()).then(|| glue.clone());
    let mut side = if a.host == "node" {
        HostSide::Worker(NodeWorker::new(&glue, &cache_dir)?)
    } else {
        let h = host::from_spec(
            &a.host,
            &HostOptions {
                glue: glue_given,
                cache_dir: cache_dir.clone(),
                hosts_dir: paths::default_hosts_dir(),
            },
        )?;
        if let Some(why) = h.unavailable() {
            bail!("the host {} cannot run here: {why}", a.host);
        }
        match h.worker_command(&tc)? {
            Some(line) => HostSide::Worker(NodeWorker::with_command(line, glue.clone())?),
            None => HostSide::one_shot(h, tc.clone())?,
        }
    };
    let opts = FuzzOptions {
        host_name: a.host.clone(),
        glue_label: glue.display().to_string(),
        seconds: a.seconds,
        seed: a.seed,
        out: a
            .out
            .unwrap_or_else(|| paths::repo_root().join("target/fuzz-host")),
        timeout: Duration::from_secs(a.timeout),
        max_findings: a.max_findings.max(1),
        minimize_runs: a.minimize_runs,
        max_len: a.max_len,
        jobs: super::jobs(a.jobs),
        reference: if a.reference == "every" {
            Reference::Every
        } else {
            Reference::OnDivergence
        },
    };
    let sum = run_fuzz(&mut side, &opts)?;
    println!(
        "{} inputs in {:.1} s ({:.0}/s; {} rejected by the generator), {} divergences, {} host process(es) started",
        sum.inputs,
        sum.fuzzing.as_secs_f64(),
        sum.rate(),
        sum.rejected,
        sum.divergences,
        sum.host_starts
    );
    if sum.inputs > 0 {
        let per = |d: Duration| d.as_secs_f64() * 1e3 / sum.inputs as f64;
        println!(
            "per input: {:.2} ms generating and building, {:.2} ms running {} beside the reference",
            per(sum.reference),
            per(sum.host_wait),
            a.host
        );
    }
    for (case, verdict) in &sum.findings {
        println!("finding: {verdict}\n  case: {}", case.display());
    }
    Ok(if sum.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The toolchain's glue with the catalogue's mutant `name` applied, written to the cache.
fn mutated_glue(name: &str, tc: &Toolchain, cache_dir: &Path) -> anyhow::Result<PathBuf> {
    let catalogue = mutants::load_catalogue(&mutants::default_dir())?;
    let Some(m) = catalogue.iter().find(|m| m.name == name) else {
        bail!(
            "no mutant {name} in {}: one of {}",
            mutants::default_dir().display(),
            catalogue
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let not = |why: String| anyhow::anyhow!("the mutant {name} does not apply to {tc}: {why}");
    m.covers(&tc.version).map_err(|e| not(e.0))?;
    let stock = std::fs::read_to_string(tc.glue()?)?;
    let glue = m.apply(&stock).map_err(|e| not(e.0))?;
    let path = cache_dir.join(format!("fuzz-glue/{name}-{}.js", tc.label()));
    paths::write_atomically(&path, glue.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
