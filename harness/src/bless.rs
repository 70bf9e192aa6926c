//! Rewriting a case's expectation from what the reference host did (`GOJS_BLESS=1`).
//!
//! Only the values that differ are rewritten, in the table that supplied them for this
//! release: the last matching `[[version]]` that sets the field, else `[expect]`. Patterns are
//! never rewritten (they were written by hand for a reason); a mismatching pattern is an error.

use std::ffi::OsString;

use anyhow::{Context, bail};
use toml_edit::{DocumentMut, Item, Table, value};

use crate::case::Case;
use crate::host::{Exit, RunOutcome};
use crate::version::{GoVersion, VersionRange};

/// Whether blessing was asked for, refusing under CI where expectations must only be checked.
pub fn requested() -> anyhow::Result<bool> {
    requested_by(std::env::var_os("GOJS_BLESS"), std::env::var_os("CI"))
}

fn requested_by(bless: Option<OsString>, ci: Option<OsString>) -> anyhow::Result<bool> {
    let asked = bless.is_some_and(|v| !v.is_empty() && v != "0");
    if asked && ci.is_some_and(|v| !v.is_empty() && v != "false") {
        bail!("GOJS_BLESS is set while CI is set: CI checks expectations and never rewrites them");
    }
    Ok(asked)
}

/// Rewrite `case`'s file so that `go` expects `outcome`; returns what changed.
pub fn bless(
    case: &Case,
    host: &str,
    go: &GoVersion,
    outcome: &RunOutcome,
) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(&case.path)
        .with_context(|| format!("reading {}", case.path.display()))?;
    let (new_text, note) = rewrite(&text, host, go, outcome)?;
    if new_text != text {
        crate::paths::write_atomically(&case.path, new_text.as_bytes())
            .with_context(|| format!("writing {}", case.path.display()))?;
    }
    Ok(format!("{}: {note}", case.path.display()))
}

/// The pure part of [`bless`]: the case file's new text.
pub fn rewrite(
    text: &str,
    host: &str,
    go: &GoVersion,
    outcome: &RunOutcome,
) -> anyhow::Result<(String, String)> {
    let Exit::Code(code) = outcome.exit else {
        bail!(
            "the reference host ended with {}; only an exit code can be an expectation",
            outcome.exit
        );
    };
    let mut doc: DocumentMut = text.parse().context("the case file is not valid TOML")?;
    let stdout = String::from_utf8_lossy(&outcome.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&outcome.stderr).into_owned();
    let mut changed = Vec::new();
    let at = Target { host, go };
    set_field(&mut doc, &at, "exit", value(i64::from(code)), &mut changed)?;
    set_text(&mut doc, &at, "stdout", &stdout, &mut changed)?;
    set_text(&mut doc, &at, "stderr", &stderr, &mut changed)?;
    let note = if changed.is_empty() {
        "already up to date".to_string()
    } else {
        format!("rewrote {}", changed.join(", "))
    };
    Ok((doc.to_string(), note))
}

/// Whose expectation is rewritten.
struct Target<'a> {
    host: &'a str,
    go: &'a GoVersion,
}

fn set_text(
    doc: &mut DocumentMut,
    go: &Target,
    field: &str,
    actual: &str,
    changed: &mut Vec<String>,
) -> anyhow::Result<()> {
    let pattern_key = format!("{field}_pattern");
    let (where_, table) = target(doc, go, &[field, &pattern_key])?;
    if let Some(p) = table.get(&pattern_key).and_then(Item::as_str) {
        if crate::matcher::pattern_matches(p, actual) {
            return Ok(());
        }
        bail!("{pattern_key} in {where_} does not match; patterns are edited by hand");
    }
    let current = table.get(field).and_then(Item::as_str).unwrap_or("");
    if current != actual {
        table.insert(field, value(actual));
        changed.push(format!("{field} in {where_}"));
    }
    Ok(())
}

