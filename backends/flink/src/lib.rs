//! The Flink backend: generates a self-contained Maven project (Java 17, Flink 2.2) from stent
//! IR ([`generate`]), and builds and runs it on an embedded MiniCluster ([`run`]).
//!
//! Design (docs/backends/flink.md): one keyed operator hosts every entity type and runs each
//! request's call chain to completion, one request at a time, in input order, with all entity
//! state in Flink keyed state (one `MapState` per entity type) and exactly-once checkpoints.

mod project;
mod runner;

pub use project::{
    FLINK_VERSION, GENERATED_PACKAGE, KAFKA_CONNECTOR_VERSION, generate, program_sources_in,
    project_files,
};
pub use runner::{
    BatchCase, BatchOutcome, BatchSummary, BuiltJob, FlinkRunOptions, RunSummary, build, env_path,
    run, run_batch,
};

/// Errors of the Flink backend.
#[derive(Debug, thiserror::Error)]
pub enum FlinkError {
    #[error(transparent)]
    Translate(#[from] stent_java::TranslateError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}):\n{output}")]
    Tool {
        command: String,
        status: String,
        output: String,
    },
}

impl FlinkError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}
