//! The file-system sandbox: which host directories a program may reach, and how its paths
//! resolve to host paths.
//!
//! The program sees a guest namespace: each [`Grant`] puts a host directory at a guest path
//! (the same path by default, `--dir HOST:GUEST` elsewhere). Guest paths resolve against the
//! guest working directory, one component at a time: `..` pops the components resolved so
//! far (each a real directory, so this is the physical parent), every component inside a
//! grant is `lstat`ed, and symbolic links are followed here, by reading them and splicing
//! their target into the rest of the path (an absolute target starts again at the guest
//! root), at most [`MAX_LINKS`] times (then `ELOOP`). A component that is neither inside a
//! grant nor a directory on the way to one (`/` and `/tmp` on the way to `/tmp/x`) ends the
//! resolution with `EACCES`, as does a result that is not inside a grant. The host path that
//! comes out names no symbolic link but possibly its last component (when it is not
//! followed), so the operation that uses it never follows one the sandbox has not checked.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::errno::Errno;

/// Linux's limit on symbolic links followed in one resolution.
pub const MAX_LINKS: usize = 40;

/// A host directory given to the program, at a guest path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The host directory (absolute, no symbolic links).
    pub host: PathBuf,
    /// Where the program sees it, as components (empty: the guest root).
    pub guest: Vec<OsString>,
}

impl Grant {
    /// Give `host` at `guest` (an absolute guest path). The host directory must exist; its
    /// path is canonicalized here, once, since the user named it.
    pub fn new(host: &Path, guest: &str) -> Result<Grant, String> {
        let canon = std::fs::canonicalize(host)
            .map_err(|e| format!("cannot use {} as a directory: {e}", host.display()))?;
        if !canon.is_dir() {
            return Err(format!("{} is not a directory", host.display()));
        }
        if !guest.starts_with('/') {
            return Err(format!(
                "the guest path {guest:?} of {} must be absolute",
                host.display()
            ));
        }
        Ok(Grant {
            host: canon,
            guest: lexical(&[], guest.as_bytes()),
        })
    }

    /// `--dir HOST[:GUEST]` (GUEST defaults to HOST made absolute).
    pub fn parse(spec: &str) -> Result<Grant, String> {
        let (host, guest) = match spec.split_once(':') {
            Some((h, g)) => (h, Some(g)),
            None => (spec, None),
        };
        if host.is_empty() {
            return Err(format!("--dir {spec:?}: no host directory"));
        }
        let guest = match guest {
            Some(g) => g.to_string(),
            None => std::path::absolute(host)
                .map_err(|e| format!("--dir {spec:?}: {e}"))?
                .to_string_lossy()
                .into_owned(),
        };
        Grant::new(Path::new(host), &guest)
    }
}

/// Split `path` into components, applying `.` and `..` lexically on top of `base` (used only
/// for grants and the initial working directory, which are trusted).
fn lexical(base: &[OsString], path: &[u8]) -> Vec<OsString> {
    let mut out: Vec<OsString> = if path.starts_with(b"/") {
        Vec::new()
    } else {
        base.to_vec()
    };
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                out.pop();
            }
            c => out.push(OsStr::from_bytes(c).to_os_string()),
        }
    }
    out
}

/// A resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Where it is on the host.
    pub host: PathBuf,
    /// Its absolute guest path, normalized.
    pub guest: String,
    /// Whether it is the top of a grant (and of no wider one): its directory entry belongs
    /// to a directory outside, so it may not be created, removed or renamed.
    pub grant_root: bool,
    /// The last component as written.
    pub last: Last,
}

/// The last component of a path as written: calls that create, remove or rename an entry
/// fail on `.` and `..` (and `/`) the way the kernel's do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Last {
    Name,
    /// `.`, or no component at all (`/`).
    Dot,
    DotDot,
}

impl Last {
    fn of(path: &[u8]) -> Last {
        match path.split(|&b| b == b'/').rfind(|c| !c.is_empty()) {
            Some(b"..") => Last::DotDot,
            Some(b".") | None => Last::Dot,
            Some(_) => Last::Name,
        }
    }
}

impl Resolved {
    /// Refuse to touch the entry of a grant's top directory.
    pub fn entry(self) -> Result<Resolved, Errno> {
        if self.grant_root {
            Err(Errno::EACCES)
        } else {
            Ok(self)
        }
    }
}

/// The grants and the guest working directory.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    grants: Vec<Grant>,
    cwd: Vec<OsString>,
}

