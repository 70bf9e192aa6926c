//! The `matrix` and `inventory` commands: build the corpus with every toolchain, take the ABI
//! inventory, run every case on every host × release, and write the reports.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::SuiteOptions;
use crate::corpus::Corpus;
use crate::paths;
use crate::report::inventory::{self, CustomGlue, ReleaseInventory};
use crate::report::{Matrix, Record, Release, Scrubber};
use crate::runner::{Verdict, run_parallel};
use crate::toolchain::{self, Toolchain};

/// What a `matrix` run was asked for.
#[derive(Debug, Clone, Default)]
pub struct MatrixOptions {
    pub hosts: String,
    pub go: Vec<String>,
    pub goroots: Vec<PathBuf>,
    pub glue: Option<PathBuf>,
    /// Where the reports go. Default: `reports/`, or `target/STEM-glue/` (`matrix-glue`) with a glue (so a
    /// glue's run never overwrites the committed snapshot).
    pub out: Option<PathBuf>,
    pub jobs: usize,
    pub timeout: Option<Duration>,
    pub filter: Vec<String>,
    /// A `matrix.json` to compare verdicts with. Default with a glue: `reports/matrix.json`.
    pub baseline: Option<PathBuf>,
    /// Keep wall times (and so lose determinism).
    pub timings: bool,
    /// The command shown in the reports.
    pub command: String,
    /// Another report than the version matrix: its files' stem and its title (`hosts`,
    /// "Host conformance" for `gojs-harness hosts`). Such a run writes `STEM.md`,
    /// `STEM.json`, `STEM.junit.xml` and `STEM.html`, compares with `STEM.json`, and
    /// leaves the inventory (the matrix's) alone.
    pub report: Option<(String, String)>,
    /// The real programs of `real/` included (`all`, `none`, names).
    pub real: String,
}

/// The files a matrix run writes into its output directory.
pub const FILES: &[&str] = &[
    "matrix.md",
    "matrix.json",
    "matrix.junit.xml",
    "matrix.html",
    "inventory.md",
];

/// Resolve toolchains, oldest first, one per release label.
pub fn toolchains(go: &[String], goroots: &[PathBuf]) -> anyhow::Result<Vec<Toolchain>> {
    let mut tcs = toolchain::resolve(go, goroots)?;
    tcs.sort_by_key(|t| (t.version.major, t.version.minor, t.version.patch));
    let mut seen = std::collections::BTreeSet::new();
    tcs.retain(|t| seen.insert(t.label()));
    Ok(tcs)
}

