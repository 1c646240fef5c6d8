//! Structural validation: the invariants every reader of the IR may rely on.
//!
//! The frontend runs this after each pass that produces IR, and every command that reads an IR
//! file runs it before use, so engines never have to defend against dangling block ids, missing
//! slots or calls that resolve to nothing. It checks structure and the types that are statically
//! known; `PRIMITIVE_ANY` is compatible with everything.

use crate::v1::{
    AssignTarget, Body, EntityType, Expr, Method, Program, Stmt, Terminator, assign_target, expr,
    stmt, terminator,
};
use crate::v1::{Primitive, Type, r#type};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One broken invariant, with where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// E.g. `entity User, method buy, block 3`.
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

/// Builtin exception classes a `Raise` may name without declaring them.
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

/// Checks every structural invariant; an empty result means the program is valid.
pub fn validate(program: &Program) -> Vec<Problem> {
    let mut v = Validator {
        program,
        problems: Vec::new(),
        location: String::new(),
    };
    v.program();
    v.problems
}

struct Validator<'a> {
    program: &'a Program,
    problems: Vec<Problem>,
    location: String,
}

struct MethodCtx<'a> {
    entity: &'a EntityType,
    body: &'a Body,
    is_constructor: bool,
}

impl<'a> Validator<'a> {
    fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            location: self.location.clone(),
            message: message.into(),
        });
    }

    fn entity(&self, name: &str) -> Option<&'a EntityType> {
        self.program.entities.iter().find(|e| e.name == name)
    }

    fn program(&mut self) {
        if self.program.version.is_none() {
            self.problem("missing version");
        }
        let mut names = BTreeSet::new();
        for e in &self.program.entities {
            if !names.insert(e.name.as_str()) {
                self.problem(format!("entity `{}` is defined twice", e.name));
            }
        }
        let mut exceptions = BTreeSet::new();
        for x in &self.program.exceptions {
            if !exceptions.insert(x.name.as_str()) {
                self.problem(format!("exception `{}` is defined twice", x.name));
            }
            if !BUILTIN_EXCEPTIONS.contains(&x.base.as_str())
                && !self.program.exceptions.iter().any(|y| y.name == x.base)
            {
                self.problem(format!(
                    "exception `{}` has unknown base `{}`",
                    x.name, x.base
                ));
            }
        }
        for e in &self.program.entities {
            self.entity_type(e);
        }
        self.location.clear();
        self.dataflow();
        self.call_graph();
    }

    fn entity_type(&mut self, e: &'a EntityType) {
        self.location = format!("entity {}", e.name);
        let mut fields = BTreeSet::new();
        for f in &e.fields {
            if !fields.insert(f.name.as_str()) {
                self.problem(format!("field `{}` is declared twice", f.name));
            }
        }
        if !fields.contains(e.key_field.as_str()) {
            self.problem(format!("key field `{}` is not a state field", e.key_field));
        }
        match e.key_type.as_ref().and_then(|t| t.kind.as_ref()) {
            Some(r#type::Kind::Primitive(p))
                if *p == Primitive::Str as i32 || *p == Primitive::Int as i32 => {}
            _ => self.problem("key type must be str or int"),
        }
        let mut methods = BTreeSet::new();
        for m in &e.methods {
            if !methods.insert(m.name.as_str()) {
                self.problem(format!("method `{}` is defined twice", m.name));
            }
        }
        match &e.constructor {
            Some(c) => self.method(e, c, true),
            None => self.problem("missing constructor"),
        }
        for m in &e.methods {
            self.method(e, m, false);
        }
    }

    fn method(&mut self, entity: &'a EntityType, m: &'a Method, is_constructor: bool) {
        self.location = format!("entity {}, method {}", entity.name, m.name);
        let Some(body) = &m.body else {
            self.problem("missing body");
            return;
        };
        if body.blocks.is_empty() {
            self.problem("body has no blocks");
        }
        if body.slots.len() < m.params.len() {
            self.problem("fewer slots than parameters");
        }
        for (i, p) in m.params.iter().enumerate() {
            if let Some(slot) = body.slots.get(i)
                && (slot.kind != crate::v1::SlotKind::Param as i32 || slot.name != p.name)
            {
                self.problem(format!("slot {i} must be parameter `{}`", p.name));
            }
        }
        let ctx = MethodCtx {
            entity,
            body,
            is_constructor,
        };
        let base = self.location.clone();
        for (i, block) in body.blocks.iter().enumerate() {
            self.location = format!("{base}, block {i}");
            if block.id as usize != i {
                self.problem(format!("block id {} is not its index {i}", block.id));
            }
            for s in &block.stmts {
                self.stmt(&ctx, s);
            }
            match &block.terminator {
                Some(t) => self.terminator(&ctx, t),
                None => self.problem("block has no terminator"),
            }
        }
    }

    fn block_ref(&mut self, ctx: &MethodCtx<'a>, id: u32) {
        if id as usize >= ctx.body.blocks.len() {
            self.problem(format!("jump to missing block {id}"));
        }
    }

    fn slot_ref(&mut self, ctx: &MethodCtx<'a>, slot: u32) -> Option<&'a Type> {
        match ctx.body.slots.get(slot as usize) {
            Some(s) => s.r#type.as_ref(),
            None => {
                self.problem(format!("missing slot {slot}"));
                None
            }
        }
    }

    fn field_ref(&mut self, entity: &EntityType, field: &str) {
        if !entity.fields.iter().any(|f| f.name == field) {
            self.problem(format!("`{}` has no field `{field}`", entity.name));
        }
    }

    fn stmt(&mut self, ctx: &MethodCtx<'a>, s: &Stmt) {
        match &s.kind {
            None => self.problem("statement without a kind"),
            Some(stmt::Kind::Assign(a)) => {
                self.expr_opt(ctx, a.value.as_ref(), "assigned value");
                self.target(
                    ctx,
                    a.target.as_ref(),
                    a.value.as_ref().and_then(|v| v.r#type.as_ref()),
                );
            }
            Some(stmt::Kind::AugAssign(a)) => {
                if a.op == 0 {
                    self.problem("augmented assignment without an operator");
                }
                self.expr_opt(ctx, a.value.as_ref(), "augmented value");
                self.target(ctx, a.target.as_ref(), None);
            }
            Some(stmt::Kind::Expr(e)) => self.expr(ctx, e),
            Some(stmt::Kind::DelItem(d)) => {
                self.expr_opt(ctx, d.container.as_ref(), "del container");
                self.expr_opt(ctx, d.index.as_ref(), "del index");
            }
            Some(stmt::Kind::Print(p)) => p.args.iter().for_each(|e| self.expr(ctx, e)),
        }
    }

    fn target(&mut self, ctx: &MethodCtx<'a>, t: Option<&AssignTarget>, value_type: Option<&Type>) {
        let Some(kind) = t.and_then(|t| t.kind.as_ref()) else {
            self.problem("assignment without a target");
            return;
        };
        match kind {
            assign_target::Kind::Slot(slot) => {
                let slot_type = self.slot_ref(ctx, *slot);
                if let (Some(st), Some(vt)) = (slot_type, value_type)
                    && !compatible(st, vt)
                {
                    self.problem(format!(
                        "slot {slot} of type {} is assigned a {}",
                        type_name(st),
                        type_name(vt)
                    ));
                }
            }
            assign_target::Kind::Field(f) => self.field_ref(ctx.entity, f),
            assign_target::Kind::Subscript(s) => {
                self.expr_opt(ctx, s.container.as_ref(), "subscript container");
                self.expr_opt(ctx, s.index.as_ref(), "subscript index");
            }
            assign_target::Kind::Unpack(list) => {
                if list.targets.is_empty() {
                    self.problem("unpacking into no targets");
                }
                for t in &list.targets {
                    self.target(ctx, Some(t), None);
                }
            }
        }
    }

    fn terminator(&mut self, ctx: &MethodCtx<'a>, t: &Terminator) {
        match &t.kind {
            None => self.problem("terminator without a kind"),
            Some(terminator::Kind::Goto(b)) => self.block_ref(ctx, *b),
            Some(terminator::Kind::Branch(b)) => {
                self.expr_opt(ctx, b.cond.as_ref(), "branch condition");
                self.block_ref(ctx, b.then_block);
                self.block_ref(ctx, b.else_block);
            }
            Some(terminator::Kind::Return(r)) => {
                if let Some(v) = &r.value {
                    self.expr(ctx, v);
                }
            }
            Some(terminator::Kind::Raise(r)) => {
                let known = BUILTIN_EXCEPTIONS.contains(&r.exception.as_str())
                    || self
                        .program
                        .exceptions
                        .iter()
                        .any(|x| x.name == r.exception);
                if !known {
                    self.problem(format!("raise of unknown exception `{}`", r.exception));
                }
                if let Some(m) = &r.message {
                    self.expr(ctx, m);
                }
            }
            Some(terminator::Kind::Invoke(i)) => {
                let remote = match &i.callee {
                    Some(crate::v1::invoke::Callee::Target(target)) => {
                        self.expr(ctx, target);
                        true
                    }
                    Some(crate::v1::invoke::Callee::SelfCall(_)) => {
                        if i.entity != ctx.entity.name {
                            self.problem("a self call must name the executing entity");
                        }
                        false
                    }
                    None => {
                        self.problem("invoke without a callee");
                        false
                    }
                };
                if remote && ctx.is_constructor {
                    self.problem("the constructor makes a remote call");
                }
                match self.entity(&i.entity) {
                    None => self.problem(format!("invoke of unknown entity `{}`", i.entity)),
                    Some(e) => match e.methods.iter().find(|m| m.name == i.method) {
                        None => {
                            self.problem(format!("`{}` has no method `{}`", i.entity, i.method))
                        }
                        Some(m) if m.params.len() != i.args.len() => self.problem(format!(
                            "`{}.{}` takes {} arguments, invoked with {}",
                            i.entity,
                            i.method,
                            m.params.len(),
                            i.args.len()
                        )),
                        Some(_) => {}
                    },
                }
                i.args.iter().for_each(|a| self.expr(ctx, a));
                self.block_ref(ctx, i.resume_block);
                self.slot_ref(ctx, i.result_slot);
            }
            Some(terminator::Kind::RemoteGet(g)) => {
                if ctx.is_constructor {
                    self.problem("the constructor reads another entity");
                }
                self.expr_opt(ctx, g.target.as_ref(), "remote read target");
                match self.entity(&g.entity) {
                    None => self.problem(format!("remote read of unknown entity `{}`", g.entity)),
                    Some(e) => self.field_ref(e, &g.field),
                }
                self.block_ref(ctx, g.resume_block);
                self.slot_ref(ctx, g.result_slot);
            }
        }
    }

    fn expr_opt(&mut self, ctx: &MethodCtx<'a>, e: Option<&Expr>, what: &str) {
        match e {
            Some(e) => self.expr(ctx, e),
            None => self.problem(format!("missing {what}")),
        }
    }

    fn expr(&mut self, ctx: &MethodCtx<'a>, e: &Expr) {
        use expr::Kind as K;
        let Some(kind) = &e.kind else {
            self.problem("expression without a kind");
            return;
        };
        match kind {
            K::Literal(_) | K::SelfRef(_) => {}
            K::Slot(s) => {
                self.slot_ref(ctx, *s);
            }
            K::Field(f) => self.field_ref(ctx.entity, f),
            K::Binary(b) => {
                if b.op == 0 {
                    self.problem("binary expression without an operator");
                }
                self.expr_opt(ctx, b.left.as_deref(), "left operand");
                self.expr_opt(ctx, b.right.as_deref(), "right operand");
            }
            K::Unary(u) => {
                if u.op == 0 {
                    self.problem("unary expression without an operator");
                }
                self.expr_opt(ctx, u.operand.as_deref(), "operand");
            }
            K::Compare(c) => {
                if c.operands.len() < 2 || c.ops.len() + 1 != c.operands.len() {
                    self.problem("comparison needs n operands and n-1 operators");
                }
                c.operands.iter().for_each(|o| self.expr(ctx, o));
            }
            K::BoolOp(b) => {
                if b.values.len() < 2 {
                    self.problem("and/or needs at least two operands");
                }
                b.values.iter().for_each(|o| self.expr(ctx, o));
            }
            K::Cond(c) => {
                self.expr_opt(ctx, c.cond.as_deref(), "condition");
                self.expr_opt(ctx, c.then_value.as_deref(), "then value");
                self.expr_opt(ctx, c.else_value.as_deref(), "else value");
            }
            K::Builtin(b) => {
                if b.function == 0 {
                    self.problem("builtin call without a function");
                }
                b.args.iter().for_each(|a| self.expr(ctx, a));
            }
            K::Method(m) => {
                if m.method.is_empty() {
                    self.problem("method call without a name");
                }
                self.expr_opt(ctx, m.receiver.as_deref(), "method receiver");
                m.args.iter().for_each(|a| self.expr(ctx, a));
            }
            K::Index(i) => {
                self.expr_opt(ctx, i.value.as_deref(), "indexed value");
                self.expr_opt(ctx, i.index.as_deref(), "index");
            }
            K::Slice(s) => {
                self.expr_opt(ctx, s.value.as_deref(), "sliced value");
                for bound in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(ctx, bound);
                }
            }
            K::List(l) => l.items.iter().for_each(|i| self.expr(ctx, i)),
            K::Tuple(t) => t.items.iter().for_each(|i| self.expr(ctx, i)),
            K::Dict(d) => {
                for item in &d.items {
                    self.expr_opt(ctx, item.key.as_ref(), "dict key");
                    self.expr_opt(ctx, item.value.as_ref(), "dict value");
                }
            }
            K::Fstring(f) => self.fstring(ctx, f),
        }
    }

    fn fstring(&mut self, ctx: &MethodCtx<'a>, f: &crate::v1::FormatString) {
        for part in &f.parts {
            if let Some(crate::v1::format_part::Kind::Value(v)) = &part.kind {
                self.expr_opt(ctx, v.value.as_ref(), "formatted value");
                if let Some(spec) = &v.spec {
                    self.fstring(ctx, spec);
                }
            }
        }
    }

    fn dataflow(&mut self) {
        self.location = "dataflow".into();
        let Some(graph) = &self.program.dataflow else {
            self.problem("missing dataflow graph");
            return;
        };
        let ids: BTreeSet<&str> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
        if ids.len() != graph.nodes.len() {
            self.problem("node ids are not unique");
        }
        let mut operators: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &graph.nodes {
            if n.kind == crate::v1::NodeKind::EntityOperator as i32 {
                *operators.entry(n.entity.as_str()).or_default() += 1;
                if self.entity(&n.entity).is_none() {
                    self.problem(format!("operator for unknown entity `{}`", n.entity));
                }
            }
        }
        for e in &self.program.entities {
            if operators.get(e.name.as_str()) != Some(&1) {
                self.problem(format!("entity `{}` needs exactly one operator", e.name));
            }
        }
        for edge in &graph.edges {
            for end in [&edge.from, &edge.to] {
                if !ids.contains(end.as_str()) {
                    self.problem(format!("edge names missing node `{end}`"));
                }
            }
        }
    }

    fn call_graph(&mut self) {
        self.location = "call graph".into();
        let Some(graph) = &self.program.call_graph else {
            self.problem("missing call graph");
            return;
        };
        let refs = graph
            .edges
            .iter()
            .flat_map(|e| [e.caller.as_ref(), e.callee.as_ref()])
            .chain(graph.cycles.iter().flat_map(|c| c.methods.iter().map(Some)));
        let mut missing = Vec::new();
        for r in refs {
            match r {
                Some(r) if self.method_exists(&r.entity, &r.method) => {}
                Some(r) => missing.push(format!("`{}.{}` does not exist", r.entity, r.method)),
                None => missing.push("an edge without an endpoint".into()),
            }
        }
        missing.into_iter().for_each(|m| self.problem(m));
    }

    fn method_exists(&self, entity: &str, method: &str) -> bool {
        self.entity(entity).is_some_and(|e| {
            e.methods.iter().any(|m| m.name == method)
                || e.constructor.as_ref().is_some_and(|c| c.name == method)
        })
    }
}

/// Whether a value of type `value` may be stored where `target` is expected.
pub fn compatible(target: &Type, value: &Type) -> bool {
    use r#type::Kind as K;
    let (Some(t), Some(v)) = (&target.kind, &value.kind) else {
        return true;
    };
    let any = Primitive::Any as i32;
    match (t, v) {
        (K::Primitive(p), _) if *p == any => true,
        (_, K::Primitive(p)) if *p == any => true,
        (K::Optional(_), K::Primitive(p)) if *p == Primitive::None as i32 => true,
        (K::Optional(a), K::Optional(b)) => opt_compatible(a.inner.as_deref(), b.inner.as_deref()),
        (K::Optional(o), _) => o
            .inner
            .as_deref()
            .is_none_or(|inner| compatible(inner, value)),
        // int is usable where float is expected, as in Python's numeric tower.
        (K::Primitive(a), K::Primitive(b)) => {
            a == b
                || (*a == Primitive::Float as i32
                    && (*b == Primitive::Int as i32 || *b == Primitive::Bool as i32))
                || (*a == Primitive::Int as i32 && *b == Primitive::Bool as i32)
        }
        (K::List(a), K::List(b)) => opt_compatible(a.element.as_deref(), b.element.as_deref()),
        (K::Dict(a), K::Dict(b)) => {
            opt_compatible(a.key.as_deref(), b.key.as_deref())
                && opt_compatible(a.value.as_deref(), b.value.as_deref())
        }
        (K::Tuple(a), K::Tuple(b)) => {
            a.elements.len() == b.elements.len()
                && a.elements
                    .iter()
                    .zip(&b.elements)
                    .all(|(x, y)| compatible(x, y))
        }
        (K::Entity(a), K::Entity(b)) => a == b,
        _ => false,
    }
}

fn opt_compatible(a: Option<&Type>, b: Option<&Type>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => compatible(a, b),
        _ => true,
    }
}

