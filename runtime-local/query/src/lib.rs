//! SQL (DataFusion) over the local engine's entity state: one table per entity type, a column
//! per state field plus `key`.
//!
//! The state is what a restart would resume from: the checkpoint plus the replayed log
//! (`stent_runtime_local::load_state`, which leaves the dir untouched). The program comes from
//! the dir itself (`program.pb`, stored by the first `stent run --state-dir`), so a query
//! needs nothing but the dir.
//!
//! Column types follow the IR's field types: int → Int64, float → Float64, bool → Boolean,
//! str → Utf8, `Optional[T]` of those → T (nullable); everything else (lists, dicts, tuples,
//! entity references, `Any`) → the value's JSON text. A field that is unset, or holds a value
//! of another type than declared, is NULL (typed columns) / its JSON text (JSON columns).
//!
//! Identifiers are case-sensitive as written (`SELECT balance FROM Account`): entity types are
//! CamelCase, and DataFusion's default lower-casing would make `Account` unreachable unquoted.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::common::TableReference;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use serde_json::Value as Json;
use stent_ir::v1::{EntityType, Primitive, Program, r#type::Kind};
use stent_runtime_local::value::Key;

#[derive(Debug)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

fn err(e: impl std::fmt::Display) -> QueryError {
    QueryError(e.to_string())
}

/// Runs `sql` over the state held in `state_dir`; returns a pretty-printed table.
pub fn query(state_dir: &Path, sql: &str) -> Result<String, QueryError> {
    if !state_dir
        .join(stent_runtime_local::durable::PROGRAM_FILE)
        .exists()
    {
        return Err(QueryError(format!(
            "{} is not a state dir of `stent run --state-dir` (it has no {})",
            state_dir.display(),
            stent_runtime_local::durable::PROGRAM_FILE
        )));
    }
    let program = stent_runtime_local::durable::read_program(state_dir).map_err(err)?;
    query_with_program(state_dir, &program, sql)
}

/// [`query`] with the program given rather than read from the dir.
pub fn query_with_program(
    state_dir: &Path,
    program: &Program,
    sql: &str,
) -> Result<String, QueryError> {
    let batches = tables(program, state_dir)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(err)?;
    rt.block_on(async {
        let config = SessionConfig::new()
            .set_bool("datafusion.sql_parser.enable_ident_normalization", false);
        let ctx = SessionContext::new_with_config(config);
        for (name, batch) in batches {
            let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(err)?;
            // `bare`, not `&str`: a `&str` is parsed as SQL and lower-cased.
            ctx.register_table(TableReference::bare(name), Arc::new(table))
                .map_err(err)?;
        }
        let out = ctx
            .sql(sql)
            .await
            .map_err(err)?
            .collect()
            .await
            .map_err(err)?;
        Ok(pretty_format_batches(&out).map_err(err)?.to_string())
    })
}

/// How a field's values become a column.
#[derive(Clone, Copy)]
enum Col {
    Int,
    Float,
    Bool,
    Str,
    Json,
}

impl Col {
    fn of(ty: Option<&stent_ir::v1::Type>) -> Col {
        match ty.and_then(|t| t.kind.as_ref()) {
            Some(Kind::Primitive(p)) => match Primitive::try_from(*p) {
                Ok(Primitive::Int) => Col::Int,
                Ok(Primitive::Float) => Col::Float,
                Ok(Primitive::Bool) => Col::Bool,
                Ok(Primitive::Str) => Col::Str,
                _ => Col::Json,
            },
            Some(Kind::Optional(o)) => match Col::of(o.inner.as_deref()) {
                Col::Json => Col::Json,
                c => c,
            },
            _ => Col::Json,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Col::Int => DataType::Int64,
            Col::Float => DataType::Float64,
            Col::Bool => DataType::Boolean,
            Col::Str | Col::Json => DataType::Utf8,
        }
    }

    fn build(self, values: &[Option<&Json>]) -> ArrayRef {
        match self {
            Col::Int => {
                let mut b = Int64Builder::new();
                values
                    .iter()
                    .for_each(|v| b.append_option(v.and_then(Json::as_i64)));
                Arc::new(b.finish())
            }
            Col::Float => {
                let mut b = Float64Builder::new();
                values
                    .iter()
                    .for_each(|v| b.append_option(v.and_then(Json::as_f64)));
                Arc::new(b.finish())
            }
            Col::Bool => {
                let mut b = BooleanBuilder::new();
                values
                    .iter()
                    .for_each(|v| b.append_option(v.and_then(Json::as_bool)));
                Arc::new(b.finish())
            }
            Col::Str => {
                let mut b = StringBuilder::new();
                values
                    .iter()
                    .for_each(|v| b.append_option(v.and_then(Json::as_str)));
                Arc::new(b.finish())
            }
            Col::Json => {
                let mut b = StringBuilder::new();
                for v in values {
                    b.append_option(v.filter(|v| !v.is_null()).map(|v| v.to_string()));
                }
                Arc::new(b.finish())
            }
        }
    }
}

/// One record batch per entity type (in the program's order), named by the type.
pub fn tables(
    program: &Program,
    state_dir: &Path,
) -> Result<Vec<(String, RecordBatch)>, QueryError> {
    let entries = stent_runtime_local::load_state(program, state_dir).map_err(err)?;
    program
        .entities
        .iter()
        .map(|e| {
            let rows: Vec<_> = entries.iter().filter(|(t, _, _)| *t == e.name).collect();
            let keys: Vec<&Key> = rows.iter().map(|(_, k, _)| k).collect();
            let fields: Vec<Vec<(&str, &Json)>> = rows
                .iter()
                .map(|(_, _, f)| f.iter().map(|(n, v)| (n.as_str(), v)).collect())
                .collect();
            Ok((e.name.clone(), entity_batch(e, &keys, &fields)?))
        })
        .collect()
}

fn entity_batch(
    e: &EntityType,
    keys: &[&Key],
    rows: &[Vec<(&str, &Json)>],
) -> Result<RecordBatch, QueryError> {
    let mut schema = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    // The key field is usually a state field too; a separate `key` column is added only when
    // no field already has that name (YCSB's Account has a field called `key`).
    if !e.fields.iter().any(|f| f.name == "key") {
        let col = Col::of(e.key_type.as_ref());
        let keys: Vec<Json> = keys
            .iter()
            .map(|k| match k {
                Key::Int(i) => Json::from(*i),
                Key::Str(s) => Json::from(s.as_ref()),
            })
            .collect();
        let refs: Vec<Option<&Json>> = keys.iter().map(Some).collect();
        schema.push(Field::new("key", col.data_type(), false));
        columns.push(col.build(&refs));
    }
    for f in &e.fields {
        let col = Col::of(f.r#type.as_ref());
        let values: Vec<Option<&Json>> = rows
            .iter()
            .map(|r| r.iter().find(|(n, _)| *n == f.name).map(|(_, v)| *v))
            .collect();
        schema.push(Field::new(&f.name, col.data_type(), true));
        columns.push(col.build(&values));
    }
    RecordBatch::try_new(Arc::new(Schema::new(schema)), columns).map_err(err)
}
