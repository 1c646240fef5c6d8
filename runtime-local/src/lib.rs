//! The native, Arrow-batched reference engine for stent programs (`stent run`'s default).
//!
//! Pipeline (the IR's dataflow graph, one process):
//!
//! ```text
//! workload lines ─ ingress ─► RecordBatch{line, text} ─ router (parse, validate) ─►
//!   executor (entity operators: frames, calls/replies, overlay txns) ─► RecordBatch{line, result}
//!   ─ durability (log + fsync = group commit) ─► egress (results file)
//! ```
//!
//! Results and state equal applying the requests **serially in input order** (the oracle's
//! semantics). With one worker the executor is plain serial; with more, each batch runs on the
//! executor measured fastest (`adaptive.rs`): serial, pipelined (`pipelined.rs`: parsing on a
//! second thread ahead of in-order execution) or the deterministic speculative protocol of
//! `parallel.rs` (speculate in parallel, validate and commit in input order, re-execute what
//! observed a stale entity); each outcome is the serial one by construction (see `README.md`).
//! Batches of [`BATCH`] lines are the unit of ingestion, logging (one record each; one fsync
//! covers the records queued meanwhile) and result emission.
//!
//! Public API: [`run_workload`], [`RunOptions`], [`Summary`], [`load_state`] (for stent-query),
//! [`bench::bench`].

pub mod adaptive;
pub mod bench;
pub mod bench_workload;
pub mod builtins;
pub mod checkpointer;
pub mod durable;
pub mod engine;
pub mod fastreq;
pub mod frames;
pub mod interp;
pub mod json;
pub mod key;
pub mod logthread;
pub mod lower;
pub mod ops;
pub mod parallel;
pub mod pipeline;
pub mod pipelined;
pub mod request;
pub mod segments;
pub mod snapshot;
pub mod store;
pub mod value;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use pipeline::{load_state, run_workload};

/// Lines per batch: the unit of ingestion, group commit and result emission.
pub const BATCH: usize = 1024;

/// Options of [`run_workload`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Executor threads (default: number of cores); 1 runs the plain serial executor; with
    /// more, each batch runs on the executor measured fastest (`adaptive.rs`): serial,
    /// pipelined (parsing on a second thread) or the speculative protocol (`parallel.rs`).
    pub workers: usize,
    /// Pins the executor of every batch (with `workers` > 1) instead of choosing by speed;
    /// `None` honours `STENT_EXECUTOR` and otherwise chooses.
    pub executor: Option<adaptive::Executor>,
    /// Durable state directory (log + checkpoints); `None` runs in memory.
    pub state_dir: Option<PathBuf>,
    /// Progress on stderr (only when stderr is a terminal).
    pub progress: bool,
    /// Checkpoint after this many logged batches (and always at the end).
    pub checkpoint_every: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            executor: None,
            state_dir: None,
            progress: true,
            checkpoint_every: 256,
        }
    }
}

/// The end-of-run summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Requests answered by this run and any earlier runs over the same state dir.
    pub requests: u64,
    pub errors: u64,
    /// Requests recovered from the state dir rather than executed by this run.
    pub recovered: u64,
    pub wall: Duration,
}

impl Summary {
    pub fn throughput(&self) -> f64 {
        let s = self.wall.as_secs_f64();
        if s > 0.0 {
            (self.requests - self.recovered) as f64 / s
        } else {
            0.0
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests ({} errors) in {:.3}s, {:.0} req/s",
            self.requests,
            self.errors,
            self.wall.as_secs_f64(),
            self.throughput()
        )?;
        if self.recovered > 0 {
            write!(f, ", {} recovered from the state dir", self.recovered)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("I/O error: {0}")]
    Io(String),
    #[error("corrupt checkpoint (refusing to load it): {0}")]
    CorruptCheckpoint(String),
    #[error("corrupt request log (refusing to resume): {0}")]
    CorruptLog(String),
    #[error("state dir does not match this run: {0}")]
    Mismatch(String),
    #[error("arrow: {0}")]
    Arrow(String),
}

/// `print(...)` output of programs: the engine's log (stderr), never results.
pub fn log_line(s: &str) {
    eprintln!("{s}");
}

pub(crate) fn path_str(p: &Path) -> String {
    p.display().to_string()
}
