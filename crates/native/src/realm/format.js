// A small util.inspect / util.format, enough for what programs print through console.
// Compiled the first time a program prints through console (most Go programs never do),
// keeping its parse out of every run's start. The prelude's `Uint8Array` comes as `U8`.
(function (U8) {
  "use strict";
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
  return fmt;
})
