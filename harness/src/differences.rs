//! The report of where hosts rightly or wrongly differ: every `[[host]]` entry and every
//! `[[xfail]]` of every case, with its reason. `reports/host-differences.md` is this report;
//! a test keeps the committed copy equal to what the cases say.

use std::fmt::Write as _;

use crate::case::Case;

/// The Markdown report for `cases`.
pub fn report(cases: &[Case]) -> String {
    let mut out = String::new();
    out.push_str("# Where hosts differ\n\n");
    out.push_str(
        "Generated from the cases by `cargo run -p gojs-harness -- differences > reports/host-differences.md`; \
         a test fails when this file and the cases disagree.\n\n",
    );
    out.push_str("## Per-host expectations\n\n");
    out.push_str(
        "A case's `[[host]]` entry gives one host its own expectation where hosts may rightly differ, \
         and says which behaviour the contract supports.\n\n",
    );
    out.push_str("| case | host | releases | why |\n|---|---|---|---|\n");
    let mut n = 0;
    for c in cases {
        for h in &c.file.hosts {
            n += 1;
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                c.name,
                h.name,
                h.go.as_ref().map_or("all".to_string(), |r| r.to_string()),
                cell(&h.why)
            );
        }
    }
    if n == 0 {
        out.push_str("| (none) | | | |\n");
    }
    out.push_str("\n## Expected failures\n\n");
    out.push_str(
        "A case's `[[xfail]]` entry records a host that fails it, and why; the trial passes while it fails \
         and fails once the host is fixed.\n\n",
    );
    out.push_str("| case | host | releases | reason |\n|---|---|---|---|\n");
    let mut n = 0;
    for c in cases {
        for x in &c.file.xfail {
            n += 1;
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                c.name,
                x.host,
                x.go.as_ref().map_or("all".to_string(), |r| r.to_string()),
                cell(&x.reason)
            );
        }
    }
    if n == 0 {
        out.push_str("| (none) | | | |\n");
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
