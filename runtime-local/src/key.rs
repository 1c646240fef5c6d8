//! Entity keys (and other short strings of a request: [`KeyStr`] also holds the method name).
//! A string key of up to [`INLINE`] bytes is stored inline (no allocation, no
//! pointer to chase) with its hash computed once, when the key is built.
//!
//! Why: a request parses its keys from the line and then looks them up in the committed store
//! (`Ctx::touch`), in its overlay and again at commit. With an `Arc<str>` key every request
//! allocated its keys, hashed their bytes at every lookup, and the store's key compare read the
//! stored key's bytes from a separate allocation (a cache miss per touched entity). Inline, the
//! compare reads the table entry the probe already loaded.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::value::Value;

/// The longest string key kept inline (YCSB's `user0001234` is 11 bytes).
pub const INLINE: usize = 22;

/// An entity key: `str` or `int`.
#[derive(Clone, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Str(KeyStr),
}

/// A string key: its bytes (inline when short) and their hash.
#[derive(Clone)]
pub struct KeyStr {
    hash: u64,
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// `buf[len..]` is zero, so equal strings have equal representations.
    Inline {
        len: u8,
        buf: [u8; INLINE],
    },
    Heap(Arc<str>),
}

impl KeyStr {
    pub fn new(s: &str) -> KeyStr {
        let repr = if s.len() <= INLINE {
            let mut buf = [0; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            Repr::Inline {
                len: s.len() as u8,
                buf,
            }
        } else {
            Repr::Heap(Arc::from(s))
        };
        KeyStr {
            hash: hash_str(s),
            repr,
        }
    }

    /// From a shared string: a long one keeps sharing it.
    pub fn from_arc(s: &Arc<str>) -> KeyStr {
        if s.len() <= INLINE {
            KeyStr::new(s)
        } else {
            KeyStr {
                hash: hash_str(s),
                repr: Repr::Heap(s.clone()),
            }
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.repr {
            // SAFETY: `buf[..len]` is only ever copied from a whole `&str` (see `new`), so it
            // is UTF-8. Why not `from_utf8`: its validation cost more than the whole method
            // lookup this serves, per request (callgrind: ~85 instructions per call).
            Repr::Inline { len, buf } => unsafe {
                std::str::from_utf8_unchecked(buf.get_unchecked(..*len as usize))
            },
            Repr::Heap(s) => s,
        }
    }

    pub fn to_arc(&self) -> Arc<str> {
        match &self.repr {
            Repr::Inline { .. } => Arc::from(self.as_str()),
            Repr::Heap(s) => s.clone(),
        }
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl PartialEq for KeyStr {
    fn eq(&self, o: &KeyStr) -> bool {
        self.hash == o.hash
            && match (&self.repr, &o.repr) {
                (Repr::Inline { len: a, buf: x }, Repr::Inline { len: b, buf: y }) => {
                    a == b && x == y
                }
                (Repr::Heap(a), Repr::Heap(b)) => Arc::ptr_eq(a, b) || a == b,
                // a string has one representation, chosen by its length
                _ => false,
            }
    }
}
impl Eq for KeyStr {}

/// The precomputed hash: consistent with equality, which implies equal bytes.
impl Hash for KeyStr {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Key::Int(i) => {
                h.write_u8(0);
                h.write_i64(*i);
            }
            Key::Str(s) => s.hash(h),
        }
    }
}

/// By value: ints before strings, strings by bytes (the checkpoint and dump order).
impl Ord for Key {
    fn cmp(&self, o: &Key) -> Ordering {
        match (self, o) {
            (Key::Int(a), Key::Int(b)) => a.cmp(b),
            (Key::Int(_), Key::Str(_)) => Ordering::Less,
            (Key::Str(_), Key::Int(_)) => Ordering::Greater,
            (Key::Str(a), Key::Str(b)) => a.as_str().cmp(b.as_str()),
        }
    }
}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Key) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl AsRef<str> for KeyStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for KeyStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(i) => write!(f, "Int({i})"),
            Key::Str(s) => write!(f, "Str({s:?})"),
        }
    }
}

impl Key {
    pub fn str(s: &str) -> Key {
        Key::Str(KeyStr::new(s))
    }
    pub fn to_value(&self) -> Value {
        match self {
            Key::Int(i) => Value::Int(*i),
            Key::Str(s) => Value::Str(s.to_arc()),
        }
    }
    /// Key formatting of the exact error messages: `'apple'` (verbatim) or `7`.
    pub fn display(&self) -> String {
        match self {
            Key::Int(i) => i.to_string(),
            Key::Str(s) => format!("'{}'", s.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn inline_and_heap_keys() {
        assert!(std::mem::size_of::<Key>() <= 32);
        let long = "k".repeat(INLINE + 1);
        for s in ["", "user0001234", &"x".repeat(INLINE), &long] {
            let (a, b) = (Key::str(s), Key::Str(KeyStr::from_arc(&Arc::from(s))));
            assert_eq!(a, b);
            assert_eq!(
                rustc_hash::FxBuildHasher.hash_one(&a),
                rustc_hash::FxBuildHasher.hash_one(&b)
            );
            assert!(matches!(&a, Key::Str(k) if k.as_str() == s));
        }
        // as the stent-query crate reads a key (`Key::Str(s) => Json::from(s.as_ref())`)
        if let Key::Str(s) = &Key::str("q") {
            assert_eq!(serde_json::Value::from(s.as_ref()), serde_json::json!("q"));
        }
        assert_ne!(Key::str("ab"), Key::str("abc"));
        assert_ne!(Key::str("1"), Key::Int(1));
        let mut v = vec![
            Key::str("b"),
            Key::Int(3),
            Key::str("a"),
            Key::str(&long),
            Key::Int(-1),
        ];
        v.sort();
        assert_eq!(
            v,
            [
                Key::Int(-1),
                Key::Int(3),
                Key::str("a"),
                Key::str("b"),
                Key::str(&long)
            ]
        );
    }
}
