//! The browser host: headless Chromium loading a page of the harness's own that embeds the
//! module the way a web page does (`wasm_exec.js` in a `<script>` tag, `new Go()`,
//! `WebAssembly.instantiateStreaming(fetch(...))`, `go.run`).
//!
//! Every run serves its page, the glue and the module from a fresh HTTP server on
//! 127.0.0.1 and opens a fresh page (DevTools target) in the one browser the process shares
//! ([`chromium::shared`]). What the run observed, and how it maps onto [`RunOutcome`]:
//! - stdout: every console message of the page, one line each. The glue's `fs.writeSync`
//!   polyfill sends stdout and stderr alike to `console.log`, a complete line at a time, so
//!   the browser cannot keep the streams apart (no `stderr` capability) and a last line
//!   without `\n` is never printed.
//! - exit status: the code of the first `go.exit` call, which the page records (go.exit
//!   ends nothing in a browser); the run ends when `go.run`'s promise settles.
//! - stderr: the host's own account of what went wrong, never program output: uncaught
//!   exceptions, a rejected `go.run`, a crashed page, `go.run` settling without `go.exit`.
//!   A run with an uncaught exception and no settled `go.run` ends with status 1 (as Node
//!   does) after [`EXCEPTION_GRACE`].
//! - the time limit covers opening the page, loading and running; a program that blocks
//!   forever (a deadlock: the page has no "event loop drained" moment at which to send
//!   the id-0 event) times out.

pub mod cdp;
pub mod chromium;
pub mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

use super::process::OUTPUT_CAP;
use super::{Capability, Exit, Host, RunOutcome, RunRequest};
pub use server::Served;

/// The harness's page script; tests may serve their own instead at [`RUNNER_PATH`].
pub const PAGE_RUNNER: &str = include_str!("browser/page_runner.js");
pub const PAGE_PATH: &str = "/index.html";
pub const GLUE_PATH: &str = "/wasm_exec.js";
pub const RUNNER_PATH: &str = "/gojs-runner.js";
pub const WASM_PATH: &str = "/main.wasm";
/// The binding the page reports through: `__gojsReport(JSON string)`.
pub const REPORT_BINDING: &str = "__gojsReport";

/// After an uncaught exception, how long `go.run` has to settle before the run ends.
pub const EXCEPTION_GRACE: Duration = Duration::from_secs(1);
/// After `go.exit`, how long the page waits for `go.run` to settle before reporting it.
pub const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Headless Chromium with a chosen glue.
pub struct BrowserHost {
    name: String,
    glue: Option<PathBuf>,
    caps: BTreeSet<Capability>,
}

impl BrowserHost {
    /// `glue` replaces every toolchain's own `wasm_exec.js` (`--glue FILE`). The browser
    /// itself is started on first use; see [`Host::unavailable`].
    pub fn new(glue: Option<&Path>) -> anyhow::Result<BrowserHost> {
        let glue = match glue {
            Some(g) => Some(
                g.canonicalize()
                    .with_context(|| format!("the glue {} cannot be read", g.display()))?,
            ),
            None => None,
        };
        // No fs, no process (the glue's polyfills answer ENOSYS), no separate stderr.
        let caps = ["eval", "exit-code", "timers"].into_iter().collect();
        Ok(BrowserHost {
            name: "browser".to_string(),
            glue,
            caps,
        })
    }
}

impl Host for BrowserHost {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &BTreeSet<Capability> {
        &self.caps
    }

    fn unavailable(&self) -> Option<String> {
        chromium::shared().err()
    }

    fn needs_toolchain_glue(&self) -> bool {
        self.glue.is_none()
    }

    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome> {
        let glue = match &self.glue {
            Some(g) => g.clone(),
            None => req.toolchain.glue()?,
        };
        let glue =
            std::fs::read(&glue).with_context(|| format!("reading the glue {}", glue.display()))?;
        let wasm = std::fs::read(&req.wasm)
            .with_context(|| format!("reading the module {}", req.wasm.display()))?;
        let mut argv = vec![req.wasm.to_string_lossy().into_owned()];
        argv.extend(req.args.iter().cloned());
        let mut env = req.env.clone();
        env.entry("TMPDIR".to_string())
            .or_insert_with(|| "/tmp".to_string());
        let page = Page::standard(glue, wasm, &argv, &env);
        Ok(run_page(&page, req.timeout)?.outcome())
    }
}

