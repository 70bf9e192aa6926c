//! The working directory of one run: the input's files laid out before it, and every file
//! in it read back after (the files a program wrote are part of its outcome).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use super::spec::Input;
use crate::toolchain::Toolchain;

/// Write the input's files into `dir`: inline contents, then copies from the GOROOT.
pub fn populate(dir: &Path, input: &Input, tc: &Toolchain) -> anyhow::Result<()> {
    for (rel, text) in &input.files {
        write(&dir.join(rel), text.as_bytes())?;
    }
    for (rel, from) in &input.goroot_files {
        let src = tc.goroot.join(from);
        let bytes = std::fs::read(&src).with_context(|| {
            format!(
                "input `{}` copies {} from the GOROOT, which {tc} lacks: name a file every \
                 release has",
                input.name,
                src.display()
            )
        })?;
        write(&dir.join(rel), &bytes)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Every file under `dir`, by path relative to it (with `/`), with its contents; a
/// directory appears as `path/` with no contents, so empty directories count too. Modes
/// are left out: GOOS=js sets them through the host's `fs`, which may legitimately differ.
pub fn snapshot(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let ft = e.file_type()?;
        if ft.is_dir() {
            out.insert(format!("{rel}/"), Vec::new());
            walk(root, &path, out)?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&path)?;
            out.insert(rel, format!("-> {}", target.display()).into_bytes());
        } else {
            out.insert(
                rel,
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
            );
        }
    }
    Ok(())
}
