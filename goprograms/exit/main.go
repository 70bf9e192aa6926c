// Command exit writes a line, then calls os.Exit with the code given as its argument.
// The deferred print must never appear: os.Exit does not run deferred calls.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	code, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: exit CODE")
		os.Exit(100)
	}
	defer fmt.Println("deferred: must not run")
	fmt.Println("before exit")
	os.Exit(code)
}
