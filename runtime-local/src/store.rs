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

use std::collections::HashMap;
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

/// Committed state: one map per entity type (indexed by the program's type index).
#[derive(Debug, Default)]
pub struct Store {
    pub maps: Vec<FxHashMap<Key, FrozenState>>,
}

impl Store {
    pub fn new(types: usize) -> Store {
        Store {
            maps: (0..types).map(|_| FxHashMap::default()).collect(),
        }
    }
    pub fn get(&self, ty: usize, key: &Key) -> Option<&FrozenState> {
        self.maps[ty].get(key)
    }
    pub fn contains(&self, ty: usize, key: &Key) -> bool {
        self.maps[ty].contains_key(key)
    }
    pub fn insert(&mut self, ty: usize, key: Key, st: FrozenState) {
        self.maps[ty].insert(key, st);
    }
    pub fn len(&self) -> usize {
        self.maps.iter().map(HashMap::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
pub fn thaw_state_into(st: &[Option<Frozen>], mut out: State) -> State {
    let mut memo = Vec::new();
    out.extend(
        st.iter()
            .map(|v| v.as_ref().map(|v| thaw(v, Some(&mut memo)))),
    );
    out
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
            if let Some(m) = memo.as_deref() {
                if let Some((_, v)) = m.iter().find(|(q, _)| *q == p) {
                    return v.clone();
                }
            }
            let v = Value::list(l.iter().map(|x| thaw(x, memo.as_deref_mut())).collect());
            if let Some(m) = memo {
                m.push((p, v.clone()));
            }
            v
        }
        Frozen::Dict(d) => {
            let p = ptr(Arc::as_ptr(d));
            if let Some(m) = memo.as_deref() {
                if let Some((_, v)) = m.iter().find(|(q, _)| *q == p) {
                    return v.clone();
                }
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
}