/// What a run serves, and the path the browser opens.
#[derive(Debug, Clone)]
pub struct Page {
    pub files: BTreeMap<String, Served>,
    pub entry: String,
    /// An IANA time zone for the page's `Date` (`Emulation.setTimezoneOverride`): the
    /// browser's stand-in for the `TZ` a Node process takes from its environment.
    pub timezone: Option<String>,
}

impl Page {
    /// The harness's page: [`PAGE_PATH`] loads the glue from [`GLUE_PATH`], then
    /// [`PAGE_RUNNER`] from [`RUNNER_PATH`], which runs [`WASM_PATH`] with `argv` and `env`.
    pub fn standard(
        glue: Vec<u8>,
        wasm: Vec<u8>,
        argv: &[String],
        env: &BTreeMap<String, String>,
    ) -> Page {
        let config = json!({
            "wasm": WASM_PATH,
            "argv": argv,
            "env": env,
            "exitGraceMs": EXIT_GRACE.as_millis() as u64,
        });
        let mut files = BTreeMap::new();
        files.insert(
            PAGE_PATH.to_string(),
            Served::new("text/html; charset=utf-8", page_html(&config)),
        );
        files.insert(
            GLUE_PATH.to_string(),
            Served::new("text/javascript; charset=utf-8", glue),
        );
        files.insert(
            RUNNER_PATH.to_string(),
            Served::new("text/javascript; charset=utf-8", PAGE_RUNNER),
        );
        files.insert(WASM_PATH.to_string(), Served::new("application/wasm", wasm));
        Page {
            files,
            entry: PAGE_PATH.to_string(),
            // Node's Date follows the TZ of its environment; the page's follows this.
            timezone: env.get("TZ").filter(|tz| !tz.is_empty()).cloned(),
        }
    }
}

/// The page: the configuration, then the glue and the runner as separate scripts.
pub fn page_html(config: &Value) -> String {
    // `</script>` inside a string would end the script element early.
    let config = config.to_string().replace("</", "<\\/");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>gojs</title></head><body>\n\
         <script>globalThis.__gojsConfig = {config};</script>\n\
         <script src=\"{GLUE_PATH}\"></script>\n\
         <script src=\"{RUNNER_PATH}\"></script>\n\
         </body></html>\n"
    )
}

/// How a page run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageEnd {
    /// The page reported `{kind: "done", ...}`.
    Done,
    /// An uncaught exception, and nothing reported done within [`EXCEPTION_GRACE`].
    Exception,
    /// The renderer crashed or the page went away.
    Crashed(String),
    TimedOut,
}

/// One console message of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleMessage {
    /// `log`, `warning`, `error`, … as DevTools names them.
    pub kind: String,
    pub text: String,
}

/// Everything one page run observed.
#[derive(Debug, Clone)]
pub struct PageRun {
    pub console: Vec<ConsoleMessage>,
    /// The page's reports through [`REPORT_BINDING`], parsed, in order.
    pub reports: Vec<Value>,
    /// Uncaught exceptions, as DevTools describes them.
    pub exceptions: Vec<String>,
    pub end: PageEnd,
    /// For a page that timed out: what it was doing then ([`diagnose_timeout`]).
    pub diagnosis: Option<String>,
    pub wall: Duration,
}

impl PageRun {
    /// The console as the program's stdout: each message a line.
    pub fn console_text(&self) -> String {
        self.console
            .iter()
            .map(|m| format!("{}\n", m.text))
            .collect()
    }

    /// The code of the first `go.exit` call, if any.
    pub fn exit_code(&self) -> Option<i32> {
        self.reports
            .iter()
            .find(|r| r["kind"] == "exit")
            .and_then(|r| r["code"].as_i64())
            .map(|c| c as i32)
    }

    /// The `done` report, if the page made one.
    pub fn done(&self) -> Option<&Value> {
        self.reports.iter().find(|r| r["kind"] == "done")
    }

