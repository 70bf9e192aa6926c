//! `gojs-harness bench`: how long whole runs take on the native host, with a cold and a
//! warm module cache, and on Node, program by program, in one process.
//!
//! Each round runs every program once in every variant, interleaved (native cold, native
//! warm, node), so a machine that slows down mid-run slows all three alike; the report
//! gives medians over the rounds. `native-cold` compiles the module afresh (no cache), which
//! is what a first run pays; `native-warm` loads it from a cache filled before the rounds.
//! For native runs the start-up phases (load or compile, realm, instantiation) are kept too,
//! to say where cold time goes. Times are wall-clock times of the whole run, as a user
//! waiting for `go_js_wasm_exec` sees them. Benchmarks measure; nothing here asserts a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::host::node::NodeHost;
use crate::host::{Exit, Host, RunRequest};
use crate::toolchain::Toolchain;
use gojs_native::{Ending, NativeRunOptions, Phases, Program, run_isolated};

/// The programs measured by default: hello world and three heavier corpus programs.
pub const DEFAULT_PROGRAMS: &[&str] = &["hello", "value_type", "reftable", "strings"];

/// A way to run a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Variant {
    NativeCold,
    NativeWarm,
    Node,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::NativeCold, Variant::NativeWarm, Variant::Node];
    pub fn name(self) -> &'static str {
        match self {
            Variant::NativeCold => "native, cold cache",
            Variant::NativeWarm => "native, warm cache",
            Variant::Node => "node",
        }
    }
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
            tiered_up: None,
            tiered_mid_run: false,
        }
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

fn node(host: &NodeHost, tc: &Toolchain, wasm: &Path) -> anyhow::Result<Sample> {
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
        anyhow::bail!("{} on node ended with {}", wasm.display(), out.exit);
    }
    Ok(Sample {
        wall: out.wall,
        phases: None,
    })
}

/// Measure `programs` (name → module) for `rounds` rounds, printing a line per round.
pub fn measure(
    tc: &Toolchain,
    node_host: &NodeHost,
    programs: &[(String, PathBuf)],
    rounds: usize,
) -> anyhow::Result<Measurements> {
    let warm = tempfile::tempdir()?;
    // Fill the warm cache, and warm the OS's file cache for every variant alike.
    for (_, wasm) in programs {
        native(wasm, Some(warm.path()))?;
        node(node_host, tc, wasm)?;
    }
    let mut m = Measurements::default();
    for round in 1..=rounds {
        for (name, wasm) in programs {
            for v in Variant::ALL {
                let s = match v {
                    Variant::NativeCold => native(wasm, None)?,
                    Variant::NativeWarm => native(wasm, Some(warm.path()))?,
                    Variant::Node => node(node_host, tc, wasm)?,
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
        None => "?".to_string(),
    }
}

/// The table of medians and ratios (Markdown).
pub fn table(m: &Measurements, programs: &[String]) -> String {
    let mut s = String::from(
        "| program | native, cold cache | native, warm cache | node | node ÷ native warm | \
         native cold ÷ node | native cold: compile / realm / instantiate / run |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for p in programs {
        let (c, w, n) = (
            m.median_wall(p, Variant::NativeCold),
            m.median_wall(p, Variant::NativeWarm),
            m.median_wall(p, Variant::Node),
        );
        let ph = m.median_phases(p, Variant::NativeCold);
        s.push_str(&format!(
            "| `{p}` | {} | {} | {} | {:.1}× | {:.2}× | {} ({}) / {} / {} / {} |\n",
            ms(c),
            ms(w),
            ms(n),
            n.as_secs_f64() / w.as_secs_f64().max(1e-9),
            c.as_secs_f64() / n.as_secs_f64().max(1e-9),
            ms(ph.load),
            build_name(&ph),
            ms(ph.realm),
            ms(ph.instantiate),
            ms(c.saturating_sub(ph.load + ph.realm + ph.instantiate)),
        ));
    }
    let mut warm =
        String::from("\nWarm start-up, medians (load from cache / realm / instantiate / run):\n\n");
    for p in programs {
        let ph = m.median_phases(p, Variant::NativeWarm);
        let w = m.median_wall(p, Variant::NativeWarm);
        warm.push_str(&format!(
            "- `{p}` ({}): {} / {} / {} / {}\n",
            build_name(&ph),
            ms(ph.load),
            ms(ph.realm),
            ms(ph.instantiate),
            ms(w.saturating_sub(ph.load + ph.realm + ph.instantiate)),
        ));
    }
    s + &warm
}

/// One timed `EXE suite --host H` per host (`EXE` is this harness's executable), as report
/// lines: `- `gojs-harness suite --host H`: 17.1 s (216 passed, 0 failed, 1 skipped)`.
pub fn time_suites(exe: &Path, hosts: &[&str]) -> anyhow::Result<String> {
    let mut lines = String::new();
    for host in hosts {
        let start = std::time::Instant::now();
        let out = std::process::Command::new(exe)
            // The cases alone, as before real programs joined the suite (`bench --real`
            // times those).
            .args(["suite", "--host", host, "--real", "none"])
            .output()?;
        let took = start.elapsed();
        let last = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or("")
            .to_string();
        lines.push_str(&format!(
            "- `gojs-harness suite --host {host}`: {:.1} s ({last})\n",
            took.as_secs_f64()
        ));
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
        "# Speed: the native host against Node\n\n\
         Generated by `{command}` ({rounds} rounds, medians; each round runs every program once \
         in every variant, interleaved). Wall time of whole runs, start-up included.\n\n\
         Machine: {}. {toolchain}.\n\n{table}{}",
        machine_description(),
        if suites.is_empty() {
            String::new()
        } else {
            format!("\nThe whole suite, once on each host:\n\n{suites}")
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
        let mut m = Measurements::default();
        let s = |ms| Sample {
            wall: Duration::from_millis(ms),
            phases: Some(Phases::default()),
        };
        m.samples
            .insert(("p".into(), Variant::NativeCold), vec![s(200)]);
        m.samples
            .insert(("p".into(), Variant::NativeWarm), vec![s(10)]);
        m.samples.insert(("p".into(), Variant::Node), vec![s(100)]);
        let t = table(&m, &["p".to_string()]);
        assert!(
            t.contains("| `p` | 200.0 ms | 10.0 ms | 100.0 ms | 10.0× | 2.00× |"),
            "{t}"
        );
    }
}
