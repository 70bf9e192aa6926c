//! Building a realm: a boa context with the native `host` object, the seeded randomness of
//! deterministic runs, and the prelude, whose helpers the ABI operations go through.
use std::rc::Rc;

use anyhow::{Context as _, anyhow};
use boa_engine::property::Attribute;
use boa_engine::{Context, JsError, JsObject, JsString, JsValue, Source};

use super::config::RealmConfig;
use super::host_object::{build_host_object, host_fn};
use super::shared::Shared;
use super::{builtins, time};

const PRELUDE: &str = include_str!("prelude.js");

/// JS functions the ABI operations go through (taken from the realm once, so user code
/// replacing `Reflect` cannot change the ABI's behaviour).
#[derive(Debug, Clone)]
pub struct Helpers {
    pub global: JsObject,
    pub go: JsObject,
    pub(super) get: JsObject,
    pub(super) set: JsObject,
    pub(super) del: JsObject,
    pub(super) apply: JsObject,
    pub(super) construct: JsObject,
    pub(super) instance_of: JsObject,
    pub(super) length: JsObject,
    pub(super) str: JsObject,
    pub(super) view: JsObject,
    pub(super) copy_to: JsObject,
    pub(super) describe: JsObject,
    pub(super) deadlock: JsObject,
    pub(super) run_timer: JsObject,
}

/// A boa context with the prelude evaluated.
pub struct JsHost {
    pub ctx: Box<Context>,
    pub helpers: Rc<Helpers>,
    pub shared: Rc<Shared>,
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

/// `cfg` as the prelude gets it: the object its JSON reads as in JS, built without the
/// parser (whose cost grows with the environment, 1 to 2 KB under `go test`). Read as a JS
/// object literal, `"__proto__": "…"` defines no property, so neither does an environment
/// variable of that name.
fn config_value(cfg: &RealmConfig, ctx: &mut Context) -> anyhow::Result<JsValue> {
    let mut json = serde_json::to_value(cfg)?;
    if let Some(env) = json.get_mut("env").and_then(|e| e.as_object_mut()) {
        env.remove("__proto__");
    }
    JsValue::from_json(&json, ctx).map_err(|e| anyhow!("realm config: {}", describe_js_error(&e)))
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
        let cfg_val = config_value(cfg, &mut ctx)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluate `js` in a fresh deterministic realm (globals on first use, or at once with
    /// `eager`); the result as a string.
    fn eval(eager: bool, js: &str) -> String {
        let shared = Rc::new(Shared::new(true, 1 << 20, true, 1));
        let mut cfg = RealmConfig::from_process(vec![], Default::default(), "/".into());
        cfg.eager_globals = eager;
        let mut host = JsHost::new(shared, &cfg).unwrap();
        let v = host.ctx.eval(Source::from_bytes(js)).unwrap();
        v.to_string(&mut host.ctx).unwrap().to_std_string_lossy()
    }

    /// The globals compiled on first use behave as the ones built at once; only their
    /// property descriptors differ, and assigning one replaces it as it would a data property.
    #[test]
    fn globals_built_on_first_use_work_as_eager_ones() {
        let js = r#"
            const r = [];
            r.push(typeof console.log, typeof performance.now(), crypto.getRandomValues(new Uint8Array(4)).length);
            r.push(new TextDecoder().decode(new TextEncoder().encode("héllo")));
            const t = setTimeout(() => {}, 5);
            r.push(typeof t, +t > 0, clearInterval === clearTimeout);
            clearTimeout(t);
            r.push(typeof setImmediate, typeof queueMicrotask, typeof setInterval);
            const d = Object.getOwnPropertyDescriptor(globalThis, "console");
            r.push("value" in d ? "data" : "accessor");
            globalThis.console = 5;
            r.push(console, Object.getOwnPropertyDescriptor(globalThis, "console").writable);
            r.join(" ")
        "#;
        assert_eq!(
            eval(false, js),
            "function number 4 héllo object true true function function function accessor 5 true"
        );
        assert_eq!(
            eval(true, js),
            "function number 4 héllo object true true function function function data 5 true"
        );
    }
}
