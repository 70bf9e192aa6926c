//go:build !go1.23
// +build !go1.23

package main

const variant = "last-created first, before go1.23"
const equal8, equal5 = "7 0 1 2 3 4 5 6", "4 0 1 2 3"
