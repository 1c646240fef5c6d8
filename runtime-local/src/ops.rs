//! Python operators on [`Value`]s: arithmetic with int64 overflow checks and Python's floor
//! division/modulo, comparisons, membership, indexing and slicing, with CPython's error types
//! and messages (Python 3.11 wording, the oracle's interpreter).

use std::cmp::Ordering;

use crate::value::{Exc, R, Value, as_f64, as_int, overflow, type_err, value_err};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    LShift,
    RShift,
}

impl BinOp {
    pub fn from_i32(op: i32) -> Option<BinOp> {
        use BinOp::*;
        Some(match op {
            1 => Add,
            2 => Sub,
            3 => Mul,
            4 => TrueDiv,
            5 => FloorDiv,
            6 => Mod,
            7 => Pow,
            8 => BitAnd,
            9 => BitOr,
            10 => BitXor,
            11 => LShift,
            12 => RShift,
            _ => return None,
        })
    }
    pub fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            TrueDiv => "/",
            FloorDiv => "//",
            Mod => "%",
            Pow => "** or pow()",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            LShift => "<<",
            RShift => ">>",
        }
    }
}

fn unsupported<T>(op: BinOp, a: &Value, b: &Value) -> R<T> {
    type_err(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        a.type_name(),
        b.type_name()
    ))
}

fn zero_div(msg: &str) -> Exc {
    Exc::new("ZeroDivisionError", msg)
}

