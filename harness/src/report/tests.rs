use super::*;

fn rec(host: &str, go: &str, case: &str, verdict: Kind, detail: Option<&str>) -> Record {
    Record {
        host: host.into(),
        go: go.into(),
        case: case.into(),
        verdict,
        detail: detail.map(str::to_string),
        wall_ms: Some(12),
    }
}

fn rel(label: &str, version: &str) -> Release {
    Release {
        label: label.into(),
        version: version.into(),
    }
}

/// A small matrix with one of every verdict and text that needs escaping everywhere.
pub(crate) fn sample() -> Matrix {
    let records = vec![
        rec("node", "go1.26", "exit/b", Kind::Pass, None),
        rec("node", "go1.9", "exit/a", Kind::Pass, None),
        rec(
            "native",
            "go1.26",
            "value/<script>&",
            Kind::Fail,
            Some(
                "native/go1.26/value/<script>&\n  case: /home/me/repo/cases/value.toml\nstdout differs:\n    -\"a\" & <b>\n    +```\u{1b}[0m\n",
            ),
        ),
        rec(
            "native",
            "go1.9",
            "exit/a",
            Kind::Xfail,
            Some("native | lacks x"),
        ),
        rec(
            "native",
            "go1.26",
            "exit/a",
            Kind::Skip,
            Some("the case covers go>=1.27, not go1.26.8"),
        ),
        rec(
            "native",
            "go1.9",
            "exit/b",
            Kind::Skip,
            Some("the case covers go>=1.27, not go1.9.7"),
        ),
    ];
    Matrix::new(
        "gojs-harness matrix --host node,native",
        &["node".to_string(), "native".to_string()],
        &[rel("go1.26", "1.26.8"), rel("go1.9", "1.9.7")],
        records,
    )
}

#[test]
fn records_and_columns_are_sorted() {
    let m = sample();
    assert_eq!(m.hosts, ["node", "native"]);
    let labels: Vec<_> = m.releases.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        ["go1.9", "go1.26"],
        "releases sort by version, not text"
    );
    let names: Vec<_> = m.trials.iter().map(Record::name).collect();
    assert_eq!(
        names,
        [
            "node/go1.9/exit/a",
            "node/go1.26/exit/b",
            "native/go1.9/exit/a",
            "native/go1.9/exit/b",
            "native/go1.26/exit/a",
            "native/go1.26/value/<script>&",
        ]
    );
}

#[test]
fn cells_count_each_verdict() {
    let m = sample();
    let c = m.cell("native", "go1.26");
    assert_eq!((c.pass, c.fail, c.xfail, c.skip), (0, 1, 0, 1));
    assert_eq!(c.colour(), "red");
    assert_eq!(m.cell("native", "go1.9").colour(), "green");
    assert_eq!(m.cell("nobody", "go1.9").colour(), "grey");
    assert_eq!(m.totals().total(), 6);
    assert!(m.grid_text().contains("0/1/0/1"), "{}", m.grid_text());
}

#[test]
fn deterministic_reports_drop_times_and_paths() {
    let mut m = sample();
    m.make_deterministic(&Scrubber::default().path(Path::new("/home/me/repo"), "$REPO"));
    let j = json(&m);
    assert!(!j.contains("wall_ms"), "{j}");
    assert!(j.contains("$REPO/cases/value.toml"), "{j}");
    assert!(!j.contains("/home/me"), "{j}");
    let back = from_json(&j).unwrap();
    assert_eq!(back, m, "JSON round-trips");
    assert!(j.contains(&format!("\"schema\": \"{SCHEMA}\"")));
}

use std::path::Path;

#[test]
fn other_schemas_are_refused() {
    let j = json(&sample()).replace(SCHEMA, "gojs-matrix/999");
    assert!(from_json(&j).is_err());
}

#[test]
fn scrubber_hides_temporary_directories() {
    let s = Scrubber::default();
    assert_eq!(
        s.apply("in /tmp/gojs-trial-Ab12_x/out.txt"),
        "in $TMP/out.txt"
    );
}

#[test]
fn markdown_has_the_grid_the_failure_and_grouped_skips() {
    let md = markdown(&sample());
    assert!(
        md.contains("| host | go1.9 (1.9.7) | go1.26 (1.26.8) |"),
        "{md}"
    );
    assert!(
        md.contains("| native | 0 pass, 1 xfail, 1 skip | 0 pass, **1 FAIL**, 1 skip |"),
        "{md}"
    );
    // The diff holds three backticks: the fence must be longer.
    assert!(
        md.contains("````text\nnative/go1.26/value/<script>&"),
        "{md}"
    );
    // One skip reason covers both releases.
    assert!(md.contains("the case covers go>=1.27 (2 trials)"), "{md}");
    assert!(
        md.contains("native \\| lacks x"),
        "pipes escaped in cells: {md}"
    );
}

#[test]
fn junit_is_escaped_and_counts_match() {
    let x = junit(&sample());
    assert!(x.starts_with("<?xml"));
    assert!(
        x.contains("tests=\"6\" failures=\"1\" skipped=\"2\""),
        "{x}"
    );
    assert!(x.contains("name=\"value/&lt;script&gt;&amp;\""), "{x}");
    assert!(!x.contains('\u{1b}'), "control characters are not XML: {x}");
    assert!(x.contains("<failure message=\"stdout differs:\""), "{x}");
    assert!(x.contains("time=\"0.012\""), "{x}");
    // Well-formed enough: every opened testcase closes.
    assert_eq!(
        x.matches("<testcase").count(),
        x.matches("/>\n").count() - x.matches("<skipped").count()
            + x.matches("</testcase>").count()
    );
}

