// Command funcof_blocking shows the documented deadlock of a blocking callback: a Go function
// called from JS blocks, JS's event loop cannot run until it returns, so nothing can unblock
// it. Modes (the argument): "timer" (the callback sleeps), "channel" (the callback waits for
// a value another JS timer would send), "goroutine" (the same callback hands off to a
// goroutine as documented, and completes).
// Contract: syscall/js.FuncOf doc ("if one wrapped function blocks, JavaScript's event loop
// is blocked until that function returns ... will cause an immediate deadlock"), the
// runtime's deadlock report (go-js-abi §2.3 item 5). Callbacks print with println (runtime
// wasmWrite to stderr, synchronous): even fmt.Println to os.Stdout waits for an fs.write
// callback, so it blocks in a callback too.
package main

import (
	"fmt"
	"os"
	"syscall/js"
	"time"
)

func main() {
	mode := os.Args[1]
	ch := make(chan int, 1) // buffered: the sender callback itself must never block
	sender := js.FuncOf(func(this js.Value, args []js.Value) interface{} { ch <- 1; return nil })
	var cb js.Func
	switch mode {
	case "timer":
		cb = js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			println("callback sleeping")
			time.Sleep(10 * time.Millisecond)
			println("callback woke up")
			return nil
		})
	case "channel":
		cb = js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			println("callback waiting")
			js.Global().Call("setTimeout", sender, 0)
			<-ch
			println("callback got a value")
			return nil
		})
	case "goroutine":
		cb = js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			println("callback handing off")
			go func() {
				time.Sleep(10 * time.Millisecond)
				println("goroutine slept")
				js.Global().Call("setTimeout", sender, 0)
			}()
			return nil
		})
	}
	fmt.Println("main calls the callback")
	cb.Invoke()
	fmt.Println("main waits")
	switch mode {
	case "goroutine":
		<-ch
		fmt.Println("main got a value")
	case "channel":
		<-ch
		fmt.Println("main got a value")
	}
}
