//! Python builtin functions and the methods of builtin values (`xs.append`, `s.upper`, ...),
//! plus the format-spec mini-language for f-strings. Dispatch is on the run-time type.

use std::cmp::Ordering;

use indexmap::IndexMap;

use crate::ops::{self, BinOp};
use crate::value::{Exc, R, Value, as_f64, as_int, float_repr, type_err, value_err};

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> R<()> {
    if args.len() < min || args.len() > max {
        return type_err(format!(
            "{name}() takes {} arguments ({} given)",
            if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            },
            args.len()
        ));
    }
    Ok(())
}

fn extreme(name: &str, args: &[Value], want: Ordering) -> R<Value> {
    let items = if args.len() == 1 {
        ops::iterate(&args[0])?
    } else {
        args.to_vec()
    };
    let mut it = items.into_iter();
    let Some(mut best) = it.next() else {
        return value_err(format!("{name}() arg is an empty sequence"));
    };
    for x in it {
        let o = ops::compare(&x, &best, if want == Ordering::Less { "<" } else { ">" })?;
        let nan = matches!(x, Value::Float(f) if f.is_nan())
            || matches!(best, Value::Float(f) if f.is_nan());
        if o == want && !nan {
            best = x;
        }
    }
    Ok(best)
}

pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let t2: String = t.chars().filter(|c| *c != '_').collect();
    if t2.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let digits = t2.strip_prefix(['+', '-']).unwrap_or(&t2);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t2.parse().ok()
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase().replace('_', "");
    let (sign, body) = match t.strip_prefix('-') {
        Some(b) => (-1.0, b.to_string()),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    match body.as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
    {
        return None;
    }
    body.parse::<f64>().ok().map(|f| sign * f)
}

