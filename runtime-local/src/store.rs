//! The committed entity store, in a frozen (immutable, `Send + Sync`) form.
//!
//! Why a separate representation: run-time [`Value`]s use `Rc<RefCell<..>>` containers so that
//! aliasing inside an entity behaves as in CPython, which makes them single-threaded. The
//! committed store, however, must be readable by several workers at once while they speculate a
//! batch (see `parallel.rs`). So committed state is kept as [`Frozen`] values (`Arc`-shared,
//! never mutated in place): a request *thaws* an entity into its private overlay on first touch
//! (that copy doubles as the undo log: a rollback just drops the overlay) and *freezes* it back
//! when it commits. Scalars and strings cost nothing to convert (`Arc` clones); containers are
//! copied, which the old undo log did anyway on every touch.
//!
//! Aliasing between fields of one entity (`self.a = self.b`, a list inside a dict field) is
//! preserved across freeze/thaw with a pointer memo, exactly as CPython keeps live objects
//! between requests. Copies that cross an entity boundary ([`thaw_copy`]) do not preserve it, as
//! semantics.md section 2 requires.

use std::hash::BuildHasher;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::value::{EntityRef, Key, Value};

/// An immutable value of committed state.
#[derive(Debug, Clone)]
pub enum Frozen {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Tuple(Arc<[Frozen]>),
    List(Arc<[Frozen]>),
    Dict(Arc<[(Frozen, Frozen)]>),
    Ref(Arc<EntityRef>),
}

/// An entity's committed fields (`None`: never assigned). `Arc`: a speculating worker keeps
/// its chunk's writes visible to its later requests by sharing them, not copying.
pub type FrozenState = Arc<[Option<Frozen>]>;

/// The live state of a touched entity (in a request's overlay).
pub type State = Vec<Option<Value>>;

