// Command timers_wakeups checks that the host does not wake a sleeping Go program more than
// needed. While every goroutine waits on a timer, Go asks for one timeout
// (runtime.scheduleTimeoutEvent with the time left) and the host is to resume it when that
// timeout is due. A host that ignores the delay (resuming Go at once, or every millisecond)
// keeps every timer on time, since Go re-checks its timers on each wake-up and asks again
// for the time left, but it burns a core through an hour-long time.Sleep: this program
// sees it.
//
// How the wake-ups are seen, on every host, without looking at the host: on each wake-up
// with no event, the runtime runs its event goroutine (runtime.handleEvent) and parks it
// again, and the scheduler samples every eighth time a goroutine goes from runnable to
// running into runtime/metrics' "/sched/latencies:seconds" histogram. So the histogram's
// count grows by about one for every eight wake-ups. During a 500 ms sleep a host that
// resumes Go when the timeout is due adds a sample now and then; a host resuming Go every
// millisecond adds dozens. The checks allow 4 samples (some 40 wake-ups) per sleep.
// runtime/metrics came in Go 1.17 (metrics_old.go stands in before; the case asks >= 1.17).
// Contract: runtime.scheduleTimeoutEvent ("arms setTimeout(cb, ms)", go-js-abi §2.2) and
// resume with no pending event (§2.3 item 1): a sleeping Go program is resumed when its
// timer is due, not in a busy loop.
package main

import (
	"strconv"
	"time"

	"goprograms/internal/check"
)

const (
	sleep = 500 * time.Millisecond
	limit = 4 // scheduler samples allowed per sleep: about 8 wake-ups each
)

// during runs block and returns how many scheduler samples were taken meanwhile.
func during(block func()) uint64 {
	before := schedSamples()
	block()
	return schedSamples() - before
}

func main() {
	time.Sleep(5 * time.Millisecond) // start-up's own idle periods are behind us

	label := func(what string) string {
		return what + " does not resume Go in a busy loop (at most " + strconv.Itoa(limit) + " scheduler samples)"
	}
	n := during(func() { time.Sleep(sleep) })
	check.True(label("Sleep(500ms)"), n <= limit, strconv.FormatUint(n, 10)+" samples")

	n = during(func() { <-time.After(sleep) })
	check.True(label("a receive from time.After(500ms)"), n <= limit, strconv.FormatUint(n, 10)+" samples")

	done := make(chan bool)
	n = during(func() {
		time.AfterFunc(sleep, func() { done <- true })
		<-done
	})
	check.True(label("main waiting for an AfterFunc of 500ms"), n <= limit, strconv.FormatUint(n, 10)+" samples")
	check.Done()
}
