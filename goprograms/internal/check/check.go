// Package check is the tiny assertion library of the self-checking programs.
//
// Every check prints exactly one line on stdout: "ok LABEL", or
// "FAIL LABEL: got X, want Y". Done prints "N checks, M failed" and exits 0 when every
// check passed, 1 otherwise. Labels must be unique within a program and must not depend on
// the host, so a case can pin the complete output.
//
// Programs keep going: the forms ending in Of (EqOf, TrueOf, FloatOf) and Run compute what
// the check got inside a function, so a panic there (a global the host lacks, a JS exception
// surfacing as a js.Error, "bad type flag") is that check's failure, printed as
// "FAIL LABEL: panic: TEXT", and the program goes on to the next check. Step does the same
// for fixtures that several checks share. A host missing one global loses the checks that
// need it, not the program.
package check

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
)

var total, failed int

// Fmt renders a value the way FAIL lines show it: strings quoted, floats exact (with -0,
// NaN and infinities spelled out), everything else with %#v for types or %v.
func Fmt(v interface{}) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case float64:
		return fmtFloat(x, 64)
	case float32:
		return fmtFloat(float64(x), 32)
	case []byte:
		return fmt.Sprintf("%v", x)
	case error:
		return fmt.Sprintf("%T(%q)", x, x.Error())
	}
	return fmt.Sprintf("%v", v)
}

func fmtFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case f == 0 && math.Signbit(f):
		return "-0"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// Report records the outcome of one check whose comparison the caller made.
func Report(label string, pass bool, got, want string) {
	total++
	if pass {
		fmt.Printf("ok %s\n", label)
		return
	}
	failed++
	fmt.Printf("FAIL %s: got %s, want %s\n", label, got, want)
}

// True checks a condition; detail says what was seen when it does not hold.
func True(label string, cond bool, detail string) {
	Report(label, cond, detail, "true")
}

// Eq checks got == want with reflect.DeepEqual (values of different types never match).
func Eq(label string, got, want interface{}) {
	Report(label, reflect.DeepEqual(got, want), Fmt(got), Fmt(want))
}

// Float checks a float64 bit for bit, except that any NaN matches any NaN; -0 and +0 differ.
func Float(label string, got, want float64) {
	pass := math.Float64bits(got) == math.Float64bits(want) || (math.IsNaN(got) && math.IsNaN(want))
	Report(label, pass, Fmt(got), Fmt(want))
}

// panicText renders a recovered value as Go's own "panic: " line does: the message of an
// error, the value itself otherwise.
func panicText(v interface{}) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}

// guard runs f; a panic in it before the check it makes is reported fails the check
// labelled label with "FAIL LABEL: panic: TEXT". A panic after the check was reported
// (reported says so) is reported under the same label too, so it is never lost.
func guard(label string, f func()) {
	before := total
	v, p := Recovered(f)
	if !p {
		return
	}
	total++
	failed++
	if total-1 > before {
		fmt.Printf("FAIL %s: panic after the check: %s\n", label, panicText(v))
		return
	}
	fmt.Printf("FAIL %s: panic: %s\n", label, panicText(v))
}

// Run runs one check protected from panics: f makes the check labelled label (with Eq,
// True, Float, Report, ...). If f panics first, the check fails with "FAIL LABEL: panic:
// TEXT" and the program goes on.
func Run(label string, f func()) { guard(label, f) }

// EqOf is Eq with got computed by f, protected as Run is. want is evaluated before f runs.
func EqOf(label string, got func() interface{}, want interface{}) {
	guard(label, func() { Eq(label, got(), want) })
}

// TrueOf is True with the condition and the detail computed by f, protected as Run is.
func TrueOf(label string, f func() (cond bool, detail string)) {
	guard(label, func() {
		cond, detail := f()
		True(label, cond, detail)
	})
}

// FloatOf is Float with got computed by f, protected as Run is.
func FloatOf(label string, got func() float64, want float64) {
	guard(label, func() { Float(label, got(), want) })
}

// Step runs a fixture that later checks share (what names it). It prints nothing when f
// returns; if f panics, it counts as a failed check, "FAIL what: panic: TEXT", and the
// program goes on: the checks that depend on the fixture then fail on their own.
func Step(what string, f func()) { guard(what, f) }

// Recovered runs f and returns what it panicked with, and whether it panicked.
func Recovered(f func()) (v interface{}, panicked bool) {
	defer func() {
		if r := recover(); r != nil || panicked {
			v = r
		}
	}()
	panicked = true
	f()
	panicked = false
	return nil, false
}

// DescribePanic renders a recovered value as TYPE "MESSAGE" (the message of an error, or
// the value itself), or "no panic".
func DescribePanic(v interface{}, panicked bool) string {
	if !panicked {
		return "no panic"
	}
	if err, ok := v.(error); ok {
		return fmt.Sprintf("%T %q", v, err.Error())
	}
	return fmt.Sprintf("%T %q", v, fmt.Sprint(v))
}

// Panics checks that f panics with a value of the dynamic type wantType (as %T prints it,
// e.g. "string", "*js.ValueError", "js.Error") whose message is exactly wantMsg.
func Panics(label string, f func(), wantType, wantMsg string) {
	got := DescribePanic(Recovered(f))
	want := fmt.Sprintf("%s %q", wantType, wantMsg)
	Report(label, got == want, got, want)
}

// NoPanic checks that f returns normally.
func NoPanic(label string, f func()) {
	v, p := Recovered(f)
	Report(label, !p, DescribePanic(v, p), "no panic")
}

// Note prints an informational line that is not a check ("# TEXT"); use it only for text
// that does not depend on the host or the moment.
func Note(format string, args ...interface{}) {
	fmt.Printf("# "+format+"\n", args...)
}

// Failed says how many checks failed so far.
func Failed() int { return failed }

// Done prints the summary and exits: 0 if every check passed, 1 otherwise.
func Done() {
	fmt.Printf("%d checks, %d failed\n", total, failed)
	if failed > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}
