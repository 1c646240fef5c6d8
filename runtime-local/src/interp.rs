//! The IR interpreter: expressions and statements of one block, over a frame of slots and the
//! executing entity's state. Terminators that leave the entity (Invoke, RemoteGet) are handled
//! by the engine ([`crate::engine`]), which owns the continuation-frame stack: statements and
//! expressions never suspend (body.proto), so this module is a plain recursive evaluator.

use std::sync::Arc;

use indexmap::IndexMap;
use stent_ir::v1::{self as ir, assign_target, expr, format_part, stmt};

use crate::builtins;
use crate::ops::{self, BinOp};
use crate::value::{EntityRef, Exc, Key, R, Value};

/// A method activation: a continuation frame (events.proto `Frame`) while suspended.
pub struct Frame<'p> {
    pub ty: usize,
    /// None while the constructor runs (the key is not known yet).
    pub key: Option<Key>,
    /// The entity's index in the request's overlay ([`crate::engine::CTOR`] in a constructor).
    pub ent: usize,
    pub method: &'p ir::Method,
    pub block: u32,
    pub slots: Vec<Option<Value>>,
    /// The caller's slot receiving our result.
    pub result_slot: u32,
    /// Reached through a reference: the result is copied on return.
    pub remote: bool,
}

/// What expression evaluation needs from the engine: the executing entity's fields.
pub trait Host {
    fn field_index(&self, ty: usize, name: &str) -> R<usize>;
    /// Reads field `idx` of the frame's entity (`None`: never assigned).
    fn get_field(&mut self, f: &Frame, idx: usize) -> Option<Value>;
    fn set_field(&mut self, f: &Frame, idx: usize, v: Value);
    fn type_name(&self, ty: usize) -> Arc<str>;
    fn key_field(&self, ty: usize) -> usize;
    /// `print(...)` output of the running request.
    fn log(&mut self, line: String);
}

fn unsupported<T>(what: &str) -> R<T> {
    Err(Exc::new(
        "NotImplementedError",
        format!("unsupported construct: {what}"),
    ))
}

fn need<'a, T>(x: &'a Option<T>, what: &str) -> R<&'a T> {
    x.as_ref().ok_or_else(|| {
        Exc::new(
            "NotImplementedError",
            format!("malformed IR: missing {what}"),
        )
    })
}

pub fn literal(v: &ir::Value) -> R<Value> {
    use ir::value::Kind;
    Ok(match &v.kind {
        None | Some(Kind::None(_)) => Value::None,
        Some(Kind::Bool(b)) => Value::Bool(*b),
        Some(Kind::Int(i)) => Value::Int(*i),
        Some(Kind::Float(f)) => Value::Float(*f),
        Some(Kind::Str(s)) => Value::str(s),
        Some(Kind::List(l)) => Value::list(l.items.iter().map(literal).collect::<R<_>>()?),
        Some(Kind::Tuple(t)) => Value::tuple(t.items.iter().map(literal).collect::<R<_>>()?),
        Some(Kind::Dict(d)) => {
            let mut m = IndexMap::new();
            for e in &d.entries {
                m.insert(
                    literal(need(&e.key, "key")?)?,
                    literal(need(&e.value, "value")?)?,
                );
            }
            Value::dict(m)
        }
        Some(Kind::Entity(r)) => {
            let key = literal(need(&r.key, "key")?)?;
            match key.as_key() {
                Some(k) => Value::Ref(Arc::new(EntityRef {
                    entity: Arc::from(r.entity.as_str()),
                    key: k,
                })),
                None => return unsupported("entity literal with a bad key"),
            }
        }
    })
}

pub fn read_slot(f: &Frame, i: u32) -> R<Value> {
    match f.slots.get(i as usize) {
        Some(Some(v)) => Ok(v.clone()),
        _ => {
            let name = f
                .method
                .body
                .as_ref()
                .and_then(|b| b.slots.get(i as usize))
                .map(|s| s.name.as_str())
                .unwrap_or("?");
            Err(Exc::new(
                "UnboundLocalError",
                format!(
                    "cannot access local variable '{name}' where it is not associated with a value"
                ),
            ))
        }
    }
}

