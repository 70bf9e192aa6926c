//! Re-entry from JS into Go: the two per-thread slots that make it possible.
//!
//! Go calls an import; the import runs JS through boa with a `&mut Context`; that JS may call
//! a `FuncOf` wrapper, whose native part must call the guest's `resume` export on the same
//! store, and the imports Go calls during that nested run need the `Context` again.
//!
//! * [`with_context`] publishes the `&mut Context` through which the guest is being entered.
//!   Imports fetch it with [`context`]. The wrapper republishes the reborrow boa handed it, so
//!   every nested use is derived from the innermost live borrow.
//! * [`with_resumer`] publishes, for the duration of one import (or of one event-loop
//!   dispatch), a closure that calls `resume` through that import's `Caller`. While the JS
//!   runs, the import does not touch its `Caller`; the closure is the only user.
//!
//! Soundness rests on three rules, all enforced by the scoped helpers: a published pointer is
//! only dereferenced while the scope that published it is alive (the guard restores the
//! previous value, also on unwinding); a resumer is taken out of its slot while it runs, so it
//! is never called re-entrantly; everything is per thread (wasm execution stays on the thread
//! that entered it).

use std::cell::Cell;
use std::ptr::NonNull;

use boa_engine::Context;

/// What a resumer does: resume the guest once.
pub type Resumer<'a> = dyn FnMut(&mut Context) -> anyhow::Result<()> + 'a;

type ErasedResumer = NonNull<Resumer<'static>>;

thread_local! {
    static CONTEXT: Cell<*mut Context> = const { Cell::new(std::ptr::null_mut()) };
    static RESUMER: Cell<Option<ErasedResumer>> = const { Cell::new(None) };
}

struct RestoreContext(*mut Context);
impl Drop for RestoreContext {
    fn drop(&mut self) {
        CONTEXT.with(|c| c.set(self.0));
    }
}

struct RestoreResumer(Option<ErasedResumer>);
impl Drop for RestoreResumer {
    fn drop(&mut self) {
        RESUMER.with(|c| c.set(self.0));
    }
}

/// Run `f` with `ctx` published as the current context.
pub fn with_context<R>(ctx: &mut Context, f: impl FnOnce() -> R) -> R {
    let prev = CONTEXT.with(|c| c.replace(ctx as *mut Context));
    let _guard = RestoreContext(prev);
    f()
}

/// The context published by the innermost live [`with_context`].
///
/// # Safety
/// The caller must be running inside that [`with_context`] scope (an import called by the
/// guest that scope entered), must not keep the reference beyond the import, and must not
/// create a second one while the first is in use.
pub unsafe fn context<'a>() -> Option<&'a mut Context> {
    let p = CONTEXT.with(Cell::get);
    // SAFETY: non-null pointers here come from a live `&mut Context` (see `with_context`),
    // whose owner is suspended while the guest runs.
    unsafe { p.as_mut() }
}

/// Run `f` with `resumer` published for `FuncOf` wrappers.
pub fn with_resumer<R>(resumer: &mut Resumer<'_>, f: impl FnOnce() -> R) -> R {
    let ptr: NonNull<Resumer<'_>> = NonNull::from(resumer);
    // SAFETY: only the lifetime is erased; the guard removes the pointer before `resumer`'s
    // borrow ends, so it is never dereferenced after that.
    let erased: ErasedResumer =
        unsafe { std::mem::transmute::<NonNull<Resumer<'_>>, ErasedResumer>(ptr) };
    let prev = RESUMER.with(|c| c.replace(Some(erased)));
    let _guard = RestoreResumer(prev);
    f()
}

/// Resume the guest through the innermost published resumer. `None` when there is none
/// (no import or event dispatch in progress, or it is already running).
pub fn resume(ctx: &mut Context) -> Option<anyhow::Result<()>> {
    let r = RESUMER.with(|c| c.take())?;
    let _guard = RestoreResumer(Some(r));
    // SAFETY: the pointer was published by a live `with_resumer` scope (the guard there
    // outlives this call, which happens inside its `f`), and it was taken out of the slot, so
    // this is the only mutable use of the closure.
    let f = unsafe { &mut *r.as_ptr() };
    Some(f(ctx))
}
