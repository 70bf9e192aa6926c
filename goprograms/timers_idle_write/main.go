// Command timers_idle_write arms a timer that expires while Go's scheduler is going idle, and
// writes output as soon as it fired, 200 times with delays of 0 to 199 µs. A host must run it
// to the end: every timer fires and every write returns.
//
// Contract: the host resumes Go for each timeout it asked for (scheduleTimeoutEvent), and an
// fs.write may call back at once, inside the call (the glue's browser polyfill does; go-js-abi
// §2.3). Go 1.15-1.22 with the stock wasm_exec.js in a browser hang here: when the timer
// expires between the scheduler's timer check and its pause, a goroutine Go starts to pause
// the program runs inside the write's callback and returns to JavaScript from there, and the
// program never gets a timeout or event again (reports/findings/go-browser-timer-write-hang.md).
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fired := make(chan int)
	const n = 200
	for i := 0; i < n; i++ {
		i := i
		time.AfterFunc(time.Duration(i)*time.Microsecond, func() { fired <- i })
		if got := <-fired; got != i {
			fmt.Printf("\nFAIL timer %d: got %d\n", i, got)
			os.Exit(1)
		}
		// Each write is an fs.write call, so each may re-enter Go through its callback.
		os.Stdout.Write([]byte("."))
	}
	fmt.Printf("\nok %d timers fired, each followed by a write\n", n)
}
