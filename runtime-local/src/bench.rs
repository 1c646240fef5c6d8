//! `stent bench`: throughput and latency of the local engine, with baselines, as a table.
//!
//! What is measured, and why this way (see README.md "Benchmarks"):
//! * The engine path is the real one minus file I/O of the workload/results files: JSON request
//!   lines in, [`parallel::execute_batch`] (parse, execute, validate, render) in batches of
//!   [`BATCH`], JSON result lines out; with durability, each batch is appended to the real
//!   request log with an fsync (group commit) before its results count as answered, and a
//!   checkpoint is taken every [`CHECKPOINT_EVERY`] × [`BATCH`] requests (`--checkpoint-every`)
//!   — all inside the timed region. As in `stent run`, a checkpoint stalls the pipeline only for
//!   a store snapshot and a log rotation; it is written in the background (`checkpointer.rs`).
//!   The log is written by its own thread (`logthread.rs`): batch k's fsync overlaps batch
//!   k+1's execution, and a batch counts as answered when its fsync completed.
//! * Closed loop: the client keeps one batch outstanding; a request's latency is the service
//!   time of its batch (submission to answered, fsync included).
//! * Open loop (every row): requests arrive at fixed times at fractions of the row's measured
//!   closed-loop peak (`--open-loop`; full suite 25, 50, 75, 90 and 100%: up to saturation);
//!   each batch takes whatever has arrived; latency is answered-time minus arrival-time, so
//!   queueing is included. The table shows the run at ½ of peak, the notes the whole sweep.
//! * Baselines in the same run: a `HashMap` loop doing the same updates (the physical limit),
//!   the CPython oracle (`python3 -m stent.oracle`, load-subtracted) and, for durable rows, the
//!   device's own `fdatasync` latency, appending and overwriting (`bench_workload::fsync_baseline`).

use std::cell::Cell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stent_ir::v1::Program;

use crate::adaptive::Executor;
use crate::bench_workload::{self as wl, Kind, pct};
use crate::checkpointer::Checkpointer;
use crate::durable::{self, CheckpointMeta, Log};
use crate::engine::Engine;
use crate::logthread::LogThread;
use crate::parallel::{self, Stats};
use crate::segments::SlowSyncs;
use crate::{BATCH, snapshot};

/// Checkpoint cadence of durable runs, in full batches (the `RunOptions` default).
pub const CHECKPOINT_EVERY: usize = 256;

/// Compiles a `.py` program (the CLI passes its own loader; benches pass stent_frontend).
pub type Compile<'a> = &'a dyn Fn(&Path) -> Result<Program, String>;

#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub kinds: Vec<Kind>,
    pub keys: Vec<usize>,
    pub zipfs: Vec<f64>,
    pub workers: Vec<usize>,
    pub durable: Vec<bool>,
    pub requests: usize,
    pub oracle_requests: usize,
    pub hotel_requests: usize,
    pub oracle: bool,
    /// Checkpoint cadence of durable runs, in full batches of requests.
    pub checkpoint_every: usize,
    /// Open-loop offered rates, as fractions of the row's closed-loop peak (each row runs
    /// all; the table shows the one nearest ½).
    pub open_loop: Vec<f64>,
    /// Open-loop offered rates in requests/s, instead of `open_loop`'s fractions (to compare
    /// builds at the same load when their peaks differ by noise).
    pub open_rates: Vec<f64>,
    /// Seconds of arrivals per open-loop run (capped by the requests generated): a p99 over
    /// one second is the worst ~10 ms of that second.
    pub open_seconds: f64,
    /// Closed-loop runs per row; the row shows the median one (on a shared machine, runs of
    /// the same binary differ by up to 1.5x).
    pub repeat: usize,
}

impl Options {
    pub fn full() -> Options {
        Options {
            root: PathBuf::from("."),
            kinds: vec![Kind::YcsbA, Kind::YcsbB, Kind::YcsbT, Kind::Hotel],
            keys: vec![10_000, 1_000_000],
            zipfs: vec![0.0, 0.99],
            workers: vec![1, 2],
            durable: vec![false, true],
            requests: 200_000,
            oracle_requests: 50_000,
            hotel_requests: 20_000,
            oracle: true,
            checkpoint_every: CHECKPOINT_EVERY,
            open_loop: vec![0.25, 0.5, 0.75, 0.9, 1.0],
            open_rates: Vec::new(),
            open_seconds: 1.0,
            repeat: 3,
        }
    }
    pub fn quick() -> Options {
        Options {
            keys: vec![10_000],
            requests: 20_000,
            oracle_requests: 1_000,
            hotel_requests: 3_000,
            open_loop: vec![0.5],
            repeat: 1,
            ..Options::full()
        }
    }
}

