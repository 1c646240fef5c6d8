//! The one adapter over the Python parser (ruff_python_parser / ruff_python_ast).
//!
//! Everything else in the crate works on the small owned AST defined here, so upgrading the
//! parser touches only this file. Constructs outside the stent subset are kept as
//! `Unsupported` nodes carrying a description, so the checker can report them with a span.

use ruff_python_ast as ast;
use ruff_text_size::{Ranged, TextRange};

use crate::diag::{Diagnostic, Span};

/// Nesting deeper than this is rejected (guards every recursive pass downstream).
pub const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone)]
pub struct Stmt {
    pub span: Span,
    pub kind: StmtKind,
}

#[derive(Debug, Clone)]
pub struct Alias {
    pub name: String,
    pub asname: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub annotation: Option<Expr>,
    pub has_default: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FuncDef {
    pub name: String,
    pub name_span: Span,
    pub is_async: bool,
    pub decorators: Vec<Expr>,
    pub params: Vec<Param>,
    /// `*args`, `**kwargs`, keyword-only or positional-only markers.
    pub variadic: Option<Span>,
    pub returns: Option<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub struct ClassDef {
    pub name: String,
    pub name_span: Span,
    pub decorators: Vec<Expr>,
    pub bases: Vec<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    FunctionDef(Box<FuncDef>),
    ClassDef(Box<ClassDef>),
    Return(Option<Expr>),
    Delete(Vec<Expr>),
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        is_async: bool,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `elif` chains are nested `If`s in `orelse`.
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Import(Vec<Alias>),
    ImportFrom {
        module: String,
        names: Vec<Alias>,
    },
    Expr(Expr),
    Pass,
    Break,
    Continue,
    /// A construct outside the subset, e.g. "`try` statements".
    Unsupported(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    MatMul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Pos,
    Not,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

#[derive(Debug, Clone)]
pub struct Keyword {
    pub name: Option<String>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum FPart {
    Text(String),
    Value {
        expr: Expr,
        conversion: Option<u8>,
        spec: Option<Vec<FPart>>,
    },
}

/// One `for target in iter if cond...` clause of a comprehension.
#[derive(Debug, Clone)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
    pub is_async: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    BoolOp {
        and: bool,
        values: Vec<Expr>,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
    },
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    /// `None` key: a `**mapping` entry.
    Dict(Vec<(Option<Expr>, Expr)>),
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    FString(Vec<FPart>),
    Str(String),
    Int(i64),
    /// An integer literal outside int64.
    BigInt,
    Float(f64),
    Bool(bool),
    None,
    Attribute {
        value: Box<Expr>,
        attr: String,
        attr_span: Span,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Starred(Box<Expr>),
    /// `[elt for ...]`
    ListComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `{key: value for ...}`
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `(elt for ...)`: accepted as the sole argument of a few builtins.
    Generator {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    Unsupported(&'static str),
}

/// Byte offsets to 1-based line/column (columns count Unicode scalar values).
pub struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        for (i, b) in source.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { source, starts }
    }

    fn pos(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.source.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = self
            .source
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line as u32 + 1, col as u32 + 1)
    }

    pub fn span(&self, range: TextRange) -> Span {
        let (line, col) = self.pos(range.start().to_usize());
        let (end_line, end_col) = self.pos(range.end().to_usize());
        Span {
            line,
            col,
            end_line,
            end_col,
        }
    }
}

/// Parses a module. Syntax errors become E001 diagnostics.
pub fn parse(source: &str) -> Result<Vec<Stmt>, Vec<Diagnostic>> {
    let index = LineIndex::new(source);
    match ruff_python_parser::parse_module(source) {
        Ok(parsed) => {
            let module = parsed.into_syntax();
            let mut cx = Converter {
                index: &index,
                depth: 0,
                too_deep: None,
            };
            let stmts = cx.stmts(&module.body);
            if let Some(span) = cx.too_deep {
                return Err(vec![Diagnostic::error(
                    "E002",
                    "the program is nested too deeply",
                    span,
                    "nesting limit reached here",
                )
                .with_hint(format!("stent accepts at most {MAX_DEPTH} levels of nested statements and expressions"))]);
            }
            Ok(stmts)
        }
        Err(err) => {
            let span = index.span(err.location);
            Err(vec![Diagnostic::error(
                "E001",
                format!("syntax error: {}", err.error),
                span,
                "the parser stopped here",
            )])
        }
    }
}

struct Converter<'a, 'b> {
    index: &'b LineIndex<'a>,
    depth: usize,
    too_deep: Option<Span>,
}

impl Converter<'_, '_> {
    fn span(&self, r: TextRange) -> Span {
        self.index.span(r)
    }

    fn stmts(&mut self, body: &[ast::Stmt]) -> Vec<Stmt> {
        body.iter().map(|s| self.stmt(s)).collect()
    }

    fn enter(&mut self, span: Span) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            if self.too_deep.is_none() {
                self.too_deep = Some(span);
            }
            return false;
        }
        true
    }

    fn stmt(&mut self, s: &ast::Stmt) -> Stmt {
        let span = self.span(s.range());
        if !self.enter(span) {
            self.depth -= 1;
            return Stmt {
                span,
                kind: StmtKind::Pass,
            };
        }
        let kind = self.stmt_kind(s);
        self.depth -= 1;
        Stmt { span, kind }
    }

    fn aliases(&self, names: &[ast::Alias]) -> Vec<Alias> {
        names
            .iter()
            .map(|a| Alias {
                name: a.name.id.to_string(),
                asname: a.asname.as_ref().map(|n| n.id.to_string()),
                span: self.span(a.range),
            })
            .collect()
    }

    fn stmt_kind(&mut self, s: &ast::Stmt) -> StmtKind {
        use ast::Stmt as S;
        match s {
            S::FunctionDef(f) => {
                let p = &f.parameters;
                let mut params = Vec::new();
                for pw in p.posonlyargs.iter().chain(p.args.iter()) {
                    params.push(Param {
                        name: pw.parameter.name.id.to_string(),
                        annotation: pw.parameter.annotation.as_deref().map(|e| self.expr(e)),
                        has_default: pw.default.is_some(),
                        span: self.span(pw.range),
                    });
                }
                let variadic = p
                    .vararg
                    .as_ref()
                    .map(|v| v.range)
                    .or(p.kwarg.as_ref().map(|v| v.range))
                    .or(p.kwonlyargs.first().map(|v| v.range))
                    .or(if p.posonlyargs.is_empty() {
                        None
                    } else {
                        Some(p.range)
                    })
                    .map(|r| self.span(r));
                StmtKind::FunctionDef(Box::new(FuncDef {
                    name: f.name.id.to_string(),
                    name_span: self.span(f.name.range),
                    is_async: f.is_async,
                    decorators: f
                        .decorator_list
                        .iter()
                        .map(|d| self.expr(&d.expression))
                        .collect(),
                    params,
                    variadic,
                    returns: f.returns.as_deref().map(|e| self.expr(e)),
                    body: self.stmts(&f.body),
                }))
            }
            S::ClassDef(c) => StmtKind::ClassDef(Box::new(ClassDef {
                name: c.name.id.to_string(),
                name_span: self.span(c.name.range),
                decorators: c
                    .decorator_list
                    .iter()
                    .map(|d| self.expr(&d.expression))
                    .collect(),
                bases: c
                    .arguments
                    .as_ref()
                    .map(|a| a.args.iter().map(|e| self.expr(e)).collect())
                    .unwrap_or_default(),
                body: self.stmts(&c.body),
            })),
            S::Return(r) => StmtKind::Return(r.value.as_deref().map(|e| self.expr(e))),
            S::Delete(d) => StmtKind::Delete(d.targets.iter().map(|e| self.expr(e)).collect()),
            S::Assign(a) => StmtKind::Assign {
                targets: a.targets.iter().map(|e| self.expr(e)).collect(),
                value: self.expr(&a.value),
            },
            S::AugAssign(a) => StmtKind::AugAssign {
                target: self.expr(&a.target),
                op: binop(a.op),
                value: self.expr(&a.value),
            },
            S::AnnAssign(a) => StmtKind::AnnAssign {
                target: self.expr(&a.target),
                annotation: self.expr(&a.annotation),
                value: a.value.as_deref().map(|e| self.expr(e)),
            },
            S::For(f) => StmtKind::For {
                target: self.expr(&f.target),
                iter: self.expr(&f.iter),
                body: self.stmts(&f.body),
                orelse: self.stmts(&f.orelse),
                is_async: f.is_async,
            },
            S::While(w) => StmtKind::While {
                test: self.expr(&w.test),
                body: self.stmts(&w.body),
                orelse: self.stmts(&w.orelse),
            },
            S::If(i) => {
                // Fold `elif`/`else` clauses from the back into nested ifs.
                let mut orelse: Vec<Stmt> = Vec::new();
                for clause in i.elif_else_clauses.iter().rev() {
                    let body = self.stmts(&clause.body);
                    match &clause.test {
                        Some(test) => {
                            let span = self.span(clause.range);
                            let test = self.expr(test);
                            orelse = vec![Stmt {
                                span,
                                kind: StmtKind::If { test, body, orelse },
                            }];
                        }
                        None => orelse = body,
                    }
                }
                StmtKind::If {
                    test: self.expr(&i.test),
                    body: self.stmts(&i.body),
                    orelse,
                }
            }
            S::Raise(r) => StmtKind::Raise {
                exc: r.exc.as_deref().map(|e| self.expr(e)),
                cause: r.cause.as_deref().map(|e| self.expr(e)),
            },
            S::Assert(a) => StmtKind::Assert {
                test: self.expr(&a.test),
                msg: a.msg.as_deref().map(|e| self.expr(e)),
            },
            S::Import(i) => StmtKind::Import(self.aliases(&i.names)),
            S::ImportFrom(i) => StmtKind::ImportFrom {
                module: format!(
                    "{}{}",
                    ".".repeat(i.level as usize),
                    i.module.as_ref().map(|m| m.id.as_str()).unwrap_or("")
                ),
                names: self.aliases(&i.names),
            },
            S::Expr(e) => StmtKind::Expr(self.expr(&e.value)),
            S::Pass(_) => StmtKind::Pass,
            S::Break(_) => StmtKind::Break,
            S::Continue(_) => StmtKind::Continue,
            S::Try(_) => StmtKind::Unsupported("`try`/`except` statements"),
            S::With(_) => StmtKind::Unsupported("`with` statements"),
            S::Match(_) => StmtKind::Unsupported("`match` statements"),
            S::Global(_) => StmtKind::Unsupported("`global` declarations"),
            S::Nonlocal(_) => StmtKind::Unsupported("`nonlocal` declarations"),
            S::TypeAlias(_) => StmtKind::Unsupported("`type` alias statements"),
            S::IpyEscapeCommand(_) => StmtKind::Unsupported("IPython escape commands"),
        }
    }

    fn boxed(&mut self, e: &ast::Expr) -> Box<Expr> {
        Box::new(self.expr(e))
    }

    pub fn expr(&mut self, e: &ast::Expr) -> Expr {
        let span = self.span(e.range());
        if !self.enter(span) {
            self.depth -= 1;
            return Expr {
                span,
                kind: ExprKind::None,
            };
        }
        let kind = self.expr_kind(e);
        self.depth -= 1;
        Expr { span, kind }
    }

    fn fparts(&mut self, elements: &ast::InterpolatedStringElements, out: &mut Vec<FPart>) {
        for el in elements.iter() {
            match el {
                ast::InterpolatedStringElement::Literal(l) => push_text(out, &l.value),
                ast::InterpolatedStringElement::Interpolation(i) => {
                    let expr = if i.debug_text.is_some() {
                        let span = self.span(i.range);
                        Expr {
                            span,
                            kind: ExprKind::Unsupported("`=` self-documenting f-string fields"),
                        }
                    } else {
                        self.expr(&i.expression)
                    };
                    let spec = i.format_spec.as_ref().map(|s| {
                        let mut parts = Vec::new();
                        self.fparts(&s.elements, &mut parts);
                        parts
                    });
                    out.push(FPart::Value {
                        expr,
                        conversion: i.conversion.to_byte(),
                        spec,
                    });
                }
            }
        }
    }

    fn expr_kind(&mut self, e: &ast::Expr) -> ExprKind {
        use ast::Expr as E;
        match e {
            E::BoolOp(b) => ExprKind::BoolOp {
                and: matches!(b.op, ast::BoolOp::And),
                values: b.values.iter().map(|v| self.expr(v)).collect(),
            },
            E::BinOp(b) => ExprKind::BinOp {
                left: self.boxed(&b.left),
                op: binop(b.op),
                right: self.boxed(&b.right),
            },
            E::UnaryOp(u) => ExprKind::Unary {
                op: match u.op {
                    ast::UnaryOp::Invert => UnOp::Invert,
                    ast::UnaryOp::Not => UnOp::Not,
                    ast::UnaryOp::UAdd => UnOp::Pos,
                    ast::UnaryOp::USub => UnOp::Neg,
                },
                operand: self.boxed(&u.operand),
            },
            E::If(i) => ExprKind::IfExp {
                test: self.boxed(&i.test),
                body: self.boxed(&i.body),
                orelse: self.boxed(&i.orelse),
            },
            E::Dict(d) => ExprKind::Dict(
                d.items
                    .iter()
                    .map(|it| (it.key.as_ref().map(|k| self.expr(k)), self.expr(&it.value)))
                    .collect(),
            ),
            E::Compare(c) => ExprKind::Compare {
                left: self.boxed(&c.left),
                ops: c.ops.iter().map(|o| cmpop(*o)).collect(),
                comparators: c.comparators.iter().map(|x| self.expr(x)).collect(),
            },
            E::Call(c) => ExprKind::Call {
                func: self.boxed(&c.func),
                args: c.arguments.args.iter().map(|a| self.expr(a)).collect(),
                keywords: c
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| Keyword {
                        name: k.arg.as_ref().map(|a| a.id.to_string()),
                        value: self.expr(&k.value),
                        span: self.span(k.range),
                    })
                    .collect(),
            },
            E::FString(f) => {
                let mut parts = Vec::new();
                for part in f.value.iter() {
                    match part {
                        ast::FStringPart::Literal(l) => push_text(&mut parts, &l.value),
                        ast::FStringPart::FString(fs) => self.fparts(&fs.elements, &mut parts),
                    }
                }
                ExprKind::FString(parts)
            }
            E::StringLiteral(s) => ExprKind::Str(s.value.to_str().to_string()),
            E::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => match i.as_i64() {
                    Some(v) => ExprKind::Int(v),
                    None => ExprKind::BigInt,
                },
                ast::Number::Float(f) => ExprKind::Float(*f),
                ast::Number::Complex { .. } => ExprKind::Unsupported("complex numbers"),
            },
            E::BooleanLiteral(b) => ExprKind::Bool(b.value),
            E::NoneLiteral(_) => ExprKind::None,
            E::Attribute(a) => ExprKind::Attribute {
                value: self.boxed(&a.value),
                attr: a.attr.id.to_string(),
                attr_span: self.span(a.attr.range),
            },
            E::Subscript(s) => ExprKind::Subscript {
                value: self.boxed(&s.value),
                index: self.boxed(&s.slice),
            },
            E::Slice(s) => ExprKind::Slice {
                lower: s.lower.as_deref().map(|x| self.boxed(x)),
                upper: s.upper.as_deref().map(|x| self.boxed(x)),
                step: s.step.as_deref().map(|x| self.boxed(x)),
            },
            E::Name(n) => ExprKind::Name(n.id.to_string()),
            E::List(l) => ExprKind::List(l.elts.iter().map(|x| self.expr(x)).collect()),
            E::Tuple(t) => ExprKind::Tuple(t.elts.iter().map(|x| self.expr(x)).collect()),
            E::Starred(s) => ExprKind::Starred(self.boxed(&s.value)),
            E::Named(_) => ExprKind::Unsupported("assignment expressions (`:=`)"),
            E::Lambda(_) => ExprKind::Unsupported("lambdas"),
            E::Set(_) => ExprKind::Unsupported("sets"),
            E::ListComp(c) => ExprKind::ListComp {
                elt: self.boxed(&c.elt),
                generators: self.comprehensions(&c.generators),
            },
            E::SetComp(_) => ExprKind::Unsupported("set comprehensions"),
            E::DictComp(c) => match &c.key {
                None => ExprKind::Unsupported("`**` in dict comprehensions"),
                Some(key) => ExprKind::DictComp {
                    key: self.boxed(key),
                    value: self.boxed(&c.value),
                    generators: self.comprehensions(&c.generators),
                },
            },
            E::Generator(g) => ExprKind::Generator {
                elt: self.boxed(&g.elt),
                generators: self.comprehensions(&g.generators),
            },
            E::Await(_) => ExprKind::Unsupported("`await`"),
            E::Yield(_) | E::YieldFrom(_) => ExprKind::Unsupported("`yield` (generators)"),
            E::TString(_) => ExprKind::Unsupported("template strings"),
            E::BytesLiteral(_) => ExprKind::Unsupported("bytes literals"),
            E::EllipsisLiteral(_) => ExprKind::Unsupported("`...` (Ellipsis)"),
            E::IpyEscapeCommand(_) => ExprKind::Unsupported("IPython escape commands"),
        }
    }
}

