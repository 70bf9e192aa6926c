//! Host state shared by the JS globals (native functions) and the runtime imports: output,
//! timers, the clock, randomness, and how the run is ending. Holds no JS values.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::io::Write;
use std::time::Instant;

/// Where a timer leads when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimerKind {
    /// `scheduleTimeoutEvent`: resume Go with no event.
    Go(i32),
    /// `setTimeout` from JS: run its callback.
    Js(i32),
}

/// The host's timer queue, ordered by (deadline, creation order).
#[derive(Debug, Default)]
pub struct Timers {
    seq: u64,
    next_go: i32,
    next_js: i32,
    heap: BinaryHeap<Reverse<(u64, u64, TimerKind)>>,
    live: BTreeSet<TimerKind>,
}

impl Timers {
    /// Arm a timer at `deadline_us` (host clock, microseconds).
    pub fn add_go(&mut self, deadline_us: u64) -> i32 {
        self.next_go = self.next_go.wrapping_add(1);
        self.push(deadline_us, TimerKind::Go(self.next_go));
        self.next_go
    }
    pub fn add_js(&mut self, deadline_us: u64) -> i32 {
        self.next_js = self.next_js.wrapping_add(1);
        self.push(deadline_us, TimerKind::Js(self.next_js));
        self.next_js
    }
    /// Arm JS timer `id` again (the next round of a `setInterval`).
    pub fn rearm_js(&mut self, id: i32, deadline_us: u64) {
        self.push(deadline_us, TimerKind::Js(id));
    }
    fn push(&mut self, deadline_us: u64, kind: TimerKind) {
        self.seq += 1;
        self.heap.push(Reverse((deadline_us, self.seq, kind)));
        self.live.insert(kind);
    }
    pub fn clear(&mut self, kind: TimerKind) {
        self.live.remove(&kind);
    }
    pub fn is_live(&self, kind: TimerKind) -> bool {
        self.live.contains(&kind)
    }
    /// The earliest live timer, without removing it.
    pub fn peek(&mut self) -> Option<(u64, TimerKind)> {
        while let Some(Reverse((d, _, k))) = self.heap.peek().copied() {
            if self.live.contains(&k) {
                return Some((d, k));
            }
            self.heap.pop();
        }
        None
    }
    /// Remove the earliest heap entry (after [`Timers::peek`]). JS timers are forgotten;
    /// Go timers stay registered until Go clears them (the glue's missed-timeout rule).
    pub fn pop(&mut self) {
        if let Some(Reverse((_, _, k))) = self.heap.pop()
            && let TimerKind::Js(_) = k
        {
            self.live.remove(&k);
        }
    }
    pub fn is_empty(&mut self) -> bool {
        self.peek().is_none()
    }
    /// Whether a JS timer is armed (its callback waits in the prelude, out of a reset's reach).
    pub fn has_js_timers(&self) -> bool {
        self.live.iter().any(|k| matches!(k, TimerKind::Js(_)))
    }
}

/// Where the virtual clock starts: 2026-01-01T00:00:00Z (recent enough for programs that
/// check the date is plausible).
pub const VIRTUAL_EPOCH_MS: f64 = 1_767_225_600_000.0;

/// The host clock: real, or virtual (deterministic mode: time only moves when the event loop
/// jumps to the next timer, plus 1 µs per read so busy-waits terminate).
#[derive(Debug)]
pub struct Clock {
    virtual_time: bool,
    start: Instant,
    origin_ms: f64,
    virt_us: Cell<u64>,
}

impl Clock {
    pub fn new(virtual_time: bool) -> Self {
        let origin_ms = if virtual_time {
            VIRTUAL_EPOCH_MS
        } else {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        };
        Clock {
            virtual_time,
            start: Instant::now(),
            origin_ms,
            virt_us: Cell::new(0),
        }
    }
    pub fn is_virtual(&self) -> bool {
        self.virtual_time
    }
    /// Microseconds since the clock started.
    pub fn now_us(&self) -> u64 {
        if self.virtual_time {
            let t = self.virt_us.get() + 1;
            self.virt_us.set(t);
            t
        } else {
            self.start.elapsed().as_micros() as u64
        }
    }
    /// `performance.now()`: nanosecond resolution on the real clock, as Node's. Go's
    /// nanotime reads it; a coarser clock gives timers created together equal deadlines,
    /// which then fire in heap order rather than creation order.
    pub fn now_ms(&self) -> f64 {
        if self.virtual_time {
            self.now_us() as f64 / 1000.0
        } else {
            self.start.elapsed().as_nanos() as f64 / 1_000_000.0
        }
    }
    /// `performance.timeOrigin`.
    pub fn origin_ms(&self) -> f64 {
        self.origin_ms
    }
    /// Back to where a new virtual clock starts (a reused realm's next run).
    pub fn restart(&self) {
        self.virt_us.set(0);
    }
    /// Jump the virtual clock forward to `us` (no-op on the real clock or backwards).
    pub fn advance_to(&self, us: u64) {
        if self.virtual_time && us > self.virt_us.get() {
            self.virt_us.set(us);
        }
    }
}

/// Randomness: the OS, or a seeded generator (splitmix64) in deterministic mode.
#[derive(Debug)]
pub struct Rng {
    seed: Option<u64>,
}

