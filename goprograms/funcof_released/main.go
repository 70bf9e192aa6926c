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
	f := jsx.FuncOf("returning alive", func(this js.Value, args []js.Value) interface{} { return "alive" })
	wrapper := f.Value
	check.EqOf("before Release", func() interface{} { return wrapper.Invoke().String() }, "alive")
	f.Release()
	fmt.Println("-- calling the released function from Go")
	check.EqOf("released function returns undefined", func() interface{} { return wrapper.Invoke().IsUndefined() }, true)
	fmt.Println("-- calling it from JS")
	check.EqOf("JS sees undefined", func() interface{} { return jsx.Fn("f", "return typeof f();").Invoke(wrapper).String() }, "undefined")
	fmt.Println("-- calling it from a timer")
	check.EqOf("program carries on after a released call from a timer", func() interface{} {
		js.Global().Call("setTimeout", wrapper, 0)
		time.Sleep(20 * time.Millisecond)
		return true
	}, true)

	// Many functions created, called and released; later ones still work.
	const n = 5000
	check.EqOf("5000 functions created, called and released", func() interface{} {
		sum := 0
		for i := 0; i < n; i++ {
			i := i
			g := js.FuncOf(func(this js.Value, args []js.Value) interface{} { return i + args[0].Int() })
			sum += g.Invoke(1).Int()
			g.Release()
		}
		return sum
	}, n*(n+1)/2)
	live := make([]js.Func, 1000)
	var arr js.Value
	check.EqOf("1000 live functions each call their own Go closure", func() interface{} {
		for i := range live {
			i := i
			live[i] = js.FuncOf(func(this js.Value, args []js.Value) interface{} { return i })
		}
		arr = js.Global().Get("Array").New()
		for _, g := range live {
			arr.Call("push", g)
		}
		ok := true
		for i := 999; i >= 0; i-- {
			if arr.Index(i).Invoke().Int() != i {
				ok = false
			}
		}
		return ok
	}, true)
	for i := 0; i < len(live); i += 2 {
		live[i].Release()
	}
	check.EqOf("odd functions survive releasing the even ones", func() interface{} { return arr.Index(999).Invoke().Int() }, 999)
	fmt.Println("-- calling a released one of the 1000")
	check.EqOf("released even function gives undefined", func() interface{} { return arr.Index(998).Invoke().IsUndefined() }, true)
	h := jsx.FuncOf("returning new", func(this js.Value, args []js.Value) interface{} { return "new" })
	check.EqOf("a function created after releases works", func() interface{} { return h.Invoke().String() }, "new")
	h.Release()
	h.Release() // releasing twice is harmless
	check.Eq("double Release is harmless", true, true)
	check.Done()
}