fn float_to_int(f: f64) -> R<i64> {
    if f.is_nan() {
        return value_err("cannot convert float NaN to integer");
    }
    if f.is_infinite() {
        return Err(Exc::new(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let t = f.trunc();
    if !(-9.223372036854776e18..9.223372036854776e18).contains(&t) {
        return Err(crate::value::overflow());
    }
    Ok(t as i64)
}

fn round_half_even(f: f64) -> f64 {
    let r = f.round();
    if (f - f.trunc()).abs() == 0.5 {
        2.0 * (f / 2.0).round()
    } else {
        r
    }
}

/// A builtin function by its IR enum number.
pub fn call_builtin(func: i32, args: Vec<Value>) -> R<Value> {
    let a = &args;
    Ok(match func {
        1 => {
            arity("len", a, 1, 1)?;
            Value::Int(ops::len(&a[0])?)
        }
        2 => {
            arity("abs", a, 1, 1)?;
            match &a[0] {
                Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(crate::value::overflow)?),
                Value::Bool(b) => Value::Int(*b as i64),
                Value::Float(f) => Value::Float(f.abs()),
                v => return type_err(format!("bad operand type for abs(): '{}'", v.type_name())),
            }
        }
        3 => extreme("min", a, Ordering::Less)?,
        4 => extreme("max", a, Ordering::Greater)?,
        5 => {
            arity("sum", a, 1, 2)?;
            let mut acc = a.get(1).cloned().unwrap_or(Value::Int(0));
            for x in ops::iterate(&a[0])? {
                acc = ops::binary(BinOp::Add, &acc, &x)?;
            }
            acc
        }
        6 => {
            arity("sorted", a, 1, 1)?;
            let mut items = ops::iterate(&a[0])?;
            ops::sort_values(&mut items)?;
            Value::list(items)
        }
        7 => match a.first() {
            None => Value::str(""),
            Some(v) => Value::str(&v.to_py_str()),
        },
        8 => match a.first() {
            None => Value::Int(0),
            Some(Value::Int(i)) => Value::Int(*i),
            Some(Value::Bool(b)) => Value::Int(*b as i64),
            Some(Value::Float(f)) => Value::Int(float_to_int(*f)?),
            Some(Value::Str(s)) => match parse_int(s) {
                Some(i) => Value::Int(i),
                None => {
                    return value_err(format!(
                        "invalid literal for int() with base 10: {}",
                        crate::value::str_repr(s)
                    ));
                }
            },
            Some(v) => {
                return type_err(format!(
                    "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                    v.type_name()
                ));
            }
        },
        9 => match a.first() {
            None => Value::Float(0.0),
            Some(Value::Str(s)) => match parse_float(s) {
                Some(f) => Value::Float(f),
                None => {
                    return value_err(format!(
                        "could not convert string to float: {}",
                        crate::value::str_repr(s)
                    ));
                }
            },
            Some(v) => match as_f64(v) {
                Some(f) => Value::Float(f),
                None => {
                    return type_err(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    ));
                }
            },
        },
        10 => Value::Bool(a.first().is_some_and(Value::truthy)),
        11 => {
            arity("range", a, 1, 3)?;
            let mut n = Vec::new();
            for v in a {
                match as_int(v) {
                    Some(i) => n.push(i),
                    None => {
                        return type_err(format!(
                            "'{}' object cannot be interpreted as an integer",
                            v.type_name()
                        ));
                    }
                }
            }
            let (start, stop, step) = match n.len() {
                1 => (0, n[0], 1),
                2 => (n[0], n[1], 1),
                _ => (n[0], n[1], n[2]),
            };
            if step == 0 {
                return value_err("range() arg 3 must not be zero");
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < stop) || (step < 0 && i > stop) {
                out.push(Value::Int(i));
                match i.checked_add(step) {
                    Some(j) => i = j,
                    None => break,
                }
            }
            Value::list(out)
        }
        12 => Value::list(match a.first() {
            None => vec![],
            Some(v) => ops::iterate(v)?,
        }),
        13 => match a.first() {
            None => Value::dict(IndexMap::new()),
            Some(Value::Dict(d)) => Value::dict(d.borrow().clone()),
            Some(v) => {
                let mut m = IndexMap::new();
                for item in ops::iterate(v)? {
                    let pair = ops::iterate(&item)?;
                    if pair.len() != 2 {
                        return value_err(format!(
                            "dictionary update sequence element #0 has length {}; 2 is required",
                            pair.len()
                        ));
                    }
                    pair[0].check_hashable()?;
                    m.insert(pair[0].clone(), pair[1].clone());
                }
                Value::dict(m)
            }
        },
        14 => Value::tuple(match a.first() {
            None => vec![],
            Some(v) => ops::iterate(v)?,
        }),
        15 => {
            arity("round", a, 1, 2)?;
            let nd = a.get(1).filter(|v| !matches!(v, Value::None));
            match (&a[0], nd) {
                (Value::Int(i), None) => Value::Int(*i),
                (Value::Int(i), Some(n)) => {
                    let n = as_int(n).unwrap_or(0);
                    if n >= 0 {
                        Value::Int(*i)
                    } else {
                        let p = 10i64.checked_pow((-n) as u32).unwrap_or(i64::MAX);
                        let q = ops::floor_div_i(*i, p)?;
                        let r = i - q * p;
                        let q = if 2 * r > p || (2 * r == p && q % 2 != 0) {
                            q + 1
                        } else {
                            q
                        };
                        Value::Int(q.checked_mul(p).ok_or_else(crate::value::overflow)?)
                    }
                }
                (Value::Float(f), None) => Value::Int(float_to_int(round_half_even(*f))?),
                (Value::Float(f), Some(n)) => {
                    let n = as_int(n).unwrap_or(0);
                    if !f.is_finite() {
                        Value::Float(*f)
                    } else if n >= 0 {
                        let s = format!("{:.*}", n.min(400) as usize, f);
                        Value::Float(s.parse().unwrap_or(*f))
                    } else {
                        let p = 10f64.powi((-n) as i32);
                        Value::Float(round_half_even(f / p) * p)
                    }
                }
                (v, _) => {
                    return type_err(format!(
                        "type {} doesn't define __round__ method",
                        v.type_name()
                    ));
                }
            }
        }
        16 => {
            arity("reversed", a, 1, 1)?;
            let mut items = match &a[0] {
                Value::Dict(_) | Value::List(_) | Value::Tuple(_) | Value::Str(_) => {
                    ops::iterate(&a[0])?
                }
                v => return type_err(format!("'{}' object is not reversible", v.type_name())),
            };
            items.reverse();
            Value::list(items)
        }
        17 => {
            arity("enumerate", a, 1, 2)?;
            let start = a.get(1).and_then(as_int).unwrap_or(0);
            let items = ops::iterate(&a[0])?;
            Value::list(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| Value::tuple(vec![Value::Int(start + i as i64), x]))
                    .collect(),
            )
        }
        18 => {
            let lists = a.iter().map(ops::iterate).collect::<R<Vec<_>>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            Value::list(
                (0..n)
                    .map(|i| Value::tuple(lists.iter().map(|l| l[i].clone()).collect()))
                    .collect(),
            )
        }
        19 => {
            arity("any", a, 1, 1)?;
            Value::Bool(ops::iterate(&a[0])?.iter().any(Value::truthy))
        }
        20 => {
            arity("all", a, 1, 1)?;
            Value::Bool(ops::iterate(&a[0])?.iter().all(Value::truthy))
        }
        21 => {
            arity("repr", a, 1, 1)?;
            Value::str(&a[0].repr())
        }
        22 => {
            arity("divmod", a, 2, 2)?;
            if let (Some(_), Some(0)) = (as_int(&a[0]), as_int(&a[1])) {
                return Err(Exc::new(
                    "ZeroDivisionError",
                    "integer division or modulo by zero",
                ));
            }
            Value::tuple(vec![
                ops::binary(BinOp::FloorDiv, &a[0], &a[1])?,
                ops::binary(BinOp::Mod, &a[0], &a[1])?,
            ])
        }
        23 => {
            arity("pow", a, 2, 3)?;
            let p = ops::binary(BinOp::Pow, &a[0], &a[1])?;
            match a.get(2) {
                Some(m) => ops::binary(BinOp::Mod, &p, m)?,
                None => p,
            }
        }
        f => {
            return Err(Exc::unsupported(&format!("builtin {f}")));
        }
    })
}

