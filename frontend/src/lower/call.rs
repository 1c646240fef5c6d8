//! Calls: remote calls, self calls, builtins and methods of builtin values.

use stent_ir::v1::{
    self as ir, Builtin, Primitive, SlotKind, Type, expr::Kind as EK, terminator::Kind as TK,
};

use super::{Lowerer, mk, ty_of};
use crate::diag::Span;
use crate::syntax::{Expr, ExprKind, Keyword};
use crate::types as t;

pub(crate) fn builtin_of(name: &str) -> Option<Builtin> {
    Some(match name {
        "len" => Builtin::Len,
        "abs" => Builtin::Abs,
        "min" => Builtin::Min,
        "max" => Builtin::Max,
        "sum" => Builtin::Sum,
        "sorted" => Builtin::Sorted,
        "str" => Builtin::Str,
        "int" => Builtin::Int,
        "float" => Builtin::Float,
        "bool" => Builtin::Bool,
        "range" => Builtin::Range,
        "list" => Builtin::List,
        "dict" => Builtin::Dict,
        "tuple" => Builtin::Tuple,
        "round" => Builtin::Round,
        "reversed" => Builtin::Reversed,
        "enumerate" => Builtin::Enumerate,
        "zip" => Builtin::Zip,
        "any" => Builtin::Any,
        "all" => Builtin::All,
        "repr" => Builtin::Repr,
        "divmod" => Builtin::Divmod,
        "pow" => Builtin::Pow,
        _ => return None,
    })
}

/// (min, max) argument counts.
fn builtin_arity(b: Builtin) -> (usize, usize) {
    match b {
        Builtin::Len
        | Builtin::Abs
        | Builtin::Sorted
        | Builtin::Reversed
        | Builtin::Any
        | Builtin::All
        | Builtin::Repr => (1, 1),
        Builtin::Str
        | Builtin::Int
        | Builtin::Float
        | Builtin::Bool
        | Builtin::List
        | Builtin::Dict
        | Builtin::Tuple => (0, 1),
        Builtin::Min | Builtin::Max => (1, usize::MAX),
        Builtin::Sum | Builtin::Round => (1, 2),
        Builtin::Range => (1, 3),
        Builtin::Enumerate => (1, 2),
        Builtin::Zip => (1, usize::MAX),
        Builtin::Divmod => (2, 2),
        Builtin::Pow => (2, 2),
        Builtin::Unspecified => (0, 0),
    }
}

pub const LIST_METHODS: &[&str] = &[
    "append", "pop", "insert", "remove", "index", "count", "extend", "reverse", "sort", "copy",
    "clear",
];
pub const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "setdefault",
    "update",
    "copy",
    "clear",
];
pub const STR_METHODS: &[&str] = &[
    "upper",
    "lower",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "join",
    "replace",
    "startswith",
    "endswith",
    "find",
    "count",
    "isdigit",
    "isalpha",
    "title",
    "capitalize",
    "zfill",
];
/// Methods that mutate their receiver.
pub const MUTATING_METHODS: &[&str] = &[
    "append",
    "pop",
    "insert",
    "remove",
    "extend",
    "reverse",
    "sort",
    "clear",
    "setdefault",
    "update",
];

