//! Pass `collect`: find entity classes, user exception classes and imports at module level,
//! and reject every other top-level construct.

use std::collections::HashSet;

use crate::diag::{Diagnostic, Span};
use crate::syntax::{self, ClassDef, Expr, ExprKind, FuncDef, Stmt, StmtKind};

pub const ALLOWED_MODULES: &[&str] = &["typing", "stent", "stateflow", "dataclasses", "__future__"];

pub const BUILTIN_EXCEPTIONS: &[&str] = &[
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "OverflowError",
    "RuntimeError",
    "TypeError",
    "UnboundLocalError",
    "ValueError",
    "ZeroDivisionError",
];

pub struct EntityDecl<'a> {
    pub class: &'a ClassDef,
    pub span: Span,
}

pub struct ExceptionDecl {
    pub name: String,
    pub base: String,
    pub span: Span,
}

pub struct Collected<'a> {
    pub entities: Vec<EntityDecl<'a>>,
    pub exceptions: Vec<ExceptionDecl>,
    pub forbidden: HashSet<String>,
}

fn is_entity_decorator(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(n) => n == "entity" || n == "stateflow",
        ExprKind::Attribute { value, attr, .. } => {
            matches!(&value.kind, ExprKind::Name(m) if (m == "stent" && attr == "entity") || (m == "stateflow" && attr == "stateflow"))
        }
        _ => false,
    }
}

fn is_docstring(s: &Stmt) -> bool {
    matches!(
        &s.kind,
        StmtKind::Expr(Expr {
            kind: ExprKind::Str(_),
            ..
        })
    )
}

pub fn collect<'a>(module: &'a [Stmt], diags: &mut Vec<Diagnostic>) -> Collected<'a> {
    let mut used = HashSet::new();
    for s in module {
        if !matches!(s.kind, StmtKind::Import(_) | StmtKind::ImportFrom { .. }) {
            syntax::used_names(std::slice::from_ref(s), &mut used);
        }
    }
    let mut out = Collected {
        entities: Vec::new(),
        exceptions: Vec::new(),
        forbidden: HashSet::new(),
    };
    let mut exception_names: HashSet<String> =
        BUILTIN_EXCEPTIONS.iter().map(|s| s.to_string()).collect();
    let mut seen_classes: HashSet<String> = HashSet::new();
    for (i, s) in module.iter().enumerate() {
        match &s.kind {
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let root = a.name.split('.').next().unwrap_or("");
                    let bound = a.asname.clone().unwrap_or_else(|| root.to_string());
                    if !ALLOWED_MODULES.contains(&root) {
                        out.forbidden.insert(bound.clone());
                    }
                    check_import(root, &bound, a.span, &used, diags);
                }
            }
            StmtKind::ImportFrom { module: m, names } => {
                let root = m.split('.').next().unwrap_or("");
                if ALLOWED_MODULES.contains(&root) {
                    continue;
                }
                for a in names {
                    out.forbidden.insert(a.asname.clone().unwrap_or_else(|| a.name.clone()));
                }
                let bound = names
                    .iter()
                    .map(|a| a.asname.clone().unwrap_or_else(|| a.name.clone()))
                    .find(|n| used.contains(n))
                    .unwrap_or_default();
                check_import(if root.is_empty() { m } else { root }, &bound, s.span, &used, diags);
            }
            StmtKind::ClassDef(c) => {
                if !seen_classes.insert(c.name.clone()) {
                    diags.push(
                        Diagnostic::error("E011", format!("class `{}` is defined twice", c.name), c.name_span, "second definition")
                            .with_hint("give each class a unique name"),
                    );
                    continue;
                }
                let is_entity = c.decorators.iter().any(is_entity_decorator);
                let base = c.bases.first().and_then(|b| match &b.kind {
                    ExprKind::Name(n) => Some(n.clone()),
                    _ => None,
                });
                if is_entity {
                    if !c.bases.is_empty() {
                        diags.push(
                            Diagnostic::error("E012", format!("entity class `{}` may not have base classes", c.name), c.bases[0].span, "base class here")
                                .with_hint("entities are plain classes decorated with `@entity`; remove the base class"),
                        );
                    }
                    if let Some(d) = c.decorators.iter().find(|d| !is_entity_decorator(d)) {
                        diags.push(
                            Diagnostic::error("E013", "unsupported decorator on an entity class", d.span, "only `@entity` is allowed")
                                .with_hint("remove this decorator"),
                        );
                    }
                    out.entities.push(EntityDecl { class: c, span: c.name_span });
                } else if let Some(b) = base.filter(|b| exception_names.contains(b)) {
                    check_exception_body(c, diags);
                    exception_names.insert(c.name.clone());
                    out.exceptions.push(ExceptionDecl { name: c.name.clone(), base: b, span: c.name_span });
                } else {
                    diags.push(
                        Diagnostic::error("E010", format!("class `{}` is neither an entity nor an exception", c.name), c.name_span, "plain class")
                            .with_hint("decorate it with `@entity` (from stent import entity), or derive it from `Exception`"),
                    );
                }
            }
            StmtKind::FunctionDef(f) => diags.push(
                Diagnostic::error("E014", format!("module-level function `{}` is not supported", f.name), f.name_span, "defined here")
                    .with_hint("move it into an entity class as a method and call it with `self.m(...)`"),
            ),
            StmtKind::Pass => {}
            _ if i == 0 && is_docstring(s) => {}
            StmtKind::Expr(Expr { kind: ExprKind::Str(_), .. }) => {}
            _ => diags.push(
                Diagnostic::error("E015", "only imports, entity classes and exception classes may appear at module level", s.span, "unsupported top-level statement")
                    .with_hint("module-level state and code are not part of an entity program; keep state in entity fields"),
            ),
        }
    }
    if out.entities.is_empty() && !diags.iter().any(|d| d.is_error()) {
        diags.push(
            Diagnostic::error(
                "E016",
                "the program defines no entity",
                Span {
                    line: 1,
                    col: 1,
                    end_line: 1,
                    end_col: 1,
                },
                "no `@entity` class in this file",
            )
            .with_hint("decorate a class with `@entity` (from stent import entity)"),
        );
    }
    out
}

