//! Differential fuzzing of a host (`gojs-harness fuzz`): seeded random bytes become
//! `call_sequences` inputs ([`gojs_fuzzing::sequences::Sequence`], valid ABI call sequences
//! with the model's prediction of their output), each built into a module and run on the host
//! under test and on the reference (the native host, in-process). Exit status, stdout and
//! stderr must agree with each other and with the model; the side that leaves the model is
//! the one named wrong. A divergence is minimized and written as a case (see [`finding`]).

pub mod finding;
pub mod minimize;
pub mod reference;
pub mod rng;
pub mod side;
pub mod verdict;

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use arbitrary::Unstructured;
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
    /// Threads running the reference.
    pub jobs: usize,
}

/// Inputs generated and run at a time: enough to keep the reference's threads busy while the
/// host works, few enough that a finding stops the run soon after.
const BATCH: usize = 8;

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
    /// Of `fuzzing`: generating and building modules (and running the reference where it
    /// runs after the host), and running the host and the reference's threads beside it.
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

/// An input the generator made something of.
struct Prepared {
    seq: Sequence,
    wasm: Vec<u8>,
}

fn prepare(data: &[u8], imports: &str) -> Option<Prepared> {
    let mut seq = Sequence::generate(&mut Unstructured::new(data)).ok()?;
    // The sequences are written for `gojs`; the frames and the model are the same for `go`.
    seq.spec.imports = imports.to_string();
    let wasm = gojs_synth::build(&seq.spec).ok()?;
    Some(Prepared { seq, wasm })
}

/// Run a batch of inputs: the host takes them one by one on this thread while up to
/// `opts.jobs` threads run the reference on them (it costs several times what Node does).
/// `None` for an input the generator rejects.
fn judge_batch(
    side: &mut HostSide,
    batch: &[Vec<u8>],
    opts: &FuzzOptions,
    times: &mut Times,
) -> anyhow::Result<Vec<Option<Judged>>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let t = Instant::now();
    let imports = side.import_module()?;
    let prepared: Vec<Option<Prepared>> = batch.iter().map(|d| prepare(d, imports)).collect();
    times.reference += t.elapsed();
    let every = opts.reference == Reference::Every;
    let natives: Vec<Mutex<Option<Result<Observed, String>>>> =
        prepared.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let hosts = std::thread::scope(|s| -> anyhow::Result<Vec<Option<Observed>>> {
        if every {
            for slot in 0..opts.jobs.max(1).min(prepared.len()) {
                let (next, prepared, natives) = (&next, &prepared, &natives);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = prepared.get(i) else { break };
                        if let Some(p) = p {
                            let r = reference::run(slot, &p.wasm, opts.timeout);
                            *natives[i].lock().expect("no panics while held") = Some(r);
                        }
                    }
                });
            }
        }
        let mut hosts = Vec::new();
        for p in &prepared {
            hosts.push(match p {
                Some(p) => Some(Observed::of_host(&side.run(&p.wasm, opts.timeout)?)),
                None => None,
            });
        }
        Ok(hosts)
    })?;
    let waited = t.elapsed();
    let mut out = Vec::new();
    for ((p, host), native) in prepared.into_iter().zip(hosts).zip(natives) {
        let (Some(p), Some(host)) = (p, host) else {
            out.push(None);
            continue;
        };
        let model = Observed::of_model(&p.seq.expected);
        let native = match native.into_inner().expect("no panics while held") {
            Some(r) => r.map_err(anyhow::Error::msg)?,
            // The model predicts every byte: the reference only has to say who is wrong.
            None if host == model => model.clone(),
            None => {
                let t = Instant::now();
                let n = reference::run(0, &p.wasm, opts.timeout).map_err(anyhow::Error::msg)?;
                times.reference += t.elapsed();
                n
            }
        };
        let kind = judge(&host, &native, &model);
        out.push(Some(Judged {
            seq: p.seq,
            host,
            native,
            model,
            kind,
        }));
    }
    times.host_wait += waited;
    Ok(out)
}

fn judge_input(
    side: &mut HostSide,
    data: &[u8],
    opts: &FuzzOptions,
) -> anyhow::Result<Option<Judged>> {
    let mut one = judge_batch(side, &[data.to_vec()], opts, &mut Times::default())?;
    Ok(one.pop().flatten())
}

/// Fuzz `side` for `opts.seconds`, or until `opts.max_findings` findings were written.
pub fn fuzz(side: &mut HostSide, opts: &FuzzOptions) -> anyhow::Result<Summary> {
    side.import_module()?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(opts.seconds);
    let mut rng = Rng::new(opts.seed);
    let mut sum = Summary::default();
    let mut progress = Progress::new();
    'fuzzing: while Instant::now() < deadline && sum.findings.len() < opts.max_findings {
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| {
                let len = rng.range(1, opts.max_len.max(1));
                rng.bytes(len)
            })
            .collect();
        let t = Instant::now();
        let mut times = Times::default();
        let judged = judge_batch(side, &batch, opts, &mut times)?;
        sum.fuzzing += t.elapsed();
        sum.reference += times.reference;
        sum.host_wait += times.host_wait;
        for (data, j) in batch.iter().zip(judged) {
            let Some(j) = j else {
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
                let written = keep(side, opts, data, kind, &j, sum.findings.len() + 1)?;
                progress.note(&format!("wrote {}", written.0.display()));
                sum.findings.push(written);
                if sum.findings.len() >= opts.max_findings {
                    break 'fuzzing;
                }
            }
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
        Ok(judge_input(side, cand, opts)?.is_some_and(|j| j.kind == Some(kind)))
    })?;
    // Run the minimized input once more for its report; the original's if it no longer
    // diverges (a flaky divergence: the report then says so).
    let again = judge_input(side, &min, opts)?;
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