const HELP: &str =
    "stent bench [--quick] [--root DIR] [--workloads a,b,t,hotel] [--keys 10000,1000000]
            [--zipf 0,0.99] [--workers 1,2] [--durable off,on] [--requests N] [--no-oracle]
            [--checkpoint-every BATCHES] [--open-loop 0.25,0.5,0.75,0.9,1] [--open-rate R1,R2]
            [--open-seconds S] [--repeat N]
Runs the local engine's benchmark suite from the repository root (examples/, python/, tests/gen/)
and prints one table row per configuration (the median of --repeat closed-loop runs: 3, or 1
with --quick). --open-loop offers fractions of each row's peak; --open-rate fixed rates in
requests/s instead; each open-loop run offers --open-seconds of arrivals (default 1, capped by
--requests). Build with --release for meaningful figures.";

fn list<T>(v: &str, f: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    v.split(',')
        .map(|x| f(x.trim()).ok_or_else(|| format!("bad value '{x}'")))
        .collect()
}

pub fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = if args.iter().any(|a| a == "--quick") {
        Options::quick()
    } else {
        Options::full()
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--quick" => {}
            "-h" | "--help" => return Ok(None),
            "--root" => o.root = PathBuf::from(val()?),
            "--workloads" => o.kinds = list(&val()?, Kind::parse)?,
            "--keys" => o.keys = list(&val()?, |x| x.parse().ok())?,
            "--zipf" => o.zipfs = list(&val()?, |x| x.parse().ok())?,
            "--workers" => o.workers = list(&val()?, |x| x.parse().ok())?,
            "--durable" => o.durable = list(&val()?, |x| Some(x == "on"))?,
            "--requests" => o.requests = val()?.parse().map_err(|_| "bad --requests")?,
            "--no-oracle" => o.oracle = false,
            "--open-loop" => {
                o.open_loop = list(&val()?, |x| x.parse().ok().filter(|f: &f64| *f > 0.0))?
            }
            "--open-rate" => {
                o.open_rates = list(&val()?, |x| x.parse().ok().filter(|r: &f64| *r > 0.0))?
            }
            "--open-seconds" => {
                o.open_seconds = val()?
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0)
                    .ok_or("bad --open-seconds")?
            }
            "--repeat" => {
                o.repeat = val()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("bad --repeat")?
            }
            "--checkpoint-every" => {
                o.checkpoint_every = val()?.parse().map_err(|_| "bad --checkpoint-every")?
            }
            other => return Err(format!("unknown argument {other}\n{HELP}")),
        }
    }
    Ok(Some(o))
}

/// One measured run.
#[derive(Debug, Clone)]
pub struct Run {
    pub throughput: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub reexecuted: f64,
    /// The executor that ran most of the batches, and its share of them.
    pub executor: (Executor, f64),
    /// How long each checkpoint held up the pipeline.
    pub checkpoint_stalls: Vec<Duration>,
    /// Background checkpoints: (encode, start to durable) of each.
    pub checkpoint_background: Vec<(Duration, Duration)>,
    /// Durable runs: the log's fsyncs over 2 ms (count, total, of it waiting for a CPU).
    pub slow_syncs: Option<(u64, Duration, Option<Duration>)>,
}

struct Sink {
    log: Option<(PathBuf, LogThread)>,
    /// Requests logged since the last checkpoint.
    since_checkpoint: usize,
    line: u64,
    /// Durable batches not yet answered: (log sequence number, first request index,
    /// requests).
    pending: VecDeque<(u64, usize, usize)>,
    /// Checkpoint cadence in requests.
    every: usize,
    ck: Checkpointer,
    /// How long each checkpoint held up the pipeline (the caller of [`Self::batch`]).
    stalls: Vec<Duration>,
    /// The log's fsyncs over 2 ms (durable runs).
    slow_syncs: Option<Arc<SlowSyncs>>,
}

