//! Read-only walks over the owned syntax tree.

use crate::syntax::{Comprehension, Expr, ExprKind, FPart, Stmt, StmtKind};

/// Every `Name` used anywhere under `stmts` (for the unused-import check).
pub fn used_names(stmts: &[Stmt], out: &mut std::collections::HashSet<String>) {
    for s in stmts {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                f.decorators.iter().for_each(|e| expr_names(e, out));
                f.params
                    .iter()
                    .filter_map(|p| p.annotation.as_ref())
                    .for_each(|e| expr_names(e, out));
                f.returns.iter().for_each(|e| expr_names(e, out));
                used_names(&f.body, out);
            }
            StmtKind::ClassDef(c) => {
                c.decorators
                    .iter()
                    .chain(c.bases.iter())
                    .for_each(|e| expr_names(e, out));
                used_names(&c.body, out);
            }
            StmtKind::Return(v) => v.iter().for_each(|e| expr_names(e, out)),
            StmtKind::Delete(v) => v.iter().for_each(|e| expr_names(e, out)),
            StmtKind::Assign { targets, value } => {
                targets.iter().for_each(|e| expr_names(e, out));
                expr_names(value, out);
            }
            StmtKind::AugAssign { target, value, .. } => {
                expr_names(target, out);
                expr_names(value, out);
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                expr_names(target, out);
                expr_names(annotation, out);
                value.iter().for_each(|e| expr_names(e, out));
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                expr_names(target, out);
                expr_names(iter, out);
                used_names(body, out);
                used_names(orelse, out);
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                expr_names(test, out);
                used_names(body, out);
                used_names(orelse, out);
            }
            StmtKind::Raise { exc, cause } => {
                exc.iter()
                    .chain(cause.iter())
                    .for_each(|e| expr_names(e, out));
            }
            StmtKind::Assert { test, msg } => {
                expr_names(test, out);
                msg.iter().for_each(|e| expr_names(e, out));
            }
            StmtKind::Expr(e) => expr_names(e, out),
            _ => {}
        }
    }
}

pub fn expr_names(e: &Expr, out: &mut std::collections::HashSet<String>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Name(n) => {
                out.insert(n.clone());
            }
            ExprKind::Str(s) => {
                // String annotations may mention imported names.
                if s.chars()
                    .all(|c| c.is_alphanumeric() || "_[], .|".contains(c))
                {
                    for w in s.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                        if !w.is_empty() {
                            out.insert(w.to_string());
                        }
                    }
                }
            }
            _ => children(e, &mut |c| stack.push(c)),
        }
    }
}

/// Calls `f` on each direct sub-expression of `e`, in evaluation order.
pub fn children<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    match &e.kind {
        ExprKind::BoolOp { values, .. } => values.iter().for_each(f),
        ExprKind::BinOp { left, right, .. } => {
            f(left);
            f(right)
        }
        ExprKind::Unary { operand, .. } => f(operand),
        ExprKind::IfExp { test, body, orelse } => {
            f(test);
            f(body);
            f(orelse)
        }
        ExprKind::Dict(items) => {
            for (k, v) in items {
                if let Some(k) = k {
                    f(k)
                }
                f(v)
            }
        }
        ExprKind::Compare {
            left, comparators, ..
        } => {
            f(left);
            comparators.iter().for_each(f)
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            f(func);
            args.iter().for_each(&mut *f);
            keywords.iter().for_each(|k| f(&k.value))
        }
        ExprKind::FString(parts) => fparts_children(parts, f),
        ExprKind::Attribute { value, .. } => f(value),
        ExprKind::Subscript { value, index } => {
            f(value);
            f(index)
        }
        ExprKind::Slice { lower, upper, step } => {
            for x in [lower, upper, step].into_iter().flatten() {
                f(x)
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => items.iter().for_each(f),
        ExprKind::Starred(v) => f(v),
        ExprKind::ListComp { elt, generators } | ExprKind::Generator { elt, generators } => {
            comprehension_children(generators, f);
            f(elt)
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            comprehension_children(generators, f);
            f(key);
            f(value)
        }
        _ => {}
    }
}

fn comprehension_children<'e>(gens: &'e [Comprehension], f: &mut dyn FnMut(&'e Expr)) {
    for g in gens {
        f(&g.iter);
        f(&g.target);
        g.ifs.iter().for_each(&mut *f);
    }
}

fn fparts_children<'e>(parts: &'e [FPart], f: &mut dyn FnMut(&'e Expr)) {
    for p in parts {
        if let FPart::Value { expr, spec, .. } = p {
            f(expr);
            if let Some(spec) = spec {
                fparts_children(spec, f);
            }
        }
    }
}
