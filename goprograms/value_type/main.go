// Command value_type checks Value.Type for every JS type, Type.String, Truthy, IsNull,
// IsUndefined, IsNaN and Equal (ref identity: the host must hand out the same id for the
// same JS value, and the predefined ids for undefined, null, true, false, 0, NaN).
// Contract: syscall/js Value.Type/Truthy/IsNull/IsUndefined/IsNaN/Equal; go-js-abi §2.5.
package main

import (
	"math"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	fx := jsx.Let("fixture fx", func() js.Value {
		return jsx.Eval(`({
		undef: undefined, nul: null, t: true, f: false, zero: 0, negzero: -0, one: 1, neg: -2.5,
		nan: NaN, inf: Infinity, ninf: -Infinity, str: "abc", empty: "", zerostr: "0", space: " ",
		sym: Symbol("s"), obj: {}, arr: [], fn: function() {}, arrow: () => 1, cls: class {},
		date: new Date(0), numobj: new Number(0), boolobj: new Boolean(false), strobj: new String(""),
		u8: new Uint8Array(0), re: /x/, nullproto: Object.create(null), proxy: new Proxy({}, {}),
		fnproxy: new Proxy(function() {}, {}), bound: (function() {}).bind(null), asyncfn: async function() {},
		gen: function*() {}, map: new Map(), err: new Error("e"), big: 10n, bigzero: 0n
	})`)
	})
	types := []struct {
		key, typ string
		truthy   bool
	}{
		{"undef", "undefined", false}, {"nul", "null", false}, {"t", "boolean", true}, {"f", "boolean", false},
		{"zero", "number", false}, {"negzero", "number", false}, {"one", "number", true}, {"neg", "number", true},
		{"nan", "number", false}, {"inf", "number", true}, {"ninf", "number", true},
		{"str", "string", true}, {"empty", "string", false}, {"zerostr", "string", true}, {"space", "string", true},
		{"sym", "symbol", true}, {"obj", "object", true}, {"arr", "object", true},
		{"fn", "function", true}, {"arrow", "function", true}, {"cls", "function", true},
		{"date", "object", true}, {"numobj", "object", true}, {"boolobj", "object", true}, {"strobj", "object", true},
		{"u8", "object", true}, {"re", "object", true}, {"nullproto", "object", true}, {"proxy", "object", true},
		{"fnproxy", "function", true}, {"bound", "function", true}, {"asyncfn", "function", true},
		{"gen", "function", true}, {"map", "object", true}, {"err", "object", true},
	}
	for _, c := range types {
		check.EqOf("Type of "+c.key, func() interface{} { return fx.Get(c.key).Type().String() }, c.typ)
		check.EqOf("Truthy of "+c.key, func() interface{} { return fx.Get(c.key).Truthy() }, c.truthy)
	}
	check.EqOf("Type of js.Global()", func() interface{} { return js.Global().Type().String() }, "object")
	check.EqOf("Type of missing property", func() interface{} { return fx.Get("nope").Type().String() }, "undefined")

	// Type constants and their names.
	names := map[js.Type]string{
		js.TypeUndefined: "undefined", js.TypeNull: "null", js.TypeBoolean: "boolean", js.TypeNumber: "number",
		js.TypeString: "string", js.TypeSymbol: "symbol", js.TypeObject: "object", js.TypeFunction: "function",
	}
	for t := js.TypeUndefined; t <= js.TypeFunction; t++ {
		check.EqOf("Type("+names[t]+").String", func() interface{} { return t.String() }, names[t])
	}

	// BigInt is tagged like null/booleans (type flag 0) and Go cannot classify it.
	check.Panics("Type of a BigInt", func() { fx.Get("big").Type() }, "string", "bad type flag")
	check.EqOf("BigInt is not undefined", func() interface{} { return fx.Get("big").IsUndefined() }, false)
	check.EqOf("BigInt is not null", func() interface{} { return fx.Get("big").IsNull() }, false)

	check.EqOf("IsUndefined undefined", func() interface{} { return fx.Get("undef").IsUndefined() }, true)
	check.EqOf("IsUndefined missing", func() interface{} { return fx.Get("nope").IsUndefined() }, true)
	check.EqOf("IsUndefined null", func() interface{} { return fx.Get("nul").IsUndefined() }, false)
	check.EqOf("IsUndefined zero", func() interface{} { return fx.Get("zero").IsUndefined() }, false)
	check.EqOf("IsUndefined zero Value", func() interface{} { return js.Value{}.IsUndefined() }, true)
	check.EqOf("IsNull null", func() interface{} { return fx.Get("nul").IsNull() }, true)
	check.EqOf("IsNull undefined", func() interface{} { return fx.Get("undef").IsNull() }, false)
	check.EqOf("IsNull null-prototype object", func() interface{} { return fx.Get("nullproto").IsNull() }, false)
	check.EqOf("IsNull ValueOf(nil)", func() interface{} { return js.ValueOf(nil).IsNull() }, true)
	check.EqOf("IsNaN NaN", func() interface{} { return fx.Get("nan").IsNaN() }, true)
	check.EqOf("IsNaN 0/0 computed in JS", func() interface{} { return jsx.Eval("0/0").IsNaN() }, true)
	check.EqOf("IsNaN Infinity", func() interface{} { return fx.Get("inf").IsNaN() }, false)
	check.EqOf("IsNaN string NaN", func() interface{} { return jsx.Eval("'NaN'").IsNaN() }, false)
	check.EqOf("IsNaN undefined", func() interface{} { return fx.Get("undef").IsNaN() }, false)
	check.EqOf("IsNaN Go NaN", func() interface{} { return js.ValueOf(math.NaN()).IsNaN() }, true)

	get := func(key string) func() js.Value { return func() js.Value { return fx.Get(key) } }
	ev := func(src string) func() js.Value { return func() js.Value { return jsx.Eval(src) } }
	of := func(x interface{}) func() js.Value { return func() js.Value { return js.ValueOf(x) } }
	val := func(v js.Value) func() js.Value { return func() js.Value { return v } }
	eq := []struct {
		label string
		a, b  func() js.Value // read when the check runs, so a panic is that check's
		want  bool
	}{
		{"same object read twice", get("obj"), get("obj"), true},
		{"two different objects", get("obj"), get("arr"), false},
		{"two empty objects", ev("({})"), ev("({})"), false},
		{"same function read twice", get("fn"), get("fn"), true},
		{"same symbol read twice", get("sym"), get("sym"), true},
		{"equal symbols are distinct", ev("Symbol('s')"), ev("Symbol('s')"), false},
		{"equal strings", get("str"), of("abc"), true},
		{"different strings", get("str"), of("abd"), false},
		{"string and number", get("zerostr"), get("zero"), false},
		{"equal numbers", get("neg"), of(-2.5), true},
		{"0 and -0", get("zero"), get("negzero"), true},
		{"JS 0 and Go 0", get("zero"), of(0), true},
		{"NaN and NaN", get("nan"), get("nan"), false},
		{"NaN and Go NaN", get("nan"), of(math.NaN()), false},
		{"Infinity", get("inf"), of(math.Inf(1)), true},
		{"true and true", get("t"), of(true), true},
		{"true and false", get("t"), get("f"), false},
		{"false and 0", get("f"), get("zero"), false},
		{"null and ValueOf(nil)", get("nul"), val(js.Null()), true},
		{"null and undefined", get("nul"), val(js.Undefined()), false},
		{"undefined and zero Value", get("undef"), val(js.Value{}), true},
		{"globalThis and js.Global", ev("globalThis"), val(js.Global()), true},
		{"Number(0) object and 0", get("numobj"), get("zero"), false},
	}
	for _, c := range eq {
		check.EqOf("Equal: "+c.label, func() interface{} { return c.a().Equal(c.b()) }, c.want)
	}
	check.Done()
}