impl Sink {
    fn new(dir: Option<PathBuf>, every: usize) -> Result<Sink, String> {
        let mut slow_syncs = None;
        let log = match dir {
            None => None,
            Some(d) => {
                fresh_state_dir(&d)?;
                let mut log = Log::open(&d, 0).map_err(|e| e.to_string())?.0;
                let trace = Arc::new(SlowSyncs::default());
                log.trace_slow_syncs(trace.clone());
                slow_syncs = Some(trace);
                Some((d.clone(), LogThread::new(log)))
            }
        };
        Ok(Sink {
            log,
            since_checkpoint: 0,
            line: 1,
            pending: VecDeque::new(),
            every: every * BATCH,
            ck: Checkpointer::default(),
            stalls: Vec::new(),
            slow_syncs,
        })
    }

    /// Executes one batch (requests `first..first + lines.len()` of the run); with durability,
    /// queues it on the log thread (its fsync overlaps the next batch) and checkpoints on
    /// cadence. `done(first, n, at)` is called once requests `first..first + n` are answered:
    /// at once in memory, when their fsync completed with durability.
    fn batch(
        &mut self,
        engine: &mut Engine,
        lines: &[String],
        first: usize,
        workers: usize,
        stats: &mut Stats,
        done: &mut impl FnMut(usize, usize, Instant),
    ) -> Result<(), String> {
        let line0 = self.line;
        let input: Vec<(u64, &str)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (line0 + i as u64, l.as_str()))
            .collect();
        let mut errors = 0;
        let out = parallel::execute_batch(engine, &input, workers, &mut errors, stats);
        self.line += lines.len() as u64;
        let Some((_, log)) = self.log.as_mut() else {
            std::hint::black_box(out);
            done(first, lines.len(), Instant::now());
            return Ok(());
        };
        let entries = input.iter().zip(out.iter()).map(|((n, l), r)| (*n, *l, r));
        let rec = durable::encode_record(self.line, input.len(), entries);
        let seq = log.submit(rec, lines.len()).map_err(|e| e.to_string())?;
        self.pending.push_back((seq, first, lines.len()));
        // cadence in requests (CHECKPOINT_EVERY full batches), so that the small batches of
        // the open loop do not checkpoint more often per request than the closed loop; a
        // checkpoint still being written postpones the next one
        self.since_checkpoint += lines.len();
        if self.since_checkpoint >= self.every && !self.ck.busy().map_err(|e| e.to_string())? {
            self.since_checkpoint = 0;
            let t = Instant::now();
            let Some((dir, log)) = self.log.as_mut() else {
                return Ok(());
            };
            // as `stent run` does (pipeline.rs): snapshot + rotation here, the rest in the
            // background once this batch is durable
            let meta = CheckpointMeta {
                next_line: self.line,
                results_len: 0,
                requests: self.line - 1,
                errors: 0,
                first_segment: log.rotate().map_err(|e| e.to_string())?,
            };
            let snap = snapshot::StoreSnapshot::of(engine);
            self.ck.start(dir.clone(), meta, snap, None, seq);
            self.stalls.push(t.elapsed());
        }
        // then (the checkpoint waits for this batch) answer the batches already durable,
        // oldest first; block only with too many in flight (a slow fsync then delays no later
        // batch's execution: the next fsync covers every record queued meanwhile)
        let Some((_, log)) = self.log.as_mut() else {
            return Ok(());
        };
        while let Some(&(s, f, n)) = self.pending.front() {
            if !log.releasable(s).map_err(|e| e.to_string())? {
                break;
            }
            self.pending.pop_front();
            done(f, n, log.wait(s).map_err(|e| e.to_string())?);
            self.ck.durable(s);
        }
        Ok(())
    }

    /// The run's figures, with this sink's checkpoint stalls and background timings.
    fn summarize(self, lat: Vec<u64>, n: usize, t0: Instant, stats: Stats) -> Run {
        let wall = t0.elapsed().as_secs_f64();
        let bg = self
            .ck
            .timings
            .iter()
            .map(|t| (t.encode, t.total))
            .collect();
        let mut run = summarize(lat, n, wall, stats, self.stalls, bg);
        run.slow_syncs = self.slow_syncs.map(|s| s.get());
        run
    }

    /// Waits for every queued batch to be durable and answers it, then for the checkpoint in
    /// flight (the end of a run).
    fn finish(&mut self, done: &mut impl FnMut(usize, usize, Instant)) -> Result<(), String> {
        if let Some((_, log)) = self.log.as_mut() {
            for (s, f, n) in self.pending.drain(..) {
                done(f, n, log.wait(s).map_err(|e| e.to_string())?);
                self.ck.durable(s);
            }
        }
        self.ck.finish().map_err(|e| e.to_string())
    }
}