#[test]
fn html_is_self_contained_and_escaped() {
    let h = html(&sample());
    assert!(h.contains("<table class=\"grid\" id=\"grid\">"));
    assert!(
        h.contains("<td class=\"red\" data-host=\"native\" data-go=\"go1.26\">"),
        "{h}"
    );
    assert!(h.contains("<summary>1 failure</summary>"), "{h}");
    assert!(h.contains("value/&lt;script&gt;&amp;"), "{h}");
    assert!(!h.contains("<script"), "no raw script tags: {h}");
    assert!(
        !h.contains("http://") && !h.contains("https://"),
        "no network"
    );
}

#[test]
fn comparing_against_a_baseline_lists_changed_verdicts() {
    let base = sample();
    let mut now = sample();
    now.trials[0].verdict = Kind::Fail; // node/go1.9/exit/a
    now.trials
        .push(rec("node", "go1.9", "new/case", Kind::Pass, None));
    now.trials
        .push(rec("node", "go1.30", "other/release", Kind::Fail, None));
    let changes = now.compare(&base);
    assert_eq!(
        changes,
        [
            Change {
                trial: "node/go1.9/exit/a".into(),
                before: Some(Kind::Pass),
                after: Kind::Fail
            },
            Change {
                trial: "node/go1.9/new/case".into(),
                before: None,
                after: Kind::Pass
            },
        ],
        "releases the baseline did not run are not compared"
    );
    now.changes = Some(changes);
    assert!(markdown(&now).contains("| `node/go1.9/exit/a` | pass | fail |"));
    assert!(html(&now).contains("id=\"changes\""));
}

#[test]
fn escape_markup_escapes_everything_markup_cares_about() {
    assert_eq!(
        escape_markup("<a href=\"x\">'&'</a>\u{0}"),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\\u{0}"
    );
}

mod inventory_tests {
    use super::super::inventory::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn module(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).unwrap()
    }

    #[test]
    fn features_are_found_by_taking_each_away() {
        let plain = module(
            r#"(module (import "gojs" "runtime.wasmExit" (func (param i32)))
                 (import "gojs" "runtime.wasmExit" (func (param i32)))
                 (memory 3) (func (param i32) (result i32) local.get 0 i32.extend8_s))"#,
        );
        let f = module_facts(&plain).unwrap();
        assert_eq!(f.features, ["sign-ext"]);
        assert_eq!(f.initial_pages, Some(3));
        assert_eq!(f.imports.len(), 2);
        let bulk = module(
            r#"(module (memory 1) (func i32.const 0 i32.const 0 i32.const 1 memory.copy
                 f64.const 1 i64.trunc_sat_f64_s drop))"#,
        );
        assert_eq!(
            module_facts(&bulk).unwrap().features,
            ["sat-float-to-int", "bulk-memory"]
        );
        assert!(module_facts(b"not wasm").is_err());
    }

    #[test]
    fn inventory_markdown_diffs_consecutive_releases() {
        let glue = |names: &[&str]| -> BTreeMap<String, BTreeSet<String>> {
            let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for n in names {
                let (a, b) = n.split_once('.').unwrap();
                m.entry(a.into()).or_default().insert(b.into());
            }
            m
        };
        let mut a = ReleaseInventory {
            label: "go1.19".into(),
            version: "1.19.8".into(),
            glue_location: Ok("misc/wasm/wasm_exec.js".into()),
            glue_sha: Some("aaaa".into()),
            glue_imports: Ok(glue(&["go.debug", "go.runtime.wasmExit"])),
            ..Default::default()
        };
        a.add_module(&ModuleFacts {
            imports: vec![("go".into(), "runtime.wasmExit".into())],
            features: vec![],
            initial_pages: Some(272),
        });
        let mut b = ReleaseInventory {
            label: "go1.24".into(),
            version: "1.24.11".into(),
            glue_location: Ok("lib/wasm/wasm_exec.js".into()),
            glue_sha: Some("bbbb".into()),
            glue_imports: Ok(glue(&["gojs.runtime.wasmExit"])),
            ..Default::default()
        };
        b.add_module(&ModuleFacts {
            imports: vec![
                ("gojs".into(), "runtime.wasmExit".into()),
                ("gojs".into(), "runtime.getRandomData".into()),
                ("gojs".into(), "runtime.getRandomData".into()),
            ],
            features: vec!["bulk-memory"],
            initial_pages: Some(38),
        });
        let custom = CustomGlue {
            name: "faulty.js".into(),
            sha: "cccc".into(),
            imports: glue(&["gojs.runtime.wasmExit", "gojs.extra"]),
        };
        let md = markdown("cmd", &[a, b], Some(&custom));
        assert!(
            md.contains("glue moved: `misc/wasm/wasm_exec.js` → `lib/wasm/wasm_exec.js`"),
            "{md}"
        );
        assert!(
            md.contains("| `gojs.runtime.getRandomData` | - | 1 ×2 · **MISSING** |"),
            "{md}"
        );
        assert!(
            md.contains("features needed: MVP only → bulk-memory"),
            "{md}"
        );
        assert!(
            md.contains("initial memory (pages): 272–272 → 38–38"),
            "{md}"
        );
        assert!(md.contains("| go1.24 | `gojs.extra` | none |"), "{md}");
        assert!(md.contains("| go1.19 | `gojs.extra`, `gojs.runtime.wasmExit` | `go.debug`, `go.runtime.wasmExit` |"), "{md}");
    }
}