impl Lowerer<'_, '_> {
    pub(crate) fn call(
        &mut self,
        func: &Expr,
        args: &[Expr],
        keywords: &[Keyword],
        span: Span,
    ) -> ir::Expr {
        if let Some(s) = args.iter().find(|a| matches!(a.kind, ExprKind::Starred(_))) {
            self.err(
                "E130",
                "`*args` unpacking in calls is not supported",
                s.span,
                "argument unpacking",
                "pass the arguments one by one",
            );
            return super::poison(span);
        }
        match &func.kind {
            ExprKind::Name(n) if !self.locals.contains_key(n) => {
                self.call_name(n, func.span, args, keywords, span)
            }
            ExprKind::Attribute {
                value,
                attr,
                attr_span,
            } => {
                if let Some(k) = keywords.first() {
                    self.err(
                        "E131",
                        "keyword arguments are not supported in method calls",
                        k.span,
                        "keyword argument",
                        "pass arguments positionally, in the order of the parameters",
                    );
                    return super::poison(span);
                }
                if matches!(&value.kind, ExprKind::Name(n) if n == "self")
                    && !self.locals.contains_key("self")
                    && self.ent.field(attr).is_none()
                {
                    return self.self_call(attr, *attr_span, args, span);
                }
                if matches!(&value.kind, ExprKind::Name(n) if self.model.forbidden.contains(n) && !self.locals.contains_key(n))
                {
                    return super::poison(span); // the import is already reported
                }
                if let [
                    g @ Expr {
                        kind: ExprKind::Generator { elt, generators },
                        ..
                    },
                ] = args
                    && attr == "join"
                {
                    // `sep.join(x.name for x in xs)`: the items as a list comprehension.
                    let recv = self.expr(value);
                    let recv = self.spill(recv);
                    if t::entity_name(&ty_of(&recv)).is_none() {
                        let items =
                            self.comprehension(super::comp::Sink::List(elt), generators, g.span);
                        return self.value_method(recv, attr, *attr_span, vec![items], span);
                    }
                }
                let recv = self.expr_then_args(value, args);
                let (recv, argv) = recv;
                let rty = ty_of(&recv);
                if let Some(ename) = t::entity_name(&rty).map(str::to_string) {
                    return self.remote_call(recv, &ename, attr, *attr_span, argv, args, span);
                }
                self.value_method(recv, attr, *attr_span, argv, span)
            }
            _ => {
                self.err(
                    "E132",
                    "only methods, builtins and exceptions can be called",
                    func.span,
                    "not callable",
                    "call `self.m(...)`, `ref.m(...)` or a builtin such as `len(...)`",
                );
                super::poison(span)
            }
        }
    }

    /// Evaluates the receiver then the arguments, left to right.
    fn expr_then_args(&mut self, recv: &Expr, args: &[Expr]) -> (ir::Expr, Vec<ir::Expr>) {
        let mut refs: Vec<&Expr> = vec![recv];
        refs.extend(args.iter());
        let mut vals = self.seq(&refs).into_iter();
        let r = vals.next().unwrap_or_else(|| super::poison(recv.span));
        (r, vals.collect())
    }

    fn check_arity(&mut self, what: &str, expected: usize, args: &[Expr], span: Span) -> bool {
        if args.len() != expected {
            self.err(
                "E133",
                format!(
                    "{what} takes {expected} argument(s), but {} were given",
                    args.len()
                ),
                span,
                "wrong number of arguments",
                "parameters have no defaults in v1: pass every argument",
            );
            return false;
        }
        true
    }

