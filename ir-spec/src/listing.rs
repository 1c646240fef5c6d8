//! A readable listing of a program (`stent ir show`): entities, fields, analyses, and each
//! method's control-flow graph with Python-like expressions. Deterministic, so snapshot tests
//! can diff it.

use crate::v1::*;
use crate::validate::type_name;
use std::fmt::Write;

/// Renders the whole program.
pub fn render(program: &Program) -> String {
    let mut out = String::new();
    let v = program.version.unwrap_or_default();
    let _ = writeln!(
        out,
        "; stent IR {}.{} from {}",
        v.major, v.minor, program.source_path
    );
    for x in &program.exceptions {
        let _ = writeln!(out, "exception {}({})", x.name, x.base);
    }
    for e in &program.entities {
        out.push('\n');
        entity(&mut out, e);
    }
    if let Some(cg) = &program.call_graph
        && !cg.cycles.is_empty()
    {
        out.push('\n');
        for c in &cg.cycles {
            let names: Vec<String> = c.methods.iter().map(method_ref).collect();
            let _ = writeln!(out, "cycle {}", names.join(" -> "));
        }
    }
    out
}

fn entity(out: &mut String, e: &EntityType) {
    let _ = writeln!(
        out,
        "entity {} key {}: {}",
        e.name,
        e.key_field,
        opt_type(e.key_type.as_ref())
    );
    for f in &e.fields {
        let _ = writeln!(out, "  field {}: {}", f.name, opt_type(f.r#type.as_ref()));
    }
    if let Some(c) = &e.constructor {
        method(out, c);
    }
    for m in &e.methods {
        method(out, m);
    }
}

fn method(out: &mut String, m: &Method) {
    let params: Vec<String> = m
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, opt_type(p.r#type.as_ref())))
        .collect();
    let _ = writeln!(
        out,
        "\n  def {}({}) -> {}",
        m.name,
        params.join(", "),
        opt_type(m.returns.as_ref())
    );
    if let Some(fx) = &m.effects {
        let mut notes = Vec::new();
        if !fx.reads.is_empty() {
            notes.push(format!("reads {}", fx.reads.join(", ")));
        }
        if !fx.writes.is_empty() {
            notes.push(format!("writes {}", fx.writes.join(", ")));
        }
        if !fx.calls.is_empty() {
            let calls: Vec<String> = fx.calls.iter().map(method_ref).collect();
            notes.push(format!("calls {}", calls.join(", ")));
        }
        if !fx.remote_reads.is_empty() {
            let reads: Vec<String> = fx
                .remote_reads
                .iter()
                .map(|r| format!("{}.{}", r.entity, r.field))
                .collect();
            notes.push(format!("remote reads {}", reads.join(", ")));
        }
        for (flag, name) in [
            (fx.read_only, "read-only"),
            (fx.single_entity, "single-entity"),
            (fx.recursive, "recursive"),
        ] {
            if flag {
                notes.push(name.into());
            }
        }
        if !notes.is_empty() {
            let _ = writeln!(out, "    ; {}", notes.join("; "));
        }
    }
    let Some(body) = &m.body else { return };
    if body.slots.len() > m.params.len() {
        let slots: Vec<String> = body
            .slots
            .iter()
            .enumerate()
            .skip(m.params.len())
            .map(|(i, s)| format!("%{i} {}: {}", s.name, opt_type(s.r#type.as_ref())))
            .collect();
        let _ = writeln!(out, "    slots {}", slots.join(", "));
    }
    for b in &body.blocks {
        let _ = writeln!(out, "    bb{}:", b.id);
        for s in &b.stmts {
            let _ = writeln!(out, "      {}", stmt(body, s));
        }
        let term = b
            .terminator
            .as_ref()
            .map(|t| terminator(body, t))
            .unwrap_or_else(|| "<none>".into());
        let _ = writeln!(out, "      {term}");
    }
}

fn method_ref(r: &MethodRef) -> String {
    format!("{}.{}", r.entity, r.method)
}

fn opt_type(t: Option<&Type>) -> String {
    t.map(type_name).unwrap_or_else(|| "?".into())
}

fn slot(body: &Body, i: u32) -> String {
    match body.slots.get(i as usize) {
        Some(s) if s.kind == SlotKind::Temp as i32 => format!("%{i}"),
        Some(s) => format!("{}%{i}", s.name),
        None => format!("%{i}?"),
    }
}

fn stmt(body: &Body, s: &Stmt) -> String {
    match &s.kind {
        None => "<empty>".into(),
        Some(stmt::Kind::Assign(a)) => format!(
            "{} = {}",
            target(body, a.target.as_ref()),
            opt_expr(body, a.value.as_ref())
        ),
        Some(stmt::Kind::AugAssign(a)) => format!(
            "{} {}= {}",
            target(body, a.target.as_ref()),
            binary_symbol(a.op),
            opt_expr(body, a.value.as_ref())
        ),
        Some(stmt::Kind::Expr(e)) => expr(body, e),
        Some(stmt::Kind::DelItem(d)) => {
            format!(
                "del {}[{}]",
                opt_expr(body, d.container.as_ref()),
                opt_expr(body, d.index.as_ref())
            )
        }
        Some(stmt::Kind::Print(p)) => format!("print({})", exprs(body, &p.args)),
    }
}

fn target(body: &Body, t: Option<&AssignTarget>) -> String {
    match t.and_then(|t| t.kind.as_ref()) {
        None => "<none>".into(),
        Some(assign_target::Kind::Slot(i)) => slot(body, *i),
        Some(assign_target::Kind::Field(f)) => format!("self.{f}"),
        Some(assign_target::Kind::Subscript(s)) => {
            format!(
                "{}[{}]",
                opt_expr(body, s.container.as_ref()),
                opt_expr(body, s.index.as_ref())
            )
        }
        Some(assign_target::Kind::Unpack(l)) => {
            let parts: Vec<String> = l.targets.iter().map(|t| target(body, Some(t))).collect();
            format!("({})", parts.join(", "))
        }
    }
}

fn terminator(body: &Body, t: &Terminator) -> String {
    match &t.kind {
        None => "<no terminator>".into(),
        Some(terminator::Kind::Goto(b)) => format!("goto bb{b}"),
        Some(terminator::Kind::Branch(b)) => format!(
            "if {} then bb{} else bb{}",
            opt_expr(body, b.cond.as_ref()),
            b.then_block,
            b.else_block
        ),
        Some(terminator::Kind::Return(r)) => match &r.value {
            Some(v) => format!("return {}", expr(body, v)),
            None => "return".into(),
        },
        Some(terminator::Kind::Raise(r)) => match &r.message {
            Some(m) => format!("raise {}({})", r.exception, expr(body, m)),
            None => format!("raise {}", r.exception),
        },
        Some(terminator::Kind::Invoke(i)) => {
            let callee = match &i.callee {
                Some(invoke::Callee::Target(e)) => format!("remote {}", expr(body, e)),
                Some(invoke::Callee::SelfCall(_)) => "self".into(),
                None => "?".into(),
            };
            format!(
                "{} = invoke {callee}.{}({}) [{}]; resume bb{}",
                slot(body, i.result_slot),
                i.method,
                exprs(body, &i.args),
                i.entity,
                i.resume_block
            )
        }
        Some(terminator::Kind::RemoteGet(g)) => format!(
            "{} = remote_get {}.{} [{}]; resume bb{}",
            slot(body, g.result_slot),
            opt_expr(body, g.target.as_ref()),
            g.field,
            g.entity,
            g.resume_block
        ),
    }
}

fn exprs(body: &Body, es: &[Expr]) -> String {
    es.iter()
        .map(|e| expr(body, e))
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt_expr(body: &Body, e: Option<&Expr>) -> String {
    e.map(|e| expr(body, e)).unwrap_or_else(|| "<none>".into())
}

fn boxed(body: &Body, e: &Option<Box<Expr>>) -> String {
    opt_expr(body, e.as_deref())
}

/// Python-like text of an expression; compound operands are parenthesised so the tree is clear.
fn expr(body: &Body, e: &Expr) -> String {
    use expr::Kind as K;
    let Some(kind) = &e.kind else {
        return "<empty>".into();
    };
    match kind {
        K::Literal(v) => crate::listing::value(v),
        K::Slot(i) => slot(body, *i),
        K::Field(f) => format!("self.{f}"),
        K::SelfRef(_) => "self".into(),
        K::Binary(b) => format!(
            "({} {} {})",
            boxed(body, &b.left),
            binary_symbol(b.op),
            boxed(body, &b.right)
        ),
        K::Unary(u) => {
            let op = match UnaryOperator::try_from(u.op) {
                Ok(UnaryOperator::Neg) => "-",
                Ok(UnaryOperator::Pos) => "+",
                Ok(UnaryOperator::Not) => "not ",
                Ok(UnaryOperator::Invert) => "~",
                _ => "?",
            };
            format!("({op}{})", boxed(body, &u.operand))
        }
        K::Compare(c) => {
            let mut s = String::from("(");
            for (i, operand) in c.operands.iter().enumerate() {
                if i > 0 {
                    let op = c.ops.get(i - 1).copied().unwrap_or(0);
                    let _ = write!(s, " {} ", compare_symbol(op));
                }
                s.push_str(&expr(body, operand));
            }
            s.push(')');
            s
        }
        K::BoolOp(b) => {
            let op = if b.op == BoolOperator::And as i32 {
                " and "
            } else {
                " or "
            };
            format!(
                "({})",
                b.values
                    .iter()
                    .map(|v| expr(body, v))
                    .collect::<Vec<_>>()
                    .join(op)
            )
        }
        K::Cond(c) => format!(
            "({} if {} else {})",
            boxed(body, &c.then_value),
            boxed(body, &c.cond),
            boxed(body, &c.else_value)
        ),
        K::Builtin(b) => {
            let name = Builtin::try_from(b.function)
                .map(|f| {
                    f.as_str_name()
                        .trim_start_matches("BUILTIN_")
                        .to_ascii_lowercase()
                })
                .unwrap_or_else(|_| "?".into());
            format!("{name}({})", exprs(body, &b.args))
        }
        K::Method(m) => format!(
            "{}.{}({})",
            boxed(body, &m.receiver),
            m.method,
            exprs(body, &m.args)
        ),
        K::Index(i) => format!("{}[{}]", boxed(body, &i.value), boxed(body, &i.index)),
        K::Slice(s) => {
            let part =
                |e: &Option<Box<Expr>>| e.as_deref().map(|e| expr(body, e)).unwrap_or_default();
            let mut text = format!(
                "{}[{}:{}",
                boxed(body, &s.value),
                part(&s.lower),
                part(&s.upper)
            );
            if s.step.is_some() {
                let _ = write!(text, ":{}", part(&s.step));
            }
            text.push(']');
            text
        }
        K::List(l) => format!("[{}]", exprs(body, &l.items)),
        K::Tuple(t) if t.items.len() == 1 => format!("({},)", exprs(body, &t.items)),
        K::Tuple(t) => format!("({})", exprs(body, &t.items)),
        K::Dict(d) => {
            let items: Vec<String> = d
                .items
                .iter()
                .map(|i| {
                    format!(
                        "{}: {}",
                        opt_expr(body, i.key.as_ref()),
                        opt_expr(body, i.value.as_ref())
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        K::Fstring(f) => format!("f\"{}\"", fstring(body, f)),
    }
}

fn fstring(body: &Body, f: &FormatString) -> String {
    let mut s = String::new();
    for part in &f.parts {
        match &part.kind {
            Some(format_part::Kind::Text(t)) => {
                s.push_str(&t.replace('{', "{{").replace('}', "}}"))
            }
            Some(format_part::Kind::Value(v)) => {
                s.push('{');
                s.push_str(&opt_expr(body, v.value.as_ref()));
                if let Some(c) = char::from_u32(v.conversion).filter(|_| v.conversion != 0) {
                    s.push('!');
                    s.push(c);
                }
                if let Some(spec) = &v.spec {
                    s.push(':');
                    s.push_str(&fstring(body, spec));
                }
                s.push('}');
            }
            None => {}
        }
    }
    s
}

/// Python-like text of a value.
pub fn value(v: &Value) -> String {
    use value::Kind as K;
    match &v.kind {
        None | Some(K::None(_)) => "None".into(),
        Some(K::Bool(b)) => if *b { "True" } else { "False" }.into(),
        Some(K::Int(i)) => i.to_string(),
        Some(K::Float(f)) => {
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
                format!("{f:.1}")
            } else {
                format!("{f:?}")
            }
        }
        Some(K::Str(s)) => format!("{s:?}"),
        Some(K::List(l)) => format!(
            "[{}]",
            l.items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        Some(K::Tuple(t)) => format!(
            "({})",
            t.items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        Some(K::Dict(d)) => {
            let items: Vec<String> = d
                .entries
                .iter()
                .map(|e| {
                    let k = e.key.as_ref().map(value).unwrap_or_default();
                    let v = e.value.as_ref().map(value).unwrap_or_default();
                    format!("{k}: {v}")
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Some(K::Entity(r)) => format!(
            "{}({})",
            r.entity,
            r.key.as_deref().map(value).unwrap_or_default()
        ),
    }
}

/// The Python symbol of a binary operator.
pub fn binary_symbol(op: i32) -> &'static str {
    match BinaryOperator::try_from(op) {
        Ok(BinaryOperator::Add) => "+",
        Ok(BinaryOperator::Sub) => "-",
        Ok(BinaryOperator::Mul) => "*",
        Ok(BinaryOperator::TrueDiv) => "/",
        Ok(BinaryOperator::FloorDiv) => "//",
        Ok(BinaryOperator::Mod) => "%",
        Ok(BinaryOperator::Pow) => "**",
        Ok(BinaryOperator::BitAnd) => "&",
        Ok(BinaryOperator::BitOr) => "|",
        Ok(BinaryOperator::BitXor) => "^",
        Ok(BinaryOperator::Lshift) => "<<",
        Ok(BinaryOperator::Rshift) => ">>",
        _ => "?",
    }
}

/// The Python symbol of a comparison operator.
pub fn compare_symbol(op: i32) -> &'static str {
    match CompareOperator::try_from(op) {
        Ok(CompareOperator::Eq) => "==",
        Ok(CompareOperator::Ne) => "!=",
        Ok(CompareOperator::Lt) => "<",
        Ok(CompareOperator::Le) => "<=",
        Ok(CompareOperator::Gt) => ">",
        Ok(CompareOperator::Ge) => ">=",
        Ok(CompareOperator::In) => "in",
        Ok(CompareOperator::NotIn) => "not in",
        Ok(CompareOperator::Is) => "is",
        Ok(CompareOperator::IsNot) => "is not",
        _ => "?",
    }
}
