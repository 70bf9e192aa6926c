//go:build !go1.17
// +build !go1.17

package main

// schedSamples stands in before Go 1.17, which has no runtime/metrics: it counts nothing,
// so the checks pass vacuously (the case applies from Go 1.17).
func schedSamples() uint64 { return 0 }
