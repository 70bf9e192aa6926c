// Command hello prints one line: the smallest program every host must run.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
