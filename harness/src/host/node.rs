//! The reference host: Node with a glue (`wasm_exec.js`), the toolchain's own or one given.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, bail};

use super::process::run_with_timeout;
use super::{Capability, Host, NODE_CAPABILITIES, RunOutcome, RunRequest};
use crate::paths::write_atomically;

/// The runner script (also lists a glue's imports for the ABI inventory).
pub(crate) const RUNNER: &str = include_str!("node_runner.js");

/// Node running the harness's runner script with a chosen glue.
pub struct NodeHost {
    name: String,
    node: PathBuf,
    /// A glue that replaces every toolchain's own (`--glue FILE`).
    glue: Option<PathBuf>,
    runner: PathBuf,
    caps: BTreeSet<Capability>,
}

impl NodeHost {
    /// `node` from PATH (or `GOJS_NODE`); `glue` overrides the toolchain's `wasm_exec.js`.
    pub fn new(glue: Option<&Path>, cache_dir: &Path) -> anyhow::Result<NodeHost> {
        let node = std::env::var_os("GOJS_NODE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("node"));
        check_node(&node)?;
        let glue = match glue {
            Some(g) => Some(
                g.canonicalize()
                    .with_context(|| format!("the glue {} cannot be read", g.display()))?,
            ),
            None => None,
        };
        let runner = install_runner(cache_dir, "js")?;
        let name = "node".to_string();
        let caps = NODE_CAPABILITIES.iter().copied().collect();
        Ok(NodeHost {
            name,
            node,
            glue,
            runner,
            caps,
        })
    }
}

fn check_node(node: &Path) -> anyhow::Result<()> {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    CHECKED
        .get_or_init(|| match Command::new(node).arg("--version").output() {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "`{} --version` failed: {}",
                node.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(_) => Err(format!(
                "Node is not installed (no `{}` on PATH): install Node.js 18 or newer, \
                 or set GOJS_NODE to its path",
                node.display()
            )),
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The runner lives in the cache under a name derived from its contents, so concurrent
/// harness processes never see it half-written. `ext` is its extension: `cjs` for hosts
/// that take a `.js` file outside a CommonJS package for an ES module (Deno).
pub(crate) fn install_runner(cache_dir: &Path, ext: &str) -> anyhow::Result<PathBuf> {
    install_script(cache_dir, "node_runner", RUNNER, ext, "the Node runner")
}

/// `script` in the cache as `STEM-HASH.EXT`, named by its contents (see [`install_runner`]);
/// `what` names it in errors.
pub(crate) fn install_script(
    cache_dir: &Path,
    stem: &str,
    script: &str,
    ext: &str,
    what: &str,
) -> anyhow::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(script.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = cache_dir.join(format!("{stem}-{hash}.{ext}"));
    if !path.is_file() {
        write_atomically(&path, script.as_bytes())
            .with_context(|| format!("writing {what} to {}", path.display()))?;
    }
    Ok(path)
}

impl Host for NodeHost {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &BTreeSet<Capability> {
        &self.caps
    }

    fn needs_toolchain_glue(&self) -> bool {
        self.glue.is_none()
    }

    fn is_reference(&self) -> bool {
        // Another glue is what is under test, not the reference.
        self.glue.is_none()
    }

    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome> {
        let glue = match &self.glue {
            Some(g) => g.clone(),
            None => req.toolchain.glue()?,
        };
        if !glue.is_file() {
            bail!("the glue {} does not exist", glue.display());
        }
        let mut cmd = Command::new(&self.node);
        cmd.arg("--stack-size=8192").arg(&self.runner);
        if let Some(t) = &req.trace {
            let mut flag = std::ffi::OsString::from("--trace=");
            flag.push(t);
            cmd.arg(flag)
                .arg(format!("--layout={}", gojs_abi::trace::layout_json()));
        }
        cmd.arg(&glue)
            .arg(&req.wasm)
            .args(&req.args)
            .current_dir(&req.cwd)
            .env_clear()
            .envs(&req.env);
        run_with_timeout(cmd, req.timeout)
    }
}

/// `node --version` of the Node the node host runs (`GOJS_NODE`, else `node` on PATH), or
/// an empty string when it cannot be run.
pub fn node_version() -> String {
    std::process::Command::new(std::env::var_os("GOJS_NODE").unwrap_or_else(|| "node".into()))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
