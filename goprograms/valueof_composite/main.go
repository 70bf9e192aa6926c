// Command valueof_composite checks js.ValueOf on strings ([]byte-free UTF-8 text, non-ASCII,
// astral characters, embedded NULs, invalid UTF-8) and on nested []interface{} and
// map[string]interface{}, which Go turns into JS Arrays and Objects.
// Contract: syscall/js.ValueOf, stringVal (UTF-8 decoding on the host, invalid bytes become
// U+FFFD), the Array and Object constructors read at init (go-js-abi §2.1, §3).
package main

import (
	"math"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	strs := []struct {
		label string
		in    string
		json  string
		units int
	}{
		{"empty", "", `""`, 0},
		{"ascii", "hello", `"hello"`, 5},
		{"latin-1", "héllo wörld", `"héllo wörld"`, 11},
		{"CJK", "日本語", `"日本語"`, 3},
		{"astral", "😀", `"😀"`, 2},
		{"mixed astral", "a😀b𝄞c", `"a😀b𝄞c"`, 7},
		{"embedded NUL", "a\x00b", `"a\u0000b"`, 3},
		{"only NULs", "\x00\x00", `"\u0000\u0000"`, 2},
		{"control chars", "\t\n\r", `"\t\n\r"`, 3},
		{"invalid byte ff", "a\xffb", `"a�b"`, 3},
		{"truncated sequence", "\xe6\x97", `"�"`, 1},
		{"overlong", "\xc0\xaf", `"��"`, 2},
		{"UTF-8 surrogate", "\xed\xa0\x80", `"���"`, 3},
		{"U+FFFD itself", "\uFFFD", `"�"`, 1},
		{"BOM in the middle", "x\uFEFFy", "\"x\uFEFFy\"", 3},
	}
	length := jsx.FnFixture("s", "return s.length;")
	for _, c := range strs {
		v := js.ValueOf(c.in)
		check.EqOf("string "+c.label+": Type", func() interface{} { return v.Type().String() }, "string")
		check.EqOf("string "+c.label+": JS sees", func() interface{} { return jsx.Describe(v) }, c.json)
		check.EqOf("string "+c.label+": UTF-16 length", func() interface{} { return length.Invoke(v).Int() }, c.units)
	}
	check.EqOf("valid string round trip", func() interface{} { return js.ValueOf("a😀\x00é").String() }, "a😀\x00é")
	check.EqOf("invalid string comes back replaced", func() interface{} { return js.ValueOf("a\xffb").String() }, "a\uFFFDb")

	arr := jsx.Let("fixture ValueOf([]interface{})", func() js.Value {
		return js.ValueOf([]interface{}{
			1, "two", true, nil, js.Undefined(), 2.5, []interface{}{3, []interface{}{}}, map[string]interface{}{"k": "v"},
		})
	})
	check.EqOf("[]interface{} Type", func() interface{} { return arr.Type().String() }, "object")
	check.TrueOf("[]interface{} instanceof Array", func() (bool, string) { return arr.InstanceOf(js.Global().Get("Array")), "false" })
	check.EqOf("[]interface{} Length", func() interface{} { return arr.Length() }, 8)
	check.EqOf("[]interface{} JS sees", func() interface{} { return jsx.Describe(arr) }, `[1,"two",true,null,undefined,2.5,[3,[]],{"k":"v"}]`)
	check.EqOf("empty []interface{}", func() interface{} { return jsx.Describe(js.ValueOf([]interface{}{})) }, "[]")
	check.EqOf("nil []interface{} is an empty Array", func() interface{} { return jsx.Describe(js.ValueOf([]interface{}(nil))) }, "[]")
	check.EqOf("[]interface{} of NaN and Inf", func() interface{} { return jsx.Describe(js.ValueOf([]interface{}{math.NaN(), math.Inf(-1), uint8(7)})) }, "[NaN,-Infinity,7]")

	obj := jsx.Let("fixture ValueOf(map[string]interface{})", func() js.Value {
		return js.ValueOf(map[string]interface{}{
			"num": 1, "str": "s", "nested": map[string]interface{}{"arr": []interface{}{1, 2}}, "null": nil,
			"日本": "語", "": "empty key", "with space": true,
		})
	})
	check.EqOf("map Type", func() interface{} { return obj.Type().String() }, "object")
	check.TrueOf("map instanceof Object", func() (bool, string) { return obj.InstanceOf(js.Global().Get("Object")), "false" })
	check.TrueOf("map is not an Array", func() (bool, string) { return !obj.InstanceOf(js.Global().Get("Array")), "it is" })
	check.EqOf("map JS sees", func() interface{} { return jsx.Describe(obj) }, `{"":"empty key","nested":{"arr":[1,2]},"null":null,"num":1,"str":"s","with space":true,"日本":"語"}`)
	check.EqOf("map Get nested", func() interface{} { return obj.Get("nested").Get("arr").Index(1).Int() }, 2)
	check.EqOf("map Get non-ASCII key", func() interface{} { return obj.Get("日本").String() }, "語")
	check.EqOf("empty map", func() interface{} { return jsx.Describe(js.ValueOf(map[string]interface{}{})) }, "{}")

	var f js.Func
	nested := jsx.Let("fixture a Func nested in ValueOf", func() js.Value {
		f = js.FuncOf(func(this js.Value, args []js.Value) interface{} { return len(args) })
		return js.ValueOf([]interface{}{f, js.Global(), map[string]interface{}{"f": f}})
	})
	check.EqOf("Func inside []interface{} is callable", func() interface{} { return nested.Index(0).Invoke(1, 2, 3).Int() }, 3)
	check.EqOf("Func inside map is callable", func() interface{} { return nested.Index(2).Call("f", 1).Int() }, 1)
	check.TrueOf("js.Value inside []interface{} is the same value", func() (bool, string) { return nested.Index(1).Equal(js.Global()), "not Equal" })
	f.Release()

	deep := []interface{}{}
	for i := 0; i < 50; i++ {
		deep = []interface{}{deep, i}
	}
	d := jsx.Let("fixture 50 levels of nesting", func() js.Value {
		d := js.ValueOf(deep)
		for i := 49; i > 0; i-- {
			d = d.Index(0)
		}
		return d
	})
	check.EqOf("50 levels of nesting", func() interface{} { return jsx.Describe(d) }, "[[],0]")
	check.Done()
}
