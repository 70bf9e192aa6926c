//! Matching a host's output against an expectation: exact text, or a pattern in which
//! `[..]` stands for any text within one line and a line `...` for any number of lines
//! (goroutine traces carry addresses and offsets that differ between builds).

/// How one stream of output is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Exact(String),
    Pattern(String),
}

impl Matcher {
    pub fn text(&self) -> &str {
        match self {
            Matcher::Exact(s) | Matcher::Pattern(s) => s,
        }
    }

    pub fn is_pattern(&self) -> bool {
        matches!(self, Matcher::Pattern(_))
    }

    pub fn matches(&self, actual: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == actual,
            Matcher::Pattern(p) => pattern_matches(p, actual),
        }
    }
}

/// Whole-text match, line by line. Both sides are split on `\n`, so a missing final newline
/// is a difference, as it is for exact text.
pub fn pattern_matches(pattern: &str, actual: &str) -> bool {
    let pat: Vec<&str> = pattern.split('\n').collect();
    let act: Vec<&str> = actual.split('\n').collect();
    lines_match(&pat, &act)
}

fn lines_match(pat: &[&str], act: &[&str]) -> bool {
    match pat.split_first() {
        None => act.is_empty(),
        Some((&"...", rest)) => (0..=act.len()).any(|skip| lines_match(rest, &act[skip..])),
        Some((p, rest)) => match act.split_first() {
            Some((a, act_rest)) => line_matches(p, a) && lines_match(rest, act_rest),
            None => false,
        },
    }
}

fn line_matches(pattern: &str, line: &str) -> bool {
    let mut pieces = pattern.split("[..]");
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    if pieces.is_empty() {
        return rest.is_empty();
    }
    for (i, piece) in pieces.iter().enumerate() {
        if i == pieces.len() - 1 {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_stay_within_a_line() {
        assert!(line_matches("main.go:7 +0x[..]", "main.go:7 +0x7"));
        assert!(line_matches("[..]", ""));
        assert!(line_matches("a[..]b[..]c", "a-x-b-y-c"));
        assert!(!line_matches("a[..]b[..]c", "a-x-c-y-b"));
        assert!(!line_matches("exact", "exact but longer"));
        assert!(line_matches("ab[..]b", "ab-b"));
        assert!(!line_matches("ab[..]b", "ab"));
        assert!(pattern_matches("x [..]\ny", "x 1\ny"));
        assert!(!pattern_matches("x [..]", "x 1\ny"));
    }

    #[test]
    fn ellipsis_lines_skip_any_number_of_lines() {
        let trace = "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\tmain.go:7 +0x7\n";
        assert!(pattern_matches("panic: boom\n...\n", trace));
        assert!(pattern_matches(
            "panic: boom\n\ngoroutine 1 [running]:\n...\n",
            trace
        ));
        assert!(pattern_matches("...\nmain.main()\n...\n", trace));
        assert!(!pattern_matches("panic: bang\n...\n", trace));
        assert!(pattern_matches("...", ""));
        // The final newline matters: a trace without one is a different output.
        assert!(!pattern_matches("panic: boom\n...\n", "panic: boom"));
    }

    #[test]
    fn exact_is_exact() {
        assert!(Matcher::Exact("a\n".into()).matches("a\n"));
        assert!(!Matcher::Exact("a\n".into()).matches("a"));
        assert!(!Matcher::Exact("[..]".into()).matches("x"));
    }
}
