//! The native host's file-system sandbox, end to end: a small Go program (built here with
//! the `go` on PATH, GOOS=js GOARCH=wasm) runs a script of file operations given as its
//! arguments and prints one line per operation; each test pins that output exactly and
//! checks the host files afterwards.
//!
//! The layout of every test, under a fresh temporary directory:
//! * `box/` — the program's working directory (given), with `inside.txt`, `sub/`,
//!   `in-link -> sub`, `abs-link -> <root>/outside` and `rel-link -> ../outside`;
//! * `outside/secret.txt` — not given;
//! * `mapped/data.txt` — given only where a test says so.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use gojs_native::realm::sandbox::Grant;
use gojs_native::{Ending, NativeRunOptions, Program, run_isolated};

/// The probe: `OP ARGS...` words, separated by `--`, each printed as `OP: RESULT`.
const PROBE: &str = r#"package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func run(op []string) string {
	a := op[1:]
	var err error
	switch op[0] {
	case "read":
		var b []byte
		if b, err = os.ReadFile(a[0]); err == nil {
			return "ok " + strconv.Quote(string(b))
		}
	case "write":
		err = os.WriteFile(a[0], []byte(a[1]), 0o644)
	case "readdir":
		var es []os.DirEntry
		if es, err = os.ReadDir(a[0]); err == nil {
			var n []string
			for _, e := range es {
				n = append(n, e.Name())
			}
			sort.Strings(n)
			return "ok [" + strings.Join(n, " ") + "]"
		}
	case "stat", "lstat":
		var fi os.FileInfo
		if op[0] == "stat" {
			fi, err = os.Stat(a[0])
		} else {
			fi, err = os.Lstat(a[0])
		}
		if err == nil && fi.Mode().IsRegular() {
			return fmt.Sprintf("ok %v %d", fi.Mode().Type(), fi.Size())
		} else if err == nil {
			return fmt.Sprintf("ok %v", fi.Mode().Type())
		}
	case "mkdir":
		err = os.Mkdir(a[0], 0o755)
	case "rmdir", "remove":
		err = os.Remove(a[0])
	case "rename":
		err = os.Rename(a[0], a[1])
	case "link":
		err = os.Link(a[0], a[1])
	case "symlink":
		err = os.Symlink(a[0], a[1])
	case "readlink":
		var t string
		if t, err = os.Readlink(a[0]); err == nil {
			return "ok " + t
		}
	case "chdir":
		err = os.Chdir(a[0])
	case "getwd":
		var wd string
		if wd, err = os.Getwd(); err == nil {
			return "ok " + wd
		}
	case "chmod":
		err = os.Chmod(a[0], 0o600)
	case "truncate":
		err = os.Truncate(a[0], 0)
	case "getenv":
		return "ok " + os.Getenv(a[0])
	case "tmp":
		p := filepath.Join(os.TempDir(), a[0])
		if err = os.WriteFile(p, []byte(a[1]), 0o600); err == nil {
			var b []byte
			if b, err = os.ReadFile(p); err == nil {
				return "ok " + strconv.Quote(string(b))
			}
		}
	default:
		return "unknown op"
	}
	if err != nil {
		return err.Error()
	}
	return "ok"
}

func main() {
	var op []string
	for _, w := range append(os.Args[1:], "--") {
		if w != "--" {
			op = append(op, w)
			continue
		}
		if len(op) > 0 {
			fmt.Printf("%s: %s\n", op[0], run(op))
		}
		op = nil
	}
}
"#;

/// The probe module, built once per test run.
fn probe() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-probe");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("go.mod"), "module probe\n\ngo 1.18\n").unwrap();
        std::fs::write(dir.join("main.go"), PROBE).unwrap();
        let out = dir.join("probe.wasm");
        let st = std::process::Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(&dir)
            .env("GOOS", "js")
            .env("GOARCH", "wasm")
            .env("GOTOOLCHAIN", "local")
            .status()
            .expect("these tests need Go on PATH");
        assert!(st.success(), "building the probe failed");
        out
    })
}

struct Layout {
    _root: tempfile::TempDir,
    root: PathBuf,
}

