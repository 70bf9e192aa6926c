// Command goja runs JavaScript files with github.com/dop251/goja, a JS interpreter written
// in Go: a small main of ours around the library, as an embedding program would have.
//
//	goja FILE.js [ARG...]
//
// The script sees `print(...)` (a line to stdout), `args` (the ARGs), `readFile(name)` and
// `writeFile(name, text)`. An uncaught exception is printed to stderr and exits 1; a
// script's `exit(code)` ends the run with that code.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/dop251/goja"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: goja FILE.js [ARG...]")
		os.Exit(2)
	}
	name := os.Args[1]
	src, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "goja: %v\n", err)
		os.Exit(1)
	}
	vm := goja.New()
	vm.SetFieldNameMapper(goja.UncapFieldNameMapper())
	must(vm.Set("print", func(call goja.FunctionCall) goja.Value {
		parts := make([]string, len(call.Arguments))
		for i, a := range call.Arguments {
			parts[i] = a.String()
		}
		fmt.Println(strings.Join(parts, " "))
		return goja.Undefined()
	}))
	must(vm.Set("args", os.Args[2:]))
	must(vm.Set("readFile", func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			panic(vm.NewGoError(err))
		}
		return string(b)
	}))
	must(vm.Set("writeFile", func(name, text string) {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			panic(vm.NewGoError(err))
		}
	}))
	must(vm.Set("exit", func(code int) { os.Exit(code) }))
	if _, err := vm.RunScript(name, string(src)); err != nil {
		if ex, ok := err.(*goja.Exception); ok {
			fmt.Fprintln(os.Stderr, ex.String())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
