use super::*;

const BASE: &str = r#"
schema = 1
name = "deno"
about = "Deno from npm"
go = ">=1.19"
capabilities = ["eval", "fs"]

[fetch]
npm = "@deno/linux-x64-glibc"
version = "2.9"
binary = "deno"

[[launch]]
go = "<1.21"
command = ["{bin}", "run", "--old", "{runner}", "{glue}", "{wasm}", "{args}"]

[[launch]]
command = ["{bin}", "run", "{runner}", "{glue}", "{wasm}", "{args}"]
script_extension = "cjs"

[[known_failure]]
case = "jspanic/js_error"
reason = "one"

[[known_failure]]
case = "abi/module/*"
go = ">=1.24"
reason = "two"
finding = "reports/findings/two.md"

[[known_failure]]
case = ["fs/*_stat", "fs/other"]
versions = ["2.9.4", "3"]
reason = "three"
"#;

fn parse(text: &str) -> anyhow::Result<Profile> {
    Profile::parse(Path::new("hosts/deno.toml"), text)
}

fn err(text: &str) -> String {
    format!("{:#}", parse(text).unwrap_err())
}

fn v(s: &str) -> GoVersion {
    GoVersion::parse(s).unwrap()
}

#[test]
fn a_profile_parses_with_its_capabilities() {
    let p = parse(BASE).unwrap();
    assert_eq!(p.file.name, "deno");
    assert_eq!(p.capabilities, BTreeSet::from(["eval", "fs"]));
    assert!(p.uses_glue());
    assert!(p.uses_runner());
    assert_eq!(p.unclaimed(&v("1.26.8"), None), None);
    let why = p.unclaimed(&v("1.15"), None).unwrap();
    assert!(why.contains("claims go>=1.19, not go1.15"), "{why}");
}

#[test]
fn every_embedded_profile_is_valid() {
    let dir = crate::paths::repo_root().join("hosts");
    let names = names_in(&dir);
    for want in ["bun", "deno", "node"] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
    for n in names {
        let p = Profile::load(&dir.join(format!("{n}.toml"))).unwrap();
        assert_eq!(p.file.name, n, "a profile's name is its file's");
        // A finding named by path is a file of the repository.
        for k in &p.file.known_failures {
            if let Some(f) = k.finding.as_deref().filter(|f| !f.contains("://")) {
                let path = crate::paths::repo_root().join(f);
                assert!(
                    path.is_file(),
                    "{n}.toml names the finding {f}, which does not exist"
                );
            }
        }
    }
}

#[test]
fn unknown_fields_are_refused_and_say_where() {
    let e = err(&BASE.replace("about =", "abut ="));
    assert!(e.contains("hosts/deno.toml"), "{e}");
    assert!(e.contains("unknown field `abut`"), "{e}");
    let e = err(&BASE.replace("binary = \"deno\"", "binary = \"deno\"\nsha = \"x\""));
    assert!(e.contains("unknown field `sha`"), "{e}");
    let e = err(&BASE.replace("reason = \"one\"", "reason = \"one\"\nhost = \"x\""));
    assert!(e.contains("unknown field `host`"), "{e}");
    let e = err(&BASE.replace("script_extension", "script_ext"));
    assert!(e.contains("unknown field `script_ext`"), "{e}");
}