/// The guest path of components.
fn guest_string(c: &[OsString]) -> String {
    let mut s = String::new();
    for part in c {
        s.push('/');
        s.push_str(&part.to_string_lossy());
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

impl Sandbox {
    /// A sandbox with these grants, the program starting in guest directory `cwd`.
    pub fn new(grants: Vec<Grant>, cwd: &str) -> Sandbox {
        Sandbox {
            grants,
            cwd: lexical(&[], cwd.as_bytes()),
        }
    }

    /// The guest working directory (`process.cwd()`).
    pub fn cwd(&self) -> String {
        guest_string(&self.cwd)
    }

    /// `process.chdir`: `path` must resolve to a directory.
    pub fn chdir(&mut self, path: &str) -> Result<(), Errno> {
        let r = self.resolve(path, true)?;
        let md = std::fs::symlink_metadata(&r.host)?;
        if !md.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        self.cwd = lexical(&[], r.guest.as_bytes());
        Ok(())
    }

    /// The host path of guest components, if they are inside a grant (the longest match).
    fn host_of(&self, c: &[OsString]) -> Option<PathBuf> {
        let g = self
            .grants
            .iter()
            .filter(|g| c.starts_with(&g.guest))
            .max_by_key(|g| g.guest.len())?;
        let mut p = g.host.clone();
        for part in &c[g.guest.len()..] {
            p.push(part);
        }
        Some(p)
    }

    /// Whether guest components name the top of a grant that no other grant contains.
    fn is_grant_root(&self, c: &[OsString]) -> bool {
        self.grants.iter().any(|g| g.guest == c)
            && !self
                .grants
                .iter()
                .any(|g| g.guest.len() < c.len() && c.starts_with(&g.guest))
    }

    /// Whether guest components name a directory on the way to a grant.
    fn leads_to_grant(&self, c: &[OsString]) -> bool {
        self.grants
            .iter()
            .any(|g| g.guest.len() > c.len() && g.guest.starts_with(c))
    }

    /// Resolve a guest path. `follow` says whether a symbolic link in the last component is
    /// followed (a trailing `/` always follows it). The last component need not exist.
    pub fn resolve(&self, path: &str, follow: bool) -> Result<Resolved, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.contains('\0') {
            return Err(Errno::EINVAL);
        }
        if path.len() > libc::PATH_MAX as usize {
            return Err(Errno::ENAMETOOLONG);
        }
        let bytes = path.as_bytes();
        let trailing_slash = bytes.ends_with(b"/");
        let mut done: Vec<OsString> = Vec::new();
        // Components still to resolve, next one last. A relative path starts with the working
        // directory's components, checked again like the rest: one of them may have become
        // a symbolic link since the program went there.
        let mut todo: Vec<OsString> = Vec::new();
        push_components(&mut todo, bytes);
        if !bytes.starts_with(b"/") {
            todo.extend(self.cwd.iter().rev().cloned());
        }
        let mut links = 0;
        while let Some(c) = todo.pop() {
            if c == "." {
                continue;
            }
            if c == ".." {
                done.pop();
                continue;
            }
            done.push(c);
            let last = todo.is_empty();
            let Some(host) = self.host_of(&done) else {
                if self.leads_to_grant(&done) {
                    continue;
                }
                return Err(Errno::EACCES);
            };
            let md = match std::fs::symlink_metadata(&host) {
                Ok(md) => md,
                // The last component may be about to be created.
                Err(e) if last && e.raw_os_error() == Some(libc::ENOENT) => break,
                Err(e) => return Err(Errno::of(&e)),
            };
            if md.file_type().is_symlink() && (!last || follow || trailing_slash) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(Errno::ELOOP);
                }
                let target = std::fs::read_link(&host)?;
                done.pop();
                let target = target.into_os_string().into_vec();
                if target.starts_with(b"/") {
                    done.clear();
                }
                push_components(&mut todo, &target);
            } else if !last && !md.is_dir() {
                return Err(Errno::ENOTDIR);
            }
        }
        let mut host = self.host_of(&done).ok_or(Errno::EACCES)?;
        if trailing_slash {
            // The kernel then insists on a directory, as it would for the guest's path.
            host.as_mut_os_string().push("/");
        }
        Ok(Resolved {
            host,
            guest: guest_string(&done),
            grant_root: self.is_grant_root(&done),
            last: Last::of(bytes),
        })
    }
}

