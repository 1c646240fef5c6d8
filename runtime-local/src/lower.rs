//! Lowering: each method body of the IR, resolved once (in [`crate::engine::Tables::new`]) into
//! the compact form the interpreter ([`crate::interp`]) executes.
//!
//! The IR (`stent_ir::v1`, prost types) stays plain data; this pass computes, per method:
//!
//! * **fields**: a field name becomes the field's index in its type (every frame of a method
//!   runs on an entity of the method's own type, so the index is static);
//! * **literals**: scalar literals (None, bool, int, float, str, entity reference) become a
//!   ready [`Const`] (a `Value` minus the `Rc` variants, so the tables stay `Sync`), converted by
//!   a match and at most one `Arc` clone; literals holding a tuple, list or dict are still built
//!   per evaluation from the IR (each evaluation must yield a fresh container / identity);
//! * **operators**: binary, unary and compare operators become enums; a single comparison (the
//!   usual `a < b`) has its own node;
//! * **methods**: a self-call's callee becomes a method index; a call through a reference gets a
//!   table (callee type → method index), because the callee's type is the reference's dynamic
//!   type; a remote field read likewise gets a table (type → field index);
//! * **exceptions**: `raise K(...)`'s "is K a KeyError" (repr vs str of the message) is
//!   precomputed;
//! * **slot counts and names** (names only for `UnboundLocalError` messages).
//!
//! Semantics are exactly those of walking the IR: everything that could fail while walking it
//! (an unknown field or method, a malformed node, an unsupported operator) becomes a [`Fail`]
//! node *in the place* where the walk would have raised, so the same exception with the same
//! message is raised at the same point of evaluation (after the same side effects), and only if
//! that point is reached.
//!
//! [`Fail`]: LExpr::Fail

use std::sync::Arc;

use stent_ir::v1::{self as ir, assign_target, expr, format_part, invoke, stmt, terminator};

use crate::engine::Tables;
use crate::interp::literal;
use crate::ops::BinOp;
use crate::value::{EntityRef, Exc, Value};

/// A literal that is cheap to turn into a [`Value`] (no containers: those must be fresh).
#[derive(Debug, Clone)]
pub enum Const {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Ref(Arc<EntityRef>),
}

