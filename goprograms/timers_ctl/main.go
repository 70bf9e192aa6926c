// Command timers_ctl checks timer control: Stop and Reset before firing, Stop after firing,
// time.Ticker, select with timeouts, and a timer that expires while a JS callback runs.
// Contract: runtime timers over scheduleTimeoutEvent/clearTimeoutEvent (go-js-abi §2.3
// item 1); the host must deliver the wake-ups Go asks for and may ignore cleared ones.
package main

import (
	"strings"
	"syscall/js"
	"time"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	fired := make(chan string, 10)
	t := time.AfterFunc(20*time.Millisecond, func() { fired <- "stopped timer" })
	check.Eq("Stop before firing returns true", t.Stop(), true)
	check.Eq("second Stop returns false", t.Stop(), false)
	t2 := time.AfterFunc(5*time.Millisecond, func() { fired <- "t2" })
	check.Eq("t2 fires", <-fired, "t2")
	check.Eq("Stop after firing returns false", t2.Stop(), false)
	time.Sleep(30 * time.Millisecond)
	select {
	case s := <-fired:
		check.Eq("a stopped timer never fires", s, "nothing")
	default:
		check.Eq("a stopped timer never fires", "nothing", "nothing")
	}

	start := time.Now()
	// The first deadline is far enough away that no load on the machine reaches it: firing
	// before it is what tells a Reset that took effect from one that did not.
	t3 := time.NewTimer(10 * time.Second)
	check.Eq("Reset of an active timer returns true", t3.Reset(10*time.Millisecond), true)
	<-t3.C
	el := time.Since(start)
	check.True("Reset to a shorter delay fires early", el >= 10*time.Millisecond && el < 5*time.Second, el.String())
	start = time.Now()
	t4 := time.AfterFunc(5*time.Millisecond, func() { fired <- "t4" })
	t4.Reset(40 * time.Millisecond)
	check.Eq("Reset to a longer delay", <-fired, "t4")
	el = time.Since(start)
	check.True("Reset to a longer delay fires late", el >= 40*time.Millisecond, el.String())
	check.Eq("Reset of a fired timer returns false", t4.Reset(5*time.Millisecond), false)
	check.Eq("a fired timer can be Reset and fires again", <-fired, "t4")

	start = time.Now()
	tk := time.NewTicker(10 * time.Millisecond)
	n := 0
	for range tk.C {
		n++
		if n == 5 {
			break
		}
	}
	tk.Stop()
	el = time.Since(start)
	check.Eq("Ticker ticks 5 times", n, 5)
	check.True("5 ticks of 10ms take at least 50ms", el >= 50*time.Millisecond, el.String())
	check.True("5 ticks of 10ms take under 2s", el < 2*time.Second, el.String())
	time.Sleep(25 * time.Millisecond)
	select {
	case <-tk.C:
		// At most one tick may be buffered from before Stop; after draining none may come.
		time.Sleep(25 * time.Millisecond)
		select {
		case <-tk.C:
			check.Eq("a stopped Ticker stays quiet", "ticked", "quiet")
		default:
			check.Eq("a stopped Ticker stays quiet", "quiet", "quiet")
		}
	default:
		check.Eq("a stopped Ticker stays quiet", "quiet", "quiet")
	}

	never := make(chan int)
	select {
	case <-never:
		check.Eq("select with a timeout", "channel", "timeout")
	case <-time.After(10 * time.Millisecond):
		check.Eq("select with a timeout", "timeout", "timeout")
	}
	soon := make(chan int)
	go func() { time.Sleep(5 * time.Millisecond); soon <- 1 }()
	select {
	case <-soon:
		check.Eq("select: channel ready before the timeout", "channel", "channel")
	case <-time.After(500 * time.Millisecond):
		check.Eq("select: channel ready before the timeout", "timeout", "channel")
	}
	timeouts := 0
	for i := 0; i < 20; i++ {
		select {
		case <-never:
		case <-time.After(time.Millisecond):
			timeouts++
		}
	}
	check.Eq("20 selects with 1ms timeouts", timeouts, 20)

	// A Go timer that expires while a synchronous JS callback spins fires once the callback
	// returns, before control goes back to JS: after a callback the runtime runs every ready
	// goroutine before it pauses (runtime.handleEvent waits until all goroutines are idle).
	var events []string
	timerFired := make(chan bool)
	time.AfterFunc(2*time.Millisecond, func() { events = append(events, "timer"); timerFired <- true })
	spin := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		s := time.Now()
		for time.Since(s) < 10*time.Millisecond {
		}
		events = append(events, "callback done")
		return nil
	})
	jsx.Fn("f", "f();").Invoke(spin)
	events = append(events, "main after callback")
	<-timerFired
	check.Eq("timer expiring during a callback fires before JS regains control", strings.Join(events, ", "), "callback done, timer, main after callback")
	spin.Release()
	check.Done()
}