impl Rng {
    pub fn new(seed: Option<u64>) -> Self {
        Rng { seed }
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        match &mut self.seed {
            Some(s) => {
                for chunk in buf.chunks_mut(8) {
                    *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut z = *s;
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    z ^= z >> 31;
                    chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
                }
            }
            None => {
                let mut filled = 0;
                while filled < buf.len() {
                    let rest = &mut buf[filled..];
                    // SAFETY: the pointer and length describe `rest`, a live mutable slice.
                    let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
                    if n <= 0 {
                        // No OS randomness: fall back to a time-seeded generator.
                        let t = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.as_nanos() as u64)
                            .unwrap_or(1);
                        Rng::new(Some(t)).fill(rest);
                        return;
                    }
                    filled += n as usize;
                }
            }
        }
    }
}

/// Output of the program: captured, or streamed to the real stdout/stderr.
#[derive(Debug)]
pub struct Output {
    pub capture: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub limit: u64,
    pub total: u64,
    pub exceeded: bool,
}

impl Output {
    pub fn new(capture: bool, limit: u64) -> Self {
        Output {
            capture,
            stdout: Vec::new(),
            stderr: Vec::new(),
            limit,
            total: 0,
            exceeded: false,
        }
    }
    /// A host message on stderr (not counted against the limit).
    pub fn note(&mut self, line: &str) {
        let mut l = line.as_bytes().to_vec();
        l.push(b'\n');
        if self.capture {
            self.stderr.extend_from_slice(&l);
        } else {
            let _ = std::io::stderr().write_all(&l);
        }
    }

    /// Write to fd 1 or 2. Fails once the output limit is passed.
    pub fn write(&mut self, fd: i64, bytes: &[u8]) -> Result<(), String> {
        if fd != 1 && fd != 2 {
            return Err(format!("EBADF: bad file descriptor, write (fd {fd})"));
        }
        self.total += bytes.len() as u64;
        if self.total > self.limit {
            self.exceeded = true;
            return Err(format!("output limit of {} bytes exceeded", self.limit));
        }
        if self.capture {
            if fd == 1 {
                &mut self.stdout
            } else {
                &mut self.stderr
            }
            .extend_from_slice(bytes);
        } else if fd == 1 {
            let mut o = std::io::stdout().lock();
            let _ = o.write_all(bytes);
            let _ = o.flush();
        } else {
            let _ = std::io::stderr().write_all(bytes);
        }
        Ok(())
    }
}

/// Everything the JS globals and the imports share.
#[derive(Debug)]
pub struct Shared {
    pub out: RefCell<Output>,
    pub timers: RefCell<Timers>,
    pub clock: Clock,
    pub rng: RefCell<Rng>,
    /// `_values.length` as the guest sees it.
    pub table_len: Cell<usize>,
    /// Set by `wasmExit` (or `process.exit`).
    pub exit: Cell<Option<i32>>,
    /// A failure inside a nested resume, to be re-raised by the outer import.
    pub fatal: RefCell<Option<anyhow::Error>>,
    /// The import trace (`--trace`), if one is being written.
    pub trace: RefCell<Option<gojs_abi::trace::Tracer>>,
    /// The program's file system (no directories until the run gives some).
    pub fs: RefCell<super::fs::Fs>,
}

impl Shared {
    pub fn new(capture: bool, output_limit: u64, deterministic: bool, seed: u64) -> Self {
        Shared {
            out: RefCell::new(Output::new(capture, output_limit)),
            timers: RefCell::new(Timers::default()),
            clock: Clock::new(deterministic),
            rng: RefCell::new(Rng::new(deterministic.then_some(seed))),
            table_len: Cell::new(7),
            exit: Cell::new(None),
            fatal: RefCell::new(None),
            trace: RefCell::new(None),
            fs: RefCell::new(super::fs::Fs::default()),
        }
    }

    /// Back to the state [`Shared::new`] gave, for a realm that runs another program
    /// ([`super::reuse`]); the file system is the caller's to set. `Err` when a JS timer is
    /// still armed: its callback is held by the prelude, which no reset reaches.
    pub fn reset(&self, seed: u64) -> Result<(), String> {
        if self.timers.borrow().has_js_timers() {
            return Err("a JS timer is still armed".into());
        }
        if !self.clock.is_virtual() {
            return Err("only a deterministic realm can be reset".into());
        }
        {
            let mut out = self.out.borrow_mut();
            *out = Output::new(out.capture, out.limit);
        }
        *self.timers.borrow_mut() = Timers::default();
        self.clock.restart();
        *self.rng.borrow_mut() = Rng::new(Some(seed));
        self.table_len.set(7);
        self.exit.set(None);
        self.fatal.borrow_mut().take();
        self.trace.borrow_mut().take();
        Ok(())
    }

    /// Trace that the host enters Go (`run` or `resume`).
    pub fn trace_event(&self, ev: &str) {
        if let Some(t) = self.trace.borrow_mut().as_mut() {
            t.event(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_order_and_clear() {
        let mut t = Timers::default();
        let a = t.add_go(100);
        let b = t.add_js(50);
        let c = t.add_go(100);
        assert_eq!(t.peek(), Some((50, TimerKind::Js(b))));
        t.pop();
        assert!(!t.is_live(TimerKind::Js(b)));
        assert_eq!(t.peek(), Some((100, TimerKind::Go(a))));
        t.clear(TimerKind::Go(a));
        assert_eq!(t.peek(), Some((100, TimerKind::Go(c))));
        t.pop();
        // Go timers stay registered until cleared.
        assert!(t.is_live(TimerKind::Go(c)));
        assert!(t.is_empty());
    }

    #[test]
    fn seeded_rng_is_deterministic() {
        let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
        Rng::new(Some(7)).fill(&mut a);
        Rng::new(Some(7)).fill(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, [0; 13]);
    }
}
