//! A Node process kept alive between modules (`node_worker.js`): one glue loaded once, then
//! module after module, each with a fresh `new Go()`. Starting Node costs more than running a
//! small synthesized module, so `fuzz` runs its inputs here rather than through
//! [`super::node::NodeHost`].

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::process::OUTPUT_CAP;
use super::{Exit, RunOutcome};

const SCRIPT: &str = include_str!("node_worker.js");
const MAGIC: u32 = 0x6a73676f;
/// How long Node may take to load the glue and say it is ready.
const START_LIMIT: Duration = Duration::from_secs(20);

/// What the reader thread got from the worker.
enum Frame {
    Done {
        code: i32,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// The worker's stdout closed: it died (its stderr says why).
    Gone,
}

/// A live worker process.
struct Live {
    child: Child,
    stdin: ChildStdin,
    frames: Receiver<Frame>,
    stderr: thread::JoinHandle<Vec<u8>>,
}

/// Node (or a host with Node's API: a profile's Deno or Bun) running `node_worker.js` with
/// one glue, restarted when a run times out or kills it.
pub struct NodeWorker {
    /// The whole command line: the program, its options, the worker script and the glue.
    line: Vec<OsString>,
    glue: PathBuf,
    live: Option<Live>,
    /// The glue's import modules, as the worker reported them at start.
    pub modules: Vec<String>,
    /// Processes started (1 + restarts).
    pub starts: u64,
    sent_at: Option<Instant>,
}

impl NodeWorker {
    /// `node` from PATH (or `GOJS_NODE`) with `glue`; the worker script goes to `cache_dir`.
    pub fn new(glue: &Path, cache_dir: &Path) -> anyhow::Result<NodeWorker> {
        let node = std::env::var_os("GOJS_NODE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("node"));
        let script = install_script(cache_dir, "js")?;
        let glue = glue
            .canonicalize()
            .with_context(|| format!("the glue {} cannot be read", glue.display()))?;
        let line = vec![
            node.into_os_string(),
            "--stack-size=8192".into(),
            script.into_os_string(),
            glue.clone().into_os_string(),
        ];
        NodeWorker::with_command(line, glue)
    }

    /// A worker started by `line` (see [`super::Host::worker_command`]); `glue` is for
    /// messages.
    pub fn with_command(line: Vec<OsString>, glue: PathBuf) -> anyhow::Result<NodeWorker> {
        if line.is_empty() {
            bail!("the worker's command line is empty");
        }
        let mut w = NodeWorker {
            line,
            glue,
            live: None,
            modules: Vec::new(),
            starts: 0,
            sent_at: None,
        };
        w.start()?;
        Ok(w)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let mut cmd = Command::new(&self.line[0]);
        cmd.args(&self.line[1..]).env_clear();
        // Deno and Bun keep caches under HOME.
        for var in ["PATH", "HOME"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start `{}`: install Node.js 18 or newer, or set GOJS_NODE",
                    self.line[0].to_string_lossy()
                )
            })?;
        self.starts += 1;
        let stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut err = child.stderr.take().expect("stderr is piped");
        let stderr = thread::spawn(move || {
            let mut kept = Vec::new();
            let _ = (&mut err).take(OUTPUT_CAP as u64).read_to_end(&mut kept);
            let _ = std::io::copy(&mut err, &mut std::io::sink());
            kept
        });
        let (ready_tx, ready_rx) = channel();
        let (tx, frames) = channel();
        thread::spawn(move || {
            let mut line = String::new();
            let ready = stdout.read_line(&mut line).ok().filter(|&n| n > 0);
            let _ = ready_tx.send(ready.map(|_| line));
            loop {
                let frame = read_frame(&mut stdout).unwrap_or(Frame::Gone);
                let gone = matches!(frame, Frame::Gone);
                if tx.send(frame).is_err() || gone {
                    break;
                }
            }
        });
        let mut live = Live {
            child,
            stdin,
            frames,
            stderr,
        };
        let line = ready_rx.recv_timeout(START_LIMIT).ok().flatten();
        let Some(json) = line.as_deref().and_then(|l| l.strip_prefix("GOJSWORKER ")) else {
            kill(&mut live);
            let why = String::from_utf8_lossy(&live.stderr.join().unwrap_or_default()).into_owned();
            bail!(
                "the Node worker did not start with the glue {}: {}",
                self.glue.display(),
                if why.trim().is_empty() {
                    "no message (is it a wasm_exec.js?)"
                } else {
                    why.trim()
                }
            );
        };
        #[derive(serde::Deserialize)]
        struct Ready {
            modules: Vec<String>,
        }
        let ready: Ready = serde_json::from_str(json.trim())
            .with_context(|| format!("the Node worker's first line is not its greeting: {json}"))?;
        self.modules = ready.modules;
        self.live = Some(live);
        Ok(())
    }

