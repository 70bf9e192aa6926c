//! The program's file system: Node's `fs` operations as Go's `syscall/fs_js.go` calls them,
//! on host files reached through the [`Sandbox`], with a descriptor table of the program's
//! own (guest descriptors 3 and up; 0, 1 and 2 are the standard streams, written through
//! [`super::shared::Output`]).
//!
//! Every guest value is checked here: unknown descriptors are `EBADF`, paths go through
//! [`Sandbox::resolve`], lengths and positions out of range are `EINVAL`. Nothing here
//! panics on guest data.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use super::errno::Errno;
use super::sandbox::{Last, Resolved, Sandbox};

/// Largest number of files a program may have open at once.
pub const MAX_OPEN: usize = 1024;

/// Largest single read (bytes); longer reads return less, as reads may.
pub const MAX_READ: usize = 64 << 20;

/// An error as Node reports it: the errno plus the syscall and paths of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsError {
    pub errno: Errno,
    pub syscall: &'static str,
    pub path: Option<String>,
    pub dest: Option<String>,
}

impl FsError {
    /// Node's message: `ENOENT: no such file or directory, open '/x'`.
    pub fn message(&self) -> String {
        let mut m = format!(
            "{}: {}, {}",
            self.errno.code(),
            self.errno.message(),
            self.syscall
        );
        if let Some(p) = &self.path {
            m.push_str(&format!(" '{p}'"));
        }
        if let Some(d) = &self.dest {
            m.push_str(&format!(" -> '{d}'"));
        }
        m
    }
}

/// The fields of a Node `Stats` object Go reads, in this order: dev ino mode nlink uid gid
/// rdev size blksize blocks atimeMs mtimeMs ctimeMs birthtimeMs.
pub type StatFields = [f64; 14];

fn stat_fields(md: &std::fs::Metadata) -> StatFields {
    let ms = |s: i64, ns: i64| s as f64 * 1000.0 + ns as f64 / 1e6;
    [
        md.dev() as f64,
        md.ino() as f64,
        f64::from(md.mode()),
        md.nlink() as f64,
        f64::from(md.uid()),
        f64::from(md.gid()),
        md.rdev() as f64,
        md.size() as f64,
        md.blksize() as f64,
        md.blocks() as f64,
        ms(md.atime(), md.atime_nsec()),
        ms(md.mtime(), md.mtime_nsec()),
        ms(md.ctime(), md.ctime_nsec()),
        md.created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0),
    ]
}

fn cstr(p: &Path) -> Result<CString, Errno> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)
}

