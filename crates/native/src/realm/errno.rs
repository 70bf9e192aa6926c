//! Linux errno values as Node reports them: the `code` name Go's `syscall/tables_js.go` maps
//! back to a `syscall.Errno`, and libuv's message text.

/// A Linux errno (positive, as in `libc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

/// (errno, code, libuv message) for every errno the file system can report.
const TABLE: &[(i32, &str, &str)] = &[
    (libc::EPERM, "EPERM", "operation not permitted"),
    (libc::ENOENT, "ENOENT", "no such file or directory"),
    (libc::EIO, "EIO", "i/o error"),
    (libc::ENXIO, "ENXIO", "no such device or address"),
    (libc::EBADF, "EBADF", "bad file descriptor"),
    (libc::EAGAIN, "EAGAIN", "resource temporarily unavailable"),
    (libc::ENOMEM, "ENOMEM", "not enough memory"),
    (libc::EACCES, "EACCES", "permission denied"),
    (
        libc::EFAULT,
        "EFAULT",
        "bad address in system call argument",
    ),
    (libc::EBUSY, "EBUSY", "resource busy or locked"),
    (libc::EEXIST, "EEXIST", "file already exists"),
    (libc::EXDEV, "EXDEV", "cross-device link not permitted"),
    (libc::ENODEV, "ENODEV", "no such device"),
    (libc::ENOTDIR, "ENOTDIR", "not a directory"),
    (libc::EISDIR, "EISDIR", "illegal operation on a directory"),
    (libc::EINVAL, "EINVAL", "invalid argument"),
    (libc::ENFILE, "ENFILE", "file table overflow"),
    (libc::EMFILE, "EMFILE", "too many open files"),
    (libc::ENOTTY, "ENOTTY", "inappropriate ioctl for device"),
    (libc::ETXTBSY, "EBUSY", "text file is busy"),
    (libc::EFBIG, "EFBIG", "file too large"),
    (libc::ENOSPC, "ENOSPC", "no space left on device"),
    (libc::ESPIPE, "ESPIPE", "invalid seek"),
    (libc::EROFS, "EROFS", "read-only file system"),
    (libc::EMLINK, "EMLINK", "too many links"),
    (libc::EPIPE, "EPIPE", "broken pipe"),
    (libc::ENAMETOOLONG, "ENAMETOOLONG", "name too long"),
    (libc::ENOSYS, "ENOSYS", "function not implemented"),
    (libc::ENOTEMPTY, "ENOTEMPTY", "directory not empty"),
    (libc::ELOOP, "ELOOP", "too many symbolic links encountered"),
    (
        libc::EOVERFLOW,
        "EOVERFLOW",
        "value too large for defined data type",
    ),
    (libc::EILSEQ, "EILSEQ", "illegal byte sequence"),
    (libc::EDQUOT, "EDQUOT", "disk quota exceeded"),
    (
        libc::ENOTSUP,
        "ENOTSUP",
        "operation not supported on socket",
    ),
    (libc::ESTALE, "ESTALE", "stale file handle"),
    (libc::ETIMEDOUT, "ETIMEDOUT", "connection timed out"),
];

impl Errno {
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const EACCES: Errno = Errno(libc::EACCES);
    pub const EEXIST: Errno = Errno(libc::EEXIST);
    pub const ENOTDIR: Errno = Errno(libc::ENOTDIR);
    pub const EISDIR: Errno = Errno(libc::EISDIR);
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EMFILE: Errno = Errno(libc::EMFILE);
    pub const ELOOP: Errno = Errno(libc::ELOOP);
    pub const EIO: Errno = Errno(libc::EIO);
    pub const ENAMETOOLONG: Errno = Errno(libc::ENAMETOOLONG);

    fn entry(self) -> (i32, &'static str, &'static str) {
        TABLE
            .iter()
            .copied()
            .find(|(n, _, _)| *n == self.0)
            // Anything else is reported as an I/O error, a code Go knows.
            .unwrap_or((libc::EIO, "EIO", "i/o error"))
    }

    /// Node's `err.code` (always a name Go's errno table holds).
    pub fn code(self) -> &'static str {
        self.entry().1
    }

    /// libuv's description, as in Node's messages.
    pub fn message(self) -> &'static str {
        self.entry().2
    }

    /// Node's `err.errno` (negative).
    pub fn node_errno(self) -> i32 {
        -self.entry().0
    }

    /// The errno of an I/O error (EIO when it has none).
    pub fn of(e: &std::io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }

    /// The calling thread's errno after a failed libc call.
    pub fn last() -> Errno {
        Errno::of(&std::io::Error::last_os_error())
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        Errno::of(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        assert_eq!(Errno::ENOENT.code(), "ENOENT");
        assert_eq!(Errno::ENOENT.message(), "no such file or directory");
        assert_eq!(Errno::ENOENT.node_errno(), -2);
        assert_eq!(Errno::EACCES.code(), "EACCES");
        // Unknown errnos become EIO, which Go maps.
        assert_eq!(Errno(10_000).code(), "EIO");
    }
}
