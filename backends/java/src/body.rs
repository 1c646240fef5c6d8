//! Method bodies: each IR block becomes a `case` of a `switch (f.block)` inside a loop, so a
//! frame suspended at a remote call or read resumes at any block from its continuation frame.

use std::fmt::Write as _;

use stent_ir::v1::{
    AssignTarget, Block, EntityType, Method, SlotKind, Stmt, Terminator, assign_target, invoke,
    stmt, terminator,
};

use crate::TranslateError;
use crate::expr::{binary_symbol, java_string};

/// What translating one method needs to know.
pub struct MethodCtx<'a> {
    pub entity: &'a EntityType,
    pub method: &'a Method,
}

const INDENT: &str = "                    ";

impl MethodCtx<'_> {
    fn slot_count(&self) -> usize {
        self.method.body.as_ref().map_or(0, |b| b.slots.len())
    }

    pub fn read_slot(&self, i: u32) -> Result<String, TranslateError> {
        let body = self
            .method
            .body
            .as_ref()
            .ok_or_else(|| TranslateError::malformed("method without body"))?;
        let slot = body.slots.get(i as usize).ok_or_else(|| {
            TranslateError::malformed(format!("slot {i} out of range in {}", self.method.name))
        })?;
        Ok(if slot.kind == SlotKind::Local as i32 {
            format!("Py.local(s[{i}], {})", java_string(&slot.name))
        } else {
            format!("s[{i}]")
        })
    }

    pub fn field_index(&self, name: &str) -> Result<usize, TranslateError> {
        self.entity
            .fields
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| {
                TranslateError::malformed(format!("{} has no field {name}", self.entity.name))
            })
    }

    /// The `case` arms of the method's block switch.
    pub fn cases(&self) -> Result<String, TranslateError> {
        let body = self
            .method
            .body
            .as_ref()
            .ok_or_else(|| TranslateError::malformed("method without body"))?;
        let mut out = String::new();
        for (i, block) in body.blocks.iter().enumerate() {
            if block.id as usize != i {
                return Err(TranslateError::malformed(format!(
                    "block {i} has id {}",
                    block.id
                )));
            }
            self.block(block, &mut out)?;
        }
        Ok(out)
    }

    fn block(&self, block: &Block, out: &mut String) -> Result<(), TranslateError> {
        let _ = writeln!(out, "                case {}: {{", block.id);
        let mut fresh = 0;
        for s in &block.stmts {
            self.stmt(s, out, &mut fresh)?;
        }
        let term = block
            .terminator
            .as_ref()
            .ok_or_else(|| TranslateError::malformed("block without terminator"))?;
        self.terminator(term, out)?;
        let _ = writeln!(out, "                }}");
        Ok(())
    }

    fn stmt(&self, s: &Stmt, out: &mut String, fresh: &mut usize) -> Result<(), TranslateError> {
        let kind = s
            .kind
            .as_ref()
            .ok_or_else(|| TranslateError::malformed("statement without kind"))?;
        match kind {
            stmt::Kind::Assign(a) => {
                let value = a
                    .value
                    .as_ref()
                    .ok_or_else(|| TranslateError::malformed("assignment without value"))?;
                let target = a
                    .target
                    .as_ref()
                    .ok_or_else(|| TranslateError::malformed("assignment without target"))?;
                let v = self.expr(value)?;
                self.assign(target, v, out, fresh)?;
            }
            stmt::Kind::AugAssign(a) => {
                let value = a
                    .value
                    .as_ref()
                    .ok_or_else(|| TranslateError::malformed("aug-assignment without value"))?;
                let target = a.target.as_ref().and_then(|t| t.kind.as_ref());
                let op = java_string(binary_symbol(a.op)?);
                let v = self.expr(value)?;
                match target {
                    Some(assign_target::Kind::Slot(i)) => {
                        let _ = writeln!(
                            out,
                            "{INDENT}s[{i}] = Py.inplace({op}, {}, {v});",
                            self.read_slot(*i)?
                        );
                    }
                    Some(assign_target::Kind::Field(name)) => {
                        let idx = self.field_index(name)?;
                        let _ = writeln!(
                            out,
                            "{INDENT}self.fields[{idx}] = Py.inplace({op}, self.get({idx}), {v});"
                        );
                    }
                    Some(assign_target::Kind::Subscript(sub)) => {
                        let n = next(fresh);
                        let c =
                            self.expr(sub.container.as_ref().ok_or_else(|| {
                                TranslateError::malformed("subscript container")
                            })?)?;
                        let k = self.expr(
                            sub.index
                                .as_ref()
                                .ok_or_else(|| TranslateError::malformed("subscript index"))?,
                        )?;
                        let _ = writeln!(
                            out,
                            "{INDENT}{{ Object c{n} = {c}; Object k{n} = {k}; \
                             Seq.setItem(c{n}, k{n}, Py.inplace({op}, Seq.getItem(c{n}, k{n}), {v})); }}"
                        );
                    }
                    _ => return Err(TranslateError::unsupported("augmented assignment target")),
                }
            }
            stmt::Kind::Expr(e) => {
                let _ = writeln!(out, "{INDENT}Py.discard({});", self.expr(e)?);
            }
            stmt::Kind::DelItem(d) => {
                let c = self.expr(
                    d.container
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("del container"))?,
                )?;
                let k = self.expr(
                    d.index
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("del index"))?,
                )?;
                let _ = writeln!(out, "{INDENT}Seq.delItem({c}, {k});");
            }
            stmt::Kind::Print(p) => {
                let parts: Result<Vec<_>, _> = p
                    .args
                    .iter()
                    .map(|a| self.expr(a).map(|j| format!("PyFormat.str({j})")))
                    .collect();
                let parts = parts?;
                let line = if parts.is_empty() {
                    "\"\"".to_string()
                } else {
                    parts.join(" + \" \" + ")
                };
                let _ = writeln!(out, "{INDENT}Frame.print({line});");
            }
        }
        Ok(())
    }

    /// Stores the Java expression `value` into `target` (Python evaluates the value first).
    fn assign(
        &self,
        target: &AssignTarget,
        value: String,
        out: &mut String,
        fresh: &mut usize,
    ) -> Result<(), TranslateError> {
        match target.kind.as_ref() {
            Some(assign_target::Kind::Slot(i)) => {
                if *i as usize >= self.slot_count() {
                    return Err(TranslateError::malformed(format!("slot {i} out of range")));
                }
                let _ = writeln!(out, "{INDENT}s[{i}] = {value};");
            }
            Some(assign_target::Kind::Field(name)) => {
                let _ = writeln!(
                    out,
                    "{INDENT}self.fields[{}] = {value};",
                    self.field_index(name)?
                );
            }
            Some(assign_target::Kind::Subscript(sub)) => {
                let n = next(fresh);
                let c = self.expr(
                    sub.container
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("subscript container"))?,
                )?;
                let k = self.expr(
                    sub.index
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("subscript index"))?,
                )?;
                let _ = writeln!(
                    out,
                    "{INDENT}{{ Object v{n} = {value}; Seq.setItem({c}, {k}, v{n}); }}"
                );
            }
            Some(assign_target::Kind::Unpack(list)) => {
                let n = next(fresh);
                let _ = writeln!(
                    out,
                    "{INDENT}Object[] u{n} = Py.unpack({value}, {});",
                    list.targets.len()
                );
                for (i, t) in list.targets.iter().enumerate() {
                    self.assign(t, format!("u{n}[{i}]"), out, fresh)?;
                }
            }
            None => return Err(TranslateError::malformed("assignment target without kind")),
        }
        Ok(())
    }

    fn terminator(&self, t: &Terminator, out: &mut String) -> Result<(), TranslateError> {
        let kind = t
            .kind
            .as_ref()
            .ok_or_else(|| TranslateError::malformed("terminator without kind"))?;
        match kind {
            terminator::Kind::Goto(b) => {
                let _ = writeln!(out, "{INDENT}f.block = {b};\n{INDENT}continue;");
            }
            terminator::Kind::Branch(b) => {
                let c = self.expr(
                    b.cond
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("branch condition"))?,
                )?;
                let _ = writeln!(
                    out,
                    "{INDENT}f.block = Py.truthy({c}) ? {} : {};\n{INDENT}continue;",
                    b.then_block, b.else_block
                );
            }
            terminator::Kind::Return(r) => {
                let v = match &r.value {
                    Some(v) => self.expr(v)?,
                    None => "Py.NONE".into(),
                };
                let _ = writeln!(out, "{INDENT}return Step.ret({v});");
            }
            terminator::Kind::Raise(r) => {
                let msg = match &r.message {
                    Some(m) => format!("PyFormat.str({})", self.expr(m)?),
                    None => "\"\"".into(),
                };
                let _ = writeln!(
                    out,
                    "{INDENT}throw PyException.of({}, {msg});",
                    java_string(&r.exception)
                );
            }
            terminator::Kind::Invoke(inv) => {
                let args = self.exprs(&inv.args)?;
                let sep = if args.is_empty() { "" } else { ", " };
                let call = match inv.callee.as_ref() {
                    Some(invoke::Callee::SelfCall(_)) => format!(
                        "Step.selfCall({}, {}{sep}{args})",
                        java_string(&inv.entity),
                        java_string(&inv.method)
                    ),
                    Some(invoke::Callee::Target(target)) => format!(
                        "Step.call({}, {}, {}{sep}{args})",
                        self.expr(target)?,
                        java_string(&inv.entity),
                        java_string(&inv.method)
                    ),
                    None => return Err(TranslateError::malformed("invoke without callee")),
                };
                let _ = writeln!(
                    out,
                    "{INDENT}f.suspend({}, {});\n{INDENT}return {call};",
                    inv.resume_block, inv.result_slot
                );
            }
            terminator::Kind::RemoteGet(g) => {
                let target = self.expr(
                    g.target
                        .as_ref()
                        .ok_or_else(|| TranslateError::malformed("remote get target"))?,
                )?;
                let _ = writeln!(
                    out,
                    "{INDENT}f.suspend({}, {});\n{INDENT}return Step.get({target}, {}, {});",
                    g.resume_block,
                    g.result_slot,
                    java_string(&g.entity),
                    java_string(&g.field)
                );
            }
        }
        Ok(())
    }
}

fn next(fresh: &mut usize) -> usize {
    *fresh += 1;
    *fresh
}
