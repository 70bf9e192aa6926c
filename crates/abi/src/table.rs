//! The ref table: what `_values`, `_goRefCounts`, `_ids` and `_idPool` are in `wasm_exec.js`.
//!
//! Invariants (checked by [`Table::check_invariants`]):
//! 1. ids 0..=6 are predefined (NaN, 0, null, true, false, globalThis, the Go object); they
//!    always hold their value, have an infinite count and are never freed or put in the pool;
//! 2. a live dynamic id has a count ≥ 1 (counts never go below zero: a finalize of a free or
//!    unknown id is ignored and reported as [`Finalized::Unknown`]);
//! 3. an id is in the free pool only if its count reached zero; it is reused only from the pool
//!    (LIFO, as `_idPool.pop()`), so a live id is never handed out twice;
//! 4. the key → id map and the live slots are exact inverses: the same value (by the realm's
//!    SameValueZero key) always maps to the same live id, and every live slot's key maps back
//!    to that slot.

use std::collections::HashMap;
use std::hash::Hash;

use super::refs::FIRST_DYNAMIC_ID;

/// Reference count of one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Predefined ids (`Infinity` in the glue).
    Infinite,
    Finite(u64),
}

#[derive(Debug, Clone)]
struct Slot<K, V> {
    key: K,
    value: V,
    count: Count,
}

/// What a `finalizeRef` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finalized {
    /// The count went down and is still above zero.
    Decremented,
    /// The count reached zero; the id went to the free pool.
    Released,
    /// A predefined id: nothing happens (the glue's `Infinity - 1`).
    Predefined,
    /// An id that is free or was never handed out: nothing happens (the glue's count goes
    /// negative or `NaN` with no effect). A well-behaved Go runtime never does this.
    Unknown,
}

/// A deliberately broken table, to show that the fuzzing oracles catch a broken invariant.
/// Never set outside tests and fuzzing experiments ([`Table::inject_fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Fault {
    /// `finalizeRef` of a predefined id frees it (the glue's `Infinity` count forgotten).
    FinalizeFreesPredefined,
}

impl Fault {
    /// By name, as the fuzz targets read `GOJS_FUZZ_FAULT`.
    pub fn from_name(name: &str) -> Option<Fault> {
        match name {
            "finalize-frees-predefined" => Some(Fault::FinalizeFreesPredefined),
            _ => None,
        }
    }
}

/// Watches a table from outside the ABI layer (the native host calls [`TableProbe::observe`]
/// after every import when its options carry one): checks the invariants each time and keeps
/// the last state, so a fuzz oracle can see the table of a run it does not own.
#[derive(Debug, Default)]
pub struct TableProbe {
    /// A fault to inject into the table of the run (testing the oracles only).
    pub fault: Option<Fault>,
    pub report: std::sync::Mutex<ProbeReport>,
}

/// What a [`TableProbe`] saw.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// Imports observed.
    pub calls: u64,
    /// The first broken invariant, with the import after which it was seen.
    pub violation: Option<String>,
    /// The state after the last import.
    pub live_dynamic: usize,
    pub len: usize,
    pub total_count: u64,
}

impl TableProbe {
    pub fn new(fault: Option<Fault>) -> Self {
        TableProbe {
            fault,
            report: Default::default(),
        }
    }

    /// Record the table's state after `import`; `Err` when an invariant is broken.
    pub fn observe<K: Eq + Hash + Clone, V: Clone>(
        &self,
        import: &str,
        table: &Table<K, V>,
    ) -> Result<(), String> {
        let mut r = self.report.lock().unwrap_or_else(|e| e.into_inner());
        r.calls += 1;
        r.live_dynamic = table.live_dynamic();
        r.len = table.len();
        r.total_count = table.total_count();
        match table.check_invariants() {
            Ok(()) => Ok(()),
            Err(e) => {
                let msg = format!("ref table invariant broken after {import}: {e}");
                r.violation.get_or_insert(msg.clone());
                Err(msg)
            }
        }
    }

