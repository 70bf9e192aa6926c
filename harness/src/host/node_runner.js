// The harness's own Node runner for Go js/wasm modules. It does what Go's
// wasm_exec_node.js does, with the glue chosen by the harness rather than the file next to
// it, and it works with every glue from Go 1.19 on current Node.
//
// usage: node --stack-size=8192 node_runner.js GLUE WASM [ARGS...]
"use strict";

if (process.argv.length < 4) {
	console.error("usage: node_runner.js GLUE WASM [ARGS...]");
	process.exit(1);
}
const gluePath = process.argv[2];
const wasmPath = process.argv[3];

globalThis.require = require;
globalThis.fs = require("fs");
globalThis.path = require("path");
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
// Node 19+ defines globalThis.crypto as a getter; Go 1.19's runner assigned it and crashed.
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto").webcrypto;

require(gluePath);
if (typeof globalThis.Go !== "function") {
	console.error(`${gluePath} did not define globalThis.Go: is it a wasm_exec.js?`);
	process.exit(1);
}

const go = new globalThis.Go();
go.argv = [wasmPath, ...process.argv.slice(4)];
go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
go.exit = process.exit;
WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject).then((result) => {
	process.on("exit", (code) => {
		// Node ends when no callback is pending; if Go has not exited, it is deadlocked:
		// the {id: 0} event makes the runtime print the report and exit 2.
		if (code === 0 && !go.exited) {
			go._pendingEvent = { id: 0 };
			go._resume();
		}
	});
	return go.run(result.instance);
}).catch((err) => {
	console.error(err);
	process.exit(1);
});
