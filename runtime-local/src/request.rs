//! Workload lines → requests (the ingress/router's job) and request arguments → typed values
//! (semantics.md sections 3 and 4). Parsing never panics: every malformed line becomes a
//! `BadRequest` result.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use indexmap::IndexMap;
use stent_ir::v1::{self as ir, Primitive, r#type};

use crate::json::{self, Json};
use crate::value::{EntityRef, Exc, Key, KeyStr, R, Value};

/// A request argument: the common shapes the fast path (`fastreq.rs`) reads straight from the
/// line, or any JSON value. Either form conforms to the same value (see [`conform_args`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    Str(Arc<str>),
    /// `{"$entity": TYPE, "key": KEY}` of a known type (its type index).
    Ref(usize, Key),
    Json(Json),
}

impl Arg {
    /// The JSON this argument was read from (`names`: the program's type names by index).
    pub fn to_json(&self, names: &[Arc<str>]) -> Json {
        match self {
            Arg::Int(i) => Json::Int(*i),
            Arg::Str(s) => Json::Str(s.to_string()),
            Arg::Ref(ty, key) => Json::Obj(vec![
                ("$entity".into(), Json::Str(names[*ty].to_string())),
                (
                    "key".into(),
                    match key {
                        Key::Int(i) => Json::Int(*i),
                        Key::Str(s) => Json::Str(s.as_str().to_string()),
                    },
                ),
            ]),
            Arg::Json(j) => j.clone(),
        }
    }
}

/// A request's arguments, inline up to three: no allocation per request (with the pipelined
/// executor a request is parsed on one thread and dropped on another, and a cross-thread free
/// takes an allocator lock).
pub type Args = smallvec::SmallVec<[Arg; 3]>;

#[derive(Debug, Clone)]
pub enum RequestKind {
    Create {
        ty: usize,
        args: Args,
    },
    Call {
        ty: usize,
        key: Key,
        /// Inline when short (no allocation per request).
        method: KeyStr,
        args: Args,
    },
    Get {
        ty: usize,
        key: Key,
    },
}

/// A request id: an integer (no allocation), or a string id's JSON text (`"r1"`).
#[derive(Debug, Clone, PartialEq)]
pub enum ReqId {
    Int(i64),
    Text(String),
}

impl ReqId {
    /// Appends the id's JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            ReqId::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            ReqId::Text(t) => out.push_str(t),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: ReqId,
    pub kind: RequestKind,
}

/// A parsed line: a request, or a `BadRequest` with the id to answer (`null` when unusable).
pub enum Parsed {
    Ok(Request),
    Bad { id: String, message: String },
}

fn json_key(j: &Json) -> Option<Key> {
    match j {
        Json::Int(i) => Some(Key::Int(*i)),
        Json::Str(s) => Some(Key::str(s)),
        _ => None,
    }
}

/// Checks the shape of `args` (tagged objects, int64 range) without typing them.
pub(crate) fn check_json(j: &Json, types: &HashMap<&str, usize>) -> Result<(), String> {
    match j {
        Json::BigInt(s) => Err(format!("integer {s} is outside the int64 range")),
        Json::Arr(items) => items.iter().try_for_each(|x| check_json(x, types)),
        Json::Obj(members) => {
            if j.get("$entity").is_some() {
                let ok_fields = members.iter().all(|(k, _)| k == "$entity" || k == "key");
                let ty_ok = matches!(j.get("$entity"), Some(Json::Str(t)) if types.contains_key(t.as_str()));
                if !ok_fields || !ty_ok || j.get("key").is_none() {
                    return Err("bad entity reference".into());
                }
                if j.get("key").and_then(json_key).is_none() {
                    return Err("entity key must be a string or an integer".into());
                }
                return Ok(());
            }
            if members.len() == 1
                && let Some(f) = j.get("$float")
            {
                return match f {
                    Json::Str(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                        Ok(())
                    }
                    _ => Err("bad $float value".into()),
                };
            }
            members.iter().try_for_each(|(_, x)| check_json(x, types))
        }
        _ => Ok(()),
    }
}

