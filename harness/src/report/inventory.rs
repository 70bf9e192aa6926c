//! The ABI inventory: per Go release, the imports the corpus's modules require (read with
//! wasmparser), the imports the release's glue provides (the glue run in Node, listing its
//! import object), the engine features the modules need (validated under feature sets with
//! one proposal taken away), where the glue lives; and what changed between consecutive
//! releases. A glue given with `--glue` is compared with each release's stock glue.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

use super::markdown::cell;

/// The proposals beyond the MVP a Go module might need, by their usual names.
pub const FEATURES: &[(&str, WasmFeatures)] = &[
    ("mutable-global", WasmFeatures::MUTABLE_GLOBAL),
    ("sign-ext", WasmFeatures::SIGN_EXTENSION),
    ("sat-float-to-int", WasmFeatures::SATURATING_FLOAT_TO_INT),
    ("bulk-memory", WasmFeatures::BULK_MEMORY),
    ("multi-value", WasmFeatures::MULTI_VALUE),
    ("reference-types", WasmFeatures::REFERENCE_TYPES),
    ("simd", WasmFeatures::SIMD),
];

/// What one module needs of its host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleFacts {
    /// `(module, name)` of every import entry, in order, duplicates kept.
    pub imports: Vec<(String, String)>,
    /// Names from [`FEATURES`] without which the module does not validate.
    pub features: Vec<&'static str>,
    /// Initial size of its own memory, in 64 KiB pages.
    pub initial_pages: Option<u64>,
}

/// Read `bytes`' imports and memory, and find the features it needs.
pub fn module_facts(bytes: &[u8]) -> anyhow::Result<ModuleFacts> {
    let mut facts = ModuleFacts::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.context("not a wasm module")? {
            Payload::ImportSection(r) => {
                for imp in r {
                    let imp = imp?;
                    facts
                        .imports
                        .push((imp.module.to_string(), imp.name.to_string()));
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    facts.initial_pages.get_or_insert(m?.initial);
                }
            }
            _ => {}
        }
    }
    let all = WasmFeatures::default();
    Validator::new_with_features(all)
        .validate_all(bytes)
        .context("the module does not validate even with every default feature")?;
    for (name, f) in FEATURES {
        if Validator::new_with_features(all.difference(*f))
            .validate_all(bytes)
            .is_err()
        {
            facts.features.push(name);
        }
    }
    Ok(facts)
}

/// The import object `glue` builds: module → names. Runs the harness's Node runner
/// (`--list-imports`, with the globals it sets for a run) on Node (`GOJS_NODE` or `node`).
pub fn glue_imports(glue: &Path) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
    let dir = tempfile::Builder::new()
        .prefix("gojs-inventory-")
        .tempdir()?;
    let script = dir.path().join("node_runner.js");
    std::fs::write(&script, crate::host::node::RUNNER)?;
    let glue = glue
        .canonicalize()
        .with_context(|| format!("no glue at {}", glue.display()))?;
    let node = std::env::var_os("GOJS_NODE").unwrap_or_else(|| "node".into());
    let out = Command::new(&node)
        .arg(&script)
        .arg("--list-imports")
        .arg(&glue)
        .current_dir(dir.path())
        .output()
        .with_context(|| format!("running {}", node.to_string_lossy()))?;
    if !out.status.success() {
        bail!(
            "listing the imports of {} failed: {}",
            glue.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout).context("reading the import list Node printed")
}

/// The first 12 hex digits of a file's SHA-256.
pub fn short_sha(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let h = Sha256::digest(&bytes);
    Ok(h.iter().take(6).map(|b| format!("{b:02x}")).collect())
}

/// Everything the inventory says of one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInventory {
    /// `go1.26`.
    pub label: String,
    /// `1.26.8`.
    pub version: String,
    /// The glue's path under GOROOT (`lib/wasm/wasm_exec.js`), or why there is none.
    pub glue_location: Result<String, String>,
    pub glue_sha: Option<String>,
    /// What the glue's import object holds, or why it could not be listed.
    pub glue_imports: Result<BTreeMap<String, BTreeSet<String>>, String>,
    /// Programs whose module was read.
    pub programs: usize,
    /// Programs that did not build (or whose module could not be read), with the first line
    /// of why.
    pub failures: BTreeMap<String, String>,
    /// `module.name` → how many programs import it.
    pub required: BTreeMap<String, usize>,
    /// Imports that some module lists more than once, with the programs doing so.
    pub duplicated: BTreeMap<String, usize>,
    /// Feature → how many programs need it.
    pub features: BTreeMap<String, usize>,
    /// Smallest and largest initial memory, in pages.
    pub pages: Option<(u64, u64)>,
}

impl Default for ReleaseInventory {
    fn default() -> Self {
        ReleaseInventory {
            label: String::new(),
            version: String::new(),
            glue_location: Err("unknown".into()),
            glue_sha: None,
            glue_imports: Err("not listed".into()),
            programs: 0,
            failures: BTreeMap::new(),
            required: BTreeMap::new(),
            duplicated: BTreeMap::new(),
            features: BTreeMap::new(),
            pages: None,
        }
    }
}

