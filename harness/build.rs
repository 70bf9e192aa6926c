//! Embeds the suite's own files (`cases/`, `goprograms/`, `mutants/`, `hosts/`, `real/`) in the library, so that
//! an installed `gojs-harness` runs the suite from any directory, its checkout long gone
//! (see `paths::repo_root`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DIRS: [&str; 5] = ["cases", "goprograms", "mutants", "hosts", "real"];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut files = Vec::new();
    for dir in DIRS {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        walk(&root, &path, &mut files);
    }
    files.sort();
    // FNV-1a over names and contents: the extracted copy's directory name.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut code =
        String::from("/// Every embedded file: its path in the checkout, and its bytes.\n");
    code.push_str("pub const FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        for b in rel.bytes().chain(std::fs::read(abs).unwrap()) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        let _ = writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        );
    }
    code.push_str("];\n");
    let _ = writeln!(
        code,
        "/// A digest of [`FILES`].\npub const DIGEST: &str = \"{hash:016x}\";"
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("suite_files.rs");
    std::fs::write(out, code).unwrap();

    // A position-independent executable this size has some 130,000 relocations to apply at
    // every start, writing 1.8 MB of pages (about 500 page faults, a fifth of a warm hello
    // world's): `go test -exec` starts the binary once per test binary run. Linked at a
    // fixed address, the loader has nothing to relocate.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=gojs-harness=-no-pie");
    }
}

/// The files under `dir`, as (path relative to `root` with `/`, absolute path); hidden
/// entries (editor and cargo-fuzz leftovers) left out.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}
