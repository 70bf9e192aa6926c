//! `gojs-harness bench --real`: how long the real programs of `real/` take, input by input,
//! on the native host with a cold and a warm module cache, on each JS host asked for, and
//! as their Linux build run directly (the floor a js/wasm host is measured against).
//!
//! Each round runs every input once in every variant, interleaved, so a machine that slows
//! down mid-run slows all of them alike; the report gives medians over the rounds. Every
//! run gets a fresh working directory holding the input's files. `native, cold` compiles the
//! module afresh (no cache); `native, warm` loads it from a cache filled before the rounds.
//! Times are wall-clock times of whole runs, start-up included. Nothing here asserts a
//! time, and outputs are not judged here (the suite does that).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::bench::median;
use crate::host::{Exit, Host, RunRequest};
use crate::real::{RealInput, RealProgram, build, workdir};
use crate::toolchain::Toolchain;
use gojs_native::{Ending, NativeRunOptions, Program, run_isolated};

/// The heading of the report's section; the section is replaced when the report has one.
pub const SECTION: &str = "## Real programs";

/// A way to run an input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Variant {
    Linux,
    NativeCold,
    NativeWarm,
    /// A JS host, by its index in the hosts measured.
    Host(usize),
}

/// Every wall time, by `PROGRAM/INPUT` and variant.
#[derive(Debug, Default)]
pub struct RealMeasurements {
    pub walls: BTreeMap<(String, Variant), Vec<Duration>>,
    /// The inputs in the order measured.
    pub inputs: Vec<String>,
    /// The JS hosts' names, by index.
    pub hosts: Vec<String>,
}

impl RealMeasurements {
    pub fn median(&self, input: &str, v: &Variant) -> Duration {
        median(
            self.walls
                .get(&(input.to_string(), v.clone()))
                .cloned()
                .unwrap_or_default(),
        )
    }
}

/// Measure every input of `programs` built by `tc`, `rounds` times, printing a line per round.
pub fn measure(
    cache_dir: &Path,
    programs: &[Arc<RealProgram>],
    tc: &Toolchain,
    hosts: &[Arc<dyn Host>],
    rounds: usize,
) -> anyhow::Result<RealMeasurements> {
    let warm = tempfile::tempdir()?;
    let mut m = RealMeasurements {
        hosts: hosts.iter().map(|h| h.name().to_string()).collect(),
        ..Default::default()
    };
    let mut work = Vec::new();
    for p in programs {
        if p.file.go.as_ref().is_some_and(|r| !r.contains(&tc.version)) {
            println!("{}: not for go{} (skipped)", p.name, tc.version);
            continue;
        }
        let built = build::build(cache_dir, p, tc)?;
        for index in 0..p.file.inputs.len() {
            let input = RealInput {
                program: p.clone(),
                index,
            };
            let name = format!("{}/{}", p.name, input.input().name);
            m.inputs.push(name.clone());
            work.push((name, input, built.clone()));
        }
    }
    let mut variants = vec![Variant::Linux, Variant::NativeCold, Variant::NativeWarm];
    variants.extend((0..hosts.len()).map(Variant::Host));
    // Fill the warm cache, and the OS's file cache for every variant alike.
    for (_, input, built) in &work {
        run_native(input, tc, &built.wasm, Some(warm.path()))?;
        for h in hosts {
            run_host(h.as_ref(), input, tc, &built.wasm)?;
        }
    }
    for round in 1..=rounds {
        for (name, input, built) in &work {
            for v in &variants {
                let wall = match v {
                    Variant::Linux => run_linux(input, tc, &built.linux)?,
                    Variant::NativeCold => run_native(input, tc, &built.wasm, None)?,
                    Variant::NativeWarm => run_native(input, tc, &built.wasm, Some(warm.path()))?,
                    Variant::Host(i) => run_host(hosts[*i].as_ref(), input, tc, &built.wasm)?,
                };
                m.walls
                    .entry((name.clone(), v.clone()))
                    .or_default()
                    .push(wall);
            }
        }
        println!("round {round}/{rounds} done");
    }
    Ok(m)
}

