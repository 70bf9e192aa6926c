//! mimalloc as the binary's allocator, tuned for a run that passes large buffers around.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options (`mi_option_e` in mimalloc.h; the same indices in its v2 and v3).
const MI_OPTION_PURGE_DECOMMITS: libmimalloc_sys::mi_option_t = 5;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// By default mimalloc decommits freed memory 10 ms after it is freed, and memory used
/// again then comes back as fresh zeroed pages. A program passing multi-megabyte strings
/// back and forth paid for that on every transfer, and a run that followed a large one in
/// the same process (the suite, the benchmark) paid for the purge of the one before: three
/// times glibc's time for the `strings` program. Freed memory is now only marked reusable
/// by the system (which takes it back under memory pressure), a second after it is freed.
/// `MIMALLOC_*` environment variables still override this.
pub fn tune() {
    let set = |option, var: &str, value| {
        if std::env::var_os(var).is_none() {
            // SAFETY: sets an option value, which mimalloc reads when it next purges.
            unsafe { libmimalloc_sys::mi_option_set(option, value) };
        }
    };
    set(MI_OPTION_PURGE_DECOMMITS, "MIMALLOC_PURGE_DECOMMITS", 0);
    set(MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY", 1000);
}
