//! Expressions, literals and types: IR → Java expressions over the runtime-support library.
//!
//! Every Java expression produced here has static type `Object` (or a subtype) and evaluates its
//! operands left to right, as Python does; short-circuiting constructs take `Supplier`s.

use stent_ir::v1::{
    BinaryOperator, BoolOperator, Builtin, CompareOperator, Expr, FormatString, Primitive, Type,
    UnaryOperator, Value, expr, format_part, r#type, value,
};

use crate::TranslateError;
use crate::body::MethodCtx;

/// A Java string literal (non-ASCII and control characters as `\uXXXX` escapes).
pub fn java_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for unit in s.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x0a => out.push_str("\\n"),
            0x0d => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x20..=0x7e => out.push(unit as u8 as char),
            _ => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
    out
}

/// A Java `double` literal that denotes exactly `f`.
pub fn java_double(f: f64) -> String {
    if f.is_nan() {
        "Double.NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Double.POSITIVE_INFINITY".into()
        } else {
            "Double.NEGATIVE_INFINITY".into()
        }
    } else {
        // Rust's `{:?}` is the shortest round-trip form and always valid Java (`1e16`, `0.1`, `-0.0`).
        let s = format!("{f:?}");
        if s.contains(['.', 'e']) {
            s
        } else {
            format!("{s}.0")
        }
    }
}

/// A literal value. Containers are built fresh on every evaluation.
pub fn literal(v: &Value) -> Result<String, TranslateError> {
    let kind = v
        .kind
        .as_ref()
        .ok_or_else(|| TranslateError::malformed("value without kind"))?;
    Ok(match kind {
        value::Kind::None(_) => "Py.NONE".into(),
        value::Kind::Bool(b) => if *b { "Boolean.TRUE" } else { "Boolean.FALSE" }.into(),
        value::Kind::Int(i) => format!("Long.valueOf({i}L)"),
        value::Kind::Float(f) => format!("Double.valueOf({})", java_double(*f)),
        value::Kind::Str(s) => java_string(s),
        value::Kind::List(l) => format!("PyList.of({})", literals(&l.items)?),
        value::Kind::Tuple(t) => format!("new PyTuple({})", literals(&t.items)?),
        value::Kind::Dict(d) => {
            let mut parts = Vec::new();
            for e in &d.entries {
                let k = e
                    .key
                    .as_ref()
                    .ok_or_else(|| TranslateError::malformed("dict entry without key"))?;
                let v = e
                    .value
                    .as_ref()
                    .ok_or_else(|| TranslateError::malformed("dict entry without value"))?;
                parts.push(literal(k)?);
                parts.push(literal(v)?);
            }
            format!("Py.dict({})", parts.join(", "))
        }
        value::Kind::Entity(r) => {
            let key = r
                .key
                .as_ref()
                .ok_or_else(|| TranslateError::malformed("entity ref without key"))?;
            format!(
                "new EntityRef({}, {})",
                java_string(&r.entity),
                literal(key)?
            )
        }
    })
}

fn literals(items: &[Value]) -> Result<String, TranslateError> {
    Ok(items
        .iter()
        .map(literal)
        .collect::<Result<Vec<_>, _>>()?
        .join(", "))
}

/// A `PyType` constant for argument checking.
pub fn py_type(t: Option<&Type>) -> Result<String, TranslateError> {
    let Some(kind) = t.and_then(|t| t.kind.as_ref()) else {
        return Ok("PyType.ANY".into());
    };
    Ok(match kind {
        r#type::Kind::Primitive(p) => match Primitive::try_from(*p) {
            Ok(Primitive::Int) => "PyType.INT".into(),
            Ok(Primitive::Float) => "PyType.FLOAT".into(),
            Ok(Primitive::Bool) => "PyType.BOOL".into(),
            Ok(Primitive::Str) => "PyType.STR".into(),
            Ok(Primitive::None) => "PyType.NONE".into(),
            Ok(Primitive::Any | Primitive::Unspecified) => "PyType.ANY".into(),
            Err(_) => return Err(TranslateError::unsupported(format!("primitive type {p}"))),
        },
        r#type::Kind::List(l) => format!("PyType.list({})", py_type(l.element.as_deref())?),
        r#type::Kind::Dict(d) => {
            format!(
                "PyType.dict({}, {})",
                py_type(d.key.as_deref())?,
                py_type(d.value.as_deref())?
            )
        }
        r#type::Kind::Tuple(t) => {
            let parts: Result<Vec<_>, _> = t.elements.iter().map(|e| py_type(Some(e))).collect();
            format!("PyType.tuple({})", parts?.join(", "))
        }
        r#type::Kind::Optional(o) => format!("PyType.optional({})", py_type(o.inner.as_deref())?),
        r#type::Kind::Entity(e) => format!("PyType.entity({})", java_string(e)),
    })
}