    /// The run as a host outcome (see the module documentation for the mapping).
    pub fn outcome(&self) -> RunOutcome {
        let mut stdout = self.console_text().into_bytes();
        stdout.truncate(OUTPUT_CAP);
        let mut notes: Vec<String> = self
            .exceptions
            .iter()
            .map(|e| format!("browser: uncaught exception: {}", one_line(e)))
            .collect();
        let code = self.exit_code();
        if let Some(d) = &self.diagnosis {
            notes.push(format!("browser: timed out: {d}"));
        }
        let exit = match &self.end {
            PageEnd::TimedOut => Exit::Timeout,
            PageEnd::Crashed(why) => {
                notes.push(format!("browser: the page crashed: {why}"));
                Exit::Signal(libc::SIGKILL)
            }
            PageEnd::Exception => code.map(Exit::Code).unwrap_or(Exit::Code(1)),
            PageEnd::Done => {
                let done = self.done().cloned().unwrap_or(Value::Null);
                let error = done["error"].as_str().unwrap_or("");
                match done["status"].as_str() {
                    Some("resolved") if code.is_none() => {
                        notes.push(
                            "browser: go.run's promise resolved but go.exit was never called"
                                .to_string(),
                        );
                        Exit::Code(0)
                    }
                    Some("resolved") => Exit::Code(code.unwrap_or(0)),
                    Some("rejected") => {
                        notes.push(format!("browser: go.run failed: {}", one_line(error)));
                        Exit::Code(code.unwrap_or(1))
                    }
                    _ => {
                        notes.push(format!("browser: {error}"));
                        Exit::Code(code.unwrap_or(1))
                    }
                }
            }
        };
        let stderr: String = notes.iter().map(|n| format!("{n}\n")).collect();
        RunOutcome {
            exit,
            stdout,
            stderr: stderr.into_bytes(),
            wall: self.wall,
        }
    }
}

/// A JS error with its V8 stack as one line: the message, then the functions the stack
/// passes through, innermost first (`TypeError: x (at Reflect.get < syscall/js.valueGet <
/// wasm-function[5] < Go.run)`), repeats folded. Host notes stay one line each.
pub fn one_line(error: &str) -> String {
    let mut lines = error.lines();
    let mut message = lines.next().unwrap_or("").trim().to_string();
    let mut frames: Vec<(String, usize)> = Vec::new();
    for line in lines {
        let Some(frame) = line.trim().strip_prefix("at ") else {
            // A message of several lines: keep it, joined.
            if frames.is_empty() && !line.trim().is_empty() {
                message.push_str(" / ");
                message.push_str(line.trim());
            }
            continue;
        };
        let name = match frame.split_once(" (") {
            Some((name, _)) => name.trim_start_matches("globalThis.").to_string(),
            // An anonymous frame is its location; of a wasm one keep the function index.
            None => frame
                .rsplit('/')
                .next()
                .and_then(|f| f.split(':').find(|p| p.starts_with("wasm-function")))
                .map(str::to_string)
                .unwrap_or_else(|| "<anonymous>".to_string()),
        };
        match frames.last_mut() {
            Some((last, n)) if *last == name => *n += 1,
            _ => frames.push((name, 1)),
        }
    }
    if frames.is_empty() {
        return message;
    }
    let shown: Vec<String> = frames
        .iter()
        .take(8)
        .map(|(name, n)| match n {
            1 => name.clone(),
            n => format!("{name} x{n}"),
        })
        .collect();
    let more = if frames.len() > 8 { " < ..." } else { "" };
    format!("{message} (at {}{more})", shown.join(" < "))
}

/// Serve `page`, open it in a fresh target of the shared browser and collect what happens
/// until the page reports `done`, an uncaught exception goes unanswered, the page crashes,
/// or `timeout` passes. `Err` only when the browser could not be driven at all.
pub fn run_page(page: &Page, timeout: Duration) -> anyhow::Result<PageRun> {
    let browser = chromium::shared().map_err(|e| anyhow!("no browser: {e}"))?;
    let server = server::Server::start(page.files.clone())?;
    let start = Instant::now();
    let deadline = start + timeout;
    // Setting up may take a moment on a loaded machine even when the run's limit is short.
    let setup_deadline = deadline.max(start + Duration::from_secs(10));
    let mut cdp = cdp::Cdp::connect(&browser.ws_url, Duration::from_secs(10))?;
    let target = cdp.call(
        None,
        "Target.createTarget",
        json!({ "url": "about:blank" }),
        setup_deadline,
    )?;
    let target_id = target["targetId"]
        .as_str()
        .ok_or_else(|| anyhow!("Target.createTarget gave no targetId: {target}"))?
        .to_string();
    let result = drive(
        &mut cdp,
        &target_id,
        page,
        &server.url(&page.entry),
        start,
        deadline,
    );
    let _ = cdp.call(
        None,
        "Target.closeTarget",
        json!({ "targetId": target_id }),
        Instant::now() + Duration::from_secs(5),
    );
    cdp.close();
    drop(server);
    result
}

