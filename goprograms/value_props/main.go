// Command value_props checks Get, Set, Delete, Index, SetIndex, Length and InstanceOf on
// objects, arrays, functions, getters and proxies, and the *js.ValueError each panics with
// on a non-object receiver. The Length message moved in Go 1.27 (before, it said
// "Value.SetIndex"); the label names the variant checked.
// Contract: syscall/js Value.Get/Set/Delete/Index/SetIndex/Length/InstanceOf; valueGet,
// valueSet, valueDelete, valueIndex, valueSetIndex, valueLength, valueInstanceOf (go-js-abi §2.2).
package main

import (
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	d := jsx.Describe
	o := jsx.Fixture(`({a: 1, b: "x", nested: {c: true}, get g() { return "got"; }, "日本": "語", "": "empty"})`)
	check.EqOf("Get number", func() interface{} { return o.Get("a").Int() }, 1)
	check.EqOf("Get string", func() interface{} { return o.Get("b").String() }, "x")
	check.EqOf("Get nested", func() interface{} { return o.Get("nested").Get("c").Bool() }, true)
	check.EqOf("Get missing is undefined", func() interface{} { return o.Get("missing").IsUndefined() }, true)
	check.EqOf("Get through a JS getter", func() interface{} { return o.Get("g").String() }, "got")
	check.EqOf("Get non-ASCII name", func() interface{} { return o.Get("日本").String() }, "語")
	check.EqOf("Get empty name", func() interface{} { return o.Get("").String() }, "empty")
	check.EqOf("Get inherited method", func() interface{} { return o.Get("hasOwnProperty").Type().String() }, "function")
	check.EqOf("Get on a function", func() interface{} { return jsx.Fn("a, b", "").Get("length").Int() }, 2)

	o2 := jsx.Fixture("({})")
	check.Step("Set of every kind", func() {
		o2.Set("n", 5)
		o2.Set("s", "str")
		o2.Set("nil", nil)
		o2.Set("u", js.Undefined())
		o2.Set("arr", []interface{}{1, "a"})
		o2.Set("m", map[string]interface{}{"k": false})
		o2.Set("ü", 1.5)
		o2.Set("self", o2)
	})
	check.EqOf("Set of every kind, seen from JS", func() interface{} { return d(o2.Get("arr")) + d(o2.Get("m")) + d(o2.Get("nil")) + d(o2.Get("u")) }, `[1,"a"]{"k":false}nullundefined`)
	check.EqOf("Set keys, seen from JS", func() interface{} { return jsx.Fn("o", "return Object.keys(o).join(',');").Invoke(o2).String() }, "n,s,nil,u,arr,m,ü,self")
	check.TrueOf("Set self reference", func() (bool, string) { return o2.Get("self").Equal(o2), "not Equal" })
	check.EqOf("Set overwrites", func() interface{} { o2.Set("n", 6); return o2.Get("n").Int() }, 6)
	check.EqOf("Set undefined keeps the key", func() interface{} { return jsx.Fn("o", "return 'u' in o;").Invoke(o2).Bool() }, true)

	check.EqOf("Delete removes the property", func() interface{} {
		o2.Delete("n")
		return jsx.Fn("o", "return o.hasOwnProperty('n');").Invoke(o2).Bool()
	}, false)
	check.EqOf("Get after Delete", func() interface{} { return o2.Get("n").IsUndefined() }, true)
	check.NoPanic("Delete of a missing property", func() { o2.Delete("never") })

	frozen := jsx.Fixture("Object.freeze({k: 1})")
	check.NoPanic("Set on a frozen object does not throw", func() { frozen.Set("k", 2) })
	check.EqOf("Set on a frozen object changes nothing", func() interface{} { return frozen.Get("k").Int() }, 1)
	check.NoPanic("Delete on a frozen object does not throw", func() { frozen.Delete("k") })
	check.EqOf("Delete on a frozen object changes nothing", func() interface{} { return frozen.Get("k").Int() }, 1)

	setter := jsx.Fixture("({ set v(x) { this.seen = x * 2; } })")
	check.EqOf("Set through a JS setter", func() interface{} {
		setter.Set("v", 21)
		return setter.Get("seen").Int()
	}, 42)
	log := jsx.Fixture("[]")
	proxy := jsx.Let("fixture a logging Proxy", func() js.Value {
		return jsx.Fn("log", `return new Proxy({}, {
		get(t, k) { log.push("get " + String(k)); return k === "answer" ? 42 : undefined; },
		set(t, k, v) { log.push("set " + String(k) + "=" + v); return true; },
		deleteProperty(t, k) { log.push("delete " + String(k)); return true; },
		has(t, k) { return true; },
	});`).Invoke(log)
	})
	check.EqOf("Get through a proxy", func() interface{} { return proxy.Get("answer").Int() }, 42)
	check.EqOf("proxy traps in order", func() interface{} {
		proxy.Set("x", 7)
		proxy.Delete("y")
		_ = proxy.Index(3)
		proxy.SetIndex(4, "v")
		return d(log)
	}, `["get answer","set x=7","delete y","get 3","set 4=v"]`)

	arr := jsx.Fixture("[10, 20, 30]")
	check.EqOf("Length of array", func() interface{} { return arr.Length() }, 3)
	check.EqOf("Index 0", func() interface{} { return arr.Index(0).Int() }, 10)
	check.EqOf("Index 2", func() interface{} { return arr.Index(2).Int() }, 30)
	check.EqOf("Index past the end is undefined", func() interface{} { return arr.Index(3).IsUndefined() }, true)
	check.EqOf("Index -1 is undefined", func() interface{} { return arr.Index(-1).IsUndefined() }, true)
	check.EqOf("Index 2^32 is undefined", func() interface{} { return arr.Index(1 << 32).IsUndefined() }, true)
	check.EqOf("SetIndex inside and past the end (holes)", func() interface{} {
		arr.SetIndex(1, "twenty")
		arr.SetIndex(5, nil)
		return d(arr)
	}, `[10,"twenty",30,,,null]`)
	check.EqOf("Length after SetIndex past the end", func() interface{} { return arr.Length() }, 6)
	check.EqOf("SetIndex -1 sets the property \"-1\"", func() interface{} {
		arr.SetIndex(-1, 9)
		return jsx.Fn("a", "return a['-1'];").Invoke(arr).Int()
	}, 9)
	check.EqOf("Length ignores \"-1\"", func() interface{} { return arr.Length() }, 6)
	check.EqOf("Index of a string object", func() interface{} { return jsx.Eval("new String('héllo')").Index(1).String() }, "é")
	check.EqOf("Index of arguments-like object", func() interface{} { return jsx.Eval("({0: 'zero', length: 1})").Index(0).String() }, "zero")

	lengths := []struct {
		label, src string
		want       int
	}{
		{"empty array", "[]", 0},
		{"sparse array", "[,,,]", 3},
		{"array of 100000", "new Array(100000)", 100000},
		{"no length property", "({})", 0},
		{"length is a numeric string", "({length: '7'})", 7},
		{"length is 1.9", "({length: 1.9})", 1},
		{"length is -1", "({length: -1})", -1},
		{"length is 2^32+5", "({length: 2 ** 32 + 5})", 1<<32 + 5},
		{"length is 2^53", "({length: 2 ** 53})", 1 << 53},
		{"length is not a number", "({length: 'abc'})", 0},
		{"function with 3 parameters", "(function(a, b, c) {})", 3},
		{"String object", "new String('abc')", 3},
	}
	for _, c := range lengths {
		check.EqOf("Length: "+c.label, func() interface{} { return jsx.Eval(c.src).Length() }, c.want)
	}

	inst := []struct {
		label, v, t string
		want        bool
	}{
		{"[] Array", "[]", "Array", true},
		{"[] Object", "[]", "Object", true},
		{"{} Array", "({})", "Array", false},
		{"Date Date", "new Date(0)", "Date", true},
		{"function Function", "(function() {})", "Function", true},
		{"Uint8Array Uint8Array", "new Uint8Array(1)", "Uint8Array", true},
		{"Uint8Array Array", "new Uint8Array(1)", "Array", false},
		{"null-prototype object Object", "Object.create(null)", "Object", false},
		{"Error Error", "new TypeError('x')", "Error", true},
	}
	for _, c := range inst {
		check.EqOf("InstanceOf "+c.label, func() interface{} { return jsx.Eval(c.v).InstanceOf(js.Global().Get(c.t)) }, c.want)
	}
	check.EqOf("InstanceOf on a primitive number", func() interface{} { return js.ValueOf(1).InstanceOf(js.Global().Get("Number")) }, false)
	check.EqOf("InstanceOf on a primitive string", func() interface{} { return js.ValueOf("s").InstanceOf(js.Global().Get("String")) }, false)
	check.EqOf("InstanceOf on undefined", func() interface{} { return js.Undefined().InstanceOf(js.Global().Get("Object")) }, false)
	always := jsx.Fixture("({ [Symbol.hasInstance](v) { return v === 42; } })")
	check.EqOf("InstanceOf with Symbol.hasInstance true", func() interface{} { return js.ValueOf(42).InstanceOf(always) }, true)
	check.EqOf("InstanceOf with Symbol.hasInstance false", func() interface{} { return js.ValueOf(41).InstanceOf(always) }, false)
	var goHas js.Func
	check.EqOf("InstanceOf with a Go Symbol.hasInstance", func() interface{} {
		goHas = js.FuncOf(func(this js.Value, args []js.Value) interface{} { return args[0].Type() == js.TypeString })
		custom := jsx.Eval("({})")
		jsx.Fn("o, f", "o[Symbol.hasInstance] = f;").Invoke(custom, goHas)
		return js.ValueOf("s").InstanceOf(custom)
	}, true)
	goHas.Release()

	num, str, null, undef, boolean := js.ValueOf(1), js.ValueOf("s"), js.Null(), js.Undefined(), js.ValueOf(true)
	sym := jsx.Fixture("Symbol()")
	ve := "*js.ValueError"
	check.Panics("Get on number", func() { num.Get("x") }, ve, "syscall/js: call of Value.Get on number")
	check.Panics("Get on string", func() { str.Get("length") }, ve, "syscall/js: call of Value.Get on string")
	check.Panics("Get on null", func() { null.Get("x") }, ve, "syscall/js: call of Value.Get on null")
	check.Panics("Get on undefined", func() { undef.Get("x") }, ve, "syscall/js: call of Value.Get on undefined")
	check.Panics("Get on symbol", func() { sym.Get("x") }, ve, "syscall/js: call of Value.Get on symbol")
	check.Panics("Set on boolean", func() { boolean.Set("x", 1) }, ve, "syscall/js: call of Value.Set on boolean")
	check.Panics("Set on undefined", func() { undef.Set("x", 1) }, ve, "syscall/js: call of Value.Set on undefined")
	check.Panics("Delete on string", func() { str.Delete("x") }, ve, "syscall/js: call of Value.Delete on string")
	check.Panics("Delete on null", func() { null.Delete("x") }, ve, "syscall/js: call of Value.Delete on null")
	check.Panics("Index on number", func() { num.Index(0) }, ve, "syscall/js: call of Value.Index on number")
	check.Panics("Index on string", func() { str.Index(0) }, ve, "syscall/js: call of Value.Index on string")
	check.Panics("SetIndex on null", func() { null.SetIndex(0, 1) }, ve, "syscall/js: call of Value.SetIndex on null")
	check.Panics("SetIndex on string", func() { str.SetIndex(0, 1) }, ve, "syscall/js: call of Value.SetIndex on string")
	check.Panics("Length on number ["+lengthVariant+"]", func() { num.Length() }, ve, "syscall/js: call of "+lengthMethod+" on number")
	check.Panics("Length on string ["+lengthVariant+"]", func() { str.Length() }, ve, "syscall/js: call of "+lengthMethod+" on string")
	check.Panics("Length on undefined ["+lengthVariant+"]", func() { undef.Length() }, ve, "syscall/js: call of "+lengthMethod+" on undefined")
	check.Done()
}
