// Node-like globals for Go js/wasm programs, built on the native `__host` object.
// Evaluated once per run, before the module starts. `__cfg` holds argv/env/cwd/ids.
(function (host, cfg) {
  "use strict";
  const g = globalThis;
  const U8 = Uint8Array, U8C = Uint8ClampedArray;

  // The parts of the prelude compiled on first use (host.load: format.js, prelude_fs.js,
  // prelude_globals.js), each called once with `args`; what they return, by name.
  const loaded = new Map();
  function load(name, ...args) {
    if (!loaded.has(name)) loaded.set(name, host.load(name)(...args));
    return loaded.get(name);
  }

  const enc = (s) => host.encode(String(s));
  // Timer callbacks, by id: the host's event loop holds the deadlines and calls runTimer.
  const timers = new Map();

  // Globals a Go program reaches only through JS calls of its own (console, the timer
  // functions, performance, crypto, TextEncoder, TextDecoder): their source
  // (prelude_globals.js) is compiled the first time one of them is read, which a hello world
  // never does. A realm reused from program to program (cfg.eagerGlobals) builds them at
  // once, as data properties: a reset's fingerprint never calls a getter, so an object built
  // behind one could be changed unseen.
  const extras = () => load("globals", host, { U8, timers, enc, load });
  for (const name of ["console", "setTimeout", "setInterval", "clearTimeout", "clearInterval",
    "setImmediate", "queueMicrotask", "performance", "crypto", "TextEncoder", "TextDecoder"]) {
    if (cfg.eagerGlobals) {
      g[name] = extras()[name];
      continue;
    }
    Object.defineProperty(g, name, {
      get() { return extras()[name]; },
      set(v) { Object.defineProperty(g, name, { value: v, writable: true, enumerable: true, configurable: true }); },
      enumerable: true,
      configurable: true,
    });
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
    umask: (mask) => host.fs.umask(mask),
    cwd: () => host.fs.cwd(),
    chdir(dir) {
      const r = host.fs.chdir(dir);
      if (r[0] !== null) throw fsError(r[0]);
    },
    exit(code) { host.exit(code === undefined ? 0 : Number(code) | 0); },
    hrtime: Object.assign(() => { const t = host.now(); return [Math.floor(t / 1000), Math.floor((t % 1000) * 1e6)]; }, {
      bigint: () => BigInt(Math.floor(host.now() * 1e6)),
    }),
    nextTick(cb, ...args) { Promise.resolve().then(() => cb(...args)); },
    stdout: { write(s) { host.write(1, typeof s === "string" ? enc(s) : s); return true; } },
    stderr: { write(s) { host.write(2, typeof s === "string" ? enc(s) : s); return true; } },
  };
  g.process = proc;

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
  const hfs = host.fs;
  // Node's error object from the host's {code, errno, message, syscall, path?, dest?}.
  function fsError(d) {
    const e = new Error(d.message);
    e.errno = d.errno;
    e.code = d.code;
    e.syscall = d.syscall;
    if (d.path !== undefined) e.path = d.path;
    if (d.dest !== undefined) e.dest = d.dest;
    return e;
  }
  function checkCb(cb) {
    if (typeof cb !== "function") {
      throw new TypeError(`The "cb" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    }
  }
  function bufferArgs(buf, offset, length) {
    if (!ArrayBuffer.isView(buf)) {
      throw new TypeError("The \"buffer\" argument must be an instance of Buffer, TypedArray, or DataView.");
    }
    offset = offset === undefined || offset === null ? 0 : offset;
    length = length === undefined || length === null ? buf.byteLength - offset : length;
    if (!Number.isInteger(offset) || offset < 0 || offset > buf.byteLength) {
      throw new RangeError(`The value of "offset" is out of range. It must be >= 0 && <= ${buf.byteLength}. Received ${offset}`);
    }
    if (!Number.isInteger(length) || length < 0 || length > buf.byteLength - offset) {
      throw new RangeError(`The value of "length" is out of range. It must be >= 0 && <= ${buf.byteLength - offset}. Received ${length}`);
    }
    return new U8(buf.buffer, buf.byteOffset + offset, length);
  }
  // fd 1 and 2 go to the program's output; other descriptors to the host's table.
  function writeNow(fd, view, position) {
    if (fd === 1 || fd === 2) {
      host.write(fd, view);
      return [null, view.length];
    }
    return hfs.write(fd, view, position);
  }
  const fs = {
    constants,
    writeSync(fd, buf, offset, length, position) {
      if (typeof buf === "string") buf = enc(buf);
      const r = writeNow(fd, bufferArgs(buf, offset, length), position);
      if (r[0] !== null) throw fsError(r[0]);
      return r[1];
    },
    write(fd, buf, offset, length, position, cb) {
      checkCb(cb);
      const r = writeNow(fd, bufferArgs(buf, offset, length), position);
      // Node's callback also gets the count and the buffer; Go's fsCall reads only the count.
      if (r[0] !== null) later(cb, fsError(r[0]), 0, buf);
      else later(cb, null, r[1], buf);
    },
  };
  // The rest of fs and path (prelude_fs.js) is compiled the first time a program calls one of
  // them: a hello world never does, and parsing it was a fifth of every run's start.
  const more = () => load("fs", host, { later, fsError, checkCb, bufferArgs });
  const deferred = (obj, name) => function (...args) { return more()[obj][name].apply(this, args); };
  for (const name of ["read", "open", "close", "fstat", "stat", "lstat", "readdir", "mkdir", "rmdir",
    "unlink", "rename", "link", "symlink", "readlink", "chmod", "fchmod", "chown", "fchown",
    "lchown", "utimes", "futimes", "truncate", "ftruncate", "fsync"]) {
    fs[name] = deferred("fs", name);
  }
  g.fs = fs;
  g.path = { sep: "/", resolve: deferred("path", "resolve"), join: deferred("path", "join") };

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
