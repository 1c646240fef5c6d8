//! `run_workload`: ingress → router → executor → durability → egress, batch by batch, with
//! recovery from a state dir. Batches travel between stages as Arrow `RecordBatch`es
//! (`line: UInt64, text: Utf8` in, `line: UInt64, result: Utf8` out).

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use stent_ir::v1::Program;

use crate::checkpointer::Checkpointer;
use crate::durable::{self, CheckpointMeta, Log};
use crate::engine::Engine;
use crate::logthread::LogThread;
use crate::{BATCH, RunOptions, RuntimeError, Summary, json, path_str};
use crate::{parallel, snapshot};

fn in_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("line", DataType::UInt64, false),
        Field::new("text", DataType::Utf8, false),
    ]))
}
fn out_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("line", DataType::UInt64, false),
        Field::new("result", DataType::Utf8, false),
    ]))
}

fn arrow_err(e: arrow_schema::ArrowError) -> RuntimeError {
    RuntimeError::Arrow(e.to_string())
}

/// Ingress: a batch of (line number, text) as a RecordBatch.
pub fn ingress_batch(lines: &[(u64, String)]) -> Result<RecordBatch, RuntimeError> {
    let nums = UInt64Array::from_iter_values(lines.iter().map(|(n, _)| *n));
    let texts = StringArray::from_iter_values(lines.iter().map(|(_, t)| t.as_str()));
    RecordBatch::try_new(in_schema(), vec![Arc::new(nums), Arc::new(texts)]).map_err(arrow_err)
}

fn columns(b: &RecordBatch) -> Result<(&UInt64Array, &StringArray), RuntimeError> {
    let n = b.column(0).as_any().downcast_ref::<UInt64Array>();
    let t = b.column(1).as_any().downcast_ref::<StringArray>();
    match (n, t) {
        (Some(n), Some(t)) => Ok((n, t)),
        _ => Err(RuntimeError::Arrow("unexpected batch schema".into())),
    }
}

/// Router + executor: runs the batch (in parallel with `workers` > 1, see `parallel.rs`);
/// the results as a batch, in input order.
pub fn execute_batch(
    engine: &mut Engine,
    batch: &RecordBatch,
    workers: usize,
    errors: &mut u64,
) -> Result<RecordBatch, RuntimeError> {
    let (nums, texts) = columns(batch)?;
    let lines: Vec<(u64, &str)> = (0..batch.num_rows())
        .map(|i| (nums.value(i), texts.value(i)))
        .collect();
    let mut stats = parallel::Stats::default();
    let out = parallel::execute_batch(engine, &lines, workers, errors, &mut stats);
    let results = StringArray::from_iter_values(out.iter());
    RecordBatch::try_new(
        out_schema(),
        vec![Arc::new(nums.clone()), Arc::new(results)],
    )
    .map_err(arrow_err)
}

pub use crate::parallel::execute_line;

fn ioe(p: &Path) -> impl Fn(std::io::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::Io(format!("{}: {e}", path_str(p)))
}

struct Durable {
    dir: std::path::PathBuf,
    log: LogThread,
    since_checkpoint: usize,
    /// Executed batches' results, oldest first, each released once its log record (this
    /// sequence number) is durable: meanwhile later batches execute (see `logthread.rs`).
    pending: VecDeque<(u64, RecordBatch)>,
    /// The results file's length once every executed batch's results are written.
    results_end: u64,
    ck: Checkpointer,
}

impl Durable {
    /// Writes the results of the pending batches whose records are durable, oldest first (and
    /// lets a checkpoint waiting for one of them proceed). Waits only for batches beyond
    /// `logthread::IN_FLIGHT` requests, or, with `all`, for every one.
    fn release(&mut self, w: &mut impl Write, out: &Path, all: bool) -> Result<(), RuntimeError> {
        while let Some(&(seq, _)) = self.pending.front() {
            if !all && !self.log.releasable(seq)? {
                break;
            }
            self.log.wait(seq)?;
            if let Some((_, results)) = self.pending.pop_front() {
                write_results(w, &results, out)?;
            }
            if self.ck.waits_for(seq) {
                w.flush().map_err(ioe(out))?; // the checkpointer fsyncs the file, not the buffer
                self.ck.durable(seq);
            }
        }
        Ok(())
    }

    /// Starts a background checkpoint of the state after the last executed batch (whose
    /// record is the last one submitted): snapshot, log rotation, then `checkpointer.rs`.
    fn checkpoint(
        &mut self,
        engine: &mut Engine,
        meta: &CheckpointMeta,
        out_file: &File,
        out: &Path,
    ) -> Result<(), RuntimeError> {
        let m = CheckpointMeta {
            results_len: self.results_end,
            first_segment: self.log.rotate()?,
            ..meta.clone()
        };
        let results = out_file.try_clone().map_err(ioe(out))?;
        let snap = snapshot::StoreSnapshot::of(engine);
        let seq = self.log.submitted();
        self.ck.start(self.dir.clone(), m, snap, Some(results), seq);
        self.since_checkpoint = 0;
        Ok(())
    }
}

