// The harness's own Node runner for Go js/wasm modules. It does what Go's
// wasm_exec_node.js does, with the glue chosen by the harness rather than the file next to
// it, and it works with every glue from Go 1.19 on current Node.
//
// usage: node --stack-size=8192 node_runner.js [--trace=FILE --layout=JSON] GLUE WASM [ARGS...]
//        node node_runner.js --list-imports GLUE
//
// --list-imports prints, as JSON, the import object the glue builds with the globals set as
// for a run (module -> sorted names) and runs nothing: the ABI inventory reads it.
// --trace writes the import trace described in crates/abi/src/layout.rs (the frame table) and crates/abi/src/trace.rs, decoding each
// import's frame with the layout the harness passes in --layout (the same table the native
// host reads), so the two hosts' traces can be compared line by line.
"use strict";

const opts = {};
let rest = process.argv.slice(2);
while (rest.length > 0 && rest[0].startsWith("--")) {
	const a = rest.shift();
	const eq = a.indexOf("=");
	const key = eq < 0 ? a : a.slice(0, eq);
	if (key !== "--trace" && key !== "--layout" && key !== "--list-imports") {
		console.error(`node_runner.js: unknown option ${a}`);
		process.exit(1);
	}
	opts[key.slice(2)] = eq < 0 ? true : a.slice(eq + 1);
}
const listImports = opts["list-imports"] === true;
if (rest.length < (listImports ? 1 : 2) || (opts.trace !== undefined) !== (opts.layout !== undefined)) {
	console.error("usage: node_runner.js [--trace=FILE --layout=JSON] GLUE WASM [ARGS...]");
	console.error("       node_runner.js --list-imports GLUE");
	process.exit(1);
}
const gluePath = rest[0];
const wasmPath = rest[1];

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

if (listImports) {
	const imports = new globalThis.Go().importObject;
	const out = {};
	for (const m of Object.keys(imports).sort()) out[m] = Object.keys(imports[m]).sort();
	process.stdout.write(JSON.stringify(out));
} else {
	run();
}

function run() {
	const go = new globalThis.Go();
	go.argv = [wasmPath, ...rest.slice(2)];
	go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
	go.exit = process.exit;
	const trace = opts.trace === undefined ? null : installTrace(go, opts.trace, JSON.parse(opts.layout));
	WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject).then((result) => {
		process.on("exit", (code) => {
			// Node ends when no callback is pending; if Go has not exited, it is deadlocked:
			// the {id: 0} event makes the runtime print the report and exit 2.
			if (code === 0 && !go.exited) {
				go._pendingEvent = { id: 0 };
				go._resume();
			}
		});
		if (trace !== null) trace.event("run");
		return go.run(result.instance);
	}).catch((err) => {
		console.error(err);
		process.exit(1);
	});
}

// Wrap every import the layout describes, and go._resume, to write the trace.
function installTrace(go, file, layout) {
	const fd = fs.openSync(file, "w");
	let depth = 0;
	const line = (o) => fs.writeSync(fd, JSON.stringify(o) + "\n");
	const TEXT_LIMIT = 256;
	const REFS_LIMIT = 64;
	const OOB = "<out of bounds>";
	const FLAGS = ["", "object", "string", "symbol", "function", "5", "6", "7"];
	const decoder = new TextDecoder("utf-8");
	const view = () => new DataView(go._inst.exports.mem.buffer);

	function ref(dv, a) {
		const f = dv.getFloat64(a, true);
		if (f === 0) return "undefined";
		const lo = dv.getUint32(a, true);
		const hi = dv.getUint32(a + 4, true);
		if (Number.isNaN(f)) return FLAGS[hi & 7] + "#" + lo;
		if (Number.isInteger(f) && Math.abs(f) < 2 ** 53) return String(f);
		return "f64:" + hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
	}
	function text(bytes) {
		let s = decoder.decode(bytes.subarray(0, Math.min(bytes.length, TEXT_LIMIT)));
		if (bytes.length > TEXT_LIMIT) s += `…(+${bytes.length - TEXT_LIMIT} bytes)`;
		return s;
	}
	function field(dv, sp, kind, off) {
		const a = sp + off;
		const fits = (addr, n) => addr >= 0 && addr + n <= dv.byteLength;
		const span = (p, n) => p >= 0n && n >= 0n && p + n <= BigInt(dv.byteLength);
		switch (kind) {
			case "i32": return fits(a, 4) ? dv.getInt32(a, true) : OOB;
			case "u8": return fits(a, 1) ? dv.getUint8(a) : OOB;
			case "i64": return fits(a, 8) ? dv.getBigInt64(a, true).toString() : OOB;
			case "ref": return fits(a, 8) ? ref(dv, a) : OOB;
			case "bytes": return fits(a + 8, 8) ? Number(dv.getBigInt64(a + 8, true)) : OOB;
			case "str": {
				if (!fits(a, 16)) return OOB;
				const p = dv.getBigInt64(a, true), n = dv.getBigInt64(a + 8, true);
				return span(p, n) ? text(new Uint8Array(dv.buffer, Number(p), Number(n))) : OOB;
			}
			case "write": {
				if (!fits(a, 12)) return OOB;
				const p = dv.getBigInt64(a, true), n = BigInt(dv.getInt32(a + 8, true));
				return span(p, n) ? text(new Uint8Array(dv.buffer, Number(p), Number(n))) : OOB;
			}
			case "refs": {
				if (!fits(a, 16)) return OOB;
				const p = dv.getBigInt64(a, true), n = dv.getBigInt64(a + 8, true);
				if (p < 0n || n < 0n) return OOB;
				const shown = n < BigInt(REFS_LIMIT) ? Number(n) : REFS_LIMIT;
				const list = [];
				for (let k = 0; k < shown; k++) {
					const e = Number(p) + 8 * k;
					if (!fits(e, 8)) return OOB;
					list.push(ref(dv, e));
				}
				if (n > BigInt(shown)) list.push(`…(+${n - BigInt(shown)} refs)`);
				return list;
			}
		}
		throw new Error(`trace layout: unknown kind ${kind}`);
	}
	function read(sp, fields, out) {
		const dv = view();
		const vals = {}, vol = {};
		for (const [name, off, kind, isOut, volatile] of fields) {
			if (isOut === out) (volatile ? vol : vals)[name] = field(dv, sp, kind, off);
		}
		return [vals, vol];
	}

	for (const mod of Object.keys(go.importObject)) {
		const imports = go.importObject[mod];
		for (const name of Object.keys(imports)) {
			const f = imports[name];
			if (name === "debug") {
				imports[name] = (v) => {
					line({ d: depth, i: "debug", in: { value: v | 0 }, vol: {} });
					return f(v);
				};
				continue;
			}
			const canon = name === "runtime.walltime1" ? "runtime.walltime" : name;
			const fields = layout[canon];
			if (fields === undefined) continue;
			const hasOut = fields.some((x) => x[3]);
			imports[name] = (sp) => {
				sp >>>= 0;
				const [ins, vin] = read(sp, fields, false);
				line({ d: depth, i: canon, in: ins, vol: vin });
				depth++;
				try {
					f(sp);
				} finally {
					depth--;
				}
				if (hasOut) {
					const [outs, vout] = read(go._inst.exports.getsp() >>> 0, fields, true);
					line({ d: depth, r: canon, out: outs, vol: vout });
				}
			};
		}
	}
	const resume = go._resume;
	go._resume = function () {
		line({ d: depth, ev: "resume" });
		return resume.call(this);
	};
	return { event: (ev) => line({ d: depth, ev }) };
}
