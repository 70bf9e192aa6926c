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
	length := jsx.Fn("s", "return s.length;")
	for _, c := range strs {
		v := js.ValueOf(c.in)
		check.Eq("string "+c.label+": Type", v.Type().String(), "string")
		check.Eq("string "+c.label+": JS sees", jsx.Describe(v), c.json)
		check.Eq("string "+c.label+": UTF-16 length", length.Invoke(v).Int(), c.units)
	}
	check.Eq("valid string round trip", js.ValueOf("a😀\x00é").String(), "a😀\x00é")
	check.Eq("invalid string comes back replaced", js.ValueOf("a\xffb").String(), "a\uFFFDb")

	arr := js.ValueOf([]interface{}{
		1, "two", true, nil, js.Undefined(), 2.5, []interface{}{3, []interface{}{}}, map[string]interface{}{"k": "v"},
	})
	check.Eq("[]interface{} Type", arr.Type().String(), "object")
	check.True("[]interface{} instanceof Array", arr.InstanceOf(js.Global().Get("Array")), "false")
	check.Eq("[]interface{} Length", arr.Length(), 8)
	check.Eq("[]interface{} JS sees", jsx.Describe(arr), `[1,"two",true,null,undefined,2.5,[3,[]],{"k":"v"}]`)
	check.Eq("empty []interface{}", jsx.Describe(js.ValueOf([]interface{}{})), "[]")
	check.Eq("nil []interface{} is an empty Array", jsx.Describe(js.ValueOf([]interface{}(nil))), "[]")
	check.Eq("[]interface{} of NaN and Inf", jsx.Describe(js.ValueOf([]interface{}{math.NaN(), math.Inf(-1), uint8(7)})), "[NaN,-Infinity,7]")

	obj := js.ValueOf(map[string]interface{}{
		"num": 1, "str": "s", "nested": map[string]interface{}{"arr": []interface{}{1, 2}}, "null": nil,
		"日本": "語", "": "empty key", "with space": true,
	})
	check.Eq("map Type", obj.Type().String(), "object")
	check.True("map instanceof Object", obj.InstanceOf(js.Global().Get("Object")), "false")
	check.True("map is not an Array", !obj.InstanceOf(js.Global().Get("Array")), "it is")
	check.Eq("map JS sees", jsx.Describe(obj), `{"":"empty key","nested":{"arr":[1,2]},"null":null,"num":1,"str":"s","with space":true,"日本":"語"}`)
	check.Eq("map Get nested", obj.Get("nested").Get("arr").Index(1).Int(), 2)
	check.Eq("map Get non-ASCII key", obj.Get("日本").String(), "語")
	check.Eq("empty map", jsx.Describe(js.ValueOf(map[string]interface{}{})), "{}")

	f := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return len(args) })
	nested := js.ValueOf([]interface{}{f, js.Global(), map[string]interface{}{"f": f}})
	check.Eq("Func inside []interface{} is callable", nested.Index(0).Invoke(1, 2, 3).Int(), 3)
	check.Eq("Func inside map is callable", nested.Index(2).Call("f", 1).Int(), 1)
	check.True("js.Value inside []interface{} is the same value", nested.Index(1).Equal(js.Global()), "not Equal")
	f.Release()

	deep := []interface{}{}
	for i := 0; i < 50; i++ {
		deep = []interface{}{deep, i}
	}
	d := js.ValueOf(deep)
	for i := 49; i > 0; i-- {
		d = d.Index(0)
	}
	check.Eq("50 levels of nesting", jsx.Describe(d), "[[],0]")
	check.Done()
}
