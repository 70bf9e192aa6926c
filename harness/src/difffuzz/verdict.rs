//! Judging one input: the host under test and the reference (native) against each other and
//! against the model's prediction, and saying which side is wrong.

use gojs_native::{Ending, NativeOutcome};

use crate::host::{Exit, RunOutcome};

/// What the contract fixes about a run: how it ended and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub exit: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Observed {
    pub fn of_host(o: &RunOutcome) -> Observed {
        Observed {
            exit: o.exit.to_string(),
            stdout: o.stdout.clone(),
            stderr: o.stderr.clone(),
        }
    }

    pub fn of_native(o: &NativeOutcome) -> Observed {
        let exit = match o.ending {
            Ending::Exit(c) => Exit::Code(c),
            Ending::Timeout => Exit::Timeout,
        };
        Observed {
            exit: exit.to_string(),
            stdout: o.stdout.clone(),
            stderr: o.stderr.clone(),
        }
    }

    /// The model's prediction: exit 0, its text on stdout, nothing on stderr.
    pub fn of_model(expected: &str) -> Observed {
        Observed {
            exit: Exit::Code(0).to_string(),
            stdout: expected.as_bytes().to_vec(),
            stderr: Vec::new(),
        }
    }

    /// As a text to diff: the exit line, then each stream.
    pub fn text(&self) -> String {
        format!(
            "{}\n--- stdout\n{}\n--- stderr\n{}\n",
            self.exit,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }
}

/// Which side a divergence puts in the wrong. Minimizing keeps the kind, so a shrunk input
/// shows the same fault, not another one found on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The reference gives the model's output and the host does not: the host diverges.
    Host,
    /// The host gives the model's output and the reference does not.
    Native,
    /// Both agree, the model predicted otherwise: a fault of the model (or of both).
    Model,
    /// Neither gives the model's output, nor do they agree.
    All,
}

impl Kind {
    pub fn describe(self, host: &str) -> String {
        match self {
            Kind::Host => format!("{host} diverges (native matches the model, {host} does not)"),
            Kind::Native => {
                format!("native diverges ({host} matches the model, native does not)")
            }
            Kind::Model => {
                format!("the model diverges ({host} and native agree on another output)")
            }
            Kind::All => format!("{host}, native and the model all differ"),
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::Native => "native",
            Kind::Model => "model",
            Kind::All => "all",
        }
    }
}

/// `None` when host, native and the model agree.
pub fn judge(host: &Observed, native: &Observed, model: &Observed) -> Option<Kind> {
    match (host == model, native == model) {
        (true, true) => None,
        (false, true) => Some(Kind::Host),
        (true, false) => Some(Kind::Native),
        (false, false) if host == native => Some(Kind::Model),
        (false, false) => Some(Kind::All),
    }
}

/// Unified diffs of each side that differs from the model.
pub fn diff(host_name: &str, host: &Observed, native: &Observed, model: &Observed) -> String {
    let mut out = String::new();
    for (name, side) in [(host_name, host), ("native", native)] {
        if side != model {
            out.push_str(
                &similar::TextDiff::from_lines(&model.text(), &side.text())
                    .unified_diff()
                    .header("model", name)
                    .to_string(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(exit: i32, out: &str) -> Observed {
        Observed {
            exit: Exit::Code(exit).to_string(),
            stdout: out.as_bytes().to_vec(),
            stderr: Vec::new(),
        }
    }

    #[test]
    fn the_side_that_leaves_the_model_is_the_wrong_one() {
        let m = Observed::of_model("a\n");
        assert_eq!(judge(&obs(0, "a\n"), &obs(0, "a\n"), &m), None);
        assert_eq!(judge(&obs(0, "b\n"), &obs(0, "a\n"), &m), Some(Kind::Host));
        assert_eq!(
            judge(&obs(0, "a\n"), &obs(1, "a\n"), &m),
            Some(Kind::Native)
        );
        assert_eq!(judge(&obs(1, ""), &obs(1, ""), &m), Some(Kind::Model));
        assert_eq!(judge(&obs(1, ""), &obs(2, ""), &m), Some(Kind::All));
    }
}
