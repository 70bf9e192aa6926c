// Command fsops exercises the file system through package os, in a fresh directory under
// the working directory: WriteFile/ReadFile, ReadDir, MkdirAll, Remove/RemoveAll, Rename,
// Symlink/Readlink/Lstat, Link, Chmod, Truncate, Seek+Read, ReadAt/WriteAt, O_APPEND,
// O_EXCL, Chdir/Getwd, CreateTemp in TMPDIR, and the errors (ENOENT, EEXIST, ENOTDIR,
// EISDIR, ENOTEMPTY) as Go's errors.Is sees them.
// Contract: syscall/fs_js.go's fs.* calls with callbacks, Node's err.code mapped through
// syscall/tables_js.go, Stats fields (go-js-abi §3 syscall/fs_js.go).
package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"goprograms/internal/check"
)

func must(label string, err error) {
	check.Eq(label, err, nil)
}

func names(entries []os.DirEntry) string {
	var s []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		if e.Type()&fs.ModeSymlink != 0 {
			n += "@"
		}
		s = append(s, n)
	}
	return strings.Join(s, " ")
}

func main() {
	base, err := os.MkdirTemp(".", "fsops-")
	must("mkdirtemp", err)
	must("chdir base", os.Chdir(base))
	wd, err := os.Getwd()
	must("getwd", err)
	check.True("getwd is absolute and ends with base", filepath.IsAbs(wd) && filepath.Base(wd) == filepath.Base(base), wd)

	// Write, read back, stat.
	must("writefile", os.WriteFile("a.txt", []byte("hello, file\n"), 0o644))
	b, err := os.ReadFile("a.txt")
	must("readfile err", err)
	check.Eq("readfile", string(b), "hello, file\n")
	st, err := os.Stat("a.txt")
	must("stat err", err)
	check.Eq("stat size", st.Size(), int64(12))
	check.Eq("stat isdir", st.IsDir(), false)
	check.Eq("stat mode", st.Mode().String(), "-rw-r--r--")
	check.True("stat mtime", st.ModTime().Year() >= 2020, st.ModTime().String())

	// Missing files.
	_, err = os.ReadFile("missing")
	check.Eq("readfile missing is ErrNotExist", errors.Is(err, fs.ErrNotExist), true)
	check.Eq("readfile missing text", err.Error(), "open missing: No such file or directory")
	_, err = os.Stat("missing/x")
	check.Eq("stat missing errno", errors.Is(err, syscall.ENOENT), true)

	// Directories.
	must("mkdirall", os.MkdirAll("d/e/f", 0o755))
	err = os.Mkdir("d", 0o755)
	check.Eq("mkdir existing is ErrExist", errors.Is(err, fs.ErrExist), true)
	must("write d/e/g", os.WriteFile("d/e/g", []byte("g"), 0o600))
	must("write d/b", os.WriteFile("d/b", nil, 0o600))
	ents, err := os.ReadDir("d")
	must("readdir err", err)
	check.Eq("readdir d", names(ents), "b e/")
	ents, err = os.ReadDir("d/e")
	must("readdir d/e err", err)
	check.Eq("readdir d/e", names(ents), "f/ g")
	err = os.Remove("d/e")
	check.Eq("remove nonempty", errors.Is(err, syscall.ENOTEMPTY), true)
	_, err = os.ReadFile("d")
	check.Eq("read dir is EISDIR", errors.Is(err, syscall.EISDIR), true)
	_, err = os.Stat("a.txt/x")
	check.Eq("stat through file is ENOTDIR", errors.Is(err, syscall.ENOTDIR), true)
	f, err := os.Open("d")
	must("open dir", err)
	dn, err := f.Readdirnames(-1)
	must("readdirnames err", err)
	sort.Strings(dn)
	check.Eq("readdirnames", strings.Join(dn, " "), "b e")
	must("close dir", f.Close())

	// Rename and remove.
	must("rename", os.Rename("d/b", "d/e/b2"))
	_, err = os.Stat("d/b")
	check.Eq("renamed away", errors.Is(err, fs.ErrNotExist), true)
	_, err = os.Stat("d/e/b2")
	must("renamed here", err)
	must("remove file", os.Remove("d/e/b2"))
	must("removeall", os.RemoveAll("d"))
	_, err = os.Stat("d")
	check.Eq("removeall gone", errors.Is(err, fs.ErrNotExist), true)

	// Symbolic and hard links.
	must("symlink", os.Symlink("a.txt", "link"))
	tgt, err := os.Readlink("link")
	must("readlink err", err)
	check.Eq("readlink", tgt, "a.txt")
	lst, err := os.Lstat("link")
	must("lstat err", err)
	check.Eq("lstat is symlink", lst.Mode()&fs.ModeSymlink != 0, true)
	b, err = os.ReadFile("link")
	must("read through link err", err)
	check.Eq("read through link", string(b), "hello, file\n")
	must("link", os.Link("a.txt", "hard"))
	hst, err := os.Stat("hard")
	must("stat hard err", err)
	check.Eq("hard nlink", hst.Sys().(*syscall.Stat_t).Nlink, uint32(2))
	check.Eq("same file", os.SameFile(hst, st), true)
	must("symlink dangling", os.Symlink("nowhere", "dangling"))
	_, err = os.Stat("dangling")
	check.Eq("stat dangling", errors.Is(err, fs.ErrNotExist), true)
	err = os.Symlink("a.txt", "link")
	check.Eq("symlink exists", errors.Is(err, fs.ErrExist), true)

	// Chmod and Truncate.
	must("chmod", os.Chmod("a.txt", 0o600))
	st, _ = os.Stat("a.txt")
	check.Eq("chmod mode", st.Mode().Perm().String(), "-rw-------")
	must("truncate", os.Truncate("a.txt", 5))
	b, _ = os.ReadFile("a.txt")
	check.Eq("truncated", string(b), "hello")
	must("truncate grow", os.Truncate("a.txt", 7))
	b, _ = os.ReadFile("a.txt")
	check.Eq("truncate grow", b, []byte("hello\x00\x00"))

	// Seek, Read, ReadAt, WriteAt, Truncate on a file.
	f, err = os.OpenFile("s.bin", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	must("openfile", err)
	n, err := f.WriteString("0123456789")
	check.Eq("write n", n, 10)
	must("write err", err)
	off, err := f.Seek(2, io.SeekStart)
	must("seek err", err)
	check.Eq("seek start", off, int64(2))
	buf := make([]byte, 3)
	n, err = f.Read(buf)
	check.Eq("read after seek", string(buf[:n]), "234")
	off, _ = f.Seek(-2, io.SeekEnd)
	check.Eq("seek end", off, int64(8))
	n, err = f.Read(buf)
	check.Eq("read at end", string(buf[:n]), "89")
	n, err = f.Read(buf)
	check.Eq("read eof", err, io.EOF)
	n, err = f.ReadAt(buf, 4)
	check.Eq("readat", string(buf[:n]), "456")
	n, err = f.WriteAt([]byte("xy"), 1)
	check.Eq("writeat", n, 2)
	off, _ = f.Seek(0, io.SeekCurrent)
	check.Eq("seek current", off, int64(10))
	must("file truncate", f.Truncate(4))
	fi, err := f.Stat()
	must("fstat err", err)
	check.Eq("fstat size", fi.Size(), int64(4))
	must("sync", f.Sync())
	must("chmod file", f.Chmod(0o640))
	must("close", f.Close())
	b, _ = os.ReadFile("s.bin")
	check.Eq("after writeat", string(b), "0xy3")
	_, err = f.Write([]byte("x"))
	check.Eq("write closed", errors.Is(err, os.ErrClosed), true)

	// O_APPEND and O_EXCL.
	f, err = os.OpenFile("s.bin", os.O_WRONLY|os.O_APPEND, 0)
	must("open append", err)
	f.WriteString("++")
	f.Close()
	b, _ = os.ReadFile("s.bin")
	check.Eq("appended", string(b), "0xy3++")
	_, err = os.OpenFile("s.bin", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	check.Eq("excl exists", errors.Is(err, fs.ErrExist), true)

	// Chdir into a subdirectory and relative paths from there.
	must("mkdir sub", os.Mkdir("sub", 0o755))
	must("chdir sub", os.Chdir("sub"))
	b, err = os.ReadFile("../a.txt")
	must("read parent err", err)
	check.Eq("read parent", len(b), 7)
	wd2, _ := os.Getwd()
	check.Eq("getwd sub", wd2, filepath.Join(wd, "sub"))
	err = os.Chdir("nope")
	check.Eq("chdir missing", errors.Is(err, fs.ErrNotExist), true)
	must("chdir back", os.Chdir(".."))

	// CreateTemp in TMPDIR.
	tf, err := os.CreateTemp("", "fsops-*.txt")
	must("createtemp", err)
	tf.WriteString("temp")
	tf.Close()
	b, err = os.ReadFile(tf.Name())
	check.Eq("read temp", string(b), "temp")
	must("remove temp", os.Remove(tf.Name()))

	must("chdir out", os.Chdir(".."))
	must("removeall base", os.RemoveAll(base))
	_, err = os.Stat(base)
	check.Eq("base gone", errors.Is(err, fs.ErrNotExist), true)
	check.Done()
}
