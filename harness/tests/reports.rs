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
