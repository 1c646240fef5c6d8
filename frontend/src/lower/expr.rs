//! Expression lowering and typing.

use stent_ir::v1::{
    self as ir, BinaryOperator as B, BoolOperator, CompareOperator as C, Primitive, Type,
    UnaryOperator, expr::Kind as EK, terminator::Kind as TK,
};

use super::{Lowerer, lit, mk, span_of, ty_of};
use crate::diag::Span;
use crate::syntax::{self, BinOp, CmpOp, Expr, ExprKind, FPart, UnOp};
use crate::types as t;

impl Lowerer<'_, '_> {
    pub(crate) fn expr(&mut self, e: &Expr) -> ir::Expr {
        self.depth += 1;
        let r = if self.depth > syntax::MAX_DEPTH * 2 {
            self.err(
                "E002",
                "expression nested too deeply",
                e.span,
                "too deep",
                "split it into several statements",
            );
            super::poison(e.span)
        } else {
            self.expr_inner(e)
        };
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr) -> ir::Expr {
        let span = e.span;
        match &e.kind {
            ExprKind::Int(i) => lit(ir::value::Kind::Int(*i), t::int(), span),
            ExprKind::BigInt => {
                self.err(
                    "E100",
                    "integer literal does not fit in 64 bits",
                    span,
                    "too large",
                    "stent integers are 64-bit signed",
                );
                lit(ir::value::Kind::Int(0), t::int(), span)
            }
            ExprKind::Float(f) => lit(ir::value::Kind::Float(*f), t::float(), span),
            ExprKind::Str(s) => lit(ir::value::Kind::Str(s.clone()), t::str_(), span),
            ExprKind::Bool(b) => lit(ir::value::Kind::Bool(*b), t::boolean(), span),
            ExprKind::None => super::lit_none(span),
            ExprKind::Name(n) => self.name(n, span),
            ExprKind::Attribute {
                value,
                attr,
                attr_span,
            } => self.attribute(value, attr, *attr_span, span),
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(func, args, keywords, span),
            ExprKind::BinOp { left, op, right } => {
                let v = self.seq(&[left, right]);
                let mut it = v.into_iter();
                let (l, r) = (
                    it.next().unwrap_or_else(|| super::poison(span)),
                    it.next().unwrap_or_else(|| super::poison(span)),
                );
                let Some(bop) = self.binop(*op, span) else {
                    return super::poison(span);
                };
                let ty = self.binary_type(bop, &ty_of(&l), &ty_of(&r));
                mk(
                    EK::Binary(Box::new(ir::BinaryExpr {
                        op: bop as i32,
                        left: Some(Box::new(l)),
                        right: Some(Box::new(r)),
                    })),
                    ty,
                    span,
                )
            }
            ExprKind::Unary { op, operand } => {
                let v = self.expr(operand);
                let vt = ty_of(&v);
                let (uop, ty) = match op {
                    UnOp::Not => (UnaryOperator::Not, t::boolean()),
                    UnOp::Neg => (
                        UnaryOperator::Neg,
                        if t::is_prim(&vt, Primitive::Bool) {
                            t::int()
                        } else if t::is_numeric(&vt) {
                            vt
                        } else {
                            t::any()
                        },
                    ),
                    UnOp::Pos => (
                        UnaryOperator::Pos,
                        if t::is_prim(&vt, Primitive::Bool) {
                            t::int()
                        } else if t::is_numeric(&vt) {
                            vt
                        } else {
                            t::any()
                        },
                    ),
                    UnOp::Invert => (UnaryOperator::Invert, t::int()),
                };
                mk(
                    EK::Unary(Box::new(ir::UnaryExpr {
                        op: uop as i32,
                        operand: Some(Box::new(v)),
                    })),
                    ty,
                    span,
                )
            }
            ExprKind::BoolOp { and, values } => self.bool_op(*and, values, span),
            ExprKind::IfExp { test, body, orelse } => {
                if !self.suspends(body) && !self.suspends(orelse) {
                    let c = self.expr(test);
                    let a = self.expr(body);
                    let b = self.expr(orelse);
                    let ty = t::join(&ty_of(&a), &ty_of(&b));
                    return mk(
                        EK::Cond(Box::new(ir::CondExpr {
                            cond: Some(Box::new(c)),
                            then_value: Some(Box::new(a)),
                            else_value: Some(Box::new(b)),
                        })),
                        ty,
                        span,
                    );
                }
                let c = self.expr(test);
                let res = self.temp(t::any());
                let then_b = self.new_block();
                let else_b = self.new_block();
                let join = self.new_block();
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(c),
                        then_block: then_b,
                        else_block: else_b,
                    }),
                    span,
                );
                self.switch_to(then_b);
                let a = self.expr(body);
                let ta = ty_of(&a);
                self.assign_slot(res, a, span);
                self.goto(join, span);
                self.switch_to(else_b);
                let b = self.expr(orelse);
                let ty = t::join(&ta, &ty_of(&b));
                self.assign_slot(res, b, span);
                self.goto(join, span);
                self.switch_to(join);
                self.set_temp_type(res, &ty);
                mk(EK::Slot(res), ty, span)
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => self.compare(left, ops, comparators, span),
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                if let Some(s) = items
                    .iter()
                    .find(|i| matches!(i.kind, ExprKind::Starred(_)))
                {
                    self.err(
                        "E101",
                        "starred items in displays are not supported",
                        s.span,
                        "unpacking",
                        "concatenate with `+` instead",
                    );
                    return super::poison(span);
                }
                let refs: Vec<&Expr> = items.iter().collect();
                let vals = self.seq(&refs);
                if matches!(e.kind, ExprKind::List(_)) {
                    let el = vals
                        .iter()
                        .map(ty_of)
                        .reduce(|a, b| t::join(&a, &b))
                        .unwrap_or_else(t::any);
                    mk(EK::List(ir::ListDisplay { items: vals }), t::list(el), span)
                } else {
                    let tys = vals.iter().map(ty_of).collect();
                    mk(
                        EK::Tuple(ir::TupleDisplay { items: vals }),
                        t::tuple(tys),
                        span,
                    )
                }
            }
            ExprKind::Dict(items) => {
                let mut refs = Vec::new();
                for (k, v) in items {
                    match k {
                        Some(k) => refs.push(k),
                        None => {
                            self.err(
                                "E102",
                                "`**` in dict displays is not supported",
                                v.span,
                                "dict unpacking",
                                "merge with `d.update(other)`",
                            );
                            return super::poison(span);
                        }
                    }
                    refs.push(v);
                }
                let vals = self.seq(&refs);
                let mut kt: Option<Type> = None;
                let mut vt: Option<Type> = None;
                let mut out = Vec::new();
                let mut it = vals.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    kt = Some(kt.map_or(ty_of(&k), |x| t::join(&x, &ty_of(&k))));
                    vt = Some(vt.map_or(ty_of(&v), |x| t::join(&x, &ty_of(&v))));
                    out.push(ir::DictItem {
                        key: Some(k),
                        value: Some(v),
                    });
                }
                mk(
                    EK::Dict(ir::DictDisplay { items: out }),
                    t::dict(kt.unwrap_or_else(t::any), vt.unwrap_or_else(t::any)),
                    span,
                )
            }
            ExprKind::Subscript { value, index } => {
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    let mut refs: Vec<&Expr> = vec![value];
                    for b in [lower, upper, step].into_iter().flatten() {
                        refs.push(b);
                    }
                    let mut vals = self.seq(&refs).into_iter();
                    let v = vals.next().unwrap_or_else(|| super::poison(span));
                    let mut next =
                        |b: &Option<Box<Expr>>| b.as_ref().and_then(|_| vals.next()).map(Box::new);
                    let (lo, hi, st) = (next(lower), next(upper), next(step));
                    let vt = ty_of(&v);
                    let ty = if t::list_elem(&vt).is_some() || t::is_prim(&vt, Primitive::Str) {
                        vt
                    } else {
                        t::any()
                    };
                    return mk(
                        EK::Slice(Box::new(ir::SliceExpr {
                            value: Some(Box::new(v)),
                            lower: lo,
                            upper: hi,
                            step: st,
                        })),
                        ty,
                        span,
                    );
                }
                let v = self.seq(&[value, index]);
                let mut it = v.into_iter();
                let (c, i) = (it.next().unwrap_or_else(|| super::poison(span)), it.next());
                let ty = self.index_type(&ty_of(&c), i.as_ref());
                mk(
                    EK::Index(Box::new(ir::IndexExpr {
                        value: Some(Box::new(c)),
                        index: i.map(Box::new),
                    })),
                    ty,
                    span,
                )
            }
            ExprKind::FString(parts) => {
                let parts = self.fstring(parts);
                mk(EK::Fstring(ir::FormatString { parts }), t::str_(), span)
            }
            ExprKind::Slice { .. } => {
                self.err(
                    "E103",
                    "a slice is only allowed inside `[...]`",
                    span,
                    "slice",
                    "write `xs[a:b]`",
                );
                super::poison(span)
            }
            ExprKind::Starred(_) => {
                self.err(
                    "E101",
                    "starred expressions are not supported",
                    span,
                    "unpacking",
                    "pass the items explicitly",
                );
                super::poison(span)
            }
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(super::comp::Sink::List(elt), generators, span)
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comprehension(super::comp::Sink::Dict(key, value), generators, span),
            ExprKind::Generator { .. } => {
                self.err(
                    "E106",
                    "a generator expression is only supported as the argument of `sum`, `min`, `max`, `any`, `all`, `sorted`, `list`, `tuple` or `str.join`",
                    span,
                    "generator expression",
                    "use a list comprehension `[... for ...]` to build a list",
                );
                super::poison(span)
            }
            ExprKind::Unsupported(what) => {
                let hint = match *what {
                    "lambdas" => "define a method on the entity and call it with `self.m(...)`",
                    "set comprehensions" => {
                        "use a dict comprehension with `True` values, or a list comprehension"
                    }
                    "sets" => "use a dict with `True` values, or a list",
                    "`await`" => {
                        "remote calls are written as plain calls; the compiler makes them asynchronous"
                    }
                    _ => "rewrite this with the supported expressions (see the language reference)",
                };
                self.err(
                    "E104",
                    format!("{what} are not supported"),
                    span,
                    "not in the stent subset",
                    hint,
                );
                super::poison(span)
            }
        }
    }

    fn set_temp_type(&mut self, slot: u32, ty: &Type) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            s.r#type = Some(ty.clone());
        }
    }

    fn fstring(&mut self, parts: &[FPart]) -> Vec<ir::FormatPart> {
        // Values (and nested spec fields) are evaluated left to right.
        let mut exprs: Vec<&Expr> = Vec::new();
        collect_fexprs(parts, &mut exprs);
        let vals = self.seq(&exprs);
        let mut it = vals.into_iter();
        build_fparts(parts, &mut it)
    }

    fn name(&mut self, n: &str, span: Span) -> ir::Expr {
        if n == "self" {
            return mk(EK::SelfRef(ir::SelfRef {}), t::entity(&self.ent.name), span);
        }
        if let Some(&slot) = self.locals.get(n) {
            let ty = self
                .slots
                .get(slot as usize)
                .and_then(|s| s.r#type.clone())
                .unwrap_or_else(t::any);
            return mk(EK::Slot(slot), ty, span);
        }
        if self.model.forbidden.contains(n) {
            // Already reported at the import.
        } else if self.model.entity(n).is_some() {
            self.err(
                "E110",
                format!("entity class `{n}` cannot be used as a value"),
                span,
                "entity class",
                "pass entity references as method parameters, typed with the class",
            );
        } else if self.model.is_exception(n) {
            self.err(
                "E111",
                format!("exception class `{n}` can only be used in `raise`"),
                span,
                "exception class",
                format!("write `raise {n}(\"message\")`"),
            );
        } else if super::call::builtin_of(n).is_some() || n == "print" {
            self.err(
                "E112",
                format!("builtin `{n}` can only be called"),
                span,
                "function value",
                "functions are not values in stent; call it directly",
            );
        } else {
            let hint = if self.ent.field(n).is_some() {
                format!("did you mean the field `self.{n}`?")
            } else {
                "assign the variable before use, or pass it as a parameter".to_string()
            };
            self.err(
                "E113",
                format!("unknown name `{n}`"),
                span,
                "not defined",
                hint,
            );
        }
        super::poison(span)
    }

    fn attribute(&mut self, value: &Expr, attr: &str, attr_span: Span, span: Span) -> ir::Expr {
        if matches!(&value.kind, ExprKind::Name(n) if n == "self")
            && !self.locals.contains_key("self")
        {
            if let Some(ty) = self.field_type(attr) {
                return mk(EK::Field(attr.to_string()), ty, span);
            }
            if self.ent.method(attr).is_some() {
                self.err(
                    "E114",
                    format!("method `{attr}` must be called"),
                    attr_span,
                    "method used as a value",
                    format!("call it: `self.{attr}(...)`"),
                );
            } else {
                let fields: Vec<&str> = self.ent.fields.iter().map(|f| f.name.as_str()).collect();
                self.err(
                    "E115",
                    format!("entity `{}` has no field `{attr}`", self.ent.name),
                    attr_span,
                    "unknown field",
                    format!(
                        "fields are assigned in `__init__`; `{}` has: {}",
                        self.ent.name,
                        fields.join(", ")
                    ),
                );
            }
            return super::poison(span);
        }
        let target = self.expr(value);
        let tty = ty_of(&target);
        if let Some(ename) = t::entity_name(&tty).map(str::to_string) {
            let Some(other) = self.model.entity(&ename) else {
                return super::poison(span);
            };
            let Some(f) = other.field(attr) else {
                if other.method(attr).is_some() {
                    self.err(
                        "E114",
                        format!("method `{attr}` must be called"),
                        attr_span,
                        "method used as a value",
                        format!("call it: `.{attr}(...)`"),
                    );
                } else {
                    self.err(
                        "E115",
                        format!("entity `{ename}` has no field `{attr}`"),
                        attr_span,
                        "unknown field",
                        format!(
                            "`{ename}` has fields: {}",
                            other
                                .fields
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                return super::poison(span);
            };
            let fty = f.ty.clone();
            if self.is_init {
                self.err(
                    "E120",
                    "`__init__` may not read other entities",
                    span,
                    "remote read in a constructor",
                    "constructors run before the entity exists; move this into a method",
                );
                return super::poison(span);
            }
            let slot = self.temp(fty.clone());
            let resume = self.new_block();
            self.terminate(
                TK::RemoteGet(ir::RemoteGet {
                    target: Some(target),
                    entity: ename,
                    field: attr.to_string(),
                    resume_block: resume,
                    result_slot: slot,
                }),
                span,
            );
            self.switch_to(resume);
            return mk(EK::Slot(slot), fty, span);
        }
        self.err("E116", format!("cannot read attribute `{attr}` of a value of type `{}`", t::display(&tty)), attr_span, "not an entity reference", "only entity references have fields; annotate the variable with its entity type if it holds one");
        super::poison(span)
    }

    fn bool_op(&mut self, and: bool, values: &[Expr], span: Span) -> ir::Expr {
        let op = if and {
            BoolOperator::And
        } else {
            BoolOperator::Or
        };
        let rest_suspends = values.iter().skip(1).any(|v| self.suspends(v));
        if !rest_suspends {
            let mut vals = Vec::new();
            for v in values {
                vals.push(self.expr(v));
            }
            let ty = vals
                .iter()
                .map(ty_of)
                .reduce(|a, b| t::join(&a, &b))
                .unwrap_or_else(t::any);
            return mk(
                EK::BoolOp(ir::BoolExpr {
                    op: op as i32,
                    values: vals,
                }),
                ty,
                span,
            );
        }
        // Control flow: res = v0; if res (and) / not res (or) -> evaluate next, else done.
        let res = self.temp(t::any());
        let join = self.new_block();
        let mut ty: Option<Type> = None;
        for (i, v) in values.iter().enumerate() {
            let val = self.expr(v);
            ty = Some(ty.map_or(ty_of(&val), |x| t::join(&x, &ty_of(&val))));
            self.assign_slot(res, val, span);
            if i + 1 < values.len() {
                let next = self.new_block();
                let cond = mk(EK::Slot(res), t::any(), span);
                let (then_b, else_b) = if and { (next, join) } else { (join, next) };
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(cond),
                        then_block: then_b,
                        else_block: else_b,
                    }),
                    span,
                );
                self.switch_to(next);
            }
        }
        self.goto(join, span);
        self.switch_to(join);
        let ty = ty.unwrap_or_else(t::any);
        self.set_temp_type(res, &ty);
        mk(EK::Slot(res), ty, span)
    }

    fn compare(
        &mut self,
        left: &Expr,
        ops: &[CmpOp],
        comparators: &[Expr],
        span: Span,
    ) -> ir::Expr {
        let cops: Vec<i32> = ops.iter().map(|o| cmp_op(*o) as i32).collect();
        let chain_suspends = ops.len() > 1 && comparators.iter().skip(1).any(|c| self.suspends(c));
        if !chain_suspends {
            let mut refs: Vec<&Expr> = vec![left];
            refs.extend(comparators.iter());
            let operands = self.seq(&refs);
            return mk(
                EK::Compare(ir::CompareExpr {
                    operands,
                    ops: cops,
                }),
                t::boolean(),
                span,
            );
        }
        // `a < f() < g()`: each operand once, stop at the first false comparison.
        let res = self.temp(t::boolean());
        let join = self.new_block();
        let first_suspends = self.suspends(&comparators[0]);
        let mut lhs = self.expr(left);
        if first_suspends {
            lhs = self.spill(lhs);
        }
        for (i, c) in comparators.iter().enumerate() {
            let mut rhs = self.expr(c);
            if i + 1 < comparators.len() {
                rhs = self.spill_always(rhs);
            }
            let cmp = mk(
                EK::Compare(ir::CompareExpr {
                    operands: vec![lhs, rhs.clone()],
                    ops: vec![cops[i]],
                }),
                t::boolean(),
                span,
            );
            self.assign_slot(res, cmp, span);
            if i + 1 < comparators.len() {
                let next = self.new_block();
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(mk(EK::Slot(res), t::boolean(), span)),
                        then_block: next,
                        else_block: join,
                    }),
                    span,
                );
                self.switch_to(next);
                if self.suspends(&comparators[i + 1]) {
                    rhs = self.spill(rhs);
                }
            }
            lhs = rhs;
        }
        self.goto(join, span);
        self.switch_to(join);
        mk(EK::Slot(res), t::boolean(), span)
    }

    pub(crate) fn binop(&mut self, op: BinOp, span: Span) -> Option<B> {
        Some(match op {
            BinOp::Add => B::Add,
            BinOp::Sub => B::Sub,
            BinOp::Mul => B::Mul,
            BinOp::Div => B::TrueDiv,
            BinOp::FloorDiv => B::FloorDiv,
            BinOp::Mod => B::Mod,
            BinOp::Pow => B::Pow,
            BinOp::LShift => B::Lshift,
            BinOp::RShift => B::Rshift,
            BinOp::BitOr => B::BitOr,
            BinOp::BitXor => B::BitXor,
            BinOp::BitAnd => B::BitAnd,
            BinOp::MatMul => {
                self.err(
                    "E105",
                    "the `@` operator is not supported",
                    span,
                    "matrix multiplication",
                    "there are no matrices in stent",
                );
                return None;
            }
        })
    }

    pub(crate) fn binary_type(&self, op: B, l: &Type, r: &Type) -> Type {
        let int_like = |x: &Type| t::is_prim(x, Primitive::Int) || t::is_prim(x, Primitive::Bool);
        let num = |x: &Type| t::is_numeric(x);
        match op {
            B::TrueDiv if num(l) && num(r) => t::float(),
            B::Pow => {
                if t::is_prim(l, Primitive::Float) || t::is_prim(r, Primitive::Float) {
                    t::float()
                } else {
                    t::any()
                }
            }
            B::Add | B::Sub | B::Mul | B::FloorDiv | B::Mod if int_like(l) && int_like(r) => {
                t::int()
            }
            B::Add | B::Sub | B::Mul | B::FloorDiv | B::Mod if num(l) && num(r) => t::float(),
            B::Add if t::is_prim(l, Primitive::Str) && t::is_prim(r, Primitive::Str) => t::str_(),
            B::Add if t::list_elem(l).is_some() && t::list_elem(r).is_some() => t::join(l, r),
            B::Mul
                if (t::is_prim(l, Primitive::Str) || t::list_elem(l).is_some()) && int_like(r) =>
            {
                l.clone()
            }
            B::Mul
                if (t::is_prim(r, Primitive::Str) || t::list_elem(r).is_some()) && int_like(l) =>
            {
                r.clone()
            }
            B::Mod if t::is_prim(l, Primitive::Str) => t::str_(),
            B::BitAnd | B::BitOr | B::BitXor | B::Lshift | B::Rshift
                if int_like(l) && int_like(r) =>
            {
                if t::is_prim(l, Primitive::Bool)
                    && t::is_prim(r, Primitive::Bool)
                    && !matches!(op, B::Lshift | B::Rshift)
                {
                    t::boolean()
                } else {
                    t::int()
                }
            }
            _ => t::any(),
        }
    }

    pub(crate) fn index_type(&self, container: &Type, index: Option<&ir::Expr>) -> Type {
        if let Some(el) = t::list_elem(container) {
            return el;
        }
        if let Some((_, v)) = t::dict_kv(container) {
            return v;
        }
        if t::is_prim(container, Primitive::Str) {
            return t::str_();
        }
        if let Some(es) = t::tuple_elems(container)
            && let Some(ir::Expr {
                kind:
                    Some(EK::Literal(ir::Value {
                        kind: Some(ir::value::Kind::Int(i)),
                    })),
                ..
            }) = index
        {
            let n = es.len() as i64;
            let i = if *i < 0 { *i + n } else { *i };
            if (0..n).contains(&i) {
                return es[i as usize].clone();
            }
        }
        t::any()
    }
}