impl ReleaseInventory {
    /// Add one program's module.
    pub fn add_module(&mut self, facts: &ModuleFacts) {
        self.programs += 1;
        let mut seen = BTreeSet::new();
        for (m, n) in &facts.imports {
            let key = format!("{m}.{n}");
            if !seen.insert(key.clone()) {
                *self.duplicated.entry(key).or_default() += 1;
            }
        }
        for key in seen {
            *self.required.entry(key).or_default() += 1;
        }
        for f in &facts.features {
            *self.features.entry(f.to_string()).or_default() += 1;
        }
        if let Some(p) = facts.initial_pages {
            self.pages = Some(match self.pages {
                None => (p, p),
                Some((lo, hi)) => (lo.min(p), hi.max(p)),
            });
        }
    }

    /// Every `module.name` the glue provides.
    pub fn provided(&self) -> BTreeSet<String> {
        flatten(self.glue_imports.as_ref().ok())
    }

    fn import_modules(&self) -> BTreeSet<String> {
        self.required
            .keys()
            .filter_map(|k| k.split('.').next())
            .map(str::to_string)
            .collect()
    }
}

/// `go.X` and `gojs.X` as `X`: the Go import module's names across its rename at 1.21.
fn unprefixed(names: BTreeSet<String>) -> BTreeSet<String> {
    names
        .into_iter()
        .map(|n| {
            n.strip_prefix("gojs.")
                .or_else(|| n.strip_prefix("go."))
                .map(str::to_string)
                .unwrap_or(n)
        })
        .collect()
}

fn flatten(m: Option<&BTreeMap<String, BTreeSet<String>>>) -> BTreeSet<String> {
    m.into_iter()
        .flat_map(|m| {
            m.iter()
                .flat_map(|(module, names)| names.iter().map(move |n| format!("{module}.{n}")))
        })
        .collect()
}

/// A glue given with `--glue`, compared against each release's stock glue.
#[derive(Debug, Clone)]
pub struct CustomGlue {
    /// The name shown (the file name, not the machine's path).
    pub name: String,
    pub sha: String,
    pub imports: BTreeMap<String, BTreeSet<String>>,
}

