// Node-like globals for Go js/wasm programs, built on the native `__host` object.
// Evaluated once per run, before the module starts. `__cfg` holds argv/env/cwd/ids.
(function (host, cfg) {
  "use strict";
  const g = globalThis;
  const U8 = Uint8Array, U8C = Uint8ClampedArray;

  // A small util.inspect / util.format, enough for what programs print through console.
  function inspect(v, depth, seen) {
    switch (typeof v) {
      case "string": return depth === 0 ? v : "'" + v.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'";
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "bigint": return String(v) + "n";
      case "symbol": return v.toString();
      case "undefined": return "undefined";
      case "boolean": return String(v);
      case "function": return v.name ? "[Function: " + v.name + "]" : "[Function (anonymous)]";
    }
    if (v === null) return "null";
    if (v instanceof Error) return v.stack ? String(v.stack).split("\n")[0] === String(v) ? String(v.stack) : String(v) + "\n" + v.stack : String(v);
    if (seen.includes(v)) return "[Circular *1]";
    if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
    const next = seen.concat([v]);
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return "[ " + Array.prototype.map.call(v, (x) => inspect(x, depth + 1, next)).join(", ") + " ]";
    }
    if (v instanceof U8) return "Uint8Array(" + v.length + ") [" + (v.length ? " " + Array.prototype.join.call(v, ", ") + " " : "") + "]";
    if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    const keys = Object.keys(v);
    const ctor = v.constructor && v.constructor !== Object && v.constructor.name ? v.constructor.name + " " : "";
    if (keys.length === 0) return ctor + "{}";
    const key = (k) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : inspect(k, 1, next);
    return ctor + "{ " + keys.map((k) => key(k) + ": " + inspect(v[k], depth + 1, next)).join(", ") + " }";
  }
  function fmt(args) {
    args = Array.prototype.slice.call(args);
    let out = [];
    if (typeof args[0] === "string" && args.length > 1 && args[0].includes("%")) {
      let rest = args.slice(1);
      const first = args[0].replace(/%([sdifjoO%])/g, (m, c) => {
        if (c === "%") return "%";
        if (rest.length === 0) return m;
        const a = rest.shift();
        switch (c) {
          case "s": return typeof a === "string" ? a : inspect(a, 1, []);
          case "d": case "i": return typeof a === "object" ? "NaN" : String(c === "i" ? Math.trunc(Number(a)) : Number(a));
          case "f": return String(parseFloat(a));
          case "j": try { return JSON.stringify(a); } catch (e) { return "[Circular]"; }
          default: return inspect(a, 1, []);
        }
      });
      out.push(first);
      args = rest;
    } else if (args.length > 0) {
      out.push(inspect(args.shift(), 0, []));
    }
    for (const a of args) out.push(inspect(a, 0, []));
    return out.join(" ");
  }
  const enc = (s) => host.encode(String(s));
  g.console = {
    log(...a) { host.write(1, enc(fmt(a) + "\n")); },
    info(...a) { host.write(1, enc(fmt(a) + "\n")); },
    debug(...a) { host.write(1, enc(fmt(a) + "\n")); },
    error(...a) { host.write(2, enc(fmt(a) + "\n")); },
    warn(...a) { host.write(2, enc(fmt(a) + "\n")); },
  };

  // Timers: callbacks live here, deadlines in the host's event loop. As in Node,
  // setTimeout and setInterval return a Timeout object whose primitive value is its id, and
  // clearTimeout/clearInterval take either.
  const timers = new Map();
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
  g.setTimeout = function setTimeout(cb, ms, ...args) { return arm(cb, ms, args, false); };
  g.setInterval = function setInterval(cb, ms, ...args) { return arm(cb, ms, args, true); };
  g.clearTimeout = function clearTimeout(t) {
    const id = t instanceof Timeout ? t._id : t;
    if (timers.delete(id)) host.clearTimer(id);
  };
  g.clearInterval = g.clearTimeout;
  g.setImmediate = (cb, ...args) => g.setTimeout(cb, 0, ...args);
  g.queueMicrotask = (cb) => { Promise.resolve().then(cb); };

  g.performance = { now: () => host.now(), timeOrigin: host.timeOrigin() };
  g.crypto = {
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
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;

  function enosysError(name) {
    const e = new Error(name + ": function not implemented");
    e.code = "ENOSYS";
    e.errno = -38;
    e.syscall = name;
    return e;
  }

  const proc = {
    argv: cfg.argv.slice(),
    argv0: "node",
    env: Object.assign({}, cfg.env),
    pid: cfg.pid,
    ppid: cfg.ppid,
    platform: "linux",
    version: "v20.20.2",
    versions: { node: "20.20.2" },
    exitCode: undefined,
    getuid: () => cfg.uid,
    getgid: () => cfg.gid,
    geteuid: () => cfg.euid,
    getegid: () => cfg.egid,
    getgroups: () => cfg.groups.slice(),
    umask: () => 0o22,
    cwd: () => cfg.cwd,
    chdir() { throw enosysError("chdir"); },
    exit(code) { host.exit(code === undefined ? 0 : Number(code) | 0); },
    hrtime: Object.assign(() => { const t = host.now(); return [Math.floor(t / 1000), Math.floor((t % 1000) * 1e6)]; }, {
      bigint: () => BigInt(Math.floor(host.now() * 1e6)),
    }),
    nextTick(cb, ...args) { Promise.resolve().then(() => cb(...args)); },
    stdout: { write(s) { host.write(1, typeof s === "string" ? enc(s) : s); return true; } },
    stderr: { write(s) { host.write(2, typeof s === "string" ? enc(s) : s); return true; } },
  };
  g.process = proc;

  function normalize(p) {
    const out = [];
    for (const seg of p.split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") out.pop();
      else out.push(seg);
    }
    return "/" + out.join("/");
  }
  g.path = {
    sep: "/",
    resolve(...segs) {
      let p = "";
      for (let i = segs.length - 1; i >= 0 && !p.startsWith("/"); i--) {
        const s = String(segs[i]);
        if (s === "") continue;
        p = p === "" ? s : s + "/" + p;
      }
      if (!p.startsWith("/")) p = cfg.cwd + (p === "" ? "" : "/" + p);
      return normalize(p);
    },
    join(...segs) { return segs.filter((s) => s !== "").join("/") || "."; },
  };

  const constants = {
    O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_NOCTTY: 256, O_TRUNC: 512,
    O_APPEND: 1024, O_DIRECTORY: 65536, O_NOATIME: 262144, O_NOFOLLOW: 131072, O_SYNC: 1052672,
    O_DSYNC: 4096, O_DIRECT: 16384, O_NONBLOCK: 2048,
    S_IFMT: 61440, S_IFREG: 32768, S_IFDIR: 16384, S_IFCHR: 8192, S_IFBLK: 24576, S_IFIFO: 4096,
    S_IFLNK: 40960, S_IFSOCK: 49152,
    F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  };
  // Completion callbacks run on the next loop turn with no timer delay, as Node's I/O
  // callbacks do.
  function later(cb, ...args) {
    const id = host.timer(0, true);
    timers.set(id, { cb, args, repeat: false });
  }
  function writeOut(fd, buf, offset, length) {
    if (fd !== 1 && fd !== 2) return -1;
    const b = new U8(buf.buffer, buf.byteOffset + offset, length);
    host.write(fd, b);
    return length;
  }
  const fs = {
    constants,
    writeSync(fd, buf, offset, length) {
      if (typeof buf === "string") buf = enc(buf);
      offset = offset === undefined ? 0 : offset;
      length = length === undefined ? buf.length - offset : length;
      const n = writeOut(fd, buf, offset, length);
      if (n < 0) throw enosysError("write");
      return n;
    },
    write(fd, buf, offset, length, position, cb) {
      const n = writeOut(fd, buf, offset, length);
      if (n < 0) later(cb, enosysError("write"));
      // Node's callback also gets the buffer; Go's fsCall reads only the count.
      else later(cb, null, n, buf);
    },
    fsync(fd, cb) { later(cb, null); },
  };
  for (const name of ["open", "close", "mkdir", "readdir", "stat", "lstat", "fstat", "unlink", "rmdir",
    "chmod", "fchmod", "chown", "fchown", "lchown", "utimes", "futimes", "rename", "truncate", "ftruncate",
    "readlink", "link", "symlink", "read"]) {
    fs[name] = function (...args) {
      const cb = args[args.length - 1];
      if (typeof cb === "function") later(cb, enosysError(name));
    };
  }
  g.fs = fs;

  // The Go instance object (ref id 6).
  const go = {
    argv: cfg.argv.slice(1),
    env: cfg.env,
    exited: false,
    _pendingEvent: null,
    _values: { get length() { return host.valuesLength(); } },
    _resume() {
      if (this.exited) throw new Error("Go program has already exited");
      host.resume();
      if (this.exited && this._exitPromiseResolve) this._exitPromiseResolve();
    },
    _makeFuncWrapper(id) {
      const go = this;
      return function () {
        const event = { id: id, this: this, args: arguments };
        go._pendingEvent = event;
        go._resume();
        return event.result;
      };
    },
    exit(code) { host.exit(code); },
  };

  // Operations the ABI needs, with the glue's exact semantics.
  const helpers = {
    go,
    get: Reflect.get,
    set: Reflect.set,
    del: Reflect.deleteProperty,
    apply: Reflect.apply,
    construct: Reflect.construct,
    instanceOf: (a, b) => a instanceof b,
    length: (v) => parseInt(v.length),
    str: (v) => String(v),
    view: (v, max) => (v instanceof U8 || v instanceof U8C) ? new U8(v.buffer, v.byteOffset, Math.min(v.length, max)) : undefined,
    copyTo(dst, src) {
      if (!(dst instanceof U8 || dst instanceof U8C)) return -1;
      const t = src.subarray(0, dst.length);
      dst.set(t);
      return t.length;
    },
    describe(e) {
      try {
        if (e instanceof Error) return String(e);
        if (typeof e === "string") return e;
        return "Uncaught " + String(e);
      } catch (x) {
        return "Uncaught exception (unprintable)";
      }
    },
    deadlock() { go._pendingEvent = { id: 0 }; },
    runTimer(id) {
      const t = timers.get(id);
      if (t === undefined) return;
      if (t.repeat) {
        // The next round is armed before the callback runs, which may clear it.
        host.rearm(id, t.t._idleTimeout);
      } else {
        timers.delete(id);
      }
      if (typeof t.cb === "function") t.cb.apply(t.t, t.args);
    },
  };
  return helpers;
})
