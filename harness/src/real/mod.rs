//! Real programs (`real/`): programs users run, compiled for `GOOS=js GOARCH=wasm` (esbuild,
//! gofmt, gojq, ...), pinned by version and checksum and fetched into the harness cache,
//! each run on a few real inputs. The oracle owes nothing to any JS host: the same program,
//! version and Go release built for Linux and run directly. Every input of every program is
//! a case named `real/PROGRAM/INPUT`, so it becomes a trial on every host × release like
//! the cases of `cases/` (`native/go1.26/real/esbuild/bundle`), judged by [`judge`].

pub mod build;
pub mod judge;
pub mod npm;
pub mod spec;
pub mod workdir;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};

use crate::case::{Case, CaseFile, ExpectFields};
use spec::{Input, ProgramFile, SourceKind};

/// Seconds a run may take when the program's file sets no `timeout`.
pub const DEFAULT_TIMEOUT: u64 = 120;

/// One program of `real/`.
#[derive(Debug)]
pub struct RealProgram {
    /// The file's name without `.toml`: `esbuild`.
    pub name: String,
    pub path: PathBuf,
    pub file: ProgramFile,
    pub kind: SourceKind,
    /// Held while the program is built, so concurrent trials build it once.
    pub build_lock: Mutex<()>,
    /// Why a build failed, by toolchain version text, so the program's other trials of that
    /// release fail at once with the same words.
    pub failed: Mutex<std::collections::HashMap<String, String>>,
}

/// One input of one program: what a `real/...` case runs.
#[derive(Debug, Clone)]
pub struct RealInput {
    pub program: Arc<RealProgram>,
    pub index: usize,
}

impl RealInput {
    pub fn input(&self) -> &Input {
        &self.program.file.inputs[self.index]
    }

    /// Whether building it needs a Go toolchain (a prebuilt npm module does not).
    pub fn needs_go(&self) -> bool {
        self.program.kind != SourceKind::Npm
    }
}

/// Which programs a run includes: `all`, `none`, or some by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    None,
    Some(Vec<String>),
}

impl Selection {
    /// `all`, `none` or a comma-separated list of program names.
    pub fn parse(text: &str) -> Selection {
        match text.trim() {
            "all" | "" => Selection::All,
            "none" => Selection::None,
            list => Selection::Some(
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
        }
    }

    fn includes(&self, name: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::None => false,
            Selection::Some(names) => names.iter().any(|n| n == name),
        }
    }
}

/// Every program of `dir` (`real/NAME.toml`), sorted by name.
pub fn load_programs(dir: &Path) -> anyhow::Result<Vec<Arc<RealProgram>>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        match ProgramFile::parse(&path, &text, dir) {
            Ok(file) => {
                let kind = file.source.kind(dir)?;
                out.push(Arc::new(RealProgram {
                    name,
                    path,
                    file,
                    kind,
                    build_lock: Mutex::new(()),
                    failed: Mutex::new(Default::default()),
                }))
            }
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} real program file(s) are invalid:\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    Ok(out)
}

/// The cases of the selected programs of `dir`, one per input, named `real/PROGRAM/INPUT`.
/// A name the selection gives that `dir` lacks is an error naming the programs there.
pub fn load_cases(dir: &Path, selection: &Selection) -> anyhow::Result<Vec<Case>> {
    let programs = load_programs(dir)?;
    if let Selection::Some(names) = selection {
        for n in names {
            if !programs.iter().any(|p| &p.name == n) {
                let known: Vec<&str> = programs.iter().map(|p| p.name.as_str()).collect();
                bail!(
                    "there is no real program `{n}` in {} (there are: {}); name them with \
                     --real or GOJS_REAL, or `all` / `none`",
                    dir.display(),
                    known.join(", ")
                );
            }
        }
    }
    Ok(programs
        .into_iter()
        .filter(|p| selection.includes(&p.name))
        .flat_map(|p| (0..p.file.inputs.len()).map(move |i| case_of(&p, i)))
        .collect())
}

fn case_of(program: &Arc<RealProgram>, index: usize) -> Case {
    let f = &program.file;
    let input = &f.inputs[index];
    let mut needs = vec!["fs".to_string(), "exit-code".to_string()];
    if input.stderr {
        needs.push("stderr".to_string());
    }
    needs.extend(f.needs.iter().cloned());
    Case {
        name: format!("real/{}/{}", program.name, input.name),
        path: program.path.clone(),
        file: CaseFile {
            schema: crate::case::SCHEMA,
            contract: format!(
                "{} ({}): {}; the host must give the outcome of the same program's \
                 GOOS=linux build with the same Go release, run directly",
                f.about,
                f.source.describe(),
                input.about
            ),
            program: None,
            module: None,
            args: input.args.clone(),
            env: input.env.clone(),
            needs,
            go: f.go.clone(),
            timeout: Some(f.timeout.unwrap_or(DEFAULT_TIMEOUT)),
            expect: ExpectFields {
                exit: Some(0),
                ..Default::default()
            },
            versions: Vec::new(),
            hosts: Vec::new(),
            also: Vec::new(),
            xfail: f.xfail.iter().chain(&input.xfail).cloned().collect(),
        },
        real: Some(RealInput {
            program: program.clone(),
            index,
        }),
    }
}

/// The directory of real programs: `real/` of the suite (`GOJS_REAL_DIR` names another).
pub fn default_dir() -> PathBuf {
    match std::env::var_os("GOJS_REAL_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => crate::paths::repo_root().join("real"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suites_real_programs_load_with_three_inputs_or_more_each() {
        let dir = crate::paths::repo_root().join("real");
        let programs = load_programs(&dir).unwrap();
        assert!(programs.len() >= 9, "{} programs", programs.len());
        for p in &programs {
            assert!(p.file.inputs.len() >= 3, "{} has too few inputs", p.name);
        }
        let cases = load_cases(&dir, &Selection::parse("esbuild,gofmt")).unwrap();
        assert!(cases.iter().any(|c| c.name == "real/esbuild/bundle"));
        assert!(
            cases
                .iter()
                .all(|c| c.name.starts_with("real/esbuild/") || c.name.starts_with("real/gofmt/"))
        );
        assert!(cases.iter().all(|c| c.needs_go() && c.real.is_some()));
        assert!(load_cases(&dir, &Selection::None).unwrap().is_empty());
        let e = format!(
            "{:#}",
            load_cases(&dir, &Selection::parse("nope")).unwrap_err()
        );
        assert!(
            e.contains("no real program `nope`") && e.contains("esbuild"),
            "{e}"
        );
    }
}