fn set_field(
    doc: &mut DocumentMut,
    go: &Target,
    field: &str,
    new: Item,
    changed: &mut Vec<String>,
) -> anyhow::Result<()> {
    let (where_, table) = target(doc, go, &[field])?;
    let same = match (
        table.get(field).and_then(Item::as_integer),
        new.as_integer(),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    if !same {
        table.insert(field, new);
        changed.push(format!("{field} in {where_}"));
    }
    Ok(())
}

/// The table that decides `fields` for a host and release: the last matching `[[host]]`
/// naming one of them, else the last matching `[[version]]`, else `[expect]`.
fn target<'d>(
    doc: &'d mut DocumentMut,
    at: &Target,
    fields: &[&str],
) -> anyhow::Result<(String, &'d mut Table)> {
    let go = at.go;
    let mut host_entry = None;
    if let Some(hosts) = doc.get("host").and_then(Item::as_array_of_tables) {
        for (i, t) in hosts.iter().enumerate() {
            let names: Vec<String> = match t.get("name") {
                Some(i) if i.is_str() => i.as_str().into_iter().map(str::to_string).collect(),
                Some(i) => i
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let name = names.join(", ");
            let range_ok = match t.get("go").and_then(Item::as_str) {
                Some(r) => VersionRange::parse(r)?.contains(go),
                None => true,
            };
            if names.iter().any(|n| crate::case::host_matches(n, at.host))
                && range_ok
                && fields.iter().any(|f| t.contains_key(f))
            {
                host_entry = Some((i, name.to_string()));
            }
        }
    }
    if let Some((i, name)) = host_entry {
        let t = doc
            .get_mut("host")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|h| h.get_mut(i))
            .context("[[host]] vanished")?;
        return Ok((format!("[[host]] name = \"{name}\""), t));
    }
    let mut chosen = None;
    if let Some(versions) = doc.get("version").and_then(Item::as_array_of_tables) {
        for (i, t) in versions.iter().enumerate() {
            let range = t
                .get("go")
                .and_then(Item::as_str)
                .context("a [[version]] has no `go` range")?;
            let range = VersionRange::parse(range)?;
            if range.contains(go) && fields.iter().any(|f| t.contains_key(f)) {
                chosen = Some((i, range.to_string()));
            }
        }
    }
    match chosen {
        Some((i, range)) => {
            let versions = doc
                .get_mut("version")
                .and_then(Item::as_array_of_tables_mut)
                .context("[[version]] vanished")?;
            let t = versions.get_mut(i).context("[[version]] vanished")?;
            Ok((format!("[[version]] go = \"{range}\""), t))
        }
        None => {
            let t = doc
                .get_mut("expect")
                .and_then(Item::as_table_mut)
                .context("the case has no [expect] table")?;
            Ok(("[expect]".to_string(), t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const CASE: &str = r#"# keep this comment
schema = 1
contract = "c"
program = "exit"

[expect]
exit = 3
stdout = "before exit\n"
stderr_pattern = "...\n"

[[version]]
go = "<1.22"
why = "old"
stdout = "old text\n"
"#;

    fn outcome(code: i32, out: &str, err: &str) -> RunOutcome {
        RunOutcome {
            exit: Exit::Code(code),
            stdout: out.into(),
            stderr: err.into(),
            wall: Duration::ZERO,
        }
    }

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn rewrites_only_what_differs_in_the_table_that_applies() {
        let (text, note) = rewrite(
            CASE,
            "node",
            &v("1.26.8"),
            &outcome(4, "before exit\n", "x\n"),
        )
        .unwrap();
        assert!(text.starts_with("# keep this comment\n"), "{text}");
        assert!(text.contains("exit = 4"), "{text}");
        assert!(
            text.contains("old text"),
            "the override is untouched: {text}"
        );
        assert_eq!(note, "rewrote exit in [expect]");

        let (text, note) = rewrite(CASE, "node", &v("1.21.13"), &outcome(3, "new\n", "")).unwrap();
        assert_eq!(note, "rewrote stdout in [[version]] go = \"<1.22\"");
        let parsed = crate::case::Case::parse("x", std::path::Path::new("x.toml"), &text).unwrap();
        assert_eq!(parsed.expectation(&v("1.21.13")).stdout.text(), "new\n");
        assert_eq!(
            parsed.expectation(&v("1.26.8")).stdout.text(),
            "before exit\n"
        );
    }

    #[test]
    fn a_mismatching_pattern_is_not_rewritten() {
        let case = CASE.replace(
            "stderr_pattern = \"...\\n\"",
            "stderr_pattern = \"panic[..]\\n\"",
        );
        let e = rewrite(
            &case,
            "node",
            &v("1.26.8"),
            &outcome(3, "before exit\n", "other\n"),
        )
        .unwrap_err();
        assert!(
            format!("{e:#}").contains("patterns are edited by hand"),
            "{e:#}"
        );
    }

    #[test]
    fn nothing_changes_when_the_outcome_matches() {
        let (text, note) =
            rewrite(CASE, "node", &v("1.26.8"), &outcome(3, "before exit\n", "")).unwrap();
        assert_eq!(text, CASE);
        assert_eq!(note, "already up to date");
    }

    #[test]
    fn a_host_entry_of_the_reference_host_is_rewritten_in_place() {
        let case = format!("{CASE}\n[[host]]\nname = \"node\"\nwhy = \"w\"\nexit = 1\n");
        let (text, note) = rewrite(
            &case,
            "node",
            &v("1.26.8"),
            &outcome(5, "before exit\n", ""),
        )
        .unwrap();
        assert_eq!(note, "rewrote exit in [[host]] name = \"node\"");
        assert!(text.contains("exit = 3\n"), "[expect] is untouched: {text}");
        assert!(text.contains("exit = 5\n"), "{text}");
    }

    #[test]
    fn bless_is_refused_under_ci() {
        let some = |s: &str| Some(OsString::from(s));
        assert!(!requested_by(None, None).unwrap());
        assert!(!requested_by(some("0"), None).unwrap());
        assert!(requested_by(some("1"), None).unwrap());
        assert!(requested_by(some("1"), some("false")).unwrap());
        let e = requested_by(some("1"), some("true")).unwrap_err();
        assert!(format!("{e}").contains("never rewrites"), "{e}");
        assert!(!requested_by(None, some("true")).unwrap());
    }

    #[test]
    fn a_timeout_cannot_become_an_expectation() {
        let mut o = outcome(0, "", "");
        o.exit = Exit::Timeout;
        assert!(rewrite(CASE, "node", &v("1.26.8"), &o).is_err());
    }
}
