//! The JS realm of the native host: boa, with the globals a Go program meets under Node.
//!
//! * [`shared`]: host state the globals and the imports share (output, timers, clock, rng).
//! * [`reentry`]: how a `FuncOf` wrapper resumes Go from inside an import.
//! * [`time`]: the clock and time zone behind `Date`.
//! * [`sandbox`]: the directories a program may reach and how its paths resolve.
//! * [`fs`]: the file operations and the program's descriptor table; [`errno`] their
//!   errors as Node names them; [`fs_host`] the native functions prelude.js's `fs` calls.
//! * `prelude.js`: the Node-like globals (console, timers, fs, process, path, crypto,
//!   performance, TextEncoder/TextDecoder) and the Go instance object, on top of the small
//!   native `host` object built here.
//! * `builtins`: faster replacements for boa builtins that cost far more than their work.
//! * [`BoaRealm`]: the [`gojs_abi::realm::Realm`] implementation.

mod builtins;
pub mod errno;
pub mod fs;
pub mod fs_host;
pub mod reentry;
pub mod sandbox;
pub mod shared;
pub mod time;

use std::rc::Rc;

use anyhow::{Context as _, anyhow};
use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsUint8Array;
use boa_engine::property::Attribute;
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsObject, JsResult, JsString, JsSymbol, JsValue,
    NativeFunction, Source,
};

use gojs_abi::realm::{Kind, Realm};
use shared::{Shared, TimerKind};

const PRELUDE: &str = include_str!("prelude.js");

/// What the program's `process` looks like.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RealmConfig {
    /// `process.argv` (Node-like: node, script, wasm, args…).
    pub argv: Vec<String>,
    pub env: std::collections::BTreeMap<String, String>,
    pub cwd: String,
    pub pid: i64,
    pub ppid: i64,
    pub uid: i64,
    pub gid: i64,
    pub euid: i64,
    pub egid: i64,
    pub groups: Vec<i64>,
}

impl RealmConfig {
    /// Real process ids, like Node reports them.
    pub fn from_process(
        argv: Vec<String>,
        env: std::collections::BTreeMap<String, String>,
        cwd: String,
    ) -> Self {
        // SAFETY: these libc calls have no preconditions.
        let (pid, ppid, uid, gid, euid, egid) = unsafe {
            (
                libc::getpid(),
                libc::getppid(),
                libc::getuid(),
                libc::getgid(),
                libc::geteuid(),
                libc::getegid(),
            )
        };
        RealmConfig {
            argv,
            env,
            cwd,
            pid: i64::from(pid),
            ppid: i64::from(ppid),
            uid: i64::from(uid),
            gid: i64::from(gid),
            euid: i64::from(euid),
            egid: i64::from(egid),
            groups: vec![i64::from(gid)],
        }
    }
}

/// JS functions the ABI operations go through (taken from the realm once, so user code
/// replacing `Reflect` cannot change the ABI's behaviour).
#[derive(Debug, Clone)]
pub struct Helpers {
    pub global: JsObject,
    pub go: JsObject,
    get: JsObject,
    set: JsObject,
    del: JsObject,
    apply: JsObject,
    construct: JsObject,
    instance_of: JsObject,
    length: JsObject,
    str: JsObject,
    view: JsObject,
    copy_to: JsObject,
    describe: JsObject,
    deadlock: JsObject,
    run_timer: JsObject,
}

/// A boa context with the prelude evaluated.
pub struct JsHost {
    pub ctx: Box<Context>,
    pub helpers: Rc<Helpers>,
    pub shared: Rc<Shared>,
}

fn type_error(msg: impl Into<String>) -> JsError {
    JsNativeError::typ().with_message(msg.into()).into()
}