#[inline(always)]
fn prefetch_line(p: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults, whatever the address, and writes
    // nothing; SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Committed state: one map per entity type (indexed by the program's type index).
#[derive(Debug, Default)]
pub struct Store {
    pub maps: Vec<TypeMap>,
}

impl Store {
    pub fn new(types: usize) -> Store {
        Store {
            maps: (0..types).map(|_| TypeMap::new()).collect(),
        }
    }
    pub fn get(&self, ty: usize, key: &Key) -> Option<&FrozenState> {
        self.maps[ty].get(key)
    }
    pub fn contains(&self, ty: usize, key: &Key) -> bool {
        self.maps[ty].contains_key(key)
    }
    /// Starts loading the state of (ty, key) into the cache, for a request about to run.
    /// Called for a chunk of requests back to back, the lookups' cache misses overlap one
    /// another (each request alone would wait for its own in turn), and the requests then
    /// find their entities' lines cached.
    #[inline]
    pub fn prefetch(&self, ty: usize, key: &Key) {
        if let Some(st) = self.maps.get(ty).and_then(|m| m.get(key)) {
            prefetch_line(st.as_ptr().cast());
        }
    }
    pub fn insert(&mut self, ty: usize, key: Key, st: FrozenState) {
        self.maps[ty].insert(key, st);
    }
    pub fn len(&self) -> usize {
        self.maps.iter().map(TypeMap::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

type Shard = FxHashMap<Key, FrozenState>;

/// Entries per shard that a map grows to before it doubles its shards.
const SHARD_MAX: usize = 32;
/// At most 2^16 shards per type (past 2M entities a type's shards grow beyond 32 entries).
const MAX_BITS: u32 = 16;

/// One entity type's committed states, in copy-on-write shards by key hash.
///
/// Why: a checkpoint snapshots the store while the executor goes on. Cloning one map copied
/// every entry and bumped every state's reference count in a single pause (~0.5 ms at 10k
/// entities, ~370 ms at 1M on the loaded box). [`TypeMap::snapshot`] moves each shard into
/// an `Arc` shared with the snapshot instead (no entry is copied); the first write into a
/// shared shard copies that shard alone (16-32 entries, ~1-3 µs), so the copying is spread
/// over the requests that follow (at 1M entities the pause went from 45-300 ms to 1-4 ms; the
/// copying itself, ~1M reference-count increments per checkpoint, remains). Shards the
/// executor owns are plain maps: no atomic operation on the hot path.
///
/// The shard count doubles as the map grows (all entries are redistributed then, like a hash
/// table's own resize), keeping shards small at any size and a small map in one shard.
#[derive(Debug)]
pub struct TypeMap {
    shards: Vec<Slot>,
    /// log2 of the shard count.
    bits: u32,
    len: usize,
}

#[derive(Debug)]
enum Slot {
    Owned(Shard),
    /// Shared with a snapshot: read-only until copied.
    Shared(Arc<Shard>),
}

impl Slot {
    fn map(&self) -> &Shard {
        match self {
            Slot::Owned(m) => m,
            Slot::Shared(a) => a,
        }
    }
    /// The shard, to modify: copied first if a snapshot still shares it.
    fn owned(&mut self) -> &mut Shard {
        if let Slot::Shared(a) = self {
            let m = match Arc::get_mut(a) {
                Some(m) => std::mem::take(m),
                None => (**a).clone(),
            };
            *self = Slot::Owned(m);
        }
        match self {
            Slot::Owned(m) => m,
            Slot::Shared(a) => Arc::make_mut(a),
        }
    }
    fn into_map(self) -> Shard {
        match self {
            Slot::Owned(m) => m,
            Slot::Shared(a) => Arc::unwrap_or_clone(a),
        }
    }
}

impl Default for TypeMap {
    fn default() -> Self {
        TypeMap::new()
    }
}

impl TypeMap {
    pub fn new() -> TypeMap {
        TypeMap {
            shards: vec![Slot::Owned(Shard::default())],
            bits: 0,
            len: 0,
        }
    }

    /// The shard of `key` among `1 << bits`: hash bits that hashbrown uses for neither the
    /// bucket index (low bits) nor the control tag (top 7 bits), so keys within a shard stay
    /// spread.
    fn shard_of(key: &Key, bits: u32) -> usize {
        let h = rustc_hash::FxBuildHasher.hash_one(key);
        (h >> 24) as usize & ((1 << bits) - 1)
    }

    fn shard(&self, key: &Key) -> &Shard {
        self.shards[Self::shard_of(key, self.bits)].map()
    }

    pub fn get(&self, key: &Key) -> Option<&FrozenState> {
        self.shard(key).get(key)
    }
    pub fn get_key_value(&self, key: &Key) -> Option<(&Key, &FrozenState)> {
        self.shard(key).get_key_value(key)
    }
    pub fn contains_key(&self, key: &Key) -> bool {
        self.shard(key).contains_key(key)
    }
    /// The state of `key`, to overwrite (copies its shard first if a snapshot shares it).
    pub fn get_mut(&mut self, key: &Key) -> Option<&mut FrozenState> {
        let slot = &mut self.shards[Self::shard_of(key, self.bits)];
        if let Slot::Shared(a) = slot
            && !a.contains_key(key)
        {
            return None; // no copy for a miss
        }
        slot.owned().get_mut(key)
    }
    pub fn insert(&mut self, key: Key, st: FrozenState) {
        let i = Self::shard_of(&key, self.bits);
        if self.shards[i].owned().insert(key, st).is_none() {
            self.len += 1;
            if self.len > SHARD_MAX << self.bits && self.bits < MAX_BITS {
                self.reshard(self.bits + 1);
            }
        }
    }
    /// Redistributes the entries over `1 << bits` shards (leaving any snapshot's intact).
    fn reshard(&mut self, bits: u32) {
        let each = (self.len >> bits) + (self.len >> bits) / 4 + 1;
        let mut shards: Vec<Shard> = (0..1usize << bits)
            .map(|_| Shard::with_capacity_and_hasher(each, Default::default()))
            .collect();
        for old in self.shards.drain(..) {
            for (k, v) in old.into_map() {
                shards[Self::shard_of(&k, bits)].insert(k, v);
            }
        }
        self.shards = shards.into_iter().map(Slot::Owned).collect();
        self.bits = bits;
    }
    /// A read-only copy of the map as it is now, sharing every shard (constant work per
    /// shard, none per entry).
    pub fn snapshot(&mut self) -> TypeMap {
        let shards = self
            .shards
            .iter_mut()
            .map(|slot| {
                let shared = match std::mem::replace(slot, Slot::Owned(Shard::default())) {
                    Slot::Owned(m) => Arc::new(m),
                    Slot::Shared(a) => a,
                };
                *slot = Slot::Shared(shared.clone());
                Slot::Shared(shared)
            })
            .collect();
        TypeMap {
            shards,
            bits: self.bits,
            len: self.len,
        }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Empties the map, keeping the capacity of the shards no snapshot shares.
    pub fn clear(&mut self) {
        if self.len == 0 {
            return;
        }
        for slot in &mut self.shards {
            match slot {
                Slot::Owned(m) => m.clear(),
                Slot::Shared(_) => *slot = Slot::Owned(Shard::default()),
            }
        }
        self.len = 0;
    }
    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &FrozenState)> {
        self.shards.iter().flat_map(|s| s.map().iter())
    }
}

impl Frozen {
    /// Strict structural identity (int vs float, float bits, dict order). Conservative: a
    /// container nested in a container never compares same, because sharing between nested
    /// containers could have changed while the values did not.
    pub fn same(&self, o: &Frozen, nested: bool) -> bool {
        use Frozen as F;
        match (self, o) {
            (F::None, F::None) => true,
            (F::Bool(a), F::Bool(b)) => a == b,
            (F::Int(a), F::Int(b)) => a == b,
            (F::Float(a), F::Float(b)) => a.to_bits() == b.to_bits(),
            (F::Str(a), F::Str(b)) => a == b,
            (F::Ref(a), F::Ref(b)) => a == b,
            (F::Tuple(a), F::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same(y, nested))
            }
            (F::List(a), F::List(b)) => {
                !nested
                    && a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.same(y, true))
            }
            (F::Dict(a), F::Dict(b)) => {
                !nested
                    && a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((k, x), (l, y))| k.same(l, true) && x.same(y, true))
            }
            _ => false,
        }
    }
}

/// Whether two states are the same value for value (see [`Frozen::same`]).
pub fn same_state(a: &[Option<Frozen>], b: &[Option<Frozen>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => x.same(y, false),
            _ => false,
        })
}

