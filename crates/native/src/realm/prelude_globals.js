// Globals a Go program reaches only through JS calls of its own: compiled the first time a
// program reads one of them (see prelude.js, which defines them as getters of this). `c`
// holds what they share with the prelude: its Uint8Array, the timer callbacks by id, its
// string encoder, and its loader of the parts compiled on first use.
(function (host, c) {
  "use strict";
  const g = globalThis;
  const { U8, timers, enc, load } = c;

  // util.format (format.js), compiled when console first prints.
  const fmt = (args) => load("format", U8)(args);
  const console = {
    log(...a) { host.write(1, enc(fmt(a) + "\n")); },
    info(...a) { host.write(1, enc(fmt(a) + "\n")); },
    debug(...a) { host.write(1, enc(fmt(a) + "\n")); },
    error(...a) { host.write(2, enc(fmt(a) + "\n")); },
    warn(...a) { host.write(2, enc(fmt(a) + "\n")); },
  };

  // Timers: callbacks live here, deadlines in the host's event loop. As in Node,
  // setTimeout and setInterval return a Timeout object whose primitive value is its id, and
  // clearTimeout/clearInterval take either.
  class Timeout {
    constructor(id, ms) { this._id = id; this._idleTimeout = ms; }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
    refresh() { return this; }
    close() { g.clearTimeout(this); return this; }
    [Symbol.toPrimitive]() { return this._id; }
  }
  function arm(cb, ms, args, repeat) {
    if (typeof cb !== "function") {
      throw new TypeError(`The "callback" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    }
    ms = Number(ms) || 0;
    const id = host.timer(ms);
    const t = new Timeout(id, ms);
    timers.set(id, { cb, args, repeat, t });
    return t;
  }
  function setTimeout(cb, ms, ...args) { return arm(cb, ms, args, false); }
  function setInterval(cb, ms, ...args) { return arm(cb, ms, args, true); }
  function clearTimeout(t) {
    const id = t instanceof Timeout ? t._id : t;
    if (timers.delete(id)) host.clearTimer(id);
  }
  const setImmediate = (cb, ...args) => g.setTimeout(cb, 0, ...args);
  const queueMicrotask = (cb) => { Promise.resolve().then(cb); };

  const performance = { now: () => host.now(), timeOrigin: host.timeOrigin() };
  const crypto = {
    getRandomValues(a) {
      if (!ArrayBuffer.isView(a)) throw new TypeError("The data argument must be an integer-type TypedArray");
      if (a.byteLength > 65536) {
        // Node's DOMException, in its words (Go before 1.21 asks for 1 MiB at once).
        const e = new Error("The requested length exceeds 65,536 bytes");
        e.name = "QuotaExceededError";
        e.code = 22;
        throw e;
      }
      new U8(a.buffer, a.byteOffset, a.byteLength).set(host.random(a.byteLength));
      return a;
    },
  };

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s = "") { return host.encode(String(s)); }
  }
  class TextDecoder {
    constructor(label = "utf-8") { this.encoding = String(label).toLowerCase(); }
    decode(b) {
      if (b === undefined) return "";
      if (b instanceof ArrayBuffer) b = new U8(b);
      else if (ArrayBuffer.isView(b) && !(b instanceof U8)) b = new U8(b.buffer, b.byteOffset, b.byteLength);
      return host.decode(b);
    }
  }

  return {
    console, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout, setImmediate,
    queueMicrotask, performance, crypto, TextEncoder, TextDecoder,
  };
})
