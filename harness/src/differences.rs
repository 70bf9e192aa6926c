//! The report of where hosts rightly or wrongly differ: every `[[host]]`, `[[also]]` and
//! `[[xfail]]` of every case, with its reason. `reports/host-differences.md` is this report;
//! a test keeps the committed copy equal to what the cases say.

use std::fmt::Write as _;

use crate::case::Case;
use crate::version::VersionRange;

/// The Markdown report for `cases`.
pub fn report(cases: &[Case]) -> String {
    let mut out = String::new();
    out.push_str("# Where hosts differ\n\n");
    out.push_str(
        "Generated from the cases by `cargo run -p gojs-harness -- differences > reports/host-differences.md`; \
         a test fails when this file and the cases disagree.\n\n",
    );
    let hosts = cases.iter().flat_map(|c| {
        c.file.hosts.iter().map(move |h| {
            let name = h.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
            (c.name.as_str(), name, h.go.as_ref(), h.why.as_str())
        })
    });
    section(
        &mut out,
        "Per-host expectations",
        "A case's `[[host]]` entry gives hosts their own expectation where they may rightly differ, \
         and says which behaviour the contract supports.",
        "why",
        hosts,
    );
    let also = cases.iter().flat_map(|c| {
        c.file.also.iter().map(move |a| {
            (
                c.name.as_str(),
                "any".to_string(),
                a.go.as_ref(),
                a.why.as_str(),
            )
        })
    });
    section(
        &mut out,
        "Other allowed outcomes",
        "A case's `[[also]]` entry is another outcome the contract allows, on every host, and says why.",
        "why",
        also,
    );
    let xfails = cases.iter().flat_map(|c| {
        c.file.xfail.iter().map(move |x| {
            (
                c.name.as_str(),
                x.host.clone(),
                x.go.as_ref(),
                x.reason.as_str(),
            )
        })
    });
    section(
        &mut out,
        "Expected failures",
        "A case's `[[xfail]]` entry records a host that fails it, and why; the trial passes while it \
         fails and fails once the host is fixed.",
        "reason",
        xfails,
    );
    out
}

fn section<'a>(
    out: &mut String,
    title: &str,
    intro: &str,
    because: &str,
    rows: impl Iterator<Item = (&'a str, String, Option<&'a VersionRange>, &'a str)>,
) {
    let _ = write!(
        out,
        "## {title}\n\n{intro}\n\n| case | host | releases | {because} |\n|---|---|---|---|\n"
    );
    let mut any = false;
    for (case, host, go, text) in rows {
        any = true;
        let go = go.map_or("all".to_string(), |r| r.to_string());
        let _ = writeln!(out, "| `{case}` | {host} | {go} | {} |", cell(text));
    }
    if !any {
        out.push_str("| (none) | | | |\n");
    }
    out.push('\n');
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
