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
	rec := jsx.FuncOf("rec", func(this js.Value, args []js.Value) interface{} {
		gotThis, gotArgs = this, args
		return len(args)
	})
	check.EqOf("Invoke returns the Go result", func() interface{} { return rec.Invoke(1, "two", nil).Int() }, 3)
	check.EqOf("Invoke: this is undefined", func() interface{} { return gotThis.IsUndefined() }, true)
	check.Eq("Invoke: 3 args", len(gotArgs), 3)
	check.EqOf("Invoke: arg 0", func() interface{} { return gotArgs[0].Int() }, 1)
	check.EqOf("Invoke: arg 1", func() interface{} { return gotArgs[1].String() }, "two")
	check.EqOf("Invoke: arg 2", func() interface{} { return gotArgs[2].IsNull() }, true)
	check.EqOf("Invoke with no args", func() interface{} { return rec.Invoke().Int() }, 0)
	check.Eq("Invoke with no args: args is empty", len(gotArgs), 0)

	obj := jsx.Fixture("({name: 'obj'})")
	check.EqOf("called as a method", func() interface{} { obj.Set("m", rec); return obj.Call("m", true).Int() }, 1)
	check.TrueOf("method call: this is the object", func() (bool, string) { return gotThis.Equal(obj), "not Equal" })
	check.EqOf("called with Function.prototype.call", func() interface{} { return jsx.Fn("f", "return f.call('str', 1, 2);").Invoke(rec).Int() }, 2)
	check.EqOf("call(): this is the primitive", func() interface{} { return gotThis.String() }, "str")

	a, b, c := js.ValueOf(1.5), jsx.Fixture("Symbol('x')"), jsx.Fixture("[1, 2]")
	check.EqOf("JS passes 7 args", func() interface{} {
		jsx.Fn("f, a, b, c", "return f(a, b, c, undefined, NaN, -0, 'é😀');").Invoke(rec, a, b, c)
		return len(gotArgs)
	}, 7)
	check.FloatOf("arg float", func() float64 { return gotArgs[0].Float() }, 1.5)
	check.TrueOf("arg symbol is the same symbol", func() (bool, string) { return gotArgs[1].Equal(b), "not Equal" })
	check.TrueOf("arg array is the same array", func() (bool, string) { return gotArgs[2].Equal(c), "not Equal" })
	check.EqOf("arg undefined", func() interface{} { return gotArgs[3].IsUndefined() }, true)
	check.EqOf("arg NaN", func() interface{} { return gotArgs[4].IsNaN() }, true)
	check.FloatOf("arg -0 arrives as 0", func() float64 { return gotArgs[5].Float() }, 0)
	check.EqOf("arg non-ASCII string", func() interface{} { return gotArgs[6].String() }, "é😀")

	double := jsx.FuncOf("double", func(this js.Value, args []js.Value) interface{} {
		return args[0].Int()*2 + args[1].Int()
	})
	check.EqOf("Array.prototype.map calls Go for each element", func() interface{} { return jsx.Describe(jsx.Eval("[1, 2, 3]").Call("map", double)) }, "[2,5,8]")

	ret := func(v interface{}) string {
		f := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return v })
		defer f.Release()
		return jsx.Fn("f", "const r = f(); return typeof r + ' ' + (typeof r === 'function' ? '' : JSON.stringify(r));").Invoke(f).String()
	}
	check.EqOf("return nil", func() interface{} { return ret(nil) }, "object null")
	check.EqOf("return js.Undefined()", func() interface{} { return ret(js.Undefined()) }, "undefined undefined")
	check.EqOf("return js.Null()", func() interface{} { return ret(js.Null()) }, "object null")
	check.EqOf("return true", func() interface{} { return ret(true) }, "boolean true")
	check.EqOf("return int", func() interface{} { return ret(-7) }, "number -7")
	check.EqOf("return uint8", func() interface{} { return ret(uint8(200)) }, "number 200")
	check.EqOf("return float64", func() interface{} { return ret(2.5) }, "number 2.5")
	check.EqOf("return NaN", func() interface{} { return ret(math.NaN()) }, "number null")
	check.EqOf("return string", func() interface{} { return ret("héllo") }, `string "héllo"`)
	check.EqOf("return []interface{}", func() interface{} { return ret([]interface{}{1, "a"}) }, `object [1,"a"]`)
	check.EqOf("return map", func() interface{} { return ret(map[string]interface{}{"k": 1}) }, `object {"k":1}`)
	check.EqOf("return js.Value", func() interface{} { return ret(obj) }, `object {"name":"obj"}`)
	check.EqOf("return js.Func", func() interface{} { return ret(double) }, "function ")
	check.EqOf("return a Go func through the JS global", func() interface{} { return ret(js.Global().Get("Math").Get("max")) }, "function ")
	nothing := jsx.FuncOf("nothing", func(this js.Value, args []js.Value) interface{} { return nil })
	check.EqOf("return nil seen from Go", func() interface{} { return nothing.Invoke().IsNull() }, true)

	calls := 0
	getter := jsx.FuncOf("getter", func(this js.Value, args []js.Value) interface{} {
		calls++
		return "computed " + this.Get("base").String()
	})
	var setTo js.Value
	setter := jsx.FuncOf("setter", func(this js.Value, args []js.Value) interface{} { setTo = args[0]; return nil })
	o := jsx.Let("fixture an object with a Go getter and setter", func() js.Value {
		o := jsx.Eval("({base: 'b'})")
		jsx.Fn("o, g, s", "Object.defineProperty(o, 'p', {get: g, set: s, configurable: true});").Invoke(o, getter, setter)
		return o
	})
	check.EqOf("Get through a Go getter", func() interface{} { return o.Get("p").String() }, "computed b")
	check.EqOf("JS reads the Go getter", func() interface{} { return jsx.Fn("o", "return o.p + '!';").Invoke(o).String() }, "computed b!")
	check.Eq("getter ran twice", calls, 2)
	check.EqOf("Set through a Go setter", func() interface{} { o.Set("p", 42); return setTo.Int() }, 42)
	check.EqOf("JS assignment reaches the Go setter", func() interface{} {
		jsx.Fn("o", "o.p = 'from js';").Invoke(o)
		return setTo.String()
	}, "from js")

	str := jsx.FuncOf("str", func(this js.Value, args []js.Value) interface{} { return "I am " + this.Get("base").String() })
	check.EqOf("template literal calls the Go toString", func() interface{} {
		o.Set("toString", str)
		return jsx.Fn("o", "return `${o}`;").Invoke(o).String()
	}, "I am b")
	check.EqOf("JSON.stringify calls Go toJSON", func() interface{} {
		return func() string {
			tj := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return map[string]interface{}{"go": true} })
			defer tj.Release()
			x := jsx.Eval("({})")
			x.Set("toJSON", tj)
			return js.Global().Get("JSON").Call("stringify", x).String()
		}()
	}, `{"go":true}`)
	cmp := jsx.FuncOf("cmp", func(this js.Value, args []js.Value) interface{} { return args[0].Int() - args[1].Int() })
	check.EqOf("Array.prototype.sort with a Go comparator", func() interface{} {
		sorted := jsx.Eval("[3, 1, 2]")
		sorted.Call("sort", cmp)
		return jsx.Describe(sorted)
	}, "[1,2,3]")
	for _, f := range []js.Func{rec, double, nothing, getter, setter, str, cmp} {
		f.Release()
	}
	check.Done()
}
