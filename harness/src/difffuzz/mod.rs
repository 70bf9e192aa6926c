//! Differential fuzzing of a host (`gojs-harness fuzz`): seeded random bytes become
//! `call_sequences` inputs ([`gojs_fuzzing::sequences::Sequence`], valid ABI call sequences
//! with the model's prediction of their output), each built into a module and run on the host
//! under test and on the reference (the native host, in-process). Exit status, stdout and
//! stderr must agree with each other and with the model; the side that leaves the model is
//! the one named wrong. A divergence is minimized and written as a case (see [`finding`]).

pub mod finding;
pub mod minimize;
pub mod rng;
pub mod side;
pub mod verdict;

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use arbitrary::Unstructured;
use gojs_fuzzing::loading::LoadPath;
use gojs_fuzzing::sequences::Sequence;

use rng::Rng;
use side::HostSide;
use verdict::{Kind, Observed, judge};

/// Everything a fuzzing run needs besides the host.
pub struct FuzzOptions {
    /// The host's name as given (`node`, `cmd:…`), for reports.
    pub host_name: String,
    /// The glue under test, for reports.
    pub glue_label: String,
    pub seconds: u64,
    pub seed: u64,
    pub out: PathBuf,
    /// Limit of one run on each side.
    pub timeout: Duration,
    /// Stop after this many divergences were minimized and written.
    pub max_findings: usize,
    /// Runs (of both sides) one minimization may take.
    pub minimize_runs: usize,
    /// Longest random input, in bytes.
    pub max_len: usize,
    pub reference: Reference,
}

/// When the reference runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// On every input, beside the host: also finds inputs where the reference leaves the
    /// model and the host does not.
    Every,
    /// Only on inputs where the host leaves the model, to say which side is wrong: the
    /// reference costs more per input than Node does, so this is several times faster.
    OnDivergence,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Inputs run on both sides (minimization runs not counted).
    pub inputs: u64,
    /// Inputs the generator made nothing of.
    pub rejected: u64,
    /// Inputs that diverged.
    pub divergences: u64,
    /// The cases written, with what they say.
    pub findings: Vec<(PathBuf, String)>,
    /// Time spent on fresh inputs (not minimizing).
    pub fuzzing: Duration,
    pub elapsed: Duration,
    /// Host processes started (a worker restarted after a timeout counts again).
    pub host_starts: u64,
    /// Of `fuzzing`: building modules and running the reference, and waiting for the host
    /// once that was done (the host runs meanwhile), to tell which side limits the rate.
    pub reference: Duration,
    pub host_wait: Duration,
}

impl Summary {
    pub fn rate(&self) -> f64 {
        self.inputs as f64 / self.fuzzing.as_secs_f64().max(1e-9)
    }
}

/// One input run on both sides.
struct Judged {
    seq: Sequence,
    host: Observed,
    native: Observed,
    model: Observed,
    kind: Option<Kind>,
}

/// Where one input's time went.
#[derive(Default)]
struct Times {
    reference: Duration,
    host_wait: Duration,
}

fn judge_input(
    side: &mut HostSide,
    data: &[u8],
    opts: &FuzzOptions,
    times: &mut Times,
) -> anyhow::Result<Option<Judged>> {
    let t = Instant::now();
    let Ok(seq) = Sequence::generate(&mut Unstructured::new(data)) else {
        return Ok(None);
    };
    let Ok(wasm) = gojs_synth::build(&seq.spec) else {
        return Ok(None);
    };
    let model = Observed::of_model(&seq.expected);
    let run_native = |times: &mut Times| -> anyhow::Result<Observed> {
        let t = Instant::now();
        // Winch: the compile is a good part of the reference's time on these small modules.
        let native =
            gojs_fuzzing::loading::run_bytes_on(&wasm, opts.timeout, None, LoadPath::Winch, None)
                .map_err(|e| anyhow::anyhow!("the native host could not run an input: {e}"))?;
        times.reference += t.elapsed();
        Ok(Observed::of_native(&native))
    };
    // The host works on the module while the reference runs here.
    side.send(&wasm)?;
    times.reference += t.elapsed();
    let early = match opts.reference {
        Reference::Every => Some(run_native(times)?),
        Reference::OnDivergence => None,
    };
    let waiting = Instant::now();
    let host = Observed::of_host(&side.receive(opts.timeout)?);
    times.host_wait += waiting.elapsed();
    let native = match early {
        Some(n) => n,
        // The model predicts every byte: the reference only has to say who is wrong.
        None if host == model => model.clone(),
        None => run_native(times)?,
    };
    let kind = judge(&host, &native, &model);
    Ok(Some(Judged {
        seq,
        host,
        native,
        model,
        kind,
    }))
}