fn write_results(
    w: &mut impl Write,
    results: &RecordBatch,
    out: &Path,
) -> Result<(), RuntimeError> {
    let (_, texts) = columns(results)?;
    for i in 0..results.num_rows() {
        w.write_all(texts.value(i).as_bytes()).map_err(ioe(out))?;
        w.write_all(b"\n").map_err(ioe(out))?;
    }
    Ok(())
}

/// Restores the engine from `dir` and replays the log. Returns the state to resume from and
/// the result lines to re-emit (records after the checkpoint).
fn recover(
    engine: &mut Engine,
    dir: &Path,
) -> Result<(Log, CheckpointMeta, Vec<String>), RuntimeError> {
    let mut meta = CheckpointMeta {
        next_line: 1,
        results_len: 0,
        requests: 0,
        errors: 0,
        first_segment: 0,
    };
    if let Some((m, state)) = durable::read_checkpoint(dir)? {
        snapshot::decode_store(engine, &state).map_err(RuntimeError::CorruptCheckpoint)?;
        meta = m;
    }
    let (log, records) = Log::open(dir, meta.first_segment)?;
    let mut replay = Vec::new();
    for rec in records {
        if rec.next_line <= meta.next_line {
            continue; // covered by the checkpoint
        }
        for (n, line, logged) in &rec.entries {
            let mut errs = 0;
            let again = execute_line(engine, line, *n as usize, &mut errs);
            if &again != logged {
                return Err(RuntimeError::Mismatch(format!(
                    "replaying line {n} gave a different result than logged (was the program changed?)"
                )));
            }
            meta.requests += 1;
            meta.errors += errs;
            replay.push(again);
        }
        meta.next_line = rec.next_line;
    }
    Ok((log, meta, replay))
}