/// Imports `custom` adds to, and removes from, `stock`.
pub fn glue_delta(
    stock: &BTreeMap<String, BTreeSet<String>>,
    custom: &BTreeMap<String, BTreeSet<String>>,
) -> (Vec<String>, Vec<String>) {
    let a = flatten(Some(stock));
    let b = flatten(Some(custom));
    (
        b.difference(&a).cloned().collect(),
        a.difference(&b).cloned().collect(),
    )
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items
            .iter()
            .map(|i| format!("`{}`", i.replace('`', "'")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn features_text(inv: &ReleaseInventory) -> String {
    if inv.features.is_empty() {
        return "MVP only".to_string();
    }
    inv.features
        .iter()
        .map(|(f, n)| {
            if *n == inv.programs {
                f.clone()
            } else {
                format!("{f} ({n} of {})", inv.programs)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `inventory.md`.
pub fn markdown(
    command: &str,
    releases: &[ReleaseInventory],
    custom: Option<&CustomGlue>,
) -> String {
    let mut out = String::new();
    out.push_str("# ABI inventory\n\n");
    let _ = writeln!(out, "Generated by `{}`.\n", command.replace('`', "'"));
    out.push_str(
        "Per Go release: where its glue (`wasm_exec.js`) lives and what its import object provides \
         (the glue run in Node, `Object.keys` of each import module), the imports the corpus's modules \
         require (read with wasmparser, over every program of `goprograms/`), and the engine features \
         those modules need (a feature is needed when a module no longer validates without it).\n\n",
    );
    out.push_str("## Summary\n\n");
    out.push_str("| release | glue | wasm_exec.js sha256 | import modules | imports required | imports provided | required, not provided | features needed | initial memory (pages) |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for r in releases {
        let provided = r.provided();
        let missing: Vec<String> = r
            .required
            .keys()
            .filter(|k| r.glue_imports.is_ok() && !provided.contains(*k))
            .cloned()
            .collect();
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} | {} (over {} programs) | {} | {} | {} | {} |",
            r.label,
            r.version,
            match &r.glue_location {
                Ok(l) => format!("`{l}`"),
                Err(e) => cell(e),
            },
            r.glue_sha
                .as_deref()
                .map_or("-".to_string(), |s| format!("`{s}`")),
            list(&r.import_modules().into_iter().collect::<Vec<_>>()),
            r.required.len(),
            r.programs,
            match &r.glue_imports {
                Ok(_) => provided.len().to_string(),
                Err(e) => cell(e),
            },
            if r.glue_imports.is_err() {
                "-".to_string()
            } else {
                list(&missing)
            },
            features_text(r),
            r.pages.map_or("-".to_string(), |(a, b)| if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }),
        );
    }

    // Every import by release.
    let mut names: BTreeSet<String> = BTreeSet::new();
    for r in releases {
        names.extend(r.required.keys().cloned());
        names.extend(r.provided());
    }
    out.push_str("\n## Imports by release\n\n");
    out.push_str("A cell gives how many programs import the name, and whether the release's glue provides it: `glue` provided, **MISSING** required but not provided, `-` neither. `×2` marks names some module imports twice.\n\n| import |");
    for r in releases {
        let _ = write!(out, " {} |", r.label);
    }
    out.push_str("\n|---|");
    for _ in releases {
        out.push_str("---|");
    }
    out.push('\n');
    for n in &names {
        let _ = write!(out, "| `{}` |", n.replace('`', "'"));
        for r in releases {
            let req = r.required.get(n).copied().unwrap_or(0);
            let prov = r.provided().contains(n);
            let dup = if r.duplicated.contains_key(n) {
                " ×2"
            } else {
                ""
            };
            let text = match (req, prov) {
                (0, false) => "-".to_string(),
                (0, true) => "glue".to_string(),
                (k, true) => format!("{k}{dup} · glue"),
                (k, false) if r.glue_imports.is_ok() => format!("{k}{dup} · **MISSING**"),
                (k, false) => format!("{k}{dup}"),
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }

    out.push_str("\n## Changes between consecutive releases\n\n");
    if releases.len() < 2 {
        out.push_str("Only one release was inventoried.\n");
    }
    for w in releases.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let _ = writeln!(out, "### {} → {}\n", a.label, b.label);
        let loc = |r: &ReleaseInventory| r.glue_location.clone().unwrap_or_else(|e| e);
        if loc(a) != loc(b) {
            let _ = writeln!(out, "- glue moved: `{}` → `{}`", loc(a), loc(b));
        }
        match (&a.glue_sha, &b.glue_sha) {
            (Some(x), Some(y)) if x == y => out.push_str("- wasm_exec.js: identical\n"),
            (Some(x), Some(y)) => {
                let _ = writeln!(out, "- wasm_exec.js: changed (`{x}` → `{y}`)");
            }
            _ => out.push_str("- wasm_exec.js: not comparable (one is missing)\n"),
        }
        let (ma, mb) = (a.import_modules(), b.import_modules());
        if ma != mb {
            let _ = writeln!(
                out,
                "- import module renamed: {} → {} (names below compared without it)",
                list(&ma.into_iter().collect::<Vec<_>>()),
                list(&mb.into_iter().collect::<Vec<_>>())
            );
        }
        let (pa, pb) = (unprefixed(a.provided()), unprefixed(b.provided()));
        let added: Vec<String> = pb.difference(&pa).cloned().collect();
        let removed: Vec<String> = pa.difference(&pb).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            let _ = writeln!(
                out,
                "- glue imports added: {}; removed: {}",
                list(&added),
                list(&removed)
            );
        }
        let ra = unprefixed(a.required.keys().cloned().collect());
        let rb = unprefixed(b.required.keys().cloned().collect());
        let added: Vec<String> = rb.difference(&ra).cloned().collect();
        let removed: Vec<String> = ra.difference(&rb).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            let _ = writeln!(
                out,
                "- imports the corpus requires: added {}; removed {}",
                list(&added),
                list(&removed)
            );
        }
        let da: BTreeSet<&String> = a.duplicated.keys().collect();
        let db: BTreeSet<&String> = b.duplicated.keys().collect();
        if da != db {
            let _ = writeln!(
                out,
                "- imported twice by one module: {} → {}",
                list(&da.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
                list(&db.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            );
        }
        let fa: BTreeSet<&String> = a.features.keys().collect();
        let fb: BTreeSet<&String> = b.features.keys().collect();
        if fa != fb {
            let _ = writeln!(
                out,
                "- features needed: {} → {}",
                features_text(a),
                features_text(b)
            );
        }
        if a.pages != b.pages {
            let p =
                |r: &ReleaseInventory| r.pages.map_or("-".to_string(), |(x, y)| format!("{x}–{y}"));
            let _ = writeln!(out, "- initial memory (pages): {} → {}", p(a), p(b));
        }
        out.push('\n');
    }

    let failures: Vec<_> = releases
        .iter()
        .flat_map(|r| r.failures.iter().map(move |(p, e)| (r, p, e)))
        .collect();
    if !failures.is_empty() {
        out.push_str(
            "## Programs that did not build\n\n| release | program | why |\n|---|---|---|\n",
        );
        for (r, p, e) in failures {
            let _ = writeln!(out, "| {} | `{p}` | {} |", r.label, cell(e));
        }
        out.push('\n');
    }

    if let Some(c) = custom {
        let _ = writeln!(
            out,
            "## `{}` against each release's stock glue\n\nsha256 `{}`.\n\n| release | imports added | imports removed |\n|---|---|---|",
            c.name.replace('`', "'"),
            c.sha
        );
        for r in releases {
            match &r.glue_imports {
                Ok(stock) => {
                    let (added, removed) = glue_delta(stock, &c.imports);
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |",
                        r.label,
                        list(&added),
                        list(&removed)
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "| {} | (no stock glue: {}) | |", r.label, cell(e));
                }
            }
        }
        out.push('\n');
    }
    out
}
