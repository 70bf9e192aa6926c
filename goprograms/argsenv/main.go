// Command argsenv checks the command line and environment the host writes at address 4096:
// os.Args after argv[0] (the case passes empty, spaced, non-ASCII and astral arguments and
// "--" and "="), os.Getenv/LookupEnv of the variables the case sets (UTF-8 keys and values,
// empty values, "=" inside values), and os.Environ's order: the glue sorts keys with JS's
// default sort (UTF-16 code units), so the case's variables appear in that order.
// Contract: Go.run's argv/env block (go-js-abi §2.3, "Host side of run").
package main

import (
	"os"
	"sort"
	"strings"
	"unicode/utf16"

	"goprograms/internal/check"
)

func main() {
	wantArgs := []string{"plain", "", "with space", "héllo", "日本語", "😀 astral", "--", "a=b", "-x"}
	check.Eq("argc", len(os.Args), len(wantArgs)+1)
	for i, w := range wantArgs {
		if i+1 < len(os.Args) {
			check.Eq("Args["+string(rune('1'+i))+"]", os.Args[i+1], w)
		}
	}
	check.True("Args[0] is not empty", len(os.Args) > 0 && os.Args[0] != "", "empty")

	wantEnv := map[string]string{
		"GOJS_A":     "1",
		"GOJS_EMPTY": "",
		"GOJS_EQ":    "x=y=z",
		"GOJS_UTF8":  "värde 😀",
		"GOJS_ÄKEY":  "non-ASCII key",
		"GOJS_SPACE": " leading and trailing ",
		"GOJS_b":     "lower-case key",
		"GOJS_Z":     "upper",
	}
	keys := make([]string, 0, len(wantEnv))
	for k := range wantEnv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := wantEnv[k]
		v, ok := os.LookupEnv(k)
		check.Eq("LookupEnv "+k, ok, true)
		check.Eq("Getenv "+k, v, w)
	}
	_, ok := os.LookupEnv("GOJS_MISSING")
	check.Eq("LookupEnv of an unset variable", ok, false)
	check.Eq("Getenv of an unset variable", os.Getenv("GOJS_MISSING"), "")
	_, ok = os.LookupEnv("PATH")
	check.Eq("PATH is passed", ok, true)

	var ours []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOJS_") {
			ours = append(ours, kv[:strings.Index(kv, "=")])
		}
	}
	// JS sort compares UTF-16 code units: upper-case before lower-case, Ä (U+00C4) last.
	check.Eq("Environ order of the case's variables", strings.Join(ours, " "),
		"GOJS_A GOJS_EMPTY GOJS_EQ GOJS_SPACE GOJS_UTF8 GOJS_Z GOJS_b GOJS_ÄKEY")
	// The whole environment, the host's own variables (PATH, TMPDIR) included, is sorted:
	// Node's runner puts TMPDIR first in go.env and only the glue's sort moves it.
	check.Eq("Environ sorted by key in UTF-16 order (all variables)", func() string {
		env := os.Environ()
		for i := 1; i < len(env); i++ {
			a, b := env[i-1], env[i]
			if utf16Less(b[:strings.Index(b, "=")], a[:strings.Index(a, "=")]) {
				return a + " before " + b
			}
		}
		return "sorted"
	}(), "sorted")
	check.Eq("Environ entries are KEY=VALUE", func() string {
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, "GOJS_EQ=") {
				return kv
			}
		}
		return ""
	}(), "GOJS_EQ=x=y=z")

	os.Setenv("GOJS_NEW", "set in Go")
	check.Eq("Setenv then Getenv", os.Getenv("GOJS_NEW"), "set in Go")
	os.Unsetenv("GOJS_A")
	_, ok = os.LookupEnv("GOJS_A")
	check.Eq("Unsetenv", ok, false)
	check.Done()
}

// utf16Less compares like JS's default sort: by UTF-16 code units.
func utf16Less(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}
