//go:build go1.26
// +build go1.26

package main

import "math"

const variant = "saturating, go1.26+"

func edgeWants() []edge {
	return []edge{
		{"nan", "0", 0}, {"inf", "MaxInt64", math.MaxInt64}, {"ninf", "MinInt64", math.MinInt64},
		{"huge", "MaxInt64", math.MaxInt64}, {"nhuge", "MinInt64", math.MinInt64},
		{"two63", "MaxInt64", math.MaxInt64}, {"two64", "MaxInt64", math.MaxInt64},
	}
}
