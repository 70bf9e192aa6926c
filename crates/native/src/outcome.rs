//! What a run gives back: how it ended, its output, where its start-up time went.

use std::time::Duration;

use crate::engine::Compiler;

/// How a native run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exit(i32),
    Timeout,
}

/// Result of a native run (stdout/stderr empty when not captured).
#[derive(Debug, Clone)]
pub struct NativeOutcome {
    pub ending: Ending,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub wall: Duration,
    /// Where the time before the program's first instruction went.
    pub phases: Phases,
}

/// Start-up phases of a run (zero when the run did not get that far).
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// Reading the module and compiling it (or loading it from the cache).
    pub load: Duration,
    /// Building the JS realm (boa and the prelude).
    pub realm: Duration,
    /// Linking and instantiating the module.
    pub instantiate: Duration,
    /// The compiler whose build ran, and whether it came from the cache (`None` on the
    /// interpreter).
    pub build: Option<(Compiler, bool)>,
    /// The run started on the interpreter (see `interpreted` in the crate's docs).
    pub interpreted: bool,
    /// When a run that started on the interpreter moved to Winch code, counted from its start,
    /// and where: `"at a pause"`, `"mid-run"` (at a clock read) or `"at a safe point"` (a Go
    /// function's entry, see `interpreted` in the crate's docs).
    pub left_interpreter: Option<(Duration, &'static str)>,
    /// When the run moved to Cranelift code (see [`crate::tierup`]), counted from its start.
    pub tiered_up: Option<Duration>,
    /// Whether that move was made in the middle of a computation, not at a pause.
    pub tiered_mid_run: bool,
}

impl Phases {
    /// `build winch (compiled) 431.2ms, realm 7.9ms, instantiate 0.9ms, tier-up to
    /// cranelift at 1.52s, total 3.20s`, for a run that took `total`.
    pub fn describe(&self, total: Duration) -> String {
        let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1e3);
        let build = match self.build {
            Some((c, true)) => format!("{} (cached)", c.name()),
            Some((c, false)) => format!("{} (compiled)", c.name()),
            None if self.interpreted => "wasmi (interpreted)".into(),
            None => "none".into(),
        };
        let tier = match self.tiered_up {
            Some(at) => format!(
                ", tier-up to cranelift at {:.2}s ({})",
                at.as_secs_f64(),
                if self.tiered_mid_run {
                    "mid-run"
                } else {
                    "at a pause"
                }
            ),
            None => String::new(),
        };
        let winch = match self.left_interpreter {
            Some((at, how)) => format!(", to winch at {:.2}s ({how})", at.as_secs_f64()),
            None => String::new(),
        };
        format!(
            "build {build} {}, realm {}, instantiate {}{winch}{tier}, total {:.2}s",
            ms(self.load),
            ms(self.realm),
            ms(self.instantiate),
            total.as_secs_f64()
        )
    }
}
