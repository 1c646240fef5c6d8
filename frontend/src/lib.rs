//! Python source to stent IR: parsing, checking, lowering, analyses, diagnostics.
//!
//! The driver runs the named passes of [`PASSES`], in that order:
//!
//! 1. `parse`    — [`syntax`]: the one adapter over ruff's parser, into a small owned AST.
//! 2. `collect`  — [`collect`]: entity classes, exception classes, imports.
//! 3. `resolve`  — [`resolve`]: annotations to types, fields, keys, method signatures.
//! 4. `lower`    — [`lower`]: method bodies to CFGs (with the subset checks on the way);
//!    repeated until inferred return types are stable.
//! 5. `simplify` — [`simplify`]: unreachable blocks removed, trivial jumps threaded,
//!    straight-line chains merged, blocks renumbered densely.
//! 6. `unbound`  — [`analysis::unbound_locals`]: possibly-unbound locals (warnings).
//! 7. `analyze`  — [`analysis`]: effects, call graph (Tarjan SCCs), dataflow graph.
//!
//! `stent_ir::validate` runs after every pass that produces or rewrites IR (marked
//! [`Pass::produces_ir`]), as long as no error has been reported; a problem it finds is an
//! internal compiler error (E900) naming the pass that broke the invariant.

pub mod analysis;
pub mod collect;
pub mod diag;
pub mod lower;
pub mod resolve;
pub mod simplify;
pub mod syntax;
pub mod types;
pub mod walk;

use std::cell::OnceCell;
use std::collections::HashMap;

pub use diag::{Diagnostic, Severity, Span};
use stent_ir::v1;

/// A successfully compiled program and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub program: v1::Program,
    pub warnings: Vec<Diagnostic>,
}

/// One step of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub name: &'static str,
    /// Whether the pass produces or rewrites IR (the validator runs after it).
    pub produces_ir: bool,
}

/// The pipeline, in execution order.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "parse",
        produces_ir: false,
    },
    Pass {
        name: "collect",
        produces_ir: false,
    },
    Pass {
        name: "resolve",
        produces_ir: false,
    },
    Pass {
        name: "lower",
        produces_ir: true,
    },
    Pass {
        name: "simplify",
        produces_ir: true,
    },
    Pass {
        name: "unbound",
        produces_ir: false,
    },
    Pass {
        name: "analyze",
        produces_ir: true,
    },
];

/// The state threaded through the passes. Each pass fills in what it produces; the syntax
/// tree lives in a cell owned by [`compile`] so later products can borrow from it.
struct Session<'a> {
    path: &'a str,
    source: &'a str,
    module: &'a OnceCell<Vec<syntax::Stmt>>,
    collected: Option<collect::Collected<'a>>,
    model: Option<resolve::Model<'a>>,
    program: Option<v1::Program>,
    diags: Vec<Diagnostic>,
}

impl<'a> Session<'a> {
    fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    /// Runs one pass; `Err` stops the pipeline (nothing later can run).
    fn run(&mut self, pass: &Pass) -> Result<(), ()> {
        match pass.name {
            "parse" => match syntax::parse(self.source) {
                Ok(m) => {
                    let _ = self.module.set(m);
                }
                Err(d) => {
                    self.diags.extend(d);
                    return Err(());
                }
            },
            "collect" => {
                let module: &'a [syntax::Stmt] = self.module.get().ok_or(())?;
                self.collected = Some(collect::collect(module, &mut self.diags));
            }
            "resolve" => {
                let collected = self.collected.as_ref().ok_or(())?;
                self.model = Some(resolve::resolve(collected, &mut self.diags));
            }
            "lower" => {
                let model = self.model.as_ref().ok_or(())?;
                self.program = Some(lower_program(self.path, model, &mut self.diags));
            }
            "simplify" => simplify::simplify_program(self.program.as_mut().ok_or(())?),
            "unbound" => {
                analysis::unbound_locals(self.program.as_ref().ok_or(())?, &mut self.diags)
            }
            "analyze" => analysis::analyze(self.program.as_mut().ok_or(())?),
            other => unreachable!("pass `{other}` is listed in PASSES but not implemented"),
        }
        Ok(())
    }

    fn validate(&mut self, pass: &Pass) {
        if self.has_errors() {
            return;
        }
        let Some(program) = &self.program else {
            return;
        };
        // The whole-program graphs only exist once `analyze` has run; earlier passes are
        // checked for everything else.
        let pending = |p: &stent_ir::validate::Problem| {
            (program.dataflow.is_none() && p.message == "missing dataflow graph")
                || (program.call_graph.is_none() && p.message == "missing call graph")
        };
        let problems: Vec<_> = stent_ir::validate::validate(program)
            .into_iter()
            .filter(|p| !pending(p))
            .collect();
        for problem in problems {
            self.diags.push(
                Diagnostic::error(
                    "E900",
                    format!(
                        "internal compiler error: invalid IR after pass `{}`: {problem}",
                        pass.name
                    ),
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
}

/// Compiles Python source to the IR. `Err` holds at least one error (plus any warnings).
pub fn compile(path: &str, source: &str) -> Result<Compilation, Vec<Diagnostic>> {
    let module = OnceCell::new();
    let mut s = Session {
        path,
        source,
        module: &module,
        collected: None,
        model: None,
        program: None,
        diags: Vec::new(),
    };
    for pass in PASSES {
        if s.run(pass).is_err() {
            break;
        }
        if pass.produces_ir {
            s.validate(pass);
        }
    }
    let program = s.program.take();
    let mut diags = std::mem::take(&mut s.diags);
    sort_diags(&mut diags);
    match program {
        Some(program) if !diags.iter().any(Diagnostic::is_error) => Ok(Compilation {
            program,
            warnings: diags,
        }),
        _ => Err(diags),
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
    diags.sort_by_key(|a| (a.span.line, a.span.col));
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
