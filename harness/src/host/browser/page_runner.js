// The harness's page script: it embeds a Go js/wasm module the way a web page does, after
// the glue (wasm_exec.js) has been loaded by a <script> tag of its own.
//
// Configuration comes from globalThis.__gojsConfig (set by the page):
//   { wasm: "/main.wasm", argv: [...], env: {...}, exitGraceMs: N }
// Results go to the harness through the DevTools binding __gojsReport(JSON string):
//   {kind: "exit", code}                       each call of go.exit
//   {kind: "done", status: "resolved"}         go.run's promise resolved
//   {kind: "done", status: "rejected", error}  go.run (or loading) failed
//   {kind: "done", status: "no-settle", error} go.exit was called, go.run never settled
"use strict";
(async () => {
	const report = (msg) => globalThis.__gojsReport(JSON.stringify(msg));
	const describe = (e) => (e && e.stack ? String(e.stack) : String(e));
	const cfg = globalThis.__gojsConfig;
	let settled = false;
	const done = (msg) => {
		if (!settled) {
			settled = true;
			report(Object.assign({ kind: "done" }, msg));
		}
	};
	try {
		if (typeof globalThis.Go !== "function") {
			throw new Error("the glue did not define globalThis.Go: is it a wasm_exec.js?");
		}
		const go = new globalThis.Go();
		// The last calls between Go's scheduler and the glue, for a page that times out: the
		// runtime.* imports (timers, exit) and each resume of Go, with the page's clock.
		const trail = [];
		const note = (what) => {
			trail.push(`${performance.now().toFixed(1)} ${what}`);
			if (trail.length > 40) trail.shift();
		};
		for (const mod of Object.values(go.importObject)) {
			for (const [name, f] of Object.entries(mod)) {
				if (typeof f === "function" && name.startsWith("runtime.") && name !== "runtime.nanotime1" && name !== "runtime.walltime" && name !== "runtime.walltime1") {
					mod[name] = function (...a) {
						note(name);
						return f.apply(this, a);
					};
				}
			}
		}
		const resume = go._resume;
		go._resume = function () {
			note(`resume(${this._pendingEvent === null ? "no event" : "event"})`);
			return resume.apply(this, arguments);
		};
		// What the harness asks a page that timed out (only read, never called by a program).
		globalThis.__gojsState = () => ({
			exited: go.exited,
			pendingEvent: go._pendingEvent === null ? null : typeof go._pendingEvent,
			scheduledTimeouts: go._scheduledTimeouts ? [...go._scheduledTimeouts.keys()] : null,
			nextCallbackTimeoutID: go._nextCallbackTimeoutID,
			now: performance.now().toFixed(1),
			trail,
		});
		go.argv = cfg.argv;
		go.env = cfg.env;
		// In a page go.exit ends nothing: record the code, as the exit status of the run.
		go.exit = (code) => {
			report({ kind: "exit", code });
			// The run's promise should settle right after; if it never does, say so.
			setTimeout(() => done({
				status: "no-settle",
				error: `go.exit(${code}) was called but the promise of go.run did not settle within ${cfg.exitGraceMs} ms`,
			}), cfg.exitGraceMs);
		};
		const { instance } = await WebAssembly.instantiateStreaming(fetch(cfg.wasm), go.importObject);
		await go.run(instance);
		done({ status: "resolved" });
	} catch (e) {
		done({ status: "rejected", error: describe(e) });
	}
})();