fn want_str<'a>(v: &'a Value, what: &str) -> R<&'a str> {
    match v {
        Value::Str(s) => Ok(s),
        _ => type_err(format!("{what} must be str, not {}", v.type_name())),
    }
}

fn no_attr<T>(recv: &Value, name: &str) -> R<T> {
    Err(Exc::no_attribute(recv.type_name(), name))
}

/// `receiver.method(args)` on a builtin value.
pub fn call_method(recv: &Value, name: &str, args: Vec<Value>) -> R<Value> {
    let a = &args;
    match recv {
        Value::List(l) => Ok(match name {
            "append" => {
                arity("list.append", a, 1, 1)?;
                l.borrow_mut().push(a[0].clone());
                Value::None
            }
            "extend" => {
                arity("list.extend", a, 1, 1)?;
                let items = ops::iterate(&a[0])?;
                l.borrow_mut().extend(items);
                Value::None
            }
            "pop" => {
                arity("pop", a, 0, 1)?;
                let mut l = l.borrow_mut();
                if l.is_empty() {
                    return Err(Exc::new("IndexError", "pop from empty list"));
                }
                let n = l.len() as i64;
                let i = a.first().and_then(as_int).unwrap_or(-1);
                let j = if i < 0 { i + n } else { i };
                if !(0..n).contains(&j) {
                    return Err(Exc::new("IndexError", "pop index out of range"));
                }
                l.remove(j as usize)
            }
            "insert" => {
                arity("insert", a, 2, 2)?;
                let mut l = l.borrow_mut();
                let n = l.len() as i64;
                let i = as_int(&a[0]).unwrap_or(0);
                let j = if i < 0 { (i + n).max(0) } else { i.min(n) };
                l.insert(j as usize, a[1].clone());
                Value::None
            }
            "remove" => {
                arity("list.remove", a, 1, 1)?;
                let mut l = l.borrow_mut();
                match l.iter().position(|x| x.py_eq(&a[0])) {
                    Some(i) => {
                        l.remove(i);
                        Value::None
                    }
                    None => return value_err("list.remove(x): x not in list"),
                }
            }
            "index" => {
                arity("index", a, 1, 1)?;
                match l.borrow().iter().position(|x| x.py_eq(&a[0])) {
                    Some(i) => Value::Int(i as i64),
                    None => return value_err(format!("{} is not in list", a[0].repr())),
                }
            }
            "count" => Value::Int(l.borrow().iter().filter(|x| x.py_eq(&a[0])).count() as i64),
            "clear" => {
                l.borrow_mut().clear();
                Value::None
            }
            "copy" => Value::list(l.borrow().clone()),
            "reverse" => {
                l.borrow_mut().reverse();
                Value::None
            }
            "sort" => {
                let mut items = l.borrow().clone();
                ops::sort_values(&mut items)?;
                if a.first().is_some_and(Value::truthy) {
                    items.reverse();
                }
                *l.borrow_mut() = items;
                Value::None
            }
            _ => return no_attr(recv, name),
        }),
        Value::Dict(d) => Ok(match name {
            "get" => {
                arity("get", a, 1, 2)?;
                a[0].check_hashable()?;
                d.borrow()
                    .get(&a[0])
                    .cloned()
                    .unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::None))
            }
            "keys" => Value::list(d.borrow().keys().cloned().collect()),
            "values" => Value::list(d.borrow().values().cloned().collect()),
            "items" => Value::list(
                d.borrow()
                    .iter()
                    .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
                    .collect(),
            ),
            "pop" => {
                arity("pop", a, 1, 2)?;
                a[0].check_hashable()?;
                match d.borrow_mut().shift_remove(&a[0]) {
                    Some(v) => v,
                    None => match a.get(1) {
                        Some(dflt) => dflt.clone(),
                        None => return Err(Exc::new("KeyError", a[0].repr())),
                    },
                }
            }
            "setdefault" => {
                arity("setdefault", a, 1, 2)?;
                a[0].check_hashable()?;
                let dflt = a.get(1).cloned().unwrap_or(Value::None);
                d.borrow_mut().entry(a[0].clone()).or_insert(dflt).clone()
            }
            "update" => {
                arity("update", a, 1, 1)?;
                let other = call_builtin(13, vec![a[0].clone()])?;
                if let Value::Dict(o) = other {
                    let o = o.borrow().clone();
                    d.borrow_mut().extend(o);
                }
                Value::None
            }
            "clear" => {
                d.borrow_mut().clear();
                Value::None
            }
            "copy" => Value::dict(d.borrow().clone()),
            _ => return no_attr(recv, name),
        }),
        Value::Str(s) => str_method(recv, s, name, a),
        _ => no_attr(recv, name),
    }
}

