//! Pass `resolve`: annotations to types, entity fields (from `__init__`), keys and method
//! signatures.

use std::collections::HashMap;

use stent_ir::v1::{Primitive, Type};

use crate::collect::{self, Collected};
use crate::diag::{Diagnostic, Span};
use crate::syntax::{self, Expr, ExprKind, FuncDef, StmtKind};
use crate::types as t;

pub struct FieldInfo {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

pub struct ParamInfo {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

pub struct Sig<'a> {
    pub def: &'a FuncDef,
    pub params: Vec<ParamInfo>,
    pub declared: Option<Type>,
    /// Declared, or inferred from the body by the lowering pass.
    pub returns: Type,
}

pub struct EntityInfo<'a> {
    pub name: String,
    pub span: Span,
    pub fields: Vec<FieldInfo>,
    pub key_field: String,
    pub key_type: Type,
    pub init: Option<Sig<'a>>,
    /// Sorted by name; excludes `__init__` and `__key__`.
    pub methods: Vec<Sig<'a>>,
}

impl EntityInfo<'_> {
    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn method(&self, name: &str) -> Option<&Sig<'_>> {
        self.methods.iter().find(|m| m.def.name == name)
    }
}

pub struct Model<'a> {
    /// Sorted by name.
    pub entities: Vec<EntityInfo<'a>>,
    pub exceptions: Vec<collect::ExceptionDecl>,
    pub index: HashMap<String, usize>,
    /// Names bound by imports of modules outside the allowed set (already reported).
    pub forbidden: std::collections::HashSet<String>,
}

impl<'a> Model<'a> {
    pub fn entity(&self, name: &str) -> Option<&EntityInfo<'a>> {
        self.index.get(name).and_then(|&i| self.entities.get(i))
    }
    pub fn is_exception(&self, name: &str) -> bool {
        collect::BUILTIN_EXCEPTIONS.contains(&name)
            || self.exceptions.iter().any(|e| e.name == name)
    }
}

pub struct TypeResolver<'m> {
    pub entity_names: &'m [String],
}