fn ptr<T: ?Sized>(p: *const T) -> usize {
    p as *const u8 as usize
}

/// Freezes a live state, preserving aliasing between its containers.
pub fn freeze_state(st: &[Option<Value>]) -> FrozenState {
    let mut memo = Vec::new();
    st.iter()
        .map(|v| v.as_ref().map(|v| freeze(v, &mut memo)))
        .collect()
}

/// Freezes one value on its own (no aliasing with other fields to preserve: a scalar).
pub fn freeze_scalar(v: &Value) -> Frozen {
    freeze(v, &mut Vec::new())
}

fn freeze(v: &Value, memo: &mut Vec<(usize, Frozen)>) -> Frozen {
    match v {
        Value::None => Frozen::None,
        Value::Bool(b) => Frozen::Bool(*b),
        Value::Int(i) => Frozen::Int(*i),
        Value::Float(f) => Frozen::Float(*f),
        Value::Str(s) => Frozen::Str(s.clone()),
        Value::Ref(r) => Frozen::Ref(r.clone()),
        Value::Tuple(t) => Frozen::Tuple(t.iter().map(|x| freeze(x, memo)).collect()),
        Value::List(l) => {
            let p = ptr(Rc::as_ptr(l));
            if let Some((_, f)) = memo.iter().find(|(q, _)| *q == p) {
                return f.clone();
            }
            let f = Frozen::List(l.borrow().iter().map(|x| freeze(x, memo)).collect());
            memo.push((p, f.clone()));
            f
        }
        Value::Dict(d) => {
            let p = ptr(Rc::as_ptr(d));
            if let Some((_, f)) = memo.iter().find(|(q, _)| *q == p) {
                return f.clone();
            }
            let f = Frozen::Dict(
                d.borrow()
                    .iter()
                    .map(|(k, x)| (freeze(k, memo), freeze(x, memo)))
                    .collect(),
            );
            memo.push((p, f.clone()));
            f
        }
    }
}

