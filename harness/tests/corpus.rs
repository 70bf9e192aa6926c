//! The corpus builder against the installed Go: builds are cached by toolchain and sources,
//! and a build error names the program and shows the compiler's message.

use std::path::Path;

use gojs_harness::corpus::Corpus;
use gojs_harness::toolchain::Toolchain;

fn module(dir: &Path, programs: &[(&str, &str)]) {
    std::fs::write(dir.join("go.mod"), "module scratch\n\ngo 1.18\n").unwrap();
    for (name, src) in programs {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("main.go"), src).unwrap();
    }
}

const HELLO: &str = "package main\n\nfunc main() { println(\"hi\") }\n";

#[test]
fn an_unchanged_program_is_not_rebuilt_and_a_changed_one_is() {
    let tc = Toolchain::from_path().expect("these tests need Go on PATH");
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    module(src.path(), &[("a", HELLO), ("b", HELLO)]);
    let corpus = Corpus::new(src.path(), cache.path());
    assert_eq!(corpus.programs().unwrap(), ["a", "b"]);

    let first = corpus.wasm(&tc, "a").unwrap();
    assert_eq!(&std::fs::read(&first).unwrap()[..4], b"\0asm");
    let stamp = std::fs::metadata(&first).unwrap().modified().unwrap();
    let again = Corpus::new(src.path(), cache.path())
        .wasm(&tc, "a")
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(
        std::fs::metadata(&again).unwrap().modified().unwrap(),
        stamp,
        "rebuilt"
    );

    // Another program's change leaves this one's key alone; its own change does not.
    std::fs::write(src.path().join("b/main.go"), HELLO.replace("hi", "ho")).unwrap();
    assert_eq!(corpus.wasm(&tc, "a").unwrap(), first);
    std::fs::write(src.path().join("a/main.go"), HELLO.replace("hi", "ha")).unwrap();
    assert_ne!(corpus.wasm(&tc, "a").unwrap(), first);
}

#[test]
fn a_build_error_names_the_program_and_shows_the_compiler() {
    let tc = Toolchain::from_path().unwrap();
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    module(
        src.path(),
        &[(
            "broken",
            "package main\n\nfunc main() { undefinedThing() }\n",
        )],
    );
    let corpus = Corpus::new(src.path(), cache.path());
    let e = format!("{:#}", corpus.wasm(&tc, "broken").unwrap_err());
    assert!(e.contains("building goprograms/broken with go"), "{e}");
    assert!(e.contains("undefined: undefinedThing"), "{e}");
    let e = format!("{:#}", corpus.wasm(&tc, "absent").unwrap_err());
    assert!(e.contains("there is no program `absent`"), "{e}");
}

#[test]
fn build_all_builds_every_program_in_parallel_and_reports_every_error() {
    let tc = Toolchain::from_path().unwrap();
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    module(
        src.path(),
        &[
            ("ok1", HELLO),
            ("ok2", HELLO),
            ("bad1", "package main\nfunc main() { x }\n"),
            ("bad2", "package main\nfunc main() { y }\n"),
        ],
    );
    let corpus = Corpus::new(src.path(), cache.path());
    let progs = corpus.programs().unwrap();
    let e = format!(
        "{:#}",
        corpus
            .build_all(std::slice::from_ref(&tc), &progs, 2)
            .unwrap_err()
    );
    assert!(
        e.contains("goprograms/bad1") && e.contains("goprograms/bad2"),
        "{e}"
    );
    let ok: Vec<String> = vec!["ok1".into(), "ok2".into()];
    assert_eq!(corpus.build_all(&[tc], &ok, 2).unwrap().len(), 2);
}
