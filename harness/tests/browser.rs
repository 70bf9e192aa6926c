//! Embedding cases of the browser contract (issue 6), run in headless Chromium through the
//! browser host's page API with pages and glues of their own:
//! - `instantiateStreaming` refuses a module served without `application/wasm`, while the
//!   buffered `WebAssembly.instantiate` path runs it;
//! - `go.run`'s promise is pending while Go waits on a timer and resolves when main returns;
//! - a second `run` on the same `Go` instance is refused;
//! - the polyfill's `writeSync` holds output without a trailing newline until a newline;
//! - output written before `os.Exit` is not lost;
//! - a glue fault only the browser polyfill shows (`writeSync` keeping the last line) fails
//!   the browser trials of the suite and not the Node ones.
//!
//! Where Chromium is missing or cannot start, every test here is reported *ignored* and the
//! reason is printed first: never failed, never passed.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};
use std::time::Duration;

use gojs_harness::corpus::Corpus;
use gojs_harness::host::Exit;
use gojs_harness::host::browser::{self, Page, PageEnd, PageRun, RUNNER_PATH, Served, WASM_PATH};
use gojs_harness::paths;
use gojs_harness::toolchain::Toolchain;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

type Test = fn() -> Result<(), Failed>;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let unavailable = browser::chromium::shared().err();
    if let Some(why) = &unavailable {
        eprintln!("browser tests skipped: the browser host is unavailable: {why}");
    }
    let tests: &[(&str, Test)] = &[
        (
            "streaming_needs_the_wasm_content_type_and_buffered_instantiate_does_not",
            streaming_needs_the_wasm_content_type,
        ),
        (
            "go_run_resolves_when_main_returns",
            go_run_resolves_when_main_returns,
        ),
        (
            "a_second_run_on_the_same_go_instance_is_refused",
            a_second_run_is_refused,
        ),
        (
            "output_without_a_newline_is_held_until_a_newline",
            output_without_a_newline_is_held,
        ),
        (
            "output_before_exit_is_not_lost",
            output_before_exit_is_not_lost,
        ),
        (
            "a_program_that_never_ends_times_out_with_its_output",
            a_program_that_never_ends_times_out,
        ),
        (
            "a_page_stuck_in_javascript_reports_where_it_was_paused",
            a_page_stuck_in_javascript_reports_where,
        ),
        (
            "a_glue_whose_write_sync_keeps_the_last_line_fails_only_in_the_browser",
            a_glue_fault_only_the_browser_shows_is_caught,
        ),
    ];
    let trials = tests
        .iter()
        .map(|&(name, f)| Trial::test(name, f).with_ignored_flag(unavailable.is_some()))
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn toolchain() -> Toolchain {
    Toolchain::from_path().expect("the browser tests need Go on PATH")
}

fn module(program: &str) -> Vec<u8> {
    let corpus = Corpus::new(&paths::default_programs_dir(), &paths::cache_dir());
    let wasm = corpus.wasm(&toolchain(), program).unwrap();
    std::fs::read(wasm).unwrap()
}

fn stock_glue() -> Vec<u8> {
    std::fs::read(toolchain().glue().unwrap()).unwrap()
}

/// The harness's page for `program args...`, with the stock glue.
fn page(program: &str, args: &[&str]) -> Page {
    let mut argv = vec![format!("{program}.wasm")];
    argv.extend(args.iter().map(|a| a.to_string()));
    let env = BTreeMap::from([("TMPDIR".to_string(), "/tmp".to_string())]);
    Page::standard(stock_glue(), module(program), &argv, &env)
}

/// The same page with `script` in place of the harness's runner.
fn page_with_script(program: &str, args: &[&str], script: &str) -> Page {
    let mut p = page(program, args);
    p.files.insert(
        RUNNER_PATH.to_string(),
        Served::new("text/javascript", script),
    );
    p
}

fn run(page: &Page) -> PageRun {
    let r = browser::run_page(page, TIMEOUT).expect("the browser runs the page");
    assert_eq!(r.end, PageEnd::Done, "the page did not finish: {r:#?}");
    r
}

fn report<'a>(r: &'a PageRun, kind: &str) -> &'a Value {
    r.reports
        .iter()
        .find(|v| v["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} report: {r:#?}"))
}

fn console(r: &PageRun) -> Vec<&str> {
    r.console.iter().map(|m| m.text.as_str()).collect()
}

/// Shared by the custom page scripts: `report`, `cfg`, and `newGo()` (argv, env and a
/// recording `go.exit` set as the harness's runner does).
const PRELUDE: &str = r#"
"use strict";
const report = (m) => globalThis.__gojsReport(JSON.stringify(m));
const cfg = globalThis.__gojsConfig;
const newGo = () => {
	const go = new Go();
	go.argv = cfg.argv;
	go.env = cfg.env;
	go.exit = (code) => report({ kind: "exit", code });
	return go;
};
const fail = (e) => report({ kind: "done", status: "rejected", error: String(e && e.stack || e) });
"#;

