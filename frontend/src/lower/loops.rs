//! Loop lowering: counter loops over `range`, index loops over sequences and snapshots.

use stent_ir::v1::{
    self as ir, Builtin, CompareOperator, Primitive, assign_target::Kind as AT, expr::Kind as EK,
    stmt::Kind as SK, terminator::Kind as TK,
};

use super::{Lowerer, lit, mk, span_of, ty_of};
use crate::diag::Span;
use crate::syntax::{Expr, ExprKind, Stmt};
use crate::types as t;

/// What a loop runs per item.
pub(crate) enum LoopBody<'s, 'f, L> {
    /// A `for` statement's body (with `break`/`continue`).
    Stmts(&'s [Stmt]),
    /// A comprehension clause: the item is bound in a fresh scope, then the callback lowers
    /// the rest of the clause (called with the block that continues the loop).
    Comp(&'f mut dyn FnMut(&mut L, u32)),
}

impl<'m, 'a> Lowerer<'m, 'a> {
    pub(crate) fn for_loop(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) {
        self.for_each(target, iter, LoopBody::Stmts(body), orelse, span)
    }

    /// A loop over `iter`, binding each item to `target`.
    pub(crate) fn for_each(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: LoopBody<'_, '_, Self>,
        orelse: &[Stmt],
        span: Span,
    ) {
        // `for x in range(...)`: a counter loop.
        if let ExprKind::Call {
            func,
            args,
            keywords,
        } = &iter.kind
            && matches!(&func.kind, ExprKind::Name(n) if n == "range")
            && keywords.is_empty()
            && (1..=3).contains(&args.len())
            && !self.locals.contains_key("range")
        {
            return self.range_loop(target, args, body, orelse, span);
        }
        // Other iterables: an index loop over the live list, or a snapshot (`list(...)`).
        let seq = self.iter_source(iter);
        let seq_ty = ty_of(&seq);
        let seq = self.spill_always(seq);
        let elem_ty = t::list_elem(&seq_ty)
            .or_else(|| {
                if t::is_prim(&seq_ty, Primitive::Str) {
                    Some(t::str_())
                } else {
                    None
                }
            })
            .unwrap_or_else(t::any);
        let idx = self.temp(t::int());
        self.assign_slot(idx, lit(ir::value::Kind::Int(0), t::int(), span), span);
        let len = mk(
            EK::Builtin(ir::BuiltinCall {
                function: Builtin::Len as i32,
                args: vec![seq.clone()],
            }),
            t::int(),
            span,
        );
        let cond = mk(
            EK::Compare(ir::CompareExpr {
                operands: vec![mk(EK::Slot(idx), t::int(), span), len],
                ops: vec![CompareOperator::Lt as i32],
            }),
            t::boolean(),
            span,
        );
        let item = mk(
            EK::Index(Box::new(ir::IndexExpr {
                value: Some(Box::new(seq)),
                index: Some(Box::new(mk(EK::Slot(idx), t::int(), span))),
            })),
            elem_ty,
            span,
        );
        self.loop_with(
            cond,
            item,
            idx,
            lit(ir::value::Kind::Int(1), t::int(), span),
            target,
            body,
            orelse,
            span,
        );
    }

    /// The sequence a `for` iterates over: lists, tuples and strings live; dicts, views and
    /// everything else as a `list(...)` snapshot.
    fn iter_source(&mut self, iter: &Expr) -> ir::Expr {
        let v = self.expr(iter);
        let ty = ty_of(&v);
        let live = t::list_elem(&ty).is_some()
            || t::tuple_elems(&ty).is_some()
            || t::is_prim(&ty, Primitive::Str);
        if live && !matches!(&v.kind, Some(EK::Method(_))) {
            if let Some(es) = t::tuple_elems(&ty) {
                let el = es
                    .iter()
                    .skip(1)
                    .fold(es.first().cloned().unwrap_or_else(t::any), |a, b| {
                        t::join(&a, b)
                    });
                let span = span_of(&v);
                let mut v = v;
                v.r#type = Some(t::list(el));
                let _ = span;
                return v;
            }
            return v;
        }
        let elem = match (&v.kind, t::dict_kv(&ty)) {
            (_, Some((k, _))) => k,
            (Some(EK::Method(m)), _) => {
                let recv_ty = m.receiver.as_deref().map(ty_of).unwrap_or_else(t::any);
                match (m.method.as_str(), t::dict_kv(&recv_ty)) {
                    ("keys", Some((k, _))) => k,
                    ("values", Some((_, val))) => val,
                    ("items", Some((k, val))) => t::tuple(vec![k, val]),
                    _ => t::list_elem(&ty).unwrap_or_else(t::any),
                }
            }
            _ => t::any(),
        };
        let span = span_of(&v);
        mk(
            EK::Builtin(ir::BuiltinCall {
                function: Builtin::List as i32,
                args: vec![v],
            }),
            t::list(elem),
            span,
        )
    }

    fn range_loop(
        &mut self,
        target: &Expr,
        args: &[Expr],
        body: LoopBody<'_, '_, Self>,
        orelse: &[Stmt],
        span: Span,
    ) {
        let refs: Vec<&Expr> = args.iter().collect();
        let vals = self.seq(&refs);
        let mut vals: Vec<ir::Expr> = vals.into_iter().map(|v| self.spill_always(v)).collect();
        let zero = lit(ir::value::Kind::Int(0), t::int(), span);
        let one = lit(ir::value::Kind::Int(1), t::int(), span);
        let (start, stop, step) = match vals.len() {
            1 => (zero, vals.remove(0), one),
            2 => {
                let stop = vals.remove(1);
                (vals.remove(0), stop, one)
            }
            _ => {
                let step = vals.remove(2);
                let stop = vals.remove(1);
                (vals.remove(0), stop, step)
            }
        };
        let step_lit = match &step.kind {
            Some(EK::Literal(ir::Value {
                kind: Some(ir::value::Kind::Int(i)),
            })) => Some(*i),
            _ => None,
        };
        if step_lit.is_none() {
            // range() arg 3 must not be zero
            let is_zero = mk(
                EK::Compare(ir::CompareExpr {
                    operands: vec![step.clone(), lit(ir::value::Kind::Int(0), t::int(), span)],
                    ops: vec![CompareOperator::Eq as i32],
                }),
                t::boolean(),
                span,
            );
            let bad = self.new_block();
            let ok = self.new_block();
            self.terminate(
                TK::Branch(ir::Branch {
                    cond: Some(is_zero),
                    then_block: bad,
                    else_block: ok,
                }),
                span,
            );
            self.switch_to(bad);
            self.terminate(
                TK::Raise(ir::Raise {
                    exception: "ValueError".into(),
                    message: Some(lit(
                        ir::value::Kind::Str("range() arg 3 must not be zero".into()),
                        t::str_(),
                        span,
                    )),
                }),
                span,
            );
            self.switch_to(ok);
        } else if step_lit == Some(0) {
            self.err(
                "E096",
                "`range()` step must not be zero",
                span,
                "zero step",
                "use a positive or negative step",
            );
        }
        let ctr = self.temp(t::int());
        self.assign_slot(ctr, start, span);
        let ctr_e = mk(EK::Slot(ctr), t::int(), span);
        let cmp = |op: CompareOperator| {
            mk(
                EK::Compare(ir::CompareExpr {
                    operands: vec![ctr_e.clone(), stop.clone()],
                    ops: vec![op as i32],
                }),
                t::boolean(),
                span,
            )
        };
        let cond = match step_lit {
            Some(s) if s > 0 => cmp(CompareOperator::Lt),
            Some(_) => cmp(CompareOperator::Gt),
            None => {
                let pos = mk(
                    EK::Compare(ir::CompareExpr {
                        operands: vec![step.clone(), lit(ir::value::Kind::Int(0), t::int(), span)],
                        ops: vec![CompareOperator::Gt as i32],
                    }),
                    t::boolean(),
                    span,
                );
                let up = cmp(CompareOperator::Lt);
                let down = cmp(CompareOperator::Gt);
                mk(
                    EK::Cond(Box::new(ir::CondExpr {
                        cond: Some(Box::new(pos)),
                        then_value: Some(Box::new(up)),
                        else_value: Some(Box::new(down)),
                    })),
                    t::boolean(),
                    span,
                )
            }
        };
        self.loop_with(cond, ctr_e, ctr, step, target, body, orelse, span);
    }

    /// header: branch(cond) -> body: target = item; counter += step; <body>; goto header.
    #[allow(clippy::too_many_arguments)]
    fn loop_with(
        &mut self,
        cond: ir::Expr,
        item: ir::Expr,
        counter: u32,
        step: ir::Expr,
        target: &Expr,
        body: LoopBody<'_, '_, Self>,
        orelse: &[Stmt],
        span: Span,
    ) {
        if matches!(body, LoopBody::Comp(_)) {
            // The iterable was evaluated in the enclosing scope; the target is not.
            self.bind_fresh(target);
        }
        let head = self.new_block();
        self.goto(head, span);
        self.switch_to(head);
        let body_b = self.new_block();
        let after = self.new_block();
        let else_b = if orelse.is_empty() {
            after
        } else {
            self.new_block()
        };
        self.terminate(
            TK::Branch(ir::Branch {
                cond: Some(cond),
                then_block: body_b,
                else_block: else_b,
            }),
            span,
        );
        self.switch_to(body_b);
        self.store(target, item, target.span);
        self.emit(
            SK::AugAssign(ir::AugAssign {
                target: Some(ir::AssignTarget {
                    kind: Some(AT::Slot(counter)),
                }),
                op: ir::BinaryOperator::Add as i32,
                value: Some(step),
            }),
            span,
        );
        match body {
            LoopBody::Stmts(body) => self.loop_body(head, after, body, span),
            LoopBody::Comp(rest) => {
                rest(self, head);
                self.goto(head, span);
            }
        }
        if !orelse.is_empty() {
            self.switch_to(else_b);
            self.stmts(orelse);
            self.goto(after, span);
        }
        self.switch_to(after);
    }
}
