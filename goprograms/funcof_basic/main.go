// Command funcof_basic checks Go functions called synchronously from JS: through Invoke,
// as a method (this), from Array.prototype.map, through a getter and a setter defined with
// Object.defineProperty, through toString; the arguments they receive and the JS value of
// every kind of return value.
// Contract: syscall/js.FuncOf; _makeFuncWrapper, _pendingEvent {id, this, args}, result
// (go-js-abi §2.3 items 2–4).
package main

import (
	"math"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	var gotThis js.Value
	var gotArgs []js.Value
	rec := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		gotThis, gotArgs = this, args
		return len(args)
	})
	check.Eq("Invoke returns the Go result", rec.Invoke(1, "two", nil).Int(), 3)
	check.Eq("Invoke: this is undefined", gotThis.IsUndefined(), true)
	check.Eq("Invoke: 3 args", len(gotArgs), 3)
	check.Eq("Invoke: arg 0", gotArgs[0].Int(), 1)
	check.Eq("Invoke: arg 1", gotArgs[1].String(), "two")
	check.Eq("Invoke: arg 2", gotArgs[2].IsNull(), true)
	check.Eq("Invoke with no args", rec.Invoke().Int(), 0)
	check.Eq("Invoke with no args: args is empty", len(gotArgs), 0)

	obj := jsx.Eval("({name: 'obj'})")
	obj.Set("m", rec)
	check.Eq("called as a method", obj.Call("m", true).Int(), 1)
	check.True("method call: this is the object", gotThis.Equal(obj), "not Equal")
	check.Eq("called with Function.prototype.call", jsx.Fn("f", "return f.call('str', 1, 2);").Invoke(rec).Int(), 2)
	check.Eq("call(): this is the primitive", gotThis.String(), "str")

	a, b, c := js.ValueOf(1.5), jsx.Eval("Symbol('x')"), jsx.Eval("[1, 2]")
	jsx.Fn("f, a, b, c", "return f(a, b, c, undefined, NaN, -0, 'é😀');").Invoke(rec, a, b, c)
	check.Eq("JS passes 7 args", len(gotArgs), 7)
	check.Float("arg float", gotArgs[0].Float(), 1.5)
	check.True("arg symbol is the same symbol", gotArgs[1].Equal(b), "not Equal")
	check.True("arg array is the same array", gotArgs[2].Equal(c), "not Equal")
	check.Eq("arg undefined", gotArgs[3].IsUndefined(), true)
	check.Eq("arg NaN", gotArgs[4].IsNaN(), true)
	check.Float("arg -0 arrives as 0", gotArgs[5].Float(), 0)
	check.Eq("arg non-ASCII string", gotArgs[6].String(), "é😀")

	double := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		return args[0].Int()*2 + args[1].Int()
	})
	check.Eq("Array.prototype.map calls Go for each element", jsx.Describe(jsx.Eval("[1, 2, 3]").Call("map", double)), "[2,5,8]")

	ret := func(v interface{}) string {
		f := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return v })
		defer f.Release()
		return jsx.Fn("f", "const r = f(); return typeof r + ' ' + (typeof r === 'function' ? '' : JSON.stringify(r));").Invoke(f).String()
	}
	check.Eq("return nil", ret(nil), "object null")
	check.Eq("return js.Undefined()", ret(js.Undefined()), "undefined undefined")
	check.Eq("return js.Null()", ret(js.Null()), "object null")
	check.Eq("return true", ret(true), "boolean true")
	check.Eq("return int", ret(-7), "number -7")
	check.Eq("return uint8", ret(uint8(200)), "number 200")
	check.Eq("return float64", ret(2.5), "number 2.5")
	check.Eq("return NaN", ret(math.NaN()), "number null")
	check.Eq("return string", ret("héllo"), `string "héllo"`)
	check.Eq("return []interface{}", ret([]interface{}{1, "a"}), `object [1,"a"]`)
	check.Eq("return map", ret(map[string]interface{}{"k": 1}), `object {"k":1}`)
	check.Eq("return js.Value", ret(obj), `object {"name":"obj"}`)
	check.Eq("return js.Func", ret(double), "function ")
	check.Eq("return a Go func through the JS global", ret(js.Global().Get("Math").Get("max")), "function ")
	nothing := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return nil })
	check.Eq("return nil seen from Go", nothing.Invoke().IsNull(), true)

	calls := 0
	getter := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		calls++
		return "computed " + this.Get("base").String()
	})
	var setTo js.Value
	setter := js.FuncOf(func(this js.Value, args []js.Value) interface{} { setTo = args[0]; return nil })
	o := jsx.Eval("({base: 'b'})")
	jsx.Fn("o, g, s", "Object.defineProperty(o, 'p', {get: g, set: s, configurable: true});").Invoke(o, getter, setter)
	check.Eq("Get through a Go getter", o.Get("p").String(), "computed b")
	check.Eq("JS reads the Go getter", jsx.Fn("o", "return o.p + '!';").Invoke(o).String(), "computed b!")
	check.Eq("getter ran twice", calls, 2)
	o.Set("p", 42)
	check.Eq("Set through a Go setter", setTo.Int(), 42)
	jsx.Fn("o", "o.p = 'from js';").Invoke(o)
	check.Eq("JS assignment reaches the Go setter", setTo.String(), "from js")

	str := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return "I am " + this.Get("base").String() })
	o.Set("toString", str)
	check.Eq("template literal calls the Go toString", jsx.Fn("o", "return `${o}`;").Invoke(o).String(), "I am b")
	check.Eq("JSON.stringify calls Go toJSON", func() string {
		tj := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return map[string]interface{}{"go": true} })
		defer tj.Release()
		x := jsx.Eval("({})")
		x.Set("toJSON", tj)
		return js.Global().Get("JSON").Call("stringify", x).String()
	}(), `{"go":true}`)
	sorted := jsx.Eval("[3, 1, 2]")
	cmp := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return args[0].Int() - args[1].Int() })
	sorted.Call("sort", cmp)
	check.Eq("Array.prototype.sort with a Go comparator", jsx.Describe(sorted), "[1,2,3]")
	for _, f := range []js.Func{rec, double, nothing, getter, setter, str, cmp} {
		f.Release()
	}
	check.Done()
}