fn cmp_op(o: CmpOp) -> C {
    match o {
        CmpOp::Eq => C::Eq,
        CmpOp::NotEq => C::Ne,
        CmpOp::Lt => C::Lt,
        CmpOp::LtE => C::Le,
        CmpOp::Gt => C::Gt,
        CmpOp::GtE => C::Ge,
        CmpOp::Is => C::Is,
        CmpOp::IsNot => C::IsNot,
        CmpOp::In => C::In,
        CmpOp::NotIn => C::NotIn,
    }
}

fn collect_fexprs<'e>(parts: &'e [FPart], out: &mut Vec<&'e Expr>) {
    for p in parts {
        if let FPart::Value { expr, spec, .. } = p {
            out.push(expr);
            if let Some(spec) = spec {
                collect_fexprs(spec, out);
            }
        }
    }
}

fn build_fparts(parts: &[FPart], vals: &mut impl Iterator<Item = ir::Expr>) -> Vec<ir::FormatPart> {
    use ir::format_part::Kind as FK;
    let mut out = Vec::new();
    for p in parts {
        match p {
            FPart::Text(s) => out.push(ir::FormatPart {
                kind: Some(FK::Text(s.clone())),
            }),
            FPart::Value {
                expr,
                conversion,
                spec,
            } => {
                let value = vals.next().unwrap_or_else(|| super::poison(expr.span));
                let spec = spec.as_ref().map(|s| ir::FormatString {
                    parts: build_fparts(s, vals),
                });
                let _ = span_of(&value);
                out.push(ir::FormatPart {
                    kind: Some(FK::Value(ir::FormattedValue {
                        value: Some(value),
                        conversion: conversion.map(u32::from).unwrap_or(0),
                        spec,
                    })),
                });
            }
        }
    }
    out
}