/// Freezes a live state over `dst` (same length) in place, preserving aliasing as
/// [`freeze_state`] does (the serial executor's commit, without a new allocation).
pub fn freeze_into(dst: &mut [Option<Frozen>], st: &[Option<Value>]) {
    let mut memo = Vec::new();
    for (d, v) in dst.iter_mut().zip(st) {
        *d = v.as_ref().map(|v| freeze(v, &mut memo));
    }
}

/// Thaws a committed state into live values, restoring aliasing between its containers.
pub fn thaw_state(st: &[Option<Frozen>]) -> State {
    thaw_state_into(st, Vec::with_capacity(st.len()))
}

/// [`thaw_state`] into `out` (a cleared, recycled vector).
pub fn thaw_state_into(st: &[Option<Frozen>], out: State) -> State {
    let (mut out, lazy) = thaw_state_lazy(st, out);
    thaw_fields(&mut out, st, lazy);
    out
}

/// [`thaw_state_into`], except that strings and references among the first 63 fields are
/// left out (`None` in the live state, their bit set in the returned mask) for
/// [`thaw_fields`] to fill in when a request reads them. Why: thawing one clones an `Arc`,
/// an atomic write to a cache line of its own, and the key field of every entity is a
/// string that most methods never read (about one cache miss per touched entity).
pub fn thaw_state_lazy(st: &[Option<Frozen>], mut out: State) -> (State, u64) {
    let mut memo = Vec::new();
    let mut lazy = 0u64;
    out.reserve(st.len());
    for (i, v) in st.iter().enumerate() {
        out.push(match v {
            None => None,
            Some(Frozen::Int(x)) => Some(Value::Int(*x)),
            // immutable and never part of an aliased container: thawing later is the same
            Some(Frozen::Str(_) | Frozen::Ref(_)) if i < 63 => {
                lazy |= 1 << i;
                None
            }
            Some(v) => Some(thaw(v, Some(&mut memo))),
        });
    }
    (out, lazy)
}

/// Thaws the fields of `st` marked in `mask` into `out` (left out by [`thaw_state_lazy`]).
pub fn thaw_fields(out: &mut [Option<Value>], st: &[Option<Frozen>], mut mask: u64) {
    while mask != 0 {
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        if let (Some(o), Some(v)) = (out.get_mut(i), st.get(i)) {
            *o = v.as_ref().map(thaw_copy);
        }
    }
}

/// A fresh live copy of one committed value (no sharing preserved: a boundary-crossing copy).
pub fn thaw_copy(v: &Frozen) -> Value {
    thaw(v, None)
}

