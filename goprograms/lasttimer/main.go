// Command lasttimer checks that a pending timer keeps the program alive: main blocks on a
// channel that only a goroutine sleeping 50ms will send to; a host that declares a deadlock
// (the {id: 0} event) while a timer is armed ends the program early with exit 2.
// With the argument "afterfunc" the only thing left is a time.AfterFunc that exits with 7.
// Contract: runtime.scheduleTimeoutEvent keeps the host's event loop alive; the id-0 event
// only when nothing is pending (go-js-abi §2.3 item 5).
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "afterfunc" {
		fmt.Println("arming AfterFunc")
		time.AfterFunc(50*time.Millisecond, func() {
			fmt.Println("AfterFunc fired, exiting 7")
			os.Exit(7)
		})
		select {}
	}
	ch := make(chan string)
	go func() {
		time.Sleep(50 * time.Millisecond)
		ch <- "woke after 50ms"
	}()
	fmt.Println("main waits")
	fmt.Println(<-ch)
}