fn str_method(recv: &Value, s: &str, name: &str, a: &[Value]) -> R<Value> {
    let strip_chars = |a: &[Value]| -> R<Option<Vec<char>>> {
        match a.first() {
            None | Some(Value::None) => Ok(None),
            Some(v) => Ok(Some(want_str(v, "strip arg")?.chars().collect())),
        }
    };
    Ok(match name {
        "upper" => Value::str(&s.to_uppercase()),
        "lower" => Value::str(&s.to_lowercase()),
        "strip" | "lstrip" | "rstrip" => {
            let cs = strip_chars(a)?;
            let pred = |c: char| match &cs {
                None => c.is_whitespace(),
                Some(cs) => cs.contains(&c),
            };
            Value::str(match name {
                "strip" => s.trim_matches(pred),
                "lstrip" => s.trim_start_matches(pred),
                _ => s.trim_end_matches(pred),
            })
        }
        "split" => {
            let parts: Vec<Value> = match a.first() {
                None | Some(Value::None) => s.split_whitespace().map(Value::str).collect(),
                Some(sep) => {
                    let sep = want_str(sep, "sep")?;
                    if sep.is_empty() {
                        return value_err("empty separator");
                    }
                    s.split(sep).map(Value::str).collect()
                }
            };
            Value::list(parts)
        }
        "join" => {
            let items = ops::iterate(a.first().unwrap_or(&Value::None))?;
            let mut out = String::new();
            for (i, x) in items.iter().enumerate() {
                match x {
                    Value::Str(t) => {
                        if i > 0 {
                            out.push_str(s);
                        }
                        out.push_str(t);
                    }
                    _ => {
                        return type_err(format!(
                            "sequence item {i}: expected str instance, {} found",
                            x.type_name()
                        ));
                    }
                }
            }
            Value::str(&out)
        }
        "replace" => {
            arity("replace", a, 2, 2)?;
            Value::str(&s.replace(
                want_str(&a[0], "replace arg")?,
                want_str(&a[1], "replace arg")?,
            ))
        }
        "startswith" => Value::Bool(s.starts_with(want_str(
            a.first().unwrap_or(&Value::None),
            "startswith arg",
        )?)),
        "endswith" => {
            Value::Bool(s.ends_with(want_str(a.first().unwrap_or(&Value::None), "endswith arg")?))
        }
        "find" | "index" => {
            let sub = want_str(a.first().unwrap_or(&Value::None), "must be str")?;
            match s.find(sub) {
                Some(b) => Value::Int(s[..b].chars().count() as i64),
                None if name == "find" => Value::Int(-1),
                None => return value_err("substring not found"),
            }
        }
        "count" => {
            let sub = want_str(a.first().unwrap_or(&Value::None), "must be str")?;
            Value::Int(if sub.is_empty() {
                s.chars().count() as i64 + 1
            } else {
                s.matches(sub).count() as i64
            })
        }
        "title" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for c in s.chars() {
                if prev_alpha {
                    out.extend(c.to_lowercase())
                } else {
                    out.extend(c.to_uppercase())
                }
                prev_alpha = c.is_alphabetic();
            }
            Value::str(&out)
        }
        "capitalize" => {
            let mut cs = s.chars();
            Value::str(&match cs.next() {
                Some(c) => c
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect::<String>(),
                None => String::new(),
            })
        }
        "isdigit" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isupper" => {
            Value::Bool(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase))
        }
        "islower" => {
            Value::Bool(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase))
        }
        "zfill" => {
            let w = a.first().and_then(as_int).unwrap_or(0).max(0) as usize;
            let n = s.chars().count();
            if n >= w {
                Value::str(s)
            } else {
                let (sign, rest) = if s.starts_with(['-', '+']) {
                    s.split_at(1)
                } else {
                    ("", s)
                };
                Value::str(&format!("{sign}{}{rest}", "0".repeat(w - n)))
            }
        }
        _ => return no_attr(recv, name),
    })
}

