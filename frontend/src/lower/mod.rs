//! Pass `lower`: method bodies to the control-flow graphs of body.proto.
//!
//! Expressions never suspend in the IR, so every remote call, remote read and self call becomes
//! an Invoke/RemoteGet terminator. Operands to the left of a suspending operand are spilled to
//! temporaries first, which keeps Python's left-to-right evaluation order. Whether an expression
//! suspends is found by lowering it speculatively and rolling the builder back (cached per node).

pub(crate) mod call;
mod comp;
mod expr;
mod loops;
mod stmt;

use std::collections::HashMap;

use stent_ir::v1::{
    self as ir, Block, Body, Slot, SlotKind, Type, expr::Kind as EK, stmt::Kind as SK,
    terminator::Kind as TK,
};

use crate::diag::{Diagnostic, Span};
use crate::resolve::{EntityInfo, Model, Sig};
use crate::syntax::{self, ExprKind, StmtKind};
use crate::types as t;

/// Types of every method's result, by (entity, method); refined between lowering rounds.
pub type ReturnTypes = HashMap<(String, String), Type>;

pub struct Lowered {
    pub body: Body,
    pub returns: Type,
    pub diags: Vec<Diagnostic>,
    pub local_types: HashMap<String, Type>,
}

struct LoopCx {
    continue_to: u32,
    break_to: u32,
}

pub(crate) struct Lowerer<'m, 'a> {
    model: &'m Model<'a>,
    ent: &'m EntityInfo<'a>,
    is_init: bool,
    rets: &'m ReturnTypes,
    slots: Vec<Slot>,
    locals: HashMap<String, u32>,
    local_hints: HashMap<String, Type>,
    local_ann: HashMap<String, Type>,
    blocks: Vec<Block>,
    cur: usize,
    loops: Vec<LoopCx>,
    diags: Vec<Diagnostic>,
    returns: Vec<Type>,
    suspends_cache: HashMap<usize, bool>,
    depth: usize,
    typed: std::collections::HashSet<u32>,
    /// Slots of comprehension variables (temporaries typed like locals).
    comp_vars: std::collections::HashSet<u32>,
}

struct Checkpoint {
    blocks: usize,
    cur: usize,
    stmts: usize,
    slots: usize,
    diags: usize,
    returns: usize,
}