fn streaming_needs_the_wasm_content_type() -> Result<(), Failed> {
    let script = format!(
        "{PRELUDE}
(async () => {{
	let streaming;
	try {{
		await WebAssembly.instantiateStreaming(fetch(cfg.wasm), newGo().importObject);
		streaming = 'instantiated';
	}} catch (e) {{
		streaming = String(e);
	}}
	report({{ kind: 'streaming', result: streaming }});
	const go = newGo();
	const bytes = await (await fetch(cfg.wasm)).arrayBuffer();
	const {{ instance }} = await WebAssembly.instantiate(bytes, go.importObject);
	await go.run(instance);
	report({{ kind: 'done', status: 'resolved' }});
}})().catch(fail);
"
    );
    // Served as application/wasm, both paths work.
    let good = run(&page_with_script("hello", &[], &script));
    assert_eq!(report(&good, "streaming")["result"], "instantiated");
    // As a generic binary, streaming compilation refuses it and the buffered path runs it.
    let mut p = page_with_script("hello", &[], &script);
    let wasm = p.files[WASM_PATH].body.to_vec();
    p.files.insert(
        WASM_PATH.to_string(),
        Served::new("application/octet-stream", wasm),
    );
    let r = run(&p);
    let streaming = report(&r, "streaming")["result"].as_str().unwrap_or("");
    assert!(
        streaming.starts_with("TypeError") && streaming.contains("application/wasm"),
        "instantiateStreaming must reject the wrong MIME type with a TypeError: {streaming}"
    );
    let o = r.outcome();
    assert_eq!(o.exit, Exit::Code(0), "{r:#?}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello, world\n");
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    Ok(())
}

fn go_run_resolves_when_main_returns() -> Result<(), Failed> {
    // lineflush pieces sleeps 20 ms after its first write: Go pauses (exports.run returns)
    // long before main returns, and the promise must still be pending then.
    let script = format!(
        "{PRELUDE}
(async () => {{
	const go = newGo();
	const {{ instance }} = await WebAssembly.instantiateStreaming(fetch(cfg.wasm), go.importObject);
	let state = 'pending';
	const p = go.run(instance);
	p.then(() => {{ state = 'resolved'; }}, () => {{ state = 'rejected'; }});
	await new Promise((r) => setTimeout(r, 0));
	report({{ kind: 'paused', state, exited: go.exited }});
	await p;
	report({{ kind: 'done', status: 'resolved', exited: go.exited }});
}})().catch(fail);
"
    );
    let r = run(&page_with_script("lineflush", &["pieces"], &script));
    let paused = report(&r, "paused");
    assert_eq!(paused["state"], "pending", "{r:#?}");
    assert_eq!(paused["exited"], false, "{r:#?}");
    let done = report(&r, "done");
    assert_eq!(done["status"], "resolved", "{r:#?}");
    assert_eq!(done["exited"], true, "{r:#?}");
    // Everything main printed came before the promise resolved.
    assert_eq!(
        console(&r),
        ["first line", "second line", "third line"],
        "{r:#?}"
    );
    assert_eq!(r.exit_code(), Some(0));
    Ok(())
}

fn a_second_run_is_refused() -> Result<(), Failed> {
    let script = format!(
        "{PRELUDE}
(async () => {{
	const go = newGo();
	const {{ instance }} = await WebAssembly.instantiateStreaming(fetch(cfg.wasm), go.importObject);
	await go.run(instance);
	report({{ kind: 'first', exited: go.exited }});
	let second;
	try {{
		await go.run(instance);
		second = 'resolved';
	}} catch (e) {{
		second = 'rejected: ' + String(e);
	}}
	report({{ kind: 'done', status: 'resolved', second }});
}})().catch(fail);
"
    );
    let r = run(&page_with_script("hello", &[], &script));
    assert_eq!(report(&r, "first")["exited"], true);
    let second = report(&r, "done")["second"].as_str().unwrap_or("");
    // Go's runtime refuses to start twice in one module instance (1.26: "fatal error:
    // randinit twice", exit 2, then a trap out of exports.run).
    assert!(
        second.starts_with("rejected: "),
        "a second go.run on an exited instance must be refused: {second}\n{r:#?}"
    );
    let codes: Vec<i64> = r
        .reports
        .iter()
        .filter(|v| v["kind"] == "exit")
        .filter_map(|v| v["code"].as_i64())
        .collect();
    assert_eq!(codes[0], 0, "{r:#?}");
    assert!(
        codes[1..].iter().all(|&c| c != 0),
        "the refused run must not exit 0: {r:#?}"
    );
    // main ran once.
    assert_eq!(
        console(&r).iter().filter(|l| **l == "hello, world").count(),
        1,
        "{r:#?}"
    );
    Ok(())
}

