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
	cb := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		thisV = this
		done <- args
		return nil
	})
	g.Call("setTimeout", cb, 0, 42, "x", nil)
	args := <-done
	check.Eq("setTimeout passes extra args", len(args), 3)
	check.Eq("setTimeout arg 0", args[0].Int(), 42)
	check.Eq("setTimeout arg 1", args[1].String(), "x")
	check.Eq("setTimeout arg 2", args[2].IsNull(), true)
	check.Eq("setTimeout this is not a string or number", thisV.Type() != js.TypeString && thisV.Type() != js.TypeNumber, true)

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
	t30, t10, t20 := mk("t30", true), mk("t10", false), mk("t20", false)
	g.Call("setTimeout", t30, 30)
	g.Call("setTimeout", t10, 10)
	g.Call("setTimeout", t20, 20)
	<-fin
	check.Eq("JS timers call Go in deadline order", strings.Join(order, " "), "t10 t20 t30")

	order = nil
	micro, then, macro := mk("microtask", false), mk("then", false), mk("timeout", true)
	g.Call("setTimeout", macro, 0)
	g.Get("Promise").Call("resolve", 1).Call("then", then)
	g.Call("queueMicrotask", micro)
	<-fin
	check.Eq("microtasks before the timer, in queue order", strings.Join(order, " "), "then microtask timeout")

	res := make(chan string, 1)
	onResolve := js.FuncOf(func(this js.Value, args []js.Value) interface{} { res <- "resolved " + args[0].String(); return nil })
	onReject := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		res <- "rejected " + args[0].Get("message").String()
		return nil
	})
	p := jsx.Eval("new Promise((ok) => setTimeout(() => ok('later'), 5))")
	p.Call("then", onResolve, onReject)
	check.Eq("promise resolved later", <-res, "resolved later")
	jsx.Eval("Promise.reject(new Error('nope'))").Call("then", onResolve, onReject)
	check.Eq("promise rejected", <-res, "rejected nope")

	// A Go function as a promise executor: it runs synchronously inside new Promise.
	var resolve js.Value
	exec := js.FuncOf(func(this js.Value, args []js.Value) interface{} { resolve = args[0]; return nil })
	p2 := g.Get("Promise").New(exec)
	go func() {
		time.Sleep(5 * time.Millisecond)
		resolve.Invoke("from goroutine")
	}()
	p2.Call("then", onResolve)
	check.Eq("promise resolved by a goroutine", <-res, "resolved from goroutine")

	// A callback must not block: it hands the work to a goroutine.
	work := make(chan int, 10)
	results := make(chan int, 10)
	go func() {
		for n := range work {
			time.Sleep(time.Millisecond)
			results <- n * n
		}
	}()
	sq := js.FuncOf(func(this js.Value, args []js.Value) interface{} { work <- args[0].Int(); return nil })
	for i := 1; i <= 5; i++ {
		g.Call("setTimeout", sq, i, i)
	}
	sum := 0
	for i := 0; i < 5; i++ {
		sum += <-results
	}
	check.Eq("callbacks feed a goroutine", sum, 55)

	// setInterval calling Go until cleared.
	ticks := 0
	tickDone := make(chan bool)
	var id js.Value
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
	check.Eq("setInterval stopped after 5 calls", ticks, 5)
	check.Done()
}
