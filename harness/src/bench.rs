//! `gojs-harness bench`: how long whole runs take on the native host and on JS hosts,
//! program by program.
//!
//! Each round runs every program once in every variant, interleaved, so a machine that slows
//! down mid-run slows all of them alike; the report gives medians over the rounds. The
//! variants a user meets are whole processes: `gojs-harness run` of a module it has never
//! seen (an empty cache: what `go test -exec` pays for every test binary), of a module whose
//! build is cached, and each JS host's run. Two in-process native variants (no cache, and a
//! warm cache) give the start-up phases (compile or load, realm, instantiation) that say
//! where the time goes. Times are wall-clock times of whole runs. Benchmarks measure;
//! nothing here asserts a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::host::{Exit, Host, RunRequest};
use crate::toolchain::Toolchain;
use gojs_native::{Ending, NativeRunOptions, Phases, Program, run_isolated};

/// The programs measured by default: hello world and three heavier corpus programs.
pub const DEFAULT_PROGRAMS: &[&str] = &["hello", "value_type", "reftable", "strings"];

/// A way to run a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Variant {
    /// `gojs-harness run` as a process, with an empty module cache.
    ProcessNew,
    /// `gojs-harness run` as a process, its build in the cache.
    ProcessWarm,
    /// In-process, compiled afresh: for the phases.
    NativeCold,
    /// In-process, from the cache: for the phases.
    NativeWarm,
    /// A JS host, by its index in the hosts measured.
    Host(usize),
}

/// One measured run.
#[derive(Debug, Clone)]
pub struct Sample {
    pub wall: Duration,
    pub phases: Option<Phases>,
}

/// Every sample, by program and variant.
#[derive(Debug, Default)]
pub struct Measurements {
    pub samples: BTreeMap<(String, Variant), Vec<Sample>>,
    /// The JS hosts' names, by index.
    pub hosts: Vec<String>,
}

/// The median of some durations (the lower middle for an even count).
pub fn median(mut d: Vec<Duration>) -> Duration {
    if d.is_empty() {
        return Duration::ZERO;
    }
    d.sort();
    d[(d.len() - 1) / 2]
}

impl Measurements {
    fn walls(&self, program: &str, v: Variant) -> Vec<Duration> {
        self.samples
            .get(&(program.to_string(), v))
            .map(|s| s.iter().map(|x| x.wall).collect())
            .unwrap_or_default()
    }

    pub fn median_wall(&self, program: &str, v: Variant) -> Duration {
        median(self.walls(program, v))
    }

    /// Median of each start-up phase of a native variant.
    pub fn median_phases(&self, program: &str, v: Variant) -> Phases {
        let s = self
            .samples
            .get(&(program.to_string(), v))
            .cloned()
            .unwrap_or_default();
        let ph: Vec<Phases> = s.iter().filter_map(|x| x.phases).collect();
        Phases {
            load: median(ph.iter().map(|p| p.load).collect()),
            realm: median(ph.iter().map(|p| p.realm).collect()),
            instantiate: median(ph.iter().map(|p| p.instantiate).collect()),
            build: ph.first().and_then(|p| p.build),
            interpreted: ph.first().is_some_and(|p| p.interpreted),
            left_interpreter: None,
            tiered_up: None,
            tiered_mid_run: false,
        }
    }

    /// The JS host with the lowest median for `program`, and that median.
    pub fn fastest_host(&self, program: &str) -> Option<(&str, Duration)> {
        (0..self.hosts.len())
            .map(|i| {
                (
                    self.hosts[i].as_str(),
                    self.median_wall(program, Variant::Host(i)),
                )
            })
            .min_by_key(|(_, d)| *d)
    }
}

fn env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert(
        "TMPDIR".to_string(),
        std::env::temp_dir().to_string_lossy().into_owned(),
    );
    env
}

