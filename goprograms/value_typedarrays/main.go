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
	u8 := jsx.Let("fixture new Uint8Array(4)", func() js.Value { return g.Get("Uint8Array").New(4) })
	check.EqOf("Uint8Array Length", func() interface{} { return u8.Length() }, 4)
	check.EqOf("Uint8Array zero-filled", func() interface{} { return u8.Index(3).Int() }, 0)
	check.EqOf("Uint8Array wraps, truncates, converts", func() interface{} {
		u8.SetIndex(0, 300)
		u8.SetIndex(1, -1)
		u8.SetIndex(2, 1.9)
		u8.SetIndex(3, "7")
		return jsx.Describe(u8)
	}, "Uint8Array[44,255,1,7]")
	check.EqOf("Uint8Array SetIndex past the end is ignored", func() interface{} { u8.SetIndex(4, 9); return u8.Length() }, 4)
	check.EqOf("Uint8Array Index past the end", func() interface{} { return u8.Index(4).IsUndefined() }, true)

	cl := jsx.Let("fixture new Uint8ClampedArray(3)", func() js.Value { return g.Get("Uint8ClampedArray").New(3) })
	check.EqOf("Uint8ClampedArray clamps and rounds half to even", func() interface{} {
		cl.SetIndex(0, 300)
		cl.SetIndex(1, -5)
		cl.SetIndex(2, 1.5)
		return jsx.Describe(cl)
	}, "Uint8ClampedArray[255,0,2]")
	i8 := jsx.Let("fixture new Int8Array(2)", func() js.Value { return g.Get("Int8Array").New(2) })
	check.EqOf("Int8Array wraps", func() interface{} {
		i8.SetIndex(0, 200)
		i8.SetIndex(1, -129)
		return jsx.Describe(i8)
	}, "Int8Array[-56,127]")
	check.EqOf("Int32Array wraps", func() interface{} {
		i32 := g.Get("Int32Array").New(1)
		i32.SetIndex(0, 1<<32+5)
		return i32.Index(0).Int()
	}, 5)
	check.EqOf("Uint32Array of -1", func() interface{} {
		u32 := g.Get("Uint32Array").New(1)
		u32.SetIndex(0, -1)
		return u32.Index(0).Int()
	}, 4294967295)
	check.FloatOf("Float32Array rounds to float32", func() float64 {
		f32 := g.Get("Float32Array").New(1)
		f32.SetIndex(0, 0.1)
		return f32.Index(0).Float()
	}, float64(float32(0.1)))
	f64 := jsx.Let("fixture a Float64Array [1e300, -0]", func() js.Value {
		f64 := g.Get("Float64Array").New(2)
		f64.SetIndex(0, 1e300)
		f64.SetIndex(1, -0.0)
		return f64
	})
	check.FloatOf("Float64Array keeps 1e300", func() float64 { return f64.Index(0).Float() }, 1e300)
	check.EqOf("Float64Array Length", func() interface{} { return f64.Length() }, 2)

	buf := jsx.Let("fixture new ArrayBuffer(16)", func() js.Value { return g.Get("ArrayBuffer").New(16) })
	check.EqOf("ArrayBuffer byteLength", func() interface{} { return buf.Get("byteLength").Int() }, 16)
	check.EqOf("ArrayBuffer has no length", func() interface{} { return buf.Length() }, 0)
	view := jsx.Let("fixture new Uint8Array(buf, 4, 8)", func() js.Value { return g.Get("Uint8Array").New(buf, 4, 8) })
	check.EqOf("view Length", func() interface{} { return view.Length() }, 8)
	check.EqOf("view byteOffset", func() interface{} { return view.Get("byteOffset").Int() }, 4)
	check.Step("view.SetIndex(0, 0xAB)", func() { view.SetIndex(0, 0xAB) })
	whole := jsx.Let("fixture new Uint8Array(buf)", func() js.Value { return g.Get("Uint8Array").New(buf) })
	check.EqOf("write through a view lands at its offset", func() interface{} { return whole.Index(4).Int() }, 0xAB)
	check.EqOf("bytes before the view untouched", func() interface{} { return whole.Index(3).Int() }, 0)
	dv := jsx.Let("fixture new DataView(buf)", func() js.Value { return g.Get("DataView").New(buf) })
	check.EqOf("DataView little-endian write", func() interface{} {
		dv.Call("setUint16", 0, 0x1234, true)
		return whole.Index(0).Int() + whole.Index(1).Int()<<8
	}, 0x1234)
	check.EqOf("DataView getUint16 big-endian", func() interface{} { return dv.Call("getUint16", 0, false).Int() }, 0x3412)
	big := jsx.Let("fixture BigInt64Array", func() js.Value { return g.Get("BigInt64Array") })
	if big.Type() == js.TypeFunction {
		check.EqOf("BigInt64Array Length", func() interface{} { return big.New(3).Length() }, 3)
	}
	check.EqOf("Uint8Array InstanceOf Uint8Array", func() interface{} { return u8.InstanceOf(g.Get("Uint8Array")) }, true)
	check.EqOf("Uint8ClampedArray is not a Uint8Array", func() interface{} { return cl.InstanceOf(g.Get("Uint8Array")) }, false)
	check.EqOf("Int8Array is not a Uint8Array", func() interface{} { return i8.InstanceOf(g.Get("Uint8Array")) }, false)
	check.EqOf("Uint8Array is an Object", func() interface{} { return u8.InstanceOf(g.Get("Object")) }, true)
	check.EqOf("Uint8Array is not an Array", func() interface{} { return u8.InstanceOf(g.Get("Array")) }, false)
	sub := jsx.Let("fixture u8.subarray(1, 3)", func() js.Value { return u8.Call("subarray", 1, 3) })
	check.EqOf("subarray Length", func() interface{} { return sub.Length() }, 2)
	check.EqOf("subarray Index", func() interface{} { return sub.Index(0).Int() }, 255)
	large := jsx.Let("fixture new Uint8Array(1 << 24)", func() js.Value { return g.Get("Uint8Array").New(1 << 24) })
	check.EqOf("16 MiB Uint8Array Length", func() interface{} { return large.Length() }, 1<<24)
	check.EqOf("16 MiB Uint8Array last element", func() interface{} {
		large.SetIndex(1<<24-1, 77)
		return large.Index(1<<24 - 1).Int()
	}, 77)
	check.Done()
}
