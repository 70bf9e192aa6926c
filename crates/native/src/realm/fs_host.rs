//! `host.fs`: the native functions behind prelude.js's `fs` and `process.cwd/chdir/umask`.
//!
//! Each function checks its arguments (a wrong type throws a `TypeError` or `RangeError`
//! at once, as Node's argument validation does), runs the operation of [`super::fs::Fs`]
//! and returns `[null, value]` or `[error, undefined]`, where `error` is
//! `{code, errno, message, syscall, path?, dest?}`; prelude.js turns that into Node's
//! `Error` and calls the callback on a later loop turn.

use std::rc::Rc;

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::{JsArray, JsUint8Array};
use boa_engine::property::Attribute;
use boa_engine::{Context, JsArgs, JsNativeError, JsObject, JsResult, JsString, JsValue};

use super::fs::{FsError, StatFields};
use super::host_object::{bytes_of, host_fn, type_error};
use super::shared::Shared;

fn range_error(msg: String) -> boa_engine::JsError {
    JsNativeError::range().with_message(msg).into()
}

/// A path argument: a string.
fn path_arg(v: &JsValue, name: &str) -> JsResult<String> {
    match v.as_string() {
        Some(s) => Ok(s.to_std_string_lossy()),
        None => Err(type_error(format!(
            "The \"{name}\" argument must be of type string. Received {}",
            v.type_of()
        ))),
    }
}

/// An integer argument in `lo..=hi`.
fn int_arg(v: &JsValue, name: &str, lo: f64, hi: f64) -> JsResult<f64> {
    let Some(n) = v.as_number() else {
        return Err(type_error(format!(
            "The \"{name}\" argument must be of type number. Received {}",
            v.type_of()
        )));
    };
    if n.fract() != 0.0 || !(lo..=hi).contains(&n) {
        return Err(range_error(format!(
            "The value of \"{name}\" is out of range. It must be an integer >= {lo} && <= {hi}. Received {n}"
        )));
    }
    Ok(n)
}

fn fd_arg(v: &JsValue) -> JsResult<i32> {
    int_arg(v, "fd", 0.0, 2147483647.0).map(|n| n as i32)
}

/// A mode: a number (or undefined for `default`), as Node's `parseFileMode`.
fn mode_arg(v: &JsValue, default: u32) -> JsResult<u32> {
    if v.is_undefined() || v.is_null() {
        return Ok(default);
    }
    int_arg(v, "mode", 0.0, 4294967295.0).map(|n| n as u32)
}

fn id_arg(v: &JsValue, name: &str) -> JsResult<u32> {
    int_arg(v, name, -1.0, 4294967295.0).map(|n| n as i64 as u32)
}

/// A file position: null, undefined or -1 for the current one.
fn position_arg(v: &JsValue) -> JsResult<Option<u64>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let n = int_arg(v, "position", -1.0, 9007199254740991.0)?;
    Ok((n >= 0.0).then_some(n as u64))
}

fn error_object(e: &FsError, ctx: &mut Context) -> JsValue {
    let mut o = ObjectInitializer::new(ctx);
    o.property(
        JsString::from("code"),
        JsString::from(e.errno.code()),
        Attribute::all(),
    )
    .property(
        JsString::from("errno"),
        e.errno.node_errno(),
        Attribute::all(),
    )
    .property(
        JsString::from("message"),
        JsString::from(e.message().as_str()),
        Attribute::all(),
    )
    .property(
        JsString::from("syscall"),
        JsString::from(e.syscall),
        Attribute::all(),
    );
    if let Some(p) = &e.path {
        o.property(
            JsString::from("path"),
            JsString::from(p.as_str()),
            Attribute::all(),
        );
    }
    if let Some(d) = &e.dest {
        o.property(
            JsString::from("dest"),
            JsString::from(d.as_str()),
            Attribute::all(),
        );
    }
    o.build().into()
}

/// `[null, value]` or `[error, undefined]`.
fn done<T>(
    r: Result<T, FsError>,
    ctx: &mut Context,
    value: impl FnOnce(T, &mut Context) -> JsResult<JsValue>,
) -> JsResult<JsValue> {
    let pair = match r {
        Ok(v) => [JsValue::null(), value(v, ctx)?],
        Err(e) => [error_object(&e, ctx), JsValue::undefined()],
    };
    Ok(JsArray::from_iter(pair, ctx).into())
}

fn unit(_: (), _: &mut Context) -> JsResult<JsValue> {
    Ok(JsValue::undefined())
}

fn stats(s: StatFields, ctx: &mut Context) -> JsResult<JsValue> {
    Ok(JsArray::from_iter(s.into_iter().map(JsValue::new), ctx).into())
}

