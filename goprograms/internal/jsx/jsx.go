// Package jsx builds JavaScript fixtures for the self-checking programs. Everything here
// needs a real JS engine (the case capability "eval"): fixtures are compiled with the
// global Function constructor.
package jsx

import (
	"syscall/js"

	"goprograms/internal/check"
)

// Eval evaluates a JS expression and returns its value: new Function("return (" + src + ")")().
func Eval(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ");").Invoke()
}

// Fn compiles a JS function from its parameter list and body.
func Fn(params, body string) js.Value {
	return js.Global().Get("Function").New(params, body)
}

// Let computes a fixture that later checks share (what names it), protected as check.Step
// is: if f panics, that is reported as a failed check and Let returns the zero Value
// (undefined), so the checks that use the fixture fail on their own and the program goes on.
func Let(what string, f func() js.Value) js.Value {
	var v js.Value
	check.Step(what, func() { v = f() })
	return v
}

// Fixture is Eval protected as Let is, named "fixture SRC".
func Fixture(src string) js.Value {
	return Let("fixture "+src, func() js.Value { return Eval(src) })
}

// FnFixture is Fn protected as Let is, named "fixture function(PARAMS)".
func FnFixture(params, body string) js.Value {
	return Let("fixture function("+params+")", func() js.Value { return Fn(params, body) })
}

// FuncOf is js.FuncOf protected as Let is (what names it): on a host that cannot wrap Go
// functions, the failure is reported and the zero Func is returned.
func FuncOf(what string, fn func(this js.Value, args []js.Value) interface{}) js.Func {
	var f js.Func
	check.Step("FuncOf "+what, func() { f = js.FuncOf(fn) })
	return f
}

var describe js.Value

// Describe renders a JS value canonically, on the JS side: numbers with -0 kept, strings as
// JSON, arrays and objects recursively (object keys sorted), "undefined", "null", symbols by
// toString, functions as "function", BigInts with an "n".
func Describe(v js.Value) string {
	if describe.IsUndefined() {
		describe = Fn("v", `
const d = (v) => {
	if (v === null) return "null";
	switch (typeof v) {
	case "number": return Object.is(v, -0) ? "-0" : String(v);
	case "string": return JSON.stringify(v);
	case "undefined": return "undefined";
	case "boolean": return String(v);
	case "symbol": return v.toString();
	case "function": return "function";
	case "bigint": return String(v) + "n";
	}
	if (Array.isArray(v)) return "[" + v.map(d).join(",") + "]";
	if (ArrayBuffer.isView(v)) return v.constructor.name + "[" + Array.prototype.join.call(v, ",") + "]";
	return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + d(v[k])).join(",") + "}";
};
return d(v);`)
	}
	return describe.Invoke(v).String()
}