pub fn self_ref<H: Host>(h: &mut H, f: &Frame) -> R<Value> {
    let key = match &f.key {
        Some(k) => k.clone(),
        None => {
            let kf = h.key_field(f.ty);
            match h.get_field(f, kf).as_ref().and_then(Value::as_key) {
                Some(k) => k,
                None => return Err(Exc::new("TypeError", "the entity's key is not set yet")),
            }
        }
    };
    Ok(Value::Ref(Arc::new(EntityRef {
        entity: h.type_name(f.ty),
        key,
    })))
}

pub fn eval<H: Host>(h: &mut H, f: &mut Frame, e: &ir::Expr) -> R<Value> {
    use expr::Kind;
    let Some(kind) = &e.kind else {
        return unsupported("empty expression");
    };
    Ok(match kind {
        Kind::Literal(v) => literal(v)?,
        Kind::Slot(i) => read_slot(f, *i)?,
        Kind::Field(name) => {
            let idx = h.field_index(f.ty, name)?;
            match h.get_field(f, idx) {
                Some(v) => v,
                None => {
                    return Err(Exc::new(
                        "AttributeError",
                        format!("'{}' object has no attribute '{name}'", h.type_name(f.ty)),
                    ));
                }
            }
        }
        Kind::SelfRef(_) => self_ref(h, f)?,
        Kind::Binary(b) => {
            let op = BinOp::from_i32(b.op).ok_or_else(|| {
                Exc::new("NotImplementedError", "unsupported construct: operator")
            })?;
            let l = eval(h, f, need(&b.left, "left")?)?;
            let r = eval(h, f, need(&b.right, "right")?)?;
            ops::binary(op, &l, &r)?
        }
        Kind::Unary(u) => {
            let v = eval(h, f, need(&u.operand, "operand")?)?;
            match u.op {
                1 => ops::neg(&v)?,
                2 => ops::pos(&v)?,
                3 => Value::Bool(!v.truthy()),
                4 => ops::invert(&v)?,
                _ => return unsupported("unary operator"),
            }
        }
        Kind::Compare(c) => {
            let Some(first) = c.operands.first() else {
                return unsupported("compare arity");
            };
            let mut left = eval(h, f, first)?;
            for (i, op) in c.ops.iter().enumerate() {
                let Some(re) = c.operands.get(i + 1) else {
                    return unsupported("compare arity");
                };
                let right = eval(h, f, re)?;
                let ok = compare_op(*op, &left, &right)?;
                if !ok {
                    return Ok(Value::Bool(false));
                }
                left = right;
            }
            Value::Bool(true)
        }
        Kind::BoolOp(b) => {
            let mut last = Value::None;
            for (i, x) in b.values.iter().enumerate() {
                last = eval(h, f, x)?;
                let t = last.truthy();
                if i + 1 < b.values.len() && ((b.op == 1 && !t) || (b.op == 2 && t)) {
                    return Ok(last);
                }
            }
            last
        }
        Kind::Cond(c) => {
            if eval(h, f, need(&c.cond, "cond")?)?.truthy() {
                eval(h, f, need(&c.then_value, "then")?)?
            } else {
                eval(h, f, need(&c.else_value, "else")?)?
            }
        }
        Kind::Builtin(b) => {
            let args = eval_all(h, f, &b.args)?;
            builtins::call_builtin(b.function, args)?
        }
        Kind::Method(m) => {
            let recv = eval(h, f, need(&m.receiver, "receiver")?)?;
            let args = eval_all(h, f, &m.args)?;
            builtins::call_method(&recv, &m.method, args)?
        }
        Kind::Index(ix) => {
            let v = eval(h, f, need(&ix.value, "value")?)?;
            let i = eval(h, f, need(&ix.index, "index")?)?;
            ops::get_item(&v, &i)?
        }
        Kind::Slice(s) => {
            let v = eval(h, f, need(&s.value, "value")?)?;
            let lo = opt_eval(h, f, &s.lower)?;
            let up = opt_eval(h, f, &s.upper)?;
            let st = opt_eval(h, f, &s.step)?;
            ops::slice(&v, &lo, &up, &st)?
        }
        Kind::List(l) => Value::list(eval_all(h, f, &l.items)?),
        Kind::Tuple(t) => Value::tuple(eval_all(h, f, &t.items)?),
        Kind::Dict(d) => {
            let mut m = IndexMap::with_capacity(d.items.len());
            for it in &d.items {
                let k = eval(h, f, need(&it.key, "key")?)?;
                let v = eval(h, f, need(&it.value, "value")?)?;
                k.check_hashable()?;
                m.insert(k, v);
            }
            Value::dict(m)
        }
        Kind::Fstring(fs) => Value::str(&fstring(h, f, fs)?),
    })
}

