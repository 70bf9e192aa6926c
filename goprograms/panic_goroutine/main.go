// Command panic_goroutine panics outside main: "goroutine" (in a goroutine while main waits),
// "callback" (in a Go function called from a JS timer), "error" (a runtime error: index out
// of range in a goroutine), "goexit" (runtime.Goexit in main: the deadlock report). Each ends
// the program with exit status 2 and the runtime's report on stderr.
// Contract: runtime.wasmWrite to fd 2 and runtime.wasmExit(2) (go-js-abi §5.2, §5.3).
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall/js"
	"time"
)

func main() {
	fmt.Println("mode", os.Args[1])
	switch os.Args[1] {
	case "goroutine":
		go func() {
			time.Sleep(time.Millisecond)
			panic("boom in goroutine")
		}()
		<-make(chan int)
	case "callback":
		cb := js.FuncOf(func(this js.Value, args []js.Value) interface{} { panic(fmt.Sprintf("boom in callback %d", args[0].Int())) })
		js.Global().Call("setTimeout", cb, 1, 42)
		<-make(chan int)
	case "error":
		go func() {
			var s []int
			i := len(os.Args) + 5
			fmt.Println(s[i])
		}()
		<-make(chan int)
	case "goexit":
		defer fmt.Println("deferred call runs before Goexit ends main")
		runtime.Goexit()
	}
}