fn check_import(
    root: &str,
    bound: &str,
    span: Span,
    used: &HashSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    if ALLOWED_MODULES.contains(&root) {
        return;
    }
    if used.contains(bound) {
        diags.push(
            Diagnostic::error("E003", format!("module `{root}` is not available to entity programs"), span, "imported here")
                .with_hint("entities may only use `typing`, `stent`, `stateflow` and `dataclasses`; I/O, randomness and clocks would break deterministic replay"),
        );
    } else {
        diags.push(
            Diagnostic::warning("W001", format!("unused import of module `{root}`"), span, "never used")
                .with_hint("remove the import; entity programs may only use `typing`, `stent`, `stateflow` and `dataclasses`"),
        );
    }
}

fn check_exception_body(c: &ClassDef, diags: &mut Vec<Diagnostic>) {
    for s in &c.body {
        let ok = matches!(s.kind, StmtKind::Pass)
            || is_docstring(s)
            || matches!(
                &s.kind,
                StmtKind::Expr(Expr {
                    kind: ExprKind::Unsupported(_),
                    ..
                })
            );
        if !ok {
            diags.push(
                Diagnostic::error(
                    "E017",
                    format!("exception class `{}` may not have a body", c.name),
                    s.span,
                    "not supported in exception classes",
                )
                .with_hint("write `pass`; raise it with a message: `raise MyError(f\"...\")`"),
            );
            break;
        }
    }
}

pub fn is_docstring_stmt(s: &Stmt) -> bool {
    is_docstring(s)
}

/// Methods of an entity class (all `def`s in its body); other members are errors.
pub fn entity_members<'a>(c: &'a ClassDef, diags: &mut Vec<Diagnostic>) -> Vec<&'a FuncDef> {
    let mut out: Vec<&FuncDef> = Vec::new();
    for (i, s) in c.body.iter().enumerate() {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                if out.iter().any(|g| g.name == f.name) {
                    diags.push(
                        Diagnostic::error(
                            "E018",
                            format!("method `{}` is defined twice", f.name),
                            f.name_span,
                            "second definition",
                        )
                        .with_hint("Python keeps only the last definition; rename or remove one"),
                    );
                    continue;
                }
                out.push(f)
            }
            StmtKind::ClassDef(n) => diags.push(
                Diagnostic::error(
                    "E019",
                    format!("nested class `{}` is not supported", n.name),
                    n.name_span,
                    "nested class",
                )
                .with_hint("define it at module level: as an `@entity` or an exception class"),
            ),
            StmtKind::Pass => {}
            _ if i == 0 && is_docstring(s) => {}
            StmtKind::AnnAssign { .. } | StmtKind::Assign { .. } => diags.push(
                Diagnostic::error(
                    "E020",
                    "class-level attributes are not supported in entities",
                    s.span,
                    "class attribute",
                )
                .with_hint("assign state in `__init__`: `self.field: T = value`"),
            ),
            _ => diags.push(
                Diagnostic::error(
                    "E021",
                    "only methods may appear in an entity class body",
                    s.span,
                    "unsupported here",
                )
                .with_hint("move this code into a method"),
            ),
        }
    }
    out
}