impl Converter<'_, '_> {
    fn comprehensions(&mut self, gens: &[ast::Comprehension]) -> Vec<Comprehension> {
        gens.iter()
            .map(|g| Comprehension {
                target: self.expr(&g.target),
                iter: self.expr(&g.iter),
                ifs: g.ifs.iter().map(|c| self.expr(c)).collect(),
                is_async: g.is_async,
                span: self.span(g.range),
            })
            .collect()
    }
}

fn push_text(out: &mut Vec<FPart>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(FPart::Text(prev)) = out.last_mut() {
        prev.push_str(text);
    } else {
        out.push(FPart::Text(text.to_string()));
    }
}

fn binop(op: ast::Operator) -> BinOp {
    use ast::Operator as O;
    match op {
        O::Add => BinOp::Add,
        O::Sub => BinOp::Sub,
        O::Mult => BinOp::Mul,
        O::MatMult => BinOp::MatMul,
        O::Div => BinOp::Div,
        O::Mod => BinOp::Mod,
        O::Pow => BinOp::Pow,
        O::LShift => BinOp::LShift,
        O::RShift => BinOp::RShift,
        O::BitOr => BinOp::BitOr,
        O::BitXor => BinOp::BitXor,
        O::BitAnd => BinOp::BitAnd,
        O::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmpop(op: ast::CmpOp) -> CmpOp {
    use ast::CmpOp as C;
    match op {
        C::Eq => CmpOp::Eq,
        C::NotEq => CmpOp::NotEq,
        C::Lt => CmpOp::Lt,
        C::LtE => CmpOp::LtE,
        C::Gt => CmpOp::Gt,
        C::GtE => CmpOp::GtE,
        C::Is => CmpOp::Is,
        C::IsNot => CmpOp::IsNot,
        C::In => CmpOp::In,
        C::NotIn => CmpOp::NotIn,
    }
}

/// Parses a string annotation (`"User"`, `"Optional[Odd]"`) into an expression whose spans all
/// point at the string literal.
pub fn parse_annotation_string(text: &str, span: Span) -> Option<Expr> {
    let parsed = ruff_python_parser::parse_expression(text).ok()?;
    let index = LineIndex::new(text);
    let mut cx = Converter {
        index: &index,
        depth: 0,
        too_deep: None,
    };
    let mut e = cx.expr(parsed.expr());
    if cx.too_deep.is_some() {
        return None;
    }
    respan(&mut e, span, 0);
    Some(e)
}

fn respan(e: &mut Expr, span: Span, depth: usize) {
    e.span = span;
    if depth > MAX_DEPTH {
        return;
    }
    match &mut e.kind {
        ExprKind::Subscript { value, index } => {
            respan(value, span, depth + 1);
            respan(index, span, depth + 1);
        }
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                respan(i, span, depth + 1)
            }
        }
        ExprKind::Attribute {
            value, attr_span, ..
        } => {
            *attr_span = span;
            respan(value, span, depth + 1)
        }
        ExprKind::BinOp { left, right, .. } => {
            respan(left, span, depth + 1);
            respan(right, span, depth + 1);
        }
        _ => {}
    }
}

pub use crate::walk::{children, expr_names, used_names};
