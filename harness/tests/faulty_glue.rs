//! The suite must catch a broken glue: a `wasm_exec.js` whose `go.exit` always receives 0
//! has to fail every non-zero exit-code case, with a diff, and make `suite` exit non-zero.

use std::path::PathBuf;
use std::process::Command;

use gojs_harness::toolchain::Toolchain;

/// The installed toolchain's glue with the exit code thrown away.
fn faulty_glue(dir: &std::path::Path) -> PathBuf {
    let tc = Toolchain::from_path().expect("the suite's tests need Go on PATH");
    let stock = tc.glue().expect("the installed toolchain ships its glue");
    let glue = std::fs::read_to_string(&stock).unwrap();
    let needle = "this.exit(code);";
    assert_eq!(
        glue.matches(needle).count(),
        1,
        "{} changed shape: update this test's fault injection",
        stock.display()
    );
    let path = dir.join("wasm_exec_exit0.js");
    std::fs::write(&path, glue.replace(needle, "this.exit(0);")).unwrap();
    path
}

#[test]
fn a_glue_that_drops_exit_codes_fails_the_exit_cases() {
    let dir = tempfile::tempdir().unwrap();
    let glue = faulty_glue(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_gojs-harness"))
        .args(["suite", "--host", "node", "--filter", "/exit/os_exit_"])
        .arg("--glue")
        .arg(&glue)
        .env_remove("GOJS_BLESS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "suite must exit 1:\n{stdout}");
    assert!(
        stdout.contains("ok      node/go"),
        "os.Exit(0) still passes:\n{stdout}"
    );
    assert!(
        stdout.contains("FAIL    node/go") && stdout.contains("/exit/os_exit_3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-exit code 3\n    +exit code 0"),
        "a diff of the exit code:\n{stdout}"
    );
    assert!(
        stdout.contains("-exit code 255\n    +exit code 0"),
        "{stdout}"
    );
    // os.Exit(0) is the only exit case the fault cannot break.
    let (passed, failed) = summary(&stdout);
    assert_eq!(passed, 1, "{stdout}");
    assert!(failed >= 2, "{stdout}");
}

#[test]
fn the_stock_glue_passes_the_same_cases() {
    let out = Command::new(env!("CARGO_BIN_EXE_gojs-harness"))
        .args(["suite", "--host", "node", "--filter", "/exit/os_exit_"])
        .env_remove("GOJS_BLESS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let (passed, failed) = summary(&stdout);
    assert!(passed >= 3 && failed == 0, "{stdout}");
}

/// The counts of the closing `N passed, M failed, K skipped` line.
fn summary(stdout: &str) -> (u32, u32) {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    let num = |word: &str| -> u32 {
        line.split(", ")
            .find(|p| p.ends_with(word))
            .and_then(|p| p.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no `{word}` count in `{line}`"))
    };
    (num("passed"), num("failed"))
}