/// Runs a workload file against `program`, writing one result line per request to `out` and,
/// with `state_out`, the final state dump. With `opts.state_dir`, the run is durable and
/// resumable (exactly-once across crashes; see `durable`).
pub fn run_workload(
    program: &Program,
    workload: &Path,
    out: &Path,
    state_out: Option<&Path>,
    opts: &RunOptions,
) -> Result<Summary, RuntimeError> {
    let start = Instant::now();
    let mut engine = Engine::new(program);
    engine.pin_executor(opts.executor);
    let mut meta = CheckpointMeta {
        next_line: 1,
        results_len: 0,
        requests: 0,
        errors: 0,
        first_segment: 0,
    };
    let mut durable_state = None;
    let mut out_file;
    let mut recovered = 0;
    if let Some(dir) = &opts.state_dir {
        fs::create_dir_all(dir).map_err(ioe(dir))?;
        durable::bind_state_dir(dir, program, workload)?;
        let (log, m, replay) = recover(&mut engine, dir)?;
        meta = m;
        recovered = meta.requests;
        out_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(out)
            .map_err(ioe(out))?;
        let have = out_file.metadata().map_err(ioe(out))?.len();
        let ck_len = meta.results_len;
        if have < ck_len {
            return Err(RuntimeError::Mismatch(format!(
                "{} is shorter than the checkpoint says ({have} < {ck_len} bytes)",
                path_str(out)
            )));
        }
        out_file.set_len(ck_len).map_err(ioe(out))?;
        out_file.seek(SeekFrom::End(0)).map_err(ioe(out))?;
        let mut results_end = ck_len;
        for r in &replay {
            out_file.write_all(r.as_bytes()).map_err(ioe(out))?;
            out_file.write_all(b"\n").map_err(ioe(out))?;
            results_end += r.len() as u64 + 1;
        }
        durable_state = Some(Durable {
            dir: dir.clone(),
            log: LogThread::new(log),
            since_checkpoint: 0,
            pending: VecDeque::new(),
            results_end,
            ck: Checkpointer::default(),
        });
    } else {
        out_file = File::create(out).map_err(ioe(out))?;
    }
    let mut writer =
        std::io::BufWriter::with_capacity(1 << 16, out_file.try_clone().map_err(ioe(out))?);
    let reader = BufReader::new(File::open(workload).map_err(ioe(workload))?);
    let progress = opts.progress && std::io::stderr().is_terminal();
    let mut last_progress = Instant::now();

    let mut lines = reader.lines();
    let mut line_no: u64 = 0;
    let skip_to = meta.next_line;
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        let mut eof = false;
        while batch.len() < BATCH {
            match lines.next() {
                None => {
                    eof = true;
                    break;
                }
                Some(l) => {
                    let l = l.map_err(ioe(workload))?;
                    line_no += 1;
                    if line_no < skip_to || l.trim().is_empty() {
                        continue;
                    }
                    batch.push((line_no, l));
                }
            }
        }
        if !batch.is_empty() || (eof && line_no + 1 > meta.next_line) {
            let input = ingress_batch(&batch)?;
            let mut errs = 0;
            let results = execute_batch(&mut engine, &input, opts.workers, &mut errs)?;
            let (_, texts) = columns(&results)?;
            meta.requests += results.num_rows() as u64;
            meta.errors += errs;
            meta.next_line = line_no + 1;
            match durable_state.as_mut() {
                Some(d) => {
                    let entries = batch
                        .iter()
                        .enumerate()
                        .map(|(i, (n, l))| (*n, l.as_str(), texts.value(i)));
                    let rec = durable::encode_record(meta.next_line, batch.len(), entries);
                    let seq = d.log.submit(rec, batch.len())?;
                    d.results_end += (0..texts.len())
                        .map(|i| texts.value(i).len() as u64 + 1)
                        .sum::<u64>();
                    d.pending.push_back((seq, results));
                    d.since_checkpoint += 1;
                    // postponed while the previous checkpoint is still being written
                    if d.since_checkpoint >= opts.checkpoint_every && !d.ck.busy()? {
                        d.checkpoint(&mut engine, &meta, &out_file, out)?;
                    }
                    // release the batches already durable (their fsyncs overlapped execution);
                    // after the checkpoint started, which waits for this batch's release
                    d.release(&mut writer, out, false)?;
                }
                None => write_results(&mut writer, &results, out)?,
            }
        }
        if progress && last_progress.elapsed().as_millis() > 500 {
            let rate = meta.requests.saturating_sub(recovered) as f64
                / start.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r{} requests, {:.0} req/s   ", meta.requests, rate);
            last_progress = Instant::now();
        }
        if eof {
            break;
        }
    }
    if let Some(d) = durable_state.as_mut() {
        d.release(&mut writer, out, true)?;
    }
    writer.flush().map_err(ioe(out))?;
    drop(writer);
    if let Some(d) = durable_state.as_mut() {
        // a final checkpoint, waited for: every result is written, so it may go at once
        d.ck.finish()?;
        debug_assert_eq!(out_file.stream_position().ok(), Some(d.results_end));
        d.checkpoint(&mut engine, &meta, &out_file, out)?;
        d.ck.durable(d.log.submitted());
        d.ck.finish()?;
    }
    if progress {
        eprintln!();
    }
    if let Some(p) = state_out {
        fs::write(p, snapshot::dump_json(&engine)).map_err(ioe(p))?;
    }
    Ok(Summary {
        requests: meta.requests,
        errors: meta.errors,
        recovered,
        wall: start.elapsed(),
    })
}

/// The state held in a state dir (checkpoint + log replay), without modifying it: the
/// state dump entries, for `stent query`.
/// One entity of a state dir: (type, key, (field, value) pairs).
pub type EntityDump = (String, crate::value::Key, Vec<(String, serde_json::Value)>);

pub fn load_state(program: &Program, state_dir: &Path) -> Result<Vec<EntityDump>, RuntimeError> {
    let mut engine = Engine::new(program);
    if let Some((_, state)) = durable::read_checkpoint(state_dir)? {
        snapshot::decode_store(&mut engine, &state).map_err(RuntimeError::CorruptCheckpoint)?;
    }
    meta_replay_readonly(&mut engine, state_dir)?;
    Ok(snapshot::dump_entries(&engine)
        .into_iter()
        .map(|(t, k, fields)| {
            let fields = fields
                .into_iter()
                .map(|(f, v)| {
                    (
                        f,
                        serde_json::from_str(&json::to_json(&v)).unwrap_or(serde_json::Value::Null),
                    )
                })
                .collect();
            (t, k, fields)
        })
        .collect())
}

fn meta_replay_readonly(engine: &mut Engine, dir: &Path) -> Result<(), RuntimeError> {
    let (next, first) = durable::read_checkpoint(dir)?
        .map(|(m, _)| (m.next_line, m.first_segment))
        .unwrap_or((1, 0));
    // Read-only: the intact records, without truncating or deleting anything.
    let records = durable::scan_log(dir, first)?.records;
    for rec in records.iter().filter(|r| r.next_line > next) {
        for (n, line, _) in &rec.entries {
            let mut e = 0;
            execute_line(engine, line, *n as usize, &mut e);
        }
    }
    Ok(())
}