fn opt_eval<H: Host>(h: &mut H, f: &mut Frame, e: &Option<Box<ir::Expr>>) -> R<Value> {
    match e {
        Some(e) => eval(h, f, e),
        None => Ok(Value::None),
    }
}

pub fn eval_all<H: Host>(h: &mut H, f: &mut Frame, es: &[ir::Expr]) -> R<Vec<Value>> {
    es.iter().map(|e| eval(h, f, e)).collect()
}

/// Evaluates `es` left to right, appending to `out` (a callee's slot vector).
pub fn eval_into<H: Host>(
    h: &mut H,
    f: &mut Frame,
    es: &[ir::Expr],
    out: &mut Vec<Option<Value>>,
) -> R<()> {
    for e in es {
        out.push(Some(eval(h, f, e)?));
    }
    Ok(())
}

fn fstring<H: Host>(h: &mut H, f: &mut Frame, fs: &ir::FormatString) -> R<String> {
    let mut out = String::new();
    for p in &fs.parts {
        match &p.kind {
            Some(format_part::Kind::Text(t)) => out.push_str(t),
            Some(format_part::Kind::Value(fv)) => {
                let v = eval(h, f, need(&fv.value, "value")?)?;
                let v = match fv.conversion {
                    114 | 97 => Value::str(&v.repr()), // 'r', 'a'
                    _ => v,
                };
                let spec = match &fv.spec {
                    Some(s) => fstring(h, f, s)?,
                    None => String::new(),
                };
                out.push_str(&builtins::format_value(&v, &spec)?);
            }
            None => {}
        }
    }
    Ok(out)
}

pub fn compare_op(op: i32, l: &Value, r: &Value) -> R<bool> {
    Ok(match op {
        1 => l.py_eq(r),
        2 => !l.py_eq(r),
        3 => ops::lt(l, r)?,
        4 => ops::le(l, r)?,
        5 => ops::gt(l, r)?,
        6 => ops::ge(l, r)?,
        7 => ops::contains(r, l)?,
        8 => !ops::contains(r, l)?,
        9 => l.py_is(r),
        10 => !l.py_is(r),
        _ => return unsupported("comparison operator"),
    })
}