pub fn lower_method(
    model: &Model,
    ent: &EntityInfo,
    sig: &Sig,
    is_init: bool,
    rets: &ReturnTypes,
    hints: HashMap<String, Type>,
) -> Lowered {
    let mut l = Lowerer {
        model,
        ent,
        is_init,
        rets,
        slots: Vec::new(),
        locals: HashMap::new(),
        local_hints: hints,
        local_ann: HashMap::new(),
        blocks: Vec::new(),
        cur: 0,
        loops: Vec::new(),
        diags: Vec::new(),
        returns: Vec::new(),
        suspends_cache: HashMap::new(),
        depth: 0,
        typed: Default::default(),
        comp_vars: Default::default(),
    };
    for p in &sig.params {
        if l.locals.contains_key(&p.name) {
            l.diags.push(Diagnostic::error(
                "E037",
                format!("duplicate parameter `{}`", p.name),
                p.span,
                "repeated",
            ));
        }
        let id = l.add_slot(&p.name, p.ty.clone(), SlotKind::Param);
        l.locals.insert(p.name.clone(), id);
    }
    let mut names = Vec::new();
    assigned_names(&sig.def.body, &mut names, &mut l.local_ann);
    for n in names {
        if n == "self" {
            continue;
        }
        if !l.locals.contains_key(&n) {
            let ty = l
                .local_ann
                .get(&n)
                .or(l.local_hints.get(&n))
                .cloned()
                .unwrap_or_else(t::any);
            let id = l.add_slot(&n, ty, SlotKind::Local);
            l.locals.insert(n, id);
        }
    }
    l.new_block();
    l.stmts(&sig.def.body);
    // Only reachable blocks that fall off the end return None (and count for inference);
    // the dead blocks opened after `return`/`raise`/`break` are removed by `simplify`.
    let live = crate::simplify::reachable(&l.blocks);
    for (b, live) in l.blocks.iter_mut().zip(live) {
        if b.terminator.is_none() {
            b.terminator = Some(ir::Terminator {
                span: b.span,
                kind: Some(TK::Return(ir::Return {
                    value: Some(lit_none(b.span.map(Span::from).unwrap_or_default())),
                })),
            });
            if !is_init && live {
                // Falling off the end returns None.
                l.returns.push(t::none());
            }
        }
    }
    let returns = match &sig.declared {
        Some(d) => d.clone(),
        None => {
            let mut it = l.returns.iter();
            match it.next() {
                None => t::none(),
                Some(first) => it.fold(first.clone(), |acc, x| t::join(&acc, x)),
            }
        }
    };
    let local_types = l
        .slots
        .iter()
        .filter(|s| s.kind == SlotKind::Local as i32)
        .map(|s| (s.name.clone(), s.r#type.clone().unwrap_or_else(t::any)))
        .collect();
    Lowered {
        body: Body {
            slots: l.slots,
            blocks: l.blocks,
        },
        returns,
        diags: l.diags,
        local_types,
    }
}

/// Names assigned anywhere in the body (Python's local-scope rule), in first-assignment order.
fn assigned_names(stmts: &[syntax::Stmt], out: &mut Vec<String>, ann: &mut HashMap<String, Type>) {
    fn target(e: &syntax::Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Name(n) if !out.contains(n) => out.push(n.clone()),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().for_each(|i| target(i, out))
            }
            ExprKind::Starred(v) => target(v, out),
            _ => {}
        }
    }
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { targets, .. } => targets.iter().for_each(|e| target(e, out)),
            StmtKind::AugAssign { target: e, .. } => target(e, out),
            StmtKind::AnnAssign { target: e, .. } => target(e, out),
            StmtKind::For {
                target: e,
                body,
                orelse,
                ..
            } => {
                target(e, out);
                assigned_names(body, out, ann);
                assigned_names(orelse, out, ann);
            }
            StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
                assigned_names(body, out, ann);
                assigned_names(orelse, out, ann);
            }
            _ => {}
        }
    }
    let _ = ann;
}

pub(crate) fn lit(v: ir::value::Kind, ty: Type, span: Span) -> ir::Expr {
    mk(EK::Literal(ir::Value { kind: Some(v) }), ty, span)
}

pub(crate) fn lit_none(span: Span) -> ir::Expr {
    lit(ir::value::Kind::None(ir::NoneValue {}), t::none(), span)
}

/// The value of an expression that already has an error: typed ANY to avoid cascades.
pub(crate) fn poison(span: Span) -> ir::Expr {
    lit(ir::value::Kind::None(ir::NoneValue {}), t::any(), span)
}

pub(crate) fn mk(kind: EK, ty: Type, span: Span) -> ir::Expr {
    ir::Expr {
        r#type: Some(ty),
        span: Some(span.into()),
        kind: Some(kind),
    }
}

pub(crate) fn ty_of(e: &ir::Expr) -> Type {
    e.r#type.clone().unwrap_or_else(t::any)
}

pub(crate) fn span_of(e: &ir::Expr) -> Span {
    e.span.map(Span::from).unwrap_or_default()
}

impl<'m, 'a> Lowerer<'m, 'a> {
    fn add_slot(&mut self, name: &str, ty: Type, kind: SlotKind) -> u32 {
        self.slots.push(Slot {
            name: name.to_string(),
            r#type: Some(ty),
            kind: kind as i32,
        });
        (self.slots.len() - 1) as u32
    }

    pub(crate) fn temp(&mut self, ty: Type) -> u32 {
        let n = format!("$t{}", self.slots.len());
        self.add_slot(&n, ty, SlotKind::Temp)
    }

    pub(crate) fn new_block(&mut self) -> u32 {
        let id = self.blocks.len() as u32;
        self.blocks.push(Block {
            id,
            stmts: Vec::new(),
            terminator: None,
            span: None,
        });
        id
    }