/// Check a libc return value.
fn check(r: libc::c_int) -> Result<(), Errno> {
    if r < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// Open flags the program may pass (Linux values, as in `fs.constants`).
const OPEN_FLAGS: libc::c_int = libc::O_ACCMODE
    | libc::O_CREAT
    | libc::O_EXCL
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_SYNC
    | libc::O_DSYNC
    | libc::O_NONBLOCK
    | libc::O_NOATIME;

/// The program's file system.
#[derive(Debug, Default)]
pub struct Fs {
    pub sandbox: Sandbox,
    files: BTreeMap<i32, File>,
    umask: u32,
    /// Whether fd 0 reads the real standard input (else it is at end of file).
    pub stdin: bool,
}

type R<T> = Result<T, FsError>;

impl Fs {
    pub fn new(sandbox: Sandbox, stdin: bool) -> Fs {
        Fs {
            sandbox,
            files: BTreeMap::new(),
            umask: 0o022,
            stdin,
        }
    }

    fn err(errno: Errno, syscall: &'static str, path: Option<&str>) -> FsError {
        FsError {
            errno,
            syscall,
            path: path.map(str::to_string),
            dest: None,
        }
    }

    fn resolve(&self, syscall: &'static str, path: &str, follow: bool) -> R<Resolved> {
        self.sandbox
            .resolve(path, follow)
            .map_err(|e| Fs::err(e, syscall, Some(path)))
    }

    /// Resolve the path of a directory entry to remove or rename: not `.` or `..` (the
    /// kernel's errnos for those given), nor a grant's top.
    fn resolve_entry(&self, path: &str, dot: Errno, dotdot: Errno) -> Result<Resolved, Errno> {
        let r = self.sandbox.resolve(path, false)?;
        match r.last {
            Last::Dot => Err(dot),
            Last::DotDot => Err(dotdot),
            Last::Name => r.entry(),
        }
    }

    /// Resolve the path of an entry to create: `.`, `..` and a grant's top exist already
    /// (EEXIST, as the kernel would say); a grant's top that has gone is not created again
    /// (EACCES).
    fn resolve_new(&self, path: &str) -> Result<Resolved, Errno> {
        let r = self.sandbox.resolve(path, false)?;
        if r.last != Last::Name || (r.grant_root && std::fs::symlink_metadata(&r.host).is_ok()) {
            return Err(Errno::EEXIST);
        }
        r.entry()
    }

    /// Run `f` on a resolved path, errors naming `path`.
    fn on_path<T>(
        &self,
        syscall: &'static str,
        path: &str,
        follow: bool,
        f: impl FnOnce(&Path) -> Result<T, Errno>,
    ) -> R<T> {
        let r = self.resolve(syscall, path, follow)?;
        f(&r.host).map_err(|e| Fs::err(e, syscall, Some(path)))
    }

    fn file(&self, syscall: &'static str, fd: i32) -> R<&File> {
        self.files
            .get(&fd)
            .ok_or_else(|| Fs::err(Errno::EBADF, syscall, None))
    }

    /// `process.umask(mask)`: set the mask, return the old one.
    pub fn umask(&mut self, mask: Option<u32>) -> u32 {
        let old = self.umask;
        if let Some(m) = mask {
            self.umask = m & 0o777;
        }
        old
    }

    /// `fs.open(path, flags, mode)`.
    pub fn open(&mut self, path: &str, flags: i32, mode: u32) -> R<i32> {
        let excl = flags & libc::O_CREAT != 0 && flags & libc::O_EXCL != 0;
        let follow = !excl && flags & libc::O_NOFOLLOW == 0;
        let r = self.resolve("open", path, follow)?;
        if flags & libc::O_CREAT != 0 && r.grant_root && std::fs::symlink_metadata(&r.host).is_err()
        {
            // A given directory that has gone: creating it would write outside.
            return Err(Fs::err(Errno::EACCES, "open", Some(path)));
        }
        if self.files.len() >= MAX_OPEN {
            return Err(Fs::err(Errno::EMFILE, "open", Some(path)));
        }
        let c = cstr(&r.host).map_err(|e| Fs::err(e, "open", Some(path)))?;
        // The last component was resolved; never follow a link that appeared there since.
        let flags = (flags & OPEN_FLAGS) | libc::O_CLOEXEC | libc::O_NOFOLLOW;
        let mode = (mode & 0o7777 & !self.umask) as libc::c_uint;
        // SAFETY: `c` is a valid NUL-terminated string; open has no other preconditions.
        let raw = unsafe { libc::open(c.as_ptr(), flags, mode) };
        if raw < 0 {
            return Err(Fs::err(Errno::last(), "open", Some(path)));
        }
        // SAFETY: `raw` is a descriptor just opened and owned by nothing else.
        let file = unsafe { File::from_raw_fd(raw) };
        let fd = (3..).find(|n| !self.files.contains_key(n)).unwrap_or(3);
        self.files.insert(fd, file);
        Ok(fd)
    }

    /// `fs.close(fd)`.
    pub fn close(&mut self, fd: i32) -> R<()> {
        if (0..=2).contains(&fd) {
            return Ok(());
        }
        self.files
            .remove(&fd)
            .map(drop)
            .ok_or_else(|| Fs::err(Errno::EBADF, "close", None))
    }

    /// `fs.read(fd, buf, 0, len, position)`: the bytes read.
    pub fn read(&mut self, fd: i32, len: usize, position: Option<u64>) -> R<Vec<u8>> {
        let len = len.min(MAX_READ);
        let mut buf = vec![0u8; len];
        let n = if fd == 0 {
            if self.stdin {
                std::io::stdin().read(&mut buf)
            } else {
                Ok(0)
            }
        } else {
            let f = self.file("read", fd)?;
            match position {
                Some(p) => f.read_at(&mut buf, p),
                None => (&*f).read(&mut buf),
            }
        };
        let n = n.map_err(|e| Fs::err(Errno::of(&e), "read", None))?;
        buf.truncate(n);
        Ok(buf)
    }

    /// `fs.write(fd, buf, 0, len, position)` for fds other than 1 and 2: the count written.
    pub fn write(&mut self, fd: i32, bytes: &[u8], position: Option<u64>) -> R<usize> {
        let f = self.file("write", fd)?;
        match position {
            Some(p) => f.write_at(bytes, p),
            None => (&*f).write(bytes),
        }
        .map_err(|e| Fs::err(Errno::of(&e), "write", None))
    }

    /// `fs.fstat(fd)`.
    pub fn fstat(&self, fd: i32) -> R<StatFields> {
        if (0..=2).contains(&fd) && !self.files.contains_key(&fd) {
            // SAFETY: an all-zero `stat` is a valid value; fstat fills it or fails.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: `st` is a valid, writable stat buffer.
            check(unsafe { libc::fstat(fd, &mut st) }).map_err(|e| Fs::err(e, "fstat", None))?;
            let ms = |s: i64, ns: i64| s as f64 * 1000.0 + ns as f64 / 1e6;
            return Ok([
                st.st_dev as f64,
                st.st_ino as f64,
                f64::from(st.st_mode),
                st.st_nlink as f64,
                f64::from(st.st_uid),
                f64::from(st.st_gid),
                st.st_rdev as f64,
                st.st_size as f64,
                st.st_blksize as f64,
                st.st_blocks as f64,
                ms(st.st_atime, st.st_atime_nsec),
                ms(st.st_mtime, st.st_mtime_nsec),
                ms(st.st_ctime, st.st_ctime_nsec),
                0.0,
            ]);
        }
        let f = self.file("fstat", fd)?;
        f.metadata()
            .map(|m| stat_fields(&m))
            .map_err(|e| Fs::err(Errno::of(&e), "fstat", None))
    }

    /// `fs.stat(path)` / `fs.lstat(path)`.
    pub fn stat(&self, path: &str, follow: bool) -> R<StatFields> {
        let syscall = if follow { "stat" } else { "lstat" };
        // The resolved path names no link but the last component when it is not followed.
        self.on_path(syscall, path, follow, |p| {
            Ok(stat_fields(&std::fs::symlink_metadata(p)?))
        })
    }

    /// `fs.readdir(path)`: the names, sorted by bytes as libuv does.
    pub fn readdir(&self, path: &str) -> R<Vec<String>> {
        self.on_path("scandir", path, true, |p| {
            let mut names = Vec::new();
            for e in std::fs::read_dir(p)? {
                names.push(e?.file_name());
            }
            names.sort();
            Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect())
        })
    }

    /// `fs.mkdir(path, mode)`.
    pub fn mkdir(&self, path: &str, mode: u32) -> R<()> {
        let mode = mode & 0o7777 & !self.umask;
        let r = self
            .resolve_new(path)
            .map_err(|e| Fs::err(e, "mkdir", Some(path)))?;
        on(&r.host, "mkdir", path, |p| {
            let c = cstr(p)?;
            // SAFETY: `c` is a valid NUL-terminated string.
            check(unsafe { libc::mkdir(c.as_ptr(), mode as libc::mode_t) })
        })
    }

    /// `fs.rmdir(path)`.
    pub fn rmdir(&self, path: &str) -> R<()> {
        let r = self
            .resolve_entry(path, Errno::EINVAL, Errno(libc::ENOTEMPTY))
            .map_err(|e| Fs::err(e, "rmdir", Some(path)))?;
        on(&r.host, "rmdir", path, |p| Ok(std::fs::remove_dir(p)?))
    }

    /// `fs.unlink(path)`.
    pub fn unlink(&self, path: &str) -> R<()> {
        let r = self
            .resolve_entry(path, Errno::EISDIR, Errno::EISDIR)
            .map_err(|e| Fs::err(e, "unlink", Some(path)))?;
        on(&r.host, "unlink", path, |p| Ok(std::fs::remove_file(p)?))
    }

    /// Two paths, both resolved without following their last component (`rename`, `link`).
    fn two_paths(&self, syscall: &'static str, from: &str, to: &str) -> R<(Resolved, Resolved)> {
        let e = |errno| FsError {
            errno,
            syscall,
            path: Some(from.to_string()),
            dest: Some(to.to_string()),
        };
        let busy = Errno(libc::EBUSY);
        let b = match syscall {
            "link" => self.sandbox.resolve(from, false).and_then(|a| {
                if a.last == Last::Name {
                    Ok(a)
                } else {
                    // Linking a directory.
                    Err(Errno(libc::EPERM))
                }
            }),
            _ => self.resolve_entry(from, busy, busy),
        };
        let a = b.map_err(e)?;
        let b = match syscall {
            "link" => self.resolve_new(to),
            _ => self.resolve_entry(to, busy, busy),
        }
        .map_err(e)?;
        Ok((a, b))
    }

    /// `fs.rename(from, to)`.
    pub fn rename(&self, from: &str, to: &str) -> R<()> {
        let (a, b) = self.two_paths("rename", from, to)?;
        std::fs::rename(&a.host, &b.host).map_err(|e| FsError {
            errno: Errno::of(&e),
            syscall: "rename",
            path: Some(from.to_string()),
            dest: Some(to.to_string()),
        })
    }

    /// `fs.link(existing, new)`.
    pub fn link(&self, existing: &str, new: &str) -> R<()> {
        let (a, b) = self.two_paths("link", existing, new)?;
        let (ca, cb) = (cstr(&a.host), cstr(&b.host));
        let r = ca.and_then(|ca| {
            let cb = cb?;
            // SAFETY: both are valid NUL-terminated strings; flags 0 follows no link.
            check(unsafe {
                libc::linkat(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), 0)
            })
        });
        r.map_err(|errno| FsError {
            errno,
            syscall: "link",
            path: Some(existing.to_string()),
            dest: Some(new.to_string()),
        })
    }

    /// `fs.symlink(target, path)`: the target is stored as given (it is checked when
    /// followed).
    pub fn symlink(&self, target: &str, path: &str) -> R<()> {
        let e = |errno| FsError {
            errno,
            syscall: "symlink",
            path: Some(target.to_string()),
            dest: Some(path.to_string()),
        };
        if target.contains('\0') {
            return Err(e(Errno::EINVAL));
        }
        let r = self.resolve_new(path).map_err(e)?;
        std::os::unix::fs::symlink(target, &r.host).map_err(|x| e(Errno::of(&x)))
    }

    /// `fs.readlink(path)`.
    pub fn readlink(&self, path: &str) -> R<String> {
        self.on_path("readlink", path, false, |p| {
            Ok(std::fs::read_link(p)?.to_string_lossy().into_owned())
        })
    }

    /// `fs.chmod(path, mode)`.
    pub fn chmod(&self, path: &str, mode: u32) -> R<()> {
        self.on_path("chmod", path, true, |p| {
            let c = cstr(p)?;
            // SAFETY: `c` is a valid NUL-terminated string.
            check(unsafe { libc::chmod(c.as_ptr(), (mode & 0o7777) as libc::mode_t) })
        })
    }

    /// `fs.fchmod(fd, mode)`.
    pub fn fchmod(&self, fd: i32, mode: u32) -> R<()> {
        let f = self.file("fchmod", fd)?;
        // SAFETY: the descriptor is owned by the open `File`.
        check(unsafe { libc::fchmod(f.as_raw_fd(), (mode & 0o7777) as libc::mode_t) })
            .map_err(|e| Fs::err(e, "fchmod", None))
    }

    /// `fs.chown` / `fs.lchown`.
    pub fn chown(&self, path: &str, uid: u32, gid: u32, follow: bool) -> R<()> {
        let syscall = if follow { "chown" } else { "lchown" };
        self.on_path(syscall, path, follow, |p| {
            let c = cstr(p)?;
            // SAFETY: `c` is a valid NUL-terminated string. The resolved path names no link
            // but (when not followed) its last component, which lchown does not follow.
            check(unsafe { libc::lchown(c.as_ptr(), uid, gid) })
        })
    }

    /// `fs.fchown(fd, uid, gid)`.
    pub fn fchown(&self, fd: i32, uid: u32, gid: u32) -> R<()> {
        let f = self.file("fchown", fd)?;
        // SAFETY: the descriptor is owned by the open `File`.
        check(unsafe { libc::fchown(f.as_raw_fd(), uid, gid) })
            .map_err(|e| Fs::err(e, "fchown", None))
    }

    /// `fs.utimes(path, atime, mtime)` (seconds).
    pub fn utimes(&self, path: &str, atime: f64, mtime: f64) -> R<()> {
        let ts = timespecs(atime, mtime).map_err(|e| Fs::err(e, "utime", Some(path)))?;
        self.on_path("utime", path, true, |p| {
            let c = cstr(p)?;
            // SAFETY: `c` is a valid string and `ts` two valid timespecs.
            check(unsafe {
                libc::utimensat(
                    libc::AT_FDCWD,
                    c.as_ptr(),
                    ts.as_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            })
        })
    }

    /// `fs.futimes(fd, atime, mtime)` (seconds).
    pub fn futimes(&self, fd: i32, atime: f64, mtime: f64) -> R<()> {
        let f = self.file("futime", fd)?;
        let ts = timespecs(atime, mtime).map_err(|e| Fs::err(e, "futime", None))?;
        // SAFETY: the descriptor is owned by the open `File`; `ts` holds two timespecs.
        check(unsafe { libc::futimens(f.as_raw_fd(), ts.as_ptr()) })
            .map_err(|e| Fs::err(e, "futime", None))
    }

    /// `fs.truncate(path, len)`.
    pub fn truncate(&self, path: &str, len: i64) -> R<()> {
        let len = u64::try_from(len).map_err(|_| Fs::err(Errno::EINVAL, "open", Some(path)))?;
        let r = self.resolve("open", path, true)?;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&r.host)
            .map_err(|e| Fs::err(Errno::of(&e), "open", Some(path)))?;
        f.set_len(len)
            .map_err(|e| Fs::err(Errno::of(&e), "ftruncate", None))
    }

    /// `fs.ftruncate(fd, len)`.
    pub fn ftruncate(&self, fd: i32, len: i64) -> R<()> {
        let f = self.file("ftruncate", fd)?;
        let len = u64::try_from(len).map_err(|_| Fs::err(Errno::EINVAL, "ftruncate", None))?;
        f.set_len(len)
            .map_err(|e| Fs::err(Errno::of(&e), "ftruncate", None))
    }

    /// `fs.fsync(fd)`.
    pub fn fsync(&self, fd: i32) -> R<()> {
        if (0..=2).contains(&fd) && !self.files.contains_key(&fd) {
            return Ok(());
        }
        self.file("fsync", fd)?
            .sync_all()
            .map_err(|e| Fs::err(Errno::of(&e), "fsync", None))
    }
}

