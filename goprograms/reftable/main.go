// Command reftable creates and drops hundreds of thousands of js.Values (strings, objects,
// functions' results) with runtime.GC in between; Go's finalizers call finalizeRef, so the
// host's value table must not grow without bound. Where the host exposes it (the stock glue's
// Go instance, ref id 6, has _values), the table's length is checked to stay bounded; the
// id-6 object is reached the way syscall/js itself does (a Value with that ref).
// Contract: syscall/js.finalizeRef, storeValue reusing freed ids (go-js-abi §2.5), Go's own
// TestGarbageCollection.
package main

import (
	"runtime"
	"strconv"
	"syscall/js"
	"time"
	"unsafe"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

// predef builds the Value syscall/js uses for a predefined id (the layout of js.Value has
// been {_ [0]func(); ref uint64; gcPtr *uint64} in every release since 1.19).
func predef(id uint32, flag uint64) js.Value {
	var v js.Value
	type layout struct {
		_     [0]func()
		ref   uint64
		gcPtr *uint64
	}
	(*layout)(unsafe.Pointer(&v)).ref = (0x7FF80000|flag)<<32 | uint64(id)
	return v
}

func collect() {
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond) // lets the finalizer goroutine run
	}
}

func main() {
	check.TrueOf("predefined id 5 is globalThis", func() (bool, string) { return predef(5, 1).Equal(js.Global()), "not globalThis" })
	goInst := predef(6, 1)
	values := jsx.Let("fixture the Go instance's _values", func() js.Value { return goInst.Get("_values") })
	exposed := values.Type() == js.TypeObject
	size := func() int { return values.Length() }
	collect()
	base := 0
	if exposed {
		base = size()
	}

	obj := jsx.Fixture("({})")
	afterFirst := 0
	check.EqOf("200000 values created and dropped in 10 rounds", func() interface{} {
		for round := 0; round < 10; round++ {
			for i := 0; i < 10000; i++ {
				v := js.ValueOf("s" + strconv.Itoa(round*10000+i)) // a new string id each time
				_ = v
				o := js.Global().Get("Object").New()
				o.Set("k", i)
				_ = obj.Get("missing")
			}
			collect()
			if round == 0 && exposed {
				afterFirst = size()
			}
		}
		return true
	}, true)
	if exposed {
		// The table keeps its high-water mark (freed ids are reused from a pool), so the
		// first round may grow it by up to 20000; later rounds must reuse those ids.
		grew := afterFirst - base
		check.True("_values grows by at most 20000+1000 in the first round", grew <= 21000, strconv.Itoa(grew))
		check.TrueOf("_values grows by less than 1000 over 9 more rounds", func() (bool, string) {
			later := size() - afterFirst
			return later < 1000, strconv.Itoa(later)
		})
	} else {
		check.Note("the host does not expose _values; table size not checked")
	}

	// Strings are interned by value: the same string stored twice has one id.
	a, b := js.ValueOf("same"), js.ValueOf("same")
	check.TrueOf("equal strings share an id", func() (bool, string) { return a.Equal(b), "different refs" })
	// A value still referenced survives GC and keeps its identity.
	kept := jsx.Let("fixture an object tagged kept", func() js.Value {
		kept := js.Global().Get("Object").New()
		kept.Set("tag", "kept")
		return kept
	})
	collect()
	check.EqOf("a live value survives GC", func() interface{} { return kept.Get("tag").String() }, "kept")
	check.TrueOf("and stays Equal to itself read again", func() (bool, string) { return kept.Equal(kept), "not Equal" })

	// Identity across a free: an object JS holds, read by Go, dropped and collected (its id
	// freed), then read again must be that object, not a stale id (the host must forget the
	// value's id when it frees it).
	check.Step("globalThis.gojsHeld = {tag: 'held'}", func() { js.Global().Set("gojsHeld", jsx.Eval("({tag: 'held'})")) })
	readMany := func() {
		for i := 0; i < 100; i++ {
			_ = js.Global().Get("gojsHeld")
		}
	}
	check.EqOf("an object collected by Go is the same object read again", func() interface{} {
		readMany()
		collect()
		return js.Global().Get("gojsHeld").Get("tag").String()
	}, "held")
	// Reference counts: a value kept while 100 other Values of it are collected stays usable
	// (each store counts one reference; each finalizeRef releases one).
	var keep js.Value
	check.EqOf("a value kept while 100 copies are collected stays usable", func() interface{} {
		keep = js.Global().Get("gojsHeld")
		readMany()
		collect()
		return keep.Get("tag").String()
	}, "held")
	check.TrueOf("and is still Equal to the object read again", func() (bool, string) {
		readMany()
		collect()
		return keep.Equal(js.Global().Get("gojsHeld")), "not Equal"
	})
	check.Done()
}
