//! The small native `host` object the prelude's globals are built on: output, timers, files,
//! the clock, randomness, the process's exit.
use std::rc::Rc;

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsUint8Array;
use boa_engine::property::Attribute;
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};

use super::keys::utf8_lossy;
use super::shared::{Shared, TimerKind};
use super::{fs_host, reentry};

/// Parts of the prelude compiled on first use (`host.load(name)`), by name: most programs
/// never reach them, and boa parses every nested function of a source up front.
const DEFERRED: [(&str, &str); 3] = [
    // util.format, when a program first prints through console.
    ("format", include_str!("format.js")),
    // fs and path as a program reaches them only when it touches files.
    ("fs", include_str!("prelude_fs.js")),
    // The globals a Go program reaches only through JS calls of its own.
    ("globals", include_str!("prelude_globals.js")),
];

pub(super) fn type_error(msg: impl Into<String>) -> JsError {
    JsNativeError::typ().with_message(msg.into()).into()
}

pub(super) fn bytes_of(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<u8>> {
    let obj = v
        .as_object()
        .ok_or_else(|| type_error("expected a Uint8Array"))?;
    JsUint8Array::from_object(obj)?.to_vec(ctx)
}

pub(super) fn host_fn(
    shared: &Rc<Shared>,
    f: impl Fn(&Shared, &[JsValue], &mut Context) -> JsResult<JsValue> + 'static,
) -> NativeFunction {
    let shared = shared.clone();
    // SAFETY: the closure captures only an `Rc<Shared>`, which holds no garbage-collected
    // values, so nothing it captures needs tracing.
    unsafe { NativeFunction::from_closure(move |_this, args, ctx| f(&shared, args, ctx)) }
}

/// Node's timer delay: below 1 ms or above 2^31-1 ms (or not a number) it is 1 ms; I/O
/// completions (`immediate`) wait for none.
fn timer_delay_us(ms: f64, immediate: bool) -> u64 {
    let ms = if immediate {
        0.0
    } else if ms.is_nan() || !(1.0..=2147483647.0).contains(&ms) {
        1.0
    } else {
        ms.trunc()
    };
    (ms * 1000.0) as u64
}

pub(super) fn build_host_object(ctx: &mut Context, shared: &Rc<Shared>) -> JsObject {
    let write = host_fn(shared, |s, args, ctx| {
        let fd = args.get_or_undefined(0).to_number(ctx)?;
        let bytes = bytes_of(args.get_or_undefined(1), ctx)?;
        let r = s.out.borrow_mut().write(fd as i64, &bytes);
        match r {
            Ok(()) => Ok(JsValue::undefined()),
            Err(e) => Err(JsNativeError::error().with_message(e).into()),
        }
    });
    let encode = host_fn(shared, |_, args, ctx| {
        let s = args.get_or_undefined(0).to_string(ctx)?;
        Ok(JsUint8Array::from_iter(utf8_lossy(&s).into_bytes(), ctx)?.into())
    });
    let decode = host_fn(shared, |_, args, ctx| {
        let b = bytes_of(args.get_or_undefined(0), ctx)?;
        Ok(JsString::from(String::from_utf8_lossy(&b).as_ref()).into())
    });
    let timer = host_fn(shared, |s, args, ctx| {
        let ms = args.get_or_undefined(0).to_number(ctx)?;
        let due = s.clock.now_us() + timer_delay_us(ms, args.get_or_undefined(1).to_boolean());
        Ok(JsValue::new(s.timers.borrow_mut().add_js(due)))
    });
    let rearm = host_fn(shared, |s, args, ctx| {
        let id = args.get_or_undefined(0).to_number(ctx)? as i32;
        let ms = args.get_or_undefined(1).to_number(ctx)?;
        let due = s.clock.now_us() + timer_delay_us(ms, false);
        s.timers.borrow_mut().rearm_js(id, due);
        Ok(JsValue::undefined())
    });
    let clear_timer = host_fn(shared, |s, args, ctx| {
        let id = args.get_or_undefined(0).to_number(ctx)?;
        s.timers.borrow_mut().clear(TimerKind::Js(id as i32));
        Ok(JsValue::undefined())
    });
    let now = host_fn(shared, |s, _, _| Ok(JsValue::new(s.clock.now_ms())));
    let origin = host_fn(shared, |s, _, _| Ok(JsValue::new(s.clock.origin_ms())));
    let random = host_fn(shared, |s, args, ctx| {
        let n = args.get_or_undefined(0).to_number(ctx)?;
        if !(0.0..=65536.0).contains(&n) {
            return Err(JsNativeError::range()
                .with_message("The requested length exceeds 65,536 bytes")
                .into());
        }
        let mut buf = vec![0u8; n as usize];
        s.rng.borrow_mut().fill(&mut buf);
        Ok(JsUint8Array::from_iter(buf, ctx)?.into())
    });
    let exit = host_fn(shared, |s, args, ctx| {
        let code = args.get_or_undefined(0).to_number(ctx)?;
        s.exit.set(Some(code as i32));
        Err(JsNativeError::error()
            .with_message("process.exit called")
            .into())
    });
    let values_length = host_fn(shared, |s, _, _| Ok(JsValue::new(s.table_len.get() as f64)));
    let resume = host_fn(shared, |s, _, ctx| {
        s.trace_event("resume");
        match reentry::resume(ctx) {
            None => Err(JsNativeError::error()
                .with_message("Go is not running (no resume possible here)")
                .into()),
            Some(Ok(())) => Ok(JsValue::undefined()),
            Some(Err(e)) => {
                let msg = if s.exit.get().is_some() {
                    "Go program has exited".to_string()
                } else {
                    format!("{e:#}")
                };
                if s.exit.get().is_none() {
                    let mut f = s.fatal.borrow_mut();
                    if f.is_none() {
                        *f = Some(e);
                    }
                }
                Err(JsNativeError::error().with_message(msg).into())
            }
        }
    });
    let load = NativeFunction::from_fn_ptr(|_, args, ctx| {
        let name = args.first().cloned().unwrap_or_default().to_string(ctx)?;
        let name = name.to_std_string_lossy();
        let Some((_, source)) = DEFERRED.iter().find(|(n, _)| *n == name) else {
            return Err(type_error(format!("no deferred prelude part {name}")));
        };
        ctx.eval(boa_engine::Source::from_bytes(source))
    });
    let fs = fs_host::build(ctx, shared);
    let mut init = ObjectInitializer::new(ctx);
    init.property(JsString::from("fs"), fs, Attribute::all());
    init.function(write, JsString::from("write"), 2)
        .function(encode, JsString::from("encode"), 1)
        .function(decode, JsString::from("decode"), 1)
        .function(timer, JsString::from("timer"), 1)
        .function(clear_timer, JsString::from("clearTimer"), 1)
        .function(rearm, JsString::from("rearm"), 2)
        .function(now, JsString::from("now"), 0)
        .function(origin, JsString::from("timeOrigin"), 0)
        .function(random, JsString::from("random"), 1)
        .function(exit, JsString::from("exit"), 1)
        .function(values_length, JsString::from("valuesLength"), 0)
        .function(resume, JsString::from("resume"), 0)
        .function(load, JsString::from("load"), 1);
    init.build()
}
