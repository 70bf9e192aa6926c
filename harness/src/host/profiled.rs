//! A host described by a profile (`hosts/NAME.toml`, or a file of the user's): the profile's
//! command line around `WASM ARGS...`, run by the same process runner as a `cmd:` host, with
//! the profile's capabilities, claimed releases and known failures.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::process::run_with_timeout;
use super::{Capability, Host, HostOptions, KnownFailureNote, RunOutcome, RunRequest, fetch};
use crate::paths::write_atomically;
use crate::profile::{LaunchVars, Profile};
use crate::toolchain::Toolchain;
use crate::version::GoVersion;

pub struct ProfileHost {
    name: String,
    profile: Profile,
    /// The fetched host's version (`None` for a profile that fetches nothing).
    version: Option<String>,
    /// The fetched executable, `{bin}`.
    bin: Option<PathBuf>,
    /// A glue replacing every toolchain's own (`--glue FILE`).
    glue: Option<PathBuf>,
    cache_dir: PathBuf,
}

/// The profile a host spec names, if it names one: `NAME` or `NAME@VERSION` for
/// `hosts/NAME.toml`, or a profile file's path (`./mine.toml`, `mine.toml@1.2`). `node`
/// alone is the reference host (Node on PATH), not the profile; `node@22` is the profile.
pub fn from_spec(spec: &str, opts: &HostOptions) -> anyhow::Result<Option<Arc<dyn Host>>> {
    let (base, version) = match spec.rsplit_once('@') {
        Some((b, v)) => (b, Some(v)),
        None => (spec, None),
    };
    let path = if base.ends_with(".toml") {
        PathBuf::from(base)
    } else {
        if base == "node" && version.is_none() {
            return Ok(None);
        }
        let path = opts.hosts_dir.join(format!("{base}.toml"));
        if !path.is_file() {
            return Ok(None);
        }
        path
    };
    if version.is_some_and(|v| v.trim().is_empty()) {
        bail!(
            "`{spec}` names no version after `@`: give one, as in {base}@22, or leave out the `@`"
        );
    }
    let profile = Profile::load(&path)?;
    Ok(Some(Arc::new(ProfileHost::new(profile, version, opts)?)))
}

impl ProfileHost {
    /// The host `profile` describes, fetched now if it must be (`version`: the host version
    /// asked for, else the profile's default).
    pub fn new(
        profile: Profile,
        version: Option<&str>,
        opts: &HostOptions,
    ) -> anyhow::Result<ProfileHost> {
        let glue = match &opts.glue {
            Some(g) => Some(
                g.canonicalize()
                    .with_context(|| format!("the glue {} cannot be read", g.display()))?,
            ),
            None => None,
        };
        let (name, version, bin) = match &profile.file.fetch {
            Some(f) => {
                let selector = version.unwrap_or(&f.version);
                let got = fetch::fetch(&opts.cache_dir, &profile.file.name, f, selector)
                    .with_context(|| {
                        format!(
                            "cannot fetch the {} host of {}",
                            profile.file.name,
                            profile.path.display()
                        )
                    })?;
                let name = format!("{}@{}", profile.file.name, got.version);
                (name, Some(got.version), Some(got.binary))
            }
            None => {
                if let Some(v) = version {
                    bail!(
                        "the profile {} fetches nothing, so there is no version `{v}` to choose: leave out `@{v}`",
                        profile.path.display()
                    );
                }
                (profile.file.name.clone(), None, None)
            }
        };
        Ok(ProfileHost {
            name,
            profile,
            version,
            bin,
            glue,
            cache_dir: opts.cache_dir.clone(),
        })
    }

    /// The profile this host runs by.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The glue (`--glue`, else the toolchain's), copied with extension `ext` if the launch
    /// needs one.
    fn staged_glue(&self, toolchain: &Toolchain, ext: Option<&str>) -> anyhow::Result<PathBuf> {
        let g = match &self.glue {
            Some(g) => g.clone(),
            None => toolchain.glue()?,
        };
        if !g.is_file() {
            bail!("the glue {} does not exist", g.display());
        }
        Ok(match ext {
            Some(ext) => stage(&self.cache_dir, &g, ext)?,
            None => g,
        })
    }
}

impl Host for ProfileHost {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &BTreeSet<Capability> {
        &self.profile.capabilities
    }

    fn needs_toolchain_glue(&self) -> bool {
        self.profile.uses_glue() && self.glue.is_none()
    }

