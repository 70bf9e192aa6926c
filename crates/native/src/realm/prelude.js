// Node-like globals for Go js/wasm programs, built on the native `__host` object.
// Evaluated once per run, before the module starts. `__cfg` holds argv/env/cwd/ids.
(function (host, cfg) {
  "use strict";
  const g = globalThis;
  const U8 = Uint8Array, U8C = Uint8ClampedArray;

  // util.format (format.js), compiled when console first prints.
  let format = null;
  function fmt(args) {
    if (format === null) format = host.format()(U8);
    return format(args);
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
      if (!p.startsWith("/")) p = host.fs.cwd() + (p === "" ? "" : "/" + p);
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
  // Run host operation `name` now and deliver its result to `cb` later.
  function op(name, args, cb, wrap) {
    checkCb(cb);
    const r = hfs[name](...args);
    if (r[0] !== null) later(cb, fsError(r[0]));
    // Calls with no result pass the callback only the null error, as Node does.
    else if (r[1] === undefined) later(cb, null);
    else later(cb, null, wrap ? wrap(r[1]) : r[1]);
  }
  class Stats {
    constructor(f) {
      [this.dev, this.ino, this.mode, this.nlink, this.uid, this.gid, this.rdev, this.size,
        this.blksize, this.blocks, this.atimeMs, this.mtimeMs, this.ctimeMs, this.birthtimeMs] = f;
      this.atime = new Date(this.atimeMs);
      this.mtime = new Date(this.mtimeMs);
      this.ctime = new Date(this.ctimeMs);
      this.birthtime = new Date(this.birthtimeMs);
    }
    isDirectory() { return (this.mode & 61440) === 16384; }
    isFile() { return (this.mode & 61440) === 32768; }
    isSymbolicLink() { return (this.mode & 61440) === 40960; }
    isCharacterDevice() { return (this.mode & 61440) === 8192; }
    isBlockDevice() { return (this.mode & 61440) === 24576; }
    isFIFO() { return (this.mode & 61440) === 4096; }
    isSocket() { return (this.mode & 61440) === 49152; }
  }
  const toStats = (f) => new Stats(f);
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
    read(fd, buf, offset, length, position, cb) {
      checkCb(cb);
      const view = bufferArgs(buf, offset, length);
      const r = hfs.read(fd, view.length, position);
      if (r[0] !== null) { later(cb, fsError(r[0]), 0, buf); return; }
      view.set(r[1]);
      later(cb, null, r[1].length, buf);
    },
    open(path, flags, mode, cb) {
      if (typeof flags === "function") { cb = flags; flags = 0; mode = undefined; }
      else if (typeof mode === "function") { cb = mode; mode = undefined; }
      op("open", [path, flags === undefined ? 0 : flags, mode], cb);
    },
    close(fd, cb) { op("close", [fd], cb); },
    fstat(fd, cb) { op("fstat", [fd], typeof cb === "function" ? cb : arguments[2], toStats); },
    stat(path, cb) { op("stat", [path], typeof cb === "function" ? cb : arguments[2], toStats); },
    lstat(path, cb) { op("lstat", [path], typeof cb === "function" ? cb : arguments[2], toStats); },
    readdir(path, cb) { op("readdir", [path], typeof cb === "function" ? cb : arguments[2]); },
    mkdir(path, mode, cb) {
      if (typeof mode === "function") { cb = mode; mode = undefined; }
      if (mode !== null && typeof mode === "object") mode = mode.mode;
      op("mkdir", [path, mode], cb);
    },
    rmdir(path, cb) { op("rmdir", [path], typeof cb === "function" ? cb : arguments[2]); },
    unlink(path, cb) { op("unlink", [path], cb); },
    rename(from, to, cb) { op("rename", [from, to], cb); },
    link(from, to, cb) { op("link", [from, to], cb); },
    symlink(target, path, type, cb) {
      if (typeof type === "function") cb = type;
      op("symlink", [target, path], cb);
    },
    readlink(path, cb) { op("readlink", [path], typeof cb === "function" ? cb : arguments[2]); },
    chmod(path, mode, cb) { op("chmod", [path, mode], cb); },
    fchmod(fd, mode, cb) { op("fchmod", [fd, mode], cb); },
    chown(path, uid, gid, cb) { op("chown", [path, uid, gid], cb); },
    fchown(fd, uid, gid, cb) { op("fchown", [fd, uid, gid], cb); },
    lchown(path, uid, gid, cb) { op("lchown", [path, uid, gid], cb); },
    utimes(path, atime, mtime, cb) { op("utimes", [path, Number(atime), Number(mtime)], cb); },
    futimes(fd, atime, mtime, cb) { op("futimes", [fd, Number(atime), Number(mtime)], cb); },
    truncate(path, len, cb) {
      if (typeof len === "function") { cb = len; len = 0; }
      op("truncate", [path, len], cb);
    },
    ftruncate(fd, len, cb) {
      if (typeof len === "function") { cb = len; len = 0; }
      op("ftruncate", [fd, len], cb);
    },
    fsync(fd, cb) { op("fsync", [fd], cb); },
  };
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
