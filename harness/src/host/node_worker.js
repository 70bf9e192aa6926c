// A Node process that runs many Go js/wasm modules, one after the other, with one glue
// loaded once: what `gojs-harness fuzz` talks to, since starting Node for each input costs
// more than running the input.
//
// usage: node --stack-size=8192 node_worker.js GLUE
//
// Protocol (all integers little-endian):
//   ready:    on stdout, "GOJSWORKER " + JSON {modules: [the glue's import modules]} + "\n"
//   request:  on stdin, u32 length, then the module's bytes; end of input ends the worker
//   response: on stdout, u32 magic 0x6a73676f, i32 exit code, u32 length + the program's
//             stdout, u32 length + its stderr
//
// Each module gets a fresh `new Go()`. What its run writes to fd 1 and 2 (through the glue's
// fs.writeSync/fs.write, console.* or process.stdout/stderr) is captured here, below the
// glue, so the glue under test is the only thing between Go and the output. Where Node's own
// runner would end the process (go.exit, an uncaught exception, the event loop draining) the
// worker ends the run instead, and cancels what the run left scheduled, so nothing of one
// run reaches the next. Reading stdin synchronously keeps the event loop free of handles of
// the worker's own: 'beforeExit' then says that the run in progress has nothing left to do.
"use strict";

const nodeFs = require("fs");
const util = require("util");
// The worker's own, whatever a run does to the globals of these names.
const Buffer = globalThis.Buffer;
const setImmediate = globalThis.setImmediate;

const gluePath = process.argv[2];
if (gluePath === undefined) {
	process.stderr.write("usage: node_worker.js GLUE\n");
	process.exit(1);
}

const realWriteSync = nodeFs.writeSync.bind(nodeFs);
const MAGIC = 0x6a73676f;

// The run in progress: {go, out: Buffer[], err: Buffer[], timers: Set, done}.
let job = null;

function capture(fd, bytes) {
	if (job === null || job.done) return false;
	if (fd === 1) job.out.push(Buffer.from(bytes));
	else if (fd === 2) job.err.push(Buffer.from(bytes));
	else return false;
	return true;
}

// Node's fs with writes to 1 and 2 captured; everything else is Node's own.
const fsShim = Object.create(nodeFs);
fsShim.writeSync = function (fd, buf, ...rest) {
	if (fd === 1 || fd === 2) {
		const bytes = typeof buf === "string" ? Buffer.from(buf) : sliceOf(buf, rest[0], rest[1]);
		capture(fd, bytes);
		return bytes.length;
	}
	return nodeFs.writeSync(fd, buf, ...rest);
};
fsShim.write = function (fd, buf, ...rest) {
	if (fd === 1 || fd === 2) {
		const cb = rest.length > 0 && typeof rest[rest.length - 1] === "function" ? rest.pop() : null;
		const bytes = typeof buf === "string" ? Buffer.from(buf) : sliceOf(buf, rest[0], rest[1]);
		capture(fd, bytes);
		if (cb !== null) process.nextTick(() => cb(null, bytes.length, buf));
		return;
	}
	return nodeFs.write(fd, buf, ...rest);
};
function sliceOf(buf, offset, length) {
	const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
	const off = offset ?? 0;
	const len = length ?? u8.length - off;
	return u8.subarray(off, off + len);
}

globalThis.require = require;
globalThis.fs = fsShim;
globalThis.path = require("path");
globalThis.TextEncoder = util.TextEncoder;
globalThis.TextDecoder = util.TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto").webcrypto;

const text = (args) => util.format(...args) + "\n";
console.log = console.info = console.debug = (...a) => capture(1, Buffer.from(text(a)));
console.error = console.warn = console.trace = (...a) => capture(2, Buffer.from(text(a)));
for (const [fd, stream] of [[1, process.stdout], [2, process.stderr]]) {
	Object.defineProperty(stream, "write", {
		value: (chunk, enc, cb) => {
			capture(fd, typeof chunk === "string" ? Buffer.from(chunk, enc) : Buffer.from(chunk));
			if (typeof cb === "function") process.nextTick(cb);
			else if (typeof enc === "function") process.nextTick(enc);
			return true;
		},
	});
}

// Timers a run schedules, so that ending it cancels them as ending Node's process would.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
globalThis.setTimeout = function (fn, ...rest) {
	const owner = job;
	const t = realSetTimeout((...args) => {
		if (owner !== null) owner.timers.delete(t);
		if (owner !== job || owner.done) return;
		fn(...args);
	}, ...rest);
	if (owner !== null) owner.timers.add(t);
	return t;
};
globalThis.clearTimeout = function (t) {
	if (job !== null) job.timers.delete(t);
	return realClearTimeout(t);
};