/// The Python spelling of a type, e.g. `list[int]`, `Optional[User]`.
pub fn type_name(t: &Type) -> String {
    use r#type::Kind as K;
    match &t.kind {
        None => "?".into(),
        Some(K::Primitive(p)) => match Primitive::try_from(*p).unwrap_or(Primitive::Unspecified) {
            Primitive::Int => "int",
            Primitive::Float => "float",
            Primitive::Bool => "bool",
            Primitive::Str => "str",
            Primitive::None => "None",
            Primitive::Any => "Any",
            Primitive::Unspecified => "?",
        }
        .into(),
        Some(K::List(l)) => format!("list[{}]", opt_name(l.element.as_deref())),
        Some(K::Dict(d)) => format!(
            "dict[{}, {}]",
            opt_name(d.key.as_deref()),
            opt_name(d.value.as_deref())
        ),
        Some(K::Tuple(tu)) => {
            let items: Vec<String> = tu.elements.iter().map(type_name).collect();
            format!("tuple[{}]", items.join(", "))
        }
        Some(K::Optional(o)) => format!("Optional[{}]", opt_name(o.inner.as_deref())),
        Some(K::Entity(e)) => e.clone(),
    }
}

fn opt_name(t: Option<&Type>) -> String {
    t.map(type_name).unwrap_or_else(|| "Any".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{OptionalType, r#type::Kind};

    fn prim(p: Primitive) -> Type {
        Type {
            kind: Some(Kind::Primitive(p as i32)),
        }
    }
    fn optional(t: Type) -> Type {
        Type {
            kind: Some(Kind::Optional(Box::new(OptionalType {
                inner: Some(Box::new(t)),
            }))),
        }
    }

    #[test]
    fn optional_accepts_inner_none_and_optional() {
        let o = optional(prim(Primitive::Int));
        assert!(compatible(&o, &prim(Primitive::Int)));
        assert!(compatible(&o, &prim(Primitive::None)));
        assert!(compatible(&o, &optional(prim(Primitive::Int))));
        assert!(!compatible(&o, &prim(Primitive::Str)));
        assert!(compatible(&prim(Primitive::Float), &prim(Primitive::Int)));
        assert!(!compatible(&prim(Primitive::Int), &prim(Primitive::Float)));
    }

    #[test]
    fn empty_program_reports_missing_parts() {
        let problems = validate(&Program::default());
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter().any(|p| p.contains("missing version")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|p| p.contains("missing dataflow graph")),
            "{text:?}"
        );
    }
}