fn binary_op(op: i32) -> Result<&'static str, TranslateError> {
    use BinaryOperator as B;
    Ok(match B::try_from(op) {
        Ok(B::Add) => "+",
        Ok(B::Sub) => "-",
        Ok(B::Mul) => "*",
        Ok(B::TrueDiv) => "/",
        Ok(B::FloorDiv) => "//",
        Ok(B::Mod) => "%",
        Ok(B::Pow) => "**",
        Ok(B::BitAnd) => "&",
        Ok(B::BitOr) => "|",
        Ok(B::BitXor) => "^",
        Ok(B::Lshift) => "<<",
        Ok(B::Rshift) => ">>",
        _ => return Err(TranslateError::unsupported(format!("binary operator {op}"))),
    })
}

/// The Python spelling of a binary operator (for `Py.inplace`).
pub fn binary_symbol(op: i32) -> Result<&'static str, TranslateError> {
    binary_op(op)
}

fn binary_fn(op: i32) -> Result<&'static str, TranslateError> {
    Ok(match binary_op(op)? {
        "+" => "add",
        "-" => "sub",
        "*" => "mul",
        "/" => "truediv",
        "//" => "floordiv",
        "%" => "mod",
        "**" => "pow",
        "&" => "bitAnd",
        "|" => "bitOr",
        "^" => "bitXor",
        "<<" => "lshift",
        _ => "rshift",
    })
}

fn compare_op(op: i32) -> Result<&'static str, TranslateError> {
    use CompareOperator as C;
    Ok(match C::try_from(op) {
        Ok(C::Eq) => "==",
        Ok(C::Ne) => "!=",
        Ok(C::Lt) => "<",
        Ok(C::Le) => "<=",
        Ok(C::Gt) => ">",
        Ok(C::Ge) => ">=",
        Ok(C::In) => "in",
        Ok(C::NotIn) => "not in",
        Ok(C::Is) => "is",
        Ok(C::IsNot) => "is not",
        _ => {
            return Err(TranslateError::unsupported(format!(
                "comparison operator {op}"
            )));
        }
    })
}

fn builtin_fn(b: i32) -> Result<&'static str, TranslateError> {
    use Builtin as B;
    Ok(match B::try_from(b) {
        Ok(B::Len) => "len",
        Ok(B::Abs) => "abs",
        Ok(B::Min) => "min",
        Ok(B::Max) => "max",
        Ok(B::Sum) => "sum",
        Ok(B::Sorted) => "sorted",
        Ok(B::Str) => "str",
        Ok(B::Int) => "int_",
        Ok(B::Float) => "float_",
        Ok(B::Bool) => "bool_",
        Ok(B::Range) => "range",
        Ok(B::List) => "list",
        Ok(B::Dict) => "dict",
        Ok(B::Tuple) => "tuple",
        Ok(B::Round) => "round",
        Ok(B::Reversed) => "reversed",
        Ok(B::Enumerate) => "enumerate",
        Ok(B::Zip) => "zip",
        Ok(B::Any) => "any",
        Ok(B::All) => "all",
        Ok(B::Repr) => "repr",
        Ok(B::Divmod) => "divmod",
        Ok(B::Pow) => "pow",
        _ => return Err(TranslateError::unsupported(format!("builtin {b}"))),
    })
}

fn boxed<'a, T>(e: &'a Option<Box<T>>, what: &str) -> Result<&'a T, TranslateError> {
    e.as_deref()
        .ok_or_else(|| TranslateError::malformed(format!("{what} missing")))
}

