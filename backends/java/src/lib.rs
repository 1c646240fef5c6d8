//! IR → Java: the translation of stent programs to Java sources over a small runtime-support
//! library (`templates/java/stent/runtime`), shared by the JVM backends (Flink now, Beam later).
//!
//! [`translate`] turns a [`Program`] into one class per entity type plus a `StentProgram`
//! registry; [`runtime_sources`] returns the runtime library to ship next to it. Output is
//! deterministic: entity types and methods in IR order (sorted by name), stable names.

mod body;
mod expr;

use std::path::PathBuf;

use serde::Serialize;
use stent_ir::Program;
use stent_ir::v1::{EntityType, Method};

pub use expr::{java_double, java_string};

/// Why a program could not be translated.
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    #[error("malformed IR: {0}")]
    Malformed(String),
    #[error("unsupported construct: {0}")]
    Unsupported(String),
    #[error("template error: {0}")]
    Template(String),
}

impl TranslateError {
    pub(crate) fn malformed(m: impl Into<String>) -> Self {
        Self::Malformed(m.into())
    }
    pub(crate) fn unsupported(m: impl Into<String>) -> Self {
        Self::Unsupported(m.into())
    }
}

/// A generated source file: its path relative to the source root, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub contents: String,
}

macro_rules! runtime_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/java/stent/runtime/", $name)))),*]
    };
}

/// The runtime-support library: `(file name, source)` for package `stent.runtime`.
const RUNTIME: &[(&str, &str)] = runtime_files!(
    "Builtins.java",
    "EntityRef.java",
    "EntityState.java",
    "Frame.java",
    "Json.java",
    "Methods.java",
    "Py.java",
    "PyDict.java",
    "PyException.java",
    "PyFormat.java",
    "PyList.java",
    "PyNone.java",
    "PyTuple.java",
    "PyType.java",
    "RequestProcessor.java",
    "Seq.java",
    "Spec.java",
    "StateStore.java",
    "Step.java",
    "Transaction.java",
);

const ENTITY_TEMPLATE: &str = include_str!("../../../templates/java/Entity.java.tera");
const PROGRAM_TEMPLATE: &str = include_str!("../../../templates/java/Program.java.tera");

/// The Java runtime-support sources (package `stent.runtime`), relative to a source root.
pub fn runtime_sources() -> Vec<SourceFile> {
    RUNTIME
        .iter()
        .map(|(name, text)| SourceFile {
            path: PathBuf::from("stent/runtime").join(name),
            contents: (*text).to_string(),
        })
        .collect()
}

/// The Java class name generated for an entity type.
pub fn entity_class(entity: &str) -> String {
    format!("{entity}Entity")
}

#[derive(Serialize)]
struct MethodView {
    name: String,
    java_name: String,
    signature: String,
    spec: String,
    cases: String,
}

fn method_view(
    class: &str,
    entity: &EntityType,
    m: &Method,
    java_name: &str,
) -> Result<MethodView, TranslateError> {
    let ctx = body::MethodCtx { entity, method: m };
    let params: Vec<String> = m.params.iter().map(|p| java_string(&p.name)).collect();
    let types: Result<Vec<String>, _> = m
        .params
        .iter()
        .map(|p| expr::py_type(p.r#type.as_ref()))
        .collect();
    let slots = m
        .body
        .as_ref()
        .map_or(0, |b| b.slots.len())
        .max(m.params.len());
    let spec = format!(
        "new Spec.Method({}, {}, new String[] {{{}}}, new PyType[] {{{}}}, {slots}, {class}::{java_name})",
        java_string(&entity.name),
        java_string(&m.name),
        params.join(", "),
        types?.join(", "),
    );
    let signature = format!(
        "{}.{}({})",
        entity.name,
        m.name,
        m.params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(MethodView {
        name: m.name.clone(),
        java_name: java_name.to_string(),
        signature,
        spec,
        cases: ctx.cases()?,
    })
}

fn tera(name: &str, template: &str) -> Result<tera::Tera, TranslateError> {
    let mut t = tera::Tera::default();
    t.autoescape_on(Vec::<&str>::new());
    t.add_raw_template(name, template)
        .map_err(|e| TranslateError::Template(format!("{e:?}")))?;
    Ok(t)
}

fn render(t: &tera::Tera, name: &str, ctx: &tera::Context) -> Result<String, TranslateError> {
    t.render(name, ctx)
        .map_err(|e| TranslateError::Template(format!("{e:?}")))
}

/// Translates every entity of `program` into Java classes in `package`, plus `StentProgram`.
pub fn translate(program: &Program, package: &str) -> Result<Vec<SourceFile>, TranslateError> {
    let dir = PathBuf::from(package.replace('.', "/"));
    let entity_t = tera("Entity.java", ENTITY_TEMPLATE)?;
    let program_t = tera("Program.java", PROGRAM_TEMPLATE)?;
    let source = if program.source_path.is_empty() {
        "<unknown>".to_string()
    } else {
        program.source_path.clone()
    };
    let mut files = Vec::new();
    let mut classes = Vec::new();
    for entity in &program.entities {
        let class = entity_class(&entity.name);
        let key_index = entity
            .fields
            .iter()
            .position(|f| f.name == entity.key_field)
            .ok_or_else(|| {
                TranslateError::malformed(format!(
                    "{}: key field {} is not a field",
                    entity.name, entity.key_field
                ))
            })?;
        let ctor = entity.constructor.as_ref().ok_or_else(|| {
            TranslateError::malformed(format!("{} has no constructor", entity.name))
        })?;
        let constructor = method_view(&class, entity, ctor, "init")?;
        let mut methods = Vec::new();
        for m in &entity.methods {
            methods.push(method_view(&class, entity, m, &format!("m_{}", m.name))?);
        }
        let mut ctx = tera::Context::new();
        ctx.insert("package", package);
        ctx.insert("source", &source);
        ctx.insert("class", &class);
        ctx.insert("entity", &entity.name);
        ctx.insert("entity_lit", &java_string(&entity.name));
        ctx.insert(
            "fields",
            &entity
                .fields
                .iter()
                .map(|f| java_string(&f.name))
                .collect::<Vec<_>>()
                .join(", "),
        );
        ctx.insert("key_index", &key_index);
        ctx.insert("constructor", &constructor);
        ctx.insert("methods", &methods);
        let all: Vec<&MethodView> = std::iter::once(&constructor)
            .chain(methods.iter())
            .collect();
        ctx.insert("all_methods", &all);
        files.push(SourceFile {
            path: dir.join(format!("{class}.java")),
            contents: render(&entity_t, "Entity.java", &ctx)?,
        });
        classes.push(class);
    }
    let mut ctx = tera::Context::new();
    ctx.insert("package", package);
    ctx.insert("source", &source);
    let name = std::path::Path::new(&source)
        .file_stem()
        .map_or("program".into(), |s| s.to_string_lossy().to_string());
    ctx.insert("name_lit", &java_string(&name));
    ctx.insert("entities", &classes);
    files.push(SourceFile {
        path: dir.join("StentProgram.java"),
        contents: render(&program_t, "Program.java", &ctx)?,
    });
    Ok(files)
}
