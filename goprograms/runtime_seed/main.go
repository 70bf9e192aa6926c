// Command runtime_seed checks that the runtime's own random seed came from the host: before
// Go 1.24, nothing but the runtime calls runtime.getRandomData (at start-up, for the hash
// key of maps and hash/maphash, and the seeds of fastrand or chacha8rand), so a host that
// returns without filling the buffer breaks no output and no crypto/rand read. It leaves the
// key one fixed value, the one every such host gives: maps hash the same way in every run,
// which is what the random key is there to prevent (hash flooding).
//
// The program hashes a fixed string under a fixed maphash seed. The result depends only on
// the runtime's hash key; zeroKeyHash is what it is when getRandomData filled nothing. It
// was measured with the catalogue's faulty glue random_not_filled on Node, twice per
// release (1.15, 1.19, 1.21, 1.22, 1.23): the same value in both runs, and the same in 1.19
// and 1.21, whose key derivation and hash64.go are identical; with the stock glue every run
// gave a different value. The check fails only on that value, which a filled key gives with
// probability 2^-64.
// From Go 1.24 the runtime refuses an all-zero seed itself, and crypto/rand reads
// getRandomData directly, so the case stops at 1.23.
// Contract: runtime.getRandomData fills the whole slice (go-js-abi §2.2).
package main

import (
	"fmt"
	"hash/maphash"
	"unsafe"

	"goprograms/internal/check"
)

func main() {
	// maphash.Seed is struct{ s uint64 } in every release; SetSeed refuses zero.
	s := uint64(1)
	seed := *(*maphash.Seed)(unsafe.Pointer(&s))
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString("gojs runtime seed")
	got := h.Sum64()
	check.True("runtime hash key is not the zero-filled one ["+variant+"]", got != zeroKeyHash,
		fmt.Sprintf("%#x, the hash a getRandomData that fills nothing gives", got))
	check.Done()
}