fn output_without_a_newline_is_held() -> Result<(), Failed> {
    let r = run(&page("lineflush", &["pieces"]));
    // "first " waits for "line\n" across a timer; "third" for " line\n"; "held" never
    // gets its newline, so the polyfill never prints it.
    assert_eq!(
        console(&r),
        ["first line", "second line", "third line"],
        "{r:#?}"
    );
    let o = r.outcome();
    assert_eq!(o.exit, Exit::Code(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "first line\nsecond line\nthird line\n"
    );
    Ok(())
}

fn output_before_exit_is_not_lost() -> Result<(), Failed> {
    let r = run(&page("lineflush", &["exit"]));
    let o = r.outcome();
    assert_eq!(o.exit, Exit::Code(7), "{r:#?}");
    // stderr goes to console.log too, after every stdout line.
    let mut want: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    want.push_str("to stderr\n");
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    Ok(())
}

fn a_program_that_never_ends_times_out() -> Result<(), Failed> {
    // A page never sends the deadlock event: main blocks until the time limit.
    let limit = Duration::from_secs(3);
    let r = browser::run_page(&page("deadlock", &[]), limit).expect("the browser runs the page");
    assert_eq!(r.end, PageEnd::TimedOut, "{r:#?}");
    assert!(
        r.wall >= limit && r.wall < limit + Duration::from_secs(5),
        "{r:#?}"
    );
    let o = r.outcome();
    assert_eq!(o.exit, Exit::Timeout);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "waiting forever\n");
    // Go is waiting for an event with no timeout scheduled and none pending.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("the page was idle")
            && stderr.contains(r#""exited":false,"pendingEvent":null,"scheduledTimeouts":[]"#),
        "{stderr}"
    );
    Ok(())
}

fn a_page_stuck_in_javascript_reports_where() -> Result<(), Failed> {
    let script = format!("{PRELUDE}\nfunction spinForever() {{ for (;;) {{}} }}\nspinForever();\n");
    let limit = Duration::from_secs(2);
    let r = browser::run_page(&page_with_script("hello", &[], &script), limit)
        .expect("the browser runs the page");
    assert_eq!(r.end, PageEnd::TimedOut, "{r:#?}");
    let stderr = String::from_utf8_lossy(&r.outcome().stderr).into_owned();
    assert!(
        stderr.contains(
            "the page was busy running JavaScript, paused at: spinForever (gojs-runner.js:"
        ),
        "{stderr}"
    );
    Ok(())
}

/// The stock glue with an off-by-one in `writeSync`: it prints only up to the newline
/// *before* the last one, so the last complete line waits for more output that may never
/// come. Node never uses the polyfill (it has a real `fs`), so only the browser shows it.
fn glue_keeping_the_last_line(dir: &std::path::Path) -> std::path::PathBuf {
    let stock = String::from_utf8(stock_glue()).unwrap();
    let needle = r#"const nl = outputBuf.lastIndexOf("\n");"#;
    assert_eq!(
        stock.matches(needle).count(),
        1,
        "the installed glue changed shape: update this test's fault injection"
    );
    let path = dir.join("wasm_exec_keeps_last_line.js");
    std::fs::write(
        &path,
        stock.replace(
            needle,
            r#"const nl = outputBuf.lastIndexOf("\n", outputBuf.length - 2);"#,
        ),
    )
    .unwrap();
    path
}

fn a_glue_fault_only_the_browser_shows_is_caught() -> Result<(), Failed> {
    let dir = tempfile::tempdir().unwrap();
    let glue = glue_keeping_the_last_line(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_gojs-harness"))
        .args([
            "suite",
            "--host",
            "node,browser",
            "--filter",
            "hello/hello",
            "--filter",
            "exit/os_exit_",
        ])
        .arg("--glue")
        .arg(&glue)
        .env_remove("GOJS_BLESS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "suite must exit 1:\n{stdout}");
    for case in [
        "hello/hello",
        "exit/os_exit_0",
        "exit/os_exit_3",
        "exit/os_exit_255",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("ok      node/go") && l.contains(case)),
            "node passes {case}:\n{stdout}"
        );
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("FAIL    browser/go") && l.contains(case)),
            "browser fails {case}:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("-hello, world"),
        "a stdout diff shows the lost line:\n{stdout}"
    );
    // Each of these programs ends with a complete line: no browser trial may pass, and the
    // fault is invisible to Node.
    assert!(
        !stdout.lines().any(|l| l.starts_with("ok      browser/")),
        "a browser trial passed with the faulty glue:\n{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("FAIL    node/")),
        "Node must not see a polyfill fault:\n{stdout}"
    );
    Ok(())
}