/// Stores `v` into an assignment target.
pub fn assign<H: Host>(h: &mut H, f: &mut Frame, t: &ir::AssignTarget, v: Value) -> R<()> {
    match &t.kind {
        Some(assign_target::Kind::Slot(i)) => {
            match f.slots.get_mut(*i as usize) {
                Some(s) => *s = Some(v),
                None => return unsupported("slot out of range"),
            }
            Ok(())
        }
        Some(assign_target::Kind::Field(name)) => {
            let idx = h.field_index(f.ty, name)?;
            h.set_field(f, idx, v);
            Ok(())
        }
        Some(assign_target::Kind::Subscript(s)) => {
            let c = eval(h, f, need(&s.container, "container")?)?;
            let i = eval(h, f, need(&s.index, "index")?)?;
            ops::set_item(&c, &i, v)
        }
        Some(assign_target::Kind::Unpack(tl)) => {
            let items = ops::iterate(&v).map_err(|_| {
                Exc::new(
                    "TypeError",
                    format!("cannot unpack non-iterable {} object", v.type_name()),
                )
            })?;
            let n = tl.targets.len();
            if items.len() > n {
                return Err(Exc::new(
                    "ValueError",
                    format!("too many values to unpack (expected {n})"),
                ));
            }
            if items.len() < n {
                return Err(Exc::new(
                    "ValueError",
                    format!(
                        "not enough values to unpack (expected {n}, got {})",
                        items.len()
                    ),
                ));
            }
            for (t, x) in tl.targets.iter().zip(items) {
                assign(h, f, t, x)?;
            }
            Ok(())
        }
        None => unsupported("empty assignment target"),
    }
}

/// Reads the current value of a target for augmented assignment, then stores `op`'s result.
fn aug_assign<H: Host>(h: &mut H, f: &mut Frame, a: &ir::AugAssign) -> R<()> {
    let op = BinOp::from_i32(a.op)
        .ok_or_else(|| Exc::new("NotImplementedError", "unsupported construct: operator"))?;
    let t = need(&a.target, "target")?;
    match &t.kind {
        Some(assign_target::Kind::Subscript(s)) => {
            let c = eval(h, f, need(&s.container, "container")?)?;
            let i = eval(h, f, need(&s.index, "index")?)?;
            let cur = ops::get_item(&c, &i)?;
            let rhs = eval(h, f, need(&a.value, "value")?)?;
            let new = ops::inplace(op, &cur, &rhs)?;
            ops::set_item(&c, &i, new)
        }
        Some(assign_target::Kind::Slot(i)) => {
            let cur = read_slot(f, *i)?;
            let rhs = eval(h, f, need(&a.value, "value")?)?;
            let new = ops::inplace(op, &cur, &rhs)?;
            assign(h, f, t, new)
        }
        Some(assign_target::Kind::Field(name)) => {
            let idx = h.field_index(f.ty, name)?;
            let Some(cur) = h.get_field(f, idx) else {
                return Err(Exc::new(
                    "AttributeError",
                    format!("'{}' object has no attribute '{name}'", h.type_name(f.ty)),
                ));
            };
            let rhs = eval(h, f, need(&a.value, "value")?)?;
            let new = ops::inplace(op, &cur, &rhs)?;
            assign(h, f, t, new)
        }
        _ => unsupported("augmented assignment target"),
    }
}

/// Runs the statements of a block.
pub fn exec_stmts<H: Host>(h: &mut H, f: &mut Frame, stmts: &[ir::Stmt]) -> R<()> {
    for s in stmts {
        match &s.kind {
            Some(stmt::Kind::Assign(a)) => {
                let v = eval(h, f, need(&a.value, "value")?)?;
                assign(h, f, need(&a.target, "target")?, v)?;
            }
            Some(stmt::Kind::AugAssign(a)) => aug_assign(h, f, a)?,
            Some(stmt::Kind::Expr(e)) => {
                eval(h, f, e)?;
            }
            Some(stmt::Kind::DelItem(d)) => {
                let c = eval(h, f, need(&d.container, "container")?)?;
                let i = eval(h, f, need(&d.index, "index")?)?;
                ops::del_item(&c, &i)?;
            }
            Some(stmt::Kind::Print(p)) => {
                let vals = eval_all(h, f, &p.args)?;
                let line: Vec<String> = vals.iter().map(Value::to_py_str).collect();
                h.log(line.join(" "));
            }
            None => return unsupported("empty statement"),
        }
    }
    Ok(())
}