impl TypeResolver<'_> {
    pub fn annotation(&self, e: &Expr) -> Result<Type, Diagnostic> {
        self.ann(e, 0)
    }

    fn bad(&self, e: &Expr, what: &str) -> Diagnostic {
        Diagnostic::error("E030", format!("unsupported type annotation: {what}"), e.span, "not a stent type")
            .with_hint("use int, float, bool, str, None, list[T], dict[K, V], tuple[...], Optional[T] or an entity class")
    }

    fn ann(&self, e: &Expr, depth: usize) -> Result<Type, Diagnostic> {
        if depth > 20 {
            return Err(self.bad(e, "nested too deeply"));
        }
        match &e.kind {
            ExprKind::None => Ok(t::none()),
            ExprKind::Str(s) => match syntax::parse_annotation_string(s, e.span) {
                Some(inner) if !matches!(inner.kind, ExprKind::Str(_)) => {
                    self.ann(&inner, depth + 1)
                }
                _ => Err(self.bad(e, &format!("`{s}`"))),
            },
            ExprKind::Name(_) | ExprKind::Attribute { .. } => {
                let name = simple_name(e).unwrap_or_default();
                match name.as_str() {
                    "int" => Ok(t::int()),
                    "float" => Ok(t::float()),
                    "bool" => Ok(t::boolean()),
                    "str" => Ok(t::str_()),
                    "None" => Ok(t::none()),
                    "list" | "List" => Ok(t::list(t::any())),
                    "dict" | "Dict" => Ok(t::dict(t::any(), t::any())),
                    "tuple" | "Tuple" => Ok(t::any()),
                    "Any" | "object" => Ok(t::any()),
                    n if self.entity_names.iter().any(|x| x == n) => Ok(t::entity(n)),
                    n => Err(self.bad(e, &format!("unknown type `{n}`"))),
                }
            }
            ExprKind::Subscript { value, index } => {
                let name = simple_name(value).unwrap_or_default();
                let args: Vec<&Expr> = match &index.kind {
                    ExprKind::Tuple(items) => items.iter().collect(),
                    _ => vec![index.as_ref()],
                };
                let mut tys = Vec::new();
                for a in &args {
                    tys.push(self.ann(a, depth + 1)?);
                }
                match (name.as_str(), tys.as_slice()) {
                    ("list" | "List", [el]) => Ok(t::list(el.clone())),
                    ("dict" | "Dict", [k, v]) => {
                        if !(t::is_prim(k, Primitive::Str)
                            || t::is_prim(k, Primitive::Int)
                            || t::is_any(k))
                        {
                            return Err(Diagnostic::error(
                                "E031",
                                format!(
                                    "dict keys must be `str` or `int`, not `{}`",
                                    t::display(k)
                                ),
                                args[0].span,
                                "unsupported key type",
                            )
                            .with_hint("use dict[str, V] or dict[int, V]"));
                        }
                        Ok(t::dict(k.clone(), v.clone()))
                    }
                    ("tuple" | "Tuple", _) => Ok(t::tuple(tys)),
                    ("Optional", [inner]) => Ok(t::optional(inner.clone())),
                    ("Union", [a, b]) if t::is_prim(b, Primitive::None) => {
                        Ok(t::optional(a.clone()))
                    }
                    ("Union", [a, b]) if t::is_prim(a, Primitive::None) => {
                        Ok(t::optional(b.clone()))
                    }
                    _ => Err(self.bad(e, &format!("`{name}[...]` with {} argument(s)", tys.len()))),
                }
            }
            ExprKind::BinOp {
                left,
                op: syntax::BinOp::BitOr,
                right,
            } => {
                let (a, b) = (self.ann(left, depth + 1)?, self.ann(right, depth + 1)?);
                if t::is_prim(&b, Primitive::None) {
                    Ok(t::optional(a))
                } else if t::is_prim(&a, Primitive::None) {
                    Ok(t::optional(b))
                } else {
                    Err(self.bad(e, "unions other than `T | None`"))
                }
            }
            _ => Err(self.bad(e, "this expression")),
        }
    }
}

/// `X` or `typing.X` as "X".
fn simple_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Attribute { value, attr, .. } if matches!(&value.kind, ExprKind::Name(_)) => {
            Some(attr.clone())
        }
        _ => None,
    }
}

fn signature<'a>(f: &'a FuncDef, tr: &TypeResolver, diags: &mut Vec<Diagnostic>) -> Sig<'a> {
    if f.is_async {
        diags.push(Diagnostic::error("E032", format!("`async def {}` is not supported", f.name), f.name_span, "async method")
            .with_hint("remove `async`; remote calls are written as plain calls and the compiler makes them asynchronous"));
    }
    if let Some(d) = f.decorators.first() {
        diags.push(
            Diagnostic::error(
                "E033",
                "decorators on methods are not supported",
                d.span,
                "decorator",
            )
            .with_hint("remove the decorator; static and class methods are not part of v1"),
        );
    }
    if let Some(span) = f.variadic {
        diags.push(
            Diagnostic::error(
                "E034",
                format!(
                    "`{}` uses `*args`, `**kwargs` or keyword-only/positional-only parameters",
                    f.name
                ),
                span,
                "not supported in v1",
            )
            .with_hint("declare plain positional parameters, e.g. `def m(self, a: int, b: str)`"),
        );
    }
    let mut params = Vec::new();
    match f.params.first() {
        Some(p) if p.name == "self" => {}
        Some(p) => diags.push(
            Diagnostic::error(
                "E035",
                format!("the first parameter of `{}` must be `self`", f.name),
                p.span,
                "expected `self`",
            )
            .with_hint("entity methods are instance methods: `def m(self, ...)`"),
        ),
        None => diags.push(
            Diagnostic::error(
                "E035",
                format!("method `{}` has no `self` parameter", f.name),
                f.name_span,
                "missing `self`",
            )
            .with_hint("entity methods are instance methods: `def m(self, ...)`"),
        ),
    }
    for p in f.params.iter().skip(1) {
        if p.has_default {
            diags.push(
                Diagnostic::error(
                    "E036",
                    format!("parameter `{}` has a default value", p.name),
                    p.span,
                    "default values are not supported in v1",
                )
                .with_hint("remove the default and pass the value explicitly at every call"),
            );
        }
        let ty = match &p.annotation {
            Some(a) => tr.annotation(a).unwrap_or_else(|d| {
                diags.push(d);
                t::any()
            }),
            None => t::any(),
        };
        params.push(ParamInfo {
            name: p.name.clone(),
            ty,
            span: p.span,
        });
    }
    let declared = f.returns.as_ref().map(|r| {
        tr.annotation(r).unwrap_or_else(|d| {
            diags.push(d);
            t::any()
        })
    });
    let returns = declared.clone().unwrap_or_else(t::any);
    Sig {
        def: f,
        params,
        declared,
        returns,
    }
}