fn bytes_of(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<u8>> {
    let obj = v
        .as_object()
        .ok_or_else(|| type_error("expected a Uint8Array"))?;
    JsUint8Array::from_object(obj)?.to_vec(ctx)
}

fn host_fn(
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

fn build_host_object(ctx: &mut Context, shared: &Rc<Shared>) -> JsObject {
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
        .function(resume, JsString::from("resume"), 0);
    init.build()
}

/// Deterministic mode: `Math.random` draws from the run's seeded generator.
fn seed_math_random(ctx: &mut Context, shared: &Rc<Shared>) -> anyhow::Result<()> {
    let random = host_fn(shared, |s, _, _| {
        let mut b = [0u8; 8];
        s.rng.borrow_mut().fill(&mut b);
        // 53 random bits in [0, 1), as engines do.
        Ok(JsValue::new(
            (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64,
        ))
    });
    let f = boa_engine::object::FunctionObjectBuilder::new(ctx.realm(), random)
        .name(JsString::from("random"))
        .length(0)
        .build();
    let math = ctx
        .global_object()
        .get(JsString::from("Math"), ctx)
        .ok()
        .and_then(|m| m.as_object())
        .context("realm: no Math object")?;
    math.set(JsString::from("random"), f, false, ctx)
        .map_err(|e| anyhow!("realm: Math.random: {}", describe_js_error(&e)))?;
    Ok(())
}

fn describe_js_error(e: &JsError) -> String {
    e.to_string()
}

impl JsHost {
    /// A fresh realm with the prelude evaluated.
    pub fn new(shared: Rc<Shared>, cfg: &RealmConfig) -> anyhow::Result<JsHost> {
        let hooks = time::ZoneHooks::new(cfg.env.get("TZ").map(String::as_str));
        let mut ctx = Box::new(
            Context::builder()
                .host_hooks(Rc::new(hooks))
                .clock(Rc::new(time::HostClock(shared.clone())))
                .build()
                .map_err(|e| anyhow!("realm: {}", describe_js_error(&e)))?,
        );
        builtins::install(&mut ctx).map_err(|e| anyhow!("realm builtins: {e}"))?;
        if shared.clock.is_virtual() {
            seed_math_random(&mut ctx, &shared)?;
        }
        // Go ↔ JS re-entry nests several JS calls per level; allow depths Node allows with
        // the runner's --stack-size=8192. Runs get a 256 MiB native stack.
        ctx.runtime_limits_mut().set_recursion_limit(20_000);
        ctx.runtime_limits_mut().set_stack_size_limit(1 << 22);
        let host = build_host_object(&mut ctx, &shared);
        let cfg_json = serde_json::to_string(cfg)?;
        let cfg_val = ctx
            .eval(Source::from_bytes(&format!("({cfg_json})")))
            .map_err(|e| anyhow!("realm config: {}", describe_js_error(&e)))?;
        let prelude = ctx
            .eval(Source::from_bytes(PRELUDE))
            .map_err(|e| anyhow!("realm prelude: {}", describe_js_error(&e)))?;
        let prelude = prelude
            .as_callable()
            .context("realm prelude is not a function")?;
        let helpers = prelude
            .call(&JsValue::undefined(), &[host.into(), cfg_val], &mut ctx)
            .map_err(|e| anyhow!("realm prelude: {}", describe_js_error(&e)))?;
        let helpers = helpers
            .as_object()
            .context("realm prelude returned no helpers")?;
        let mut take = |name: &str| -> anyhow::Result<JsObject> {
            helpers
                .get(JsString::from(name), &mut ctx)
                .ok()
                .and_then(|v| v.as_object())
                .with_context(|| format!("realm prelude: helper {name} missing"))
        };
        let h = Helpers {
            go: take("go")?,
            get: take("get")?,
            set: take("set")?,
            del: take("del")?,
            apply: take("apply")?,
            construct: take("construct")?,
            instance_of: take("instanceOf")?,
            length: take("length")?,
            str: take("str")?,
            view: take("view")?,
            copy_to: take("copyTo")?,
            describe: take("describe")?,
            deadlock: take("deadlock")?,
            run_timer: take("runTimer")?,
            global: ctx.global_object(),
        };
        ctx.register_global_property(
            JsString::from("globalThis"),
            ctx.global_object(),
            Attribute::all(),
        )
        .ok();
        Ok(JsHost {
            ctx,
            helpers: Rc::new(h),
            shared,
        })
    }
}

/// A JS string as UTF-8, lone surrogates replaced by U+FFFD (what `TextEncoder` does).
/// boa's own conversion formats character by character, which dominated string-heavy runs.
pub fn utf8_lossy(s: &JsString) -> String {
    match s.variant() {
        boa_engine::string::JsStrVariant::Latin1(b) if b.is_ascii() => {
            String::from_utf8(b.to_vec()).unwrap_or_default()
        }
        boa_engine::string::JsStrVariant::Latin1(b) => b.iter().map(|&c| char::from(c)).collect(),
        boa_engine::string::JsStrVariant::Utf16(u) => String::from_utf16_lossy(u),
    }
}

/// The identity key of a JS value (SameValueZero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsKey {
    Undefined,
    Null,
    Bool(bool),
    Number(u64),
    String(JsString),
    Symbol(JsSymbol),
    Object(JsObject),
    Other(String),
}

/// Code units hashed at each end of a string key.
const STRING_HASH_ENDS: usize = 32;

impl std::hash::Hash for JsKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            JsKey::Undefined | JsKey::Null => {}
            JsKey::Bool(b) => b.hash(state),
            JsKey::Number(n) => n.hash(state),
            // A string's length and its first and last code units only (equality still
            // compares them all). JS engines keep a string's hash with the string; boa does
            // not, and hashing every code unit of a megabyte string each time Go stores it
            // took a third of a string-heavy program's time.
            JsKey::String(s) => {
                let (st, n) = (s.as_str(), s.len());
                n.hash(state);
                let head = n.min(STRING_HASH_ENDS);
                let tail = n.saturating_sub(STRING_HASH_ENDS).max(head);
                for i in (0..head).chain(tail..n) {
                    state.write_u16(st.get(i).unwrap_or(0));
                }
            }
            JsKey::Symbol(s) => std::hash::Hash::hash(s, state),
            JsKey::Object(o) => o.hash(state),
            JsKey::Other(s) => s.hash(state),
        }
    }
}

