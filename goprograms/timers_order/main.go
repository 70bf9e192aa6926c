// Command timers_order checks the order in which timers fire: distinct delays in deadline
// order (time.AfterFunc and time.Sleep in goroutines), equal delays in the order the runtime
// gives: creation order from Go 1.23, and before that the last-created first, then the rest
// in creation order (scheduler runnext). Labels name the variant checked.
// Contract: runtime.scheduleTimeoutEvent / clearTimeoutEvent and resume with no pending
// event (go-js-abi §2.3 item 1, §5.7).
//
// Neither group may depend on the machine's load:
//   - Equal delays: the order is the runtime's order for timers that expire in one wake-up,
//     so the program makes sure they do: it collects garbage first (no GC cycle yields
//     mid-creation), then spins until every deadline has passed before it blocks, and only
//     then lets the scheduler look at its timers. It also waits for the clock to move
//     between two creations, so no two deadlines are equal (those run in heap order).
//   - Distinct delays: a wake-up late by more than the gap between two deadlines makes those
//     timers expire together, and then they start in runnext order, not deadline order. That
//     is allowed (Go checks deadlines itself; a host only has to wake it, not on time), so an
//     attempt whose order is wrong but which saw such a late timer is retried with the
//     delays doubled, as Go's own time tests do. A wrong order with every timer on time fails
//     at once, and so does a timer that runs before its deadline.
package main

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"goprograms/internal/check"
)

// run is one attempt: the order the timers ran in, and how late the latest one was against
// its deadline (negative when one ran early).
type run struct {
	order       string
	late, early time.Duration
}

func afterFuncs(delays []time.Duration) run {
	var mu sync.Mutex
	var order []string
	var r run
	var wg sync.WaitGroup
	wg.Add(len(delays))
	start := time.Now()
	for i, d := range delays {
		i, d := i, d
		time.AfterFunc(d, func() {
			el := time.Since(start)
			mu.Lock()
			order = append(order, fmt.Sprint(i))
			r.note(el - d)
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	r.order = strings.Join(order, " ")
	return r
}

func sleepers(delays []time.Duration) run {
	type woke struct {
		i   int
		off time.Duration
	}
	ch := make(chan woke, len(delays))
	start := time.Now()
	for i, d := range delays {
		i, d := i, d
		go func() {
			time.Sleep(d)
			ch <- woke{i, time.Since(start) - d}
		}()
	}
	var order []string
	var r run
	for range delays {
		w := <-ch
		order = append(order, fmt.Sprint(w.i))
		r.note(w.off)
	}
	r.order = strings.Join(order, " ")
	return r
}

func (r *run) note(off time.Duration) {
	if off > r.late {
		r.late = off
	}
	if off < r.early {
		r.early = off
	}
}

func ms(ds ...int) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = time.Duration(d) * time.Millisecond
	}
	return out
}

// minGap is the smallest distance between two distinct deadlines.
func minGap(delays []time.Duration) time.Duration {
	gap := time.Duration(-1)
	for i, a := range delays {
		for _, b := range delays[i+1:] {
			d := a - b
			if d < 0 {
				d = -d
			}
			if d > 0 && (gap < 0 || d < gap) {
				gap = d
			}
		}
	}
	return gap
}

// byDeadline checks that timers with distinct delays run in deadline order, retrying with
// doubled delays (four attempts in all) only when a late wake-up explains a wrong order.
func byDeadline(label string, f func([]time.Duration) run, delays []time.Duration, want string) {
	var r run
	for attempt := 0; attempt < 4; attempt++ {
		scaled := make([]time.Duration, len(delays))
		for i, d := range delays {
			scaled[i] = d << uint(attempt)
		}
		r = f(scaled)
		if r.early < 0 {
			check.Report(label, false, fmt.Sprintf("a timer ran %v before its deadline (order %q)", -r.early, r.order), fmt.Sprintf("%q, none early", want))
			return
		}
		if r.order == want {
			check.Report(label, true, "", "")
			return
		}
		if r.late < minGap(scaled) {
			check.Report(label, false, fmt.Sprintf("%q with every timer less than %v late", r.order, minGap(scaled)), fmt.Sprintf("%q", want))
			return
		}
	}
	check.Report(label, false, fmt.Sprintf("%q (a timer %v late, after 4 attempts)", r.order, r.late), fmt.Sprintf("%q", want))
}

// equalDelays starts n AfterFuncs of delay d, makes sure they expire in one wake-up and gives
// the order they ran in. Go preempts a goroutine at a function call when the garbage
// collector needs it, and a loaded host can pause between two creations for longer than d:
// then some timers run in an earlier wake-up, which the contract allows. Such an attempt
// is not a verdict on the order: it is retried (three attempts in all).
func equalDelays(n int, d time.Duration) string {
	var order string
	for attempt := 0; attempt < 3; attempt++ {
		var together bool
		order, together = equalDelaysOnce(n, d)
		if together {
			return order
		}
	}
	return order + " (some timers ran before the last one expired, in 3 attempts)"
}

// equalDelaysOnce is one attempt: the order, and whether every timer ran in one wake-up
// after all had expired.
func equalDelaysOnce(n int, d time.Duration) (string, bool) {
	var mu sync.Mutex
	var order []string
	var blocked, early bool
	var wg sync.WaitGroup
	wg.Add(n)
	runtime.GC()
	for i := 0; i < n; i++ {
		i := i
		time.AfterFunc(d, func() {
			mu.Lock()
			order = append(order, fmt.Sprint(i))
			early = early || !blocked
			mu.Unlock()
			wg.Done()
		})
		// The next timer's deadline must be later than this one's: timers with equal
		// deadlines run in heap order, in every release. Equal deadlines come from a clock
		// coarser than the time a creation takes (a browser's 100 µs performance.now, or
		// nanotime's 256 ns float steps at today's epoch), not from the host's timers.
		for t := time.Now(); !time.Now().After(t); {
		}
	}
	// js/wasm has no threads: no timer is looked at until this goroutine blocks, or is
	// preempted (which `early` notices). Every deadline must have passed by then, the last
	// one's too: with a coarse clock (1 ms steps) the creations above take milliseconds.
	for last := time.Now(); time.Since(last) < d+2*time.Millisecond; {
	}
	mu.Lock()
	blocked = true
	mu.Unlock()
	wg.Wait()
	return strings.Join(order, " "), !early
}

func main() {
	time.Sleep(20 * time.Millisecond) // let start-up work (memory growth, init) settle
	byDeadline("AfterFunc delays 150,50,100,0 fire by deadline", afterFuncs, ms(150, 50, 100, 0), "3 1 2 0")
	byDeadline("AfterFunc delays 200..0 reversed", afterFuncs, ms(200, 160, 120, 80, 40, 0), "5 4 3 2 1 0")
	byDeadline("Sleep 150,50,100 wake by deadline", sleepers, ms(150, 50, 100), "1 2 0")
	byDeadline("Sleep 40..240 ms interleaved", sleepers, ms(240, 40, 200, 80, 160, 120), "1 3 5 4 2 0")
	check.Eq("8 AfterFunc of 10ms ["+variant+"]", equalDelays(8, 10*time.Millisecond), equal8)
	check.Eq("5 AfterFunc of 0ms ["+variant+"]", equalDelays(5, 0), equal5)

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