impl Const {
    #[inline]
    pub fn value(&self) -> Value {
        match self {
            Const::None => Value::None,
            Const::Bool(b) => Value::Bool(*b),
            Const::Int(i) => Value::Int(*i),
            Const::Float(f) => Value::Float(*f),
            Const::Str(s) => Value::Str(s.clone()),
            Const::Ref(r) => Value::Ref(r.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum UnOp {
    Neg,
    Pos,
    Not,
    Invert,
    /// Raises after the operand is evaluated (as the IR walk did).
    Bad,
}

#[derive(Debug, Clone, Copy)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
    /// Raises after both operands are evaluated.
    Bad,
}

impl CmpOp {
    pub fn from_i32(op: i32) -> CmpOp {
        use CmpOp::*;
        match op {
            1 => Eq,
            2 => Ne,
            3 => Lt,
            4 => Le,
            5 => Gt,
            6 => Ge,
            7 => In,
            8 => NotIn,
            9 => Is,
            10 => IsNot,
            _ => Bad,
        }
    }
}

#[derive(Debug)]
pub enum LExpr<'p> {
    Const(Const),
    /// A literal with containers (built per evaluation) or one that fails to convert.
    Lit(&'p ir::Value),
    Slot(u32),
    /// Field index and name (for the never-assigned AttributeError).
    Field(usize, &'p str),
    SelfRef,
    Binary(BinOp, Box<LExpr<'p>>, Box<LExpr<'p>>),
    Unary(UnOp, Box<LExpr<'p>>),
    /// One comparison.
    Compare1(CmpOp, Box<LExpr<'p>>, Box<LExpr<'p>>),
    /// A chain: the first operand, then (operator, operand) pairs.
    Compare(Box<LExpr<'p>>, Vec<(CmpOp, LExpr<'p>)>),
    /// `op` as in the IR: 1 = and, 2 = or (anything else evaluates every value).
    BoolOp(i32, Vec<LExpr<'p>>),
    Cond(Box<[LExpr<'p>; 3]>),
    Builtin(i32, Vec<LExpr<'p>>),
    Method(Box<LExpr<'p>>, &'p str, Vec<LExpr<'p>>),
    Index(Box<[LExpr<'p>; 2]>),
    /// value, lower, upper, step (absent bounds are `None` constants).
    Slice(Box<[LExpr<'p>; 4]>),
    List(Vec<LExpr<'p>>),
    Tuple(Vec<LExpr<'p>>),
    Dict(Vec<(LExpr<'p>, LExpr<'p>)>),
    Fstring(LFormat<'p>),
    /// Raises this exception when evaluated.
    Fail(Box<Exc>),
}

#[derive(Debug)]
pub enum LPart<'p> {
    Text(&'p str),
    /// value, conversion is repr (`!r` / `!a`), spec.
    Value(LExpr<'p>, bool, Option<LFormat<'p>>),
}

#[derive(Debug)]
pub struct LFormat<'p> {
    pub parts: Vec<LPart<'p>>,
}

#[derive(Debug)]
pub enum LTarget<'p> {
    Slot(u32),
    Field(usize),
    Subscript(Box<[LExpr<'p>; 2]>),
    Unpack(Vec<LTarget<'p>>),
    Fail(Box<Exc>),
}

/// The target of an augmented assignment.
#[derive(Debug)]
pub enum LAug<'p> {
    Slot(u32),
    Field(usize, &'p str),
    Subscript(Box<[LExpr<'p>; 2]>),
}

#[derive(Debug)]
pub enum LStmt<'p> {
    Assign(LExpr<'p>, LTarget<'p>),
    Aug(BinOp, LAug<'p>, LExpr<'p>),
    Expr(LExpr<'p>),
    DelItem(LExpr<'p>, LExpr<'p>),
    Print(Vec<LExpr<'p>>),
    Fail(Box<Exc>),
}

#[derive(Debug)]
pub enum Callee<'p> {
    /// A self-call: the method index in the frame's type (or the AttributeError).
    Own(Result<usize, Box<Exc>>),
    /// Through a reference: the method index per callee type (`None`: no such method).
    Target(LExpr<'p>, Box<[Option<usize>]>),
}

#[derive(Debug)]
pub enum LTerm<'p> {
    Goto(u32),
    /// A missing condition is `None` (falsy).
    Branch(Option<LExpr<'p>>, u32, u32),
    Return(Option<LExpr<'p>>),
    Raise {
        exception: &'p str,
        /// The message is `repr`'d (KeyError and its subclasses), else `str`'d.
        key_error: bool,
        message: Option<LExpr<'p>>,
    },
    Invoke {
        callee: Callee<'p>,
        method: &'p str,
        args: Vec<LExpr<'p>>,
        resume: u32,
        result_slot: u32,
    },
    RemoteGet {
        target: Option<LExpr<'p>>,
        field: &'p str,
        /// The field index per target type (`None`: no such field).
        index: Box<[Option<usize>]>,
        resume: u32,
        result_slot: u32,
    },
    Fail(Box<Exc>),
}

#[derive(Debug)]
pub struct LBlock<'p> {
    pub stmts: Vec<LStmt<'p>>,
    pub term: LTerm<'p>,
}

/// A lowered method (or constructor).
#[derive(Debug)]
pub struct LMethod<'p> {
    pub ir: &'p ir::Method,
    /// `None`: the method has no body (raises when run).
    pub blocks: Option<Vec<LBlock<'p>>>,
    /// The body's slot count (a frame has at least this many slots).
    pub nslots: usize,
    pub slot_names: Vec<&'p str>,
}

/// What lowering needs to know: the program's tables and the type whose methods are lowered.
pub struct Env<'a, 'p> {
    pub t: &'a Tables<'p>,
    pub ty: usize,
}

fn unsupported(what: &str) -> Box<Exc> {
    Box::new(Exc::unsupported(what))
}

fn missing(what: &str) -> Box<Exc> {
    Box::new(Exc::malformed(what))
}

fn no_attr(ty: &str, name: &str) -> Box<Exc> {
    Box::new(Exc::no_attribute(ty, name))
}

pub fn lower_method<'p>(env: &Env<'_, 'p>, m: &'p ir::Method) -> LMethod<'p> {
    let Some(body) = &m.body else {
        return LMethod {
            ir: m,
            blocks: None,
            nslots: 0,
            slot_names: Vec::new(),
        };
    };
    LMethod {
        ir: m,
        blocks: Some(body.blocks.iter().map(|b| env.block(b)).collect()),
        nslots: body.slots.len(),
        slot_names: body.slots.iter().map(|s| s.name.as_str()).collect(),
    }
}

fn const_of(v: &ir::Value) -> Option<Const> {
    use ir::value::Kind;
    Some(match &v.kind {
        None | Some(Kind::None(_)) => Const::None,
        Some(Kind::Bool(b)) => Const::Bool(*b),
        Some(Kind::Int(i)) => Const::Int(*i),
        Some(Kind::Float(f)) => Const::Float(*f),
        Some(Kind::Str(s)) => Const::Str(Arc::from(s.as_str())),
        // a reference compares by value (`is` too), so one shared instance is equivalent
        Some(Kind::Entity(_)) => match literal(v) {
            Ok(Value::Ref(r)) => Const::Ref(r),
            _ => return None,
        },
        Some(_) => return None,
    })
}

impl<'p> Env<'_, 'p> {
    fn block(&self, b: &'p ir::Block) -> LBlock<'p> {
        LBlock {
            stmts: b.stmts.iter().map(|s| self.stmt(s)).collect(),
            term: self.term(b.terminator.as_ref().and_then(|t| t.kind.as_ref())),
        }
    }

    fn opt(&self, e: &'p Option<ir::Expr>, what: &str) -> LExpr<'p> {
        match e {
            Some(e) => self.expr(e),
            None => LExpr::Fail(missing(what)),
        }
    }

    fn opt_box(&self, e: &'p Option<Box<ir::Expr>>, what: &str) -> LExpr<'p> {
        match e {
            Some(e) => self.expr(e),
            None => LExpr::Fail(missing(what)),
        }
    }

    /// An optional operand that is `None` when absent (slice bounds).
    fn or_none(&self, e: &'p Option<Box<ir::Expr>>) -> LExpr<'p> {
        match e {
            Some(e) => self.expr(e),
            None => LExpr::Const(Const::None),
        }
    }

    fn exprs(&self, es: &'p [ir::Expr]) -> Vec<LExpr<'p>> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn field(&self, name: &str) -> Result<usize, Box<Exc>> {
        self.t
            .field_of(self.ty, name)
            .ok_or_else(|| no_attr(&self.t.types[self.ty].name, name))
    }

    pub fn expr(&self, e: &'p ir::Expr) -> LExpr<'p> {
        use expr::Kind;
        let Some(kind) = &e.kind else {
            return LExpr::Fail(unsupported("empty expression"));
        };
        match kind {
            Kind::Literal(v) => match const_of(v) {
                Some(c) => LExpr::Const(c),
                None => LExpr::Lit(v),
            },
            Kind::Slot(i) => LExpr::Slot(*i),
            Kind::Field(name) => match self.field(name) {
                Ok(i) => LExpr::Field(i, name),
                Err(x) => LExpr::Fail(x),
            },
            Kind::SelfRef(_) => LExpr::SelfRef,
            Kind::Binary(b) => match BinOp::from_i32(b.op) {
                Some(op) => LExpr::Binary(
                    op,
                    Box::new(self.opt_box(&b.left, "left")),
                    Box::new(self.opt_box(&b.right, "right")),
                ),
                None => LExpr::Fail(unsupported("operator")),
            },
            Kind::Unary(u) => {
                let op = match u.op {
                    1 => UnOp::Neg,
                    2 => UnOp::Pos,
                    3 => UnOp::Not,
                    4 => UnOp::Invert,
                    _ => UnOp::Bad,
                };
                LExpr::Unary(op, Box::new(self.opt_box(&u.operand, "operand")))
            }
            Kind::Compare(c) => {
                let Some(first) = c.operands.first() else {
                    return LExpr::Fail(unsupported("compare arity"));
                };
                let first = Box::new(self.expr(first));
                let rest: Vec<(CmpOp, LExpr)> = c
                    .ops
                    .iter()
                    .enumerate()
                    .map(|(i, op)| {
                        let e = match c.operands.get(i + 1) {
                            Some(e) => self.expr(e),
                            None => LExpr::Fail(unsupported("compare arity")),
                        };
                        (CmpOp::from_i32(*op), e)
                    })
                    .collect();
                if rest.len() == 1 {
                    let (op, r) = rest.into_iter().next().expect("one");
                    LExpr::Compare1(op, first, Box::new(r))
                } else {
                    LExpr::Compare(first, rest)
                }
            }
            Kind::BoolOp(b) => LExpr::BoolOp(b.op, self.exprs(&b.values)),
            Kind::Cond(c) => LExpr::Cond(Box::new([
                self.opt_box(&c.cond, "cond"),
                self.opt_box(&c.then_value, "then"),
                self.opt_box(&c.else_value, "else"),
            ])),
            Kind::Builtin(b) => LExpr::Builtin(b.function, self.exprs(&b.args)),
            Kind::Method(m) => LExpr::Method(
                Box::new(self.opt_box(&m.receiver, "receiver")),
                &m.method,
                self.exprs(&m.args),
            ),
            Kind::Index(ix) => LExpr::Index(Box::new([
                self.opt_box(&ix.value, "value"),
                self.opt_box(&ix.index, "index"),
            ])),
            Kind::Slice(s) => LExpr::Slice(Box::new([
                self.opt_box(&s.value, "value"),
                self.or_none(&s.lower),
                self.or_none(&s.upper),
                self.or_none(&s.step),
            ])),
            Kind::List(l) => LExpr::List(self.exprs(&l.items)),
            Kind::Tuple(t) => LExpr::Tuple(self.exprs(&t.items)),
            Kind::Dict(d) => LExpr::Dict(
                d.items
                    .iter()
                    .map(|it| (self.opt(&it.key, "key"), self.opt(&it.value, "value")))
                    .collect(),
            ),
            Kind::Fstring(fs) => LExpr::Fstring(self.format(fs)),
        }
    }

    fn format(&self, fs: &'p ir::FormatString) -> LFormat<'p> {
        let mut parts = Vec::new();
        for p in &fs.parts {
            match &p.kind {
                Some(format_part::Kind::Text(t)) => parts.push(LPart::Text(t)),
                Some(format_part::Kind::Value(fv)) => parts.push(LPart::Value(
                    self.opt(&fv.value, "value"),
                    matches!(fv.conversion, 114 | 97), // 'r', 'a'
                    fv.spec.as_ref().map(|s| self.format(s)),
                )),
                None => {}
            }
        }
        LFormat { parts }
    }

    fn target(&self, t: &'p ir::AssignTarget) -> LTarget<'p> {
        match &t.kind {
            Some(assign_target::Kind::Slot(i)) => LTarget::Slot(*i),
            Some(assign_target::Kind::Field(name)) => match self.field(name) {
                Ok(i) => LTarget::Field(i),
                Err(x) => LTarget::Fail(x),
            },
            Some(assign_target::Kind::Subscript(s)) => LTarget::Subscript(Box::new([
                self.opt(&s.container, "container"),
                self.opt(&s.index, "index"),
            ])),
            Some(assign_target::Kind::Unpack(tl)) => {
                LTarget::Unpack(tl.targets.iter().map(|t| self.target(t)).collect())
            }
            None => LTarget::Fail(unsupported("empty assignment target")),
        }
    }

    fn stmt(&self, s: &'p ir::Stmt) -> LStmt<'p> {
        match &s.kind {
            Some(stmt::Kind::Assign(a)) => LStmt::Assign(
                self.opt(&a.value, "value"),
                match &a.target {
                    Some(t) => self.target(t),
                    None => LTarget::Fail(missing("target")),
                },
            ),
            Some(stmt::Kind::AugAssign(a)) => {
                let Some(op) = BinOp::from_i32(a.op) else {
                    return LStmt::Fail(unsupported("operator"));
                };
                let Some(t) = &a.target else {
                    return LStmt::Fail(missing("target"));
                };
                let target = match &t.kind {
                    Some(assign_target::Kind::Subscript(s)) => LAug::Subscript(Box::new([
                        self.opt(&s.container, "container"),
                        self.opt(&s.index, "index"),
                    ])),
                    Some(assign_target::Kind::Slot(i)) => LAug::Slot(*i),
                    Some(assign_target::Kind::Field(name)) => match self.field(name) {
                        Ok(i) => LAug::Field(i, name),
                        Err(x) => return LStmt::Fail(x),
                    },
                    _ => return LStmt::Fail(unsupported("augmented assignment target")),
                };
                LStmt::Aug(op, target, self.opt(&a.value, "value"))
            }
            Some(stmt::Kind::Expr(e)) => LStmt::Expr(self.expr(e)),
            Some(stmt::Kind::DelItem(d)) => LStmt::DelItem(
                self.opt(&d.container, "container"),
                self.opt(&d.index, "index"),
            ),
            Some(stmt::Kind::Print(p)) => LStmt::Print(self.exprs(&p.args)),
            None => LStmt::Fail(unsupported("empty statement")),
        }
    }

    fn term(&self, t: Option<&'p terminator::Kind>) -> LTerm<'p> {
        use terminator::Kind;
        match t {
            Some(Kind::Goto(b)) => LTerm::Goto(*b),
            Some(Kind::Branch(br)) => LTerm::Branch(
                br.cond.as_ref().map(|c| self.expr(c)),
                br.then_block,
                br.else_block,
            ),
            Some(Kind::Return(r)) => LTerm::Return(r.value.as_ref().map(|e| self.expr(e))),
            Some(Kind::Raise(r)) => LTerm::Raise {
                exception: &r.exception,
                key_error: self.t.is_key_error(&r.exception),
                message: r.message.as_ref().map(|e| self.expr(e)),
            },
            Some(Kind::Invoke(inv)) => {
                let callee = match &inv.callee {
                    Some(invoke::Callee::Target(tg)) => Callee::Target(
                        self.expr(tg),
                        self.t
                            .types
                            .iter()
                            .map(|ti| ti.methods.get(inv.method.as_str()).copied())
                            .collect(),
                    ),
                    _ => Callee::Own(
                        self.t.types[self.ty]
                            .methods
                            .get(inv.method.as_str())
                            .copied()
                            .ok_or_else(|| no_attr(&self.t.types[self.ty].name, &inv.method)),
                    ),
                };
                LTerm::Invoke {
                    callee,
                    method: &inv.method,
                    args: self.exprs(&inv.args),
                    resume: inv.resume_block,
                    result_slot: inv.result_slot,
                }
            }
            Some(Kind::RemoteGet(g)) => LTerm::RemoteGet {
                target: g.target.as_ref().map(|e| self.expr(e)),
                field: &g.field,
                index: (0..self.t.types.len())
                    .map(|ty| self.t.field_of(ty, &g.field))
                    .collect(),
                resume: g.resume_block,
                result_slot: g.result_slot,
            },
            None => LTerm::Fail(unsupported("terminator")),
        }
    }
}