pub fn floor_div_i(a: i64, b: i64) -> R<i64> {
    if b == 0 {
        return Err(zero_div("integer division or modulo by zero"));
    }
    let q = a.checked_div(b).ok_or_else(overflow)?;
    Ok(if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

pub fn mod_i(a: i64, b: i64) -> R<i64> {
    if b == 0 {
        return Err(zero_div("integer modulo by zero"));
    }
    let r = a.checked_rem(b).unwrap_or(0);
    Ok(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

fn mod_f(a: f64, b: f64) -> R<f64> {
    if b == 0.0 {
        return Err(zero_div("float modulo"));
    }
    let mut m = a % b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    Ok(m)
}

fn floordiv_f(a: f64, b: f64) -> R<f64> {
    if b == 0.0 {
        return Err(zero_div("float floor division by zero"));
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let fl = div.floor();
        if div - fl > 0.5 {
            return Ok(fl + 1.0);
        }
        Ok(fl)
    } else {
        Ok(0.0f64.copysign(a / b))
    }
}

fn pow_i(a: i64, b: i64) -> R<Value> {
    if b < 0 {
        if a == 0 {
            return Err(zero_div("0.0 cannot be raised to a negative power"));
        }
        return Ok(Value::Float((a as f64).powf(b as f64)));
    }
    let e = u32::try_from(b).map_err(|_| {
        if a == 0 || a == 1 {
            Exc::new("", "")
        } else {
            overflow()
        }
    });
    match e {
        Ok(e) => a.checked_pow(e).map(Value::Int).ok_or_else(overflow),
        Err(x) if x.ty.is_empty() => Ok(Value::Int(a)),
        Err(x) => {
            if a == -1 {
                Ok(Value::Int(if b % 2 == 0 { 1 } else { -1 }))
            } else {
                Err(x)
            }
        }
    }
}

fn repeat(items: &[Value], n: i64) -> Vec<Value> {
    let n = n.max(0) as usize;
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend(items.iter().cloned());
    }
    out
}

fn ints(a: &Value, b: &Value) -> Option<(i64, i64)> {
    Some((as_int(a)?, as_int(b)?))
}

pub fn binary(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    use BinOp::*;
    if let Some((x, y)) = ints(a, b) {
        let bools = matches!((a, b), (Value::Bool(_), Value::Bool(_)));
        return Ok(match op {
            Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
            Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
            Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
            TrueDiv => {
                if y == 0 {
                    return Err(zero_div("division by zero"));
                }
                Value::Float(x as f64 / y as f64)
            }
            FloorDiv => Value::Int(floor_div_i(x, y)?),
            Mod => Value::Int(mod_i(x, y)?),
            Pow => pow_i(x, y)?,
            BitAnd if bools => Value::Bool(x & y != 0),
            BitOr if bools => Value::Bool(x | y != 0),
            BitXor if bools => Value::Bool(x ^ y != 0),
            BitAnd => Value::Int(x & y),
            BitOr => Value::Int(x | y),
            BitXor => Value::Int(x ^ y),
            LShift => {
                if y < 0 {
                    return value_err("negative shift count");
                }
                if x == 0 {
                    Value::Int(0)
                } else if y >= 64 {
                    return Err(overflow());
                } else {
                    let r = x << y;
                    if r >> y != x {
                        return Err(overflow());
                    }
                    Value::Int(r)
                }
            }
            RShift => {
                if y < 0 {
                    return value_err("negative shift count");
                }
                Value::Int(if y >= 64 {
                    if x < 0 { -1 } else { 0 }
                } else {
                    x >> y
                })
            }
        });
    }
    if let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) {
        return Ok(Value::Float(match op {
            Add => x + y,
            Sub => x - y,
            Mul => x * y,
            TrueDiv => {
                if y == 0.0 {
                    return Err(zero_div("float division by zero"));
                }
                x / y
            }
            FloorDiv => floordiv_f(x, y)?,
            Mod => mod_f(x, y)?,
            Pow => {
                if x == 0.0 && y < 0.0 {
                    return Err(zero_div("0.0 cannot be raised to a negative power"));
                }
                if x < 0.0 && y.fract() != 0.0 {
                    // CPython returns a complex number: outside stent's value domain
                    return value_err("math domain error");
                }
                let r = x.powf(y);
                if r.is_infinite() && x.is_finite() && y.is_finite() {
                    return Err(Exc::new(
                        "OverflowError",
                        "(34, 'Numerical result out of range')",
                    ));
                }
                r
            }
            _ => return unsupported(op, a, b),
        }));
    }
    match (op, a, b) {
        (Add, Value::Str(x), Value::Str(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::str(&s))
        }
        (Add, Value::Str(_), _) => type_err(format!(
            "can only concatenate str (not \"{}\") to str",
            b.type_name()
        )),
        (Add, Value::List(x), Value::List(y)) => {
            let mut v = x.borrow().clone();
            v.extend(y.borrow().iter().cloned());
            Ok(Value::list(v))
        }
        (Add, Value::List(_), _) => type_err(format!(
            "can only concatenate list (not \"{}\") to list",
            b.type_name()
        )),
        (Add, Value::Tuple(x), Value::Tuple(y)) => {
            let mut v = x.as_ref().clone();
            v.extend(y.iter().cloned());
            Ok(Value::tuple(v))
        }
        (Add, Value::Tuple(_), _) => type_err(format!(
            "can only concatenate tuple (not \"{}\") to tuple",
            b.type_name()
        )),
        (Mul, Value::Str(s), n) | (Mul, n, Value::Str(s)) => match as_int(n) {
            Some(n) => Ok(Value::str(&s.repeat(n.max(0) as usize))),
            None => seq_mul_err(n, a, b, op),
        },
        (Mul, Value::List(l), n) | (Mul, n, Value::List(l)) => match as_int(n) {
            Some(n) => Ok(Value::list(repeat(&l.borrow(), n))),
            None => seq_mul_err(n, a, b, op),
        },
        (Mul, Value::Tuple(t), n) | (Mul, n, Value::Tuple(t)) => match as_int(n) {
            Some(n) => Ok(Value::tuple(repeat(t, n))),
            None => seq_mul_err(n, a, b, op),
        },
        (Mod, Value::Str(_), _) => type_err("printf-style formatting is not supported"),
        _ => unsupported(op, a, b),
    }
}

fn seq_mul_err<T>(n: &Value, a: &Value, b: &Value, op: BinOp) -> R<T> {
    if matches!(n, Value::Str(_) | Value::List(_) | Value::Tuple(_)) || matches!(n, Value::Float(_))
    {
        return type_err(format!(
            "can't multiply sequence by non-int of type '{}'",
            n.type_name()
        ));
    }
    unsupported(op, a, b)
}

/// `+=` and friends: in place for lists (`xs += ys` extends `xs`, aliases observe it).
pub fn inplace(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    if let (BinOp::Add, Value::List(l)) = (op, a) {
        let items: Vec<Value> = match b {
            Value::List(m) => m.borrow().clone(),
            other => iterate(other)?,
        };
        l.borrow_mut().extend(items);
        return Ok(a.clone());
    }
    if let (BinOp::Mul, Value::List(l)) = (op, a)
        && let Some(n) = as_int(b)
    {
        let v = repeat(&l.borrow(), n);
        *l.borrow_mut() = v;
        return Ok(a.clone());
    }
    binary(op, a, b)
}

pub fn neg(v: &Value) -> R<Value> {
    match v {
        Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
        Value::Bool(b) => Ok(Value::Int(-(*b as i64))),
        Value::Float(f) => Ok(Value::Float(-f)),
        _ => type_err(format!("bad operand type for unary -: '{}'", v.type_name())),
    }
}

pub fn pos(v: &Value) -> R<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        _ => type_err(format!("bad operand type for unary +: '{}'", v.type_name())),
    }
}

