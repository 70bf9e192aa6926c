//! One real-program trial: the Linux build run directly is the oracle, the host runs the
//! js/wasm build on the same input, and the two outcomes (exit status, stdout, stderr where
//! deterministic, every file in the working directory) must be the same once the
//! legitimate differences the program's file records are taken out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use super::RealInput;
use super::spec::Difference;
use super::workdir;
use crate::host::process::run_with_timeout;
use crate::host::{Exit, Host, RunOutcome, RunRequest};
use crate::toolchain::Toolchain;

/// What one run left: how it ended, what it wrote to its streams and to its directory.
struct Outcome {
    exit: Exit,
    stdout: String,
    stderr: String,
    files: BTreeMap<String, String>,
}

/// `None` when the host's outcome is the oracle's, else a readable account of every
/// difference. `Err` when the trial could not be run at all (a fetch or build failed, the
/// oracle itself failed to finish).
pub fn judge(
    cache_dir: &Path,
    real: &RealInput,
    host: &dyn Host,
    tc: &Toolchain,
    timeout: Duration,
) -> anyhow::Result<Option<String>> {
    let built = super::build::build(cache_dir, &real.program, tc)?;
    let input = real.input();

    let oracle_dir = tempfile::Builder::new()
        .prefix("gojs-real-linux-")
        .tempdir()?;
    let oracle_tmp = tempfile::Builder::new()
        .prefix("gojs-real-tmp-")
        .tempdir()?;
    workdir::populate(oracle_dir.path(), input, tc)?;
    let mut cmd = Command::new(&built.linux);
    cmd.args(&input.args)
        .current_dir(oracle_dir.path())
        .env_clear()
        .envs(env_for(input, oracle_dir.path()))
        .env("TMPDIR", oracle_tmp.path());
    let linux = run_with_timeout(cmd, timeout)
        .with_context(|| format!("running the Linux build {}", built.linux.display()))?;
    if !matches!(linux.exit, Exit::Code(_)) {
        bail!(
            "the oracle, the Linux build {} of real program `{}`, did not finish: {} (raise \
             `timeout` in {} or make the input smaller)",
            built.linux.display(),
            real.program.name,
            linux.exit,
            real.program.path.display()
        );
    }
    let linux = outcome(linux, oracle_dir.path(), &built.linux)?;

    let host_dir = tempfile::Builder::new().prefix("gojs-real-").tempdir()?;
    workdir::populate(host_dir.path(), input, tc)?;
    let req = RunRequest {
        wasm: built.wasm.clone(),
        args: input.args.clone(),
        env: env_for(input, host_dir.path()),
        cwd: host_dir.path().to_path_buf(),
        timeout,
        toolchain: tc.clone(),
        trace: None,
    };
    let ran = host.run(&req)?;
    let mine = outcome(ran, host_dir.path(), &built.wasm)?;

    let differs: Vec<&Difference> = real
        .program
        .file
        .differs
        .iter()
        .chain(&input.differs)
        .collect();
    Ok(compare(
        &normalize(linux, &differs)?,
        &normalize(mine, &differs)?,
        input.stderr,
    ))
}

/// The environment of a run in `dir`: PATH, then the input's, `$WORK` in a value standing
/// for `dir`.
fn env_for(input: &super::spec::Input, dir: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if let Some(path) = std::env::var_os("PATH") {
        env.insert("PATH".to_string(), path.to_string_lossy().into_owned());
    }
    let work = dir.to_string_lossy();
    for (k, v) in &input.env {
        env.insert(k.clone(), v.replace("$WORK", &work));
    }
    env
}

/// The outcome with its own paths named alike on both sides: the working directory as
/// `$WORK` and the program's path (argv[0]) as `$PROGRAM`.
fn outcome(ran: RunOutcome, dir: &Path, program: &Path) -> anyhow::Result<Outcome> {
    let mut paths: Vec<(String, &str)> = Vec::new();
    if let Ok(c) = dir.canonicalize() {
        paths.push((c.to_string_lossy().into_owned(), "$WORK"));
    }
    paths.push((dir.to_string_lossy().into_owned(), "$WORK"));
    paths.push((program.to_string_lossy().into_owned(), "$PROGRAM"));
    let scrub = |bytes: &[u8]| {
        let mut s = String::from_utf8_lossy(bytes).into_owned();
        for (p, name) in &paths {
            s = s.replace(p.as_str(), name);
        }
        s
    };
    let files = workdir::snapshot(dir)?
        .into_iter()
        .map(|(k, v)| (k, scrub(&v)))
        .collect();
    Ok(Outcome {
        exit: ran.exit,
        stdout: scrub(&ran.stdout),
        stderr: scrub(&ran.stderr),
        files,
    })
}

