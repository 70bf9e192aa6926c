//! The matrix's HTML page, opened in headless Chromium: the grid is there, with its coloured
//! cells and the failure behind the red one. Where Chromium is absent the test is reported
//! *ignored*, with the reason printed: never passed.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use gojs_harness::report::{self, Kind, Matrix, Record, Release};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let bin = chromium();
    let trial = match bin {
        Some(bin) => Trial::test(
            "the_html_page_shows_the_grid_in_headless_chromium",
            move || the_html_page_shows_the_grid(&bin).map_err(Failed::from),
        ),
        None => {
            let why = "no Chromium (/usr/bin/chromium; GOJS_CHROMIUM names another): install \
                       Debian's `chromium` to check the page renders";
            eprintln!("report_html skipped: {why}");
            Trial::test("the_html_page_shows_the_grid_in_headless_chromium", || {
                Ok(())
            })
            .with_ignored_flag(true)
            .with_kind("no chromium")
        }
    };
    libtest_mimic::run(&args, vec![trial]).exit_code()
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GOJS_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn record(host: &str, go: &str, case: &str, verdict: Kind, detail: Option<&str>) -> Record {
    Record {
        host: host.into(),
        go: go.into(),
        case: case.into(),
        verdict,
        detail: detail.map(str::to_string),
        wall_ms: None,
    }
}

fn sample() -> Matrix {
    Matrix::new(
        "gojs-harness matrix (test)",
        &["native".into(), "node".into()],
        &[
            Release {
                label: "go1.19".into(),
                version: "1.19.8".into(),
            },
            Release {
                label: "go1.26".into(),
                version: "1.26.8".into(),
            },
        ],
        vec![
            record("native", "go1.19", "exit/a", Kind::Pass, None),
            record(
                "native",
                "go1.26",
                "value/</pre><b>x",
                Kind::Fail,
                Some("stdout differs:\n    -want </pre>\n    +got & more\n"),
            ),
            record(
                "node",
                "go1.19",
                "exit/a",
                Kind::Skip,
                Some("node lacks nothing"),
            ),
            record("node", "go1.26", "exit/a", Kind::Xfail, Some("known")),
        ],
    )
}

/// Run Chromium with `args` and a private profile; its stdout, or why it did not run.
fn run_chromium(bin: &PathBuf, args: &[String]) -> Result<String, String> {
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("chromium did not finish within 60 s".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let mut out = String::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn the_html_page_shows_the_grid(bin: &PathBuf) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("matrix.html");
    std::fs::write(&page, report::html(&sample())).unwrap();
    let url = format!("file://{}", page.display());

    let dom = run_chromium(bin, &["--dump-dom".into(), url.clone()])
        .map_err(|why| format!("Chromium is installed but could not run the page: {why}"))?;
    assert!(
        dom.contains("<table class=\"grid\" id=\"grid\">"),
        "the parsed page has the grid:\n{dom}"
    );
    // One row per host, one cell per release: 2 × 2 coloured cells.
    assert_eq!(dom.matches("data-host=").count(), 4, "{dom}");
    assert!(
        dom.contains("<td class=\"red\" data-host=\"native\" data-go=\"go1.26\">"),
        "{dom}"
    );
    assert!(
        dom.contains("<td class=\"grey\" data-host=\"node\" data-go=\"go1.19\">"),
        "{dom}"
    );
    assert!(dom.contains("<summary>1 failure</summary>"), "{dom}");
    // Escaped text stays text: the case's `</pre><b>` did not become markup.
    assert!(dom.contains("value/&lt;/pre&gt;&lt;b&gt;x"), "{dom}");
    assert!(!dom.contains("<b>x"), "{dom}");

    // And it paints: a screenshot of the page is written.
    let shot = dir.path().join("grid.png");
    run_chromium(
        bin,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=900,600".into(),
            url,
        ],
    )
    .map_err(|why| format!("screenshot not taken: {why}"))?;
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 1000,
        "a screenshot of {} bytes",
        png.len()
    );
    Ok(())
}