/// The boa realm as the ABI sees it, for the duration of one import.
pub struct BoaRealm<'a> {
    pub ctx: &'a mut Context,
    pub h: &'a Helpers,
}

impl BoaRealm<'_> {
    fn thrown(&mut self, e: JsError) -> JsValue {
        let text = e.to_string();
        let text = text.lines().next().unwrap_or("error").to_string();
        e.into_opaque(self.ctx)
            .unwrap_or_else(|_| JsString::from(text.as_str()).into())
    }
    fn call_helper(&mut self, f: &JsObject, args: &[JsValue]) -> Result<JsValue, JsValue> {
        f.call(&JsValue::undefined(), args, self.ctx)
            .map_err(|e| self.thrown(e))
    }

    /// Run a `setTimeout` callback.
    pub fn run_js_timer(&mut self, id: i32) -> Result<(), JsValue> {
        let f = self.h.run_timer.clone();
        self.call_helper(&f, &[JsValue::new(id)]).map(|_| ())
    }

    /// Set `go._pendingEvent = {id: 0}` (the deadlock event).
    pub fn post_deadlock_event(&mut self) -> Result<(), JsValue> {
        let f = self.h.deadlock.clone();
        self.call_helper(&f, &[]).map(|_| ())
    }

    /// Mark the Go object as exited.
    pub fn mark_exited(&mut self) {
        let _ = self
            .h
            .go
            .set(JsString::from("exited"), true, false, self.ctx);
    }

    /// Run promise jobs.
    pub fn run_jobs(&mut self) -> Result<(), JsValue> {
        self.ctx.run_jobs().map_err(|e| self.thrown(e))
    }
}

