//! Committed reports that are generated from the repository must match what it says now.

use gojs_harness::{case, differences, paths};

#[test]
fn host_differences_report_is_up_to_date() {
    let cases = case::load_all(&paths::default_cases_dir()).unwrap();
    let want = differences::report(&cases);
    let path = paths::repo_root().join("reports/host-differences.md");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let diff = similar::TextDiff::from_lines(&have, &want)
            .unified_diff()
            .header("committed", "generated")
            .to_string();
        panic!(
            "{} is out of date; regenerate it with\n  cargo run -p gojs-harness -- differences > reports/host-differences.md\n{diff}",
            path.display()
        );
    }
}

#[test]
fn matrix_reports_agree_with_the_committed_json() {
    use gojs_harness::report;
    let dir = paths::repo_root().join("reports");
    let text = std::fs::read_to_string(dir.join("matrix.json"))
        .expect("reports/matrix.json is committed: regenerate it with reports/regenerate.sh");
    let m = report::from_json(&text).unwrap();
    for (name, want) in [
        ("matrix.md", report::markdown(&m)),
        ("matrix.junit.xml", report::junit(&m)),
        ("matrix.html", report::html(&m)),
    ] {
        let have = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            have == want,
            "reports/{name} does not match reports/matrix.json; rerun reports/regenerate.sh, \
             or `cargo run -p gojs-harness -- render` after changing a renderer"
        );
    }
    assert!(
        m.trials.iter().all(|r| r.wall_ms.is_none()),
        "the committed matrix keeps no wall times (run without --timings)"
    );
}