require(gluePath);
if (typeof globalThis.Go !== "function") {
	realWriteSync(2, `${gluePath} did not define globalThis.Go: is it a wasm_exec.js?\n`);
	process.exit(1);
}
const modules = Object.keys(new globalThis.Go().importObject).sort();

// The realm is shared by every run: what a run adds to or replaces on globalThis is undone
// when it ends, so the next run starts from the globals this one found. (Changes deeper down,
// such as to Object.prototype, are not undone.)
// The intrinsics it needs are taken now: a run may replace globalThis.Object itself.
const { ownKeys } = Reflect;
const { getOwnPropertyDescriptor: descriptor, defineProperty } = Object;
const baseline = new Map(ownKeys(globalThis).map((k) => [k, descriptor(globalThis, k)]));
function restoreGlobals() {
	for (const k of ownKeys(globalThis)) {
		if (!baseline.has(k)) delete globalThis[k];
	}
	for (const [k, d] of baseline) {
		const now = descriptor(globalThis, k);
		const same = now !== undefined && now.value === d.value && now.get === d.get && now.set === d.set;
		if (!same && d.configurable !== false) defineProperty(globalThis, k, d);
		else if (!same && d.writable) globalThis[k] = d.value;
	}
}
realWriteSync(1, "GOJSWORKER " + JSON.stringify({ modules }) + "\n");

// Thrown by go.exit to unwind the module, as process.exit ends Node's runner at that point.
const EXITED = Symbol("exited");

function finish(code) {
	if (job === null || job.done) return;
	job.done = true;
	for (const t of job.timers) realClearTimeout(t);
	restoreGlobals();
	const out = Buffer.concat(job.out);
	const err = Buffer.concat(job.err);
	const head = Buffer.alloc(12);
	head.writeUInt32LE(MAGIC, 0);
	head.writeInt32LE(code, 4);
	head.writeUInt32LE(out.length, 8);
	const errLen = Buffer.alloc(4);
	errLen.writeUInt32LE(err.length, 0);
	writeAll(Buffer.concat([head, out, errLen, err]));
	setImmediate(next);
}

function writeAll(buf) {
	let off = 0;
	while (off < buf.length) {
		try {
			off += realWriteSync(1, buf, off, buf.length - off);
		} catch (e) {
			if (e.code !== "EAGAIN") throw e;
		}
	}
}

function readExactly(n) {
	const buf = Buffer.alloc(n);
	let off = 0;
	while (off < n) {
		let got;
		try {
			got = nodeFs.readSync(0, buf, off, n - off, null);
		} catch (e) {
			if (e.code === "EAGAIN") continue;
			if (e.code === "EOF") return null;
			throw e;
		}
		if (got === 0) return null;
		off += got;
	}
	return buf;
}

function next() {
	const len = readExactly(4);
	if (len === null) process.exit(0);
	const bytes = readExactly(len.readUInt32LE(0));
	if (bytes === null) process.exit(0);
	start(bytes);
}

function start(bytes) {
	const go = new globalThis.Go();
	job = { go, out: [], err: [], timers: new Set(), done: false, probed: false };
	go.argv = ["fuzz.wasm"];
	go.env = {};
	// process.exit's status: the low byte of the code, as the OS sees it.
	go.exit = (code) => {
		finish((code | 0) & 0xff);
		throw EXITED;
	};
	WebAssembly.instantiate(bytes, go.importObject)
		.then((result) => go.run(result.instance))
		.catch((err) => failed(err));
}

// What Node's runner does with an error that escapes the glue: print it, exit 1.
function failed(err) {
	if (err === EXITED || job === null || job.done) return;
	capture(2, Buffer.from(text([err])));
	finish(1);
}

process.on("uncaughtException", failed);
process.on("unhandledRejection", failed);
process.on("beforeExit", () => {
	if (job === null || job.done) return;
	const go = job.go;
	if (!go.exited && !job.probed) {
		// Node's runner, at exit with nothing left to do: the {id: 0} event makes a
		// deadlocked Go program report it and exit 2.
		job.probed = true;
		try {
			go._pendingEvent = { id: 0 };
			go._resume();
		} catch (e) {
			if (e !== EXITED) {
				failed(e);
				return;
			}
		}
	}
	finish(0);
});

next();