#[test]
fn bad_values_get_clear_errors() {
    let cases = [
        (BASE.replace("schema = 1", "schema = 2"), "schema 2"),
        (
            BASE.replace("\"eval\", ", "\"teleport\", "),
            "unknown capability `teleport`",
        ),
        (
            BASE.replace("name = \"deno\"", "name = \"de no\""),
            "name `de no`",
        ),
        (
            BASE.replace("about = \"Deno from npm\"", "about = \" \""),
            "`about` is empty",
        ),
        (BASE.replace("go = \">=1.19\"", "go = \">=1.x\""), "1.x"),
        (
            BASE.replace("npm = \"@deno/linux-x64-glibc\"", ""),
            "exactly one source",
        ),
        (
            BASE.replace(
                "binary = \"deno\"",
                "binary = \"deno\"\ngo_install = \"x/y\"",
            ),
            "exactly one source",
        ),
        (
            BASE.replace("binary = \"deno\"", "binary = \"../deno\""),
            "`binary`",
        ),
        (
            BASE.replace("version = \"2.9\"", "version = \"\""),
            "needs a `version`",
        ),
        (
            BASE.replace("reason = \"one\"", "reason = \"\""),
            "needs a `reason`",
        ),
        (
            BASE.replace("case = \"jspanic/js_error\"", "case = \"\""),
            "needs a `case`",
        ),
        (
            BASE.replace("case = \"jspanic/js_error\"", "case = []"),
            "needs a `case`",
        ),
        (BASE.replace("[\"2.9.4\", \"3\"]", "[]"), "empty `versions`"),
        (
            BASE.replace("\"{bin}\", \"run\", \"{runner}\"", "\"{bin}\", \"{runer}\""),
            "unknown placeholder `{runer}`",
        ),
        (
            BASE.replace("\"{wasm}\", \"{args}\"]\nscript", "\"{args}\"]\nscript"),
            "`{wasm}`",
        ),
        (
            BASE.replace("\"{wasm}\", \"{args}\"]\nscript", "\"{wasm}\"]\nscript"),
            "exactly once",
        ),
        (
            BASE.replace(
                "\"{wasm}\", \"{args}\"]\nscript",
                "\"{wasm}\", \"--a={args}\"]\nscript",
            ),
            "element of its own",
        ),
        (
            BASE.replace("\"run\", \"{runner}\"", "\"run\", \"{runner\""),
            "never closes",
        ),
        (BASE.replace("\"cjs\"", "\".cjs\""), "without the dot"),
    ];
    for (text, want) in cases {
        let e = err(&text);
        assert!(e.contains(want), "wanted `{want}` in: {e}");
    }
    // Without [fetch] there is no {bin}, and no host version for `versions` to match.
    let no_fetch = BASE.replace(
        "[fetch]\nnpm = \"@deno/linux-x64-glibc\"\nversion = \"2.9\"\nbinary = \"deno\"\n",
        "",
    );
    assert!(err(&no_fetch).contains("no [fetch]"));
    let no_fetch = no_fetch.replace("{bin}", "deno");
    assert!(
        err(&no_fetch).contains("fetches nothing"),
        "{}",
        err(&no_fetch)
    );
    let no_launch = BASE.split("[[launch]]").next().unwrap().to_string();
    assert!(
        err(&no_launch).contains("missing field `launch`"),
        "{}",
        err(&no_launch)
    );
    let empty = BASE.replace(
        "command = [\"{bin}\", \"run\", \"--old\", \"{runner}\", \"{glue}\", \"{wasm}\", \"{args}\"]",
        "command = []",
    );
    let e = err(&empty);
    assert!(
        e.contains("[[launch]] #1") && e.contains("`command` is empty"),
        "{e}"
    );
}