fn fresh_dir(input: &RealInput, tc: &Toolchain) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix("gojs-bench-").tempdir()?;
    workdir::populate(dir.path(), input.input(), tc)?;
    Ok(dir)
}

fn env(input: &RealInput, dir: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if let Some(path) = std::env::var_os("PATH") {
        env.insert("PATH".to_string(), path.to_string_lossy().into_owned());
    }
    for (k, v) in &input.input().env {
        env.insert(k.clone(), v.replace("$WORK", &dir.to_string_lossy()));
    }
    env
}

fn timeout(input: &RealInput) -> Duration {
    Duration::from_secs(
        input
            .program
            .file
            .timeout
            .unwrap_or(crate::real::DEFAULT_TIMEOUT),
    )
}

fn run_linux(input: &RealInput, tc: &Toolchain, exe: &Path) -> anyhow::Result<Duration> {
    let dir = fresh_dir(input, tc)?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(&input.input().args)
        .current_dir(dir.path())
        .env_clear()
        .envs(env(input, dir.path()));
    let out = crate::host::process::run_with_timeout(cmd, timeout(input))?;
    finished(input, "linux", &out.exit)?;
    Ok(out.wall)
}

fn run_native(
    input: &RealInput,
    tc: &Toolchain,
    wasm: &Path,
    cache: Option<&Path>,
) -> anyhow::Result<Duration> {
    let dir = fresh_dir(input, tc)?;
    let program = Program {
        wasm: wasm.to_path_buf(),
        args: input.input().args.clone(),
        env: env(input, dir.path()),
        cwd: dir.path().to_path_buf(),
    };
    let opts = NativeRunOptions {
        cache_dir: cache.map(Path::to_path_buf),
        // No time limit, as `gojs-harness run` without --timeout: the limit compiles in
        // epoch checks that slow tight loops down.
        ..Default::default()
    };
    let out = run_isolated(&program, &opts, true);
    match out.ending {
        Ending::Exit(c) => finished(input, "native", &Exit::Code(c & 0xFF))?,
        Ending::Timeout => finished(input, "native", &Exit::Timeout)?,
    }
    Ok(out.wall)
}

fn run_host(
    host: &dyn Host,
    input: &RealInput,
    tc: &Toolchain,
    wasm: &Path,
) -> anyhow::Result<Duration> {
    let dir = fresh_dir(input, tc)?;
    let out = host
        .run(&RunRequest {
            wasm: wasm.to_path_buf(),
            args: input.input().args.clone(),
            env: env(input, dir.path()),
            cwd: dir.path().to_path_buf(),
            timeout: timeout(input),
            toolchain: tc.clone(),
            trace: None,
        })
        .with_context(|| format!("running {} on {}", input.program.name, host.name()))?;
    finished(input, host.name(), &out.exit)?;
    Ok(out.wall)
}

/// A run that did not end by itself (a timeout, a crash) is no measurement.
fn finished(input: &RealInput, on: &str, exit: &Exit) -> anyhow::Result<()> {
    if !matches!(exit, Exit::Code(_)) {
        bail!(
            "real/{}/{} on {on}: {exit}; run the suite on it (`gojs-harness suite --filter real/{}`) to see why",
            input.program.name,
            input.input().name,
            input.program.name
        );
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    }
}

