// Command deadlock blocks main on a channel nobody sends to. Only the host can tell the
// runtime that no event will ever come (the {id: 0} event), so the deadlock report checks it.
package main

import "fmt"

func main() {
	fmt.Println("waiting forever")
	<-make(chan int)
}
