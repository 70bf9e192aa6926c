//! Replacements for boa builtins whose cost grows far beyond the work they do.
//!
//! `String.prototype.repeat`: boa collects one reference per repetition before joining them
//! (`'x'.repeat(8 << 20)` allocates 8 Mi references, about 200 MB of fresh pages), which
//! was three quarters of the `strings` program's run. This one copies the string into a
//! buffer of the result's size, doubling what it has copied. Same observable behaviour
//! (ECMA-262 §22.1.3.18), boa's messages.

use boa_engine::object::FunctionObjectBuilder;
use boa_engine::property::PropertyDescriptor;
use boa_engine::string::JsStrVariant;
use boa_engine::value::IntegerOrInfinity;
use boa_engine::{
    Context, JsArgs, JsNativeError, JsResult, JsStr, JsString, JsValue, NativeFunction,
};

/// Longest string boa makes, in code units (its `MAX_STRING_LENGTH`).
const MAX_STRING_LENGTH: u64 = u32::MAX as u64;

/// Put the replacements in place of boa's own.
pub fn install(ctx: &mut Context) -> JsResult<()> {
    let repeat = FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(repeat))
        .name(JsString::from("repeat"))
        .length(1)
        .build();
    let proto = ctx.intrinsics().constructors().string().prototype();
    proto.define_property_or_throw(
        JsString::from("repeat"),
        PropertyDescriptor::builder()
            .value(repeat)
            .writable(true)
            .enumerable(false)
            .configurable(true),
        ctx,
    )?;
    Ok(())
}

fn repeat(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let this = this.require_object_coercible()?;
    let string = this.to_string(ctx)?;
    let n = match args.get_or_undefined(0).to_integer_or_infinity(ctx)? {
        IntegerOrInfinity::Integer(i) if i >= 0 => i as u64,
        IntegerOrInfinity::PositiveInfinity => {
            return Err(JsNativeError::range()
                .with_message("String.prototype.repeat: count must be less than infinity")
                .into());
        }
        _ => {
            return Err(JsNativeError::range()
                .with_message("String.prototype.repeat: count must be non-negative")
                .into());
        }
    };
    if n == 0 || string.is_empty() {
        return Ok(JsString::default().into());
    }
    if n.checked_mul(string.len() as u64)
        .is_none_or(|total| total > MAX_STRING_LENGTH)
    {
        return Err(JsNativeError::range()
            .with_message(
                "repeat count must be a positive finite number \
                    that doesn't overflow the maximum string length (2^32 - 1)",
            )
            .into());
    }
    let n = n as usize;
    Ok(match string.as_str().variant() {
        JsStrVariant::Latin1(s) => JsString::from(JsStr::latin1(&repeated(s, n))),
        JsStrVariant::Utf16(s) => JsString::from(JsStr::utf16(&repeated(s, n))),
    }
    .into())
}

/// `unit` `n` times, in `log2(n)` copies.
fn repeated<T: Copy>(unit: &[T], n: usize) -> Vec<T> {
    let total = unit.len() * n;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(unit);
    while out.len() < total {
        let more = out.len().min(total - out.len());
        out.extend_from_within(..more);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use boa_engine::Source;

    fn eval(ctx: &mut Context, src: &str) -> String {
        match ctx.eval(Source::from_bytes(src)) {
            Ok(v) => v.to_string(ctx).unwrap().to_std_string_escaped(),
            Err(e) => format!("threw {e}"),
        }
    }

    #[test]
    fn repeat_behaves_as_boas_own() {
        let cases = [
            "'ab'.repeat(3)",
            "'é😀'.repeat(2)",
            "'x'.repeat(0)",
            "''.repeat(5)",
            "'ab'.repeat(2.9)",
            "'ab'.repeat('2')",
            "'ab'.repeat()",
            "'ab'.repeat(NaN)",
            "'ab'.repeat(-1)",
            "'ab'.repeat(Infinity)",
            "'ab'.repeat(2 ** 31)",
            "String.prototype.repeat.call(12, 2)",
            "String.prototype.repeat.call(null, 2)",
            "String.prototype.repeat.length + String.prototype.repeat.name",
            "Object.getOwnPropertyDescriptor(String.prototype, 'repeat').enumerable",
            "'abc'.repeat(1000).length + ':' + 'abc'.repeat(1000).slice(-4)",
            "'x\\ud800'.repeat(3).length",
        ];
        let mut stock = Context::default();
        let mut ours = Context::default();
        install(&mut ours).unwrap();
        for c in cases {
            assert_eq!(eval(&mut ours, c), eval(&mut stock, c), "{c}");
        }
        let mut ctx = Context::default();
        let proto = ctx.intrinsics().constructors().string().prototype();
        let get = |ctx: &mut Context| proto.get(JsString::from("repeat"), ctx).unwrap();
        let before = get(&mut ctx);
        install(&mut ctx).unwrap();
        assert!(
            !before.strict_equals(&get(&mut ctx)),
            "boa's repeat is still there"
        );
    }

    #[test]
    fn repeated_fills_exactly() {
        for n in 1..40 {
            assert_eq!(repeated(&[1u8, 2, 3], n), [1u8, 2, 3].repeat(n));
        }
    }
}
