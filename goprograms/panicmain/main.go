// Command panicmain panics in main: the runtime prints the panic and exits 2.
package main

import "fmt"

func main() {
	fmt.Println("before panic")
	panic("boom")
}