    fn unclaimed(&self, go: &GoVersion) -> Option<String> {
        self.profile.unclaimed(go, self.version.as_deref())
    }

    fn known_failure(&self, case: &str, go: &GoVersion) -> Option<KnownFailureNote> {
        let k = self
            .profile
            .known_failure(case, go, self.version.as_deref())?;
        let reason = match &k.finding {
            Some(f) => format!("{} (finding: {f})", k.reason),
            None => k.reason.clone(),
        };
        Some(KnownFailureNote {
            reason,
            source: format!(
                "the [[known_failure]] `{}` of {}",
                k.case,
                self.profile.path.display()
            ),
            intermittent: k.intermittent,
        })
    }

    fn worker_command(&self, toolchain: &Toolchain) -> anyhow::Result<Option<Vec<OsString>>> {
        let Some(launch) = self.profile.launch_for(&toolchain.version) else {
            return Ok(None);
        };
        let uses = |ph: &str| launch.command.iter().any(|a| a.contains(ph));
        // Only a launch of the runner itself can run the worker in its place.
        if !uses("{runner}") || !uses("{glue}") {
            return Ok(None);
        }
        let ext = launch.script_extension.as_deref();
        const WASM: &str = "\u{0}wasm";
        let vars = LaunchVars {
            bin: self.bin.clone(),
            runner: Some(super::worker::install_script(
                &self.cache_dir,
                ext.unwrap_or("js"),
            )?),
            glue: Some(self.staged_glue(toolchain, ext)?),
            goroot: Some(toolchain.goroot.clone()),
            wasm: PathBuf::from(WASM),
        };
        let line = launch.command_line(&vars, &[]);
        // The worker reads modules from stdin: the module's own argument goes.
        if line
            .iter()
            .any(|a| a.to_string_lossy().contains(WASM) && a != WASM)
        {
            return Ok(None);
        }
        Ok(Some(line.into_iter().filter(|a| a != WASM).collect()))
    }

    fn run(&self, req: &RunRequest) -> anyhow::Result<RunOutcome> {
        let go = &req.toolchain.version;
        let Some(launch) = self.profile.launch_for(go) else {
            bail!(
                "no [[launch]] of {} covers go{go}: add one, or narrow the profile's `go`",
                self.profile.path.display()
            );
        };
        let ext = launch.script_extension.as_deref();
        let uses = |ph: &str| launch.command.iter().any(|a| a.contains(ph));
        let runner = if uses("{runner}") {
            Some(super::node::install_runner(
                &self.cache_dir,
                ext.unwrap_or("js"),
            )?)
        } else {
            None
        };
        let glue = if uses("{glue}") {
            Some(self.staged_glue(&req.toolchain, ext)?)
        } else {
            None
        };
        let vars = LaunchVars {
            bin: self.bin.clone(),
            runner,
            glue,
            goroot: Some(req.toolchain.goroot.clone()),
            wasm: req.wasm.clone(),
        };
        let line = launch.command_line(&vars, &req.args);
        let Some((program, args)) = line.split_first() else {
            bail!(
                "the launch line of {} is empty",
                self.profile.path.display()
            );
        };
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&req.cwd)
            .env_clear()
            .envs(&req.env);
        run_with_timeout(cmd, req.timeout)
    }
}