/// Fuzz `side` for `opts.seconds`, or until `opts.max_findings` findings were written.
pub fn fuzz(side: &mut HostSide, opts: &FuzzOptions) -> anyhow::Result<Summary> {
    side.check_generation()?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(opts.seconds);
    let mut rng = Rng::new(opts.seed);
    let mut sum = Summary::default();
    let mut progress = Progress::new();
    while Instant::now() < deadline && sum.findings.len() < opts.max_findings {
        let len = rng.range(1, opts.max_len.max(1));
        let data = rng.bytes(len);
        let t = Instant::now();
        let mut times = Times::default();
        let judged = judge_input(side, &data, opts, &mut times)?;
        sum.fuzzing += t.elapsed();
        sum.reference += times.reference;
        sum.host_wait += times.host_wait;
        let Some(j) = judged else {
            sum.rejected += 1;
            continue;
        };
        sum.inputs += 1;
        if let Some(kind) = j.kind {
            sum.divergences += 1;
            progress.note(&format!(
                "input {} diverges: {}; minimizing",
                sum.inputs,
                kind.describe(&opts.host_name)
            ));
            let written = keep(side, opts, &data, kind, &j, sum.findings.len() + 1)?;
            progress.note(&format!("wrote {}", written.0.display()));
            sum.findings.push(written);
        }
        progress.tick(&sum, start);
    }
    sum.elapsed = start.elapsed();
    sum.host_starts = side.starts();
    progress.done();
    Ok(sum)
}

/// Minimize a diverging input (keeping the kind of divergence) and write the finding.
fn keep(
    side: &mut HostSide,
    opts: &FuzzOptions,
    data: &[u8],
    kind: Kind,
    first: &Judged,
    number: usize,
) -> anyhow::Result<(PathBuf, String)> {
    let (min, runs) = minimize::minimize(data, opts.minimize_runs, |cand| {
        Ok(judge_input(side, cand, opts, &mut Times::default())?
            .is_some_and(|j| j.kind == Some(kind)))
    })?;
    // Run the minimized input once more for its report; the original's if it no longer
    // diverges (a flaky divergence: the report then says so).
    let again = judge_input(side, &min, opts, &mut Times::default())?;
    let (input, j, note) = match &again {
        Some(j) if j.kind == Some(kind) => (min.as_slice(), j, ""),
        _ => (
            data,
            first,
            " (minimizing lost it: the original input is kept; the divergence may be flaky)",
        ),
    };
    let name = format!(
        "{}_{}_seed{}_{number}",
        slug(&opts.host_name),
        kind.slug(),
        opts.seed
    );
    let verdict = format!("{}{note}", kind.describe(&opts.host_name));
    let case = finding::write(
        &opts.out,
        &finding::Finding {
            name,
            input,
            original_len: data.len(),
            minimize_runs: runs,
            host: &opts.host_name,
            glue: &opts.glue_label,
            seed: opts.seed,
            verdict: verdict.clone(),
            ops: &j.seq.ops,
            diff: verdict::diff(&opts.host_name, &j.host, &j.native, &j.model),
        },
    )
    .context("writing the finding")?;
    Ok((case, verdict))
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The progress line on stderr, about once a second: rewritten in place on a terminal, a
/// line each time otherwise (logs).
struct Progress {
    last: Instant,
    tty: bool,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            last: Instant::now(),
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn line(sum: &Summary, start: Instant) -> String {
        format!(
            "{} inputs, {:.0}/s, {} divergences, {} s",
            sum.inputs,
            sum.rate(),
            sum.divergences,
            start.elapsed().as_secs()
        )
    }

    fn tick(&mut self, sum: &Summary, start: Instant) {
        if self.last.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.last = Instant::now();
        let line = Self::line(sum, start);
        let mut e = std::io::stderr().lock();
        let _ = if self.tty {
            write!(e, "\r\x1b[K{line}")
        } else {
            writeln!(e, "{line}")
        };
    }

    fn note(&mut self, text: &str) {
        let mut e = std::io::stderr().lock();
        let _ = if self.tty {
            writeln!(e, "\r\x1b[K{text}")
        } else {
            writeln!(e, "{text}")
        };
    }

    fn done(&mut self) {
        if self.tty {
            let _ = writeln!(std::io::stderr());
        }
    }
}
