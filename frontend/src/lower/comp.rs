//! Comprehensions: `[e for ...]`, `{k: v for ...}`, and generator expressions consumed at once
//! by a builtin (`sum(x.price for x in items)`).
//!
//! A comprehension is lowered in place to loops (one per `for` clause, nested) that fill a
//! fresh temporary list or dict; each `if` clause skips to the next item. As in Python 3, the
//! first iterable is evaluated in the enclosing scope and the loop variables live in a scope of
//! their own (fresh slots that shadow, and never overwrite, locals of the same name). Remote
//! calls anywhere in a comprehension are ordinary suspending calls inside the loop body.
//!
//! Generator expressions given to `sum`, `min`, `max`, `sorted`, `list`, `tuple` and `str.join`
//! are lowered as list comprehensions (those consume every item anyway). `any` and `all` stop at the
//! first deciding item, exactly as Python does, so later items are never evaluated.

use stent_ir::v1::{
    self as ir, Builtin, SlotKind, Type, assign_target::Kind as AT, expr::Kind as EK,
    stmt::Kind as SK, terminator::Kind as TK,
};

use super::loops::LoopBody;
use super::{Lowerer, lit, mk, ty_of};
use crate::diag::Span;
use crate::syntax::{Comprehension, Expr, ExprKind};
use crate::types as t;

