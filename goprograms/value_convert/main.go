// Command value_convert checks Value.Int, Float, Bool and String on values of the right
// type and on every wrong one: the conversions panic with a *js.ValueError whose message
// names the method and the JS type; String never panics and describes non-strings.
// Numbers are described with the host's String(v) ("<number: Infinity>").
// Contract: syscall/js Value.Int/Float/Bool/String, ValueError; valuePrepareString and
// valueLoadString for strings (go-js-abi §2.2).
package main

import (
	"errors"
	"math"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	fx := jsx.Let("fixture fx", func() js.Value {
		return jsx.Eval(`({
		undef: undefined, nul: null, t: true, f: false, zero: 0, int: 42, frac: 42.9, negfrac: -42.9,
		big: 2 ** 53, neg: -7, float: 42.123, tiny: 5e-324, nan: NaN, str: "42", empty: "",
		sym: Symbol("s"), obj: {}, fn: function() {}, numobj: new Number(3), boolobj: new Boolean(true),
		strobj: new String("so"), arr: [1, 2]
	})`)
	})
	ints := []struct {
		key  string
		want int
	}{{"zero", 0}, {"int", 42}, {"frac", 42}, {"negfrac", -42}, {"big", 1 << 53}, {"neg", -7}, {"tiny", 0}}
	for _, c := range ints {
		check.EqOf("Int of "+c.key, func() interface{} { return fx.Get(c.key).Int() }, c.want)
	}
	floats := []struct {
		key  string
		want float64
	}{{"zero", 0}, {"int", 42}, {"frac", 42.9}, {"negfrac", -42.9}, {"float", 42.123}, {"tiny", 5e-324}, {"nan", math.NaN()}}
	for _, c := range floats {
		check.FloatOf("Float of "+c.key, func() float64 { return fx.Get(c.key).Float() }, c.want)
	}
	check.FloatOf("Float of JS -0 is +0", func() float64 { return jsx.Eval("-0").Float() }, 0)
	check.EqOf("Bool of true", func() interface{} { return fx.Get("t").Bool() }, true)
	check.EqOf("Bool of false", func() interface{} { return fx.Get("f").Bool() }, false)

	wrong := []struct{ method, key, typ string }{
		{"Int", "undef", "undefined"}, {"Int", "nul", "null"}, {"Int", "t", "boolean"}, {"Int", "str", "string"},
		{"Int", "sym", "symbol"}, {"Int", "obj", "object"}, {"Int", "fn", "function"}, {"Int", "numobj", "object"},
		{"Float", "undef", "undefined"}, {"Float", "nul", "null"}, {"Float", "f", "boolean"}, {"Float", "empty", "string"},
		{"Float", "sym", "symbol"}, {"Float", "arr", "object"}, {"Float", "fn", "function"},
		{"Bool", "undef", "undefined"}, {"Bool", "nul", "null"}, {"Bool", "zero", "number"}, {"Bool", "int", "number"},
		{"Bool", "nan", "number"}, {"Bool", "str", "string"}, {"Bool", "sym", "symbol"}, {"Bool", "boolobj", "object"},
		{"Bool", "fn", "function"},
	}
	for _, c := range wrong {
		key := c.key
		var f func()
		switch c.method {
		case "Int":
			f = func() { fx.Get(key).Int() }
		case "Float":
			f = func() { fx.Get(key).Float() }
		case "Bool":
			f = func() { fx.Get(key).Bool() }
		}
		check.Panics(c.method+" of "+c.key, f, "*js.ValueError", "syscall/js: call of Value."+c.method+" on "+c.typ)
	}
	r, _ := check.Recovered(func() { fx.Get("str").Int() })
	var ve *js.ValueError
	if err, ok := r.(error); ok && errors.As(err, &ve) {
		check.Eq("ValueError.Method", ve.Method, "Value.Int")
		check.EqOf("ValueError.Type", func() interface{} { return ve.Type.String() }, "string")
	} else {
		check.Report("ValueError fields", false, check.Fmt(r), "a *js.ValueError")
	}

	strs := []struct{ key, want string }{
		{"str", "42"}, {"empty", ""}, {"undef", "<undefined>"}, {"nul", "<null>"}, {"t", "<boolean: true>"},
		{"f", "<boolean: false>"}, {"zero", "<number: 0>"}, {"frac", "<number: 42.9>"}, {"neg", "<number: -7>"},
		{"big", "<number: 9007199254740992>"}, {"tiny", "<number: 5e-324>"}, {"nan", "<number: NaN>"},
		{"sym", "<symbol>"}, {"obj", "<object>"}, {"arr", "<object>"}, {"strobj", "<object>"}, {"fn", "<function>"},
	}
	for _, c := range strs {
		check.EqOf("String of "+c.key, func() interface{} { return fx.Get(c.key).String() }, c.want)
	}
	check.EqOf("String of +Inf", func() interface{} { return js.ValueOf(math.Inf(1)).String() }, "<number: Infinity>")
	check.EqOf("String of -Inf", func() interface{} { return js.ValueOf(math.Inf(-1)).String() }, "<number: -Infinity>")
	check.EqOf("String of js.Global()", func() interface{} { return js.Global().String() }, "<object>")

	// An object with toString is still "<object>": String converts only strings.
	calls := 0
	var cb js.Func
	o := jsx.Let("fixture an object whose toString is a Go function", func() js.Value {
		cb = js.FuncOf(func(this js.Value, args []js.Value) interface{} { calls++; return "custom" })
		o := jsx.Eval("({})")
		o.Set("toString", cb)
		return o
	})
	check.EqOf("String of an object with toString", func() interface{} { return o.String() }, "<object>")
	check.Eq("toString was not called by String", calls, 0)
	check.EqOf("JS string concatenation calls the Go toString", func() interface{} { return jsx.Fn("o", "return 'x' + o;").Invoke(o).String() }, "xcustom")
	cb.Release()
	check.Done()
}