fn thaw(v: &Frozen, mut memo: Option<&mut Vec<(usize, Value)>>) -> Value {
    match v {
        Frozen::None => Value::None,
        Frozen::Bool(b) => Value::Bool(*b),
        Frozen::Int(i) => Value::Int(*i),
        Frozen::Float(f) => Value::Float(*f),
        Frozen::Str(s) => Value::Str(s.clone()),
        Frozen::Ref(r) => Value::Ref(r.clone()),
        Frozen::Tuple(t) => Value::tuple(t.iter().map(|x| thaw(x, memo.as_deref_mut())).collect()),
        Frozen::List(l) => {
            let p = ptr(Arc::as_ptr(l));
            if let Some(m) = memo.as_deref()
                && let Some((_, v)) = m.iter().find(|(q, _)| *q == p)
            {
                return v.clone();
            }
            let v = Value::list(l.iter().map(|x| thaw(x, memo.as_deref_mut())).collect());
            if let Some(m) = memo {
                m.push((p, v.clone()));
            }
            v
        }
        Frozen::Dict(d) => {
            let p = ptr(Arc::as_ptr(d));
            if let Some(m) = memo.as_deref()
                && let Some((_, v)) = m.iter().find(|(q, _)| *q == p)
            {
                return v.clone();
            }
            let mut map = IndexMap::with_capacity(d.len());
            for (k, x) in d.iter() {
                let k = thaw(k, memo.as_deref_mut());
                map.insert(k, thaw(x, memo.as_deref_mut()));
            }
            let v = Value::dict(map);
            if let Some(m) = memo {
                m.push((p, v.clone()));
            }
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliasing_survives_freeze_and_thaw() {
        let l = Value::list(vec![Value::Int(1)]);
        let st: State = vec![Some(l.clone()), Some(l), Some(Value::str("k"))];
        let back = thaw_state(&freeze_state(&st));
        if let (Some(Value::List(a)), Some(Value::List(b))) = (&back[0], &back[1]) {
            assert!(Rc::ptr_eq(a, b));
            a.borrow_mut().push(Value::Int(2));
            assert_eq!(b.borrow().len(), 2);
        } else {
            panic!("lists expected");
        }
        let copy = thaw_copy(freeze_state(&back)[0].as_ref().unwrap());
        assert!(matches!(copy, Value::List(ref c) if c.borrow().len() == 2));
    }

    fn state(i: i64) -> FrozenState {
        Arc::from(vec![Some(Frozen::Int(i))])
    }
    fn int_of(st: Option<&FrozenState>) -> Option<i64> {
        match st?.first()? {
            Some(Frozen::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// A lazily thawed state, completed field by field in any order, is the eager thaw:
    /// strings and references are left out and filled in; containers and scalars are not.
    #[test]
    fn lazy_thaw_completes_to_the_eager_one() {
        let r = Value::Ref(Arc::new(EntityRef {
            entity: Arc::from("T"),
            key: Key::str("k"),
        }));
        let l = Value::list(vec![Value::str("x")]);
        let st: State = vec![
            Some(Value::str("key")),
            Some(Value::Int(3)),
            None,
            Some(r),
            Some(l.clone()),
            Some(Value::tuple(vec![l, Value::Float(0.5)])),
        ];
        let frozen = freeze_state(&st);
        let eager = thaw_state(&frozen);
        let (mut lazy, mask) = thaw_state_lazy(&frozen, Vec::new());
        assert_eq!(mask, 0b1001, "the string and the reference are left frozen");
        assert!(lazy[0].is_none() && lazy[3].is_none());
        thaw_fields(&mut lazy, &frozen, 0b1000);
        thaw_fields(&mut lazy, &frozen, 0b0001);
        assert!(same_state(&freeze_state(&lazy), &freeze_state(&eager)));
        // the list in field 4 and the one in the tuple are still one list
        if let (Some(Value::List(a)), Some(Value::Tuple(t))) = (&lazy[4], &lazy[5]) {
            assert!(matches!(&t[0], Value::List(b) if Rc::ptr_eq(a, b)));
        } else {
            panic!("containers thawed: {lazy:?}");
        }
    }

    /// Growing through many reshards keeps every entry; a snapshot keeps the state it was
    /// taken in while the original is overwritten, extended and resharded further.
    #[test]
    fn sharded_map_grows_and_snapshots_stay_isolated() {
        let mut m = TypeMap::new();
        let key = |i: i64| {
            if i % 2 == 0 {
                Key::Int(i)
            } else {
                Key::str(&format!("k{i}"))
            }
        };
        for i in 0..20_000 {
            m.insert(key(i), state(i));
        }
        assert_eq!(m.len(), 20_000);
        assert!(m.bits >= 7, "resharded as it grew: {} bits", m.bits);
        let snap = m.snapshot();
        for i in 0..20_000 {
            *m.get_mut(&key(i)).unwrap() = state(-i);
        }
        for i in 20_000..60_000 {
            m.insert(key(i), state(i));
        }
        assert!(m.bits > snap.bits);
        assert!(m.get_mut(&key(-1)).is_none());
        for i in 0..20_000 {
            assert_eq!(int_of(snap.get(&key(i))), Some(i));
            assert_eq!(int_of(m.get(&key(i))), Some(-i));
        }
        assert_eq!(int_of(m.get(&key(59_999))), Some(59_999));
        assert!(snap.get(&key(20_000)).is_none());
        assert_eq!((snap.len(), snap.iter().count()), (20_000, 20_000));
        assert_eq!((m.len(), m.iter().count()), (60_000, 60_000));
        m.clear();
        assert!(m.is_empty() && m.get(&key(1)).is_none());
        assert_eq!(snap.iter().count(), 20_000);
    }
}
