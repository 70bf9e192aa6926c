// Command jspanic lets one syscall/js panic go uncaught, to pin the runtime's report: the
// argument names it. Texts moved in Go 1.22 (CopyBytes: "an" became "a") and 1.27
// (Length and New name themselves); the cases carry the per-version expectations.
// Contract: syscall/js panics (ValueError, plain strings, js.Error) reported by the runtime
// on stderr with exit 2 (go-js-abi §5.5, §5.6).
package main

import (
	"fmt"
	"os"
	"syscall/js"
)

func main() {
	fmt.Println("mode", os.Args[1])
	g := js.Global()
	switch os.Args[1] {
	case "int-on-string":
		js.ValueOf("42").Int()
	case "length-on-number":
		js.ValueOf(1).Length()
	case "new-on-number":
		js.ValueOf(1).New()
	case "copybytes-array":
		js.CopyBytesToGo(make([]byte, 4), g.Get("Array").New(1, 2))
	case "copybytes-dst":
		js.CopyBytesToJS(g.Get("Array").New(1, 2), []byte{1})
	case "valueof-struct":
		js.ValueOf(struct{}{})
	case "call-missing":
		g.Call("noSuchFunction")
	case "js-error":
		g.Get("JSON").Call("parse", "{")
	case "get-on-null":
		js.Null().Get("x")
	}
	fmt.Println("not reached")
}