use std::os::unix::fs::OpenOptionsExt;

/// Run `f` on a resolved host path, errors naming the guest's `path`.
fn on<T>(
    host: &Path,
    syscall: &'static str,
    path: &str,
    f: impl FnOnce(&Path) -> Result<T, Errno>,
) -> R<T> {
    f(host).map_err(|e| Fs::err(e, syscall, Some(path)))
}

/// Seconds (as Node takes them) to the two timespecs of utimensat.
fn timespecs(atime: f64, mtime: f64) -> Result<[libc::timespec; 2], Errno> {
    let one = |t: f64| -> Result<libc::timespec, Errno> {
        if !t.is_finite() || t.abs() > 1e15 {
            return Err(Errno::EINVAL);
        }
        let s = t.floor();
        Ok(libc::timespec {
            tv_sec: s as libc::time_t,
            tv_nsec: (((t - s) * 1e9) as libc::c_long).clamp(0, 999_999_999),
        })
    };
    Ok([one(atime)?, one(mtime)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realm::sandbox::Grant;

    fn fs_in(dir: &Path) -> Fs {
        let g = Grant::new(dir, dir.to_str().unwrap()).unwrap();
        Fs::new(
            Sandbox::new(
                vec![g],
                std::fs::canonicalize(dir).unwrap().to_str().unwrap(),
            ),
            false,
        )
    }

    #[test]
    fn open_write_read_close() {
        let d = tempfile::tempdir().unwrap();
        let mut fs = fs_in(d.path());
        let fd = fs
            .open("f", libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC, 0o644)
            .unwrap();
        assert_eq!(fd, 3);
        assert_eq!(fs.write(fd, b"hello", None).unwrap(), 5);
        assert_eq!(fs.read(fd, 10, Some(1)).unwrap(), b"ello");
        assert_eq!(fs.fstat(fd).unwrap()[7], 5.0);
        fs.close(fd).unwrap();
        assert_eq!(fs.close(fd).unwrap_err().errno, Errno::EBADF);
        assert_eq!(fs.read(fd, 1, None).unwrap_err().errno, Errno::EBADF);
        let e = fs.open("nope", 0, 0).unwrap_err();
        assert_eq!(
            e.message(),
            "ENOENT: no such file or directory, open 'nope'"
        );
        let e = fs.open("/etc/passwd", 0, 0).unwrap_err();
        assert_eq!(e.message(), "EACCES: permission denied, open '/etc/passwd'");
        let e = fs.rename("f", "/tmp/x").unwrap_err();
        assert_eq!(
            e.message(),
            "EACCES: permission denied, rename 'f' -> '/tmp/x'"
        );
        assert_eq!(fs.readdir(".").unwrap(), vec!["f".to_string()]);
        // The given directory itself cannot be removed or renamed.
        let top = std::fs::canonicalize(d.path()).unwrap();
        let top = top.to_str().unwrap();
        assert_eq!(fs.rmdir(top).unwrap_err().errno, Errno::EACCES);
        assert_eq!(fs.rename(top, "g").unwrap_err().errno, Errno::EACCES);
        assert_eq!(fs.rename("f", top).unwrap_err().errno, Errno::EACCES);
        // `.` and `..` as the last component fail as the kernel's calls do.
        assert_eq!(fs.rmdir(".").unwrap_err().errno, Errno::EINVAL);
        assert_eq!(fs.rename(".", "g").unwrap_err().errno, Errno(libc::EBUSY));
        assert_eq!(fs.unlink(".").unwrap_err().errno, Errno::EISDIR);
        assert_eq!(fs.mkdir(".", 0o777).unwrap_err().errno, Errno::EEXIST);
        assert_eq!(fs.symlink("f", ".").unwrap_err().errno, Errno::EEXIST);
        // Guest numbers out of range are errors, not panics.
        assert_eq!(fs.ftruncate(fd, -1).unwrap_err().errno, Errno::EBADF);
        let fd = fs.open("f", libc::O_RDWR, 0).unwrap();
        assert_eq!(fs.ftruncate(fd, -1).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(fs.read(fd, usize::MAX, Some(1 << 53)).unwrap(), b"");
        assert_eq!(
            fs.read(fd, 1, Some(u64::MAX)).unwrap_err().errno,
            Errno::EINVAL
        );
        assert_eq!(
            fs.utimes("f", f64::NAN, 0.0).unwrap_err().errno,
            Errno::EINVAL
        );
    }
}
