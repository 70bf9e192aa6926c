// Command string_bom checks strings that start with U+FEFF (a byte-order mark). The contract
// says a Go string reaches JS with the same characters; Node's glue decodes Go's bytes with
// new TextDecoder("utf-8"), which strips a leading BOM unless ignoreBOM is set, so on Node a
// Go string "\uFEFFx" arrives as "x", and a property name "\uFEFFk" names "k". The checks state
// the contract; the case records where Node departs from it. A BOM elsewhere in the string,
// and JS→Go (TextEncoder keeps it), are unaffected.
// Contract: syscall/js.ValueOf(string), stringVal/loadString UTF-8 decoding (go-js-abi §2.1).
package main

import (

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	length := jsx.Fn("s", "return s.length;")
	check.Eq("Go to JS: BOM in the middle kept", length.Invoke("x\uFEFFy").Int(), 3)
	check.Eq("JS to Go: leading BOM kept", jsx.Eval(`"\ufeffx"`).String(), "\uFEFFx")
	check.Eq("JS to Go: BOM-only string", jsx.Eval(`"\ufeff"`).String(), "\uFEFF")
	check.Eq("Go to JS: leading BOM kept", length.Invoke("\uFEFFx").Int(), 2)
	check.Eq("Go to JS: BOM-only string kept", length.Invoke("\uFEFF").Int(), 1)
	check.Eq("Go to JS: two leading BOMs kept", length.Invoke("\uFEFF\uFEFF").Int(), 2)
	o := jsx.Eval("({})")
	o.Set("\uFEFFk", 1)
	check.Eq("property name with a leading BOM", jsx.Fn("o", `return Object.keys(o).map((k) => k.length).join(",");`).Invoke(o).String(), "2")
	check.Done()
}
