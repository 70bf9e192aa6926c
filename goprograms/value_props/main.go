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
	o := jsx.Eval(`({a: 1, b: "x", nested: {c: true}, get g() { return "got"; }, "日本": "語", "": "empty"})`)
	check.Eq("Get number", o.Get("a").Int(), 1)
	check.Eq("Get string", o.Get("b").String(), "x")
	check.Eq("Get nested", o.Get("nested").Get("c").Bool(), true)
	check.Eq("Get missing is undefined", o.Get("missing").IsUndefined(), true)
	check.Eq("Get through a JS getter", o.Get("g").String(), "got")
	check.Eq("Get non-ASCII name", o.Get("日本").String(), "語")
	check.Eq("Get empty name", o.Get("").String(), "empty")
	check.Eq("Get inherited method", o.Get("hasOwnProperty").Type().String(), "function")
	check.Eq("Get on a function", jsx.Fn("a, b", "").Get("length").Int(), 2)

	o2 := jsx.Eval("({})")
	o2.Set("n", 5)
	o2.Set("s", "str")
	o2.Set("nil", nil)
	o2.Set("u", js.Undefined())
	o2.Set("arr", []interface{}{1, "a"})
	o2.Set("m", map[string]interface{}{"k": false})
	o2.Set("ü", 1.5)
	o2.Set("self", o2)
	check.Eq("Set of every kind, seen from JS", d(o2.Get("arr"))+d(o2.Get("m"))+d(o2.Get("nil"))+d(o2.Get("u")),
		`[1,"a"]{"k":false}nullundefined`)
	check.Eq("Set keys, seen from JS", jsx.Fn("o", "return Object.keys(o).join(',');").Invoke(o2).String(), "n,s,nil,u,arr,m,ü,self")
	check.True("Set self reference", o2.Get("self").Equal(o2), "not Equal")
	o2.Set("n", 6)
	check.Eq("Set overwrites", o2.Get("n").Int(), 6)
	check.Eq("Set undefined keeps the key", jsx.Fn("o", "return 'u' in o;").Invoke(o2).Bool(), true)

	o2.Delete("n")
	check.Eq("Delete removes the property", jsx.Fn("o", "return o.hasOwnProperty('n');").Invoke(o2).Bool(), false)
	check.Eq("Get after Delete", o2.Get("n").IsUndefined(), true)
	check.NoPanic("Delete of a missing property", func() { o2.Delete("never") })

	frozen := jsx.Eval("Object.freeze({k: 1})")
	check.NoPanic("Set on a frozen object does not throw", func() { frozen.Set("k", 2) })
	check.Eq("Set on a frozen object changes nothing", frozen.Get("k").Int(), 1)
	check.NoPanic("Delete on a frozen object does not throw", func() { frozen.Delete("k") })
	check.Eq("Delete on a frozen object changes nothing", frozen.Get("k").Int(), 1)

	setter := jsx.Eval("({ set v(x) { this.seen = x * 2; } })")
	setter.Set("v", 21)
	check.Eq("Set through a JS setter", setter.Get("seen").Int(), 42)
	log := jsx.Eval("[]")
	proxy := jsx.Fn("log", `return new Proxy({}, {
		get(t, k) { log.push("get " + String(k)); return k === "answer" ? 42 : undefined; },
		set(t, k, v) { log.push("set " + String(k) + "=" + v); return true; },
		deleteProperty(t, k) { log.push("delete " + String(k)); return true; },
		has(t, k) { return true; },
	});`).Invoke(log)
	check.Eq("Get through a proxy", proxy.Get("answer").Int(), 42)
	proxy.Set("x", 7)
	proxy.Delete("y")
	_ = proxy.Index(3)
	proxy.SetIndex(4, "v")
	check.Eq("proxy traps in order", d(log), `["get answer","set x=7","delete y","get 3","set 4=v"]`)

	arr := jsx.Eval("[10, 20, 30]")
	check.Eq("Length of array", arr.Length(), 3)
	check.Eq("Index 0", arr.Index(0).Int(), 10)
	check.Eq("Index 2", arr.Index(2).Int(), 30)
	check.Eq("Index past the end is undefined", arr.Index(3).IsUndefined(), true)
	check.Eq("Index -1 is undefined", arr.Index(-1).IsUndefined(), true)
	check.Eq("Index 2^32 is undefined", arr.Index(1<<32).IsUndefined(), true)
	arr.SetIndex(1, "twenty")
	arr.SetIndex(5, nil)
	check.Eq("SetIndex inside and past the end (holes)", d(arr), `[10,"twenty",30,,,null]`)
	check.Eq("Length after SetIndex past the end", arr.Length(), 6)
	arr.SetIndex(-1, 9)
	check.Eq("SetIndex -1 sets the property \"-1\"", jsx.Fn("a", "return a['-1'];").Invoke(arr).Int(), 9)
	check.Eq("Length ignores \"-1\"", arr.Length(), 6)
	check.Eq("Index of a string object", jsx.Eval("new String('héllo')").Index(1).String(), "é")
	check.Eq("Index of arguments-like object", jsx.Eval("({0: 'zero', length: 1})").Index(0).String(), "zero")

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
		check.Eq("Length: "+c.label, jsx.Eval(c.src).Length(), c.want)
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
		check.Eq("InstanceOf "+c.label, jsx.Eval(c.v).InstanceOf(js.Global().Get(c.t)), c.want)
	}
	check.Eq("InstanceOf on a primitive number", js.ValueOf(1).InstanceOf(js.Global().Get("Number")), false)
	check.Eq("InstanceOf on a primitive string", js.ValueOf("s").InstanceOf(js.Global().Get("String")), false)
	check.Eq("InstanceOf on undefined", js.Undefined().InstanceOf(js.Global().Get("Object")), false)
	always := jsx.Eval("({ [Symbol.hasInstance](v) { return v === 42; } })")
	check.Eq("InstanceOf with Symbol.hasInstance true", js.ValueOf(42).InstanceOf(always), true)
	check.Eq("InstanceOf with Symbol.hasInstance false", js.ValueOf(41).InstanceOf(always), false)
	goHas := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return args[0].Type() == js.TypeString })
	custom := jsx.Eval("({})")
	jsx.Fn("o, f", "o[Symbol.hasInstance] = f;").Invoke(custom, goHas)
	check.Eq("InstanceOf with a Go Symbol.hasInstance", js.ValueOf("s").InstanceOf(custom), true)
	goHas.Release()

	num, str, null, undef, boolean := js.ValueOf(1), js.ValueOf("s"), js.Null(), js.Undefined(), js.ValueOf(true)
	sym := jsx.Eval("Symbol()")
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
