// Command fserrors calls Node's fs directly through syscall/js, in a fresh directory of the
// working directory, and prints what each callback receives: how many arguments, whether it
// ran inside the call (it must not), and for errors the Error's message, code, errno,
// syscall, path and dest; then the types of a Stats object's fields and what
// process.chdir throws.
// Contract: the fs.* callback API syscall/fs_js.go relies on, with Node's error objects
// (go-js-abi §3 syscall/fs_js.go).
package main

import (
	"fmt"
	"os"
	"syscall/js"
)

var fs = js.Global().Get("fs")

// hideNumbers prints numbers by type only (descriptor numbers differ between hosts).
var hideNumbers bool

func describe(args []js.Value) string {
	s := fmt.Sprintf("nargs=%d", len(args))
	for _, a := range args {
		switch {
		case a.Type() == js.TypeNumber && hideNumbers:
			s += " number"
		case a.Type() == js.TypeObject && a.Get("code").Type() == js.TypeString:
			s += fmt.Sprintf(" Error{message=%q code=%s errno=%v syscall=%v path=%v dest=%v isError=%v}",
				a.Get("message").String(), a.Get("code").String(), a.Get("errno"), a.Get("syscall"),
				a.Get("path"), a.Get("dest"), a.InstanceOf(js.Global().Get("Error")))
		case a.Type() == js.TypeNumber || a.Type() == js.TypeNull:
			s += " " + a.String()
		default:
			s += " " + a.Type().String()
		}
	}
	return s
}

func call(label, name string, args ...interface{}) []js.Value {
	done := make(chan []js.Value, 1)
	inside := true
	wasInside := false
	f := js.FuncOf(func(this js.Value, a []js.Value) interface{} {
		wasInside = inside
		done <- append([]js.Value(nil), a...)
		return nil
	})
	fs.Call(name, append(args, f)...)
	inside = false
	got := <-done
	f.Release()
	if wasInside {
		fmt.Println(label, "CALLED INSIDE fs."+name)
	}
	fmt.Printf("%s: %s\n", label, describe(got))
	return got
}

func main() {
	dir, err := os.MkdirTemp(".", "fserrors-")
	if err != nil {
		fmt.Println("mkdirtemp:", err)
		os.Exit(1)
	}
	if err := os.Chdir(dir); err != nil {
		fmt.Println("chdir:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("file", []byte("abc"), 0o644); err != nil {
		fmt.Println("writefile:", err)
		os.Exit(1)
	}
	u8 := js.Global().Get("Uint8Array")
	call("stat missing", "stat", "missing")
	call("lstat missing", "lstat", "missing/x")
	call("open missing", "open", "missing", 0, 0)
	call("open excl", "open", "file", 64|128, 0o644)
	call("readdir file", "readdir", "file")
	call("rename missing", "rename", "a1", "b1")
	call("link missing", "link", "a1", "b1")
	call("symlink exists", "symlink", "x", "file")
	call("mkdir exists", "mkdir", "file", 0o755)
	call("unlink missing", "unlink", "nope")
	call("readlink notlink", "readlink", "file")
	call("close bad", "close", 99)
	call("fstat bad", "fstat", 99)
	call("read bad", "read", 99, u8.New(4), 0, 4, nil)
	call("write bad", "write", 99, u8.New(4), 0, 4, nil)
	call("ftruncate bad", "ftruncate", 99, 0)
	call("fsync bad", "fsync", 99)
	call("chmod missing", "chmod", "nope", 0o644)
	call("utimes missing", "utimes", "nope", 1, 1)
	call("truncate missing", "truncate", "nope", 0)
	call("mkdir ok", "mkdir", "sub", 0o755)
	call("mkdir sub/x", "mkdir", "sub/x", 0o755)
	call("rmdir notempty", "rmdir", "sub")
	call("rmdir ok", "rmdir", "sub/x")
	call("rmdir ok", "rmdir", "sub")
	call("readdir ok", "readdir", ".")
	hideNumbers = true
	fd := call("open ok", "open", "file", 2, 0)[1]
	hideNumbers = false
	buf := u8.New(8)
	call("read ok", "read", fd, buf, 2, 5, 1)
	fmt.Println("read bytes:", buf.Index(2).Int(), buf.Index(3).Int(), buf.Index(4).Int())
	call("write ok", "write", fd, u8.New(2), 0, 2, 3)
	call("fstat ok", "fstat", fd)
	call("ftruncate ok", "ftruncate", fd, 1)
	call("fsync ok", "fsync", fd)
	call("close ok", "close", fd)
	st := call("stat ok", "stat", "file")[1]
	for _, k := range []string{"dev", "ino", "mode", "nlink", "uid", "gid", "rdev", "size", "blksize", "blocks", "atimeMs", "mtimeMs", "ctimeMs", "birthtimeMs", "atime", "mtime", "ctime", "birthtime"} {
		fmt.Printf("stat.%s: %s\n", k, st.Get(k).Type())
	}
	fmt.Println("size:", st.Get("size").Int(), "isDirectory:", st.Call("isDirectory").Bool(), "isFile:", optionalCall(st, "isFile"), "isSymbolicLink:", optionalCall(st, "isSymbolicLink"))
	call("unlink ok", "unlink", "file")
	func() {
		defer func() {
			e := recover().(js.Error)
			fmt.Println("chdir throws:", e.Get("code"), e.Get("syscall"), e.Get("dest"), e.InstanceOf(js.Global().Get("Error")))
		}()
		js.Global().Get("process").Call("chdir", "nope")
	}()
	os.Chdir("..")
	if err := os.Remove(dir); err != nil {
		fmt.Println("remove:", err)
	}
}

// optionalCall calls a Stats method Go's fs never uses, which a host need not provide.
func optionalCall(v js.Value, method string) string {
	if v.Get(method).Type() != js.TypeFunction {
		return "(absent)"
	}
	return fmt.Sprint(v.Call(method).Bool())
}