pub fn invert(v: &Value) -> R<Value> {
    match as_int(v) {
        Some(i) => Ok(Value::Int(!i)),
        None => type_err(format!("bad operand type for unary ~: '{}'", v.type_name())),
    }
}

/// Python ordering for `<`, `sorted`, `min`/`max`. `op` names the operator in the error.
pub fn compare(a: &Value, b: &Value, op: &str) -> R<Ordering> {
    use Value::*;
    let fail = || {
        type_err(format!(
            "'{op}' not supported between instances of '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))
    };
    match (a, b) {
        (Int(_) | Bool(_), Int(_) | Bool(_)) => Ok(as_int(a).cmp(&as_int(b))),
        (Int(_) | Bool(_) | Float(_), Int(_) | Bool(_) | Float(_)) => {
            if let (Some(i), Float(f)) = (as_int(a), b) {
                return Ok(cmp_int_float(i, *f));
            }
            if let (Float(f), Some(i)) = (a, as_int(b)) {
                return Ok(cmp_int_float(i, *f).reverse());
            }
            let (x, y) = (as_f64(a).unwrap_or(0.0), as_f64(b).unwrap_or(0.0));
            // NaN: every comparison is false; report Equal-but-not-equal via partial_cmp
            Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
        }
        (Str(x), Str(y)) => Ok(x.cmp(y)),
        (List(x), List(y)) => seq_cmp(&x.borrow(), &y.borrow(), op),
        (Tuple(x), Tuple(y)) => seq_cmp(x, y, op),
        _ => fail(),
    }
}

fn cmp_int_float(i: i64, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Equal;
    }
    let fi = i as f64;
    match fi.partial_cmp(&f).unwrap_or(Ordering::Equal) {
        Ordering::Equal => {
            // fi may be rounded; compare exactly when f is integral and in range
            if f.abs() < 9.2e18 {
                i.cmp(&(f as i64)).then(if f.fract() > 0.0 {
                    Ordering::Less
                } else {
                    Ordering::Equal
                })
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}

fn seq_cmp(a: &[Value], b: &[Value], op: &str) -> R<Ordering> {
    for (x, y) in a.iter().zip(b) {
        if !x.py_eq(y) {
            return compare(x, y, op);
        }
    }
    Ok(a.len().cmp(&b.len()))
}

fn is_nan_cmp(a: &Value, b: &Value) -> bool {
    matches!(a, Value::Float(f) if f.is_nan()) || matches!(b, Value::Float(f) if f.is_nan())
}

pub fn lt(a: &Value, b: &Value) -> R<bool> {
    Ok(!is_nan_cmp(a, b) && compare(a, b, "<")? == Ordering::Less)
}
pub fn le(a: &Value, b: &Value) -> R<bool> {
    Ok(!is_nan_cmp(a, b) && compare(a, b, "<=")? != Ordering::Greater)
}
pub fn gt(a: &Value, b: &Value) -> R<bool> {
    Ok(!is_nan_cmp(a, b) && compare(a, b, ">")? == Ordering::Greater)
}
pub fn ge(a: &Value, b: &Value) -> R<bool> {
    Ok(!is_nan_cmp(a, b) && compare(a, b, ">=")? != Ordering::Less)
}

/// `item in container`.
pub fn contains(container: &Value, item: &Value) -> R<bool> {
    match container {
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            _ => type_err(format!(
                "'in <string>' requires string as left operand, not {}",
                item.type_name()
            )),
        },
        Value::List(l) => Ok(l.borrow().iter().any(|x| x.py_eq(item))),
        Value::Tuple(t) => Ok(t.iter().any(|x| x.py_eq(item))),
        Value::Dict(d) => {
            item.check_hashable()?;
            Ok(d.borrow().contains_key(item))
        }
        _ => type_err(format!(
            "argument of type '{}' is not iterable",
            container.type_name()
        )),
    }
}

/// The items of an iterable (`for`, `list()`, `sum()`, ...). Dicts iterate their keys.
pub fn iterate(v: &Value) -> R<Vec<Value>> {
    match v {
        Value::List(l) => Ok(l.borrow().clone()),
        Value::Tuple(t) => Ok(t.as_ref().clone()),
        Value::Dict(d) => Ok(d.borrow().keys().cloned().collect()),
        Value::Str(s) => Ok(s
            .chars()
            .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
            .collect()),
        _ => type_err(format!("'{}' object is not iterable", v.type_name())),
    }
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    (0..len).contains(&j).then_some(j as usize)
}

fn index_int(index: &Value, what: &str) -> R<i64> {
    match as_int(index) {
        Some(i) => Ok(i),
        None => type_err(format!(
            "{what} indices must be integers or slices, not {}",
            index.type_name()
        )),
    }
}

/// `value[index]`.
pub fn get_item(v: &Value, index: &Value) -> R<Value> {
    match v {
        Value::List(l) => {
            let i = index_int(index, "list")?;
            let l = l.borrow();
            norm_index(i, l.len())
                .map(|j| l[j].clone())
                .ok_or_else(|| Exc::new("IndexError", "list index out of range"))
        }
        Value::Tuple(t) => {
            let i = index_int(index, "tuple")?;
            norm_index(i, t.len())
                .map(|j| t[j].clone())
                .ok_or_else(|| Exc::new("IndexError", "tuple index out of range"))
        }
        Value::Str(s) => {
            let i = index_int(index, "string")?;
            let n = s.chars().count();
            norm_index(i, n)
                .and_then(|j| s.chars().nth(j))
                .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
                .ok_or_else(|| Exc::new("IndexError", "string index out of range"))
        }
        Value::Dict(d) => {
            index.check_hashable()?;
            d.borrow()
                .get(index)
                .cloned()
                .ok_or_else(|| Exc::new("KeyError", index.repr()))
        }
        _ => type_err(format!("'{}' object is not subscriptable", v.type_name())),
    }
}

/// `container[index] = value`.
pub fn set_item(container: &Value, index: &Value, value: Value) -> R<()> {
    match container {
        Value::List(l) => {
            let i = index_int(index, "list")?;
            let mut l = l.borrow_mut();
            let n = l.len();
            match norm_index(i, n) {
                Some(j) => {
                    l[j] = value;
                    Ok(())
                }
                None => Err(Exc::new("IndexError", "list assignment index out of range")),
            }
        }
        Value::Dict(d) => {
            index.check_hashable()?;
            d.borrow_mut().insert(index.clone(), value);
            Ok(())
        }
        _ => type_err(format!(
            "'{}' object does not support item assignment",
            container.type_name()
        )),
    }
}

/// `del container[index]`.
pub fn del_item(container: &Value, index: &Value) -> R<()> {
    match container {
        Value::List(l) => {
            let i = index_int(index, "list")?;
            let mut l = l.borrow_mut();
            let n = l.len();
            match norm_index(i, n) {
                Some(j) => {
                    l.remove(j);
                    Ok(())
                }
                None => Err(Exc::new("IndexError", "list assignment index out of range")),
            }
        }
        Value::Dict(d) => {
            index.check_hashable()?;
            match d.borrow_mut().shift_remove(index) {
                Some(_) => Ok(()),
                None => Err(Exc::new("KeyError", index.repr())),
            }
        }
        _ => type_err(format!(
            "'{}' object doesn't support item deletion",
            container.type_name()
        )),
    }
}

fn slice_bound(v: &Value) -> R<Option<i64>> {
    match v {
        Value::None => Ok(None),
        _ => match as_int(v) {
            Some(i) => Ok(Some(i)),
            None => type_err("slice indices must be integers or None or have an __index__ method"),
        },
    }
}

/// The indices selected by `[lower:upper:step]` on a sequence of `len` items.
pub fn slice_indices(len: usize, lower: &Value, upper: &Value, step: &Value) -> R<Vec<usize>> {
    let step = slice_bound(step)?.unwrap_or(1);
    if step == 0 {
        return value_err("slice step cannot be zero");
    }
    let len = len as i64;
    let clamp = |b: Option<i64>, dflt: i64| -> i64 {
        match b {
            None => dflt,
            Some(i) => {
                let i = if i < 0 { i + len } else { i };
                if step > 0 {
                    i.clamp(0, len)
                } else {
                    i.clamp(-1, len - 1)
                }
            }
        }
    };
    let (start, stop) = if step > 0 {
        (
            clamp(slice_bound(lower)?, 0),
            clamp(slice_bound(upper)?, len),
        )
    } else {
        (
            clamp(slice_bound(lower)?, len - 1),
            clamp(slice_bound(upper)?, -1),
        )
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

pub fn slice(v: &Value, lower: &Value, upper: &Value, step: &Value) -> R<Value> {
    match v {
        Value::List(l) => {
            let l = l.borrow();
            let idx = slice_indices(l.len(), lower, upper, step)?;
            Ok(Value::list(idx.into_iter().map(|i| l[i].clone()).collect()))
        }
        Value::Tuple(t) => {
            let idx = slice_indices(t.len(), lower, upper, step)?;
            Ok(Value::tuple(
                idx.into_iter().map(|i| t[i].clone()).collect(),
            ))
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let idx = slice_indices(chars.len(), lower, upper, step)?;
            Ok(Value::str(
                &idx.into_iter().map(|i| chars[i]).collect::<String>(),
            ))
        }
        _ => type_err(format!("'{}' object is not subscriptable", v.type_name())),
    }
}

/// Python's `len()`.
pub fn len(v: &Value) -> R<i64> {
    Ok(match v {
        Value::Str(s) => s.chars().count() as i64,
        Value::List(l) => l.borrow().len() as i64,
        Value::Tuple(t) => t.len() as i64,
        Value::Dict(d) => d.borrow().len() as i64,
        _ => return type_err(format!("object of type '{}' has no len()", v.type_name())),
    })
}

/// Sort with Python's (stable) `sorted` semantics; the first comparison error wins.
pub fn sort_values(items: &mut [Value]) -> R<()> {
    let mut err = None;
    items.sort_by(|a, b| match compare(a, b, "<") {
        Ok(o) => o,
        Err(e) => {
            err.get_or_insert(e);
            Ordering::Equal
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_div_mod_negatives() {
        assert_eq!(floor_div_i(-7, 2), Ok(-4));
        assert_eq!(mod_i(-7, 2), Ok(1));
        assert_eq!(mod_i(7, -2), Ok(-1));
        assert_eq!(floor_div_i(7, -2), Ok(-4));
        assert_eq!(mod_f(-7.0, 2.0), Ok(1.0));
        assert_eq!(floordiv_f(-7.0, 2.0), Ok(-4.0));
    }

    #[test]
    fn overflow_is_reported() {
        let e = binary(BinOp::Mul, &Value::Int(i64::MAX), &Value::Int(2)).unwrap_err();
        assert_eq!(e.msg, "int64 overflow");
    }
}
