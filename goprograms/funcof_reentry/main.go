// Command funcof_reentry checks re-entry: Go calls JS which calls Go which calls JS, many
// levels deep, and callbacks that grow the goroutine stack so it is copied to a new place
// while the outer import is still running. Results must land where Go reads them (the host
// re-reads sp with getsp() after anything that may have run Go), for every import that can
// call back and whose results the stock glue writes at getsp(): valueCall, valueInvoke,
// valueNew, valueGet; and valueSet, valueSetIndex, which have no results. (valueIndex,
// valueLength and valueInstanceOf are in reentry_stale_sp: Node's glue gets them wrong.)
// Contract: go-js-abi §2.2 (the R and getsp columns) and §2.3 item 4.
package main

import (
	"strconv"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

var grown int

// grow recurses n frames, each with a 256-byte local, so the goroutine stack must be copied.
//
//go:noinline
func grow(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return grow(n-1) + int(pad[n%256]) - n%256%256 + 0*len(pad)
}

func deep() int { grown++; return grow(20000) }

func main() {
	// Mutual recursion Go -> JS -> Go -> ... 60 levels.
	var goStep js.Func
	jsStep := jsx.FnFixture("f, n", "return n === 0 ? 'bottom' : f(n - 1) + '<js' + n;")
	goStep = jsx.FuncOf("goStep", func(this js.Value, args []js.Value) interface{} {
		n := args[0].Int()
		local := "go" + strconv.Itoa(n)
		r := jsStep.Invoke(goStep, n).String()
		return r + "<" + local
	})
	want := "bottom"
	for n := 0; n <= 59; n++ {
		if n%2 == 1 {
			want += "<js" + strconv.Itoa(n)
		} else {
			want += "<go" + strconv.Itoa(n)
		}
	}
	_ = want
	var got string
	check.EqOf("60 levels Go/JS/Go: length", func() interface{} { got = goStep.Invoke(59).String(); return len(got) }, len(buildWant(59)))
	check.Eq("60 levels Go/JS/Go: text", got, buildWant(59))

	// Each import that may run Go, with a callback that moves the stack.
	grower := jsx.FuncOf("grower", func(this js.Value, args []js.Value) interface{} { deep(); return "grown" })
	num := jsx.FuncOf("num", func(this js.Value, args []js.Value) interface{} { deep(); return 12345 })
	has := jsx.FuncOf("has", func(this js.Value, args []js.Value) interface{} { deep(); return true })
	var setSeen js.Value
	setter := jsx.FuncOf("setter", func(this js.Value, args []js.Value) interface{} { deep(); setSeen = args[0]; return nil })
	fx := jsx.Let("fixture the objects calling back", func() js.Value {
		return jsx.Fn("g, n, h, s", `
		const o = {call: g};
		Object.defineProperty(o, "getter", {get: g});
		Object.defineProperty(o, "setter", {set: s});
		const arr = [];
		Object.defineProperty(arr, 0, {get: g, set: s});
		const lenObj = {};
		Object.defineProperty(lenObj, "length", {get: n});
		const cls = {[Symbol.hasInstance]: h};
		function Ctor() { this.v = g(); }
		return {o, arr, lenObj, cls, Ctor, g};`).Invoke(grower, num, has, setter)
	})

	// Each check runs on a fresh goroutine (8 KiB stack), so the callback must move it.
	fresh := func(f func()) {
		done := make(chan bool)
		go func() { f(); done <- true }()
		<-done
	}
	before := grown
	fresh(func() {
		check.EqOf("valueCall with a moving stack", func() interface{} { return fx.Get("o").Call("call", 1, 2).String() }, "grown")
	})
	fresh(func() {
		check.EqOf("valueInvoke with a moving stack", func() interface{} { return fx.Get("g").Invoke().String() }, "grown")
	})
	fresh(func() {
		check.EqOf("valueNew with a moving stack", func() interface{} { return fx.Get("Ctor").New().Get("v").String() }, "grown")
	})
	fresh(func() {
		check.EqOf("valueGet with a moving stack", func() interface{} { return fx.Get("o").Get("getter").String() }, "grown")
	})
	fresh(func() {
		check.EqOf("valueSet with a moving stack", func() interface{} {
			fx.Get("o").Set("setter", "set value")
			return setSeen.String()
		}, "set value")
	})
	fresh(func() {
		check.EqOf("valueSetIndex with a moving stack", func() interface{} {
			fx.Get("arr").SetIndex(0, "index value")
			return setSeen.String()
		}, "index value")
	})
	check.Eq("every callback ran once", grown-before, 6)
	_, _ = num, has

	// Nested callbacks where each level grows the stack before and after calling back.
	var nest js.Func
	nest = jsx.FuncOf("nest", func(this js.Value, args []js.Value) interface{} {
		n := args[0].Int()
		g1 := grow(2000 * (n + 1))
		if n == 0 {
			return g1
		}
		r := jsx.Fn("f, n", "return f(n - 1) + 1;").Invoke(nest, n).Int()
		return r + grow(1000)
	})
	check.EqOf("8 nested callbacks growing the stack", func() interface{} { return nest.Invoke(8).Int() }, grow(2000)+8+8*grow(1000))

	// Interleaved callbacks: a callback starts a goroutine that calls back into JS while
	// another callback is pending.
	results := make(chan string, 2)
	inner := jsx.FuncOf("inner", func(this js.Value, args []js.Value) interface{} { return "inner " + args[0].String() })
	outer := jsx.FuncOf("outer", func(this js.Value, args []js.Value) interface{} {
		r := jsx.Fn("f", "return f('from outer');").Invoke(inner).String()
		results <- r
		return nil
	})
	check.EqOf("callback calling another callback", func() interface{} {
		js.Global().Call("setTimeout", outer, 0)
		return <-results
	}, "inner from outer")
	for _, f := range []js.Func{goStep, grower, num, has, setter, nest, inner, outer} {
		f.Release()
	}
	check.Done()
}

func buildWant(top int) string {
	s := "bottom"
	// goStep(n) returns jsStep(n) + "<go"+n; jsStep(n) returns goStep(n-1) + "<js"+n or "bottom".
	var rec func(n int) string
	rec = func(n int) string {
		var j string
		if n == 0 {
			j = "bottom"
		} else {
			j = rec(n-1) + "<js" + strconv.Itoa(n)
		}
		return j + "<go" + strconv.Itoa(n)
	}
	_ = s
	return rec(top)
}
