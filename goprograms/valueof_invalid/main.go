// Command valueof_invalid checks that js.ValueOf panics for every unsupported Go value with
// the plain string "ValueOf: invalid value" (not a *js.ValueError), also when the bad value
// is nested in a []interface{} or map, and that Value.Set/Call/Invoke/New apply the same
// conversion to their arguments.
// Contract: syscall/js.ValueOf ("Panics if x is not one of the expected types").
package main

import (
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

type named int
type str string

func main() {
	x := 1
	bad := []struct {
		label string
		v     interface{}
	}{
		{"struct", struct{}{}},
		{"struct with fields", struct{ A int }{1}},
		{"[]byte", []byte{1, 2}},
		{"[]int", []int{1}},
		{"[]string", []string{"a"}},
		{"[]js.Value", []js.Value{js.Null()}},
		{"array", [2]int{1, 2}},
		{"pointer", &x},
		{"nil pointer", (*int)(nil)},
		{"channel", make(chan int)},
		{"func", func() {}},
		{"map[string]int", map[string]int{"a": 1}},
		{"map[int]interface{}", map[int]interface{}{1: 1}},
		{"complex128", complex(1, 2)},
		{"complex64", complex64(1)},
		{"named int", named(1)},
		{"named string", str("s")},
		{"error", errorValue{}},
		{"*js.Value", &js.Value{}},
		{"nested in []interface{}", []interface{}{1, struct{}{}}},
		{"nested in map", map[string]interface{}{"k": []byte{}}},
		{"deeply nested", []interface{}{map[string]interface{}{"a": []interface{}{make(chan int)}}}},
	}
	for _, c := range bad {
		v := c.v
		check.Panics("ValueOf("+c.label+")", func() { js.ValueOf(v) }, "string", "ValueOf: invalid value")
	}

	o := jsx.Fixture("({f(){ return arguments.length; }})")
	check.Panics("Set with a struct", func() { o.Set("k", struct{}{}) }, "string", "ValueOf: invalid value")
	check.EqOf("failed Set left no property", func() interface{} { return o.Get("k").IsUndefined() }, true)
	check.Panics("SetIndex with a []byte", func() { jsx.Eval("[]").SetIndex(0, []byte{}) }, "string", "ValueOf: invalid value")
	check.Panics("Call with a pointer argument", func() { o.Call("f", 1, &x) }, "string", "ValueOf: invalid value")
	check.Panics("Invoke with a channel argument", func() { o.Get("f").Invoke(make(chan int)) }, "string", "ValueOf: invalid value")
	check.Panics("New with a func argument", func() { js.Global().Get("Array").New(func() {}) }, "string", "ValueOf: invalid value")
	check.EqOf("a valid call still works afterwards", func() interface{} { return o.Call("f", 1, "2", nil).Int() }, 3)
	check.Done()
}

type errorValue struct{}

func (errorValue) Error() string { return "an error" }