fn drive(
    cdp: &mut cdp::Cdp,
    target_id: &str,
    page: &Page,
    url: &str,
    start: Instant,
    deadline: Instant,
) -> anyhow::Result<PageRun> {
    let setup_deadline = deadline.max(start + Duration::from_secs(10));
    let attached = cdp.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
        setup_deadline,
    )?;
    let session = attached["sessionId"]
        .as_str()
        .ok_or_else(|| anyhow!("Target.attachToTarget gave no sessionId: {attached}"))?
        .to_string();
    let s = Some(session.as_str());
    cdp.call(s, "Inspector.enable", json!({}), setup_deadline)?;
    cdp.call(s, "Runtime.enable", json!({}), setup_deadline)?;
    cdp.call(
        s,
        "Runtime.addBinding",
        json!({ "name": REPORT_BINDING }),
        setup_deadline,
    )?;
    cdp.call(s, "Page.enable", json!({}), setup_deadline)?;
    // Only an enabled debugger can pause a page that is busy in JavaScript
    // ([`diagnose_timeout`]); enabling it costs no measurable time.
    cdp.call(s, "Debugger.enable", json!({}), setup_deadline)?;
    if let Some(tz) = &page.timezone {
        // An unknown zone is refused; the page then keeps the browser's, as Node falls
        // back to UTC for a TZ it does not know.
        let _ = cdp.call(
            s,
            "Emulation.setTimezoneOverride",
            json!({ "timezoneId": tz }),
            setup_deadline,
        );
    }
    let nav = cdp.call(s, "Page.navigate", json!({ "url": url }), setup_deadline)?;
    if let Some(err) = nav.get("errorText").and_then(Value::as_str) {
        bail!("the browser could not open {url}: {err}");
    }
    let mut run = PageRun {
        console: Vec::new(),
        reports: Vec::new(),
        exceptions: Vec::new(),
        end: PageEnd::TimedOut,
        diagnosis: None,
        wall: Duration::ZERO,
    };
    // scriptId -> URL, to name the files of a paused stack.
    let mut scripts: BTreeMap<String, String> = BTreeMap::new();
    let mut console_bytes = 0usize;
    let mut exception_deadline: Option<Instant> = None;
    loop {
        let wait_until = exception_deadline.map_or(deadline, |d| d.min(deadline));
        let Some(ev) = cdp.next_event(wait_until)? else {
            run.end = if exception_deadline.is_some_and(|d| Instant::now() >= d) {
                PageEnd::Exception
            } else {
                PageEnd::TimedOut
            };
            break;
        };
        let method = ev["method"].as_str().unwrap_or("");
        let for_us = ev["sessionId"].as_str() == Some(session.as_str());
        let p = &ev["params"];
        match method {
            "Runtime.consoleAPICalled" if for_us => {
                let text = console_text(p);
                console_bytes += text.len() + 1;
                if console_bytes <= OUTPUT_CAP {
                    run.console.push(ConsoleMessage {
                        kind: p["type"].as_str().unwrap_or("log").to_string(),
                        text,
                    });
                }
            }
            "Runtime.bindingCalled" if for_us && p["name"] == REPORT_BINDING => {
                let payload = p["payload"].as_str().unwrap_or("");
                let report: Value = serde_json::from_str(payload)
                    .unwrap_or_else(|_| json!({ "kind": "unparsed", "payload": payload }));
                let done = report["kind"] == "done";
                run.reports.push(report);
                if done {
                    run.end = PageEnd::Done;
                    break;
                }
            }
            "Runtime.exceptionThrown" if for_us => {
                run.exceptions.push(exception_text(&p["exceptionDetails"]));
                exception_deadline.get_or_insert(Instant::now() + EXCEPTION_GRACE);
            }
            "Debugger.scriptParsed" if for_us => note_script(&mut scripts, p),
            "Inspector.targetCrashed" if for_us => {
                run.end = PageEnd::Crashed("the renderer crashed".to_string());
                break;
            }
            "Target.detachedFromTarget" if p["sessionId"] == session.as_str() => {
                run.end = PageEnd::Crashed("the page was closed".to_string());
                break;
            }
            _ => {}
        }
    }
    run.wall = start.elapsed();
    if run.end == PageEnd::TimedOut {
        run.diagnosis = Some(diagnose_timeout(cdp, s, scripts));
    }
    Ok(run)
}

