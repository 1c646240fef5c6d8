//! Exact binary encoding of the entity store (for checkpoints) and the JSON state dump
//! (semantics.md section 7). The binary form keeps what JSON loses: int vs float, tuples,
//! int dict keys, NaN, unset fields.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::durable::{Cursor, put_bytes};
use crate::engine::Engine;
use crate::json;
use crate::store::{Frozen, FrozenState, State, TypeMap, freeze_state, thaw_copy};
use crate::value::{EntityRef, Key, Value};

fn put_key(b: &mut Vec<u8>, k: &Key) {
    match k {
        Key::Int(i) => {
            b.push(0);
            b.extend_from_slice(&i.to_le_bytes());
        }
        Key::Str(s) => {
            b.push(1);
            put_bytes(b, s.as_str().as_bytes());
        }
    }
}

fn get_key(c: &mut Cursor) -> Option<Key> {
    match c.u8()? {
        0 => Some(Key::Int(c.u64()? as i64)),
        1 => Some(Key::str(&c.string()?)),
        _ => None,
    }
}

pub fn get_value(c: &mut Cursor) -> Option<Value> {
    Some(match c.u8()? {
        0 => Value::None,
        1 => Value::Bool(false),
        2 => Value::Bool(true),
        3 => Value::Int(c.u64()? as i64),
        4 => Value::Float(f64::from_bits(c.u64()?)),
        5 => Value::str(&c.string()?),
        6 => {
            let n = c.u32()?;
            Value::list((0..n).map(|_| get_value(c)).collect::<Option<_>>()?)
        }
        7 => {
            let n = c.u32()?;
            Value::tuple((0..n).map(|_| get_value(c)).collect::<Option<_>>()?)
        }
        8 => {
            let n = c.u32()?;
            let mut m = IndexMap::new();
            for _ in 0..n {
                let k = get_value(c)?;
                m.insert(k, get_value(c)?);
            }
            Value::dict(m)
        }
        9 => {
            let e = c.string()?;
            Value::Ref(Arc::new(EntityRef {
                entity: Arc::from(e.as_str()),
                key: get_key(c)?,
            }))
        }
        _ => return None,
    })
}

/// A consistent copy of the committed store, for a background checkpoint (`Send`). Cheap:
/// committed states are immutable and `Arc`-shared, and each type's map is a set of
/// copy-on-write shards ([`TypeMap::snapshot`]), so this shares shards, copying no entry; the
/// executor's first write into a shard afterwards copies that shard, and a write to a state
/// the snapshot shares allocates a new state instead of updating it in place.
pub struct StoreSnapshot {
    names: Vec<Arc<str>>,
    maps: Vec<TypeMap>,
}

impl StoreSnapshot {
    pub fn of(engine: &mut Engine) -> StoreSnapshot {
        StoreSnapshot {
            names: engine.tables.types.iter().map(|t| t.name.clone()).collect(),
            maps: engine
                .store
                .maps
                .iter_mut()
                .map(TypeMap::snapshot)
                .collect(),
        }
    }

    /// The same bytes as [`encode_store`] of the engine it was taken from.
    pub fn encode(&self) -> Vec<u8> {
        encode_maps(&self.names, &self.maps)
    }
}

/// Type name, then (key, field count, fields) for every entity; sorted for determinism.
pub fn encode_store(engine: &Engine) -> Vec<u8> {
    let names: Vec<Arc<str>> = engine.tables.types.iter().map(|t| t.name.clone()).collect();
    encode_maps(&names, &engine.store.maps)
}

fn encode_maps(names: &[Arc<str>], maps: &[TypeMap]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(names.len() as u32).to_le_bytes());
    for (ty, name) in names.iter().enumerate() {
        put_bytes(&mut b, name.as_bytes());
        let mut entries: Vec<(&Key, &FrozenState)> = maps[ty].iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        b.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for (k, st) in entries {
            put_key(&mut b, k);
            b.extend_from_slice(&(st.len() as u32).to_le_bytes());
            for f in st.iter() {
                match f {
                    None => b.push(0),
                    Some(v) => {
                        b.push(1);
                        put_frozen(&mut b, v);
                    }
                }
            }
        }
    }
    b
}

