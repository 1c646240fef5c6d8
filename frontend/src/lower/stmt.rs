//! Statement lowering: assignments, control flow, loops, raise/assert/del/print.

use stent_ir::v1::{
    self as ir, SlotKind, assign_target::Kind as AT, expr::Kind as EK, stmt::Kind as SK,
    terminator::Kind as TK,
};

use super::{LoopCx, Lowerer, lit_none, mk, span_of, ty_of};
use crate::diag::Span;
use crate::syntax::{self, Expr, ExprKind, Stmt, StmtKind};
use crate::types as t;

impl Lowerer<'_, '_> {
    pub(crate) fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        let span = s.span;
        match &s.kind {
            StmtKind::Pass => {}
            StmtKind::Expr(e) => self.expr_stmt(e, span),
            StmtKind::Assign { targets, value } => {
                if targets.len() == 1 {
                    self.assign(&targets[0], value, span);
                } else {
                    let v = self.expr(value);
                    let v = self.spill_always(v);
                    for target in targets {
                        self.store(target, v.clone(), span);
                    }
                }
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                if let ExprKind::Attribute { value: obj, .. } = &target.kind
                    && !matches!(&obj.kind, ExprKind::Name(n) if n == "self")
                {
                    self.err(
                        "E062",
                        "cannot assign another entity's field",
                        target.span,
                        "remote write",
                        "call a method on that entity instead, e.g. `other.set_x(v)`",
                    );
                    return;
                }
                let _ = annotation;
                if let Some(v) = value {
                    self.assign(target, v, span);
                }
            }
            StmtKind::AugAssign { target, op, value } => self.aug_assign(target, *op, value, span),
            StmtKind::If { test, body, orelse } => {
                let c = self.expr(test);
                let then_b = self.new_block();
                let else_b = self.new_block();
                let join = if orelse.is_empty() {
                    else_b
                } else {
                    self.new_block()
                };
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(c),
                        then_block: then_b,
                        else_block: else_b,
                    }),
                    span,
                );
                self.switch_to(then_b);
                self.stmts(body);
                self.goto(join, span);
                if !orelse.is_empty() {
                    self.switch_to(else_b);
                    self.stmts(orelse);
                    self.goto(join, span);
                }
                self.switch_to(join);
            }
            StmtKind::While { test, body, orelse } => {
                let head = self.new_block();
                self.goto(head, span);
                self.switch_to(head);
                let c = self.expr(test);
                let body_b = self.new_block();
                let after = self.new_block();
                let else_b = if orelse.is_empty() {
                    after
                } else {
                    self.new_block()
                };
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(c),
                        then_block: body_b,
                        else_block: else_b,
                    }),
                    span,
                );
                self.switch_to(body_b);
                self.loop_body(head, after, body, span);
                if !orelse.is_empty() {
                    self.switch_to(else_b);
                    self.stmts(orelse);
                    self.goto(after, span);
                }
                self.switch_to(after);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    self.err(
                        "E070",
                        "`async for` is not supported",
                        span,
                        "async loop",
                        "use a plain `for` loop",
                    );
                    return;
                }
                self.for_loop(target, iter, body, orelse, span);
            }
            StmtKind::Break | StmtKind::Continue => {
                let Some(lp) = self.loops.last() else {
                    self.err(
                        "E071",
                        "`break`/`continue` outside a loop",
                        span,
                        "not in a loop",
                        "remove it",
                    );
                    return;
                };
                let to = if matches!(s.kind, StmtKind::Break) {
                    lp.break_to
                } else {
                    lp.continue_to
                };
                self.goto(to, span);
                self.dead_block();
            }
            StmtKind::Return(v) => {
                let value = match v {
                    Some(e) => {
                        if self.is_init && !matches!(e.kind, ExprKind::None) {
                            self.err("E072", "`__init__` may not return a value", e.span, "returned here", "a create request returns the new entity's reference; remove the value");
                        }
                        self.expr(e)
                    }
                    None => lit_none(span),
                };
                self.returns.push(ty_of(&value));
                self.terminate(TK::Return(ir::Return { value: Some(value) }), span);
                self.dead_block();
            }
            StmtKind::Raise { exc, cause } => self.raise(exc.as_ref(), cause.as_ref(), span),
            StmtKind::Assert { test, msg } => {
                let c = self.expr(test);
                let ok = self.new_block();
                let fail = self.new_block();
                self.terminate(
                    TK::Branch(ir::Branch {
                        cond: Some(c),
                        then_block: ok,
                        else_block: fail,
                    }),
                    span,
                );
                self.switch_to(fail);
                let m = msg.as_ref().map(|m| self.expr(m));
                self.terminate(
                    TK::Raise(ir::Raise {
                        exception: "AssertionError".into(),
                        message: m,
                    }),
                    span,
                );
                self.switch_to(ok);
            }
            StmtKind::Delete(targets) => {
                for target in targets {
                    match &target.kind {
                        ExprKind::Subscript { value, index } if !matches!(index.kind, ExprKind::Slice { .. }) => {
                            let v = self.seq(&[value, index]);
                            let mut it = v.into_iter();
                            let (c, i) = (it.next(), it.next());
                            self.check_not_remote_container(value);
                            self.emit(SK::DelItem(ir::DelItem { container: c, index: i }), span);
                        }
                        _ => self.err("E073", "only `del container[key]` is supported", target.span, "unsupported `del` target", "to clear a local, assign `None` to it; to remove items use `del d[k]` or `xs.pop(i)`"),
                    }
                }
            }
            StmtKind::FunctionDef(f) => self.err(
                "E074",
                format!("nested function `{}` is not supported", f.name),
                f.name_span,
                "nested function",
                "make it a method of the entity and call it with `self.m(...)`",
            ),
            StmtKind::ClassDef(c) => self.err(
                "E019",
                format!("nested class `{}` is not supported", c.name),
                c.name_span,
                "nested class",
                "define it at module level: as an `@entity` or an exception class",
            ),
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => self.err(
                "E075",
                "imports inside methods are not supported",
                span,
                "local import",
                "import at module level (only typing, stent, stateflow, dataclasses)",
            ),
            StmtKind::Unsupported(what) => {
                let hint = match *what {
                    "`try`/`except` statements" => {
                        "exceptions abort the whole request in v1; check the condition first with `if` instead of catching"
                    }
                    "`global` declarations" | "`nonlocal` declarations" => {
                        "keep shared state in entity fields (`self.x`)"
                    }
                    "`with` statements" => "context managers are not available in entity code",
                    _ => "rewrite this with the supported statements (see the language reference)",
                };
                self.err(
                    "E076",
                    format!("{what} are not supported"),
                    span,
                    "not in the stent subset",
                    hint,
                )
            }
        }
    }

    pub(crate) fn loop_body(&mut self, cont: u32, after: u32, body: &[Stmt], span: Span) {
        self.loops.push(LoopCx {
            continue_to: cont,
            break_to: after,
        });
        self.stmts(body);
        self.loops.pop();
        self.goto(cont, span);
    }

    fn expr_stmt(&mut self, e: &Expr, span: Span) {
        if let ExprKind::Call {
            func,
            args,
            keywords,
        } = &e.kind
            && matches!(&func.kind, ExprKind::Name(n) if n == "print")
            && !self.locals.contains_key("print")
        {
            if let Some(k) = keywords.first() {
                self.err(
                    "E080",
                    "keyword arguments to `print` are not supported",
                    k.span,
                    "keyword argument",
                    "build the text with an f-string: `print(f\"{a}-{b}\")`",
                );
            }
            let refs: Vec<&Expr> = args.iter().collect();
            let args = self.seq(&refs);
            self.emit(SK::Print(ir::Print { args }), span);
            return;
        }
        if matches!(e.kind, ExprKind::Str(_)) {
            return; // docstring
        }
        let v = self.expr(e);
        match &v.kind {
            Some(EK::Slot(_)) | Some(EK::Literal(_)) | Some(EK::SelfRef(_))
            | Some(EK::Field(_)) | None => {}
            _ => self.emit(SK::Expr(v), span),
        }
    }

    pub(crate) fn spill_always(&mut self, e: ir::Expr) -> ir::Expr {
        if matches!(e.kind, Some(EK::Literal(_))) {
            return e;
        }
        let ty = ty_of(&e);
        let span = span_of(&e);
        let tmp = self.temp(ty.clone());
        self.assign_slot(tmp, e, span);
        mk(EK::Slot(tmp), ty, span)
    }

    fn assign(&mut self, target: &Expr, value: &Expr, span: Span) {
        // The value is evaluated first, then the target's sub-expressions.
        let target_suspends = self.target_suspends(target);
        let v = self.expr(value);
        let v = if target_suspends { self.spill(v) } else { v };
        self.store(target, v, span);
    }

    fn target_suspends(&mut self, target: &Expr) -> bool {
        match &target.kind {
            ExprKind::Subscript { value, index } => self.suspends(value) || self.suspends(index),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().any(|i| self.target_suspends(i))
            }
            _ => false,
        }
    }

    fn check_not_remote_container(&mut self, container: &Expr) {
        let _ = container;
    }

    /// Stores an already evaluated value into a target.
    pub(crate) fn store(&mut self, target: &Expr, value: ir::Expr, span: Span) {
        if let Some(tk) = self.target(target, Some(&ty_of(&value))) {
            self.emit(
                SK::Assign(ir::Assign {
                    target: Some(ir::AssignTarget { kind: Some(tk) }),
                    value: Some(value),
                }),
                span,
            );
        }
    }

    fn set_local_type(&mut self, slot: u32, name: &str, ty: &ir::Type) {
        let comp_var = self.comp_vars.contains(&slot);
        if self.local_ann.contains_key(name) && !comp_var {
            return;
        }
        if let Some(s) = self.slots.get_mut(slot as usize) {
            if s.kind != SlotKind::Local as i32 && !comp_var {
                return;
            }
            let new = if self.typed.insert(slot) {
                ty.clone()
            } else {
                t::join(s.r#type.as_ref().unwrap_or(&t::any()), ty)
            };
            s.r#type = Some(new);
        }
    }

    /// Lowers an assignment target (its sub-expressions are evaluated now).
    fn target(&mut self, target: &Expr, value_ty: Option<&ir::Type>) -> Option<AT> {
        match &target.kind {
            ExprKind::Name(n) => match self.locals.get(n).copied() {
                Some(slot) => {
                    if let Some(ty) = value_ty {
                        self.set_local_type(slot, n, ty);
                    }
                    Some(AT::Slot(slot))
                }
                None => {
                    self.err(
                        "E081",
                        format!("cannot assign to `{n}`"),
                        target.span,
                        "not a local variable",
                        "assign to a local variable or to `self.<field>`",
                    );
                    None
                }
            },
            ExprKind::Attribute {
                value,
                attr,
                attr_span,
            } => {
                if !matches!(&value.kind, ExprKind::Name(n) if n == "self") {
                    self.err("E062", format!("cannot assign another entity's field `{attr}`"), target.span, "remote write", format!("entities only change their own state: call a method on it instead, e.g. `.set_{attr}(value)`"));
                    return None;
                }
                if self.ent.field(attr).is_none() {
                    if self.ent.method(attr).is_some() {
                        self.err(
                            "E082",
                            format!("cannot assign to method `{attr}`"),
                            *attr_span,
                            "this is a method",
                            "methods cannot be replaced at run time",
                        );
                    } else {
                        self.err("E061", format!("field `{attr}` is first assigned outside `__init__`"), *attr_span, "unknown field", format!("declare it in `__init__`, e.g. `self.{attr} = ...` with its initial value"));
                    }
                    return None;
                }
                Some(AT::Field(attr.clone()))
            }
            ExprKind::Subscript { value, index } => {
                if matches!(index.kind, ExprKind::Slice { .. }) {
                    self.err(
                        "E083",
                        "slice assignment is not supported",
                        target.span,
                        "slice target",
                        "build a new list with slicing and `+`, then assign it",
                    );
                    return None;
                }
                let v = self.seq(&[value, index]);
                let mut it = v.into_iter();
                Some(AT::Subscript(ir::Subscript {
                    container: it.next(),
                    index: it.next(),
                }))
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let elem_tys: Vec<Option<ir::Type>> = match value_ty {
                    Some(vt) => match t::tuple_elems(vt) {
                        Some(es) if es.len() == items.len() => {
                            es.iter().cloned().map(Some).collect()
                        }
                        _ => {
                            let el = t::list_elem(vt).unwrap_or_else(t::any);
                            vec![Some(el); items.len()]
                        }
                    },
                    None => vec![None; items.len()],
                };
                let mut targets = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    if matches!(it.kind, ExprKind::Starred(_)) {
                        self.err(
                            "E084",
                            "starred assignment targets are not supported",
                            it.span,
                            "starred target",
                            "unpack a fixed number of items, or use slicing",
                        );
                        return None;
                    }
                    let tk = self.target(it, elem_tys.get(i).and_then(|x| x.as_ref()))?;
                    targets.push(ir::AssignTarget { kind: Some(tk) });
                }
                Some(AT::Unpack(ir::TargetList { targets }))
            }
            _ => {
                self.err(
                    "E081",
                    "cannot assign to this expression",
                    target.span,
                    "invalid target",
                    "assign to a local variable, `self.<field>`, `x[i]` or a tuple of these",
                );
                None
            }
        }
    }

    fn aug_assign(&mut self, target: &Expr, op: syntax::BinOp, value: &Expr, span: Span) {
        let Some(bop) = self.binop(op, span) else {
            return;
        };
        let value_suspends = self.suspends(value);
        let tk = match &target.kind {
            ExprKind::Subscript { value: c, index }
                if !matches!(index.kind, ExprKind::Slice { .. }) =>
            {
                // Container and index are evaluated once.
                let v = self.seq(&[c, index]);
                let mut it = v.into_iter();
                let (c, i) = (it.next(), it.next());
                let c = c.map(|c| self.spill_always(c));
                let i = i.map(|i| self.spill_always(i));
                AT::Subscript(ir::Subscript {
                    container: c,
                    index: i,
                })
            }
            ExprKind::Tuple(_) | ExprKind::List(_) => {
                self.err(
                    "E085",
                    "augmented assignment to a tuple is not possible",
                    target.span,
                    "tuple target",
                    "use a plain assignment",
                );
                return;
            }
            _ => match self.target(target, None) {
                Some(tk) => tk,
                None => return,
            },
        };
        if !value_suspends {
            let v = self.expr(value);
            if let AT::Slot(s) = &tk {
                let name = self
                    .slots
                    .get(*s as usize)
                    .map(|x| x.name.clone())
                    .unwrap_or_default();
                let cur = self
                    .slots
                    .get(*s as usize)
                    .and_then(|x| x.r#type.clone())
                    .unwrap_or_else(t::any);
                let nt = self.binary_type(bop, &cur, &ty_of(&v));
                self.set_local_type(*s, &name, &nt);
            }
            self.emit(
                SK::AugAssign(ir::AugAssign {
                    target: Some(ir::AssignTarget { kind: Some(tk) }),
                    op: bop as i32,
                    value: Some(v),
                }),
                span,
            );
            return;
        }
        // Python reads the target before evaluating a value that may suspend:
        // old = target; v = value; old op= v; target = old.
        let old = self.read_target(&tk, span);
        let old_ty = ty_of(&old);
        let tmp = self.temp(old_ty.clone());
        self.assign_slot(tmp, old, span);
        let v = self.expr(value);
        self.emit(
            SK::AugAssign(ir::AugAssign {
                target: Some(ir::AssignTarget {
                    kind: Some(AT::Slot(tmp)),
                }),
                op: bop as i32,
                value: Some(v),
            }),
            span,
        );
        self.emit(
            SK::Assign(ir::Assign {
                target: Some(ir::AssignTarget { kind: Some(tk) }),
                value: Some(mk(EK::Slot(tmp), old_ty, span)),
            }),
            span,
        );
    }

    fn read_target(&mut self, tk: &AT, span: Span) -> ir::Expr {
        match tk {
            AT::Slot(s) => {
                let ty = self
                    .slots
                    .get(*s as usize)
                    .and_then(|x| x.r#type.clone())
                    .unwrap_or_else(t::any);
                mk(EK::Slot(*s), ty, span)
            }
            AT::Field(f) => {
                let ty = self.field_type(f).unwrap_or_else(t::any);
                mk(EK::Field(f.clone()), ty, span)
            }
            AT::Subscript(sub) => {
                let c = sub.container.clone().unwrap_or_else(|| lit_none(span));
                let ty = self.index_type(&ty_of(&c), sub.index.as_ref());
                mk(
                    EK::Index(Box::new(ir::IndexExpr {
                        value: Some(Box::new(c)),
                        index: sub.index.clone().map(Box::new),
                    })),
                    ty,
                    span,
                )
            }
            AT::Unpack(_) => lit_none(span),
        }
    }

    fn raise(&mut self, exc: Option<&Expr>, cause: Option<&Expr>, span: Span) {
        if let Some(c) = cause {
            self.err(
                "E090",
                "`raise ... from ...` is not supported",
                c.span,
                "exception chaining",
                "raise the exception without `from`",
            );
        }
        let Some(exc) = exc else {
            self.err("E091", "a bare `raise` is not supported", span, "re-raise", "there is no `except` in v1; raise a specific exception: `raise ValueError(\"...\")`");
            return;
        };
        let (name, args, name_span): (String, &[Expr], Span) = match &exc.kind {
            ExprKind::Name(n) => (n.clone(), &[], exc.span),
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                if let Some(k) = keywords.first() {
                    self.err(
                        "E092",
                        "keyword arguments to exceptions are not supported",
                        k.span,
                        "keyword argument",
                        "pass the message positionally: `raise E(\"message\")`",
                    );
                }
                match &func.kind {
                    ExprKind::Name(n) => (n.clone(), args.as_slice(), func.span),
                    _ => {
                        self.err("E093", "can only raise an exception class by name", func.span, "not an exception class", "raise a builtin exception or a class derived from `Exception` in this module");
                        return;
                    }
                }
            }
            _ => {
                self.err("E093", "can only raise an exception class by name", exc.span, "not an exception class", "raise a builtin exception or a class derived from `Exception` in this module: `raise ValueError(\"...\")`");
                return;
            }
        };
        if !self.model.is_exception(&name) {
            self.err("E094", format!("`{name}` is not an exception class"), name_span, "unknown exception", "define it in this module (`class MyError(Exception): pass`) or use a builtin such as ValueError");
            return;
        }
        if args.len() > 1 {
            self.err(
                "E095",
                "exceptions take at most one argument (the message)",
                args[1].span,
                "extra argument",
                "format a single message: `raise E(f\"{a} {b}\")`",
            );
            return;
        }
        let message = args.first().map(|a| self.expr(a));
        self.terminate(
            TK::Raise(ir::Raise {
                exception: name,
                message,
            }),
            span,
        );
        self.dead_block();
    }
}
