//! One mutant end to end: the glue that drops exit codes must be caught by the exit cases,
//! and `mutants` must exit 1 when a mutant is not caught.

use std::process::Command;

fn harness() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gojs-harness"));
    c.env_remove("GOJS_BLESS");
    c
}

#[test]
fn the_exit_code_mutant_is_caught_by_the_exit_cases() {
    let out = harness()
        .args([
            "mutants",
            "--filter",
            "exit_code_dropped",
            "--case",
            "exit/os_exit_",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        // os_exit_1, _3, _7, _125 and _255; os_exit_0 cannot tell.
        stdout.contains("exit_code_dropped: caught by 5 case(s): exit/os_exit_1,"),
        "{stdout}"
    );
    assert!(stdout.contains("1 of 1 scored mutants caught"), "{stdout}");
}

#[test]
fn a_mutant_no_case_sees_fails_the_run() {
    // os.Exit(0) cannot tell a glue that drops exit codes from the stock one.
    let out = harness()
        .args([
            "mutants",
            "--filter",
            "exit_code_dropped",
            "--case",
            "exit/os_exit_0",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("NOT CAUGHT"), "{stdout}");
    assert!(stdout.contains("not caught: exit_code_dropped"), "{stdout}");
}
