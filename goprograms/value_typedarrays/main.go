// Command value_typedarrays checks Get/Set/Index/SetIndex/Length/InstanceOf on typed arrays,
// ArrayBuffers and DataViews: element conversion (wrapping, clamping, float rounding) is done
// by the JS engine, Go only sees numbers.
// Contract: syscall/js Value.Index/SetIndex/Length on typed arrays; valueIndex, valueSetIndex,
// valueLength (go-js-abi §2.2).
package main

import (
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	g := js.Global()
	u8 := g.Get("Uint8Array").New(4)
	check.Eq("Uint8Array Length", u8.Length(), 4)
	check.Eq("Uint8Array zero-filled", u8.Index(3).Int(), 0)
	u8.SetIndex(0, 300)
	u8.SetIndex(1, -1)
	u8.SetIndex(2, 1.9)
	u8.SetIndex(3, "7")
	check.Eq("Uint8Array wraps, truncates, converts", jsx.Describe(u8), "Uint8Array[44,255,1,7]")
	u8.SetIndex(4, 9)
	check.Eq("Uint8Array SetIndex past the end is ignored", u8.Length(), 4)
	check.Eq("Uint8Array Index past the end", u8.Index(4).IsUndefined(), true)

	cl := g.Get("Uint8ClampedArray").New(3)
	cl.SetIndex(0, 300)
	cl.SetIndex(1, -5)
	cl.SetIndex(2, 1.5)
	check.Eq("Uint8ClampedArray clamps and rounds half to even", jsx.Describe(cl), "Uint8ClampedArray[255,0,2]")
	i8 := g.Get("Int8Array").New(2)
	i8.SetIndex(0, 200)
	i8.SetIndex(1, -129)
	check.Eq("Int8Array wraps", jsx.Describe(i8), "Int8Array[-56,127]")
	i32 := g.Get("Int32Array").New(1)
	i32.SetIndex(0, 1<<32+5)
	check.Eq("Int32Array wraps", i32.Index(0).Int(), 5)
	u32 := g.Get("Uint32Array").New(1)
	u32.SetIndex(0, -1)
	check.Eq("Uint32Array of -1", u32.Index(0).Int(), 4294967295)
	f32 := g.Get("Float32Array").New(1)
	f32.SetIndex(0, 0.1)
	check.Float("Float32Array rounds to float32", f32.Index(0).Float(), float64(float32(0.1)))
	f64 := g.Get("Float64Array").New(2)
	f64.SetIndex(0, 1e300)
	f64.SetIndex(1, -0.0)
	check.Float("Float64Array keeps 1e300", f64.Index(0).Float(), 1e300)
	check.Eq("Float64Array Length", f64.Length(), 2)

	buf := g.Get("ArrayBuffer").New(16)
	check.Eq("ArrayBuffer byteLength", buf.Get("byteLength").Int(), 16)
	check.Eq("ArrayBuffer has no length", buf.Length(), 0)
	view := g.Get("Uint8Array").New(buf, 4, 8)
	check.Eq("view Length", view.Length(), 8)
	check.Eq("view byteOffset", view.Get("byteOffset").Int(), 4)
	view.SetIndex(0, 0xAB)
	whole := g.Get("Uint8Array").New(buf)
	check.Eq("write through a view lands at its offset", whole.Index(4).Int(), 0xAB)
	check.Eq("bytes before the view untouched", whole.Index(3).Int(), 0)
	dv := g.Get("DataView").New(buf)
	dv.Call("setUint16", 0, 0x1234, true)
	check.Eq("DataView little-endian write", whole.Index(0).Int()+whole.Index(1).Int()<<8, 0x1234)
	check.Eq("DataView getUint16 big-endian", dv.Call("getUint16", 0, false).Int(), 0x3412)
	big := g.Get("BigInt64Array")
	if big.Type() == js.TypeFunction {
		check.Eq("BigInt64Array Length", big.New(3).Length(), 3)
	}
	check.Eq("Uint8Array InstanceOf Uint8Array", u8.InstanceOf(g.Get("Uint8Array")), true)
	check.Eq("Uint8ClampedArray is not a Uint8Array", cl.InstanceOf(g.Get("Uint8Array")), false)
	check.Eq("Int8Array is not a Uint8Array", i8.InstanceOf(g.Get("Uint8Array")), false)
	check.Eq("Uint8Array is an Object", u8.InstanceOf(g.Get("Object")), true)
	check.Eq("Uint8Array is not an Array", u8.InstanceOf(g.Get("Array")), false)
	sub := u8.Call("subarray", 1, 3)
	check.Eq("subarray Length", sub.Length(), 2)
	check.Eq("subarray Index", sub.Index(0).Int(), 255)
	large := g.Get("Uint8Array").New(1 << 24)
	check.Eq("16 MiB Uint8Array Length", large.Length(), 1<<24)
	large.SetIndex(1<<24-1, 77)
	check.Eq("16 MiB Uint8Array last element", large.Index(1<<24-1).Int(), 77)
	check.Done()
}