pub fn parse_line(line: &str, line_no: usize, types: &HashMap<&str, usize>) -> Parsed {
    match crate::fastreq::parse_fast(line, types) {
        Some(req) => Parsed::Ok(req),
        None => parse_general(line, line_no, types),
    }
}

/// The parser of every request line (the fast path only takes lines on which it agrees).
fn parse_general(line: &str, line_no: usize, types: &HashMap<&str, usize>) -> Parsed {
    let bad_null = |m: String| Parsed::Bad {
        id: "null".into(),
        message: format!("line {line_no}: {m}"),
    };
    let j = match json::parse(line) {
        Ok(j) => j,
        Err(e) => return bad_null(format!("invalid JSON: {e}")),
    };
    if !matches!(j, Json::Obj(_)) {
        return bad_null("a request must be a JSON object".into());
    }
    let id = match j.get("id") {
        Some(Json::Int(i)) => ReqId::Int(*i),
        Some(Json::Str(s)) => {
            let mut o = String::new();
            json::write_str(&mut o, s);
            ReqId::Text(o)
        }
        _ => return bad_null("missing or invalid request id".into()),
    };
    match parse_body(&j, types) {
        Ok(kind) => Parsed::Ok(Request { id, kind }),
        Err(message) => {
            let mut text = String::new();
            id.write(&mut text);
            Parsed::Bad { id: text, message }
        }
    }
}

fn parse_body(j: &Json, types: &HashMap<&str, usize>) -> Result<RequestKind, String> {
    let kinds: Vec<&str> = ["create", "call", "get"]
        .into_iter()
        .filter(|k| j.get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        return Err("a request needs exactly one of 'create', 'call', 'get'".into());
    }
    let kind = kinds[0];
    let ty = match j.get(kind) {
        Some(Json::Str(t)) if types.contains_key(t.as_str()) => types[t.as_str()],
        Some(other) => return Err(format!("unknown entity type {}", short(other))),
        None => return Err("missing entity type".into()),
    };
    let key = if kind != "create" {
        match j.get("key").and_then(json_key) {
            Some(k) => Some(k),
            None => return Err("'key' must be a string or an integer".into()),
        }
    } else {
        None
    };
    if kind == "get" {
        return Ok(RequestKind::Get {
            ty,
            key: key.unwrap_or(Key::Int(0)),
        });
    }
    let args = match j.get("args") {
        None => Vec::new(),
        Some(Json::Arr(a)) => a.clone(),
        Some(_) => return Err("'args' must be an array".into()),
    };
    args.iter().try_for_each(|a| check_json(a, types))?;
    let args = args.into_iter().map(Arg::Json).collect();
    if kind == "create" {
        return Ok(RequestKind::Create { ty, args });
    }
    let method = match j.get("method") {
        Some(Json::Str(m)) => KeyStr::new(m),
        _ => return Err("'method' must be a string".into()),
    };
    Ok(RequestKind::Call {
        ty,
        key: key.unwrap_or(Key::Int(0)),
        method,
        args,
    })
}

fn short(j: &Json) -> String {
    match j {
        Json::Str(s) => crate::value::str_repr(s),
        _ => format!("{j:?}").chars().take(60).collect(),
    }
}

/// JSON → value without a type (unannotated parameters).
pub fn decode(j: &Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Int(i) => Value::Int(*i),
        Json::BigInt(_) => Value::None, // rejected by check_json before execution
        Json::Float(f) => Value::Float(*f),
        Json::Str(s) => Value::str(s),
        Json::Arr(a) => Value::list(a.iter().map(decode).collect()),
        Json::Obj(m) => {
            if let (Some(Json::Str(t)), Some(k)) =
                (j.get("$entity"), j.get("key").and_then(json_key))
            {
                return Value::Ref(Arc::new(EntityRef {
                    entity: Arc::from(t.as_str()),
                    key: k,
                }));
            }
            if let (1, Some(Json::Str(f))) = (m.len(), j.get("$float")) {
                return Value::Float(match f.as_str() {
                    "NaN" => f64::NAN,
                    "Infinity" => f64::INFINITY,
                    _ => f64::NEG_INFINITY,
                });
            }
            let mut d = IndexMap::new();
            for (k, v) in m {
                d.insert(Value::str(k), decode(v));
            }
            Value::dict(d)
        }
    }
}