impl Layout {
    fn new() -> Layout {
        let t = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(t.path()).unwrap();
        let bx = root.join("box");
        std::fs::create_dir_all(bx.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        std::fs::create_dir_all(root.join("mapped")).unwrap();
        std::fs::write(bx.join("inside.txt"), "inside").unwrap();
        std::fs::write(root.join("outside/secret.txt"), "secret").unwrap();
        std::fs::write(root.join("mapped/data.txt"), "data").unwrap();
        std::os::unix::fs::symlink("sub", bx.join("in-link")).unwrap();
        std::os::unix::fs::symlink(root.join("outside"), bx.join("abs-link")).unwrap();
        std::os::unix::fs::symlink("../outside", bx.join("rel-link")).unwrap();
        Layout { _root: t, root }
    }

    fn bx(&self) -> PathBuf {
        self.root.join("box")
    }

    /// `<root>` in expectations stands for the layout's root.
    fn expand(&self, s: &str) -> String {
        s.replace("<root>", self.root.to_str().unwrap())
    }

    /// Run the probe in `box/` with the script (ops separated by `;`, words by spaces;
    /// `<root>` expanded) and these extra grants; returns stdout.
    fn run(&self, script: &str, dirs: Vec<Grant>) -> String {
        let mut args = Vec::new();
        for op in script.split(';') {
            args.extend(op.split_whitespace().map(|w| self.expand(w)));
            args.push("--".to_string());
        }
        let program = Program {
            wasm: probe().to_path_buf(),
            args,
            env: Default::default(),
            cwd: self.bx(),
        };
        let opts = NativeRunOptions {
            timeout: Some(Duration::from_secs(120)),
            dirs,
            ..Default::default()
        };
        let out = run_isolated(&program, &opts, true);
        assert_eq!(
            out.ending,
            Ending::Exit(0),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn assert_outside_untouched(&self) {
        let mut names: Vec<_> = std::fs::read_dir(self.root.join("outside"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["secret.txt"]);
        assert_eq!(
            std::fs::read_to_string(self.root.join("outside/secret.txt")).unwrap(),
            "secret"
        );
    }
}

fn lines(s: &str) -> String {
    s.lines().map(|l| format!("{}\n", l.trim())).collect()
}

#[test]
fn reads_outside_are_refused() {
    let l = Layout::new();
    let out = l.run(
        "read ../outside/secret.txt; read ../../../../../../../etc/hostname;\
         read <root>/outside/secret.txt; read /etc/hostname; read abs-link/secret.txt;\
         read rel-link/secret.txt; read sub/../../outside/secret.txt; readdir ..; readdir /;\
         readdir abs-link; stat ../outside; stat abs-link; lstat abs-link; stat rel-link/secret.txt;\
         readlink rel-link; chdir ..; chdir abs-link; chdir /; getwd",
        vec![],
    );
    let want = l.expand(&lines(
        "read: open ../outside/secret.txt: Permission denied
         read: open ../../../../../../../etc/hostname: Permission denied
         read: open <root>/outside/secret.txt: Permission denied
         read: open /etc/hostname: Permission denied
         read: open abs-link/secret.txt: Permission denied
         read: open rel-link/secret.txt: Permission denied
         read: open sub/../../outside/secret.txt: Permission denied
         readdir: open ..: Permission denied
         readdir: open /: Permission denied
         readdir: open abs-link: Permission denied
         stat: stat ../outside: Permission denied
         stat: stat abs-link: Permission denied
         lstat: ok L---------
         stat: stat rel-link/secret.txt: Permission denied
         readlink: ok ../outside
         chdir: chdir ..: Permission denied
         chdir: chdir abs-link: Permission denied
         chdir: chdir /: Permission denied
         getwd: ok <root>/box",
    ));
    assert_eq!(out, want);
}

#[test]
fn writes_outside_are_refused() {
    let l = Layout::new();
    // The given directory itself is not to be removed or renamed either (its entry is in
    // the directory above); renaming onto it Go refuses itself, as onto any directory.
    let out = l.run(
        "write ../outside/new.txt x; write <root>/outside/new.txt x; write abs-link/new.txt x;\
         write rel-link/new.txt x; write abs-link/secret.txt x; write rel-link/secret.txt x;\
         mkdir ../outside/d; mkdir abs-link/d; remove ../outside/secret.txt;\
         remove rel-link/secret.txt; chmod abs-link/secret.txt; truncate rel-link/secret.txt;\
         truncate ../outside/secret.txt; rename inside.txt ../outside/moved;\
         rename ../outside/secret.txt stolen; rename abs-link/secret.txt stolen;\
         rename inside.txt rel-link/moved; link inside.txt ../outside/hard;\
         link ../outside/secret.txt hard; link rel-link/secret.txt hard;\
         symlink <root>/outside/secret.txt escape; write escape x; read escape;\
         symlink ../outside/secret.txt escape2; write escape2 x; truncate escape2;\
         rmdir ../outside; remove <root>/box; rename sub <root>/box; rename . sub/x; readdir .",
        vec![],
    );
    let want = l.expand(&lines(
        "write: open ../outside/new.txt: Permission denied
         write: open <root>/outside/new.txt: Permission denied
         write: open abs-link/new.txt: Permission denied
         write: open rel-link/new.txt: Permission denied
         write: open abs-link/secret.txt: Permission denied
         write: open rel-link/secret.txt: Permission denied
         mkdir: mkdir ../outside/d: Permission denied
         mkdir: mkdir abs-link/d: Permission denied
         remove: remove ../outside/secret.txt: Permission denied
         remove: remove rel-link/secret.txt: Permission denied
         chmod: chmod abs-link/secret.txt: Permission denied
         truncate: truncate rel-link/secret.txt: Permission denied
         truncate: truncate ../outside/secret.txt: Permission denied
         rename: rename inside.txt ../outside/moved: Permission denied
         rename: rename ../outside/secret.txt stolen: Permission denied
         rename: rename abs-link/secret.txt stolen: Permission denied
         rename: rename inside.txt rel-link/moved: Permission denied
         link: link inside.txt ../outside/hard: Permission denied
         link: link ../outside/secret.txt hard: Permission denied
         link: link rel-link/secret.txt hard: Permission denied
         symlink: ok
         write: open escape: Permission denied
         read: open escape: Permission denied
         symlink: ok
         write: open escape2: Permission denied
         truncate: truncate escape2: Permission denied
         rmdir: remove ../outside: Permission denied
         remove: remove <root>/box: Permission denied
         rename: rename sub <root>/box: File exists
         rename: rename . sub/x: Device or resource busy
         readdir: ok [abs-link escape escape2 in-link inside.txt rel-link sub]",
    ));
    assert_eq!(out, want);
    l.assert_outside_untouched();
    assert_eq!(
        std::fs::read_to_string(l.bx().join("inside.txt")).unwrap(),
        "inside"
    );
}

#[test]
fn a_working_directory_replaced_by_a_link_does_not_lead_out() {
    let l = Layout::new();
    let out = l.run(
        "mkdir d; chdir d; rename <root>/box/d <root>/box/d2; symlink <root>/outside <root>/box/d;\
         read secret.txt; write new.txt x; readdir .; stat .",
        vec![],
    );
    let want = l.expand(&lines(
        "mkdir: ok
         chdir: ok
         rename: ok
         symlink: ok
         read: open secret.txt: Permission denied
         write: open new.txt: Permission denied
         readdir: open .: Permission denied
         stat: stat .: Permission denied",
    ));
    assert_eq!(out, want);
    l.assert_outside_untouched();
}

#[test]
fn operations_inside_succeed() {
    let l = Layout::new();
    let out = l.run(
        "mkdir d; write d/f hello; read d/f; readdir d; stat d/f; stat d; rename d/f d/g;\
         symlink g d/l; readlink d/l; read d/l; lstat d/l; link d/g d/h; read d/h;\
         read in-link/../inside.txt; write in-link/x.txt via-link; read sub/x.txt;\
         read ../box/inside.txt; read <root>/box/inside.txt; chmod d/g; truncate d/h;\
         read d/g; chdir d; getwd; read g; readdir .; chdir ..; chdir in-link; getwd;\
         chdir ..; remove d/l; remove d/g; remove d/h; rmdir d; stat d; readdir .",
        vec![],
    );
    let want = l.expand(&lines(
        r#"mkdir: ok
         write: ok
         read: ok "hello"
         readdir: ok [f]
         stat: ok ---------- 5
         stat: ok d---------
         rename: ok
         symlink: ok
         readlink: ok g
         read: ok "hello"
         lstat: ok L---------
         link: ok
         read: ok "hello"
         read: ok "inside"
         write: ok
         read: ok "via-link"
         read: ok "inside"
         read: ok "inside"
         chmod: ok
         truncate: ok
         read: ok ""
         chdir: ok
         getwd: ok <root>/box/d
         read: ok ""
         readdir: ok [g h l]
         chdir: ok
         chdir: ok
         getwd: ok <root>/box/sub
         chdir: ok
         remove: ok
         remove: ok
         remove: ok
         rmdir: ok
         stat: stat d: No such file or directory
         readdir: ok [abs-link in-link inside.txt rel-link sub]"#,
    ));
    assert_eq!(out, want);
    assert_eq!(
        std::fs::read_to_string(l.bx().join("sub/x.txt")).unwrap(),
        "via-link"
    );
    l.assert_outside_untouched();
}

#[test]
fn host_dirs_map_to_guest_paths() {
    let l = Layout::new();
    let grant = Grant::new(&l.root.join("mapped"), "/data").unwrap();
    let out = l.run(
        "read /data/data.txt; write /data/new.txt fresh; readdir /data; chdir /data; getwd;\
         read data.txt; read ../data/new.txt; read <root>/mapped/data.txt; read /data/../etc/hostname;\
         rename new.txt <root>/box/moved.txt; readdir <root>/box; read /data/data.txt",
        vec![grant],
    );
    let want = l.expand(&lines(
        r#"read: ok "data"
         write: ok
         readdir: ok [data.txt new.txt]
         chdir: ok
         getwd: ok /data
         read: ok "data"
         read: ok "fresh"
         read: open <root>/mapped/data.txt: Permission denied
         read: open /data/../etc/hostname: Permission denied
         rename: ok
         readdir: ok [abs-link in-link inside.txt moved.txt rel-link sub]
         read: ok "data""#,
    ));
    assert_eq!(out, want);
    assert_eq!(
        std::fs::read_to_string(l.bx().join("moved.txt")).unwrap(),
        "fresh"
    );
    assert!(!l.root.join("mapped/new.txt").exists());
}

#[test]
fn the_root_dir_gives_everything() {
    let l = Layout::new();
    let all = Grant::new(Path::new("/"), "/").unwrap();
    let out = l.run(
        "read ../outside/secret.txt; read abs-link/secret.txt; read rel-link/secret.txt;\
         write abs-link/new.txt x; readdir ../outside",
        vec![all],
    );
    let want = lines(
        r#"read: ok "secret"
         read: ok "secret"
         read: ok "secret"
         write: ok
         readdir: ok [new.txt secret.txt]"#,
    );
    assert_eq!(out, want);
}

#[test]
fn tmpdir_is_private_and_removed() {
    let l = Layout::new();
    let out = l.run("getenv TMPDIR; tmp t.txt temp", vec![]);
    let tmp = out
        .lines()
        .next()
        .and_then(|s| s.strip_prefix("getenv: ok "))
        .expect("TMPDIR line")
        .to_string();
    assert!(Path::new(&tmp).is_absolute(), "{tmp}");
    assert_ne!(Path::new(&tmp), std::env::temp_dir());
    assert_eq!(out, format!("getenv: ok {tmp}\ntmp: ok \"temp\"\n"));
    // The directory went with the run, and another run cannot reach it.
    assert!(!Path::new(&tmp).exists(), "{tmp} still exists");
    let out2 = l.run(&format!("read {tmp}/t.txt"), vec![]);
    assert_eq!(out2, format!("read: open {tmp}/t.txt: Permission denied\n"));
}