/// Where a comprehension's items go.
#[derive(Clone, Copy)]
pub(crate) enum Sink<'e> {
    List(&'e Expr),
    Dict(&'e Expr, &'e Expr),
    /// `any(e for ...)`: True at the first truthy item.
    Any(&'e Expr),
    /// `all(e for ...)`: False at the first falsy item.
    All(&'e Expr),
}

/// Item types seen so far (list element, or dict key and value).
#[derive(Default)]
struct ItemTypes {
    first: Option<Type>,
    second: Option<Type>,
}

fn join_into(acc: &mut Option<Type>, ty: Type) {
    *acc = Some(match acc.take() {
        None => ty,
        Some(a) => t::join(&a, &ty),
    });
}

/// The builtins whose generator-expression argument is lowered here, and where it may appear.
pub(crate) fn takes_generator(b: Builtin, nargs: usize) -> bool {
    match b {
        Builtin::Sum => true,
        Builtin::Min
        | Builtin::Max
        | Builtin::Sorted
        | Builtin::List
        | Builtin::Tuple
        | Builtin::Any
        | Builtin::All => nargs == 1,
        _ => false,
    }
}

impl Lowerer<'_, '_> {
    /// Lowers a comprehension; the value is a temporary holding the result.
    pub(crate) fn comprehension(
        &mut self,
        sink: Sink<'_>,
        gens: &[Comprehension],
        span: Span,
    ) -> ir::Expr {
        if let Some(g) = gens.iter().find(|g| g.is_async) {
            self.err(
                "E070",
                "`async for` in comprehensions is not supported",
                g.span,
                "async comprehension",
                "use a plain `for` clause",
            );
            return super::poison(span);
        }
        if gens.is_empty() {
            return super::poison(span);
        }
        let (init, ty) = match sink {
            Sink::List(_) => (
                mk(
                    EK::List(ir::ListDisplay { items: vec![] }),
                    t::list(t::any()),
                    span,
                ),
                t::list(t::any()),
            ),
            Sink::Dict(..) => (
                mk(
                    EK::Dict(ir::DictDisplay { items: vec![] }),
                    t::dict(t::any(), t::any()),
                    span,
                ),
                t::dict(t::any(), t::any()),
            ),
            Sink::Any(_) => (
                lit(ir::value::Kind::Bool(false), t::boolean(), span),
                t::boolean(),
            ),
            Sink::All(_) => (
                lit(ir::value::Kind::Bool(true), t::boolean(), span),
                t::boolean(),
            ),
        };
        let res = self.temp(ty.clone());
        self.assign_slot(res, init, span);
        let done = match sink {
            Sink::Any(_) | Sink::All(_) => Some(self.new_block()),
            _ => None,
        };
        let saved = self.locals.clone();
        let mut tys = ItemTypes::default();
        self.comp_clause(sink, gens, res, done, &mut tys, span);
        self.locals = saved;
        if let Some(d) = done {
            self.goto(d, span);
            self.switch_to(d);
        }
        let ty = match sink {
            Sink::List(_) => t::list(tys.first.unwrap_or_else(t::any)),
            Sink::Dict(..) => t::dict(
                tys.first.unwrap_or_else(t::any),
                tys.second.unwrap_or_else(t::any),
            ),
            _ => ty,
        };
        if let Some(s) = self.slots.get_mut(res as usize) {
            s.r#type = Some(ty.clone());
        }
        mk(EK::Slot(res), ty, span)
    }

    /// The loop of the first clause of `gens`, around the rest; the item itself when empty.
    fn comp_clause(
        &mut self,
        sink: Sink<'_>,
        gens: &[Comprehension],
        res: u32,
        done: Option<u32>,
        tys: &mut ItemTypes,
        span: Span,
    ) {
        let Some((g, rest)) = gens.split_first() else {
            self.comp_item(sink, res, done, tys, span);
            return;
        };
        let mut body = |l: &mut Self, next_item: u32| {
            for cond in &g.ifs {
                let c = l.expr(cond);
                let keep = l.new_block();
                l.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(c),
                        then_block: keep,
                        else_block: next_item,
                    }),
                    cond.span,
                );
                l.switch_to(keep);
            }
            l.comp_clause(sink, rest, res, done, tys, span);
        };
        self.for_each(&g.target, &g.iter, LoopBody::Comp(&mut body), &[], g.span);
    }

    fn comp_item(
        &mut self,
        sink: Sink<'_>,
        res: u32,
        done: Option<u32>,
        tys: &mut ItemTypes,
        span: Span,
    ) {
        let res_e = |ty: Type| mk(EK::Slot(res), ty, span);
        match sink {
            Sink::List(e) => {
                let v = self.expr(e);
                join_into(&mut tys.first, ty_of(&v));
                let recv = res_e(t::list(t::any()));
                self.emit(
                    SK::Expr(mk(
                        EK::Method(Box::new(ir::MethodCall {
                            receiver: Some(Box::new(recv)),
                            method: "append".into(),
                            args: vec![v],
                        })),
                        t::none(),
                        e.span,
                    )),
                    e.span,
                );
            }
            Sink::Dict(k, v) => {
                // Python 3.8+: the key is evaluated before the value.
                let mut vals = self.seq(&[k, v]).into_iter();
                let (kv, vv) = (
                    vals.next().unwrap_or_else(|| super::poison(k.span)),
                    vals.next().unwrap_or_else(|| super::poison(v.span)),
                );
                join_into(&mut tys.first, ty_of(&kv));
                join_into(&mut tys.second, ty_of(&vv));
                self.emit(
                    SK::Assign(ir::Assign {
                        target: Some(ir::AssignTarget {
                            kind: Some(AT::Subscript(ir::Subscript {
                                container: Some(res_e(t::dict(t::any(), t::any()))),
                                index: Some(kv),
                            })),
                        }),
                        value: Some(vv),
                    }),
                    span,
                );
            }
            Sink::Any(e) | Sink::All(e) => {
                let any = matches!(sink, Sink::Any(_));
                let v = self.expr(e);
                let decided = self.new_block();
                let go_on = self.new_block();
                let (then_b, else_b) = if any {
                    (decided, go_on)
                } else {
                    (go_on, decided)
                };
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(v),
                        then_block: then_b,
                        else_block: else_b,
                    }),
                    e.span,
                );
                self.switch_to(decided);
                self.assign_slot(
                    res,
                    lit(ir::value::Kind::Bool(any), t::boolean(), span),
                    span,
                );
                if let Some(d) = done {
                    self.goto(d, span);
                }
                self.switch_to(go_on);
            }
        }
    }

    /// Gives every name in a comprehension target a fresh slot in the current scope.
    pub(crate) fn bind_fresh(&mut self, target: &Expr) {
        match &target.kind {
            ExprKind::Name(n) if n != "self" => {
                let id = self.add_slot(n, t::any(), SlotKind::Temp);
                self.comp_vars.insert(id);
                self.typed.remove(&id);
                self.locals.insert(n.clone(), id);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().for_each(|i| self.bind_fresh(i))
            }
            _ => {}
        }
    }

    /// A generator expression given to a builtin, if `args` is one that is lowered here.
    pub(crate) fn generator_arg(&mut self, b: Builtin, args: &[Expr]) -> Option<ir::Expr> {
        let first = args.first()?;
        let ExprKind::Generator { elt, generators } = &first.kind else {
            return None;
        };
        if !takes_generator(b, args.len()) {
            return None;
        }
        let sink = match b {
            Builtin::Any => Sink::Any(elt),
            Builtin::All => Sink::All(elt),
            _ => Sink::List(elt),
        };
        Some(self.comprehension(sink, generators, first.span))
    }
}
