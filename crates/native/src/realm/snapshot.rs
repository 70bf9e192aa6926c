//! A fingerprint of the JS state a program can change, so that a realm reused for a next
//! program (fuzzing runs thousands of tiny ones on one realm) is known to be as it was.
//!
//! The fingerprint walks the object graph from some roots through own properties (data
//! values and accessor functions, indexed elements included) and prototypes, and hashes, per
//! object in the order first reached: its own keys in order, each key's attributes and value
//! (primitives by SameValue, objects by the order they were first reached), its prototype
//! and whether it is extensible. Two walks of an unchanged graph give the same fingerprint;
//! adding, removing, redefining or reassigning any reachable property, replacing a prototype
//! or freezing an object changes it (up to a 64-bit hash collision).
//!
//! What it cannot see: state closed over by functions (the prelude's timer map: the host's
//! timer queue, checked apart, shadows it), internal slots (a `Map`'s entries, a typed
//! array's bytes behind `buffer`, a `Date`'s time), and objects not reachable from the roots.
//! Proxies are recorded, never walked into (walking would run their traps).
//!
//! Reading never runs JS: keys and descriptors come from the objects' property maps.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use foldhash::fast::{FixedState, FoldHasher};

use boa_engine::builtins::proxy::Proxy;
use boa_engine::property::{PropertyDescriptor, PropertyKey};
use boa_engine::{Context, JsObject, JsValue};

/// The fingerprint of the graph under some roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub hash: u64,
    /// Objects reached.
    pub objects: usize,
    /// Own properties hashed.
    pub properties: usize,
}

/// How far a walk goes from its roots: `Some(n)`: objects at most `n` property or prototype
/// steps away; `None`: the whole reachable graph.
pub type Depth = Option<u32>;

/// The fingerprint of everything reachable from `roots` (within `depth`).
pub fn snapshot(ctx: &mut Context, roots: &[JsObject], depth: Depth) -> Snapshot {
    let mut w = Walk {
        seen: HashMap::default(),
        queue: roots.iter().map(|o| (o.clone(), 0)).collect(),
        h: FixedState::default().build_hasher(),
        properties: 0,
        depth,
    };
    for r in roots {
        w.index(r, 0);
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

struct Walk {
    seen: HashMap<JsObject, u32, FixedState>,
    queue: Vec<(JsObject, u32)>,
    h: FoldHasher<'static>,
    properties: usize,
    depth: Depth,
}

impl Walk {
    /// The object's walk order, queuing it the first time (if within the depth).
    fn index(&mut self, o: &JsObject, d: u32) -> u32 {
        if let Some(&i) = self.seen.get(o) {
            return i;
        }
        let i = self.seen.len() as u32;
        self.seen.insert(o.clone(), i);
        if d > 0 && self.depth.is_none_or(|max| d <= max) {
            self.queue.push((o.clone(), d));
        }
        i
    }

    fn value(&mut self, v: &JsValue, d: u32) {
        if let Some(o) = v.as_object() {
            1u8.hash(&mut self.h);
            let i = self.index(&o, d + 1);
            i.hash(&mut self.h);
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
        } else {
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
        self.seen.get(o).hash(&mut self.h);
        if o.downcast_ref::<Proxy>().is_some() {
            "proxy".hash(&mut self.h);
            return;
        }
        let (keys, props): (Vec<PropertyKey>, Vec<Option<PropertyDescriptor>>) = {
            let b = o.borrow();
            let map = b.properties();
            let mut keys: Vec<PropertyKey> =
                map.index_property_keys().map(PropertyKey::from).collect();
            keys.extend(b.shape().keys());
            let props = keys.iter().map(|k| map.get(k)).collect();
            (keys, props)
        };
        keys.len().hash(&mut self.h);
        for (k, p) in keys.iter().zip(&props) {
            k.hash(&mut self.h);
            match p {
                Some(p) => self.descriptor(p, d),
                None => 3u8.hash(&mut self.h),
            }
        }
        self.properties += keys.len();
        match o.prototype() {
            Some(p) => {
                let i = self.index(&p, d + 1);
                (1u8, i).hash(&mut self.h);
            }
            None => 0u8.hash(&mut self.h),
        }
        o.is_extensible(ctx).ok().hash(&mut self.h);
    }
}