fn type_name(t: &ir::Type) -> String {
    match &t.kind {
        Some(r#type::Kind::Primitive(p)) => match Primitive::try_from(*p) {
            Ok(Primitive::Int) => "int".into(),
            Ok(Primitive::Float) => "float".into(),
            Ok(Primitive::Bool) => "bool".into(),
            Ok(Primitive::Str) => "str".into(),
            Ok(Primitive::None) => "None".into(),
            _ => "Any".into(),
        },
        Some(r#type::Kind::List(l)) => format!(
            "list[{}]",
            l.element.as_deref().map(type_name).unwrap_or_default()
        ),
        Some(r#type::Kind::Dict(_)) => "dict".into(),
        Some(r#type::Kind::Tuple(_)) => "tuple".into(),
        Some(r#type::Kind::Optional(o)) => format!(
            "Optional[{}]",
            o.inner.as_deref().map(type_name).unwrap_or_default()
        ),
        Some(r#type::Kind::Entity(e)) => e.clone(),
        None => "Any".into(),
    }
}

fn json_type(j: &Json) -> String {
    match j {
        Json::Null => "None".into(),
        Json::Bool(_) => "bool".into(),
        Json::Int(_) | Json::BigInt(_) => "int".into(),
        Json::Float(_) => "float".into(),
        Json::Str(_) => "str".into(),
        Json::Arr(_) => "list".into(),
        Json::Obj(_) => match j.get("$entity") {
            Some(Json::Str(t)) => t.clone(),
            _ if j.get("$float").is_some() => "float".into(),
            _ => "dict".into(),
        },
    }
}

fn is_int_str(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()) && (d == "0" || !d.starts_with('0'))
}

/// [`conform`] for the argument shapes of the fast path; `None` when it does not apply (the
/// caller then conforms the argument's JSON, which also builds the error).
fn conform_fast(a: &Arg, t: &ir::Type, names: &[Arc<str>]) -> Option<Value> {
    let prim = |p: Primitive| matches!(&t.kind, Some(r#type::Kind::Primitive(x)) if *x == p as i32);
    let any = t.kind.is_none() || prim(Primitive::Any) || prim(Primitive::Unspecified);
    match a {
        Arg::Int(i) if any || prim(Primitive::Int) => Some(Value::Int(*i)),
        Arg::Str(s) if any || prim(Primitive::Str) => Some(Value::Str(s.clone())),
        Arg::Ref(ty, key) => {
            let ok = any || matches!(&t.kind, Some(r#type::Kind::Entity(e)) if **e == *names[*ty]);
            ok.then(|| {
                Value::Ref(Arc::new(EntityRef {
                    entity: names[*ty].clone(),
                    key: key.clone(),
                }))
            })
        }
        _ => None,
    }
}

/// Checks a JSON argument against a parameter type, converting as semantics.md section 4 says.
fn conform(j: &Json, t: &ir::Type) -> Option<Value> {
    let Some(kind) = &t.kind else {
        return Some(decode(j));
    };
    match kind {
        r#type::Kind::Primitive(p) => match (Primitive::try_from(*p).ok()?, j) {
            (Primitive::Int, Json::Int(i)) => Some(Value::Int(*i)),
            (Primitive::Float, Json::Int(i)) => Some(Value::Float(*i as f64)),
            (Primitive::Float, Json::Float(f)) => Some(Value::Float(*f)),
            (Primitive::Float, Json::Obj(_)) if json_type(j) == "float" => Some(decode(j)),
            (Primitive::Bool, Json::Bool(b)) => Some(Value::Bool(*b)),
            (Primitive::Str, Json::Str(s)) => Some(Value::str(s)),
            (Primitive::None, Json::Null) => Some(Value::None),
            (Primitive::Any | Primitive::Unspecified, _) => Some(decode(j)),
            _ => None,
        },
        r#type::Kind::Entity(e) => match (j, j.get("$entity")) {
            (_, Some(Json::Str(t))) if t == e => Some(decode(j)),
            _ => None,
        },
        r#type::Kind::Optional(o) => match j {
            Json::Null => Some(Value::None),
            _ => match o.inner.as_deref() {
                Some(inner) => conform(j, inner),
                None => Some(decode(j)),
            },
        },
        r#type::Kind::List(l) => match j {
            Json::Arr(a) => {
                let items = match l.element.as_deref() {
                    Some(et) => a
                        .iter()
                        .map(|x| conform(x, et))
                        .collect::<Option<Vec<_>>>()?,
                    None => a.iter().map(decode).collect(),
                };
                Some(Value::list(items))
            }
            _ => None,
        },
        r#type::Kind::Tuple(tt) => match j {
            Json::Arr(a) => {
                if tt.elements.is_empty() {
                    return Some(Value::tuple(a.iter().map(decode).collect()));
                }
                if tt.elements.len() != a.len() {
                    return None;
                }
                let items = a
                    .iter()
                    .zip(&tt.elements)
                    .map(|(x, et)| conform(x, et))
                    .collect::<Option<Vec<_>>>()?;
                Some(Value::tuple(items))
            }
            _ => None,
        },
        r#type::Kind::Dict(dt) => match j {
            Json::Obj(m) if json_type(j) == "dict" => {
                let int_keys = matches!(
                    dt.key.as_deref().and_then(|k| k.kind.as_ref()),
                    Some(r#type::Kind::Primitive(p)) if *p == Primitive::Int as i32
                );
                let mut d = IndexMap::new();
                for (k, v) in m {
                    let key = if int_keys {
                        if !is_int_str(k) {
                            return None;
                        }
                        Value::Int(k.parse().ok()?)
                    } else {
                        Value::str(k)
                    };
                    let val = match dt.value.as_deref() {
                        Some(vt) => conform(v, vt)?,
                        None => decode(v),
                    };
                    d.insert(key, val);
                }
                Some(Value::dict(d))
            }
            _ => None,
        },
    }
}

/// Arity and annotation checks for a client request's arguments (TypeError on mismatch).
/// `ty.method()` names the callee in the error (built only on error: this runs per request).
/// The values are appended to `out` (the callee's slot vector); `names`: the type names.
pub fn conform_args(
    ty: &str,
    method: &str,
    params: &[ir::Param],
    args: &[Arg],
    names: &[Arc<str>],
    out: &mut Vec<Option<Value>>,
) -> R<()> {
    let label = || format!("{ty}.{method}()");
    if params.len() != args.len() {
        let label = label();
        let (n, m) = (params.len(), args.len());
        return Err(Exc::new(
            "TypeError",
            format!(
                "{label} takes {n} argument{} but {m} {} given",
                if n == 1 { "" } else { "s" },
                if m == 1 { "was" } else { "were" }
            ),
        ));
    }
    for (p, a) in params.iter().zip(args) {
        let fast = match &p.r#type {
            Some(t) => conform_fast(a, t, names),
            None => conform_fast(a, &ir::Type::default(), names),
        };
        if let Some(v) = fast {
            out.push(Some(v));
            continue;
        }
        let owned;
        let a = match a {
            Arg::Json(j) => j,
            other => {
                owned = other.to_json(names);
                &owned
            }
        };
        let v = match &p.r#type {
            Some(t) => conform(a, t).ok_or_else(|| {
                Exc::new(
                    "TypeError",
                    format!(
                        "{} argument '{}': expected {}, got {}",
                        label(),
                        p.name,
                        type_name(t),
                        json_type(a)
                    ),
                )
            })?,
            None => decode(a),
        };
        out.push(Some(v));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wherever the fast path takes a line, it builds exactly what the general parser builds.
    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        let types: HashMap<&str, usize> = [("Account", 0), ("Shop", 1)].into_iter().collect();
        let lines = [
            r#"{"id": "r1", "call": "Account", "key": "a1", "method": "transfer", "args": [{"$entity": "Account", "key": "a2"}, 5]}"#,
            r#"{"args": [1, 2.5, "x", null, true, [1, {"k": -3}]], "method": "m", "key": 7, "call": "Shop", "id": 12}"#,
            r#"{"id": "c", "create": "Account", "args": ["a1", 100]}"#,
            r#"{"id": "g", "get": "Account", "key": "a1"}"#,
            r#"{"id": -4, "get": "Shop", "key": -9}"#,
            r#"{ "id" : "sp" , "call" : "Account" , "key" : "k" , "method" : "m" , "args" : [ ] }"#,
            r#"{"id": "u", "call": "Account", "key": "ключ", "method": "m", "args": ["é"]}"#,
            r#"{"id": "nan", "call": "Account", "key": "a", "method": "m", "args": [{"$float": "nan"}]}"#,
            r#"{"id": "d", "call": "Account", "key": "a", "method": "m", "args": [{"b": 1, "a": 2}]}"#,
            r#"{"id": "e1", "call": "Nope", "key": "a", "method": "m", "args": []}"#,
            r#"{"id": "e2", "call": "Account", "key": 1.5, "method": "m", "args": []}"#,
            r#"{"id": "e3", "call": "Account", "key": "a", "method": "m", "args": {}}"#,
            r#"{"id": "e4", "call": "Account", "get": "Account", "key": "a"}"#,
            r#"{"id": "e5", "call": "Account", "key": "a", "method": "m", "args": [99999999999999999999]}"#,
            r#"{"id": "e6", "id": "again", "get": "Account", "key": "a"}"#,
            r#"{"id": "e7\n", "get": "Account", "key": "a"}"#,
            r#"{"id": "e8", "get": "Account", "key": "a", "extra": 1}"#,
            r#"{"id": "e9", "get": "Account", "key": "a""#,
            r#"["not", "an", "object"]"#,
            // member names are compared in place, quotes included
            r#"{"i\u0064": "esc", "get": "Account", "key": "a"}"#,
            r#"{"idx": "p1", "get": "Account", "key": "a"}"#,
            r#"{"id": "p2", "get": "Account", "key": "a", "keys": 1}"#,
            r#"{"id": "p3", "call": "Account", "key": "a", "method": "m", "args": [{"$entityx": "Account", "key": "b"}]}"#,
        ];
        // the fast path reads some arguments as `Arg` shapes, the general one as JSON
        let names: Vec<Arc<str>> = vec![Arc::from("Account"), Arc::from("Shop")];
        let norm = |mut r: Request| {
            if let RequestKind::Create { args, .. } | RequestKind::Call { args, .. } = &mut r.kind {
                for a in args.iter_mut() {
                    *a = Arg::Json(a.to_json(&names));
                }
            }
            format!("{r:?}")
        };
        let mut fast = 0;
        for line in lines {
            let Some(req) = crate::fastreq::parse_fast(line, &types) else {
                continue;
            };
            fast += 1;
            match parse_general(line, 1, &types) {
                Parsed::Ok(general) => {
                    assert_eq!(norm(req), norm(general), "{line}")
                }
                Parsed::Bad { message, .. } => {
                    panic!("fast path took a line the parser rejects ({message}): {line}")
                }
            }
        }
        assert!(
            fast >= 6,
            "the fast path took only {fast} of the usual lines"
        );
    }
}