#[test]
fn host_versions_can_claim_releases_of_their_own() {
    let text = BASE.replace(
        "capabilities",
        "go_by_version = { \"2.8\" = \"<1.21\", \"2.8.1\" = \"1.20\" }\ncapabilities",
    );
    let p = parse(&text).unwrap();
    // No entry for the version: `go`.
    assert_eq!(p.unclaimed(&v("1.19"), Some("2.9.6")), None);
    assert!(p.unclaimed(&v("1.15"), Some("2.9.6")).is_some());
    // The version's own range, which may be narrower or wider than `go`.
    assert_eq!(p.unclaimed(&v("1.15"), Some("2.8.0")), None);
    let why = p.unclaimed(&v("1.21.13"), Some("2.8.0")).unwrap();
    assert!(
        why.contains("claims go<1.21 for deno@2.8.0, not go1.21.13"),
        "{why}"
    );
    // The longest matching key wins; `2.80` is not `2.8`.
    assert!(p.unclaimed(&v("1.19"), Some("2.8.1")).is_some());
    assert_eq!(p.unclaimed(&v("1.20.5"), Some("2.8.1")), None);
    assert_eq!(p.unclaimed(&v("1.26"), Some("2.80.0")), None);
    // Without a host version (a profile that fetches nothing) only `go` counts.
    assert!(p.unclaimed(&v("1.15"), None).is_some());

    let e = err(&BASE.replace("capabilities", "go_by_version = {}\ncapabilities"));
    assert!(e.contains("`go_by_version` must map host versions"), "{e}");
    let e = err(&BASE
        .replace(
            "capabilities",
            "go_by_version = { \"2.8\" = \"<1.21\" }\ncapabilities",
        )
        .replace(
            "[fetch]\nnpm = \"@deno/linux-x64-glibc\"\nversion = \"2.9\"\nbinary = \"deno\"\n",
            "",
        )
        .replace("{bin}", "deno")
        .replace("versions = [\"2.9.4\", \"3\"]\n", ""));
    assert!(e.contains("the profile fetches nothing"), "{e}");
}

#[test]
fn the_hosts_table_has_the_builtins_then_every_profile_version() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deno.toml"),
        BASE.replace("capabilities", "table = [\"2.8\", \"2.9\"]\ncapabilities"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("shell.toml"),
        "schema = 1\nname = \"shell\"\nabout = \"a command\"\ncapabilities = []\n[[launch]]\ncommand = [\"sh\", \"{wasm}\", \"{args}\"]\n",
    )
    .unwrap();
    assert_eq!(
        table_hosts(dir.path()).unwrap(),
        ["native", "browser", "deno@2.8", "deno@2.9", "shell"]
    );
    // The repository's own table: the browser, and both wazero versions and wasmbrowsertest.
    let hosts = table_hosts(&crate::paths::repo_root().join("hosts")).unwrap();
    for want in [
        "native",
        "browser",
        "wazero@v1.2.1",
        "wazero@v1.6.0",
        "wasmbrowsertest@v0.11.0",
    ] {
        assert!(hosts.iter().any(|h| h == want), "no {want} in {hosts:?}");
    }
}

#[test]
fn the_table_judges_the_listed_versions_or_the_fetched_one() {
    let p = parse(BASE).unwrap();
    assert_eq!(p.table_specs("deno"), ["deno@2.9"]);
    let p =
        parse(&BASE.replace("capabilities", "table = [\"2.9\", \"2.10\"]\ncapabilities")).unwrap();
    assert_eq!(p.table_specs("deno"), ["deno@2.9", "deno@2.10"]);
    let e = err(&BASE.replace("capabilities", "table = []\ncapabilities"));
    assert!(e.contains("`table` must list host versions"), "{e}");
}

#[test]
fn the_launch_line_is_the_first_covering_the_release() {
    let p = parse(BASE).unwrap();
    let old = p.launch_for(&v("1.19.8")).unwrap();
    assert!(old.command.contains(&"--old".to_string()));
    assert_eq!(old.script_extension, None);
    let new = p.launch_for(&v("1.21.0")).unwrap();
    assert!(!new.command.contains(&"--old".to_string()));
    assert_eq!(new.script_extension.as_deref(), Some("cjs"));
    assert!(std::ptr::eq(p.launch_for(&v("1.26.8")).unwrap(), new));
    // With no catch-all line, a release no line covers has none.
    let only_old =
        parse(&BASE.replace("[[launch]]\ncommand", "[[launch]]\ngo = \"1.20\"\ncommand")).unwrap();
    assert!(only_old.launch_for(&v("1.26")).is_none());
}

