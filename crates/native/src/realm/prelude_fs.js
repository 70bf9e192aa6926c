// The part of the realm's fs and path a program reaches only when it touches files (see
// prelude.js, which defers to it): compiled the first time a program calls one of them.
// `c` holds the prelude's helpers this part shares.
(function (host, c) {
  "use strict";
  const { later, fsError, checkCb, bufferArgs } = c;
  const hfs = host.fs;

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

  const fs = {
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

  function normalize(p) {
    const out = [];
    for (const seg of p.split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") out.pop();
      else out.push(seg);
    }
    return "/" + out.join("/");
  }
  const path = {
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


  return { fs, path };
})
