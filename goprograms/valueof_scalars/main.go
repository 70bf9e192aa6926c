// Command valueof_scalars checks js.ValueOf on every accepted scalar Go type: the JS value
// the host stores (typeof and exact number, checked on the JS side) and what Go reads back.
// Contract: syscall/js.ValueOf; the NaN-boxed ref encoding and predefined ids (go-js-abi §2.5).
package main

import (
	"math"
	"syscall/js"
	"unsafe"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	cases := []struct {
		label string
		v     interface{}
		js    string
		typ   js.Type
	}{
		{"bool true", true, "true", js.TypeBoolean},
		{"bool false", false, "false", js.TypeBoolean},
		{"int 0", int(0), "0", js.TypeNumber},
		{"int 1", int(1), "1", js.TypeNumber},
		{"int -1", int(-1), "-1", js.TypeNumber},
		{"int 2^53", int(1 << 53), "9007199254740992", js.TypeNumber},
		{"int 2^53+1 rounds", int(1<<53 + 1), "9007199254740992", js.TypeNumber},
		{"int max", int(math.MaxInt64), "9223372036854776000", js.TypeNumber},
		{"int min", int(math.MinInt64), "-9223372036854776000", js.TypeNumber},
		{"int8 min", int8(math.MinInt8), "-128", js.TypeNumber},
		{"int8 max", int8(math.MaxInt8), "127", js.TypeNumber},
		{"int16 min", int16(math.MinInt16), "-32768", js.TypeNumber},
		{"int16 max", int16(math.MaxInt16), "32767", js.TypeNumber},
		{"int32 min", int32(math.MinInt32), "-2147483648", js.TypeNumber},
		{"int32 max", int32(math.MaxInt32), "2147483647", js.TypeNumber},
		{"int64 min", int64(math.MinInt64), "-9223372036854776000", js.TypeNumber},
		{"int64 max", int64(math.MaxInt64), "9223372036854776000", js.TypeNumber},
		{"int64 -2^40", int64(-1 << 40), "-1099511627776", js.TypeNumber},
		{"uint 0", uint(0), "0", js.TypeNumber},
		{"uint max", uint(math.MaxUint64), "18446744073709552000", js.TypeNumber},
		{"uint8 max", uint8(math.MaxUint8), "255", js.TypeNumber},
		{"uint16 max", uint16(math.MaxUint16), "65535", js.TypeNumber},
		{"uint32 max", uint32(math.MaxUint32), "4294967295", js.TypeNumber},
		{"uint32 2^31", uint32(1 << 31), "2147483648", js.TypeNumber},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709552000", js.TypeNumber},
		{"uint64 2^32+1", uint64(1<<32 + 1), "4294967297", js.TypeNumber},
		{"uintptr 4096", uintptr(4096), "4096", js.TypeNumber},
		{"unsafe.Pointer nil", unsafe.Pointer(nil), "0", js.TypeNumber},
		{"float32 1.5", float32(1.5), "1.5", js.TypeNumber},
		{"float32 0.1 widened", float32(0.1), "0.10000000149011612", js.TypeNumber},
		{"float32 max", float32(math.MaxFloat32), "3.4028234663852886e+38", js.TypeNumber},
		{"float32 NaN", float32(math.NaN()), "NaN", js.TypeNumber},
		{"float32 -Inf", float32(math.Inf(-1)), "-Infinity", js.TypeNumber},
		{"float64 0", 0.0, "0", js.TypeNumber},
		{"float64 -0 becomes +0", math.Copysign(0, -1), "0", js.TypeNumber},
		{"float64 42.5", 42.5, "42.5", js.TypeNumber},
		{"float64 -1e-300", -1e-300, "-1e-300", js.TypeNumber},
		{"float64 1e300", 1e300, "1e+300", js.TypeNumber},
		{"float64 smallest subnormal", math.SmallestNonzeroFloat64, "5e-324", js.TypeNumber},
		{"float64 max", math.MaxFloat64, "1.7976931348623157e+308", js.TypeNumber},
		{"float64 2^53+2", float64(1<<53 + 2), "9007199254740994", js.TypeNumber},
		{"float64 NaN", math.NaN(), "NaN", js.TypeNumber},
		{"float64 +Inf", math.Inf(1), "Infinity", js.TypeNumber},
		{"float64 -Inf", math.Inf(-1), "-Infinity", js.TypeNumber},
		{"float64 NaN with payload", math.Float64frombits(0x7FF8000000000123), "NaN", js.TypeNumber},
		{"float64 negative NaN", math.Float64frombits(0xFFF8000000000000), "NaN", js.TypeNumber},
		{"nil", nil, "null", js.TypeNull},
		{"js.Undefined", js.Undefined(), "undefined", js.TypeUndefined},
		{"js.Null", js.Null(), "null", js.TypeNull},
		{"zero js.Value", js.Value{}, "undefined", js.TypeUndefined},
	}
	for _, c := range cases {
		v := js.ValueOf(c.v)
		check.EqOf(c.label+": JS sees", func() interface{} { return jsx.Describe(v) }, c.js)
		check.EqOf(c.label+": Type", func() interface{} { return v.Type().String() }, c.typ.String())
	}

	// What Go reads back: numbers through Float, exactly.
	floats := []struct {
		label string
		in    interface{}
		want  float64
	}{
		{"int8 min", int8(math.MinInt8), -128},
		{"uint64 max", uint64(math.MaxUint64), 18446744073709551616},
		{"int64 min", int64(math.MinInt64), -9223372036854775808},
		{"float32 0.1", float32(0.1), float64(float32(0.1))},
		{"float64 -0", math.Copysign(0, -1), 0},
		{"float64 5e-324", math.SmallestNonzeroFloat64, math.SmallestNonzeroFloat64},
		{"float64 -Inf", math.Inf(-1), math.Inf(-1)},
		{"float64 NaN", math.NaN(), math.NaN()},
		{"float64 max", math.MaxFloat64, math.MaxFloat64},
		{"float64 2^60", float64(1 << 60), float64(1 << 60)},
		{"float64 -2^60", -float64(1 << 60), -float64(1 << 60)},
	}
	for _, c := range floats {
		check.FloatOf("Float() round trip "+c.label, func() float64 { return js.ValueOf(c.in).Float() }, c.want)
	}
	check.TrueOf("ValueOf(NaN).IsNaN", func() (bool, string) { return js.ValueOf(math.NaN()).IsNaN(), "false" })
	check.EqOf("ValueOf(true).Bool", func() interface{} { return js.ValueOf(true).Bool() }, true)
	check.EqOf("ValueOf(false).Bool", func() interface{} { return js.ValueOf(false).Bool() }, false)
	check.EqOf("ValueOf(int32 min).Int", func() interface{} { return js.ValueOf(int32(math.MinInt32)).Int() }, math.MinInt32)
	check.EqOf("ValueOf(2^40).Int", func() interface{} { return js.ValueOf(int64(1 << 40)).Int() }, 1<<40)
	check.EqOf("ValueOf(-2^52).Int", func() interface{} { return js.ValueOf(int64(-1 << 52)).Int() }, -1<<52)

	// Values that are already JS values pass through unchanged.
	obj := jsx.Fixture("({tag: 'same'})")
	check.TrueOf("ValueOf(js.Value) is the same value", func() (bool, string) { return js.ValueOf(obj).Equal(obj), "not Equal" })
	same := jsx.FnFixture("a, b", "return a === b;")
	check.EqOf("ValueOf(js.Value) is === on the JS side", func() interface{} { return same.Invoke(js.ValueOf(obj), obj).Bool() }, true)
	var f js.Func
	check.Step("FuncOf returning a string", func() {
		f = js.FuncOf(func(this js.Value, args []js.Value) interface{} { return "from Go" })
	})
	fv := js.ValueOf(f)
	check.EqOf("ValueOf(js.Func) Type", func() interface{} { return fv.Type().String() }, "function")
	check.TrueOf("ValueOf(js.Func) equals Func.Value", func() (bool, string) { return fv.Equal(f.Value), "not Equal" })
	check.EqOf("ValueOf(js.Func) callable", func() interface{} { return fv.Invoke().String() }, "from Go")
	f.Release()
	check.TrueOf("ValueOf(js.Global()) is globalThis", func() (bool, string) { return js.ValueOf(js.Global()).Equal(jsx.Eval("globalThis")), "not Equal" })
	check.Done()
}