impl MethodCtx<'_> {
    /// An expression whose value is required.
    pub fn expr(&self, e: &Expr) -> Result<String, TranslateError> {
        let kind = e
            .kind
            .as_ref()
            .ok_or_else(|| TranslateError::malformed("expression without kind"))?;
        Ok(match kind {
            expr::Kind::Literal(v) => literal(v)?,
            expr::Kind::Slot(i) => self.read_slot(*i)?,
            expr::Kind::Field(name) => format!("self.get({})", self.field_index(name)?),
            expr::Kind::SelfRef(_) => "self.ref()".into(),
            expr::Kind::Binary(b) => format!(
                "Py.{}({}, {})",
                binary_fn(b.op)?,
                self.expr(boxed(&b.left, "left operand")?)?,
                self.expr(boxed(&b.right, "right operand")?)?
            ),
            expr::Kind::Unary(u) => {
                let f = match UnaryOperator::try_from(u.op) {
                    Ok(UnaryOperator::Neg) => "neg",
                    Ok(UnaryOperator::Pos) => "pos",
                    Ok(UnaryOperator::Not) => "not",
                    Ok(UnaryOperator::Invert) => "invert",
                    _ => {
                        return Err(TranslateError::unsupported(format!(
                            "unary operator {}",
                            u.op
                        )));
                    }
                };
                format!("Py.{f}({})", self.expr(boxed(&u.operand, "operand")?)?)
            }
            expr::Kind::Compare(c) => {
                if c.operands.len() != c.ops.len() + 1 || c.ops.is_empty() {
                    return Err(TranslateError::malformed("comparison operand count"));
                }
                if c.ops.len() == 1 {
                    format!(
                        "Boolean.valueOf(Py.cmp({}, {}, {}))",
                        java_string(compare_op(c.ops[0])?),
                        self.expr(&c.operands[0])?,
                        self.expr(&c.operands[1])?
                    )
                } else {
                    let ops: Result<Vec<_>, _> = c
                        .ops
                        .iter()
                        .map(|o| compare_op(*o).map(java_string))
                        .collect();
                    format!(
                        "Py.chain(new String[] {{{}}}, {})",
                        ops?.join(", "),
                        self.suppliers(&c.operands)?
                    )
                }
            }
            expr::Kind::BoolOp(b) => {
                let f = match BoolOperator::try_from(b.op) {
                    Ok(BoolOperator::And) => "and",
                    Ok(BoolOperator::Or) => "or",
                    _ => {
                        return Err(TranslateError::unsupported(format!(
                            "bool operator {}",
                            b.op
                        )));
                    }
                };
                format!("Py.{f}({})", self.suppliers(&b.values)?)
            }
            expr::Kind::Cond(c) => format!(
                "(Py.truthy({}) ? (Object) {} : (Object) {})",
                self.expr(boxed(&c.cond, "condition")?)?,
                self.expr(boxed(&c.then_value, "then value")?)?,
                self.expr(boxed(&c.else_value, "else value")?)?
            ),
            expr::Kind::Builtin(b) => format!(
                "Builtins.{}({})",
                builtin_fn(b.function)?,
                self.exprs(&b.args)?
            ),
            expr::Kind::Method(m) => {
                let recv = self.expr(boxed(&m.receiver, "receiver")?)?;
                let args = self.exprs(&m.args)?;
                let sep = if args.is_empty() { "" } else { ", " };
                format!(
                    "Methods.call({recv}, {}{sep}{args})",
                    java_string(&m.method)
                )
            }
            expr::Kind::Index(i) => format!(
                "Seq.getItem({}, {})",
                self.expr(boxed(&i.value, "indexed value")?)?,
                self.expr(boxed(&i.index, "index")?)?
            ),
            expr::Kind::Slice(s) => format!(
                "Seq.slice({}, {}, {}, {})",
                self.expr(boxed(&s.value, "sliced value")?)?,
                self.opt_expr(s.lower.as_deref())?,
                self.opt_expr(s.upper.as_deref())?,
                self.opt_expr(s.step.as_deref())?
            ),
            expr::Kind::List(l) => format!("PyList.of({})", self.exprs(&l.items)?),
            expr::Kind::Tuple(t) => format!("new PyTuple({})", self.exprs(&t.items)?),
            expr::Kind::Dict(d) => {
                let mut parts = Vec::new();
                for item in &d.items {
                    let k = item
                        .key
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("dict item key"))?;
                    let v = item
                        .value
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("dict item value"))?;
                    parts.push(self.expr(k)?);
                    parts.push(self.expr(v)?);
                }
                format!("Py.dict({})", parts.join(", "))
            }
            expr::Kind::Fstring(f) => self.fstring(f)?,
        })
    }

    fn opt_expr(&self, e: Option<&Expr>) -> Result<String, TranslateError> {
        e.map_or_else(|| Ok("Py.NONE".into()), |e| self.expr(e))
    }

    /// Comma-separated argument expressions.
    pub fn exprs(&self, es: &[Expr]) -> Result<String, TranslateError> {
        Ok(es
            .iter()
            .map(|e| self.expr(e))
            .collect::<Result<Vec<_>, _>>()?
            .join(", "))
    }

    fn suppliers(&self, es: &[Expr]) -> Result<String, TranslateError> {
        Ok(es
            .iter()
            .map(|e| self.expr(e).map(|j| format!("() -> {j}")))
            .collect::<Result<Vec<_>, _>>()?
            .join(", "))
    }

    /// An f-string as a Java `String` expression.
    pub fn fstring(&self, f: &FormatString) -> Result<String, TranslateError> {
        let mut parts = vec!["\"\"".to_string()];
        for part in &f.parts {
            match part.kind.as_ref() {
                Some(format_part::Kind::Text(t)) => parts.push(java_string(t)),
                Some(format_part::Kind::Value(v)) => {
                    let value = v
                        .value
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("f-string value"))?;
                    let spec = match &v.spec {
                        Some(s) => self.fstring(s)?,
                        None => "\"\"".into(),
                    };
                    parts.push(format!(
                        "PyFormat.formatValue({}, {}, {spec})",
                        self.expr(value)?,
                        v.conversion
                    ));
                }
                None => return Err(TranslateError::malformed("f-string part without kind")),
            }
        }
        if parts.len() > 1 {
            parts.remove(0);
        }
        Ok(format!("({})", parts.join(" + ")))
    }
}
