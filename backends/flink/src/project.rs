//! The generated Maven project: pom.xml, README.md and Java sources.

use std::path::{Path, PathBuf};

use stent_ir::Program;
use stent_java::{SourceFile, java_string};

use crate::FlinkError;

/// The Flink release the generated project targets.
pub const FLINK_VERSION: &str = "2.2.0";
/// flink-connector-kafka built for Flink 2.2.
pub const KAFKA_CONNECTOR_VERSION: &str = "5.0.0-2.2";
/// The Java package of the generated program classes.
pub const GENERATED_PACKAGE: &str = "stent.generated";

const POM: &str = include_str!("../../../templates/flink/pom.xml.tera");
const MAIN: &str = include_str!("../../../templates/flink/Main.java.tera");
const README: &str = include_str!("../../../templates/flink/README.md.tera");
const FLINK_SOURCES: &[(&str, &str)] = &[
    (
        "EntityOperator.java",
        include_str!("../../../templates/flink/stent/flink/EntityOperator.java"),
    ),
    (
        "Loop.java",
        include_str!("../../../templates/flink/stent/flink/Loop.java"),
    ),
    (
        "LoopMsg.java",
        include_str!("../../../templates/flink/stent/flink/LoopMsg.java"),
    ),
    (
        "ParallelJob.java",
        include_str!("../../../templates/flink/stent/flink/ParallelJob.java"),
    ),
    (
        "StentBatch.java",
        include_str!("../../../templates/flink/stent/flink/StentBatch.java"),
    ),
    (
        "StentJob.java",
        include_str!("../../../templates/flink/stent/flink/StentJob.java"),
    ),
    (
        "StentOperator.java",
        include_str!("../../../templates/flink/stent/flink/StentOperator.java"),
    ),
    (
        "Workload.java",
        include_str!("../../../templates/flink/stent/flink/Workload.java"),
    ),
];

fn render(name: &str, template: &str, ctx: &tera::Context) -> Result<String, FlinkError> {
    let mut t = tera::Tera::default();
    t.autoescape_on(Vec::<&str>::new());
    let err = |e: tera::Error| stent_java::TranslateError::Template(format!("{name}: {e:?}"));
    t.add_raw_template(name, template).map_err(err)?;
    Ok(t.render(name, ctx).map_err(err)?)
}

fn program_name(program: &Program) -> String {
    Path::new(&program.source_path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "program".into())
}

/// A Maven artifactId derived from the program name.
fn artifact(name: &str) -> String {
    let mut a: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    a = a.trim_matches('-').to_string();
    if a.is_empty() {
        "stent-job".into()
    } else {
        format!("stent-{a}")
    }
}

fn base_context(program: &Program) -> tera::Context {
    let name = program_name(program);
    let mut ctx = tera::Context::new();
    ctx.insert("name", &name);
    ctx.insert("name_lit", &java_string(&name));
    ctx.insert("artifact", &artifact(&name));
    ctx.insert(
        "source",
        if program.source_path.is_empty() {
            "<unknown>"
        } else {
            &program.source_path
        },
    );
    ctx.insert("flink_version", FLINK_VERSION);
    ctx.insert("kafka_version", KAFKA_CONNECTOR_VERSION);
    ctx.insert("package", GENERATED_PACKAGE);
    ctx.insert("package_dir", &GENERATED_PACKAGE.replace('.', "/"));
    ctx.insert(
        "entities",
        &program
            .entities
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
    );
    ctx
}

/// The pom shared by every program (dependencies only): used for the cached runtime build.
pub(crate) fn runtime_pom() -> Result<String, FlinkError> {
    let program = Program {
        source_path: "runtime".into(),
        ..Default::default()
    };
    render("pom.xml", POM, &base_context(&program))
}

/// The engine-independent runtime library and the Flink job classes, relative to `src/main/java`.
pub(crate) fn support_sources() -> Vec<SourceFile> {
    let mut files = stent_java::runtime_sources();
    for (name, text) in FLINK_SOURCES {
        files.push(SourceFile {
            path: PathBuf::from("stent/flink").join(name),
            contents: (*text).to_string(),
        });
    }
    files
}

/// The program's own classes (entity classes, registry, `Main`), relative to `src/main/java`.
pub(crate) fn program_sources(program: &Program) -> Result<Vec<SourceFile>, FlinkError> {
    program_sources_in(program, GENERATED_PACKAGE)
}

/// [`program_sources`] in another Java package (e.g. `stent.generated.b017`), so that several
/// programs can share one class path and one JVM ([`crate::run_batch`]).
pub fn program_sources_in(program: &Program, package: &str) -> Result<Vec<SourceFile>, FlinkError> {
    let mut files = stent_java::translate(program, package)?;
    let dir = PathBuf::from(package.replace('.', "/"));
    let mut ctx = base_context(program);
    ctx.insert("package", package);
    ctx.insert("package_dir", &package.replace('.', "/"));
    files.push(SourceFile {
        path: dir.join("Main.java"),
        contents: render("Main.java", MAIN, &ctx)?,
    });
    Ok(files)
}

/// Every file of the generated project, relative to its root, in a stable order.
pub fn project_files(program: &Program) -> Result<Vec<SourceFile>, FlinkError> {
    let ctx = base_context(program);
    let mut files = vec![
        SourceFile {
            path: "pom.xml".into(),
            contents: render("pom.xml", POM, &ctx)?,
        },
        SourceFile {
            path: "README.md".into(),
            contents: render("README.md", README, &ctx)?,
        },
    ];
    let java = Path::new("src/main/java");
    for f in support_sources()
        .into_iter()
        .chain(program_sources(program)?)
    {
        files.push(SourceFile {
            path: java.join(&f.path),
            contents: f.contents,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

pub(crate) fn write_files(root: &Path, files: &[SourceFile]) -> Result<(), FlinkError> {
    for f in files {
        let path = root.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(FlinkError::io(format!("creating {}", parent.display())))?;
        }
        std::fs::write(&path, &f.contents)
            .map_err(FlinkError::io(format!("writing {}", path.display())))?;
    }
    Ok(())
}

/// Writes a self-contained Maven project for `program` into `out_dir` (created if needed).
pub fn generate(program: &Program, out_dir: &Path) -> Result<(), FlinkError> {
    write_files(out_dir, &project_files(program)?)
}
