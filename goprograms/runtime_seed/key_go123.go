//go:build go1.23
// +build go1.23

package main

// Go 1.23 (and later, where the case does not apply): the key is drawn from chacha8rand
// seeded by getRandomData, without the | 1.
const variant = "chacha8 key, go1.23"
const zeroKeyHash = 0x37f321a9fb9faf1f