/// A copy of `file` named by its contents with extension `ext` (`wasm_exec-HASH.cjs`), made
/// once: written atomically, so that concurrent trials never read half of it.
fn stage(cache_dir: &Path, file: &Path, ext: &str) -> anyhow::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("script");
    let path = cache_dir
        .join("staged")
        .join(format!("{stem}-{hash}.{ext}"));
    if !path.is_file() {
        write_atomically(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::host::Exit;
    use crate::toolchain::Toolchain;

    const SHELL: &str = r#"
schema = 1
name = "shell"
about = "a shell script standing in for a host"
go = ">=1.21"
capabilities = ["exit-code", "stderr"]

[[launch]]
go = "<1.24"
command = ["sh", "-c", "echo old $0 \"$@\"; exit 4", "{wasm}", "{args}"]

[[launch]]
command = ["sh", "-c", "echo new $(basename $0) \"$@\"; echo e >&2; exit 3", "{wasm}", "{args}"]

[[known_failure]]
case = "exit/*"
reason = "exits 3"
finding = "reports/findings/shell.md"
"#;

    fn opts(dir: &Path) -> HostOptions {
        HostOptions {
            glue: None,
            cache_dir: dir.join("cache"),
            hosts_dir: dir.join("hosts"),
        }
    }

    fn request(go: &str) -> RunRequest {
        RunRequest {
            wasm: PathBuf::from("/m/prog.wasm"),
            args: vec!["a b".into(), "c".into()],
            env: BTreeMap::from([("PATH".into(), std::env::var("PATH").unwrap_or_default())]),
            cwd: std::env::temp_dir(),
            timeout: Duration::from_secs(20),
            toolchain: Toolchain {
                version: GoVersion::parse(go).unwrap(),
                version_text: format!("go{go}"),
                goroot: PathBuf::from("/goroot"),
            },
            trace: None,
        }
    }

    #[test]
    fn a_profile_host_runs_its_launch_line_for_the_release() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mine.toml");
        std::fs::write(&file, SHELL).unwrap();
        let spec = file.to_string_lossy().into_owned();
        let host = from_spec(&spec, &opts(dir.path())).unwrap().unwrap();
        assert_eq!(host.name(), "shell");
        assert_eq!(
            host.capabilities(),
            &BTreeSet::from(["exit-code", "stderr"])
        );
        assert!(!host.needs_toolchain_glue());
        let new = host.run(&request("1.26")).unwrap();
        assert_eq!(new.exit, Exit::Code(3));
        assert_eq!(
            String::from_utf8_lossy(&new.stdout),
            "new prog.wasm a b c\n"
        );
        assert_eq!(new.stderr, b"e\n");
        let old = host.run(&request("1.21.13")).unwrap();
        assert_eq!(old.exit, Exit::Code(4));
        assert_eq!(
            String::from_utf8_lossy(&old.stdout),
            "old /m/prog.wasm a b c\n"
        );
        let go = GoVersion::parse("1.26").unwrap();
        let note = host.known_failure("exit/os_exit_3", &go).unwrap();
        assert_eq!(note.reason, "exits 3 (finding: reports/findings/shell.md)");
        assert!(note.source.contains("`exit/*`"), "{}", note.source);
        assert!(host.known_failure("hello/hello", &go).is_none());
        assert!(host.unclaimed(&go).is_none());
        assert!(
            host.unclaimed(&GoVersion::parse("1.19").unwrap())
                .unwrap()
                .contains("claims go>=1.21")
        );
    }

    #[test]
    fn specs_name_profiles_and_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let o = opts(dir.path());
        std::fs::create_dir_all(&o.hosts_dir).unwrap();
        std::fs::write(o.hosts_dir.join("shell.toml"), SHELL).unwrap();
        std::fs::write(o.hosts_dir.join("node.toml"), SHELL).unwrap();
        assert_eq!(from_spec("shell", &o).unwrap().unwrap().name(), "shell");
        // `node` alone stays the reference host; only `node@N` is the profile.
        assert!(from_spec("node", &o).unwrap().is_none());
        assert!(from_spec("nosuch", &o).unwrap().is_none());
        let e = format!("{:#}", from_spec("shell@", &o).err().unwrap());
        assert!(e.contains("names no version after `@`"), "{e}");
        let e = format!("{:#}", from_spec("shell@1.0", &o).err().unwrap());
        assert!(e.contains("fetches nothing"), "{e}");
        let e = format!("{:#}", from_spec("/nonexistent/x.toml", &o).err().unwrap());
        assert!(
            e.contains("cannot read the host profile /nonexistent/x.toml"),
            "{e}"
        );
        std::fs::write(o.hosts_dir.join("bad.toml"), SHELL.replace("about", "abut")).unwrap();
        let e = format!("{:#}", from_spec("bad", &o).err().unwrap());
        assert!(
            e.contains("bad.toml is not valid") && e.contains("abut"),
            "{e}"
        );
        let e = format!("{:#}", crate::host::from_spec("nosuch", &o).err().unwrap());
        assert!(e.contains("bad, node, shell"), "{e}");
    }

    #[test]
    fn staged_copies_are_named_by_content_and_extension() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("wasm_exec.js");
        std::fs::write(&src, "glue").unwrap();
        let a = stage(dir.path(), &src, "cjs").unwrap();
        assert_eq!(a.extension().unwrap(), "cjs");
        assert!(
            a.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("wasm_exec-")
        );
        assert_eq!(std::fs::read(&a).unwrap(), b"glue");
        assert_eq!(stage(dir.path(), &src, "cjs").unwrap(), a);
        std::fs::write(&src, "other glue").unwrap();
        assert_ne!(stage(dir.path(), &src, "cjs").unwrap(), a);
    }
}