    fn self_call(&mut self, name: &str, name_span: Span, args: &[Expr], span: Span) -> ir::Expr {
        let Some(sig) = self.ent.method(name) else {
            let msg = if name == "__init__" || name == "__key__" {
                format!("`{name}` cannot be called directly")
            } else {
                format!("entity `{}` has no method `{name}`", self.ent.name)
            };
            self.err(
                "E134",
                msg,
                name_span,
                "unknown method",
                format!(
                    "methods of `{}`: {}",
                    self.ent.name,
                    self.ent
                        .methods
                        .iter()
                        .map(|m| m.def.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return super::poison(span);
        };
        let nparams = sig.params.len();
        if !self.check_arity(&format!("`{name}`"), nparams, args, span) {
            return super::poison(span);
        }
        if self.is_init {
            self.err("E121", "`__init__` may not call methods", span, "call in a constructor", "constructors only assign fields; inline the computation or call the method after creating the entity");
            return super::poison(span);
        }
        let refs: Vec<&Expr> = args.iter().collect();
        let argv = self.seq(&refs);
        let params: Vec<(String, Type)> = sig
            .params
            .iter()
            .map(|p| (p.name.clone(), p.ty.clone()))
            .collect();
        let label = format!("self.{name}");
        self.check_arg_types(&label, &params, args, &argv);
        let ret = self.ret_type(&self.ent.name.clone(), name);
        let entity = self.ent.name.clone();
        self.invoke(
            ir::invoke::Callee::SelfCall(ir::SelfCall {}),
            entity,
            name.to_string(),
            argv,
            ret,
            span,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn remote_call(
        &mut self,
        recv: ir::Expr,
        ename: &str,
        name: &str,
        name_span: Span,
        argv: Vec<ir::Expr>,
        args: &[Expr],
        span: Span,
    ) -> ir::Expr {
        let Some(other) = self.model.entity(ename) else {
            return super::poison(span);
        };
        let Some(sig) = other.method(name) else {
            if other.field(name).is_some() {
                self.err(
                    "E135",
                    format!("field `{name}` of `{ename}` is not callable"),
                    name_span,
                    "a field",
                    format!("read it without parentheses: `.{name}`"),
                );
            } else {
                self.err(
                    "E134",
                    format!("entity `{ename}` has no method `{name}`"),
                    name_span,
                    "unknown method",
                    format!(
                        "methods of `{ename}`: {}",
                        other
                            .methods
                            .iter()
                            .map(|m| m.def.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            return super::poison(span);
        };
        if !self.check_arity(&format!("`{ename}.{name}`"), sig.params.len(), args, span) {
            return super::poison(span);
        }
        if self.is_init {
            self.err("E120", "`__init__` may not call other entities", span, "remote call in a constructor", "constructors run before the entity exists; store the reference and call it from a method");
            return super::poison(span);
        }
        let params: Vec<(String, Type)> = sig
            .params
            .iter()
            .map(|p| (p.name.clone(), p.ty.clone()))
            .collect();
        self.check_arg_types(&format!("{ename}.{name}"), &params, args, &argv);
        let ret = self.ret_type(ename, name);
        self.invoke(
            ir::invoke::Callee::Target(recv),
            ename.to_string(),
            name.to_string(),
            argv,
            ret,
            span,
        )
    }

    /// Reports arguments whose static type cannot match the parameter's annotation. Only
    /// types that are certain count: a plain local's inferred type is flow-insensitive, so
    /// bare unannotated locals are not checked.
    fn check_arg_types(
        &mut self,
        label: &str,
        params: &[(String, Type)],
        args: &[Expr],
        argv: &[ir::Expr],
    ) {
        for (((pname, pty), arg), v) in params.iter().zip(args).zip(argv) {
            if let ExprKind::Name(n) = &arg.kind {
                let is_inferred_local = self.locals.get(n).is_some_and(|&s| {
                    self.slots.get(s as usize).is_some_and(|slot| {
                        slot.kind == SlotKind::Local as i32 && !self.local_ann.contains_key(n)
                    })
                });
                if is_inferred_local {
                    continue;
                }
            }
            let vty = ty_of(v);
            if t::is_any(&vty) || stent_ir::validate::compatible(pty, &vty) {
                continue;
            }
            let want = t::display(pty);
            let hint = if let Some(e) = t::entity_name(pty) {
                format!(
                    "`{pname}` is an entity reference: pass a parameter, field, local or list element typed `{e}`"
                )
            } else if t::is_prim(pty, Primitive::Str) && t::is_numeric(&vty) {
                "convert it first: `str(...)`".to_string()
            } else if t::is_prim(pty, Primitive::Int) && t::is_prim(&vty, Primitive::Str) {
                "convert it first: `int(...)`".to_string()
            } else {
                format!("pass a value of type `{want}`")
            };
            self.err(
                "E141",
                format!(
                    "argument `{pname}` of `{label}` expects `{want}`, but this is `{}`",
                    t::display(&vty)
                ),
                arg.span,
                format!("`{}` here", t::display(&vty)),
                hint,
            );
        }
    }

    fn invoke(
        &mut self,
        callee: ir::invoke::Callee,
        entity: String,
        method: String,
        args: Vec<ir::Expr>,
        ret: Type,
        span: Span,
    ) -> ir::Expr {
        let slot = self.temp(ret.clone());
        let resume = self.new_block();
        self.terminate(
            TK::Invoke(ir::Invoke {
                callee: Some(callee),
                entity,
                method,
                args,
                resume_block: resume,
                result_slot: slot,
            }),
            span,
        );
        self.switch_to(resume);
        mk(EK::Slot(slot), ret, span)
    }

    fn call_name(
        &mut self,
        n: &str,
        name_span: Span,
        args: &[Expr],
        keywords: &[Keyword],
        span: Span,
    ) -> ir::Expr {
        let Some(b) = builtin_of(n) else {
            if n == "print" {
                self.err(
                    "E136",
                    "`print(...)` can only be used as a statement",
                    span,
                    "print in an expression",
                    "call print on its own line; it returns None",
                );
            } else if self.model.entity(n).is_some() {
                self.err(
                    "E137",
                    format!("entities cannot be created inside methods (`{n}(...)`)"),
                    span,
                    "entity creation",
                    "create entities with a `create` request and pass the reference as a parameter",
                );
            } else if self.model.is_exception(n) {
                self.err(
                    "E111",
                    format!("exception class `{n}` can only be used in `raise`"),
                    span,
                    "exception value",
                    format!("write `raise {n}(\"message\")`"),
                );
            } else if matches!(
                n,
                "isinstance"
                    | "type"
                    | "open"
                    | "input"
                    | "eval"
                    | "exec"
                    | "getattr"
                    | "setattr"
                    | "hasattr"
                    | "id"
                    | "hash"
                    | "set"
                    | "map"
                    | "filter"
                    | "iter"
                    | "next"
                    | "chr"
                    | "ord"
                    | "format"
                    | "vars"
                    | "globals"
                    | "locals"
            ) {
                self.err("E138", format!("builtin `{n}` is not supported"), name_span, "unsupported builtin", "supported builtins: len, range, min, max, abs, sum, sorted, reversed, enumerate, zip, any, all, round, divmod, pow, str, int, float, bool, list, dict, tuple, repr");
            } else {
                let hint = if self.ent.method(n).is_some() {
                    format!("did you mean `self.{n}(...)`?")
                } else {
                    "call a method (`self.m(...)`, `ref.m(...)`) or a builtin".to_string()
                };
                self.err(
                    "E113",
                    format!("unknown function `{n}`"),
                    name_span,
                    "not defined",
                    hint,
                );
            }
            return super::poison(span);
        };
        let mut reverse = None;
        for k in keywords {
            match (b, k.name.as_deref()) {
                (Builtin::Sorted, Some("reverse")) => reverse = Some(&k.value),
                _ => {
                    self.err("E131", format!("keyword argument{} not supported here", k.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default()), k.span, "keyword argument", if b == Builtin::Sorted { "only `sorted(xs, reverse=True)` is supported; sort by a key by building (key, value) tuples" } else { "pass arguments positionally" });
                    return super::poison(span);
                }
            }
        }
        let (lo, hi) = builtin_arity(b);
        if args.len() < lo || args.len() > hi {
            let want = if lo == hi {
                lo.to_string()
            } else if hi == usize::MAX {
                format!("at least {lo}")
            } else {
                format!("{lo} to {hi}")
            };
            self.err(
                "E133",
                format!(
                    "`{n}()` takes {want} argument(s), but {} were given",
                    args.len()
                ),
                span,
                "wrong number of arguments",
                format!("check the call to `{n}`"),
            );
            return super::poison(span);
        }
        let argv = match self.generator_arg(b, args) {
            // `any`/`all` over a generator are decided by the loop itself.
            Some(v) if matches!(b, Builtin::Any | Builtin::All | Builtin::List) => return v,
            Some(v) => {
                let refs: Vec<&Expr> = args[1..].iter().collect();
                let mut argv = vec![v];
                argv.extend(self.seq(&refs));
                argv
            }
            None => {
                let refs: Vec<&Expr> = args.iter().collect();
                self.seq(&refs)
            }
        };
        let ty = builtin_type(b, &argv);
        let call = mk(
            EK::Builtin(ir::BuiltinCall {
                function: b as i32,
                args: argv,
            }),
            ty.clone(),
            span,
        );
        match reverse {
            None => call,
            Some(r) => match &r.kind {
                ExprKind::Bool(false) => call,
                ExprKind::Bool(true) => {
                    let rev = mk(
                        EK::Builtin(ir::BuiltinCall {
                            function: Builtin::Reversed as i32,
                            args: vec![call],
                        }),
                        t::any(),
                        span,
                    );
                    mk(
                        EK::Builtin(ir::BuiltinCall {
                            function: Builtin::List as i32,
                            args: vec![rev],
                        }),
                        ty,
                        span,
                    )
                }
                _ => {
                    self.err(
                        "E139",
                        "`reverse=` must be the literal `True` or `False`",
                        r.span,
                        "not a literal",
                        "write `sorted(xs, reverse=True)`",
                    );
                    super::poison(span)
                }
            },
        }
    }

    fn value_method(
        &mut self,
        recv: ir::Expr,
        name: &str,
        name_span: Span,
        argv: Vec<ir::Expr>,
        span: Span,
    ) -> ir::Expr {
        let rty = ty_of(&recv);
        let (known, tyname): (&[&str], &str) = if t::list_elem(&rty).is_some() {
            (LIST_METHODS, "list")
        } else if t::dict_kv(&rty).is_some() {
            (DICT_METHODS, "dict")
        } else if t::is_prim(&rty, Primitive::Str) {
            (STR_METHODS, "str")
        } else if t::is_any(&rty) || t::is_optional(&rty) {
            (&[], "")
        } else {
            self.err(
                "E140",
                format!(
                    "values of type `{}` have no method `{name}`",
                    t::display(&rty)
                ),
                name_span,
                "unknown method",
                "methods exist on lists, dicts and strings, and on entity references",
            );
            return super::poison(span);
        };
        if tyname.is_empty() {
            if !LIST_METHODS.contains(&name)
                && !DICT_METHODS.contains(&name)
                && !STR_METHODS.contains(&name)
            {
                self.err("E140", format!("unknown method `{name}`"), name_span, "not a supported list, dict or str method", "annotate the receiver's type; supported methods are the common list, dict and str methods");
                return super::poison(span);
            }
        } else if !known.contains(&name) {
            self.err(
                "E140",
                format!("`{tyname}` has no supported method `{name}`"),
                name_span,
                "unknown method",
                format!("supported {tyname} methods: {}", known.join(", ")),
            );
            return super::poison(span);
        }
        let ty = method_type(&rty, name, &argv);
        mk(
            EK::Method(Box::new(ir::MethodCall {
                receiver: Some(Box::new(recv)),
                method: name.to_string(),
                args: argv,
            })),
            ty,
            span,
        )
    }
}

fn elem_of(ty: &Type) -> Type {
    t::list_elem(ty)
        .or_else(|| t::dict_kv(ty).map(|(k, _)| k))
        .or_else(|| {
            if t::is_prim(ty, Primitive::Str) {
                Some(t::str_())
            } else {
                None
            }
        })
        .unwrap_or_else(t::any)
}

fn builtin_type(b: Builtin, args: &[ir::Expr]) -> Type {
    let a0 = args.first().map(ty_of).unwrap_or_else(t::any);
    match b {
        Builtin::Len => t::int(),
        Builtin::Str | Builtin::Repr => t::str_(),
        Builtin::Int => t::int(),
        Builtin::Float => t::float(),
        Builtin::Bool | Builtin::Any | Builtin::All => t::boolean(),
        Builtin::Abs => {
            if t::is_numeric(&a0) && !t::is_prim(&a0, Primitive::Bool) {
                a0
            } else {
                t::any()
            }
        }
        Builtin::Min | Builtin::Max => {
            if args.len() == 1 {
                elem_of(&a0)
            } else {
                args.iter()
                    .map(ty_of)
                    .reduce(|a, b| t::join(&a, &b))
                    .unwrap_or_else(t::any)
            }
        }
        Builtin::Sum => {
            let el = elem_of(&a0);
            if t::is_numeric(&el) { el } else { t::any() }
        }
        Builtin::Sorted | Builtin::List => {
            if args.is_empty() {
                t::list(t::any())
            } else {
                t::list(elem_of(&a0))
            }
        }
        Builtin::Range => t::list(t::int()),
        Builtin::Dict => {
            if t::dict_kv(&a0).is_some() {
                a0
            } else {
                t::dict(t::any(), t::any())
            }
        }
        Builtin::Round => {
            if args.len() == 1 || t::is_prim(&a0, Primitive::Int) {
                t::int()
            } else {
                t::float()
            }
        }
        Builtin::Divmod => t::any(),
        _ => t::any(),
    }
}

fn method_type(recv: &Type, name: &str, args: &[ir::Expr]) -> Type {
    if let Some(el) = t::list_elem(recv) {
        return match name {
            "pop" => el,
            "index" | "count" => t::int(),
            "copy" => recv.clone(),
            _ => t::none(),
        };
    }
    if let Some((k, v)) = t::dict_kv(recv) {
        return match name {
            "get" if args.len() == 1 => t::optional(v),
            "get" | "pop" => match args.get(1) {
                Some(d) => t::join(&v, &ty_of(d)),
                None => v,
            },
            "setdefault" => v,
            "keys" => t::list(k),
            "values" => t::list(v),
            "items" => t::list(t::tuple(vec![k, v])),
            "copy" => recv.clone(),
            _ => t::none(),
        };
    }
    if t::is_prim(recv, Primitive::Str) {
        return match name {
            "split" => t::list(t::str_()),
            "startswith" | "endswith" | "isdigit" | "isalpha" => t::boolean(),
            "find" | "count" => t::int(),
            _ => t::str_(),
        };
    }
    t::any()
}