    pub fn report(&self) -> ProbeReport {
        self.report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The ref table.
#[derive(Debug, Clone)]
pub struct Table<K, V> {
    slots: Vec<Option<Slot<K, V>>>,
    ids: HashMap<K, u32, foldhash::fast::RandomState>,
    pool: Vec<u32>,
    fault: Option<Fault>,
}

impl<K: Eq + Hash + Clone, V: Clone> Table<K, V> {
    /// A table holding the seven predefined values, in id order 0..=6.
    pub fn new(predefined: [(K, V); 7]) -> Self {
        let mut slots = Vec::with_capacity(64);
        let mut ids = HashMap::default();
        for (id, (key, value)) in predefined.into_iter().enumerate() {
            ids.insert(key.clone(), id as u32);
            slots.push(Some(Slot {
                key,
                value,
                count: Count::Infinite,
            }));
        }
        Table {
            slots,
            ids,
            pool: Vec::new(),
            fault: None,
        }
    }

    /// Break the table on purpose (see [`Fault`]); for testing the fuzzing oracles only.
    #[doc(hidden)]
    pub fn inject_fault(&mut self, fault: Option<Fault>) {
        self.fault = fault;
    }

    /// The sum of the counts of all dynamic ids (how many references Go holds).
    pub fn total_count(&self) -> u64 {
        self.slots
            .iter()
            .flatten()
            .map(|s| match s.count {
                Count::Finite(n) => n,
                Count::Infinite => 0,
            })
            .sum()
    }

    /// The live ids, predefined ones included, in id order.
    pub fn live_ids(&self) -> Vec<u32> {
        (0..self.slots.len() as u32)
            .filter(|&i| self.slots[i as usize].is_some())
            .collect()
    }

    /// `storeValue` for a non-number, non-undefined value: find or allocate its id and
    /// count one more reference. Returns the id.
    pub fn store(&mut self, key: K, value: V) -> u32 {
        let id = match self.ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = match self.pool.pop() {
                    Some(id) => id,
                    None => {
                        self.slots.push(None);
                        (self.slots.len() - 1) as u32
                    }
                };
                self.slots[id as usize] = Some(Slot {
                    key: key.clone(),
                    value,
                    count: Count::Finite(0),
                });
                self.ids.insert(key, id);
                id
            }
        };
        if let Some(Some(slot)) = self.slots.get_mut(id as usize)
            && let Count::Finite(n) = &mut slot.count
        {
            *n = n.saturating_add(1);
        }
        id
    }

    /// The value behind an id; `None` for a free or never-used id (the glue yields `undefined`).
    pub fn get(&self, id: u32) -> Option<&V> {
        self.slots.get(id as usize)?.as_ref().map(|s| &s.value)
    }

    /// The id a value currently has, if it is live.
    pub fn id_of(&self, key: &K) -> Option<u32> {
        self.ids.get(key).copied()
    }

    /// The count of an id, if live.
    pub fn count(&self, id: u32) -> Option<Count> {
        self.slots.get(id as usize)?.as_ref().map(|s| s.count)
    }

    /// `finalizeRef(id)`.
    pub fn finalize(&mut self, id: u32) -> Finalized {
        let Some(Some(slot)) = self.slots.get_mut(id as usize) else {
            return Finalized::Unknown;
        };
        match &mut slot.count {
            Count::Infinite if self.fault == Some(Fault::FinalizeFreesPredefined) => {
                let key = slot.key.clone();
                self.slots[id as usize] = None;
                self.ids.remove(&key);
                self.pool.push(id);
                Finalized::Released
            }
            Count::Infinite => Finalized::Predefined,
            Count::Finite(0) => Finalized::Unknown,
            Count::Finite(n) => {
                *n -= 1;
                if *n > 0 {
                    return Finalized::Decremented;
                }
                let key = slot.key.clone();
                self.slots[id as usize] = None;
                self.ids.remove(&key);
                self.pool.push(id);
                Finalized::Released
            }
        }
    }

    /// `_values.length`: the number of slots ever allocated (live or free).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True only after [`Table::clear`]: until then the predefined ids are always there.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Number of live dynamic ids.
    pub fn live_dynamic(&self) -> usize {
        self.slots
            .iter()
            .skip(FIRST_DYNAMIC_ID as usize)
            .filter(|s| s.is_some())
            .count()
    }