/// The `host.fs` object.
pub fn build(ctx: &mut Context, shared: &Rc<Shared>) -> JsObject {
    type Op = fn(&Shared, &[JsValue], &mut Context) -> JsResult<JsValue>;
    let ops: &[(&str, Op)] = &[
        ("open", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let flags = int_arg(a.get_or_undefined(1), "flags", -2147483648.0, 2147483647.0)?;
            let mode = mode_arg(a.get_or_undefined(2), 0o666)?;
            let r = s.fs.borrow_mut().open(&path, flags as i32, mode);
            done(r, ctx, |fd, _| Ok(JsValue::new(fd)))
        }),
        ("close", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let r = s.fs.borrow_mut().close(fd);
            done(r, ctx, unit)
        }),
        ("read", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let len = int_arg(a.get_or_undefined(1), "length", 0.0, 2147483647.0)? as usize;
            let pos = position_arg(a.get_or_undefined(2))?;
            let r = s.fs.borrow_mut().read(fd, len, pos);
            done(r, ctx, |b, ctx| Ok(JsUint8Array::from_iter(b, ctx)?.into()))
        }),
        ("write", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let bytes = bytes_of(a.get_or_undefined(1), ctx)?;
            let pos = position_arg(a.get_or_undefined(2))?;
            let r = s.fs.borrow_mut().write(fd, &bytes, pos);
            done(r, ctx, |n, _| Ok(JsValue::new(n as f64)))
        }),
        ("fstat", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let r = s.fs.borrow().fstat(fd);
            done(r, ctx, stats)
        }),
        ("stat", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let r = s.fs.borrow().stat(&path, true);
            done(r, ctx, stats)
        }),
        ("lstat", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let r = s.fs.borrow().stat(&path, false);
            done(r, ctx, stats)
        }),
        ("readdir", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let r = s.fs.borrow().readdir(&path);
            done(r, ctx, |names, ctx| {
                let names = names
                    .into_iter()
                    .map(|n| JsValue::from(JsString::from(n.as_str())));
                Ok(JsArray::from_iter(names, ctx).into())
            })
        }),
        ("mkdir", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let mode = mode_arg(a.get_or_undefined(1), 0o777)?;
            let r = s.fs.borrow().mkdir(&path, mode);
            done(r, ctx, unit)
        }),
        ("rmdir", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let r = s.fs.borrow().rmdir(&path);
            done(r, ctx, unit)
        }),
        ("unlink", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let r = s.fs.borrow().unlink(&path);
            done(r, ctx, unit)
        }),
        ("rename", |s, a, ctx| {
            let from = path_arg(a.get_or_undefined(0), "oldPath")?;
            let to = path_arg(a.get_or_undefined(1), "newPath")?;
            let r = s.fs.borrow().rename(&from, &to);
            done(r, ctx, unit)
        }),
        ("link", |s, a, ctx| {
            let from = path_arg(a.get_or_undefined(0), "existingPath")?;
            let to = path_arg(a.get_or_undefined(1), "newPath")?;
            let r = s.fs.borrow().link(&from, &to);
            done(r, ctx, unit)
        }),
        ("symlink", |s, a, ctx| {
            let target = path_arg(a.get_or_undefined(0), "target")?;
            let path = path_arg(a.get_or_undefined(1), "path")?;
            let r = s.fs.borrow().symlink(&target, &path);
            done(r, ctx, unit)
        }),
        ("readlink", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let r = s.fs.borrow().readlink(&path);
            done(r, ctx, |t, _| Ok(JsString::from(t.as_str()).into()))
        }),
        ("chmod", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let mode = mode_arg(a.get_or_undefined(1), 0)?;
            let r = s.fs.borrow().chmod(&path, mode);
            done(r, ctx, unit)
        }),
        ("fchmod", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let mode = mode_arg(a.get_or_undefined(1), 0)?;
            let r = s.fs.borrow().fchmod(fd, mode);
            done(r, ctx, unit)
        }),
        ("chown", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let uid = id_arg(a.get_or_undefined(1), "uid")?;
            let gid = id_arg(a.get_or_undefined(2), "gid")?;
            let r = s.fs.borrow().chown(&path, uid, gid, true);
            done(r, ctx, unit)
        }),
        ("lchown", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let uid = id_arg(a.get_or_undefined(1), "uid")?;
            let gid = id_arg(a.get_or_undefined(2), "gid")?;
            let r = s.fs.borrow().chown(&path, uid, gid, false);
            done(r, ctx, unit)
        }),
        ("fchown", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let uid = id_arg(a.get_or_undefined(1), "uid")?;
            let gid = id_arg(a.get_or_undefined(2), "gid")?;
            let r = s.fs.borrow().fchown(fd, uid, gid);
            done(r, ctx, unit)
        }),
        ("utimes", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let at = a.get_or_undefined(1).to_number(ctx)?;
            let mt = a.get_or_undefined(2).to_number(ctx)?;
            let r = s.fs.borrow().utimes(&path, at, mt);
            done(r, ctx, unit)
        }),
        ("futimes", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let at = a.get_or_undefined(1).to_number(ctx)?;
            let mt = a.get_or_undefined(2).to_number(ctx)?;
            let r = s.fs.borrow().futimes(fd, at, mt);
            done(r, ctx, unit)
        }),
        ("truncate", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "path")?;
            let len = len_arg(a.get_or_undefined(1))?;
            let r = s.fs.borrow().truncate(&path, len);
            done(r, ctx, unit)
        }),
        ("ftruncate", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let len = len_arg(a.get_or_undefined(1))?;
            let r = s.fs.borrow().ftruncate(fd, len);
            done(r, ctx, unit)
        }),
        ("fsync", |s, a, ctx| {
            let fd = fd_arg(a.get_or_undefined(0))?;
            let r = s.fs.borrow().fsync(fd);
            done(r, ctx, unit)
        }),
        ("cwd", |s, _, _| {
            Ok(JsString::from(s.fs.borrow().sandbox.cwd().as_str()).into())
        }),
        ("chdir", |s, a, ctx| {
            let path = path_arg(a.get_or_undefined(0), "directory")?;
            let mut fs = s.fs.borrow_mut();
            let cwd = fs.sandbox.cwd();
            let r = fs.sandbox.chdir(&path).map_err(|errno| FsError {
                errno,
                syscall: "chdir",
                path: Some(cwd),
                dest: Some(path.clone()),
            });
            drop(fs);
            done(r, ctx, unit)
        }),
        ("umask", |s, a, _| {
            let v = a.get_or_undefined(0);
            let mask = if v.is_undefined() {
                None
            } else {
                Some(mode_arg(v, 0)?)
            };
            Ok(JsValue::new(s.fs.borrow_mut().umask(mask)))
        }),
    ];
    let fns: Vec<_> = ops
        .iter()
        .map(|&(name, op)| (name, host_fn(shared, op)))
        .collect();
    let mut init = ObjectInitializer::new(ctx);
    for (name, f) in fns {
        init.function(f, JsString::from(name), 0);
    }
    init.build()
}

