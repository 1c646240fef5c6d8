//! Python source to stent IR: parsing, checking, lowering, analyses, diagnostics.
//!
//! The driver runs named passes in a fixed order:
//!
//! 1. `parse`    — [`syntax`]: the one adapter over ruff's parser, into a small owned AST.
//! 2. `collect`  — [`collect`]: entity classes, exception classes, imports.
//! 3. `resolve`  — [`resolve`]: annotations to types, fields, keys, method signatures.
//! 4. `lower`    — [`lower`]: method bodies to CFGs (with the subset checks on the way);
//!    repeated until inferred return types are stable.
//! 5. `analyze`  — [`analysis`]: possibly-unbound locals, effects, call graph (Tarjan SCCs),
//!    dataflow graph.
//! 6. `validate` — `stent_ir::validate` on the result; a problem is an internal compiler error.

pub mod analysis;
pub mod collect;
pub mod diag;
pub mod lower;
pub mod resolve;
pub mod syntax;
pub mod types;
pub mod walk;

use std::collections::HashMap;

pub use diag::{Diagnostic, Severity, Span};
use stent_ir::v1;

/// A successfully compiled program and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub program: v1::Program,
    pub warnings: Vec<Diagnostic>,
}

/// Compiles Python source to the IR. `Err` holds at least one error (plus any warnings).
pub fn compile(path: &str, source: &str) -> Result<Compilation, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let module = match syntax::parse(source) {
        Ok(m) => m,
        Err(d) => return Err(d),
    };
    let collected = collect::collect(&module, &mut diags);
    let model = resolve::resolve(&collected, &mut diags);
    let program = lower_program(path, &model, &mut diags);
    analysis::unbound_locals(&program, &mut diags);
    let mut program = program;
    analysis::analyze(&mut program);
    if !diags.iter().any(Diagnostic::is_error) {
        for problem in stent_ir::validate::validate(&program) {
            diags.push(
                Diagnostic::error(
                    "E900",
                    format!("internal compiler error: invalid IR: {problem}"),
                    Span {
                        line: 1,
                        col: 1,
                        end_line: 1,
                        end_col: 1,
                    },
                    "",
                )
                .with_hint(
                    "this is a bug in the stent frontend; please report it with this program",
                ),
            );
        }
    }
    sort_diags(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(Compilation {
            program,
            warnings: diags,
        })
    }
}

/// Diagnostics only (errors and warnings), in source order.
pub fn check(path: &str, source: &str) -> Vec<Diagnostic> {
    match compile(path, source) {
        Ok(c) => c.warnings,
        Err(d) => d,
    }
}

fn sort_diags(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| (a.span.line, a.span.col).cmp(&(b.span.line, b.span.col)));
    diags.dedup();
}

fn lower_program(path: &str, model: &resolve::Model, diags: &mut Vec<Diagnostic>) -> v1::Program {
    let mut rets: lower::ReturnTypes = HashMap::new();
    for e in &model.entities {
        for m in &e.methods {
            rets.insert(
                (e.name.clone(), m.def.name.clone()),
                m.declared.clone().unwrap_or_else(types::none),
            );
        }
    }
    let mut hints: HashMap<(String, String), HashMap<String, v1::Type>> = HashMap::new();
    let mut entities = Vec::new();
    // Inferred return types feed callers: iterate to a fixed point (bounded).
    for round in 0..4 {
        let mut changed = false;
        let mut round_diags = Vec::new();
        entities.clear();
        for e in &model.entities {
            let mut methods = Vec::new();
            let constructor = e.init.as_ref().map(|init| {
                let key = (e.name.clone(), "__init__".to_string());
                let l = lower::lower_method(
                    model,
                    e,
                    init,
                    true,
                    &rets,
                    hints.get(&key).cloned().unwrap_or_default(),
                );
                round_diags.extend(l.diags);
                if hints.get(&key) != Some(&l.local_types) {
                    changed = true;
                    hints.insert(key, l.local_types);
                }
                method_ir(init, "__init__", types::none(), l.body)
            });
            for m in &e.methods {
                let key = (e.name.clone(), m.def.name.clone());
                let l = lower::lower_method(
                    model,
                    e,
                    m,
                    false,
                    &rets,
                    hints.get(&key).cloned().unwrap_or_default(),
                );
                round_diags.extend(l.diags);
                if rets.get(&key) != Some(&l.returns) {
                    changed = true;
                    rets.insert(key.clone(), l.returns.clone());
                }
                if hints.get(&key) != Some(&l.local_types) {
                    changed = true;
                    hints.insert(key, l.local_types);
                }
                methods.push(method_ir(m, &m.def.name, l.returns, l.body));
            }
            entities.push(v1::EntityType {
                name: e.name.clone(),
                key_field: e.key_field.clone(),
                key_type: Some(e.key_type.clone()),
                fields: e
                    .fields
                    .iter()
                    .map(|f| v1::Field {
                        name: f.name.clone(),
                        r#type: Some(f.ty.clone()),
                        span: Some(f.span.into()),
                    })
                    .collect(),
                constructor,
                methods,
                span: Some(e.span.into()),
            });
        }
        if !changed || round == 3 {
            diags.extend(round_diags);
            break;
        }
    }
    v1::Program {
        version: Some(v1::Version { major: 1, minor: 0 }),
        producer: format!("stent {}", env!("CARGO_PKG_VERSION")),
        source_path: path.to_string(),
        entities,
        exceptions: model
            .exceptions
            .iter()
            .map(|x| v1::ExceptionClass {
                name: x.name.clone(),
                base: x.base.clone(),
                span: Some(x.span.into()),
            })
            .collect(),
        dataflow: None,
        call_graph: None,
    }
}

fn method_ir(sig: &resolve::Sig, name: &str, returns: v1::Type, body: v1::Body) -> v1::Method {
    v1::Method {
        name: name.to_string(),
        params: sig
            .params
            .iter()
            .map(|p| v1::Param {
                name: p.name.clone(),
                r#type: Some(p.ty.clone()),
                span: Some(p.span.into()),
            })
            .collect(),
        returns: Some(returns),
        body: Some(body),
        effects: None,
        span: Some(sig.def.name_span.into()),
    }
}