    /// Hand the worker a module; [`Self::receive`] collects its outcome. Split so that the
    /// caller can do something else (run the reference) while Node works.
    pub fn send(&mut self, wasm: &[u8]) -> anyhow::Result<()> {
        if self.live.is_none() {
            self.start()?;
        }
        let live = self.live.as_mut().expect("started above");
        let len = u32::try_from(wasm.len()).context("a module of 4 GiB or more")?;
        let sent = live
            .stdin
            .write_all(&len.to_le_bytes())
            .and_then(|()| live.stdin.write_all(wasm))
            .and_then(|()| live.stdin.flush());
        self.sent_at = Some(Instant::now());
        if sent.is_err() {
            // Died between runs; receive() reports how.
            let _ = live.stdin.flush();
        }
        Ok(())
    }

    /// The outcome of the module last sent, waiting at most `timeout` from when it was sent;
    /// a worker that times out or dies is killed and started afresh for the next module.
    pub fn receive(&mut self, timeout: Duration) -> anyhow::Result<RunOutcome> {
        let start = self.sent_at.take().context("receive without send")?;
        let live = self.live.as_mut().context("no live worker")?;
        let left = timeout.saturating_sub(start.elapsed());
        let frame = live.frames.recv_timeout(left);
        let wall = start.elapsed();
        match frame {
            Ok(Frame::Done {
                code,
                stdout,
                stderr,
            }) => Ok(RunOutcome {
                exit: Exit::Code(code),
                stdout,
                stderr,
                wall,
            }),
            Ok(Frame::Gone) | Err(RecvTimeoutError::Disconnected) => {
                let mut live = self.live.take().expect("checked above");
                let status = live.child.wait().ok();
                kill(&mut live);
                let stderr = live.stderr.join().unwrap_or_default();
                use std::os::unix::process::ExitStatusExt;
                let exit = match status.map(|s| (s.code(), s.signal())) {
                    Some((Some(c), _)) => Exit::Code(c),
                    Some((None, Some(s))) => Exit::Signal(s),
                    _ => Exit::Signal(0),
                };
                Ok(RunOutcome {
                    exit,
                    stdout: Vec::new(),
                    stderr,
                    wall,
                })
            }
            Err(RecvTimeoutError::Timeout) => {
                let mut live = self.live.take().expect("checked above");
                kill(&mut live);
                Ok(RunOutcome {
                    exit: Exit::Timeout,
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    wall,
                })
            }
        }
    }

    /// [`Self::send`] then [`Self::receive`].
    pub fn run(&mut self, wasm: &[u8], timeout: Duration) -> anyhow::Result<RunOutcome> {
        self.send(wasm)?;
        self.receive(timeout)
    }
}

impl Drop for NodeWorker {
    fn drop(&mut self) {
        if let Some(mut live) = self.live.take() {
            kill(&mut live);
        }
    }
}

fn kill(live: &mut Live) {
    // SAFETY: killpg only sends a signal; a group already gone yields ESRCH, ignored.
    unsafe {
        libc::killpg(live.child.id() as libc::pid_t, libc::SIGKILL);
    }
    let _ = live.child.wait();
}

fn read_frame(r: &mut impl Read) -> std::io::Result<Frame> {
    let mut head = [0u8; 12];
    r.read_exact(&mut head)?;
    let word = |i: usize| u32::from_le_bytes(head[i..i + 4].try_into().expect("4 bytes"));
    if word(0) != MAGIC {
        return Err(std::io::Error::other(
            "the Node worker's answer lost its framing",
        ));
    }
    let code = word(4) as i32;
    let stdout = read_blob(r, word(8))?;
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let stderr = read_blob(r, u32::from_le_bytes(len))?;
    Ok(Frame::Done {
        code,
        stdout,
        stderr,
    })
}

fn read_blob(r: &mut impl Read, len: u32) -> std::io::Result<Vec<u8>> {
    let mut v = vec![0u8; len as usize];
    r.read_exact(&mut v)?;
    v.truncate(OUTPUT_CAP);
    Ok(v)
}

/// Named by its contents, as the runner is, so concurrent harnesses never see it half-written;
/// `ext` as for the runner (`cjs` for Deno).
pub(crate) fn install_script(cache_dir: &Path, ext: &str) -> anyhow::Result<PathBuf> {
    super::node::install_script(cache_dir, "node_worker", SCRIPT, ext, "the Node worker")
}
