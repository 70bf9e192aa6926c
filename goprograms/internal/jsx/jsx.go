// Package jsx builds JavaScript fixtures for the self-checking programs. Everything here
// needs a real JS engine (the case capability "eval"): fixtures are compiled with the
// global Function constructor.
package jsx

import "syscall/js"

// Eval evaluates a JS expression and returns its value: new Function("return (" + src + ")")().
func Eval(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ");").Invoke()
}

// Fn compiles a JS function from its parameter list and body.
func Fn(params, body string) js.Value {
	return js.Global().Get("Function").New(params, body)
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
