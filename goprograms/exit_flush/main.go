// Command exit_flush writes output right before os.Exit and checks none of it is lost: 200
// numbered stdout lines written with separate fmt.Println calls, a stdout line without a
// trailing newline, and stderr written both by println (runtime, synchronous) and os.Stderr;
// then os.Exit(ARG).
// Contract: every fs.write completes before Write returns, runtime.wasmWrite is synchronous,
// and wasmExit happens after them (go-js-abi §2.2, §3 os).
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	code, _ := strconv.Atoi(os.Args[1])
	for i := 1; i <= 200; i++ {
		fmt.Println("line", i)
	}
	fmt.Fprintln(os.Stderr, "stderr via os.Stderr")
	println("stderr via println")
	fmt.Print("last stdout line without newline")
	print("last stderr text without newline")
	os.Exit(code)
}
