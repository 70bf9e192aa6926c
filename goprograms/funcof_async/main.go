// Command funcof_async checks Go functions called by JS asynchronously, from the event loop:
// setTimeout with extra arguments, setTimeout ordering, promise reactions (microtasks),
// queueMicrotask, and a callback handing work to a goroutine through a channel.
// Contract: syscall/js.FuncOf with events delivered through resume and _pendingEvent while Go
// is paused (go-js-abi §2.3); the event loop keeps running Go callbacks until main returns.
package main

import (
	"strings"
	"syscall/js"
	"time"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	g := js.Global()
	done := make(chan []js.Value, 1)
	var thisV js.Value
	var args []js.Value
	check.EqOf("setTimeout passes extra args", func() interface{} {
		cb := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			thisV = this
			done <- args
			return nil
		})
		g.Call("setTimeout", cb, 0, 42, "x", nil)
		args = <-done
		return len(args)
	}, 3)
	check.EqOf("setTimeout arg 0", func() interface{} { return args[0].Int() }, 42)
	check.EqOf("setTimeout arg 1", func() interface{} { return args[1].String() }, "x")
	check.EqOf("setTimeout arg 2", func() interface{} { return args[2].IsNull() }, true)
	check.EqOf("setTimeout this is not a string or number", func() interface{} { return thisV.Type() != js.TypeString && thisV.Type() != js.TypeNumber }, true)

	var order []string
	fin := make(chan bool)
	mk := func(name string, last bool) js.Func {
		return js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			order = append(order, name)
			if last {
				fin <- true
			}
			return nil
		})
	}
	check.EqOf("JS timers call Go in deadline order", func() interface{} {
		t30, t10, t20 := mk("t30", true), mk("t10", false), mk("t20", false)
		g.Call("setTimeout", t30, 30)
		g.Call("setTimeout", t10, 10)
		g.Call("setTimeout", t20, 20)
		<-fin
		return strings.Join(order, " ")
	}, "t10 t20 t30")

	check.EqOf("microtasks before the timer, in queue order", func() interface{} {
		order = nil
		micro, then, macro := mk("microtask", false), mk("then", false), mk("timeout", true)
		g.Call("setTimeout", macro, 0)
		g.Get("Promise").Call("resolve", 1).Call("then", then)
		g.Call("queueMicrotask", micro)
		<-fin
		return strings.Join(order, " ")
	}, "then microtask timeout")

	res := make(chan string, 1)
	var onResolve, onReject js.Func
	check.Step("FuncOf the promise reactions", func() {
		onResolve = js.FuncOf(func(this js.Value, args []js.Value) interface{} { res <- "resolved " + args[0].String(); return nil })
		onReject = js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			res <- "rejected " + args[0].Get("message").String()
			return nil
		})
	})
	check.EqOf("promise resolved later", func() interface{} {
		p := jsx.Eval("new Promise((ok) => setTimeout(() => ok('later'), 5))")
		p.Call("then", onResolve, onReject)
		return <-res
	}, "resolved later")
	check.EqOf("promise rejected", func() interface{} {
		jsx.Eval("Promise.reject(new Error('nope'))").Call("then", onResolve, onReject)
		return <-res
	}, "rejected nope")

	// A Go function as a promise executor: it runs synchronously inside new Promise.
	check.EqOf("promise resolved by a goroutine", func() interface{} {
		var resolve js.Value
		exec := js.FuncOf(func(this js.Value, args []js.Value) interface{} { resolve = args[0]; return nil })
		p2 := g.Get("Promise").New(exec)
		go func() {
			time.Sleep(5 * time.Millisecond)
			resolve.Invoke("from goroutine")
		}()
		p2.Call("then", onResolve)
		return <-res
	}, "resolved from goroutine")

	// A callback must not block: it hands the work to a goroutine.
	work := make(chan int, 10)
	results := make(chan int, 10)
	go func() {
		for n := range work {
			time.Sleep(time.Millisecond)
			results <- n * n
		}
	}()
	check.EqOf("callbacks feed a goroutine", func() interface{} {
		sq := js.FuncOf(func(this js.Value, args []js.Value) interface{} { work <- args[0].Int(); return nil })
		for i := 1; i <= 5; i++ {
			g.Call("setTimeout", sq, i, i)
		}
		sum := 0
		for i := 0; i < 5; i++ {
			sum += <-results
		}
		return sum
	}, 55)

	// setInterval calling Go until cleared.
	ticks := 0
	tickDone := make(chan bool)
	var id js.Value
	check.EqOf("setInterval stopped after 5 calls", func() interface{} {
		tick := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			ticks++
			if ticks == 5 {
				g.Call("clearInterval", id)
				tickDone <- true
			}
			return nil
		})
		id = g.Call("setInterval", tick, 2)
		<-tickDone
		time.Sleep(20 * time.Millisecond)
		return ticks
	}, 5)
	check.Done()
}