/// What a page that timed out was doing: idle with the glue's state (a program waiting
/// for an event that never came), or busy in JavaScript, with the stack it was paused at
/// (a loop in the glue or the program). A run that ends this way is otherwise silent.
fn diagnose_timeout(
    cdp: &mut cdp::Cdp,
    s: Option<&str>,
    mut scripts: BTreeMap<String, String>,
) -> String {
    let soon = || Instant::now() + Duration::from_secs(3);
    let state = cdp.call(
        s,
        "Runtime.evaluate",
        json!({
            "expression": "JSON.stringify(globalThis.__gojsState ? globalThis.__gojsState() : null)",
            "returnByValue": true,
        }),
        soon(),
    );
    if let Ok(v) = state {
        let state = v["result"]["value"].as_str().unwrap_or("null");
        return format!("the page was idle (waiting for an event); the glue's state: {state}");
    }
    // No answer: the page's one thread is running JavaScript. Pause it where it is.
    let paused = cdp.call(s, "Debugger.pause", json!({}), soon());
    if let Err(e) = paused {
        return format!("the page did not answer and could not be paused: {e}");
    }
    let deadline = soon();
    while let Ok(Some(ev)) = cdp.next_event(deadline) {
        // A busy page sends its events only when it pauses: the script it is busy in may
        // be named only now.
        if ev["method"] == "Debugger.scriptParsed" && ev["sessionId"].as_str() == s {
            note_script(&mut scripts, &ev["params"]);
        }
        if ev["method"] == "Debugger.paused" && ev["sessionId"].as_str() == s {
            let frames: Vec<String> = ev["params"]["callFrames"]
                .as_array()
                .map(|fs| {
                    fs.iter()
                        .take(12)
                        .map(|f| {
                            let name = f["functionName"].as_str().unwrap_or("");
                            let line = f["location"]["lineNumber"].as_u64().unwrap_or(0) + 1;
                            let script = f["location"]["scriptId"].as_str().unwrap_or("");
                            let url = scripts.get(script).map_or("", String::as_str);
                            let file = url.rsplit('/').next().unwrap_or(url);
                            let name = if name.is_empty() { "<anonymous>" } else { name };
                            format!("{name} ({file}:{line})")
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = cdp.call(s, "Debugger.resume", json!({}), soon());
            return format!(
                "the page was busy running JavaScript, paused at: {}",
                frames.join(" < ")
            );
        }
    }
    "the page was busy running JavaScript and did not pause".to_string()
}

/// Remember a parsed script's URL by its id (a `Debugger.scriptParsed` event's params).
fn note_script(scripts: &mut BTreeMap<String, String>, params: &Value) {
    if let (Some(id), Some(url)) = (params["scriptId"].as_str(), params["url"].as_str()) {
        scripts.insert(id.to_string(), url.to_string());
    }
}

/// A console call's arguments as the console would print them, space-separated.
fn console_text(params: &Value) -> String {
    let args = params["args"].as_array().cloned().unwrap_or_default();
    args.iter()
        .map(remote_object_text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn remote_object_text(o: &Value) -> String {
    match &o["value"] {
        Value::String(s) => s.clone(),
        Value::Null if o.get("value").is_none() => o["unserializableValue"]
            .as_str()
            .or_else(|| o["description"].as_str())
            .unwrap_or(match o["type"].as_str() {
                Some("undefined") => "undefined",
                _ => "",
            })
            .to_string(),
        v => v.to_string(),
    }
}

fn exception_text(details: &Value) -> String {
    details["exception"]["description"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| details["text"].as_str().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(end: PageEnd, reports: Vec<Value>, console: &[&str]) -> PageRun {
        PageRun {
            console: console
                .iter()
                .map(|t| ConsoleMessage {
                    kind: "log".into(),
                    text: t.to_string(),
                })
                .collect(),
            reports,
            exceptions: Vec::new(),
            end,
            diagnosis: None,
            wall: Duration::ZERO,
        }
    }

    #[test]
    fn the_first_go_exit_code_is_the_exit_status_and_console_lines_are_stdout() {
        let r = run(
            PageEnd::Done,
            vec![
                json!({"kind": "exit", "code": 3}),
                json!({"kind": "exit", "code": 0}),
                json!({"kind": "done", "status": "resolved"}),
            ],
            &["before exit"],
        );
        let o = r.outcome();
        assert_eq!(o.exit, Exit::Code(3));
        assert_eq!(o.stdout, b"before exit\n");
        assert!(o.stderr.is_empty());
    }

    #[test]
    fn a_run_that_settles_without_go_exit_or_fails_says_so_on_stderr() {
        let o = run(
            PageEnd::Done,
            vec![json!({"kind": "done", "status": "resolved"})],
            &[],
        )
        .outcome();
        assert_eq!(o.exit, Exit::Code(0));
        assert!(String::from_utf8_lossy(&o.stderr).contains("go.exit was never called"));
        let o = run(
            PageEnd::Done,
            vec![json!({"kind": "done", "status": "rejected", "error": "TypeError: x"})],
            &[],
        )
        .outcome();
        assert_eq!(o.exit, Exit::Code(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("go.run failed: TypeError: x"));
    }

    #[test]
    fn timeouts_crashes_and_unanswered_exceptions_are_never_a_clean_exit() {
        assert_eq!(
            run(PageEnd::TimedOut, vec![], &[]).outcome().exit,
            Exit::Timeout
        );
        assert!(matches!(
            run(PageEnd::Crashed("x".into()), vec![], &[])
                .outcome()
                .exit,
            Exit::Signal(_)
        ));
        let mut r = run(PageEnd::Exception, vec![], &[]);
        r.exceptions.push("Error: boom".into());
        let o = r.outcome();
        assert_eq!(o.exit, Exit::Code(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("uncaught exception: Error: boom"));
    }

    #[test]
    fn a_js_stack_becomes_one_line_of_function_names() {
        let e = "TypeError: Reflect.get called on non-object\n    at Reflect.get (<anonymous>)\n    \
                 at syscall/js.valueGet (http://127.0.0.1:1/wasm_exec.js:334:30)\n    \
                 at http://127.0.0.1:1/main.wasm:wasm-function[5]:0x159\n    \
                 at globalThis.Go.run (http://127.0.0.1:1/wasm_exec.js:548:23)\n    \
                 at http://127.0.0.1:1/gojs-runner.js:40:12";
        assert_eq!(
            one_line(e),
            "TypeError: Reflect.get called on non-object (at Reflect.get < syscall/js.valueGet \
             < wasm-function[5] < Go.run < <anonymous>)"
        );
        let deep = format!(
            "RangeError: Maximum call stack size exceeded\n{}",
            "    at main.grow (http://x/main.wasm:wasm-function[9]:0x1)\n".repeat(10)
        );
        assert_eq!(
            one_line(&deep),
            "RangeError: Maximum call stack size exceeded (at main.grow x10)"
        );
        assert_eq!(one_line("Error: plain"), "Error: plain");
    }

    #[test]
    fn console_arguments_print_as_the_console_would() {
        let p = json!({"args": [
            {"type": "string", "value": "exit code:"},
            {"type": "number", "value": 3},
            {"type": "undefined"},
            {"type": "number", "unserializableValue": "NaN"},
            {"type": "object", "description": "Error: x"},
        ]});
        assert_eq!(console_text(&p), "exit code: 3 undefined NaN Error: x");
    }

    #[test]
    fn the_page_config_cannot_close_its_script_element() {
        let html = page_html(&json!({"argv": ["</script><script>alert(1)"]}));
        assert!(!html.contains("</script><script>alert"), "{html}");
    }
}