/// Push the components of `path` onto `todo` so that the first is popped first (empty
/// components dropped; `.` and `..` kept: the component before either must be a
/// directory).
fn push_components(todo: &mut Vec<OsString>, path: &[u8]) {
    for c in path.split(|&b| b == b'/').rev() {
        if c.is_empty() {
            continue;
        }
        todo.push(OsString::from_vec(c.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    struct Fixture {
        _root: tempfile::TempDir,
        /// Host root of the fixture (canonical).
        base: PathBuf,
        sb: Sandbox,
    }

    /// base/box (granted, the cwd) with box/sub/file, box/in -> sub, box/abs -> base/out,
    /// box/up -> ../out, box/loop -> loop, box/sub/back -> ../sub/file; base/out/secret
    /// (not granted).
    fn fixture() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(root.path()).unwrap();
        let bx = base.join("box");
        std::fs::create_dir_all(bx.join("sub")).unwrap();
        std::fs::create_dir_all(base.join("out")).unwrap();
        std::fs::write(bx.join("sub/file"), "x").unwrap();
        std::fs::write(base.join("out/secret"), "s").unwrap();
        symlink("sub", bx.join("in")).unwrap();
        symlink(base.join("out"), bx.join("abs")).unwrap();
        symlink("../out", bx.join("up")).unwrap();
        symlink("loop", bx.join("loop")).unwrap();
        symlink("../sub/file", bx.join("sub/back")).unwrap();
        symlink("sub/file", bx.join("filelink")).unwrap();
        let g = Grant::new(&bx, bx.to_str().unwrap()).unwrap();
        let sb = Sandbox::new(vec![g], bx.to_str().unwrap());
        Fixture {
            _root: root,
            base,
            sb,
        }
    }

    #[test]
    fn inside_paths_resolve() {
        let f = fixture();
        let bx = f.base.join("box");
        assert_eq!(
            f.sb.resolve("sub/file", true).unwrap().host,
            bx.join("sub/file")
        );
        assert_eq!(
            f.sb.resolve("./sub/../sub/file", true).unwrap().host,
            bx.join("sub/file")
        );
        let abs = format!("{}/sub/file", bx.display());
        assert_eq!(f.sb.resolve(&abs, true).unwrap().host, bx.join("sub/file"));
        // Not yet existing last component.
        assert_eq!(
            f.sb.resolve("sub/new", true).unwrap().host,
            bx.join("sub/new")
        );
        assert_eq!(f.sb.resolve(".", true).unwrap().host, bx);
        assert_eq!(f.sb.resolve(".", true).unwrap().guest, bx.to_str().unwrap());
    }

    #[test]
    fn links_inside_are_followed() {
        let f = fixture();
        let bx = f.base.join("box");
        assert_eq!(
            f.sb.resolve("in/file", true).unwrap().host,
            bx.join("sub/file")
        );
        assert_eq!(
            f.sb.resolve("sub/back", true).unwrap().host,
            bx.join("sub/file")
        );
        // Not following the last component leaves the link itself.
        assert_eq!(
            f.sb.resolve("filelink", false).unwrap().host,
            bx.join("filelink")
        );
        assert_eq!(
            f.sb.resolve("filelink", true).unwrap().host,
            bx.join("sub/file")
        );
        // `..` after a link is the parent of its target.
        assert_eq!(
            f.sb.resolve("in/../sub/file", true).unwrap().host,
            bx.join("sub/file")
        );
    }

    #[test]
    fn escapes_are_refused() {
        let f = fixture();
        let out = f.base.join("out/secret");
        for p in [
            "../out/secret",
            "../../../../../../etc/passwd",
            "/etc/passwd",
            out.to_str().unwrap(),
            "abs/secret",
            "up/secret",
            "sub/../../out",
            "..",
            "/",
        ] {
            assert_eq!(f.sb.resolve(p, true), Err(Errno::EACCES), "{p}");
        }
        // The links themselves can be looked at, not followed.
        assert!(f.sb.resolve("abs", false).is_ok());
        assert_eq!(f.sb.resolve("abs/", false), Err(Errno::EACCES));
        // Climbing out and back in is fine.
        assert!(f.sb.resolve("../box/sub/file", true).is_ok());
    }

    #[test]
    fn errors_of_the_walk() {
        let f = fixture();
        assert_eq!(f.sb.resolve("loop", true), Err(Errno::ELOOP));
        assert!(f.sb.resolve("loop", false).is_ok());
        assert_eq!(f.sb.resolve("nope/file", true), Err(Errno::ENOENT));
        assert_eq!(f.sb.resolve("sub/file/x", true), Err(Errno::ENOTDIR));
        assert_eq!(f.sb.resolve("sub/file/..", true), Err(Errno::ENOTDIR));
        assert_eq!(f.sb.resolve("sub/file/.", false), Err(Errno::ENOTDIR));
        assert_eq!(f.sb.resolve("sub/./file", false).unwrap().last, Last::Name);
        assert_eq!(f.sb.resolve("sub/.", false).unwrap().last, Last::Dot);
        assert_eq!(f.sb.resolve("sub/../", false).unwrap().last, Last::DotDot);
        assert_eq!(f.sb.resolve("", true), Err(Errno::ENOENT));
        assert_eq!(f.sb.resolve("a\0b", true), Err(Errno::EINVAL));
    }

    #[test]
    fn mapped_grants_and_chdir() {
        let f = fixture();
        let bx = f.base.join("box");
        let g = Grant::new(&bx, "/data").unwrap();
        let mut sb = Sandbox::new(vec![g], "/data");
        assert_eq!(
            sb.resolve("/data/sub/file", true).unwrap().host,
            bx.join("sub/file")
        );
        assert_eq!(
            sb.resolve("sub/file", true).unwrap().guest,
            "/data/sub/file"
        );
        // The link's absolute target is a host path, outside the guest namespace's grants.
        assert_eq!(sb.resolve("abs/secret", true), Err(Errno::EACCES));
        sb.chdir("in").unwrap();
        assert_eq!(sb.cwd(), "/data/sub");
        assert_eq!(sb.resolve("file", true).unwrap().host, bx.join("sub/file"));
        assert_eq!(sb.chdir("file"), Err(Errno::ENOTDIR));
        assert_eq!(sb.chdir("/"), Err(Errno::EACCES));
        assert_eq!(sb.cwd(), "/data/sub");
    }

    #[test]
    fn a_working_directory_turned_link_is_not_followed_out() {
        let f = fixture();
        let bx = f.base.join("box");
        std::fs::create_dir(bx.join("d")).unwrap();
        let mut sb = f.sb.clone();
        sb.chdir("d").unwrap();
        // The program's directory is moved away and a link to the outside put in its place.
        std::fs::rename(bx.join("d"), bx.join("d2")).unwrap();
        symlink(f.base.join("out"), bx.join("d")).unwrap();
        assert_eq!(sb.resolve("secret", true), Err(Errno::EACCES));
        assert_eq!(sb.resolve(".", true), Err(Errno::EACCES));
        std::fs::remove_file(bx.join("d")).unwrap();
        symlink("d2", bx.join("d")).unwrap();
        // A link inside is followed as any other.
        assert_eq!(sb.resolve("x", true).unwrap().host, bx.join("d2/x"));
    }

    #[test]
    fn grant_roots_are_marked() {
        let f = fixture();
        let bx = f.base.join("box");
        assert!(f.sb.resolve(".", true).unwrap().grant_root);
        assert!(f.sb.resolve("sub/..", true).unwrap().grant_root);
        assert_eq!(
            f.sb.resolve(bx.to_str().unwrap(), false).unwrap().entry(),
            Err(Errno::EACCES)
        );
        assert!(!f.sb.resolve("sub", true).unwrap().grant_root);
        // Inside a wider grant, a grant's top is an ordinary directory.
        let wide = Sandbox::new(
            vec![
                Grant::new(&f.base, "/w").unwrap(),
                Grant::new(&bx, "/w/box").unwrap(),
            ],
            "/w",
        );
        assert!(!wide.resolve("box", false).unwrap().grant_root);
        assert!(wide.resolve("/w", false).unwrap().grant_root);
    }

    #[test]
    fn the_root_grant_gives_everything() {
        let f = fixture();
        let g = Grant::new(Path::new("/"), "/").unwrap();
        let sb = Sandbox::new(vec![g], f.base.join("box").to_str().unwrap());
        assert_eq!(
            sb.resolve("abs/secret", true).unwrap().host,
            f.base.join("out/secret")
        );
        assert_eq!(
            sb.resolve("../out/secret", true).unwrap().host,
            f.base.join("out/secret")
        );
    }

    #[test]
    fn grant_specs() {
        let f = fixture();
        let spec = format!("{}:/g", f.base.display());
        let g = Grant::parse(&spec).unwrap();
        assert_eq!(g.guest, vec![OsString::from("g")]);
        assert!(Grant::parse("/no/such/dir/here").is_err());
        assert!(Grant::parse(&format!("{}:rel", f.base.display())).is_err());
    }
}
