//! JUnit XML: a `<testsuite>` per host × release, a `<testcase>` per trial. Failures carry
//! their report in `<failure>`, skips their reason in `<skipped>`, expected failures pass with
//! their reason in `<system-out>`.

use std::fmt::Write as _;

use super::{Kind, Matrix, escape_markup as esc};

/// The JUnit XML document of `m`. `time` attributes are present only for trials with a
/// wall time (a deterministic matrix has none).
pub fn junit(m: &Matrix) -> String {
    let t = m.totals();
    let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let total_ms: u64 = m.trials.iter().filter_map(|r| r.wall_ms).sum();
    let timed = m.trials.iter().any(|r| r.wall_ms.is_some());
    let time_attr = |ms: u64| {
        if timed {
            format!(" time=\"{}\"", secs(ms))
        } else {
            String::new()
        }
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"gojs-conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\"{}>",
        t.total(),
        t.fail,
        t.skip,
        time_attr(total_ms)
    );
    for h in &m.hosts {
        for rel in &m.releases {
            let records: Vec<_> = m
                .trials
                .iter()
                .filter(|r| r.host == *h && r.go == rel.label)
                .collect();
            if records.is_empty() {
                continue;
            }
            let c = m.cell(h, &rel.label);
            let ms: u64 = records.iter().filter_map(|r| r.wall_ms).sum();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\"{}>",
                esc(&format!("{h}/{} ({})", rel.label, rel.version)),
                c.total(),
                c.fail,
                c.skip,
                time_attr(ms)
            );
            for r in records {
                let classname = format!("{}.{}", r.host, r.go.replace('.', "_"));
                let open = format!(
                    "    <testcase classname=\"{}\" name=\"{}\"{}",
                    esc(&classname),
                    esc(&r.case),
                    time_attr(r.wall_ms.unwrap_or(0))
                );
                let detail = r.detail.as_deref().unwrap_or("");
                match r.verdict {
                    Kind::Pass => {
                        let _ = writeln!(out, "{open}/>");
                    }
                    Kind::Fail => {
                        let first = detail
                            .lines()
                            .find(|l| l.contains("differs"))
                            .or_else(|| detail.lines().next())
                            .unwrap_or("failed");
                        let _ = writeln!(
                            out,
                            "{open}>\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>",
                            esc(first.trim()),
                            esc(detail)
                        );
                    }
                    Kind::Skip => {
                        let _ = writeln!(
                            out,
                            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                            esc(detail)
                        );
                    }
                    Kind::Xfail | Kind::Blessed => {
                        let _ = writeln!(
                            out,
                            "{open}>\n      <system-out>{}: {}</system-out>\n    </testcase>",
                            if r.verdict == Kind::Xfail {
                                "expected failure"
                            } else {
                                "blessed"
                            },
                            esc(detail)
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
    }
    out.push_str("</testsuites>\n");
    out
}
