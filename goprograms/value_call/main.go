// Command value_call checks Value.Call, Invoke and New: `this`, argument passing with 0, 1,
// 16, 17 and 40 arguments (Go 1.23+ keeps up to 16 on the goroutine stack), arguments of
// every Go kind, JS exceptions surfacing as js.Error, and the panics for a missing method, a
// non-function property, a non-object receiver, and a non-function Invoke/New receiver.
// The message of New on a non-function moved in Go 1.27 (before: "Value.Invoke"); the label
// names the variant checked.
// Contract: syscall/js Value.Call/Invoke/New, js.Error; valueCall, valueInvoke, valueNew
// (exceptions caught, ok flag; go-js-abi §2.2).
package main

import (
	"errors"
	"strconv"
	"strings"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func args(n int) ([]interface{}, string) {
	a := make([]interface{}, n)
	s := make([]string, n)
	for i := range a {
		a[i] = i * 3
		s[i] = strconv.Itoa(i * 3)
	}
	return a, strings.Join(s, ",")
}

func main() {
	fx := jsx.Let("fixture fx", func() js.Value {
		return jsx.Eval(`({
		tag: "fx",
		join() { return Array.prototype.join.call(arguments, ",") + "|" + arguments.length; },
		self() { return this; },
		strictThis: function() { "use strict"; return typeof this; },
		sloppyThis: function() { return this === globalThis; },
		C: function() { this.n = arguments.length; this.all = Array.prototype.join.call(arguments, ","); },
		thrower: function() { throw new TypeError("bad thing"); },
		method() {},
		throwObj() { throw {message: "plain object"}; },
		throwStr() { throw "a string"; },
		notfn: 42,
		describe(...a) { return a.map((v) => v === null ? "null" : typeof v).join(","); },
	})`)
	})
	join := jsx.Let("fixture fx.join", func() js.Value { return fx.Get("join") })
	C := jsx.Let("fixture fx.C", func() js.Value { return fx.Get("C") })
	for _, n := range []int{0, 1, 2, 15, 16, 17, 40, 100} {
		a, want := args(n)
		want += "|" + strconv.Itoa(n)
		check.EqOf("Call with "+strconv.Itoa(n)+" args", func() interface{} { return fx.Call("join", a...).String() }, want)
		check.EqOf("Invoke with "+strconv.Itoa(n)+" args", func() interface{} { return join.Invoke(a...).String() }, want)
		check.EqOf("New with "+strconv.Itoa(n)+" args", func() interface{} {
			obj := C.New(a...)
			return strconv.Itoa(obj.Get("n").Int()) + "|" + obj.Get("all").String()
		}, strconv.Itoa(n)+"|"+want[:strings.LastIndex(want, "|")])
	}
	// Arguments that are strings and objects (refs with finalizers) at the 16/17 boundary.
	for _, n := range []int{16, 17} {
		a := make([]interface{}, n)
		s := make([]string, n)
		for i := range a {
			s[i] = "s" + strconv.Itoa(i)
			a[i] = s[i]
		}
		check.EqOf("Call with "+strconv.Itoa(n)+" string args", func() interface{} { return fx.Call("join", a...).String() }, strings.Join(s, ",")+"|"+strconv.Itoa(n))
	}

	check.TrueOf("Call passes the receiver as this", func() (bool, string) { return fx.Call("self").Equal(fx), "not Equal" })
	check.EqOf("Invoke passes undefined as this (strict)", func() interface{} { return fx.Get("strictThis").Invoke().String() }, "undefined")
	check.EqOf("Invoke of a sloppy function sees globalThis", func() interface{} { return fx.Get("sloppyThis").Invoke().Bool() }, true)
	check.EqOf("Call of a method on globalThis", func() interface{} { return js.Global().Call("parseInt", "42px").Int() }, 42)
	check.EqOf("Call of an inherited method", func() interface{} { return fx.Call("hasOwnProperty", "tag").Bool() }, true)
	check.EqOf("Call with every kind of argument", func() interface{} {
		return fx.Call("describe", 1, "s", true, nil, js.Undefined(), []interface{}{}, map[string]interface{}{}, fx.Get("join"), js.ValueOf(2.5)).String()
	}, "number,string,boolean,null,undefined,object,object,function,number")
	check.EqOf("New Array(3)", func() interface{} { return js.Global().Get("Array").New(3).Length() }, 3)
	check.EqOf("New Array(1, 2, 3)", func() interface{} { return jsx.Describe(js.Global().Get("Array").New(1, 2, 3)) }, "[1,2,3]")
	check.EqOf("New Date(0).getTime()", func() interface{} { return js.Global().Get("Date").New(0).Call("getTime").Int() }, 0)
	check.EqOf("Invoke returning undefined", func() interface{} { return jsx.Fn("", "").Invoke().IsUndefined() }, true)

	// JS exceptions become js.Error panics whose Value is the thrown value.
	jsErr := func(label string, f func(), wantMsg, wantName string) {
		r, p := check.Recovered(f)
		e, ok := r.(js.Error)
		if !p || !ok {
			check.Report(label+": panics with js.Error", false, check.DescribePanic(r, p), "js.Error")
			return
		}
		check.Report(label+": panics with js.Error", true, "", "")
		if wantMsg != "" {
			check.EqOf(label+": Error()", func() interface{} { return e.Error() }, wantMsg)
		}
		var target js.Error
		check.Eq(label+": errors.As", errors.As(error(e), &target), true)
		if wantName != "" {
			check.EqOf(label+": thrown value's name", func() interface{} { return e.Value.Get("name").String() }, wantName)
		}
	}
	jsErr("Call of a throwing method", func() { fx.Call("thrower") }, "JavaScript error: bad thing", "TypeError")
	jsErr("Invoke of a throwing function", func() { fx.Get("thrower").Invoke() }, "JavaScript error: bad thing", "TypeError")
	jsErr("New of a throwing constructor", func() { fx.Get("thrower").New() }, "JavaScript error: bad thing", "TypeError")
	jsErr("Call throwing a plain object", func() { fx.Call("throwObj") }, "JavaScript error: plain object", "")
	jsErr("New Array(-1)", func() { js.Global().Get("Array").New(-1) }, "", "RangeError")
	jsErr("New of an arrow function", func() { jsx.Eval("() => 1").New() }, "", "TypeError")
	jsErr("New of a method (not a constructor)", func() { fx.Get("method").New() }, "", "TypeError")
	r, _ := check.Recovered(func() { fx.Call("throwStr") })
	if e, ok := r.(js.Error); ok {
		check.EqOf("thrown string is the js.Error's Value", func() interface{} { return e.Value.String() }, "a string")
	} else {
		check.Report("thrown string is the js.Error's Value", false, check.Fmt(r), "js.Error")
	}
	check.EqOf("the program goes on after caught JS exceptions", func() interface{} { return fx.Call("join", 1).String() }, "1|1")

	ve := "*js.ValueError"
	check.Panics("Call of a missing method", func() { fx.Call("nope") }, "string", "syscall/js: Value.Call: property nope is not a function, got undefined")
	check.Panics("Call of a number property", func() { fx.Call("notfn") }, "string", "syscall/js: Value.Call: property notfn is not a function, got number")
	check.Panics("Call of a string property", func() { fx.Call("tag") }, "string", "syscall/js: Value.Call: property tag is not a function, got string")
	check.Panics("Call on undefined", func() { js.Undefined().Call("f") }, ve, "syscall/js: call of Value.Call on undefined")
	check.Panics("Call on null", func() { js.Null().Call("f") }, ve, "syscall/js: call of Value.Call on null")
	check.Panics("Call on a string primitive", func() { fx.Get("tag").Call("toUpperCase") }, ve, "syscall/js: call of Value.Call on string")
	check.Panics("Call on a number", func() { js.ValueOf(1).Call("toFixed") }, ve, "syscall/js: call of Value.Call on number")
	check.Panics("Invoke of a number", func() { js.ValueOf(1).Invoke() }, ve, "syscall/js: call of Value.Invoke on number")
	check.Panics("Invoke of an object", func() { fx.Invoke() }, ve, "syscall/js: call of Value.Invoke on object")
	check.Panics("Invoke of undefined", func() { js.Undefined().Invoke() }, ve, "syscall/js: call of Value.Invoke on undefined")
	check.Panics("New of a number ["+newVariant+"]", func() { js.ValueOf(1).New() }, ve, "syscall/js: call of "+newMethod+" on number")
	check.Panics("New of an object ["+newVariant+"]", func() { fx.New() }, ve, "syscall/js: call of "+newMethod+" on object")
	check.Done()
}
