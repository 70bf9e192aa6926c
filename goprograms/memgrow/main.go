// Command memgrow grows linear memory by hundreds of MiB (Go executes memory.grow and calls
// runtime.resetMemoryDataView), then uses syscall/js everywhere the host touches memory:
// strings both ways, CopyBytes to and from the new high addresses, Call arguments, a
// callback. A host that keeps a stale view of memory after growth fails here.
// Contract: runtime.resetMemoryDataView and every import's memory access after growth
// (go-js-abi §2.4, §7 item 3).
package main

import (
	"runtime"
	"strings"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

var keep [][]byte

func main() {
	before := js.ValueOf("before growth").String()
	for i := 0; i < 6; i++ {
		b := make([]byte, 64<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(j>>12 + i)
		}
		keep = append(keep, b)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	check.True("heap grew past 384 MiB", ms.HeapAlloc >= 384<<20, "smaller")
	check.Eq("string made before growth", before, "before growth")

	last := keep[len(keep)-1]
	copy(last[len(last)-8:], "HIGHADDR")
	u8 := js.Global().Get("Uint8Array").New(8)
	check.Eq("CopyBytesToJS from the top of memory", js.CopyBytesToJS(u8, last[len(last)-8:]), 8)
	check.Eq("JS sees the high bytes", jsx.Fn("a", "return String.fromCharCode(...a);").Invoke(u8).String(), "HIGHADDR")
	dst := last[len(last)-16 : len(last)-8]
	check.Eq("CopyBytesToGo to the top of memory", js.CopyBytesToGo(dst, jsx.Eval("new Uint8Array([76,79,87,69,82,69,68,33])")), 8)
	check.Eq("Go sees the copied bytes", string(dst), "LOWERED!")
	s := strings.Repeat("grown ", 1000)
	check.Eq("string round trip after growth", js.ValueOf(s).String(), s)
	check.Eq("Call with string arguments after growth", js.Global().Get("String").Get("prototype").Get("split").Call("call", "a-b-c", "-").Length(), 3)
	f := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		big := make([]byte, 32<<20) // grows memory again inside a callback
		big[len(big)-1] = 1
		keep = append(keep, big)
		return args[0].String() + " from Go"
	})
	check.Eq("callback that grows memory", jsx.Fn("f", "return f('called');").Invoke(f).String(), "called from Go")
	check.Eq("JS function result after growth in a callback", jsx.Fn("", "return 'still fine';").Invoke().String(), "still fine")
	f.Release()
	ok := true
	for i, b := range keep[:6] {
		for j := 0; j < len(b)-16; j += 4096 {
			if b[j] != byte(j>>12+i) {
				ok = false
			}
		}
	}
	check.Eq("all grown memory kept its contents", ok, true)
	check.Done()
}
