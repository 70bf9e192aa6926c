//! Matching a host's output against an expectation: exact text, or a pattern in which
//! `[..]` stands for any text within one line and a line `...` for any number of lines
//! (goroutine traces carry addresses and offsets that differ between builds), and `[id:NAME]`
//! for a ref id whose number the host chooses (the same NAME is the same id).

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
    let pat: Vec<Vec<Token>> = pattern.split('\n').map(tokens).collect();
    let act: Vec<&str> = actual.split('\n').collect();
    lines_match(&pat, &act, &Bindings::new())
}

/// What each `[id:NAME]` of a pattern has matched so far.
type Bindings = Vec<(String, String)>;

/// The width of a ref's id in the hex dumps synthesized modules print (a little-endian u32).
const ID_DIGITS: usize = 8;

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Text(&'a str),
    /// `[..]`: any text within the line.
    Any,
    /// `[id:NAME]`: 8 hex digits, a little-endian id of 7 or more; the same NAME must be the same digits wherever it appears,
    /// and different names different digits. The contract fixes which refs are the same
    /// value (Go compares refs), not the numbers a host allocates.
    Id(&'a str),
}

/// Whether 8 hex digits are a little-endian id of 7 or more: ids 0 to 6 are the predefined
/// values (NaN, 0, null, true, false, globalThis, the Go object), never a new value's.
fn is_dynamic_id(digits: &str) -> bool {
    let mut bytes = [0u8; 4];
    for (i, b) in bytes.iter_mut().enumerate() {
        match digits
            .get(2 * i..2 * i + 2)
            .map(|h| u8::from_str_radix(h, 16))
        {
            Some(Ok(v)) if digits.as_bytes()[2 * i].is_ascii_hexdigit() => *b = v,
            _ => return false,
        }
    }
    u32::from_le_bytes(bytes) >= 7
}

fn tokens(line: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        let any = rest.find("[..]");
        let id = rest.find("[id:").filter(|&at| rest[at..].contains(']'));
        let next = match (any, id) {
            (Some(a), Some(i)) => Some(a.min(i)),
            (a, i) => a.or(i),
        };
        let Some(at) = next else {
            if !rest.is_empty() {
                out.push(Token::Text(rest));
            }
            return out;
        };
        if at > 0 {
            out.push(Token::Text(&rest[..at]));
        }
        if rest[at..].starts_with("[..]") {
            out.push(Token::Any);
            rest = &rest[at + 4..];
        } else {
            let close = at + rest[at..].find(']').unwrap_or(rest.len() - at);
            out.push(Token::Id(&rest[at + 4..close]));
            rest = &rest[close + 1..];
        }
    }
}

/// A line pattern without ids: each piece of text found in turn, the last at the end (linear,
/// for the long lines of big outputs).
fn plain_matches(pattern: &[Token], line: &str) -> bool {
    let (first, pieces) = match pattern.split_first() {
        Some((Token::Text(t), rest)) => (*t, rest),
        _ => ("", pattern),
    };
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    if pieces.is_empty() {
        return rest.is_empty();
    }
    // After the first text, the pattern alternates `[..]` and text; a run of `[..]` is one.
    let texts: Vec<&str> = pieces
        .split(|t| *t == Token::Any)
        .skip(1)
        .map(|run| match run {
            [Token::Text(t)] => *t,
            _ => "",
        })
        .collect();
    for (i, piece) in texts.iter().enumerate() {
        if i == texts.len() - 1 {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

fn lines_match(pat: &[Vec<Token>], act: &[&str], bound: &Bindings) -> bool {
    match pat.split_first() {
        None => act.is_empty(),
        Some((first, rest)) if first.as_slice() == [Token::Text("...")] => {
            (0..=act.len()).any(|skip| lines_match(rest, &act[skip..], bound))
        }
        Some((p, rest)) => match act.split_first() {
            Some((a, act_rest)) => line_binds(p, a, bound).any(|b| lines_match(rest, act_rest, &b)),
            None => false,
        },
    }
}

/// Every way `line` matches `pattern` given what ids are bound already, with the bindings
/// each way leaves.
fn line_binds<'a>(
    pattern: &'a [Token<'a>],
    line: &'a str,
    bound: &Bindings,
) -> Box<dyn Iterator<Item = Bindings> + 'a> {
    if !pattern.iter().any(|t| matches!(t, Token::Id(_))) {
        return Box::new(
            plain_matches(pattern, line)
                .then(|| bound.clone())
                .into_iter(),
        );
    }
    let Some((first, rest)) = pattern.split_first() else {
        return Box::new(line.is_empty().then(|| bound.clone()).into_iter());
    };
    match first {
        Token::Text(t) => match line.strip_prefix(t) {
            Some(after) => line_binds(rest, after, bound),
            None => Box::new(std::iter::empty()),
        },
        Token::Any => {
            let bound = bound.clone();
            Box::new(
                line.char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(line.len()))
                    .flat_map(move |i| line_binds(rest, &line[i..], &bound).collect::<Vec<_>>()),
            )
        }
        Token::Id(name) => {
            let Some(digits) = line.get(..ID_DIGITS) else {
                return Box::new(std::iter::empty());
            };
            if !is_dynamic_id(digits) {
                return Box::new(std::iter::empty());
            }
            let mut bound = bound.clone();
            match bound.iter().find(|(n, _)| n == name) {
                Some((_, d)) if d != digits => return Box::new(std::iter::empty()),
                Some(_) => {}
                None if bound.iter().any(|(_, d)| d == digits) => {
                    return Box::new(std::iter::empty());
                }
                None => bound.push((name.to_string(), digits.to_string())),
            }
            line_binds(rest, &line[ID_DIGITS..], &bound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_matches(pattern: &str, line: &str) -> bool {
        line_binds(&tokens(pattern), line, &Bindings::new())
            .next()
            .is_some()
    }

    #[test]
    fn ids_are_the_same_where_the_name_is() {
        let refs = "a: 070000000200f87f\nb: 080000000200f87f\na again: 070000000200f87f\n";
        let p = "a: [id:a]0200f87f\nb: [id:b]0200f87f\na again: [id:a]0200f87f\n";
        assert!(pattern_matches(p, refs));
        // Another host's numbering is as good.
        assert!(pattern_matches(
            p,
            "a: 100000000200f87f\nb: 110000000200f87f\na again: 100000000200f87f\n"
        ));
        // The same value must keep its id, and different names are different ids.
        assert!(!pattern_matches(
            p,
            "a: 070000000200f87f\nb: 080000000200f87f\na again: 090000000200f87f\n"
        ));
        assert!(!pattern_matches(
            p,
            "a: 070000000200f87f\nb: 070000000200f87f\na again: 070000000200f87f\n"
        ));
        // A predefined id (globalThis is 5) is never a new value's.
        assert!(!line_matches("x: [id:a]", "x: 05000000"));
        assert!(line_matches("x: [id:a]", "x: 00010000"));
        // Eight hex digits, no fewer.
        assert!(!line_matches("x: [id:a]", "x: 0700"));
        assert!(!line_matches("x: [id:a]", "x: 07000000zz"));
        assert!(line_matches("[..]: [id:a][..]", "x: 07000000 and more"));
        // Bindings carry across `...` and backtrack with `[..]`.
        assert!(pattern_matches(
            "[..][id:a]\n...\n[id:a]\n",
            "x 07000000\nnoise\n07000000\n"
        ));
        assert!(!pattern_matches(
            "[..][id:a]\n...\n[id:a]\n",
            "x 07000000\nnoise\n08000000\n"
        ));
    }

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
