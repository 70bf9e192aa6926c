// Command sched checks goroutine scheduling over the host's event loop: channel ping-pong,
// many goroutines sleeping and waking, sync primitives, runtime.Gosched, and a goroutine
// woken by a JS timer callback.
// Contract: the runtime pauses (run/resume return) only when every goroutine is blocked and
// is resumed by timer events (go-js-abi §2.3).
package main

import (
	"runtime"
	"sync"
	"syscall/js"
	"time"

	"goprograms/internal/check"
)

func main() {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 10000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	_, open := <-pong
	check.Eq("10000 ping-pong round trips", v, 10000)
	check.Eq("closed channel seen", open, false)

	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i%7) * time.Millisecond)
			mu.Lock()
			total += i
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	check.Eq("200 sleeping goroutines all finish", total, 199*200/2)

	var order []int
	done := make(chan bool)
	go func() {
		for i := 0; i < 3; i++ {
			order = append(order, 1)
			runtime.Gosched()
		}
		done <- true
	}()
	for i := 0; i < 3; i++ {
		order = append(order, 0)
		runtime.Gosched()
	}
	<-done
	check.Eq("Gosched interleaves two goroutines", len(order), 6)

	var once sync.Once
	cond := sync.NewCond(&sync.Mutex{})
	ready := false
	go func() {
		time.Sleep(5 * time.Millisecond)
		cond.L.Lock()
		ready = true
		cond.L.Unlock()
		cond.Broadcast()
	}()
	cond.L.Lock()
	for !ready {
		cond.Wait()
	}
	cond.L.Unlock()
	n := 0
	for i := 0; i < 3; i++ {
		once.Do(func() { n++ })
	}
	check.Eq("sync.Cond woken by a sleeping goroutine", ready, true)
	check.Eq("sync.Once", n, 1)

	woken := make(chan string)
	cb := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		go func() { woken <- "woken by " + args[0].String() }()
		return nil
	})
	js.Global().Call("setTimeout", cb, 15, "js timer")
	check.Eq("goroutine woken from a JS timer callback", <-woken, "woken by js timer")
	cb.Release()

	results := make(chan int, 100)
	for i := 0; i < 100; i++ {
		go func(i int) {
			time.Sleep(time.Millisecond)
			results <- i
		}(i)
	}
	sum := 0
	for i := 0; i < 100; i++ {
		sum += <-results
	}
	check.Eq("100 goroutines each sleeping 1ms", sum, 4950)
	check.Done()
}