/// `format(value, spec)`: the format-spec mini-language for the common cases.
pub fn format_value(v: &Value, spec: &str) -> R<String> {
    if spec.is_empty() {
        return Ok(v.to_py_str());
    }
    let mut chars: Vec<char> = spec.chars().collect();
    let mut fill = ' ';
    let mut align = None;
    if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^' | '=') {
        fill = chars[0];
        align = Some(chars[1]);
        chars.drain(..2);
    } else if !chars.is_empty() && matches!(chars[0], '<' | '>' | '^' | '=') {
        align = Some(chars[0]);
        chars.drain(..1);
    }
    let mut sign = '-';
    if !chars.is_empty() && matches!(chars[0], '+' | '-' | ' ') {
        sign = chars[0];
        chars.remove(0);
    }
    if !chars.is_empty() && chars[0] == '0' {
        if align.is_none() {
            fill = '0';
            align = Some('=');
        }
        chars.remove(0);
    }
    let rest: String = chars.into_iter().collect();
    let mut width_s = String::new();
    let mut it = rest.chars().peekable();
    while let Some(c) = it.peek().filter(|c| c.is_ascii_digit()) {
        width_s.push(*c);
        it.next();
    }
    let mut grouping = None;
    if let Some(c) = it.peek().copied().filter(|c| *c == ',' || *c == '_') {
        grouping = Some(c);
        it.next();
    }
    let mut prec = None;
    if it.peek() == Some(&'.') {
        it.next();
        let mut p = String::new();
        while let Some(c) = it.peek().filter(|c| c.is_ascii_digit()) {
            p.push(*c);
            it.next();
        }
        prec = p.parse::<usize>().ok();
    }
    let ty: Option<char> = it.next();
    if it.next().is_some() {
        return value_err(format!(
            "Invalid format specifier '{spec}' for object of type '{}'",
            v.type_name()
        ));
    }
    let width: usize = width_s.parse().unwrap_or(0);
    let bad = || {
        value_err(format!(
            "Unknown format code '{}' for object of type '{}'",
            ty.unwrap_or(' '),
            v.type_name()
        ))
    };
    let (negative, mut body, numeric) = match (v, ty) {
        (Value::Str(s), None | Some('s')) => {
            let s: String = match prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            (false, s, false)
        }
        (Value::Int(_) | Value::Bool(_), None | Some('d')) if prec.is_none() => {
            let i = as_int(v).unwrap_or(0);
            (i < 0, i.unsigned_abs().to_string(), true)
        }
        (
            Value::Int(_) | Value::Bool(_) | Value::Float(_),
            Some('f' | 'F' | 'e' | 'E' | '%' | 'g' | 'G'),
        )
        | (Value::Float(_), None) => {
            let f = as_f64(v).unwrap_or(0.0);
            let p = prec.unwrap_or(6);
            let a = f.abs();
            let s = match ty {
                Some('f' | 'F') => fmt_fixed(a, p),
                Some('%') => format!("{}%", fmt_fixed(a * 100.0, p)),
                Some('e' | 'E') => fmt_exp(a, p),
                Some('g' | 'G') => fmt_general(a, prec.unwrap_or(6)),
                _ => match prec {
                    Some(p) => fmt_general(a, p),
                    None => float_repr(a),
                },
            };
            (f.is_sign_negative() && !f.is_nan(), s, true)
        }
        (Value::Int(_) | Value::Bool(_), Some(c @ ('x' | 'X' | 'b' | 'o'))) => {
            let i = as_int(v).unwrap_or(0);
            let u = i.unsigned_abs();
            let s = match c {
                'x' => format!("{u:x}"),
                'X' => format!("{u:X}"),
                'b' => format!("{u:b}"),
                _ => format!("{u:o}"),
            };
            (i < 0, s, true)
        }
        (Value::List(_) | Value::Dict(_) | Value::Tuple(_) | Value::None | Value::Ref(_), _) => {
            return type_err(format!(
                "unsupported format string passed to {}.__format__",
                v.type_name()
            ));
        }
        _ => return bad(),
    };
    if let Some(g) = grouping.filter(|_| numeric) {
        let (int_part, frac) = match body.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => (body[..i].to_string(), body[i..].to_string()),
            None => (body.clone(), String::new()),
        };
        let mut grouped = String::new();
        for (i, c) in int_part.chars().enumerate() {
            if i > 0 && (int_part.len() - i) % 3 == 0 {
                grouped.push(g);
            }
            grouped.push(c);
        }
        body = grouped + &frac;
    }
    let sign_s = if negative {
        "-"
    } else if numeric && sign == '+' {
        "+"
    } else if numeric && sign == ' ' {
        " "
    } else {
        ""
    };
    let len = sign_s.chars().count() + body.chars().count();
    let pad = width.saturating_sub(len);
    let align = align.unwrap_or(if numeric { '>' } else { '<' });
    let fills = |n: usize| fill.to_string().repeat(n);
    Ok(match align {
        '<' => format!("{sign_s}{body}{}", fills(pad)),
        '^' => format!("{}{sign_s}{body}{}", fills(pad / 2), fills(pad - pad / 2)),
        '=' => format!("{sign_s}{}{body}", fills(pad)),
        _ => format!("{}{sign_s}{body}", fills(pad)),
    })
}

fn fmt_fixed(a: f64, p: usize) -> String {
    if a.is_nan() {
        return "nan".into();
    }
    if a.is_infinite() {
        return "inf".into();
    }
    format!("{a:.p$}")
}

fn fmt_exp(a: f64, p: usize) -> String {
    if !a.is_finite() {
        return fmt_fixed(a, p);
    }
    let s = format!("{a:.p$e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

fn fmt_general(a: f64, p: usize) -> String {
    if !a.is_finite() {
        return fmt_fixed(a, p);
    }
    let p = p.max(1);
    if a == 0.0 {
        return "0".into();
    }
    let exp = format!("{a:.*e}", p - 1);
    let e: i32 = exp
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if e < -4 || e >= p as i32 {
        let m = exp
            .split_once('e')
            .map(|(m, _)| m.to_string())
            .unwrap_or_default();
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m
        };
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let f = format!("{a:.*}", (p as i32 - 1 - e).max(0) as usize);
        if f.contains('.') {
            f.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            f
        }
    }
}