/// Build every program with `tc` on `jobs` threads: `(program, module or why not)`.
pub fn build_corpus(
    corpus: &Corpus,
    tc: &Toolchain,
    programs: &[String],
    jobs: usize,
) -> Vec<(String, Result<PathBuf, String>)> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<(String, Result<PathBuf, String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(programs.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(p) = programs.get(i) else { break };
                    let r = corpus.wasm(tc, p).map_err(|e| format!("{e:#}"));
                    out.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((p.clone(), r));
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap_or_else(|e| e.into_inner());
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The inventory of one release from its built modules.
pub fn release_inventory(
    tc: &Toolchain,
    built: &[(String, Result<PathBuf, String>)],
) -> ReleaseInventory {
    let glue = tc.glue();
    let mut inv = ReleaseInventory {
        label: tc.label(),
        version: tc.version.to_string(),
        glue_location: match &glue {
            Ok(g) => Ok(g
                .strip_prefix(&tc.goroot)
                .unwrap_or(g)
                .display()
                .to_string()),
            Err(_) => Err("none: this toolchain lacks misc/wasm and lib/wasm".to_string()),
        },
        glue_sha: glue
            .as_ref()
            .ok()
            .and_then(|g| inventory::short_sha(g).ok()),
        glue_imports: match &glue {
            Ok(g) => inventory::glue_imports(g).map_err(|e| format!("{e:#}")),
            Err(_) => Err("no glue".to_string()),
        },
        ..Default::default()
    };
    for (prog, r) in built {
        match r {
            Ok(path) => match std::fs::read(path)
                .map_err(anyhow::Error::from)
                .and_then(|b| inventory::module_facts(&b))
            {
                Ok(f) => inv.add_module(&f),
                Err(e) => {
                    inv.failures
                        .insert(prog.clone(), first_line(&format!("{e:#}")));
                }
            },
            Err(e) => {
                inv.failures.insert(prog.clone(), first_line(e));
            }
        }
    }
    inv
}

fn first_line(s: &str) -> String {
    // A build error's first line names the command; the compiler's first complaint says why.
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    lines
        .iter()
        .find(|l| l.contains(".go:"))
        .or(lines.first())
        .map(|l| l.trim().to_string())
        .unwrap_or_default()
}

/// The custom glue's facts, for the inventory's comparison.
pub fn custom_glue(glue: &Path) -> anyhow::Result<CustomGlue> {
    Ok(CustomGlue {
        name: glue
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| glue.display().to_string()),
        sha: inventory::short_sha(glue)?,
        imports: inventory::glue_imports(glue)?,
    })
}

/// What makes text machine-specific in this run.
pub fn scrubber(tcs: &[Toolchain]) -> Scrubber {
    let mut s = Scrubber::default()
        .path(&paths::cache_dir(), "$CACHE")
        .path(&paths::repo_root(), "$REPO");
    for tc in tcs {
        s = s.path(&tc.goroot, "$GOROOT");
    }
    if let Some(home) = std::env::var_os("HOME") {
        s = s.path(Path::new(&home), "~");
    }
    s
}

/// Build, take the inventory and write `inventory.md` (to `out`, or stdout).
pub fn inventory_command(
    go: &[String],
    goroots: &[PathBuf],
    glue: Option<&Path>,
    out: Option<&Path>,
    jobs: usize,
    command: &str,
) -> anyhow::Result<()> {
    let tcs = toolchains(go, goroots)?;
    let corpus = Corpus::new(&paths::default_programs_dir(), &paths::cache_dir());
    let programs = corpus.programs()?;
    let mut invs = Vec::new();
    for tc in &tcs {
        let t = Instant::now();
        let built = build_corpus(&corpus, tc, &programs, jobs);
        let inv = release_inventory(tc, &built);
        eprintln!(
            "{}: {} modules read, {} not built ({:.1}s)",
            tc.label(),
            inv.programs,
            inv.failures.len(),
            t.elapsed().as_secs_f64()
        );
        invs.push(inv);
    }
    let custom = glue.map(custom_glue).transpose()?;
    let md = scrubber(&tcs).apply(&inventory::markdown(command, &invs, custom.as_ref()));
    match out {
        Some(p) => {
            std::fs::write(p, md).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("written to {}", p.display());
        }
        None => print!("{md}"),
    }
    Ok(())
}

/// Run the matrix. Returns whether every trial passed (or failed as expected, or was skipped).
pub fn matrix(o: &MatrixOptions) -> anyhow::Result<bool> {
    let start = Instant::now();
    let tcs = toolchains(&o.go, &o.goroots)?;
    let opts = SuiteOptions {
        hosts: Some(o.hosts.clone()),
        go: o.go.clone(),
        goroots: o.goroots.clone(),
        glue: o.glue.clone(),
        timeout: o.timeout,
        real: Some(o.real.clone()),
        ..Default::default()
    };
    let mut suite = opts.build()?;
    suite.toolchains = tcs.clone();
    let stem = o.report.as_ref().map_or("matrix", |(s, _)| s.as_str());
    let out_dir = o.out.clone().unwrap_or_else(|| {
        if o.glue.is_some() {
            paths::repo_root().join(format!("target/{stem}-glue"))
        } else {
            paths::repo_root().join("reports")
        }
    });
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    // 1. The corpus, built once per toolchain, and the inventory.
    let programs = suite.corpus.programs()?;
    let mut invs = Vec::new();
    let mut notes = Vec::new();
    for tc in &tcs {
        let t = Instant::now();
        print!(
            "building {} programs with go{} ... ",
            programs.len(),
            tc.version
        );
        let _ = std::io::stdout().flush();
        let built = build_corpus(&suite.corpus, tc, &programs, o.jobs);
        let inv = release_inventory(tc, &built);
        println!(
            "{} built, {} failed ({:.1}s)",
            built.len() - inv.failures.len(),
            inv.failures.len(),
            t.elapsed().as_secs_f64()
        );
        for (p, why) in &inv.failures {
            notes.push(format!(
                "{}: `goprograms/{p}` does not build, so its cases fail on this release: {why}",
                tc.label()
            ));
        }
        if let Err(e) = &inv.glue_imports {
            println!("  note: {}'s glue could not be listed: {e}", tc.label());
        }
        invs.push(inv);
    }
    let custom = o.glue.as_deref().map(custom_glue).transpose()?;
    let scrub = scrubber(&tcs);

    // 2. The trials.
    let trials: Vec<_> = suite
        .trials()
        .into_iter()
        .filter(|t| o.filter.is_empty() || o.filter.iter().any(|f| t.name.contains(f.as_str())))
        .collect();
    let hosts: Vec<String> = suite.hosts.iter().map(|h| h.name().to_string()).collect();
    println!(
        "running {} trials: {} case(s) on {} × {} on {} thread(s)",
        trials.len(),
        suite.cases.len(),
        hosts.join(", "),
        tcs.iter().map(|t| t.label()).collect::<Vec<_>>().join(", "),
        o.jobs
    );
    // Trials left per cell, to say when a cell is complete.
    let mut left: BTreeMap<(String, String), usize> = BTreeMap::new();
    for t in &trials {
        *left
            .entry((t.host.name().to_string(), t.toolchain.label()))
            .or_default() += 1;
    }
    let progress = Mutex::new((left, crate::report::Counts::default(), BTreeMap::new()));
    let walls: Mutex<Vec<Duration>> = Mutex::new(vec![Duration::ZERO; trials.len()]);
    let total = trials.len();
    let verdicts = run_parallel(&suite, &trials, o.jobs, |i, trial, verdict, took| {
        walls.lock().unwrap_or_else(|e| e.into_inner())[i] = took;
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        let (left, done, cells) = &mut *p;
        let key = (trial.host.name().to_string(), trial.toolchain.label());
        let kind = Record::of(trial, verdict, took).verdict;
        done.add(kind);
        cells
            .entry(key.clone())
            .or_insert_with(crate::report::Counts::default)
            .add(kind);
        let n = done.total();
        if let Verdict::Fail(r) = verdict {
            println!(
                "[{n}/{total}] FAIL {} ({:.1}s): {}",
                trial.name,
                took.as_secs_f64(),
                r.lines()
                    .find(|l| l.contains("differs"))
                    .unwrap_or("")
                    .trim()
            );
        }
        if let Some(l) = left.get_mut(&key) {
            *l -= 1;
            if *l == 0 {
                let c = cells[&key];
                println!(
                    "[{n}/{total}] {}/{} done: {} ({:.0}s so far)",
                    key.0,
                    key.1,
                    c.summary(),
                    start.elapsed().as_secs_f64()
                );
            }
        }
        let _ = std::io::stdout().flush();
        true
    });
    let walls = walls.into_inner().unwrap_or_else(|e| e.into_inner());
    let records: Vec<Record> = trials
        .iter()
        .zip(&verdicts)
        .zip(&walls)
        .map(|((t, v), w)| Record::of(t, v, *w))
        .collect();
    let releases: Vec<Release> = tcs
        .iter()
        .map(|t| Release {
            label: t.label(),
            version: t.version.to_string(),
        })
        .collect();
    let mut m = Matrix::new(&o.command, &hosts, &releases, records);
    m.glue = custom
        .as_ref()
        .map(|c| format!("{} (sha256 {})", c.name, c.sha));
    m.notes = notes;
    if !o.timings {
        m.make_deterministic(&scrub);
    } else {
        for r in &mut m.trials {
            if let Some(d) = &mut r.detail {
                *d = scrub.apply(d);
            }
        }
    }

    // 3. Against a baseline: the one given, the snapshot when a glue is tried, else the
    //    previous copy of the output (printed only).
    let explicit = o.baseline.clone().or_else(|| {
        o.glue
            .as_ref()
            .map(|_| paths::repo_root().join(format!("reports/{stem}.json")))
    });
    let previous = explicit
        .clone()
        .unwrap_or_else(|| out_dir.join(format!("{stem}.json")));
    let changes = match std::fs::read_to_string(&previous) {
        Ok(text) => match crate::report::from_json(&text) {
            Ok(base) => Some(m.compare(&base)),
            Err(e) => {
                println!("note: cannot compare with {}: {e:#}", previous.display());
                None
            }
        },
        Err(_) if explicit.is_some() => {
            println!("note: no baseline at {}", previous.display());
            None
        }
        Err(_) => None,
    };
    if let Some(ch) = &changes {
        println!(
            "\n{} trial(s) changed against {}",
            ch.len(),
            previous.display()
        );
        for c in ch {
            println!(
                "  {}: {} -> {}",
                c.trial,
                c.before.map_or("(not run)", |k| k.as_str()),
                c.after.as_str()
            );
        }
        if explicit.is_some() {
            m.changes = Some(ch.clone());
        }
    }

    // 4. The reports.
    let mut files: Vec<(String, String)> = vec![
        (format!("{stem}.md"), crate::report::markdown(&m)),
        (format!("{stem}.json"), crate::report::json(&m)),
        (format!("{stem}.junit.xml"), crate::report::junit(&m)),
        (format!("{stem}.html"), crate::report::html(&m)),
    ];
    match &o.report {
        None => files.push((
            "inventory.md".to_string(),
            scrub.apply(&inventory::markdown(&o.command, &invs, custom.as_ref())),
        )),
        Some((_, title)) => {
            for (_, text) in &mut files {
                *text = retitle(text, title);
            }
        }
    }
    for (name, text) in &files {
        let p = out_dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    println!("\n{}", m.grid_text());
    let t = m.totals();
    println!(
        "{} passed, {} failed, {} expected failures, {} skipped in {:.0}s; reports in {}",
        t.pass,
        t.fail,
        t.xfail,
        t.skip,
        start.elapsed().as_secs_f64(),
        out_dir.display()
    );
    Ok(t.fail == 0)
}

/// The renderers' text with the version matrix's title replaced by `title`, and the legend
/// naming where expected failures come from for hosts with profiles too. (The renderers are
/// the matrix's; a first cut of the host table reuses them rather than fork them.)
fn retitle(text: &str, title: &str) -> String {
    let lower = title.to_lowercase();
    text.replacen("# Version matrix\n", &format!("# {title}\n"), 1)
        .replacen("<h1>Version matrix</h1>", &format!("<h1>{title}</h1>"), 1)
        .replacen(
            "<title>gojs conformance: version matrix</title>",
            &format!("<title>gojs conformance: {lower}</title>"),
            1,
        )
        .replacen(
            "expected failures (`[[xfail]]` of a case)",
            "expected failures (a case's `[[xfail]]` or a profile's `[[known_failure]]`)",
            1,
        )
}

/// Write `matrix.md`, `matrix.junit.xml` and `matrix.html` again from a `matrix.json`
/// (into `out`, default: the JSON's directory), e.g. after the renderers changed.
pub fn render(json_path: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(json_path)
        .with_context(|| format!("reading {}", json_path.display()))?;
    let m = crate::report::from_json(&text)
        .with_context(|| format!("reading {}", json_path.display()))?;
    let dir = out
        .map(Path::to_path_buf)
        .or_else(|| json_path.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    for (name, text) in [
        ("matrix.md", crate::report::markdown(&m)),
        ("matrix.junit.xml", crate::report::junit(&m)),
        ("matrix.html", crate::report::html(&m)),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    print!("{}", m.grid_text());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::retitle;

    #[test]
    fn the_host_table_gets_its_own_title_and_legend() {
        let md = "# Version matrix\n\nCells: passed, failed (**FAIL**), expected failures (`[[xfail]]` of a case) and skipped trials.\n# Version matrix\n";
        let got = retitle(md, "Host conformance");
        assert!(got.starts_with("# Host conformance\n"), "{got}");
        assert!(got.contains("a profile's `[[known_failure]]`"), "{got}");
        assert!(
            got.ends_with("# Version matrix\n"),
            "only the title is replaced: {got}"
        );
        let html = "<title>gojs conformance: version matrix</title><h1>Version matrix</h1>";
        assert_eq!(
            retitle(html, "Host conformance"),
            "<title>gojs conformance: host conformance</title><h1>Host conformance</h1>"
        );
    }
}
