// Command copybytes checks CopyBytesToGo and CopyBytesToJS: the count copied is the shorter
// length, bytes beyond it are untouched on both sides (a host copying one byte too many is
// caught by sentinels), empty slices, Uint8ClampedArray, views with a byteOffset, sub-slices,
// 16 MiB copies, and the panic for any other source or destination type. The panic text
// changed in Go 1.22 ("an Uint8Array" became "a Uint8Array"); labels name the variant.
// Contract: syscall/js.CopyBytesToGo/CopyBytesToJS; copyBytesToGo, copyBytesToJS (go-js-abi
// §2.2, §5.5).
package main

import (
	"bytes"
	"encoding/binary"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func filled(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func main() {
	g := js.Global()
	u8 := func(src string) js.Value { return jsx.Eval("new Uint8Array(" + src + ")") }
	src5 := jsx.Fixture("new Uint8Array([1, 2, 3, 4, 5])")

	dst := filled(5, 0xAA)
	check.EqOf("ToGo into a shorter slice: n", func() interface{} { return js.CopyBytesToGo(dst[:3], src5) }, 3)
	check.Eq("ToGo into a shorter slice: bytes, sentinel after", dst, []byte{1, 2, 3, 0xAA, 0xAA})
	dst = filled(8, 0xAA)
	check.EqOf("ToGo into a longer slice: n", func() interface{} { return js.CopyBytesToGo(dst, src5) }, 5)
	check.Eq("ToGo into a longer slice: bytes, rest untouched", dst, []byte{1, 2, 3, 4, 5, 0xAA, 0xAA, 0xAA})
	dst = filled(5, 0xAA)
	check.EqOf("ToGo equal lengths", func() interface{} { return js.CopyBytesToGo(dst, src5) }, 5)
	check.Eq("ToGo equal lengths: bytes", dst, []byte{1, 2, 3, 4, 5})
	check.EqOf("ToGo into an empty slice", func() interface{} { return js.CopyBytesToGo([]byte{}, src5) }, 0)
	check.EqOf("ToGo into a nil slice", func() interface{} { return js.CopyBytesToGo(nil, src5) }, 0)
	dst = filled(3, 0xAA)
	check.EqOf("ToGo from an empty Uint8Array", func() interface{} { return js.CopyBytesToGo(dst, u8("0")) }, 0)
	check.Eq("ToGo from an empty Uint8Array: untouched", dst, filled(3, 0xAA))
	dst = filled(4, 0xAA)
	check.EqOf("ToGo from a Uint8ClampedArray", func() interface{} { return js.CopyBytesToGo(dst, jsx.Eval("new Uint8ClampedArray([9, 8, 300])")) }, 3)
	check.Eq("ToGo from a Uint8ClampedArray: bytes", dst, []byte{9, 8, 255, 0xAA})
	view := jsx.Fixture("new Uint8Array(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]).buffer, 2, 3)")
	dst = filled(4, 0xAA)
	check.EqOf("ToGo from a view with byteOffset", func() interface{} { return js.CopyBytesToGo(dst, view) }, 3)
	check.Eq("ToGo from a view: bytes of the view only", dst, []byte{2, 3, 4, 0xAA})
	buf := filled(10, 0xAA)
	check.EqOf("ToGo into a sub-slice", func() interface{} { return js.CopyBytesToGo(buf[4:6], src5) }, 2)
	check.Eq("ToGo into a sub-slice: bytes around untouched", buf, []byte{0xAA, 0xAA, 0xAA, 0xAA, 1, 2, 0xAA, 0xAA, 0xAA, 0xAA})
	check.EqOf("ToGo bytes 0 and 255", func() interface{} {
		return func() []byte { d := make([]byte, 2); js.CopyBytesToGo(d, u8("[0, 255]")); return d }()
	}, []byte{0, 255})

	js5 := jsx.Fixture("new Uint8Array([0xAA, 0xAA, 0xAA, 0xAA, 0xAA])")
	check.EqOf("ToJS from a shorter slice: n", func() interface{} { return js.CopyBytesToJS(js5, []byte{1, 2, 3}) }, 3)
	check.EqOf("ToJS from a shorter slice: rest untouched", func() interface{} { return jsx.Describe(js5) }, "Uint8Array[1,2,3,170,170]")
	js3 := jsx.Fixture("new Uint8Array([0xAA, 0xAA, 0xAA])")
	check.EqOf("ToJS from a longer slice: n", func() interface{} { return js.CopyBytesToJS(js3, []byte{1, 2, 3, 4, 5}) }, 3)
	check.EqOf("ToJS from a longer slice: bytes", func() interface{} { return jsx.Describe(js3) }, "Uint8Array[1,2,3]")
	check.EqOf("ToJS from an empty slice", func() interface{} { return js.CopyBytesToJS(js3, []byte{}) }, 0)
	check.EqOf("ToJS from a nil slice", func() interface{} { return js.CopyBytesToJS(js3, nil) }, 0)
	check.EqOf("ToJS from an empty slice: untouched", func() interface{} { return jsx.Describe(js3) }, "Uint8Array[1,2,3]")
	check.EqOf("ToJS into an empty Uint8Array", func() interface{} { return js.CopyBytesToJS(u8("0"), []byte{1}) }, 0)
	cl := jsx.Fixture("new Uint8ClampedArray(3)")
	check.EqOf("ToJS into a Uint8ClampedArray", func() interface{} { return js.CopyBytesToJS(cl, []byte{255, 0, 128}) }, 3)
	check.EqOf("ToJS into a Uint8ClampedArray: bytes", func() interface{} { return jsx.Describe(cl) }, "Uint8ClampedArray[255,0,128]")
	whole := jsx.Fixture("new Uint8Array(8)")
	inner := jsx.Let("fixture new Uint8Array(whole.buffer, 2, 3)", func() js.Value { return g.Get("Uint8Array").New(whole.Get("buffer"), 2, 3) })
	check.EqOf("ToJS into a view with byteOffset", func() interface{} { return js.CopyBytesToJS(inner, []byte{7, 7, 7, 7}) }, 3)
	check.EqOf("ToJS into a view: buffer around untouched", func() interface{} { return jsx.Describe(whole) }, "Uint8Array[0,0,7,7,7,0,0,0]")
	src := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	tgt := jsx.Fixture("new Uint8Array(4)")
	check.EqOf("ToJS from a sub-slice", func() interface{} { return js.CopyBytesToJS(tgt, src[6:]) }, 4)
	check.EqOf("ToJS from a sub-slice: bytes", func() interface{} { return jsx.Describe(tgt) }, "Uint8Array[6,7,8,9]")

	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>11)
	}
	bigJS := jsx.Let("fixture new Uint8Array(16 MiB)", func() js.Value { return g.Get("Uint8Array").New(len(big)) })
	check.EqOf("ToJS 16 MiB", func() interface{} { return js.CopyBytesToJS(bigJS, big) }, len(big))
	// Every byte, read as little-endian 32-bit words: a quarter of the iterations, which
	// matters on an interpreted JS engine. A Uint32Array reads in the platform's byte order,
	// so a big-endian platform reads through a DataView instead.
	sum := jsx.FnFixture("a", "const n = a.byteLength >> 2; let s = 0; "+
		"if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) { const w = new Uint32Array(a.buffer, a.byteOffset, n); for (let i = 0; i < n; i++) s = (s * 31 + w[i]) >>> 0; } "+
		"else { const d = new DataView(a.buffer, a.byteOffset, a.byteLength); for (let i = 0; i < n; i++) s = (s * 31 + d.getUint32(4 * i, true)) >>> 0; } "+
		"return s;")
	goSum := uint32(0)
	for i := 0; i < len(big); i += 4 {
		goSum = goSum*31 + binary.LittleEndian.Uint32(big[i:])
	}
	check.EqOf("ToJS 16 MiB: checksum on the JS side", func() interface{} { return uint32(sum.Invoke(bigJS).Int()) }, goSum)
	back := make([]byte, len(big))
	check.EqOf("ToGo 16 MiB", func() interface{} { return js.CopyBytesToGo(back, bigJS) }, len(big))
	check.Eq("ToGo 16 MiB: identical", bytes.Equal(back, big), true)

	for _, c := range []struct{ label, src string }{
		{"Array", "[1, 2, 3]"}, {"Int8Array", "new Int8Array(3)"}, {"Uint16Array", "new Uint16Array(3)"},
		{"ArrayBuffer", "new ArrayBuffer(3)"}, {"DataView", "new DataView(new ArrayBuffer(3))"},
		{"string", "'abc'"}, {"null", "null"}, {"undefined", "undefined"}, {"number", "3"},
		{"Buffer-like object", "({length: 3, 0: 1, 1: 2, 2: 3})"},
	} {
		v := jsx.Fixture(c.src)
		d := filled(3, 0xAA)
		check.Panics("ToGo from "+c.label+" panics ["+article+"]", func() { js.CopyBytesToGo(d, v) }, "string",
			"syscall/js: CopyBytesToGo: expected src to be "+article+" Uint8Array or Uint8ClampedArray")
		check.Eq("ToGo from "+c.label+": dst untouched", d, filled(3, 0xAA))
		check.Panics("ToJS into "+c.label+" panics ["+article+"]", func() { js.CopyBytesToJS(v, []byte{1}) }, "string",
			"syscall/js: CopyBytesToJS: expected dst to be "+article+" Uint8Array or Uint8ClampedArray")
	}
	check.Done()
}