/// Literal-based type of a field initializer (ANY when unknown; refined by lowering).
fn literal_type(e: &Expr, params: &[ParamInfo]) -> Type {
    match &e.kind {
        ExprKind::Int(_) => t::int(),
        ExprKind::Float(_) => t::float(),
        ExprKind::Str(_) | ExprKind::FString(_) => t::str_(),
        ExprKind::Bool(_) => t::boolean(),
        ExprKind::List(_) => t::list(t::any()),
        ExprKind::Dict(_) => t::dict(t::any(), t::any()),
        ExprKind::Name(n) => params
            .iter()
            .find(|p| &p.name == n)
            .map(|p| p.ty.clone())
            .unwrap_or_else(t::any),
        _ => t::any(),
    }
}

fn self_attr(e: &Expr) -> Option<(&str, Span)> {
    match &e.kind {
        ExprKind::Attribute {
            value,
            attr,
            attr_span,
        } if matches!(&value.kind, ExprKind::Name(n) if n == "self") => {
            Some((attr.as_str(), *attr_span))
        }
        _ => None,
    }
}

fn collect_fields(
    stmts: &[syntax::Stmt],
    sig: &Sig,
    tr: &TypeResolver,
    out: &mut Vec<FieldInfo>,
    diags: &mut Vec<Diagnostic>,
) {
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                for target in targets {
                    let single = |e: &Expr| literal_type(e, &sig.params);
                    let mut add = |e: &Expr, ty: Type| {
                        if let Some((name, span)) = self_attr(e)
                            && !out.iter().any(|f| f.name == name)
                        {
                            out.push(FieldInfo {
                                name: name.to_string(),
                                ty,
                                span,
                            });
                        }
                    };
                    match &target.kind {
                        ExprKind::Tuple(items) | ExprKind::List(items) => {
                            let vals: Option<&Vec<Expr>> = match &value.kind {
                                ExprKind::Tuple(v) | ExprKind::List(v)
                                    if v.len() == items.len() =>
                                {
                                    Some(v)
                                }
                                _ => None,
                            };
                            for (i, it) in items.iter().enumerate() {
                                add(
                                    it,
                                    vals.and_then(|v| v.get(i))
                                        .map(single)
                                        .unwrap_or_else(t::any),
                                );
                            }
                        }
                        _ => add(target, single(value)),
                    }
                }
            }
            StmtKind::AnnAssign {
                target, annotation, ..
            } => {
                if let Some((name, span)) = self_attr(target)
                    && !out.iter().any(|f| f.name == name)
                {
                    let ty = tr.annotation(annotation).unwrap_or_else(|d| {
                        diags.push(d);
                        t::any()
                    });
                    out.push(FieldInfo {
                        name: name.to_string(),
                        ty,
                        span,
                    });
                }
            }
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                collect_fields(body, sig, tr, out, diags);
                collect_fields(orelse, sig, tr, out, diags);
            }
            _ => {}
        }
    }
}

