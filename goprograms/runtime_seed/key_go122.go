//go:build go1.22 && !go1.23
// +build go1.22,!go1.23

package main

// Go 1.22: the key is drawn from chacha8rand seeded by getRandomData, each word | 1.
const variant = "chacha8 key, go1.22"
const zeroKeyHash = 0xcc79fe934fb16cf4