fn native(wasm: &Path, cache_dir: Option<&Path>) -> anyhow::Result<Sample> {
    let program = Program {
        wasm: wasm.to_path_buf(),
        args: vec![],
        env: env(),
        cwd: std::env::temp_dir(),
    };
    let opts = NativeRunOptions {
        cache_dir: cache_dir.map(Path::to_path_buf),
        // No time limit, as `gojs-harness run` without --timeout: the limit compiles in epoch
        // checks that slow tight loops down.
        ..Default::default()
    };
    let out = run_isolated(&program, &opts, true);
    if !matches!(out.ending, Ending::Exit(0 | 1)) {
        anyhow::bail!(
            "{} on native ended with {:?}: {}",
            wasm.display(),
            out.ending,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(Sample {
        wall: out.wall,
        phases: Some(out.phases),
    })
}

/// `EXE run WASM` as a process, with the module cache `cache`, its output discarded.
fn process(exe: &Path, wasm: &Path, cache: &Path) -> anyhow::Result<Sample> {
    use std::process::{Command, Stdio};
    let start = Instant::now();
    let out = Command::new(exe)
        .arg("run")
        .arg(wasm)
        .env("GOJS_NATIVE_CACHE_DIR", cache)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {} run", exe.display()))?;
    let wall = start.elapsed();
    if !matches!(out.status.code(), Some(0 | 1)) {
        anyhow::bail!(
            "`gojs-harness run {}` ended with {}: {}",
            wasm.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(Sample { wall, phases: None })
}

fn on_host(host: &dyn Host, tc: &Toolchain, wasm: &Path) -> anyhow::Result<Sample> {
    let out = host.run(&RunRequest {
        wasm: wasm.to_path_buf(),
        args: vec![],
        env: env(),
        cwd: std::env::temp_dir(),
        timeout: Duration::from_secs(300),
        toolchain: tc.clone(),
        trace: None,
    })?;
    if !matches!(out.exit, Exit::Code(0 | 1)) {
        anyhow::bail!(
            "{} on {} ended with {}",
            wasm.display(),
            host.name(),
            out.exit
        );
    }
    Ok(Sample {
        wall: out.wall,
        phases: None,
    })
}

/// Measure `programs` (name → module) for `rounds` rounds on the native host (`exe` is this
/// harness's executable, for the whole-process variants) and on `hosts`, printing a line per
/// round.
pub fn measure(
    tc: &Toolchain,
    exe: &Path,
    hosts: &[Arc<dyn Host>],
    programs: &[(String, PathBuf)],
    rounds: usize,
) -> anyhow::Result<Measurements> {
    let warm = tempfile::tempdir()?;
    // Fill the warm cache, and warm the OS's file cache for every variant alike.
    for (_, wasm) in programs {
        native(wasm, Some(warm.path()))?;
        for h in hosts {
            on_host(h.as_ref(), tc, wasm)?;
        }
    }
    let mut variants = vec![
        Variant::ProcessNew,
        Variant::ProcessWarm,
        Variant::NativeCold,
        Variant::NativeWarm,
    ];
    variants.extend((0..hosts.len()).map(Variant::Host));
    let mut m = Measurements {
        hosts: hosts.iter().map(|h| h.name().to_string()).collect(),
        ..Default::default()
    };
    for round in 1..=rounds {
        for (name, wasm) in programs {
            for &v in &variants {
                let s = match v {
                    Variant::ProcessNew => {
                        let empty = tempfile::tempdir()?;
                        process(exe, wasm, empty.path())?
                    }
                    Variant::ProcessWarm => process(exe, wasm, warm.path())?,
                    Variant::NativeCold => native(wasm, None)?,
                    Variant::NativeWarm => native(wasm, Some(warm.path()))?,
                    Variant::Host(i) => on_host(hosts[i].as_ref(), tc, wasm)?,
                };
                m.samples.entry((name.clone(), v)).or_default().push(s);
            }
        }
        println!("round {round}/{rounds} done");
    }
    Ok(m)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Which build a variant ran: "winch, compiled" or "cranelift, cached".
fn build_name(ph: &Phases) -> String {
    match ph.build {
        Some((c, cached)) => format!(
            "{}, {}",
            c.name(),
            if cached { "cached" } else { "compiled" }
        ),
        None if ph.interpreted => "wasmi, interpreted".to_string(),
        None => "?".to_string(),
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// The table of medians and ratios (Markdown), and the native start-up phases.
pub fn table(m: &Measurements, programs: &[String]) -> String {
    let mut s = String::from("| program | native, never seen | native, warm cache |");
    for h in &m.hosts {
        s.push_str(&format!(" {h} |"));
    }
    s.push_str(
        " fastest JS host ÷ native warm | native never seen ÷ fastest JS host |\n|---|---|---|",
    );
    s.push_str(&"---|".repeat(m.hosts.len() + 2));
    s.push('\n');
    for p in programs {
        let (new, warm) = (
            m.median_wall(p, Variant::ProcessNew),
            m.median_wall(p, Variant::ProcessWarm),
        );
        s.push_str(&format!("| `{p}` | {} | {} |", ms(new), ms(warm)));
        for i in 0..m.hosts.len() {
            s.push_str(&format!(" {} |", ms(m.median_wall(p, Variant::Host(i)))));
        }
        match m.fastest_host(p) {
            Some((h, d)) => s.push_str(&format!(
                " {h} {:.1}× | {:.2}× |\n",
                ratio(d, warm),
                ratio(new, d)
            )),
            None => s.push_str(" | |\n"),
        }
    }
    s.push_str(
        "\nIn-process native runs, medians: compiled afresh (compile / realm, built beside it \
         / instantiate / run), and from the cache (load / realm / instantiate / run):\n\n",
    );
    for p in programs {
        let (cold, warm) = (
            m.median_phases(p, Variant::NativeCold),
            m.median_phases(p, Variant::NativeWarm),
        );
        // The module loads on a thread beside the realm's build.
        let rest = |v, ph: &Phases| {
            ms(m.median_wall(p, v)
                .saturating_sub(ph.load.max(ph.realm) + ph.instantiate))
        };
        s.push_str(&format!(
            "- `{p}`: {} ({}) / {} / {} / {}; {} ({}) / {} / {} / {}\n",
            ms(cold.load),
            build_name(&cold),
            ms(cold.realm),
            ms(cold.instantiate),
            rest(Variant::NativeCold, &cold),
            ms(warm.load),
            build_name(&warm),
            ms(warm.realm),
            ms(warm.instantiate),
            rest(Variant::NativeWarm, &warm),
        ));
    }
    s
}

/// One timed `EXE suite --host H` per host (`EXE` is this harness's executable), as report
/// lines: `- `gojs-harness suite --host H`: 17.1 s (216 passed, 0 failed, 1 skipped)`.
pub fn time_suites(exe: &Path, hosts: &[&str]) -> anyhow::Result<String> {
    let mut lines = String::new();
    // The suite as a user runs it (the cases and the three real programs `cargo test` runs),
    // then the cases alone, as before real programs joined the suite (`bench --real` times
    // those on their own).
    for (args, what) in [(&[][..], ""), (&["--real", "none"][..], " --real none")] {
        for host in hosts {
            let start = std::time::Instant::now();
            let out = std::process::Command::new(exe)
                .args(["suite", "--host", host])
                .args(args)
                .output()?;
            let took = start.elapsed();
            let last = String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or("")
                .to_string();
            lines.push_str(&format!(
                "- `gojs-harness suite --host {host}{what}`: {:.1} s ({last})\n",
                took.as_secs_f64()
            ));
        }
    }
    Ok(lines)
}

/// CPU model, core count, and Node's version, for reports of timings.
pub fn machine_description() -> String {
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
    format!(
        "{cpu}, {cores} cores; Node {}",
        crate::host::node::node_version()
    )
}

/// `reports/perf.md`: the table of [`table`], and the suite times of [`time_suites`].
pub fn report(command: &str, rounds: usize, toolchain: &str, table: &str, suites: &str) -> String {
    format!(
        "# Speed: the native host against the JS hosts\n\n\
         Generated by `{command}` ({rounds} rounds, medians; each round runs every program once \
         in every variant, interleaved). Wall time of whole runs, start-up included: \
         `native, never seen` is `gojs-harness run` as a process with an empty module cache \
         (what `go test -exec` pays for a test binary), `native, warm cache` the same with \
         the module's build cached.\n\n\
         Machine: {}. {toolchain}.\n\n{table}{}",
        machine_description(),
        if suites.is_empty() {
            String::new()
        } else {
            format!(
                "\nThe suite, once on each host, as a user runs it and with the cases alone:\n\n{suites}"
            )
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let d = |v: &[u64]| v.iter().map(|&x| Duration::from_millis(x)).collect();
        assert_eq!(median(d(&[5, 1, 3])), Duration::from_millis(3));
        assert_eq!(median(d(&[4, 1, 3, 2])), Duration::from_millis(2));
        assert_eq!(median(Vec::new()), Duration::ZERO);
    }

    #[test]
    fn table_gives_ratios() {
        let mut m = Measurements {
            hosts: vec!["node".into(), "bun".into()],
            ..Default::default()
        };
        let s = |ms| Sample {
            wall: Duration::from_millis(ms),
            phases: Some(Phases::default()),
        };
        for (v, ms) in [
            (Variant::ProcessNew, 200),
            (Variant::ProcessWarm, 10),
            (Variant::NativeCold, 190),
            (Variant::NativeWarm, 5),
            (Variant::Host(0), 120),
            (Variant::Host(1), 100),
        ] {
            m.samples.insert(("p".into(), v), vec![s(ms)]);
        }
        let t = table(&m, &["p".to_string()]);
        assert!(
            t.contains("| `p` | 200.0 ms | 10.0 ms | 120.0 ms | 100.0 ms | bun 10.0× | 2.00× |"),
            "{t}"
        );
        assert!(t.contains("|---|---|---|---|---|---|---|\n"), "{t}");
    }
}
