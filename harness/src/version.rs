//! Go release numbers and the ranges cases use to say which releases an expectation covers.

use std::cmp::Ordering;
use std::fmt;

use anyhow::{Context, bail};

/// A Go release: `1.24.11`, or `1.26` when only the minor release matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

impl GoVersion {
    /// Parse `1.24`, `1.24.11`, `go1.24.11`; pre-release suffixes (`rc1`) are dropped.
    pub fn parse(s: &str) -> anyhow::Result<GoVersion> {
        let s = s.trim().trim_start_matches("go");
        let mut parts = s.split('.');
        let num = |p: Option<&str>| -> anyhow::Result<Option<u32>> {
            match p {
                None => Ok(None),
                Some(p) => {
                    let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
                    let suffix = &p[digits.len()..];
                    let prerelease = ["rc", "beta"].iter().any(|k| {
                        suffix
                            .strip_prefix(k)
                            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                    });
                    if digits.is_empty() || !(suffix.is_empty() || prerelease) {
                        bail!("`{p}` is not a number");
                    }
                    Ok(Some(digits.parse()?))
                }
            }
        };
        let major = num(parts.next())?.context("empty version")?;
        let minor = num(parts.next())?.context("a Go version needs a minor number, as in 1.24")?;
        let patch = num(parts.next())?;
        if parts.next().is_some() {
            bail!("too many dots in `{s}`");
        }
        Ok(GoVersion {
            major,
            minor,
            patch,
        })
    }

    /// Parse a toolchain's own text, e.g. `go1.26.8 X:nocoverageredesign` or `devel go1.27-abc`.
    pub fn parse_go_text(text: &str) -> anyhow::Result<GoVersion> {
        let word = text
            .split_whitespace()
            .find(|w| w.starts_with("go1"))
            .with_context(|| format!("no goX.Y in `{text}`"))?;
        let word = word.split('-').next().unwrap_or(word);
        Self::parse(word)
    }

    /// `go1.26`: the name used in trial names, where patch releases never matter.
    pub fn short(&self) -> String {
        format!("go{}.{}", self.major, self.minor)
    }

    fn key(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch.unwrap_or(0))
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(p) => write!(f, "{}.{}.{}", self.major, self.minor, p),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

/// A set of releases written like `>=1.21, <1.24` or `1.19`. A bound without a patch
/// number compares whole minor releases: `<1.24` excludes 1.24.11, `=1.22` includes 1.22.10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    text: String,
    bounds: Vec<(Op, GoVersion)>,
}

impl VersionRange {
    pub fn parse(text: &str) -> anyhow::Result<VersionRange> {
        let mut bounds = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                bail!("empty bound in version range `{text}`");
            }
            let (op, rest) = if let Some(r) = part.strip_prefix(">=") {
                (Op::Ge, r)
            } else if let Some(r) = part.strip_prefix("<=") {
                (Op::Le, r)
            } else if let Some(r) = part.strip_prefix('>') {
                (Op::Gt, r)
            } else if let Some(r) = part.strip_prefix('<') {
                (Op::Lt, r)
            } else if let Some(r) = part.strip_prefix('=') {
                (Op::Eq, r)
            } else {
                (Op::Eq, part)
            };
            let v = GoVersion::parse(rest).with_context(|| format!("in version range `{text}`"))?;
            bounds.push((op, v));
        }
        Ok(VersionRange {
            text: text.to_string(),
            bounds,
        })
    }

    pub fn contains(&self, v: &GoVersion) -> bool {
        self.bounds.iter().all(|(op, b)| {
            let ord = if b.patch.is_none() {
                (v.major, v.minor).cmp(&(b.major, b.minor))
            } else {
                v.key().cmp(&b.key())
            };
            match op {
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Eq => ord == Ordering::Equal,
            }
        })
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for VersionRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        VersionRange::parse(&s).map_err(|e| serde::de::Error::custom(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn parses_toolchain_texts() {
        assert_eq!(
            GoVersion::parse_go_text("go1.26.8 X:foo").unwrap(),
            v("1.26.8")
        );
        assert_eq!(
            GoVersion::parse_go_text("devel go1.27-abc123 Tue").unwrap(),
            v("1.27")
        );
        assert_eq!(
            v("go1.22rc1"),
            GoVersion {
                major: 1,
                minor: 22,
                patch: None
            }
        );
        assert!(GoVersion::parse("1").is_err());
        assert!(GoVersion::parse("1.x").is_err());
        assert!(GoVersion::parse("1.2x").is_err());
        assert_eq!(
            v("1.21beta2"),
            GoVersion {
                major: 1,
                minor: 21,
                patch: None
            }
        );
        assert!(GoVersion::parse("1.2.3.4").is_err());
    }

    #[test]
    fn ranges_compare_minor_releases_when_no_patch_is_given() {
        let r = VersionRange::parse(">=1.21, <1.24").unwrap();
        assert!(!r.contains(&v("1.19.8")));
        assert!(r.contains(&v("1.21.0")));
        assert!(r.contains(&v("1.23.9")));
        assert!(!r.contains(&v("1.24.11")));
        assert!(VersionRange::parse("1.22").unwrap().contains(&v("1.22.10")));
        assert!(!VersionRange::parse("1.22").unwrap().contains(&v("1.23.0")));
        assert!(
            VersionRange::parse("<=1.22")
                .unwrap()
                .contains(&v("1.22.10"))
        );
        assert!(VersionRange::parse(">1.22").unwrap().contains(&v("1.23")));
        assert!(!VersionRange::parse(">1.22").unwrap().contains(&v("1.22.3")));
        let p = VersionRange::parse(">=1.24.5").unwrap();
        assert!(!p.contains(&v("1.24.4")));
        assert!(p.contains(&v("1.24.5")));
        assert!(VersionRange::parse(">=").is_err());
        assert!(VersionRange::parse("1.21,").is_err());
    }
}