#[test]
fn a_launch_line_is_filled_in() {
    let p = parse(BASE).unwrap();
    let vars = LaunchVars {
        bin: Some("/c/deno".into()),
        runner: Some("/c/r.cjs".into()),
        glue: Some("/c/g.cjs".into()),
        goroot: None,
        wasm: "/t/m.wasm".into(),
    };
    let args = ["a b".to_string(), "{wasm}".to_string()];
    let line = p.launch_for(&v("1.26")).unwrap().command_line(&vars, &args);
    let line: Vec<_> = line
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // The program's own arguments are passed as they are, placeholders and all.
    assert_eq!(
        line,
        [
            "/c/deno",
            "run",
            "/c/r.cjs",
            "/c/g.cjs",
            "/t/m.wasm",
            "a b",
            "{wasm}"
        ]
    );
    let mount = Launch {
        go: None,
        command: vec![
            "wazero".into(),
            "-mount={goroot}:/go".into(),
            "{wasm}".into(),
            "{args}".into(),
        ],
        script_extension: None,
    };
    let line = mount.command_line(
        &LaunchVars {
            goroot: Some("/usr/lib/go".into()),
            wasm: "m.wasm".into(),
            ..Default::default()
        },
        &[],
    );
    assert_eq!(line, ["wazero", "-mount=/usr/lib/go:/go", "m.wasm"]);
}

#[test]
fn known_failures_match_case_release_and_host_version() {
    let p = parse(BASE).unwrap();
    let reason = |case: &str, go: &str, hv: Option<&str>| {
        p.known_failure(case, &v(go), hv).map(|k| k.reason.as_str())
    };
    assert_eq!(
        reason("jspanic/js_error", "1.19", Some("2.9.6")),
        Some("one")
    );
    assert_eq!(reason("jspanic/js_error_2", "1.26", Some("2.9.6")), None);
    assert_eq!(reason("abi/module/no_getsp", "1.24.11", None), Some("two"));
    assert_eq!(reason("abi/module/no_getsp", "1.23", None), None);
    assert_eq!(reason("abi/modulex", "1.26", None), None);
    assert_eq!(
        reason("fs/lstat_stat", "1.26", Some("2.9.4")),
        Some("three")
    );
    assert_eq!(
        reason("fs/lstat_stat", "1.26", Some("3.0.1")),
        Some("three")
    );
    assert_eq!(reason("fs/lstat_stat", "1.26", Some("2.9.6")), None);
    assert_eq!(reason("fs/lstat_stat", "1.26", Some("30.0.0")), None);
    assert_eq!(reason("fs/lstat_stat", "1.26", None), None);
    assert_eq!(reason("fs/other", "1.26", Some("3.1")), Some("three"));
    assert_eq!(
        p.known_failure("abi/module/x", &v("1.26"), None)
            .unwrap()
            .finding
            .as_deref(),
        Some("reports/findings/two.md")
    );
}

#[test]
fn globs_and_version_prefixes() {
    assert!(glob_matches("a/b", "a/b"));
    assert!(!glob_matches("a/b", "a/bc"));
    assert!(glob_matches("*", ""));
    assert!(glob_matches("a/*", "a/b/c"));
    assert!(glob_matches("*_stat", "fs/lstat_stat"));
    assert!(glob_matches("a*b*c", "a-b-b-c"));
    assert!(!glob_matches("a*b*c", "a-c-b"));
    assert!(
        !glob_matches("ab*ba", "aba"),
        "the two ends may not overlap"
    );
    assert!(!glob_matches("é*", "e\u{301}x"));
    assert!(glob_matches("*é", "café"));
    assert!(version_matches("22", "22.23.5"));
    assert!(version_matches("v1.6.0", "v1.6.0"));
    assert!(version_matches("1.6", "v1.6.0"));
    assert!(!version_matches("22", "220.0.0"));
    assert!(!version_matches("2.9.6", "2.9.60"));
}