    pub(crate) fn err(
        &mut self,
        code: &'static str,
        msg: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, msg, span, label).with_hint(hint));
    }

    pub(crate) fn emit(&mut self, kind: SK, span: Span) {
        if let Some(b) = self.blocks.get_mut(self.cur) {
            if b.span.is_none() {
                b.span = Some(span.into());
            }
            b.stmts.push(ir::Stmt {
                span: Some(span.into()),
                kind: Some(kind),
            });
        }
    }

    /// Ends the current block; later code goes to a fresh block.
    pub(crate) fn terminate(&mut self, kind: TK, span: Span) {
        if let Some(b) = self.blocks.get_mut(self.cur) {
            if b.span.is_none() {
                b.span = Some(span.into());
            }
            if b.terminator.is_none() {
                b.terminator = Some(ir::Terminator {
                    span: Some(span.into()),
                    kind: Some(kind),
                });
            }
        }
    }

    pub(crate) fn goto(&mut self, target: u32, span: Span) {
        self.terminate(TK::Goto(target), span);
    }

    pub(crate) fn switch_to(&mut self, b: u32) {
        self.cur = b as usize;
    }

    /// After a jump: following (dead) code goes into a fresh unreachable block.
    pub(crate) fn dead_block(&mut self) {
        let b = self.new_block();
        self.switch_to(b);
    }

    pub(crate) fn assign_slot(&mut self, slot: u32, value: ir::Expr, span: Span) {
        self.emit(
            SK::Assign(ir::Assign {
                target: Some(ir::AssignTarget {
                    kind: Some(ir::assign_target::Kind::Slot(slot)),
                }),
                value: Some(value),
            }),
            span,
        );
    }

    /// Evaluates `e` into a temporary now, unless reading it later gives the same value.
    pub(crate) fn spill(&mut self, e: ir::Expr) -> ir::Expr {
        match &e.kind {
            Some(EK::Literal(_)) | Some(EK::SelfRef(_)) => e,
            Some(EK::Slot(s))
                if self
                    .slots
                    .get(*s as usize)
                    .is_some_and(|s| s.kind != SlotKind::Local as i32) =>
            {
                e
            }
            _ => {
                let ty = ty_of(&e);
                let span = span_of(&e);
                let tmp = self.temp(ty.clone());
                self.assign_slot(tmp, e, span);
                mk(EK::Slot(tmp), ty, span)
            }
        }
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            blocks: self.blocks.len(),
            cur: self.cur,
            stmts: self
                .blocks
                .get(self.cur)
                .map(|b| b.stmts.len())
                .unwrap_or(0),
            slots: self.slots.len(),
            diags: self.diags.len(),
            returns: self.returns.len(),
        }
    }

    fn rollback(&mut self, c: Checkpoint) {
        self.blocks.truncate(c.blocks);
        self.cur = c.cur;
        if let Some(b) = self.blocks.get_mut(c.cur) {
            b.stmts.truncate(c.stmts);
            b.terminator = None;
        }
        self.slots.truncate(c.slots);
        self.diags.truncate(c.diags);
        self.returns.truncate(c.returns);
    }

    /// Whether lowering `e` creates blocks (a call, a remote read, or control flow around them).
    pub(crate) fn suspends(&mut self, e: &syntax::Expr) -> bool {
        let key = e as *const syntax::Expr as usize;
        if let Some(&b) = self.suspends_cache.get(&key) {
            return b;
        }
        let cp = self.checkpoint();
        let before = self.blocks.len();
        let _ = self.expr(e);
        let result = self.blocks.len() != before;
        self.rollback(cp);
        self.suspends_cache.insert(key, result);
        result
    }

    /// Lowers expressions in order, spilling each one that a later one could invalidate.
    pub(crate) fn seq(&mut self, es: &[&syntax::Expr]) -> Vec<ir::Expr> {
        let mut out = Vec::with_capacity(es.len());
        for (i, e) in es.iter().enumerate() {
            let later = es[i + 1..].iter().any(|x| self.suspends(x));
            let v = self.expr(e);
            out.push(if later { self.spill(v) } else { v });
        }
        out
    }

    pub(crate) fn field_type(&self, name: &str) -> Option<Type> {
        self.ent.field(name).map(|f| f.ty.clone())
    }

    pub(crate) fn ret_type(&self, entity: &str, method: &str) -> Type {
        self.rets
            .get(&(entity.to_string(), method.to_string()))
            .cloned()
            .unwrap_or_else(t::any)
    }
}
