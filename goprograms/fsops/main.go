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

// must checks that f, a file system call, returns no error; a panic in it (a host lacking
// an fs method) is the check's failure and the program goes on.
func must(label string, f func() error) {
	check.EqOf(label, func() interface{} { return f() }, nil)
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
	var (
		base, wd string
		b        []byte
		st       os.FileInfo
		err      error
	)
	must("mkdirtemp", func() error { base, err = os.MkdirTemp(".", "fsops-"); return err })
	must("chdir base", func() error { return os.Chdir(base) })
	must("getwd", func() error { wd, err = os.Getwd(); return err })
	check.True("getwd is absolute and ends with base", filepath.IsAbs(wd) && filepath.Base(wd) == filepath.Base(base), wd)

	// Write, read back, stat.
	must("writefile", func() error { return os.WriteFile("a.txt", []byte("hello, file\n"), 0o644) })
	must("readfile err", func() error { b, err = os.ReadFile("a.txt"); return err })
	check.Eq("readfile", string(b), "hello, file\n")
	must("stat err", func() error { st, err = os.Stat("a.txt"); return err })
	check.EqOf("stat size", func() interface{} { return st.Size() }, int64(12))
	check.EqOf("stat isdir", func() interface{} { return st.IsDir() }, false)
	check.EqOf("stat mode", func() interface{} { return st.Mode().String() }, "-rw-r--r--")
	check.TrueOf("stat mtime", func() (bool, string) { return st.ModTime().Year() >= 2020, st.ModTime().String() })

	// Missing files.
	check.EqOf("readfile missing is ErrNotExist", func() interface{} { _, err = os.ReadFile("missing"); return errors.Is(err, fs.ErrNotExist) }, true)
	check.EqOf("readfile missing text", func() interface{} { return err.Error() }, "open missing: No such file or directory")
	check.EqOf("stat missing errno", func() interface{} { _, err = os.Stat("missing/x"); return errors.Is(err, syscall.ENOENT) }, true)

	// Directories.
	must("mkdirall", func() error { return os.MkdirAll("d/e/f", 0o755) })
	check.EqOf("mkdir existing is ErrExist", func() interface{} { return errors.Is(os.Mkdir("d", 0o755), fs.ErrExist) }, true)
	must("write d/e/g", func() error { return os.WriteFile("d/e/g", []byte("g"), 0o600) })
	must("write d/b", func() error { return os.WriteFile("d/b", nil, 0o600) })
	var ents []os.DirEntry
	must("readdir err", func() error { ents, err = os.ReadDir("d"); return err })
	check.Eq("readdir d", names(ents), "b e/")
	must("readdir d/e err", func() error { ents, err = os.ReadDir("d/e"); return err })
	check.Eq("readdir d/e", names(ents), "f/ g")
	check.EqOf("remove nonempty", func() interface{} { return errors.Is(os.Remove("d/e"), syscall.ENOTEMPTY) }, true)
	check.EqOf("read dir is EISDIR", func() interface{} { _, err = os.ReadFile("d"); return errors.Is(err, syscall.EISDIR) }, true)
	check.EqOf("stat through file is ENOTDIR", func() interface{} { _, err = os.Stat("a.txt/x"); return errors.Is(err, syscall.ENOTDIR) }, true)
	var f *os.File
	must("open dir", func() error { f, err = os.Open("d"); return err })
	var dn []string
	must("readdirnames err", func() error { dn, err = f.Readdirnames(-1); return err })
	sort.Strings(dn)
	check.Eq("readdirnames", strings.Join(dn, " "), "b e")
	must("close dir", func() error { return f.Close() })

	// Rename and remove.
	must("rename", func() error { return os.Rename("d/b", "d/e/b2") })
	check.EqOf("renamed away", func() interface{} { _, err = os.Stat("d/b"); return errors.Is(err, fs.ErrNotExist) }, true)
	must("renamed here", func() error { _, err = os.Stat("d/e/b2"); return err })
	must("remove file", func() error { return os.Remove("d/e/b2") })
	must("removeall", func() error { return os.RemoveAll("d") })
	check.EqOf("removeall gone", func() interface{} { _, err = os.Stat("d"); return errors.Is(err, fs.ErrNotExist) }, true)

	// Symbolic and hard links.
	must("symlink", func() error { return os.Symlink("a.txt", "link") })
	var tgt string
	must("readlink err", func() error { tgt, err = os.Readlink("link"); return err })
	check.Eq("readlink", tgt, "a.txt")
	var lst, hst os.FileInfo
	must("lstat err", func() error { lst, err = os.Lstat("link"); return err })
	check.EqOf("lstat is symlink", func() interface{} { return lst.Mode()&fs.ModeSymlink != 0 }, true)
	must("read through link err", func() error { b, err = os.ReadFile("link"); return err })
	check.Eq("read through link", string(b), "hello, file\n")
	must("link", func() error { return os.Link("a.txt", "hard") })
	must("stat hard err", func() error { hst, err = os.Stat("hard"); return err })
	check.EqOf("hard nlink", func() interface{} { return hst.Sys().(*syscall.Stat_t).Nlink }, uint32(2))
	check.EqOf("same file", func() interface{} { return os.SameFile(hst, st) }, true)
	must("symlink dangling", func() error { return os.Symlink("nowhere", "dangling") })
	check.EqOf("stat dangling", func() interface{} { _, err = os.Stat("dangling"); return errors.Is(err, fs.ErrNotExist) }, true)
	check.EqOf("symlink exists", func() interface{} { return errors.Is(os.Symlink("a.txt", "link"), fs.ErrExist) }, true)

	// Chmod and Truncate.
	must("chmod", func() error { return os.Chmod("a.txt", 0o600) })
	check.EqOf("chmod mode", func() interface{} { st, _ = os.Stat("a.txt"); return st.Mode().Perm().String() }, "-rw-------")
	must("truncate", func() error { return os.Truncate("a.txt", 5) })
	check.EqOf("truncated", func() interface{} { b, _ = os.ReadFile("a.txt"); return string(b) }, "hello")
	must("truncate grow", func() error { return os.Truncate("a.txt", 7) })
	check.EqOf("truncate grow", func() interface{} { b, _ = os.ReadFile("a.txt"); return b }, []byte("hello\x00\x00"))

	// Seek, Read, ReadAt, WriteAt, Truncate on a file.
	must("openfile", func() error { f, err = os.OpenFile("s.bin", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); return err })
	var n int
	check.EqOf("write n", func() interface{} { n, err = f.WriteString("0123456789"); return n }, 10)
	must("write err", func() error { return err })
	var off int64
	must("seek err", func() error { off, err = f.Seek(2, io.SeekStart); return err })
	check.Eq("seek start", off, int64(2))
	buf := make([]byte, 3)
	check.EqOf("read after seek", func() interface{} { n, err = f.Read(buf); return string(buf[:n]) }, "234")
	check.EqOf("seek end", func() interface{} { off, _ = f.Seek(-2, io.SeekEnd); return off }, int64(8))
	check.EqOf("read at end", func() interface{} { n, err = f.Read(buf); return string(buf[:n]) }, "89")
	check.EqOf("read eof", func() interface{} { n, err = f.Read(buf); return err }, io.EOF)
	check.EqOf("readat", func() interface{} { n, err = f.ReadAt(buf, 4); return string(buf[:n]) }, "456")
	check.EqOf("writeat", func() interface{} { n, err = f.WriteAt([]byte("xy"), 1); return n }, 2)
	check.EqOf("seek current", func() interface{} { off, _ = f.Seek(0, io.SeekCurrent); return off }, int64(10))
	must("file truncate", func() error { return f.Truncate(4) })
	var fi os.FileInfo
	must("fstat err", func() error { fi, err = f.Stat(); return err })
	check.EqOf("fstat size", func() interface{} { return fi.Size() }, int64(4))
	must("sync", func() error { return f.Sync() })
	must("chmod file", func() error { return f.Chmod(0o640) })
	must("close", func() error { return f.Close() })
	check.EqOf("after writeat", func() interface{} { b, _ = os.ReadFile("s.bin"); return string(b) }, "0xy3")
	check.EqOf("write closed", func() interface{} { _, err = f.Write([]byte("x")); return errors.Is(err, os.ErrClosed) }, true)

	// O_APPEND and O_EXCL.
	must("open append", func() error { f, err = os.OpenFile("s.bin", os.O_WRONLY|os.O_APPEND, 0); return err })
	check.EqOf("appended", func() interface{} {
		f.WriteString("++")
		f.Close()
		b, _ = os.ReadFile("s.bin")
		return string(b)
	}, "0xy3++")
	check.EqOf("excl exists", func() interface{} {
		_, err = os.OpenFile("s.bin", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		return errors.Is(err, fs.ErrExist)
	}, true)

	// Chdir into a subdirectory and relative paths from there.
	must("mkdir sub", func() error { return os.Mkdir("sub", 0o755) })
	must("chdir sub", func() error { return os.Chdir("sub") })
	must("read parent err", func() error { b, err = os.ReadFile("../a.txt"); return err })
	check.Eq("read parent", len(b), 7)
	check.EqOf("getwd sub", func() interface{} { wd2, _ := os.Getwd(); return wd2 }, filepath.Join(wd, "sub"))
	check.EqOf("chdir missing", func() interface{} { return errors.Is(os.Chdir("nope"), fs.ErrNotExist) }, true)
	must("chdir back", func() error { return os.Chdir("..") })

	// CreateTemp in TMPDIR.
	var tf *os.File
	must("createtemp", func() error { tf, err = os.CreateTemp("", "fsops-*.txt"); return err })
	check.EqOf("read temp", func() interface{} {
		tf.WriteString("temp")
		tf.Close()
		b, err = os.ReadFile(tf.Name())
		return string(b)
	}, "temp")
	must("remove temp", func() error { return os.Remove(tf.Name()) })

	must("chdir out", func() error { return os.Chdir("..") })
	must("removeall base", func() error { return os.RemoveAll(base) })
	check.EqOf("base gone", func() interface{} { _, err = os.Stat(base); return errors.Is(err, fs.ErrNotExist) }, true)
	check.Done()
}
