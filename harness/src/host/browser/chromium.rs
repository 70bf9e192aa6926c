//! The one headless Chromium a harness process shares across its browser runs: started on
//! first use, restarted if it died, killed (with its profile removed) when the process exits.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How long Chromium may take to print its DevTools address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running browser.
pub struct Chromium {
    /// `ws://127.0.0.1:PORT/devtools/browser/ID`.
    pub ws_url: String,
    child: Mutex<Child>,
}

impl Chromium {
    fn alive(&self) -> bool {
        let mut c = self.child.lock().unwrap_or_else(|e| e.into_inner());
        matches!(c.try_wait(), Ok(None))
    }
}

/// `Some(Err)` remembers a failed start so every later run reports the same reason at once.
static BROWSER: Mutex<Option<Result<Arc<Chromium>, String>>> = Mutex::new(None);

/// What the exit hook must clean up: the browser's process group and its profile.
static CLEANUP: Mutex<Vec<(i32, PathBuf)>> = Mutex::new(Vec::new());

/// The shared browser, started if needed. `Err` says why there is none (not installed,
/// would not start); that reason is what browser trials are skipped with.
pub fn shared() -> Result<Arc<Chromium>, String> {
    let mut slot = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    match &*slot {
        Some(Ok(b)) if b.alive() => return Ok(b.clone()),
        Some(Err(e)) => return Err(e.clone()),
        _ => {}
    }
    let started = start().map(Arc::new);
    *slot = Some(started.clone());
    started
}

/// The browser binary: `GOJS_CHROMIUM`, else the first of the usual names on PATH.
pub fn find_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("GOJS_CHROMIUM") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "GOJS_CHROMIUM names {}, which does not exist",
                p.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(
        "Chromium is not installed (no chromium, chromium-browser or google-chrome on PATH): \
         `apt-get install chromium`, or set GOJS_CHROMIUM to the browser binary"
            .to_string(),
    )
}

fn start() -> Result<Chromium, String> {
    let binary = find_binary()?;
    let profile = tempfile::Builder::new()
        .prefix("gojs-chromium-")
        .tempdir()
        .map_err(|e| format!("cannot make a Chromium profile directory: {e}"))?
        .keep();
    match launch(&binary, &profile) {
        Ok(c) => Ok(c),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&profile);
            Err(e)
        }
    }
}

fn launch(binary: &Path, profile: &Path) -> Result<Chromium, String> {
    let mut cmd = Command::new(binary);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        // Pages must not be slowed down for being in the background: Go's timers are
        // setTimeout calls and several trials run at once.
        "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding",
        // The JS stack limit Node's runner gets too (`node --stack-size=8192` there): deep
        // Go -> JS -> Go re-entry needs more than V8's default of about 1 MB.
        "--js-flags=--stack-size=4096",
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg("about:blank")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .process_group(0);
    // SAFETY: prctl is async-signal-safe; the child dies with the thread that spawned it,
    // which is a thread that never ends (below), so in effect with this process.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let child =
        spawn_from_keeper(cmd).map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id() as i32;
    register_cleanup(pid, profile.to_path_buf());
    let mut child = child;
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    // Chromium's stderr is read to its end, or the browser would block on a full pipe.
    thread::Builder::new()
        .name("chromium-stderr".into())
        .spawn(move || {
            let mut tx = Some(tx);
            let mut tail: Vec<String> = Vec::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(Ok(url.trim().to_string()));
                    }
                } else if tx.is_some() {
                    tail.push(line);
                    if tail.len() > 20 {
                        tail.remove(0);
                    }
                }
            }
            if let Some(tx) = tx {
                let _ = tx.send(Err(tail.join("\n")));
            }
        })
        .map_err(|e| format!("cannot read Chromium's output: {e}"))?;
    let fail = |child: &mut Child, why: String| {
        kill_group(pid);
        let _ = child.wait();
        Err(why)
    };
    match rx.recv_timeout(START_TIMEOUT) {
        Ok(Ok(ws_url)) => Ok(Chromium {
            ws_url,
            child: Mutex::new(child),
        }),
        Ok(Err(tail)) => {
            let status = child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_else(|e| e.to_string());
            fail(
                &mut child,
                format!(
                    "{} exited ({status}) before opening DevTools: {}",
                    binary.display(),
                    tail.trim()
                ),
            )
        }
        Err(_) => fail(
            &mut child,
            format!(
                "{} did not open DevTools within {}s",
                binary.display(),
                START_TIMEOUT.as_secs()
            ),
        ),
    }
}

/// Spawn on a thread that lives as long as the process: `PR_SET_PDEATHSIG` fires when the
/// spawning *thread* ends, and runner threads come and go.
fn spawn_from_keeper(cmd: Command) -> std::io::Result<Child> {
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static KEEPER: Mutex<Option<mpsc::Sender<Job>>> = Mutex::new(None);
    let mut keeper = KEEPER.lock().unwrap_or_else(|e| e.into_inner());
    if keeper.is_none() {
        let (tx, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("chromium-keeper".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
                // The sender lives in a static: this is never reached while the process runs.
                loop {
                    thread::park();
                }
            })?;
        *keeper = Some(tx);
    }
    let (reply_tx, reply_rx) = mpsc::channel();
    keeper
        .as_ref()
        .expect("the keeper was just started")
        .send((cmd, reply_tx))
        .map_err(|_| std::io::Error::other("the Chromium keeper thread is gone"))?;
    drop(keeper);
    reply_rx
        .recv()
        .map_err(|_| std::io::Error::other("the Chromium keeper thread is gone"))?
}

fn kill_group(pid: i32) {
    // SAFETY: plain syscall; the group is the browser's own (process_group(0)).
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

fn register_cleanup(pid: i32, profile: PathBuf) {
    static HOOKED: std::sync::Once = std::sync::Once::new();
    CLEANUP
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((pid, profile));
    HOOKED.call_once(|| {
        // SAFETY: registering a plain extern "C" function.
        unsafe {
            libc::atexit(cleanup_at_exit);
        }
    });
}

/// Runs when the process exits normally (a test binary returning from main, `exit`).
extern "C" fn cleanup_at_exit() {
    let Ok(list) = CLEANUP.try_lock() else { return };
    for (pid, profile) in list.iter() {
        kill_group(*pid);
        let mut status = 0;
        // SAFETY: reaping our own child; WNOHANG-free wait is fine after SIGKILL.
        unsafe {
            libc::waitpid(*pid, &mut status, 0);
        }
        let _ = std::fs::remove_dir_all(profile);
    }
}
