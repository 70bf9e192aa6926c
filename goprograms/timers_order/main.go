// Command timers_order checks the order in which timers fire: different delays always in
// deadline order when their deadlines are apart (time.Sleep in goroutines and time.AfterFunc), equal delays in the order
// the runtime gives: creation order from Go 1.23, and before that the last-created first,
// then the rest in creation order (scheduler runnext). Labels name the variant checked.
// Contract: runtime.scheduleTimeoutEvent / clearTimeoutEvent and resume with no pending
// event (go-js-abi §2.3 item 1, §5.7). Equal-delay order needs all equal timers to expire in
// one wake-up: a host whose timers fire early or with a coarse clock splits them.
package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"goprograms/internal/check"
)

func afterFuncs(delays []int) string {
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	wg.Add(len(delays))
	for i, d := range delays {
		i := i
		time.AfterFunc(time.Duration(d)*time.Millisecond, func() {
			mu.Lock()
			order = append(order, fmt.Sprint(i))
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	return strings.Join(order, " ")
}

func sleepers(delays []int) string {
	ch := make(chan int, len(delays))
	for i, d := range delays {
		i, d := i, d
		go func() {
			time.Sleep(time.Duration(d) * time.Millisecond)
			ch <- i
		}()
	}
	var order []string
	for range delays {
		order = append(order, fmt.Sprint(<-ch))
	}
	return strings.Join(order, " ")
}

func main() {
	// Distinct deadlines are 40-50ms apart: timers that expire in the same wake-up (a late
	// wake-up on a loaded machine) start their AfterFunc goroutines together, and the last one
	// started runs first (runnext), so closer deadlines would make these checks depend on load.
	time.Sleep(20 * time.Millisecond) // let start-up work (memory growth, init) settle
	check.Eq("AfterFunc delays 150,50,100,0 fire by deadline", afterFuncs([]int{150, 50, 100, 0}), "3 1 2 0")
	check.Eq("AfterFunc delays 200..0 reversed", afterFuncs([]int{200, 160, 120, 80, 40, 0}), "5 4 3 2 1 0")
	check.Eq("Sleep 150,50,100 wake by deadline", sleepers([]int{150, 50, 100}), "1 2 0")
	check.Eq("Sleep 40..240 ms interleaved", sleepers([]int{240, 40, 200, 80, 160, 120}), "1 3 5 4 2 0")
	check.Eq("8 AfterFunc of 10ms ["+variant+"]", afterFuncs([]int{10, 10, 10, 10, 10, 10, 10, 10}), equal8)
	check.Eq("5 AfterFunc of 0ms ["+variant+"]", afterFuncs([]int{0, 0, 0, 0, 0}), equal5)

	start := time.Now()
	time.Sleep(15 * time.Millisecond)
	el := time.Since(start)
	check.True("Sleep(15ms) does not wake early", el >= 15*time.Millisecond, el.String())
	check.True("Sleep(15ms) wakes within 1s", el < time.Second, el.String())
	start = time.Now()
	<-time.After(10 * time.Millisecond)
	el = time.Since(start)
	check.True("time.After(10ms) does not fire early", el >= 10*time.Millisecond, el.String())
	// A host must arm its timeout for the delay Go asks (not later): ten 10 ms sleeps take
	// about 100 ms; 600 ms leaves room for a loaded machine, not for 100 ms of slack a wake-up.
	start = time.Now()
	for i := 0; i < 10; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	el = time.Since(start)
	check.True("10 Sleep(10ms) in a row take under 600ms", el < 600*time.Millisecond, el.String())
	check.Done()
}
