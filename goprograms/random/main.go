// Command random checks crypto/rand: small reads differ from each other and are not all
// zero; a 1 MiB read (many host calls of at most 64 KiB) has every byte value with a
// plausible frequency in every 64 KiB chunk, so a host that fills only part of a buffer, or
// repeats one chunk, fails.
// Contract: runtime.getRandomData (Go 1.24+, also used by the runtime at start-up) and
// crypto.getRandomValues via syscall/js (before 1.24) (go-js-abi §2.2, §3).
package main

import (
	"bytes"
	"crypto/rand"

	"goprograms/internal/check"
)

func main() {
	a, b := make([]byte, 16), make([]byte, 16)
	_, errA := rand.Read(a)
	_, errB := rand.Read(b)
	check.Eq("Read 16 bytes: no error", errA == nil && errB == nil, true)
	check.True("two 16-byte reads differ", !bytes.Equal(a, b), "equal")
	check.True("16 bytes not all zero", !bytes.Equal(a, make([]byte, 16)), "all zero")
	one := make([]byte, 1)
	seen := map[byte]bool{}
	for i := 0; i < 64; i++ {
		rand.Read(one)
		seen[one[0]] = true
	}
	check.True("64 one-byte reads give more than 16 values", len(seen) > 16, "too few values")

	big := make([]byte, 1<<20)
	n, err := rand.Read(big)
	check.Eq("Read 1 MiB: n", n, 1<<20)
	check.Eq("Read 1 MiB: no error", err == nil, true)
	chunks := 0
	firsts := map[string]bool{}
	for off := 0; off < len(big); off += 64 << 10 {
		chunk := big[off : off+64<<10]
		var counts [256]int
		for _, c := range chunk {
			counts[c]++
		}
		ok := true
		for _, c := range counts {
			// 65536/256 = 256 expected per value; 150..380 is far outside chance.
			if c < 150 || c > 380 {
				ok = false
			}
		}
		if ok {
			chunks++
		}
		firsts[string(chunk[:32])] = true
	}
	check.Eq("every 64 KiB chunk of 1 MiB looks uniform", chunks, 16)
	check.Eq("no two 64 KiB chunks start alike", len(firsts), 16)
	tail := big[len(big)-4096:]
	check.True("the last 4 KiB are filled", !bytes.Equal(tail, make([]byte, 4096)), "all zero")
	odd := make([]byte, 65537)
	rand.Read(odd)
	check.True("a 65537-byte read fills its last byte region", !bytes.Equal(odd[65536-15:], make([]byte, 16)), "zero tail")
	check.Done()
}
