// Command exit_callback calls os.Exit from inside a Go function called by JS: "sync" (Go
// invokes JS which invokes the Go callback: the exit happens inside a nested resume),
// "timer" (a setTimeout callback while main waits), "getter" (a Go getter reached through
// Value.Get), "goroutine" (a goroutine exits while main waits on a channel). The exit code is
// the argument's second field; nothing after the exit may run.
// Contract: runtime.wasmExit from a nested resume; go.exit; the glue stops the program
// (go-js-abi §2.3 items 7–8).
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall/js"
	"time"
)

func main() {
	mode := os.Args[1]
	code, _ := strconv.Atoi(os.Args[2])
	exit := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		println("callback exiting with", code)
		os.Exit(code)
		println("after os.Exit: must not run")
		return nil
	})
	defer fmt.Println("deferred in main: must not run")
	fmt.Println("mode", mode)
	switch mode {
	case "sync":
		js.Global().Get("Function").New("f", "f(); console.log('JS after the exiting call: must not run');").Invoke(exit)
	case "timer":
		js.Global().Call("setTimeout", exit, 5)
		select {}
	case "getter":
		o := js.Global().Get("Object").New()
		js.Global().Get("Object").Call("defineProperty", o, "p", map[string]interface{}{"get": exit})
		o.Get("p")
	case "goroutine":
		go func() {
			time.Sleep(5 * time.Millisecond)
			fmt.Println("goroutine exiting")
			os.Exit(code)
		}()
		<-make(chan int)
	}
	fmt.Println("main after the exit: must not run")
}
