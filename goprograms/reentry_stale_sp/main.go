// Command reentry_stale_sp checks the imports that can call back into Go but whose results
// the stock wasm_exec.js writes at the sp it was called with rather than at getsp():
// valueIndex (an indexed getter), valueLength (a length getter) and valueInstanceOf
// (Symbol.hasInstance). Each callback grows the goroutine stack, which moves it; a host that
// honours the contract re-reads sp and the results arrive intact. The checks state the
// contract; Node with every Go release from 1.19 to 1.27 fails some of them (the result
// lands in the old, freed stack and Go reads stale bytes).
// Contract: go-js-abi §2.2 ("a Rust host should re-read sp after any call that might have
// re-entered Go"), §7 item 3.
package main

import (
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

//go:noinline
func grow(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return grow(n-1) + int(pad[n%256]) - n%256
}

func fresh(f func()) {
	done := make(chan bool)
	go func() { f(); done <- true }()
	<-done
}

func main() {
	calls := 0
	getter := js.FuncOf(func(this js.Value, args []js.Value) interface{} { calls++; grow(20000); return "grown" })
	length := js.FuncOf(func(this js.Value, args []js.Value) interface{} { calls++; grow(20000); return 12345 })
	has := js.FuncOf(func(this js.Value, args []js.Value) interface{} { calls++; grow(20000); return true })
	fx := jsx.Fn("g, n, h", `
		const arr = [];
		Object.defineProperty(arr, 0, {get: g});
		const lenObj = {};
		Object.defineProperty(lenObj, "length", {get: n});
		return {arr, lenObj, cls: {[Symbol.hasInstance]: h}};`).Invoke(getter, length, has)
	arr, lenObj, cls := fx.Get("arr"), fx.Get("lenObj"), fx.Get("cls")

	// Without stack growth the same imports work: the callbacks run on a grown stack.
	var stable string
	fresh(func() { grow(30000); stable = arr.Index(0).String() })
	check.Eq("valueIndex with a callback, stack not moving", stable, "grown")

	fresh(func() {
		v := arr.Index(0)
		check.Report("valueIndex with a moving stack", v.Type() == js.TypeString && v.String() == "grown", v.Type().String(), "string \"grown\"")
	})
	fresh(func() {
		n := lenObj.Length()
		check.Report("valueLength with a moving stack", n == 12345, "a different number", "12345")
	})
	fresh(func() {
		ok := js.ValueOf(1).InstanceOf(cls)
		check.Eq("valueInstanceOf with a moving stack", ok, true)
	})
	check.Eq("every callback ran once", calls, 4)
	check.Done()
}
