// Command envlimit reports the size of the argv/env block the host built: the sum over
// argv and "KEY=VALUE" strings of their UTF-8 length plus a NUL, rounded up to 8, plus 8
// bytes per pointer (argc + nenv + 2). The glue refuses a block of 8192 bytes or more with
// "total length of command line and environment variables exceeds limit" before running Go,
// so when this program runs at all the size must be below the limit.
// The case runs it with large arguments: just under the limit runs, over it fails.
// Contract: Go.run's argv/env block and its limit (go-js-abi §2.3).
package main

import (
	"os"
	"unicode/utf8"

	"goprograms/internal/check"
)

func main() {
	size := 0
	add := func(s string) { size += (len(s) + 1 + 7) / 8 * 8 }
	for _, a := range os.Args {
		add(a)
	}
	env := os.Environ()
	for _, kv := range env {
		add(kv)
	}
	size += 8 * (len(os.Args) + len(env) + 2)
	check.True("block below 8192 bytes", size < 8192, "too large")
	long := 0
	runes := 0
	for _, a := range os.Args[1:] {
		long += len(a)
		runes += utf8.RuneCountInString(a)
	}
	check.Note("arguments after argv[0]: %d bytes, %d characters", long, runes)
	check.Eq("arguments are valid UTF-8", func() bool {
		for _, a := range os.Args[1:] {
			if !utf8.ValidString(a) {
				return false
			}
		}
		return true
	}(), true)
	check.Done()
}