impl Realm for BoaRealm<'_> {
    type Value = JsValue;
    type Key = JsKey;

    fn kind(&self, v: &JsValue) -> Kind {
        if v.is_undefined() {
            Kind::Undefined
        } else if v.is_null() {
            Kind::Null
        } else if let Some(b) = v.as_boolean() {
            Kind::Boolean(b)
        } else if let Some(n) = v.as_number() {
            Kind::Number(n)
        } else if v.is_string() {
            Kind::String
        } else if v.is_symbol() {
            Kind::Symbol
        } else if let Some(o) = v.as_object() {
            if o.is_callable() {
                Kind::Function
            } else {
                Kind::Object
            }
        } else {
            Kind::Other
        }
    }

    fn key(&self, v: &JsValue) -> JsKey {
        if v.is_undefined() {
            JsKey::Undefined
        } else if v.is_null() {
            JsKey::Null
        } else if let Some(b) = v.as_boolean() {
            JsKey::Bool(b)
        } else if let Some(n) = v.as_number() {
            JsKey::Number(if n.is_nan() {
                f64::NAN.to_bits()
            } else {
                (n + 0.0).to_bits()
            })
        } else if let Some(s) = v.as_string() {
            JsKey::String(s)
        } else if let Some(s) = v.as_symbol() {
            JsKey::Symbol(s)
        } else if let Some(o) = v.as_object() {
            JsKey::Object(o)
        } else {
            JsKey::Other(v.display().to_string())
        }
    }

    fn undefined(&self) -> JsValue {
        JsValue::undefined()
    }
    fn null(&self) -> JsValue {
        JsValue::null()
    }
    fn boolean(&self, b: bool) -> JsValue {
        JsValue::new(b)
    }
    fn number(&self, n: f64) -> JsValue {
        JsValue::new(n)
    }
    fn string(&mut self, s: &str) -> JsValue {
        JsString::from(s).into()
    }
    fn global(&self) -> JsValue {
        self.h.global.clone().into()
    }
    fn go_object(&self) -> JsValue {
        self.h.go.clone().into()
    }

    fn get(&mut self, target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
        let f = self.h.get.clone();
        self.call_helper(&f, &[target.clone(), JsString::from(name).into()])
    }
    fn set(&mut self, target: &JsValue, name: &str, value: &JsValue) -> Result<(), JsValue> {
        let f = self.h.set.clone();
        self.call_helper(
            &f,
            &[target.clone(), JsString::from(name).into(), value.clone()],
        )
        .map(|_| ())
    }
    fn delete(&mut self, target: &JsValue, name: &str) -> Result<(), JsValue> {
        let f = self.h.del.clone();
        self.call_helper(&f, &[target.clone(), JsString::from(name).into()])
            .map(|_| ())
    }
    fn get_index(&mut self, target: &JsValue, index: f64) -> Result<JsValue, JsValue> {
        let f = self.h.get.clone();
        self.call_helper(&f, &[target.clone(), JsValue::new(index)])
    }
    fn set_index(&mut self, target: &JsValue, index: f64, value: &JsValue) -> Result<(), JsValue> {
        let f = self.h.set.clone();
        self.call_helper(&f, &[target.clone(), JsValue::new(index), value.clone()])
            .map(|_| ())
    }
    fn call(&mut self, f: &JsValue, this: &JsValue, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let apply = self.h.apply.clone();
        let list = boa_engine::object::builtins::JsArray::from_iter(args.iter().cloned(), self.ctx);
        self.call_helper(&apply, &[f.clone(), this.clone(), list.into()])
    }
    fn construct(&mut self, f: &JsValue, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let c = self.h.construct.clone();
        let list = boa_engine::object::builtins::JsArray::from_iter(args.iter().cloned(), self.ctx);
        self.call_helper(&c, &[f.clone(), list.into()])
    }
    fn instance_of(&mut self, v: &JsValue, t: &JsValue) -> Result<bool, JsValue> {
        let f = self.h.instance_of.clone();
        self.call_helper(&f, &[v.clone(), t.clone()])
            .map(|r| r.to_boolean())
    }
    fn length(&mut self, v: &JsValue) -> Result<f64, JsValue> {
        let f = self.h.length.clone();
        self.call_helper(&f, std::slice::from_ref(v))
            .map(|r| r.as_number().unwrap_or(f64::NAN))
    }
    fn to_string(&mut self, v: &JsValue) -> Result<String, JsValue> {
        let f = self.h.str.clone();
        let s = self.call_helper(&f, std::slice::from_ref(v))?;
        Ok(s.as_string().map(|s| utf8_lossy(&s)).unwrap_or_default())
    }
    fn read_bytes(&mut self, v: &JsValue, max: usize) -> Option<Vec<u8>> {
        let f = self.h.view.clone();
        let view = self
            .call_helper(&f, &[v.clone(), JsValue::new(max as f64)])
            .ok()?;
        let obj = view.as_object()?;
        JsUint8Array::from_object(obj).ok()?.to_vec(self.ctx).ok()
    }
    fn write_bytes(&mut self, v: &JsValue, bytes: &[u8]) -> Option<usize> {
        let src = JsUint8Array::from_iter(bytes.iter().copied(), self.ctx).ok()?;
        let f = self.h.copy_to.clone();
        let n = self
            .call_helper(&f, &[v.clone(), src.into()])
            .ok()?
            .as_number()?;
        (n >= 0.0).then_some(n as usize)
    }
    fn new_uint8array(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        match JsUint8Array::from_iter(bytes.iter().copied(), self.ctx) {
            Ok(a) => Ok(a.into()),
            Err(e) => Err(self.thrown(e)),
        }
    }
    fn describe(&mut self, thrown: &JsValue) -> String {
        let f = self.h.describe.clone();
        match self.call_helper(&f, std::slice::from_ref(thrown)) {
            Ok(s) => s
                .as_string()
                .map(|s| s.to_std_string_lossy())
                .unwrap_or_default(),
            Err(_) => match thrown.as_string() {
                Some(s) => s.to_std_string_lossy(),
                None => thrown.display().to_string(),
            },
        }
    }
}
