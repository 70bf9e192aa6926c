//! Running a host as a child process: a time limit that kills the whole process group,
//! and stdout/stderr captured up to a cap so a runaway program cannot exhaust memory.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::{Exit, RunOutcome};

/// At most this much of each stream is kept; the rest is read and dropped.
pub const OUTPUT_CAP: usize = 16 << 20;

/// Spawn `cmd` in a process group of its own, wait at most `timeout`, and collect its output.
/// On timeout the whole group is killed, so a host's children (a shell script's node) go too.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> anyhow::Result<RunOutcome> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start `{program}`"))?;
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let exit = wait(&mut child, timeout)?;
    let wall = start.elapsed();
    // A timed-out group was killed whole, so the pipes close and these joins return.
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(RunOutcome {
        exit,
        stdout,
        stderr,
        wall,
    })
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        kept
    })
}

fn wait(child: &mut Child, timeout: Duration) -> anyhow::Result<Exit> {
    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait().context("waiting for the host process")? {
            // Children the host left behind must not outlive the trial.
            kill_group(child.id());
            return Ok(match (status.code(), status.signal()) {
                (Some(c), _) => Exit::Code(c),
                (None, Some(s)) => Exit::Signal(s),
                (None, None) => Exit::Signal(0),
            });
        }
        if Instant::now() >= deadline {
            kill_group(child.id());
            let _ = child.wait();
            return Ok(Exit::Timeout);
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

fn kill_group(pid: u32) {
    // SAFETY: killpg only sends a signal; a stale group id yields ESRCH, which we ignore.
    unsafe {
        libc::killpg(pid as libc::pid_t, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_output_and_exit_code() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo out; echo err >&2; exit 7"]);
        let o = run_with_timeout(c, Duration::from_secs(10)).unwrap();
        assert_eq!(o.exit, Exit::Code(7));
        assert_eq!(o.stdout, b"out\n");
        assert_eq!(o.stderr, b"err\n");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let mut c = Command::new("sh");
        // The grandchild holds stdout open; only a group kill lets the run end.
        c.args(["-c", "sleep 30 & sleep 30; echo never"]);
        let o = run_with_timeout(c, Duration::from_millis(200)).unwrap();
        assert_eq!(o.exit, Exit::Timeout);
        assert!(o.stdout.is_empty());
    }

    #[test]
    fn missing_program_is_an_error_not_an_outcome() {
        let c = Command::new("/nonexistent/host");
        let e = run_with_timeout(c, Duration::from_secs(1)).unwrap_err();
        assert!(format!("{e:#}").contains("cannot start `/nonexistent/host`"));
    }
}
