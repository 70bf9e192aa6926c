// Command stdio checks the standard streams: fmt to stdout, println/print (runtime
// wasmWrite) and os.Stderr to stderr, interleaving within each stream in program order,
// partial lines, empty writes, non-ASCII and invalid UTF-8 bytes passed through unchanged,
// and the byte counts Write reports.
// Contract: runtime.wasmWrite (fd 2 synchronous), os.Stdout/os.Stderr via fs.write with a
// callback (go-js-abi §2.2, §3, §5.9).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Print("a")
	fmt.Print("b")
	fmt.Println("c")
	println("println 1")
	fmt.Fprintln(os.Stderr, "os.Stderr 1")
	print("print without newline, ")
	fmt.Fprint(os.Stderr, "then os.Stderr\n")
	println("println 2", 42, true, "x")
	n, err := os.Stdout.Write(nil)
	fmt.Println("empty write:", n, err)
	n, err = os.Stdout.Write([]byte("héllo 😀 \xff\xfe bytes\n"))
	fmt.Println("raw write:", n, err)
	n, err = os.Stdout.WriteString("\x00NUL inside\n")
	fmt.Println("NUL write:", n, err)
	n, err = fmt.Fprintf(os.Stderr, "stderr %d%%\n", 100)
	fmt.Println("stderr write:", n, err)
	for i := 0; i < 3; i++ {
		fmt.Printf("stdout %d\n", i)
		println("stderr", i)
	}
	fmt.Print("no newline at the end")
	print("stderr no newline at the end")
}
