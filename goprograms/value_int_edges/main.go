// Command value_int_edges checks Value.Int on numbers outside int64: NaN, infinities, huge
// values. Go converts with the wasm float-to-int instructions of the toolchain, so the
// answer moved in Go 1.26 (GOWASM=satconv always on): before, every out-of-range value gave
// MinInt64; from 1.26 NaN gives 0 and the rest saturate. Labels name the variant checked.
// Contract: syscall/js Value.Int ("converted to int"); go-js-abi §5.8.
package main

import (
	"math"
	"syscall/js"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	fx := jsx.Let("fixture fx", func() js.Value {
		return jsx.Eval(`({nan: NaN, inf: Infinity, ninf: -Infinity, huge: 1e300, nhuge: -1e300,
		two63: 2 ** 63, ntwo63: -(2 ** 63), two64: 2 ** 64, exact: 2 ** 62, nexact: -(2 ** 62)})`)
	})
	for _, c := range edgeWants() {
		check.EqOf("Int of "+c.key+" is "+c.name+" ["+variant+"]", func() interface{} { return fx.Get(c.key).Int() }, c.want)
	}
	check.EqOf("Int of 2^62", func() interface{} { return fx.Get("exact").Int() }, 1<<62)
	check.EqOf("Int of -2^62", func() interface{} { return fx.Get("nexact").Int() }, -1<<62)
	check.EqOf("Int of -2^63 is exact", func() interface{} { return fx.Get("ntwo63").Int() }, math.MinInt64)
	check.Done()
}

type edge struct {
	key, name string
	want      int
}
