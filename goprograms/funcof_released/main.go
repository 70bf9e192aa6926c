// Command funcof_released checks Func.Release: calling a released function from JS,
// synchronously and from a timer, prints "call to released function" on stderr, returns
// undefined to JS and the program carries on; ids are reused, and creating and releasing
// many functions works.
// Contract: syscall/js Func.Release; handleEvent with an unknown id (go-js-abi §2.3 item 6, §5.4).
package main

import (
	"fmt"
	"syscall/js"
	"time"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	f := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return "alive" })
	wrapper := f.Value
	check.Eq("before Release", wrapper.Invoke().String(), "alive")
	f.Release()
	fmt.Println("-- calling the released function from Go")
	r := wrapper.Invoke()
	check.Eq("released function returns undefined", r.IsUndefined(), true)
	fmt.Println("-- calling it from JS")
	check.Eq("JS sees undefined", jsx.Fn("f", "return typeof f();").Invoke(wrapper).String(), "undefined")
	fmt.Println("-- calling it from a timer")
	js.Global().Call("setTimeout", wrapper, 0)
	time.Sleep(20 * time.Millisecond)
	check.Eq("program carries on after a released call from a timer", true, true)

	// Many functions created, called and released; later ones still work.
	const n = 5000
	sum := 0
	for i := 0; i < n; i++ {
		i := i
		g := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return i + args[0].Int() })
		sum += g.Invoke(1).Int()
		g.Release()
	}
	check.Eq("5000 functions created, called and released", sum, n*(n+1)/2)
	live := make([]js.Func, 1000)
	for i := range live {
		i := i
		live[i] = js.FuncOf(func(this js.Value, args []js.Value) interface{} { return i })
	}
	arr := js.Global().Get("Array").New()
	for _, g := range live {
		arr.Call("push", g)
	}
	ok := true
	for i := 999; i >= 0; i-- {
		if arr.Index(i).Invoke().Int() != i {
			ok = false
		}
	}
	check.Eq("1000 live functions each call their own Go closure", ok, true)
	for i := 0; i < len(live); i += 2 {
		live[i].Release()
	}
	check.Eq("odd functions survive releasing the even ones", arr.Index(999).Invoke().Int(), 999)
	fmt.Println("-- calling a released one of the 1000")
	check.Eq("released even function gives undefined", arr.Index(998).Invoke().IsUndefined(), true)
	h := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return "new" })
	check.Eq("a function created after releases works", h.Invoke().String(), "new")
	h.Release()
	h.Release() // releasing twice is harmless
	check.Eq("double Release is harmless", true, true)
	check.Done()
}