    /// Drop every value, predefined ones too (a run's end: the realm that made them goes
    /// next). The table is then empty, and only good for [`Table::len`],
    /// [`Table::live_dynamic`] and [`Table::check_invariants`], which say so.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.ids.clear();
        self.pool.clear();
    }

    /// Check the invariants listed at the top of this file.
    pub fn check_invariants(&self) -> Result<(), String> {
        if self.slots.len() < FIRST_DYNAMIC_ID as usize {
            return Err(format!(
                "only {} slots; the 7 predefined ids are missing",
                self.slots.len()
            ));
        }
        for id in 0..FIRST_DYNAMIC_ID {
            match &self.slots[id as usize] {
                Some(s) if s.count == Count::Infinite => {
                    if self.ids.get(&s.key) != Some(&id) {
                        return Err(format!("predefined id {id} is not in the key map"));
                    }
                }
                _ => return Err(format!("predefined id {id} was freed or counted")),
            }
        }
        let mut in_pool = vec![false; self.slots.len()];
        for &id in &self.pool {
            let i = id as usize;
            if id < FIRST_DYNAMIC_ID || i >= self.slots.len() {
                return Err(format!("id {id} in the free pool is not a dynamic id"));
            }
            if in_pool[i] {
                return Err(format!("id {id} is twice in the free pool"));
            }
            in_pool[i] = true;
            if self.slots[i].is_some() {
                return Err(format!("id {id} is in the free pool but live"));
            }
        }
        let mut live = 0usize;
        for (i, s) in self
            .slots
            .iter()
            .enumerate()
            .skip(FIRST_DYNAMIC_ID as usize)
        {
            match s {
                Some(s) => {
                    live += 1;
                    match s.count {
                        Count::Finite(n) if n >= 1 => {}
                        c => return Err(format!("live id {i} has count {c:?}")),
                    }
                    if self.ids.get(&s.key) != Some(&(i as u32)) {
                        return Err(format!("live id {i} does not map back from its key"));
                    }
                }
                None if !in_pool[i] => return Err(format!("free id {i} is not in the pool")),
                None => {}
            }
        }
        if self.ids.len() != live + FIRST_DYNAMIC_ID as usize {
            return Err(format!(
                "key map has {} entries for {} live ids",
                self.ids.len(),
                live + FIRST_DYNAMIC_ID as usize
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table<String, String> {
        let names = ["NaN", "0", "null", "true", "false", "global", "go"];
        Table::new(names.map(|n| (n.to_string(), n.to_string())))
    }

    fn store(t: &mut Table<String, String>, s: &str) -> u32 {
        t.store(s.to_string(), s.to_string())
    }

    #[test]
    fn same_value_same_id_and_counts() {
        let mut t = table();
        let a = store(&mut t, "a");
        assert_eq!(a, 7);
        assert_eq!(store(&mut t, "a"), 7);
        assert_eq!(t.count(7), Some(Count::Finite(2)));
        let b = store(&mut t, "b");
        assert_eq!(b, 8);
        assert_eq!(t.finalize(7), Finalized::Decremented);
        assert_eq!(t.get(7).map(String::as_str), Some("a"));
        assert_eq!(t.finalize(7), Finalized::Released);
        assert_eq!(t.get(7), None);
        t.check_invariants().unwrap();
    }

    #[test]
    fn reuse_only_at_zero_and_lifo() {
        let mut t = table();
        for s in ["a", "b", "c"] {
            store(&mut t, s);
        }
        store(&mut t, "b"); // b has count 2
        assert_eq!(t.finalize(8), Finalized::Decremented);
        // b is still live: a new value must not get id 8.
        assert_eq!(store(&mut t, "d"), 10);
        assert_eq!(t.finalize(7), Finalized::Released);
        assert_eq!(t.finalize(9), Finalized::Released);
        // LIFO: 9 comes back first, then 7.
        assert_eq!(store(&mut t, "e"), 9);
        assert_eq!(store(&mut t, "f"), 7);
        assert_eq!(store(&mut t, "g"), 11);
        assert_eq!(t.len(), 12);
        t.check_invariants().unwrap();
    }

    #[test]
    fn predefined_never_freed() {
        let mut t = table();
        for id in 0..7 {
            for _ in 0..3 {
                assert_eq!(t.finalize(id), Finalized::Predefined);
            }
        }
        // Storing a predefined value counts nothing and keeps its id.
        assert_eq!(store(&mut t, "global"), 5);
        assert_eq!(t.count(5), Some(Count::Infinite));
        assert_eq!(t.get(6).map(String::as_str), Some("go"));
        t.check_invariants().unwrap();
    }

    #[test]
    fn double_and_unknown_finalize_are_ignored() {
        let mut t = table();
        let a = store(&mut t, "a");
        assert_eq!(t.finalize(a), Finalized::Released);
        assert_eq!(t.finalize(a), Finalized::Unknown);
        assert_eq!(t.finalize(12345), Finalized::Unknown);
        assert_eq!(t.finalize(u32::MAX), Finalized::Unknown);
        // The pool still holds a once.
        assert_eq!(store(&mut t, "x"), a);
        assert_eq!(store(&mut t, "y"), a + 1);
        t.check_invariants().unwrap();
    }

    #[test]
    fn key_map_follows_release() {
        let mut t = table();
        let a = store(&mut t, "a");
        t.finalize(a);
        assert_eq!(t.id_of(&"a".to_string()), None);
        let a2 = store(&mut t, "a");
        assert_eq!(a2, a);
        assert_eq!(t.count(a2), Some(Count::Finite(1)));
        t.check_invariants().unwrap();
    }

    #[test]
    fn a_cleared_table_answers_without_panicking() {
        let mut t = table();
        store(&mut t, "a");
        t.clear();
        assert!(t.is_empty());
        assert_eq!(t.live_dynamic(), 0);
        assert_eq!(t.len(), 0);
        assert!(t.check_invariants().is_err());
        assert_eq!(t.get(5), None);
        assert_eq!(t.finalize(7), Finalized::Unknown);
    }
}