fn normalize(mut o: Outcome, differs: &[&Difference]) -> anyhow::Result<Outcome> {
    for d in differs {
        let re = regex::Regex::new(&d.pattern)?;
        let apply = |s: &mut String| *s = re.replace_all(s, d.replace.as_str()).into_owned();
        if d.applies_to("stdout") {
            apply(&mut o.stdout);
        }
        if d.applies_to("stderr") {
            apply(&mut o.stderr);
        }
        if d.applies_to("files") {
            o.files.values_mut().for_each(apply);
        }
    }
    Ok(o)
}

fn compare(linux: &Outcome, host: &Outcome, with_stderr: bool) -> Option<String> {
    let mut out = String::new();
    if linux.exit != host.exit {
        let _ = writeln!(
            out,
            "exit differs:\n    --- linux\n    +++ host\n    -{}\n    +{}",
            linux.exit, host.exit
        );
    }
    if linux.stdout != host.stdout {
        out.push_str(&diff("stdout", &linux.stdout, &host.stdout));
    }
    if with_stderr && linux.stderr != host.stderr {
        out.push_str(&diff("stderr", &linux.stderr, &host.stderr));
    } else if !out.is_empty() && !host.stderr.is_empty() {
        let _ = writeln!(out, "host's stderr:\n{}", indent(&host.stderr));
    }
    for (path, want) in &linux.files {
        match host.files.get(path) {
            None => {
                let _ = writeln!(out, "file {path}: written on linux, missing on the host");
            }
            Some(got) if got != want => out.push_str(&diff(&format!("file {path}"), want, got)),
            Some(_) => {}
        }
    }
    for path in host.files.keys().filter(|p| !linux.files.contains_key(*p)) {
        let _ = writeln!(out, "file {path}: written on the host, not on linux");
    }
    (!out.is_empty()).then_some(out)
}

fn diff(what: &str, linux: &str, host: &str) -> String {
    let text = similar::TextDiff::from_lines(linux, host)
        .unified_diff()
        .context_radius(3)
        .header(&format!("linux {what}"), &format!("host {what}"))
        .to_string();
    // A run that differs everywhere (a crash's trace) is cut to what can be read.
    let text: String = text.lines().take(80).map(|l| format!("{l}\n")).collect();
    format!("{what} differs:\n{}", indent(&text))
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(exit: i32, stdout: &str, stderr: &str, files: &[(&str, &str)]) -> Outcome {
        Outcome {
            exit: Exit::Code(exit),
            stdout: stdout.into(),
            stderr: stderr.into(),
            files: files
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_same_outcome_passes_and_every_difference_is_told() {
        let linux = o(0, "a\n", "", &[("out.js", "x")]);
        assert_eq!(
            compare(&linux, &o(0, "a\n", "", &[("out.js", "x")]), true),
            None
        );
        let r = compare(&linux, &o(1, "b\n", "oops\n", &[("new", "")]), true).unwrap();
        assert!(r.contains("-exit code 0"), "{r}");
        assert!(r.contains("stdout differs"), "{r}");
        assert!(r.contains("stderr differs"), "{r}");
        assert!(r.contains("file out.js: written on linux, missing"), "{r}");
        assert!(r.contains("file new: written on the host"), "{r}");
    }

    #[test]
    fn stderr_left_out_is_not_compared_and_differences_are_taken_out_of_both() {
        let linux = o(0, "GOOS=linux\n", "linux words\n", &[]);
        let host = o(0, "GOOS=js\n", "js words\n", &[]);
        let d = Difference {
            why: "runtime.GOOS".into(),
            pattern: "GOOS=\\w+".into(),
            replace: "GOOS=*".into(),
            r#in: vec!["stdout".into()],
        };
        let (l, h) = (
            normalize(linux, &[&d]).unwrap(),
            normalize(host, &[&d]).unwrap(),
        );
        assert_eq!(compare(&l, &h, false), None);
        assert!(compare(&l, &h, true).unwrap().contains("stderr differs"));
    }
}
