// Command lineflush writes its output in pieces and ends as its argument says, to show what
// a host keeps. The browser glue's fs.writeSync polyfill prints complete lines only (go-js-abi
// §2.6), so it shows which pieces reach console.log and when.
//
//	pieces: "first " and "line\n" as two writes with a timer in between, then
//	        "second line\nthird" and " line\n" in two writes, then "held" (no newline), and
//	        main returns.
//	exit:   100 numbered lines on stdout, one line on stderr, then os.Exit(7): nothing
//	        written before the exit may be lost.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: lineflush pieces|exit")
		os.Exit(100)
	}
	switch os.Args[1] {
	case "pieces":
		fmt.Print("first ")
		time.Sleep(20 * time.Millisecond)
		fmt.Print("line\n")
		fmt.Print("second line\nthird")
		fmt.Print(" line\n")
		fmt.Print("held")
	case "exit":
		for i := 1; i <= 100; i++ {
			fmt.Printf("line %d\n", i)
		}
		fmt.Fprintln(os.Stderr, "to stderr")
		os.Exit(7)
	default:
		fmt.Fprintln(os.Stderr, "usage: lineflush pieces|exit")
		os.Exit(100)
	}
}