/// A length for truncate: undefined is 0 and negative lengths are 0, as in Node.
fn len_arg(v: &JsValue) -> JsResult<i64> {
    if v.is_undefined() || v.is_null() {
        return Ok(0);
    }
    int_arg(v, "len", -9007199254740991.0, 9007199254740991.0).map(|n| n.max(0.0) as i64)
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use boa_engine::Source;

    use crate::realm::fs::Fs;
    use crate::realm::sandbox::{Grant, Sandbox};
    use crate::realm::shared::Shared;
    use crate::realm::{JsHost, RealmConfig};

    /// Evaluate `js` in a realm whose fs reaches only `dir`; the result as a string.
    fn eval(dir: &std::path::Path, js: &str) -> String {
        let shared = Rc::new(Shared::new(true, 1 << 20, true, 1));
        let top = std::fs::canonicalize(dir).unwrap();
        let top = top.to_str().unwrap();
        let g = Grant::new(dir, top).unwrap();
        *shared.fs.borrow_mut() = Fs::new(Sandbox::new(vec![g], top), false);
        let cfg = RealmConfig::from_process(vec![], Default::default(), top.to_string());
        let mut host = JsHost::new(shared, &cfg).unwrap();
        let v = host.ctx.eval(Source::from_bytes(js)).unwrap();
        v.to_string(&mut host.ctx).unwrap().to_std_string_lossy()
    }

    #[test]
    fn bad_guest_arguments_throw_at_once() {
        let d = tempfile::tempdir().unwrap();
        let out = eval(
            d.path(),
            r#"
            const cb = () => {};
            const b = new Uint8Array(4);
            const calls = [
              () => fs.read(-1, b, 0, 1, null, cb),
              () => fs.read(3, b, 0, 5, null, cb),
              () => fs.read(3, b, 5, 0, null, cb),
              () => fs.read(3, {}, 0, 1, null, cb),
              () => fs.read(2 ** 40, b, 0, 1, null, cb),
              () => fs.write(3, b, 0, 1, -5, cb),
              () => fs.write(3, b, 0, 1, 1.5, cb),
              () => fs.open(42, 0, 0, cb),
              () => fs.open("x", 0.5, 0, cb),
              () => fs.ftruncate(3, NaN, cb),
              () => fs.chmod("x", -1, cb),
              () => fs.stat("x"),
              () => fs.close(3, cb),
              () => fs.read(3, b, 0, 1, null, cb),
              () => fs.stat("/etc/passwd", cb),
            ];
            calls.map((f) => { try { f(); return "ok"; } catch (e) { return e.name; } }).join(" ")
            "#,
        );
        assert_eq!(
            out,
            "RangeError RangeError RangeError TypeError RangeError RangeError RangeError \
             TypeError RangeError RangeError RangeError TypeError ok ok ok"
        );
    }

    #[test]
    fn cwd_chdir_and_umask() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let out = eval(
            d.path(),
            r#"
            const top = process.cwd();
            process.chdir("sub");
            const r = [process.cwd() === top + "/sub", path.resolve("x") === top + "/sub/x"];
            try { process.chdir("/"); } catch (e) { r.push(e.code, e.syscall, e.dest); }
            try { process.chdir("nope"); } catch (e) { r.push(e.code); }
            r.push(process.umask(0o77), process.umask());
            r.join(" ")
            "#,
        );
        assert_eq!(out, "true true EACCES chdir / ENOENT 18 63");
    }
}
