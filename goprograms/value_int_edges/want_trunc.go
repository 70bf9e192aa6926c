//go:build !go1.26
// +build !go1.26

package main

import "math"

const variant = "MinInt64 when out of range, before go1.26"

func edgeWants() []edge {
	return []edge{
		{"nan", "MinInt64", math.MinInt64}, {"inf", "MinInt64", math.MinInt64}, {"ninf", "MinInt64", math.MinInt64},
		{"huge", "MinInt64", math.MinInt64}, {"nhuge", "MinInt64", math.MinInt64},
		{"two63", "MinInt64", math.MinInt64}, {"two64", "MinInt64", math.MinInt64},
	}
}