/// The encoding of a value (read back by [`get_value`]), straight from its frozen form (a checkpoint encodes every entity;
/// thawing allocated each container and string handle once more).
fn put_frozen(b: &mut Vec<u8>, v: &Frozen) {
    let seq = |b: &mut Vec<u8>, tag: u8, xs: &[Frozen]| {
        b.push(tag);
        b.extend_from_slice(&(xs.len() as u32).to_le_bytes());
        xs.iter().for_each(|x| put_frozen(b, x));
    };
    match v {
        Frozen::None => b.push(0),
        Frozen::Bool(x) => b.push(if *x { 2 } else { 1 }),
        Frozen::Int(i) => {
            b.push(3);
            b.extend_from_slice(&i.to_le_bytes());
        }
        Frozen::Float(f) => {
            b.push(4);
            b.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Frozen::Str(s) => {
            b.push(5);
            put_bytes(b, s.as_bytes());
        }
        Frozen::List(l) => seq(b, 6, l),
        Frozen::Tuple(t) => seq(b, 7, t),
        Frozen::Dict(d) => {
            b.push(8);
            b.extend_from_slice(&(d.len() as u32).to_le_bytes());
            for (k, x) in d.iter() {
                put_frozen(b, k);
                put_frozen(b, x);
            }
        }
        Frozen::Ref(r) => {
            b.push(9);
            put_bytes(b, r.entity.as_bytes());
            put_key(b, &r.key);
        }
    }
}

/// Loads an encoded store into an (empty) engine of the same program.
pub fn decode_store(engine: &mut Engine, bytes: &[u8]) -> Result<(), String> {
    let mut c = Cursor { b: bytes, i: 0 };
    let bad = || "malformed state payload".to_string();
    let ntypes = c.u32().ok_or_else(bad)?;
    for _ in 0..ntypes {
        let name = c.string().ok_or_else(bad)?;
        let ty =
            *engine.tables.type_index.get(name.as_str()).ok_or_else(|| {
                format!("checkpoint has entity type {name} that the program lacks")
            })?;
        let n = c.u64().ok_or_else(bad)?;
        for _ in 0..n {
            let key = get_key(&mut c).ok_or_else(bad)?;
            let nf = c.u32().ok_or_else(bad)?;
            let mut st: State = Vec::with_capacity(nf as usize);
            for _ in 0..nf {
                st.push(match c.u8().ok_or_else(bad)? {
                    0 => None,
                    _ => Some(get_value(&mut c).ok_or_else(bad)?),
                });
            }
            engine.store.insert(ty, key, freeze_state(&st));
        }
    }
    if c.i != bytes.len() {
        return Err(bad());
    }
    Ok(())
}

/// One entry of the state dump: (type, key, [(field, value)]).
pub type DumpEntry = (String, Key, Vec<(String, Value)>);

/// The state dump sorted by type name, then key (ints numerically, strings by code point).
pub fn dump_entries(engine: &Engine) -> Vec<DumpEntry> {
    let types = &engine.tables.types;
    let mut order: Vec<usize> = (0..types.len()).collect();
    order.sort_by(|a, b| types[*a].name.cmp(&types[*b].name));
    let mut out = Vec::new();
    for ty in order {
        let info = &types[ty];
        let mut entries: Vec<(&Key, &FrozenState)> = engine.store.maps[ty].iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (k, st) in entries {
            let fields = info
                .def
                .fields
                .iter()
                .zip(st.iter())
                .filter_map(|(f, v)| v.as_ref().map(|v| (f.name.clone(), thaw_copy(v))))
                .collect();
            out.push((info.name.to_string(), k.clone(), fields));
        }
    }
    out
}

pub fn dump_json(engine: &Engine) -> String {
    let mut s = String::from("[");
    for (i, (ty, key, fields)) in dump_entries(engine).iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str("{\"entity\": ");
        json::write_str(&mut s, ty);
        s.push_str(", \"key\": ");
        json::write_value(&mut s, &key.to_value());
        s.push_str(", \"state\": {");
        for (j, (f, v)) in fields.iter().enumerate() {
            if j > 0 {
                s.push_str(", ");
            }
            json::write_str(&mut s, f);
            s.push_str(": ");
            json::write_value(&mut s, v);
        }
        s.push_str("}}");
    }
    s.push_str("]\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_encoding_round_trips() {
        let list = Value::list(vec![
            Value::Int(-3),
            Value::Float(f64::NAN),
            Value::str("x"),
        ]);
        let mut d = IndexMap::new();
        d.insert(
            Value::Int(1),
            Value::tuple(vec![Value::Bool(true), Value::None]),
        );
        d.insert(Value::str("k"), list.clone());
        let r = Value::Ref(Arc::new(EntityRef {
            entity: Arc::from("Account"),
            key: Key::str("a1"),
        }));
        let st: State = vec![
            Some(list),
            None,
            Some(Value::dict(d)),
            Some(r),
            Some(Value::Float(0.5)),
        ];
        let frozen = freeze_state(&st);
        for f in frozen.iter().flatten() {
            let mut a = Vec::new();
            put_frozen(&mut a, f);
            let v = get_value(&mut Cursor { b: &a, i: 0 }).expect("decodes");
            let mut b = Vec::new();
            put_frozen(&mut b, &freeze_state(&[Some(v)])[0].clone().unwrap());
            assert_eq!(a, b);
        }
    }
}
