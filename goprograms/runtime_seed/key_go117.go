//go:build go1.17 && !go1.22
// +build go1.17,!go1.22

package main

// Go 1.17 to 1.21: hashkey[i] = getRandomData word | 1, hashed with the wyhash fallback.
const variant = "wyhash key from getRandomData, go1.17-1.21"
const zeroKeyHash = 0x243126114fbc6caa
