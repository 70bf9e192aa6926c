// Command clocks checks the clocks the host provides: time.Now (walltime) agrees with JS's
// Date.now within a second, the monotonic clock (nanotime1) never goes back over 100000
// readings and advances with Sleep, wall and monotonic elapsed times agree, and time.Local
// comes from Date.getTimezoneOffset (the case sets TZ).
// Contract: runtime.walltime, runtime.nanotime1 (go-js-abi §2.2), time/zoneinfo_js.go (§3).
package main

import (
	"syscall/js"
	"time"

	"goprograms/internal/check"
)

func main() {
	check.TrueOf("time.Now within 1s of Date.now", func() (bool, string) {
		jsNow := js.Global().Get("Date").Call("now").Float()
		goNow := float64(time.Now().UnixNano()) / 1e6
		d := goNow - jsNow
		if d < 0 {
			d = -d
		}
		return d < 1000, "off by ms"
	})
	check.True("time.Now after 2024", time.Now().Year() >= 2024, time.Now().String())
	check.True("time.Now has a monotonic reading", time.Now().String() != time.Now().Round(0).String(), "no m=")

	prev := time.Now()
	back := 0
	advanced := 0
	for i := 0; i < 100000; i++ {
		now := time.Now()
		if now.Before(prev) {
			back++
		}
		if now.After(prev) {
			advanced++
		}
		prev = now
	}
	check.Eq("monotonic clock never goes back", back, 0)
	check.True("monotonic clock advances during 100000 readings", advanced > 0, "never advanced")

	w0 := time.Now().Round(0)
	m0 := time.Now()
	time.Sleep(30 * time.Millisecond)
	mono := time.Since(m0)
	wall := time.Now().Round(0).Sub(w0)
	check.True("Sleep(30ms) advances the monotonic clock by >= 30ms", mono >= 30*time.Millisecond, mono.String())
	diff := mono - wall
	if diff < 0 {
		diff = -diff
	}
	check.True("wall and monotonic elapsed agree within 20ms", diff < 20*time.Millisecond, diff.String())
	check.True("wall clock has sub-second precision", func() bool {
		for i := 0; i < 50; i++ {
			if time.Now().Nanosecond() != 0 {
				return true
			}
			time.Sleep(time.Millisecond)
		}
		return false
	}(), "always whole seconds")

	name, off := time.Now().Zone()
	const offsetLabel = "time.Local offset matches Date.getTimezoneOffset"
	check.Run(offsetLabel, func() {
		offset := -js.Global().Get("Date").New().Call("getTimezoneOffset").Int() * 60
		check.Eq(offsetLabel, off, offset)
	})
	check.Eq("time.Local zone name for TZ=Asia/Kolkata", name, "UTC+5:30")
	check.Eq("time.Local offset for TZ=Asia/Kolkata", off, 5*3600+30*60)
	check.Done()
}