fn key_of(ent: &mut EntityInfo, key: Option<&FuncDef>, diags: &mut Vec<Diagnostic>) {
    let Some(k) = key else {
        diags.push(Diagnostic::error("E040", format!("entity `{}` has no `__key__` method", ent.name), ent.span, "no key")
            .with_hint("add `def __key__(self): return self.<field>` naming a str or int field set in `__init__`"));
        return;
    };
    let body: Vec<&syntax::Stmt> = k
        .body
        .iter()
        .filter(|s| !collect::is_docstring_stmt(s))
        .collect();
    let field = match body.as_slice() {
        [
            syntax::Stmt {
                kind: StmtKind::Return(Some(e)),
                ..
            },
        ] => self_attr(e).map(|(n, s)| (n.to_string(), s)),
        _ => None,
    };
    let Some((name, span)) = field else {
        let span = body.first().map(|s| s.span).unwrap_or(k.name_span);
        diags.push(Diagnostic::error("E041", "`__key__` must be a single `return self.<field>`", span, "not a plain field return")
            .with_hint("the key is fixed for the entity's life: return a str or int field assigned in `__init__`"));
        return;
    };
    match ent.field(&name) {
        None => diags.push(
            Diagnostic::error(
                "E042",
                format!("`__key__` returns `self.{name}`, which `__init__` does not assign"),
                span,
                "unknown field",
            )
            .with_hint("assign the key field in `__init__`"),
        ),
        Some(f) if t::is_prim(&f.ty, Primitive::Str) || t::is_prim(&f.ty, Primitive::Int) => {
            ent.key_type = f.ty.clone();
            ent.key_field = name;
        }
        Some(f) => diags.push(
            Diagnostic::error(
                "E043",
                format!(
                    "the key field `{name}` has type `{}`; keys must be `str` or `int`",
                    t::display(&f.ty)
                ),
                span,
                "unsupported key type",
            )
            .with_hint(format!(
                "annotate the field in `__init__`: `self.{name}: str = ...`"
            )),
        ),
    }
}

pub fn resolve<'a>(collected: &Collected<'a>, diags: &mut Vec<Diagnostic>) -> Model<'a> {
    let mut names: Vec<String> = collected
        .entities
        .iter()
        .map(|e| e.class.name.clone())
        .collect();
    names.sort();
    let tr = TypeResolver {
        entity_names: &names,
    };
    let mut entities = Vec::new();
    for decl in &collected.entities {
        let c = decl.class;
        let members = collect::entity_members(c, diags);
        let mut ent = EntityInfo {
            name: c.name.clone(),
            span: decl.span,
            fields: Vec::new(),
            key_field: String::new(),
            key_type: t::str_(),
            init: None,
            methods: Vec::new(),
        };
        let mut key = None;
        for f in members {
            match f.name.as_str() {
                "__init__" => ent.init = Some(signature(f, &tr, diags)),
                "__key__" => key = Some(f),
                n if n.starts_with("__") && n.ends_with("__") => diags.push(
                    Diagnostic::error("E044", format!("special method `{n}` is not supported"), f.name_span, "dunder method")
                        .with_hint("only `__init__` and `__key__` have a meaning in entities; use a normal method name"),
                ),
                _ => ent.methods.push(signature(f, &tr, diags)),
            }
        }
        match &ent.init {
            Some(init) => {
                let mut fields = Vec::new();
                collect_fields(&init.def.body, init, &tr, &mut fields, diags);
                ent.fields = fields;
            }
            None => diags.push(
                Diagnostic::error(
                    "E045",
                    format!("entity `{}` has no `__init__`", ent.name),
                    ent.span,
                    "no constructor",
                )
                .with_hint("add `def __init__(self, ...)` that assigns the entity's fields"),
            ),
        }
        key_of(&mut ent, key, diags);
        ent.methods.sort_by(|a, b| a.def.name.cmp(&b.def.name));
        entities.push(ent);
    }
    entities.sort_by(|a, b| a.name.cmp(&b.name));
    let index = entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), i))
        .collect();
    let exceptions = collected
        .exceptions
        .iter()
        .map(|e| collect::ExceptionDecl {
            name: e.name.clone(),
            base: e.base.clone(),
            span: e.span,
        })
        .collect();
    Model {
        entities,
        exceptions,
        index,
        forbidden: collected.forbidden.clone(),
    }
}
