//go:build go1.17
// +build go1.17

package main

import "runtime/metrics"

// schedSamples is the count of "/sched/latencies:seconds": the scheduler's samples of
// goroutines going from runnable to running.
func schedSamples() uint64 {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}