/// The table of medians and ratios (Markdown).
pub fn table(m: &RealMeasurements) -> String {
    let mut head = String::from("| input | linux | native, cold | native, warm |");
    let mut rule = String::from("|---|---|---|---|");
    for h in &m.hosts {
        head.push_str(&format!(" {h} |"));
        rule.push_str("---|");
    }
    for h in &m.hosts {
        head.push_str(&format!(" {h} ÷ native warm |"));
        rule.push_str("---|");
    }
    head.push_str(" fastest other host ÷ native warm | native warm ÷ linux |\n");
    rule.push_str("---|---|\n");
    let mut s = head + &rule;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    for input in &m.inputs {
        let (l, c, w) = (
            m.median(input, &Variant::Linux),
            m.median(input, &Variant::NativeCold),
            m.median(input, &Variant::NativeWarm),
        );
        s.push_str(&format!(
            "| `{input}` | {} | {} | {} |",
            ms(l),
            ms(c),
            ms(w)
        ));
        for i in 0..m.hosts.len() {
            s.push_str(&format!(" {} |", ms(m.median(input, &Variant::Host(i)))));
        }
        for i in 0..m.hosts.len() {
            s.push_str(&format!(
                " {:.1}× |",
                ratio(m.median(input, &Variant::Host(i)), w)
            ));
        }
        let fastest = (0..m.hosts.len()).min_by_key(|&i| m.median(input, &Variant::Host(i)));
        match fastest {
            Some(i) => s.push_str(&format!(
                " {} {:.1}× |",
                m.hosts[i],
                ratio(m.median(input, &Variant::Host(i)), w)
            )),
            None => s.push_str(" |"),
        }
        s.push_str(&format!(" {:.1}× |\n", ratio(w, l)));
    }
    s
}

/// The report's section: how it was made, on what, and the table.
pub fn section(command: &str, rounds: usize, toolchain: &Toolchain, table: &str) -> String {
    format!(
        "{SECTION}\n\nGenerated by `{command}` ({rounds} rounds, medians; each round runs every \
         input once in every variant, interleaved, each run in a fresh working directory \
         holding the input's files). Wall time of whole runs, start-up included; `linux` is the \
         program's GOOS=linux build run directly, the oracle of the suite's real trials. \
         Machine: {}. go{} ({}).\n\n{table}",
        crate::bench::machine_description(),
        toolchain.version,
        toolchain.version_text,
    )
}

/// `report` with its `## Real programs` section replaced by `section` (or added at the end).
pub fn splice(report: &str, section: &str) -> String {
    let Some(start) = report.find(&format!("\n{SECTION}\n")).map(|i| i + 1) else {
        let mut out = report.trim_end().to_string();
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        return out + section;
    };
    let rest = &report[start + SECTION.len()..];
    let end = rest
        .find("\n## ")
        .map(|i| start + SECTION.len() + i + 1)
        .unwrap_or(report.len());
    format!(
        "{}{}{}{}",
        &report[..start],
        section.trim_end(),
        if end < report.len() { "\n\n" } else { "\n" },
        &report[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_added_once_then_replaced_and_the_rest_is_kept() {
        let base = "# Speed\n\ntable\n";
        let one = splice(base, "## Real programs\n\nfirst\n");
        assert_eq!(one, "# Speed\n\ntable\n\n## Real programs\n\nfirst\n");
        let two = splice(&one, "## Real programs\n\nsecond\n");
        assert_eq!(two, "# Speed\n\ntable\n\n## Real programs\n\nsecond\n");
        let with_after = format!("{one}\n## Later\n\nkept\n");
        let three = splice(&with_after, "## Real programs\n\nthird\n");
        assert_eq!(
            three,
            "# Speed\n\ntable\n\n## Real programs\n\nthird\n\n## Later\n\nkept\n"
        );
    }

    #[test]
    fn the_table_gives_medians_and_ratios() {
        let mut m = RealMeasurements {
            inputs: vec!["p/i".into()],
            hosts: vec!["node".into(), "bun".into()],
            ..Default::default()
        };
        let d = Duration::from_millis;
        for (v, t) in [
            (Variant::Linux, 10),
            (Variant::NativeCold, 900),
            (Variant::NativeWarm, 50),
            (Variant::Host(0), 100),
            (Variant::Host(1), 75),
        ] {
            m.walls.insert(("p/i".into(), v), vec![d(t)]);
        }
        let t = table(&m);
        assert!(
            t.contains(
                "| `p/i` | 10 ms | 900 ms | 50 ms | 100 ms | 75 ms | 2.0× | 1.5× | bun 1.5× | 5.0× |"
            ),
            "{t}"
        );
    }
}
