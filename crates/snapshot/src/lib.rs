//! A fingerprint of the JS state a program can change, so that a realm reused for a next
//! program (fuzzing runs thousands of tiny ones on one realm) is known to be as it was.
//!
//! The fingerprint walks the object graph from some roots through own properties (data
//! values and accessor functions, indexed elements included) and prototypes, and hashes, per
//! object in the order first reached: its own keys in order, each key's attributes and value
//! (primitives by SameValue, objects by identity: see [`Pins`]), its prototype and whether it
//! is extensible. Two walks of an unchanged graph give the same fingerprint;
//! adding, removing, redefining or reassigning any reachable property, replacing a prototype
//! or freezing an object changes it (up to a 64-bit hash collision).
//!
//! What it cannot see: state closed over by functions (the prelude's timer map: the host's
//! timer queue, checked apart, shadows it), internal slots (a `Map`'s entries, a typed
//! array's bytes behind `buffer`, a `Date`'s time), and objects not reachable from the roots.
//! Proxies are recorded, never walked into (walking would run their traps).
//!
//! Reading never runs JS: keys and descriptors come from the objects' property maps.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, Hasher};

use foldhash::fast::{FixedState, FoldHasher};

use boa_engine::builtins::proxy::Proxy;
use boa_engine::property::{PropertyDescriptor, PropertyKey};
use boa_engine::{Context, JsObject, JsValue};

/// The fingerprint of the graph under some roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub hash: u64,
    /// Objects walked (the roots, and what lies within the depth).
    pub objects: usize,
    /// Own properties hashed.
    pub properties: usize,
}

/// How far a walk goes from its roots: `Some(n)`: objects at most `n` property or prototype
/// steps away; `None`: the whole reachable graph.
pub type Depth = Option<u32>;

/// The objects a [`baseline`] hashed by identity, kept alive.
///
/// A fingerprint hashes an object by its address. While the first walk's objects live, no
/// other object can have the address of one of them, so a property (or prototype) that holds
/// another object than it did hashes differently. Keep the pins as long as later walks are
/// compared with the baseline.
pub struct Pins(#[allow(dead_code)] Vec<JsObject>);

/// The fingerprint of everything reachable from `roots` (within `depth`), to compare with a
/// [`baseline`] of the same roots taken earlier in the same realm.
pub fn snapshot(ctx: &mut Context, roots: &[JsObject], depth: Depth) -> Snapshot {
    walk(ctx, roots, depth, None)
}

/// [`snapshot`], and the objects it hashed, which must stay alive while later snapshots are
/// compared with this one.
pub fn baseline(ctx: &mut Context, roots: &[JsObject], depth: Depth) -> (Snapshot, Pins) {
    let mut pins = Vec::new();
    let snap = walk(ctx, roots, depth, Some(&mut pins));
    (snap, Pins(pins))
}

fn walk(
    ctx: &mut Context,
    roots: &[JsObject],
    depth: Depth,
    pins: Option<&mut Vec<JsObject>>,
) -> Snapshot {
    let mut w = Walk {
        seen: roots.iter().cloned().collect(),
        queue: roots.iter().map(|o| (o.clone(), 0)).collect(),
        h: FixedState::default().build_hasher(),
        properties: 0,
        depth,
        keys: Vec::new(),
        props: Vec::new(),
        pins,
    };
    if let Some(p) = &mut w.pins {
        p.extend(roots.iter().cloned());
    }
    let mut i = 0;
    while i < w.queue.len() {
        let (obj, d) = w.queue[i].clone();
        i += 1;
        w.object(ctx, &obj, d);
    }
    Snapshot {
        hash: w.h.finish(),
        objects: w.queue.len(),
        properties: w.properties,
    }
}

struct Walk<'p> {
    /// Objects queued: only those within the depth are (at the depth a reset uses, the roots
    /// alone), so a walk of the roots' own properties costs no set insertion per value.
    seen: HashSet<JsObject, FixedState>,
    queue: Vec<(JsObject, u32)>,
    h: FoldHasher<'static>,
    properties: usize,
    depth: Depth,
    keys: Vec<PropertyKey>,
    props: Vec<Option<PropertyDescriptor>>,
    pins: Option<&'p mut Vec<JsObject>>,
}

impl Walk<'_> {
    /// Hash the object by identity, and queue it the first time if it lies within the depth.
    fn reach(&mut self, o: &JsObject, d: u32) {
        Hash::hash(o, &mut self.h);
        if let Some(p) = &mut self.pins {
            p.push(o.clone());
        }
        if d > 0 && self.depth.is_none_or(|max| d <= max) && self.seen.insert(o.clone()) {
            self.queue.push((o.clone(), d));
        }
    }

    fn value(&mut self, v: &JsValue, d: u32) {
        if let Some(o) = v.as_object() {
            1u8.hash(&mut self.h);
            self.reach(&o, d + 1);
            return;
        }
        0u8.hash(&mut self.h);
        if let Some(n) = v.as_number() {
            // SameValue: -0 and +0 differ, every NaN is one.
            (if n.is_nan() { f64::NAN } else { n })
                .to_bits()
                .hash(&mut self.h);
        } else if let Some(s) = v.as_string() {
            s.as_str().iter().for_each(|c| c.hash(&mut self.h));
        } else if let Some(s) = v.as_symbol() {
            Hash::hash(&s, &mut self.h);
        } else if let Some(b) = v.as_boolean() {
            (1u8, b).hash(&mut self.h);
        } else if v.is_undefined() {
            2u8.hash(&mut self.h);
        } else if v.is_null() {
            3u8.hash(&mut self.h);
        } else {
            // A bigint: rare enough to be formatted (a reset walks thousands of booleans,
            // where a `to_string` each was a tenth of the walk).
            v.type_of().hash(&mut self.h);
            v.display().to_string().hash(&mut self.h);
        }
    }

    fn descriptor(&mut self, p: &PropertyDescriptor, d: u32) {
        (p.writable(), p.enumerable(), p.configurable()).hash(&mut self.h);
        for part in [p.value(), p.get(), p.set()] {
            match part {
                Some(v) => self.value(v, d),
                None => 2u8.hash(&mut self.h),
            }
        }
    }

    fn object(&mut self, ctx: &mut Context, o: &JsObject, d: u32) {
        Hash::hash(o, &mut self.h);
        if o.downcast_ref::<Proxy>().is_some() {
            "proxy".hash(&mut self.h);
            return;
        }
        // The buffers are the walk's, reused object after object.
        let mut keys = std::mem::take(&mut self.keys);
        let mut props = std::mem::take(&mut self.props);
        {
            let b = o.borrow();
            let map = b.properties();
            keys.extend(map.index_property_keys().map(PropertyKey::from));
            keys.extend(b.shape().keys());
            props.extend(keys.iter().map(|k| map.get(k)));
        }
        keys.len().hash(&mut self.h);
        for (k, p) in keys.iter().zip(&props) {
            k.hash(&mut self.h);
            match p {
                Some(p) => self.descriptor(p, d),
                None => 3u8.hash(&mut self.h),
            }
        }
        self.properties += keys.len();
        keys.clear();
        props.clear();
        (self.keys, self.props) = (keys, props);
        match o.prototype() {
            Some(p) => {
                1u8.hash(&mut self.h);
                self.reach(&p, d + 1);
            }
            None => 0u8.hash(&mut self.h),
        }
        o.is_extensible(ctx).ok().hash(&mut self.h);
    }
}
