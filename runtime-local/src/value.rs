//! Dynamically tagged run-time values with Python semantics.
//!
//! Lists and dicts have reference semantics (`Rc<RefCell<..>>`) so that `x = self.items;
//! x.append(1)` mutates the entity's state exactly as in CPython. Values never cross threads:
//! whatever leaves an entity is deep-copied ([`Value::deep_copy`]) as semantics.md requires, and
//! that copy is the only form that is persisted or shipped.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;

/// A Python exception raised while executing a request: class name and `str(exc)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exc {
    pub ty: String,
    pub msg: String,
}

impl Exc {
    pub fn new(ty: &str, msg: impl Into<String>) -> Exc {
        Exc {
            ty: ty.to_string(),
            msg: msg.into(),
        }
    }

    /// An IR construct this engine does not execute (the frontend's checks should have
    /// rejected it first).
    pub fn unsupported(what: &str) -> Exc {
        Exc::new(
            "NotImplementedError",
            format!("unsupported construct: {what}"),
        )
    }

    /// A required part of the IR is absent.
    pub fn malformed(what: &str) -> Exc {
        Exc::new(
            "NotImplementedError",
            format!("malformed IR: missing {what}"),
        )
    }

    /// Python's message for a missing attribute of an entity of type `ty`.
    #[cold]
    pub fn no_attribute(ty: &str, name: &str) -> Exc {
        Exc::new(
            "AttributeError",
            format!("'{ty}' object has no attribute '{name}'"),
        )
    }
}

pub type R<T> = Result<T, Exc>;

pub fn type_err<T>(msg: impl Into<String>) -> R<T> {
    Err(Exc::new("TypeError", msg))
}
pub fn value_err<T>(msg: impl Into<String>) -> R<T> {
    Err(Exc::new("ValueError", msg))
}
pub fn overflow() -> Exc {
    Exc::new("OverflowError", "int64 overflow")
}

pub use crate::key::{Key, KeyStr};

/// A reference to an entity: type name and key. Equality is by (type, key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityRef {
    pub entity: Arc<str>,
    pub key: Key,
}

pub type List = Rc<RefCell<Vec<Value>>>;
pub type Dict = Rc<RefCell<IndexMap<Value, Value>>>;

#[derive(Debug, Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    List(List),
    Tuple(Rc<Vec<Value>>),
    Dict(Dict),
    Ref(Arc<EntityRef>),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(v))
    }
    pub fn dict(m: IndexMap<Value, Value>) -> Value {
        Value::Dict(Rc::new(RefCell::new(m)))
    }

    /// Python's `type(x).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Ref(_) => "entity",
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            Value::Ref(_) => true,
        }
    }

    /// A copy as if the value had crossed a network: containers are copied, sharing is not
    /// preserved, references stay references.
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::list(l.borrow().iter().map(Value::deep_copy).collect()),
            Value::Tuple(t) => {
                if t.iter().all(Value::is_scalar) {
                    self.clone()
                } else {
                    Value::tuple(t.iter().map(Value::deep_copy).collect())
                }
            }
            Value::Dict(d) => Value::dict(
                d.borrow()
                    .iter()
                    .map(|(k, v)| (k.deep_copy(), v.deep_copy()))
                    .collect(),
            ),
            _ => self.clone(),
        }
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self, Value::List(_) | Value::Tuple(_) | Value::Dict(_))
    }

    /// Checks that the value can be a dict key / set member (Python hashability).
    pub fn check_hashable(&self) -> R<()> {
        match self {
            Value::List(_) | Value::Dict(_) => {
                type_err(format!("unhashable type: '{}'", self.type_name()))
            }
            Value::Tuple(t) => t.iter().try_for_each(Value::check_hashable),
            _ => Ok(()),
        }
    }

    pub fn as_key(&self) -> Option<Key> {
        match self {
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Str(s) => Some(Key::Str(KeyStr::from_arc(s))),
            _ => None,
        }
    }

    /// Python `==`.
    pub fn py_eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(_) | Bool(_) | Float(_), Int(_) | Bool(_) | Float(_)) => num_eq(self, other),
            (Str(a), Str(b)) => a == b,
            (List(a), List(b)) => Rc::ptr_eq(a, b) || seq_eq(&a.borrow(), &b.borrow()),
            (Tuple(a), Tuple(b)) => seq_eq(a, b),
            (Dict(a), Dict(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.py_eq(w)))
            }
            (Ref(a), Ref(b)) => a == b,
            _ => false,
        }
    }

    /// Python `is`: identity for containers, value equality for the immutable scalars
    /// (CPython interns small ints, None, True/False; programs only use `is None`).
    pub fn py_is(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => a == b,
            (List(a), List(b)) => Rc::ptr_eq(a, b),
            (Dict(a), Dict(b)) => Rc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => Rc::ptr_eq(a, b),
            (Ref(a), Ref(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

fn seq_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
}

fn num_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Float(f), other) | (other, Value::Float(f)) => {
            as_int(other).is_some_and(|i| int_float_eq(i, *f))
        }
        _ => as_int(a) == as_int(b),
    }
}

fn int_float_eq(i: i64, f: f64) -> bool {
    f.is_finite()
        && f.fract() == 0.0
        && (-9.223372036854776e18..9.223372036854776e18).contains(&f)
        && f as i64 == i
}

pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

pub fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.py_eq(other)
    }
}
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Value::None => 0u8.hash(h),
            Value::Bool(b) => (*b as i64).hash(h),
            Value::Int(i) => i.hash(h),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.is_finite() && f.abs() < 9.2e18 {
                    (*f as i64).hash(h)
                } else {
                    f.to_bits().hash(h)
                }
            }
            Value::Str(s) => s.hash(h),
            Value::Tuple(t) => {
                7u8.hash(h);
                t.iter().for_each(|x| x.hash(h))
            }
            Value::Ref(r) => r.hash(h),
            // unhashable; never stored as keys (checked before insertion)
            Value::List(_) | Value::Dict(_) => 9u8.hash(h),
        }
    }
}

// ------------------------------------------------------------------ str / repr

/// CPython's `repr(float)`: the shortest string that round-trips, positional for exponents in
/// [-4, 16), scientific otherwise (`1e+16`, `1.5e-05`), always with a `.0` when integral.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sci = format!("{:e}", f); // e.g. "-1.2345e-7", shortest round-trip digits
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// Python `repr(str)`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c)
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

impl Value {
    /// Python `str(x)`.
    pub fn to_py_str(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            _ => self.repr(),
        }
    }

    /// Python `repr(x)`.
    pub fn repr(&self) -> String {
        let mut s = String::new();
        self.write_repr(&mut s);
        s
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => out.push_str(&str_repr(s)),
            Value::List(l) => {
                out.push('[');
                for (i, x) in l.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write_repr(out);
                }
                out.push(']');
            }
            Value::Tuple(t) => {
                out.push('(');
                for (i, x) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write_repr(out);
                }
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out);
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
            Value::Ref(r) => {
                let _ = write!(out, "{}({})", r.entity, r.key.to_value().repr());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_reprs() {
        for (f, s) in [
            (6.0, "6.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5, "-2.5"),
            (1e22, "1e+22"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0f64.powi(60), "1.152921504606847e+18"),
        ] {
            assert_eq!(float_repr(f), s);
        }
    }

    #[test]
    fn eq_and_hash_mix_numbers() {
        assert!(Value::Int(1).py_eq(&Value::Float(1.0)));
        assert!(Value::Bool(true).py_eq(&Value::Int(1)));
        assert!(!Value::Int(1).py_eq(&Value::str("1")));
    }
}
