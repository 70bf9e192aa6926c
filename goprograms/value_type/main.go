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
	fx := jsx.Eval(`({
		undef: undefined, nul: null, t: true, f: false, zero: 0, negzero: -0, one: 1, neg: -2.5,
		nan: NaN, inf: Infinity, ninf: -Infinity, str: "abc", empty: "", zerostr: "0", space: " ",
		sym: Symbol("s"), obj: {}, arr: [], fn: function() {}, arrow: () => 1, cls: class {},
		date: new Date(0), numobj: new Number(0), boolobj: new Boolean(false), strobj: new String(""),
		u8: new Uint8Array(0), re: /x/, nullproto: Object.create(null), proxy: new Proxy({}, {}),
		fnproxy: new Proxy(function() {}, {}), bound: (function() {}).bind(null), asyncfn: async function() {},
		gen: function*() {}, map: new Map(), err: new Error("e"), big: 10n, bigzero: 0n
	})`)
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
		v := fx.Get(c.key)
		check.Eq("Type of "+c.key, v.Type().String(), c.typ)
		check.Eq("Truthy of "+c.key, v.Truthy(), c.truthy)
	}
	check.Eq("Type of js.Global()", js.Global().Type().String(), "object")
	check.Eq("Type of missing property", fx.Get("nope").Type().String(), "undefined")

	// Type constants and their names.
	names := map[js.Type]string{
		js.TypeUndefined: "undefined", js.TypeNull: "null", js.TypeBoolean: "boolean", js.TypeNumber: "number",
		js.TypeString: "string", js.TypeSymbol: "symbol", js.TypeObject: "object", js.TypeFunction: "function",
	}
	for t := js.TypeUndefined; t <= js.TypeFunction; t++ {
		check.Eq("Type("+names[t]+").String", t.String(), names[t])
	}

	// BigInt is tagged like null/booleans (type flag 0) and Go cannot classify it.
	check.Panics("Type of a BigInt", func() { fx.Get("big").Type() }, "string", "bad type flag")
	check.Eq("BigInt is not undefined", fx.Get("big").IsUndefined(), false)
	check.Eq("BigInt is not null", fx.Get("big").IsNull(), false)

	check.Eq("IsUndefined undefined", fx.Get("undef").IsUndefined(), true)
	check.Eq("IsUndefined missing", fx.Get("nope").IsUndefined(), true)
	check.Eq("IsUndefined null", fx.Get("nul").IsUndefined(), false)
	check.Eq("IsUndefined zero", fx.Get("zero").IsUndefined(), false)
	check.Eq("IsUndefined zero Value", js.Value{}.IsUndefined(), true)
	check.Eq("IsNull null", fx.Get("nul").IsNull(), true)
	check.Eq("IsNull undefined", fx.Get("undef").IsNull(), false)
	check.Eq("IsNull null-prototype object", fx.Get("nullproto").IsNull(), false)
	check.Eq("IsNull ValueOf(nil)", js.ValueOf(nil).IsNull(), true)
	check.Eq("IsNaN NaN", fx.Get("nan").IsNaN(), true)
	check.Eq("IsNaN 0/0 computed in JS", jsx.Eval("0/0").IsNaN(), true)
	check.Eq("IsNaN Infinity", fx.Get("inf").IsNaN(), false)
	check.Eq("IsNaN string NaN", jsx.Eval("'NaN'").IsNaN(), false)
	check.Eq("IsNaN undefined", fx.Get("undef").IsNaN(), false)
	check.Eq("IsNaN Go NaN", js.ValueOf(math.NaN()).IsNaN(), true)

	eq := []struct {
		label string
		a, b  js.Value
		want  bool
	}{
		{"same object read twice", fx.Get("obj"), fx.Get("obj"), true},
		{"two different objects", fx.Get("obj"), fx.Get("arr"), false},
		{"two empty objects", jsx.Eval("({})"), jsx.Eval("({})"), false},
		{"same function read twice", fx.Get("fn"), fx.Get("fn"), true},
		{"same symbol read twice", fx.Get("sym"), fx.Get("sym"), true},
		{"equal symbols are distinct", jsx.Eval("Symbol('s')"), jsx.Eval("Symbol('s')"), false},
		{"equal strings", fx.Get("str"), js.ValueOf("abc"), true},
		{"different strings", fx.Get("str"), js.ValueOf("abd"), false},
		{"string and number", fx.Get("zerostr"), fx.Get("zero"), false},
		{"equal numbers", fx.Get("neg"), js.ValueOf(-2.5), true},
		{"0 and -0", fx.Get("zero"), fx.Get("negzero"), true},
		{"JS 0 and Go 0", fx.Get("zero"), js.ValueOf(0), true},
		{"NaN and NaN", fx.Get("nan"), fx.Get("nan"), false},
		{"NaN and Go NaN", fx.Get("nan"), js.ValueOf(math.NaN()), false},
		{"Infinity", fx.Get("inf"), js.ValueOf(math.Inf(1)), true},
		{"true and true", fx.Get("t"), js.ValueOf(true), true},
		{"true and false", fx.Get("t"), fx.Get("f"), false},
		{"false and 0", fx.Get("f"), fx.Get("zero"), false},
		{"null and ValueOf(nil)", fx.Get("nul"), js.Null(), true},
		{"null and undefined", fx.Get("nul"), js.Undefined(), false},
		{"undefined and zero Value", fx.Get("undef"), js.Value{}, true},
		{"globalThis and js.Global", jsx.Eval("globalThis"), js.Global(), true},
		{"Number(0) object and 0", fx.Get("numobj"), fx.Get("zero"), false},
	}
	for _, c := range eq {
		check.Eq("Equal: "+c.label, c.a.Equal(c.b), c.want)
	}
	check.Done()
}