/// Empties `dir` for a run but keeps the free log segments the previous run left (a long-running
/// service reuses covered segments: see segments.rs), so that a run measures the log's steady
/// state and not the first checkpoint interval of a new state dir.
fn fresh_state_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for e in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let e = e.map_err(|e| e.to_string())?;
        if !e.file_name().to_string_lossy().starts_with("free-") {
            std::fs::remove_file(e.path()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Closed loop: the client keeps one batch executing (plus, with durability, the previous
/// one waiting for its fsync).
pub fn closed_loop(
    engine: &mut Engine,
    lines: &[String],
    workers: usize,
    state_dir: Option<PathBuf>,
    checkpoint_every: usize,
) -> Result<Run, String> {
    let mut sink = Sink::new(state_dir, checkpoint_every)?;
    let mut stats = Stats::default();
    // submission time of each batch, read when the batch is answered
    let start: Vec<Cell<Instant>> = (0..lines.len().div_ceil(BATCH))
        .map(|_| Cell::new(Instant::now()))
        .collect();
    let mut lat = Vec::with_capacity(lines.len());
    let t0 = Instant::now();
    let mut done = |first: usize, n: usize, at: Instant| {
        let ns = at.duration_since(start[first / BATCH].get()).as_nanos() as u64;
        lat.extend(std::iter::repeat_n(ns, n));
    };
    for (i, chunk) in lines.chunks(BATCH).enumerate() {
        start[i].set(Instant::now());
        sink.batch(engine, chunk, i * BATCH, workers, &mut stats, &mut done)?;
    }
    sink.finish(&mut done)?;
    Ok(sink.summarize(lat, lines.len(), t0, stats))
}

/// Open loop: arrivals at `rate` requests/s; batches take what has arrived (up to BATCH).
pub fn open_loop(
    engine: &mut Engine,
    lines: &[String],
    workers: usize,
    state_dir: Option<PathBuf>,
    checkpoint_every: usize,
    rate: f64,
) -> Result<Run, String> {
    let mut sink = Sink::new(state_dir, checkpoint_every)?;
    let mut stats = Stats::default();
    let mut lat = Vec::with_capacity(lines.len());
    let t0 = Instant::now();
    let arrival = |i: usize| Duration::from_secs_f64(i as f64 / rate);
    let mut done = |first: usize, n: usize, at: Instant| {
        let at = at.duration_since(t0);
        for i in first..first + n {
            lat.push(at.saturating_sub(arrival(i)).as_nanos() as u64);
        }
    };
    let mut next = 0;
    while next < lines.len() {
        let now = t0.elapsed();
        let arrived = ((now.as_secs_f64() * rate) as usize + 1).min(lines.len());
        if arrived <= next {
            // idle; a queued batch is answered at its fsync's completion time (recorded by the
            // log thread), so it need not be waited for here
            let wait = arrival(next).saturating_sub(t0.elapsed());
            if wait > Duration::from_micros(200) {
                std::thread::sleep(wait - Duration::from_micros(100));
            } else {
                std::hint::spin_loop();
            }
            continue;
        }
        let end = arrived.min(next + BATCH);
        sink.batch(
            engine,
            &lines[next..end],
            next,
            workers,
            &mut stats,
            &mut done,
        )?;
        next = end;
    }
    sink.finish(&mut done)?;
    Ok(sink.summarize(lat, lines.len(), t0, stats))
}

fn summarize(
    mut lat: Vec<u64>,
    n: usize,
    wall: f64,
    stats: Stats,
    checkpoint_stalls: Vec<Duration>,
    checkpoint_background: Vec<(Duration, Duration)>,
) -> Run {
    lat.sort_unstable();
    let spec = stats.committed + stats.reexecuted;
    Run {
        throughput: n as f64 / wall.max(1e-9),
        p50: pct(&lat, 0.50),
        p99: pct(&lat, 0.99),
        p999: pct(&lat, 0.999),
        reexecuted: if spec > 0 {
            stats.reexecuted as f64 / spec as f64
        } else {
            0.0
        },
        executor: {
            let total = stats.batches.iter().sum::<u64>().max(1) as f64;
            let main = Executor::ALL
                .into_iter()
                .max_by_key(|e| stats.batches[*e as usize])
                .unwrap_or(Executor::Serial);
            (main, stats.batches[main as usize] as f64 / total)
        },
        checkpoint_stalls,
        checkpoint_background,
        slow_syncs: None,
    }
}

/// One row's open-loop sweep: per offered rate, the rate reached and the latency percentiles.
fn sweep_note(
    name: &str,
    keys: usize,
    zipf: f64,
    workers: usize,
    dur: bool,
    sweep: &[(f64, f64, Run)],
) -> String {
    let dur = if dur { "durable" } else { "in memory" };
    let mut note = format!("{name} {keys} keys zipf {zipf} w{workers} {dur}, open loop:");
    for (f, r, x) in sweep {
        note += &format!(
            "\n      {:>4.0}% of peak: offered {:>7}/s, reached {:>7}/s, p50 {} p99 {} p99.9 {} ms",
            f * 100.0,
            rate(*r),
            rate(x.throughput),
            ms(x.p50),
            ms(x.p99),
            ms(x.p999)
        );
        note += &slow_syncs_note(x);
    }
    note
}

/// "; N fsyncs over 2 ms (T ms in all, P% of it waiting for a CPU)" of a durable run: whether
/// its tail latency came from the device or from CPU contention on the log thread.
fn slow_syncs_note(r: &Run) -> String {
    let Some((n, total, wait)) = r.slow_syncs else {
        return String::new();
    };
    let share = match wait {
        Some(w) if !total.is_zero() => format!(
            ", {:.0}% of it waiting for a CPU",
            100.0 * w.as_secs_f64() / total.as_secs_f64()
        ),
        Some(_) => String::new(),
        None => ", CPU wait unknown".into(),
    };
    format!("; {n} fsyncs over 2 ms ({} ms in all{share})", ms(total))
}

/// "n checkpoints, stall median/max; in the background: ..." of a run, for the notes.
fn stall_note(r: &Run) -> String {
    let med = |mut v: Vec<Duration>| {
        v.sort();
        v.get(v.len().saturating_sub(1) / 2)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let bg = &r.checkpoint_background;
    let mut s = stalls_note(&r.checkpoint_stalls);
    if !bg.is_empty() {
        s += &format!(
            " (in the background: encode median {:.3} ms, start to durable median {:.3} ms)",
            med(bg.iter().map(|b| b.0).collect()),
            med(bg.iter().map(|b| b.1).collect())
        );
    }
    s
}

fn stalls_note(stalls: &[Duration]) -> String {
    let mut ms: Vec<f64> = stalls.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    match ms.last() {
        None => "no checkpoint".into(),
        Some(max) => format!(
            "{} checkpoints, pipeline stall median {:.3} ms, max {max:.3} ms",
            ms.len(),
            ms[(ms.len() - 1) / 2]
        ),
    }
}

/// Loads entities with the (untimed) create lines; bytes of resident memory per entity.
pub fn load(engine: &mut Engine, lines: &[String], workers: usize) -> f64 {
    let before = wl::rss_bytes();
    let mut stats = Stats::default();
    let mut sink = Sink::new(None, CHECKPOINT_EVERY).expect("in-memory sink");
    for chunk in lines.chunks(BATCH * 16) {
        let _ = sink.batch(engine, chunk, 0, workers, &mut stats, &mut |_, _, _| {});
    }
    let after = wl::rss_bytes();
    after.saturating_sub(before) as f64 / engine.entity_count().max(1) as f64
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn rate(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// Runs the suite; the report (tables and notes).
pub fn main(args: &[String], compile: Compile) -> Result<String, String> {
    let Some(o) = parse_args(args)? else {
        return Ok(format!("{HELP}\n"));
    };
    let tmp = std::env::temp_dir().join(format!("stent-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let r = suite(&o, compile, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    r
}

fn suite(o: &Options, compile: Compile, tmp: &Path) -> Result<String, String> {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let header = format!(
        "{:<7} {:>7} {:>5} {:>2} {:>4} | {:>8} {:>8} {:>8} {:>8} {:>6} {:>9} | {:>9} {:>9} | {:>10} {:>8} {:>8}",
        "work",
        "keys",
        "zipf",
        "w",
        "dur",
        "txn/s",
        "p50 ms",
        "p99 ms",
        "p999 ms",
        "reexec",
        "executor",
        "xHashMap",
        "xOracle",
        "open@½pk",
        "p50 ms",
        "p99 ms"
    );
    if o.durable.contains(&true) {
        for (overwrite, what) in [(false, "a 32 KiB append"), (true, "a 32 KiB overwrite")] {
            notes.push(match wl::fsync_baseline(tmp, 32 << 10, 0.5, overwrite) {
                Ok(((p50, p99, max), n)) => format!(
                    "device floor for durable rows: fdatasync after {what} p50 {} p99 {} max \
                     {} ms ({n} syncs in {}); a request waits for the fsync in progress, then \
                     its own (reused log segments are overwritten)",
                    ms(p50),
                    ms(p99),
                    ms(max),
                    tmp.display()
                ),
                Err(e) => format!("device floor not measured: {e}"),
            });
        }
    }
    eprintln!("{header}");
    for &kind in &o.kinds {
        let path = match kind {
            Kind::Hotel => o.root.join("examples/hotel/hotel.py"),
            _ => o.root.join("examples/ycsb/ycsb.py"),
        };
        let program = compile(&path)?;
        let mut oracle_rate: Option<f64> = None;
        for &keys in &o.keys {
            if kind == Kind::Hotel && keys > 10_000 {
                notes.push(format!(
                    "hotel with {keys} entities skipped: its generator (Python) is too slow at that size"
                ));
                continue;
            }
            for &zipf in &o.zipfs {
                let (load_lines, timed, ops) = match kind {
                    Kind::Hotel => {
                        let (l, t) = wl::hotel_lines(&o.root, o.hotel_requests, keys, zipf)?;
                        (l, t, Vec::new())
                    }
                    _ => {
                        let k = wl::Keys::new(keys, zipf);
                        let ops = wl::ycsb_ops(kind, &k, o.requests, 42);
                        (wl::create_lines(keys), wl::op_lines(&ops), ops)
                    }
                };
                let hashmap = (!ops.is_empty()).then(|| wl::hashmap_baseline(keys, &ops));
                if timed.is_empty() {
                    notes.push(format!(
                        "{} {keys} keys: empty workload, skipped",
                        kind.name()
                    ));
                    continue;
                }
                if o.oracle && oracle_rate.is_none() {
                    let n = match kind {
                        Kind::Hotel => o.oracle_requests / 10,
                        _ => o.oracle_requests,
                    }
                    .min(timed.len());
                    match wl::oracle_baseline(&o.root, &path, &load_lines, &timed[..n], tmp) {
                        Ok(r) => {
                            notes.push(format!(
                                "{}: CPython oracle {} req/s ({} keys, zipf {zipf}, {n} requests)",
                                kind.name(),
                                rate(r),
                                keys
                            ));
                            oracle_rate = Some(r);
                        }
                        Err(e) => notes.push(format!("{}: oracle not run: {e}", kind.name())),
                    }
                }
                if let Some(h) = hashmap {
                    notes.push(format!(
                        "{} {keys} keys zipf {zipf}: HashMap loop {} ops/s (1 thread)",
                        kind.name(),
                        rate(h)
                    ));
                }
                let mut engine = Engine::new(&program);
                let mem = load(&mut engine, &load_lines, 2);
                notes.push(format!(
                    "{} {keys} keys zipf {zipf}: {} entities, {:.0} bytes RSS per entity",
                    kind.name(),
                    engine.entity_count(),
                    mem
                ));
                for &workers in &o.workers {
                    for &dur in &o.durable {
                        let dir = dur.then(|| tmp.join("state"));
                        let every = o.checkpoint_every;
                        let mut runs = Vec::with_capacity(o.repeat);
                        for _ in 0..o.repeat {
                            runs.push(closed_loop(
                                &mut engine,
                                &timed,
                                workers,
                                dir.clone(),
                                every,
                            )?);
                        }
                        runs.sort_by(|a, b| a.throughput.total_cmp(&b.throughput));
                        if runs.len() > 1 {
                            let all: Vec<String> =
                                runs.iter().map(|r| rate(r.throughput)).collect();
                            notes.push(format!(
                                "{} {keys} keys zipf {zipf} w{workers} {}: closed-loop runs {} txn/s (the row: the median)",
                                kind.name(),
                                if dur { "durable" } else { "in memory" },
                                all.join(", ")
                            ));
                        }
                        let run = runs.swap_remove(runs.len() / 2);
                        // open loop at each fraction of this row's peak, up to saturation
                        let mut sweep = Vec::new();
                        let offered: Vec<(f64, f64)> = if o.open_rates.is_empty() {
                            o.open_loop
                                .iter()
                                .map(|f| (*f, run.throughput * f))
                                .collect()
                        } else {
                            o.open_rates
                                .iter()
                                .map(|r| (r / run.throughput, *r))
                                .collect()
                        };
                        for (f, r) in offered {
                            let n = ((r * o.open_seconds) as usize).max(1000).min(timed.len());
                            let (t, d) = (&timed[..n], dir.clone());
                            sweep.push((f, r, open_loop(&mut engine, t, workers, d, every, r)?));
                        }
                        let open = sweep
                            .iter()
                            .min_by(|a, b| (a.0 - 0.5).abs().total_cmp(&(b.0 - 0.5).abs()))
                            .map(|(_, r, x)| (*r, x.clone()));
                        let row = format!(
                            "{:<7} {:>7} {:>5} {:>2} {:>4} | {:>8} {:>8} {:>8} {:>8} {:>5.1}% {:>9} | {:>9} {:>9} | {:>10} {:>8} {:>8}",
                            kind.name(),
                            keys,
                            zipf,
                            workers,
                            if dur { "on" } else { "off" },
                            rate(run.throughput),
                            ms(run.p50),
                            ms(run.p99),
                            ms(run.p999),
                            run.reexecuted * 100.0,
                            format!("{} {:.0}%", run.executor.0.abbrev(), run.executor.1 * 100.0),
                            hashmap
                                .map(|h| format!("{:.3}", run.throughput / h))
                                .unwrap_or("-".into()),
                            oracle_rate
                                .map(|r| format!("{:.0}x", run.throughput / r))
                                .unwrap_or("-".into()),
                            open.as_ref().map(|(r, _)| rate(*r)).unwrap_or("-".into()),
                            open.as_ref().map(|(_, x)| ms(x.p50)).unwrap_or("-".into()),
                            open.as_ref().map(|(_, x)| ms(x.p99)).unwrap_or("-".into()),
                        );
                        eprintln!("{row}");
                        rows.push(row);
                        if sweep.len() > 1 || dur {
                            notes.push(sweep_note(kind.name(), keys, zipf, workers, dur, &sweep));
                        }
                        if dur {
                            let name = kind.name();
                            let mut note = format!(
                                "{name} {keys} keys w{workers} durable, checkpoint every {} \
                                 requests: closed loop {}",
                                o.checkpoint_every * BATCH,
                                stall_note(&run)
                            );
                            if let Some((_, x)) = &open {
                                note += &format!("; open loop {}", stall_note(x));
                            }
                            notes.push(note);
                        }
                    }
                }
            }
        }
    }
    let mut out = String::new();
    out.push_str(&header);
    out.push('\n');
    for r in rows {
        out.push_str(&r);
        out.push('\n');
    }
    out.push_str("\nxHashMap: engine txn/s ÷ the HashMap loop on the same ops; xOracle: ÷ the CPython oracle.\n");
    out.push_str("Closed-loop latency = service time of the request's batch (batches of 1024).\n");
    out.push_str("reexec: share of the speculated requests re-executed (speculative batches only); executor: the one that ran most batches.\n");
    for n in notes {
        out.push_str(&format!("  {n}\n"));
    }
    Ok(out)
}
