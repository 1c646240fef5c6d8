//! SQL (DataFusion) over the local engine's entity state: one table per entity type, a column
//! per state field plus `key`.
//!
//! Status: the state loading (`stent_runtime_local::load_state`) is in place; the DataFusion
//! table registration is not written yet, so [`query`] reports that instead of guessing.

use std::path::Path;

use stent_ir::v1::Program;

#[derive(Debug)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

/// Runs `sql` over the state held in `state_dir`; returns a pretty-printed table.
pub fn query(state_dir: &Path, program: &Program, sql: &str) -> Result<String, QueryError> {
    let entries = stent_runtime_local::load_state(program, state_dir)
        .map_err(|e| QueryError(e.to_string()))?;
    let _ = (entries, sql);
    Err(QueryError(
        "stent query: SQL execution is not implemented yet".into(),
    ))
}
