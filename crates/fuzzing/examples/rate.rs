//! How many inputs a second a fuzz target's oracle runs, without libFuzzer: the committed
//! corpus (`fuzz/corpus/TARGET/`) and deterministic pseudo-random inputs, in turns, for a
//! while, through the same entry point the cargo-fuzz target calls.
//!
//!     cargo run --release -p gojs-fuzzing --example rate -- TARGET SECONDS [corpus|random|both]
//!
//! An uninstrumented build runs faster than the libFuzzer one (no coverage counters, no
//! mutation or corpus bookkeeping): read it as an upper bound of the fuzzer's rate and as a
//! way to see where the time goes (`perf record` this example).

use std::path::Path;
use std::time::{Duration, Instant};

use arbitrary::Unstructured;
use gojs_fuzzing::loading::{LoadInput, LoadPath};
use gojs_fuzzing::{Input, run_target};

/// `module_loading`'s path for an input (as `run_target` picks it), to tally rates per path.
fn load_path(data: &[u8]) -> Option<LoadPath> {
    let mut u = Unstructured::new(data);
    LoadInput::generate(&mut u).ok()?;
    Some(LoadPath::generate(&mut u).unwrap_or(LoadPath::Cranelift))
}

/// The pseudo-random input length the replay test's smoke run uses for each target.
fn random_len(target: &str) -> usize {
    match target {
        "import_frames" => 600,
        "call_sequences" => 400,
        _ => 300,
    }
}

#[derive(Default)]
struct Tally {
    runs: u64,
    checked: u64,
    rejected: u64,
    failed: u64,
    time: Duration,
    slowest: Duration,
}

impl Tally {
    fn add(&mut self, took: Duration, r: &Result<Input, String>) {
        self.runs += 1;
        self.time += took;
        self.slowest = self.slowest.max(took);
        match r {
            Ok(Input::Checked) => self.checked += 1,
            Ok(Input::Rejected) => self.rejected += 1,
            Err(_) => self.failed += 1,
        }
    }
    fn line(&self, what: &str) -> String {
        let rate = self.runs as f64 / self.time.as_secs_f64().max(1e-9);
        format!(
            "{what:>8}: {:>8} runs in {:>7.2} s = {rate:>9.1} exec/s (checked {}, rejected {}, failed {}; slowest {:.1} ms)",
            self.runs,
            self.time.as_secs_f64(),
            self.checked,
            self.rejected,
            self.failed,
            self.slowest.as_secs_f64() * 1e3
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(target), Some(secs)) = (args.first(), args.get(1)) else {
        eprintln!("usage: rate TARGET SECONDS [corpus|random|both]");
        std::process::exit(2);
    };
    if gojs_fuzzing::target(target).is_none() {
        eprintln!(
            "no fuzz target {target} (one of {:?})",
            gojs_fuzzing::TARGETS
        );
        std::process::exit(2);
    }
    let secs: f64 = secs.parse().unwrap_or(10.0);
    let mode = args.get(2).map(String::as_str).unwrap_or("both");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    if mode == "random" {
        corpus.clear();
    }
    let fault = gojs_fuzzing::fault_from_env();
    let (mut from_corpus, mut random) = (Tally::default(), Tally::default());
    let mut per_path: Vec<(LoadPath, Tally)> = [LoadPath::Cranelift, LoadPath::Winch]
        .into_iter()
        .map(|p| (p, Tally::default()))
        .collect();
    let started = Instant::now();
    let budget = Duration::from_secs_f64(secs);
    let mut seed = 0u64;
    let mut first_failure = None;
    let mut i = 0usize;
    while started.elapsed() < budget {
        let use_corpus =
            mode != "random" && (mode == "corpus" || i.is_multiple_of(2)) && !corpus.is_empty();
        i += 1;
        let data = if use_corpus {
            corpus[i / 2 % corpus.len()].clone()
        } else {
            seed += 1;
            gojs_fuzzing::pseudo_random(seed, random_len(target))
        };
        let t = Instant::now();
        let r = run_target(target, &data, fault);
        let took = t.elapsed();
        if let Err(e) = &r {
            first_failure.get_or_insert_with(|| e.clone());
        }
        if target == "module_loading"
            && let Some(p) = load_path(&data)
            && let Some((_, t)) = per_path.iter_mut().find(|(q, _)| *q == p)
        {
            t.add(took, &r);
        }
        if use_corpus {
            from_corpus.add(took, &r);
        } else {
            random.add(took, &r);
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let total = from_corpus.runs + random.runs;
    println!(
        "{target}: {total} runs in {wall:.2} s = {:.1} exec/s",
        total as f64 / wall
    );
    println!("{}", from_corpus.line("corpus"));
    println!("{}", random.line("random"));
    for (p, t) in &per_path {
        if t.runs > 0 {
            println!("{}", t.line(&format!("{p:?}")));
        }
    }
    if let Some(e) = first_failure {
        println!("first failure: {}", e.lines().next().unwrap_or(""));
    }
}
