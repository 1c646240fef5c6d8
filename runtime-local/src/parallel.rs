//! Deterministic parallel execution of a batch: speculate in parallel, commit in input order.
//!
//! Why this protocol (Aria / Bohm / Block-STM family): the contract demands results and state
//! equal to running the requests one after another in input order. Locking would make the order
//! depend on thread timing; instead every request of a batch is first executed *speculatively*
//! against the same committed snapshot, on N worker threads at once, recording its read set
//! (every (type, key) it observed, missing ones included) and its write set. Then one thread
//! walks the batch in input order: a request none of whose reads was written by an earlier
//! request of the batch saw exactly the state it would have seen serially, so its speculative
//! result is its serial result and its writes are committed as they are; otherwise it is
//! re-executed on the spot against the current store (which now holds every earlier request's
//! writes), serially, and its writes are added to the batch's write set. The outcome is the
//! serial one by construction, whatever the interleaving of the workers.
//!
//! Refinements over the textbook protocol: a batch is processed in rounds of [`ROUND`] lines
//! (speculate, then validate), and a worker's request sees the speculative writes of the
//! earlier requests of its own chunk, so only writes from *other* chunks (or from re-executed
//! requests) force a re-execution; see [`Validator`] for the exact rule.
//!
//! Threads: one `std::thread::scope` per batch with `workers - 1` helper threads that take a
//! chunk per round over a channel (no spawn per round); the store is moved into an `RwLock`
//! for the batch (read-locked while speculating, write-locked by the calling thread for the
//! in-order commit once every helper handed its chunk back: never contended). Each worker keeps
//! its own interpreter buffers; its speculative effects are plain owned data (`Send`). Tokio
//! would buy nothing here: the work is CPU-bound and each round is a barrier anyway. The JSON
//! parsing and the result rendering are parallelised with the speculation.

use std::sync::{RwLock, mpsc};

use rustc_hash::FxHashSet as HashSet;

use crate::engine::{Ctx, Effects, Engine, Scratch, Tables};
use crate::request::{Parsed, Request, parse_line};
use crate::store::Store;
use crate::value::{Exc, Key, R, Value};

/// Batches smaller than this run serially (the thread hand-off would dominate).
pub const MIN_PARALLEL: usize = 8;

/// Lines per speculation round (a batch is speculated and validated in rounds of this many
/// lines). Smaller rounds re-execute less (a request only conflicts with the writes of its own
/// round that it could not see) but add two thread hand-offs per round; on the shared 2-core
/// box, 256-line rounds cut YCSB+T uniform re-execution from ~10% to 2.5% yet ran 2x slower
/// (hand-off latency under load), so today a round is a whole batch.
pub const ROUND: usize = crate::BATCH;

/// One speculatively executed request.
struct Spec {
    /// The parsed request (None for a malformed line, which reads and writes nothing).
    req: Option<Request>,
    line: String,
    err: bool,
    fx: Effects,
}

/// Counters of the validation phase (for the benchmark report).
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub committed: u64,
    pub reexecuted: u64,
}

/// A speculating worker's buffers: its interpreter scratch and the writes of the earlier
/// requests of its current chunk (a request sees them over the committed store, as it would
/// serially; see [`Validator`] for why that stays sound).
struct Worker<'a, 'p> {
    t: &'a Tables<'p>,
    scratch: Scratch<'p>,
    local: Store,
}

impl<'a, 'p> Worker<'a, 'p> {
    fn new(t: &'a Tables<'p>) -> Self {
        Worker {
            t,
            scratch: Scratch::default(),
            local: Store::new(t.types.len()),
        }
    }

    fn speculate(&mut self, store: &Store, lines: &[(u64, &str)]) -> Vec<Spec> {
        for m in &mut self.local.maps {
            m.clear();
        }
        let mut out = Vec::with_capacity(lines.len());
        for (n, text) in lines {
            out.push(match parse_line(text, *n as usize, &self.t.type_index) {
                Parsed::Bad { id, message } => Spec {
                    req: None,
                    line: render(&id, &Err(Exc::new("BadRequest", message))),
                    err: true,
                    fx: Effects::default(),
                },
                Parsed::Ok(req) => {
                    let (r, fx) = Ctx::with_local(self.t, store, &self.local, &mut self.scratch)
                        .execute(&req);
                    for (ty, k, st) in &fx.writes {
                        self.local.insert(*ty, k.clone(), st.clone());
                    }
                    Spec {
                        line: render(&req.id, &r),
                        err: r.is_err(),
                        fx,
                        req: Some(req),
                    }
                }
            });
        }
        out
    }
}

/// The in-order validation and commit of one round.
///
/// Request i of chunk c was speculated against the round's snapshot plus the speculative
/// writes of the requests before it in chunk c. That view equals the serial state before i on
/// every entity i observed unless (a) a request of an earlier chunk of the round wrote one of
/// them (`earlier`: their committed writes), or (b) a request before i in chunk c was
/// re-executed (its real writes may differ from the speculative ones i saw): `dirty` holds the
/// speculative and the real writes of those. Otherwise i's speculative outcome is its serial
/// one and is committed as is; else i is re-executed against the current store.
#[derive(Default)]
struct Validator<'p> {
    earlier: HashSet<(usize, Key)>,
    dirty: HashSet<(usize, Key)>,
    chunk: Vec<(usize, Key)>,
    scratch: Scratch<'p>,
}

impl<'p> Validator<'p> {
    fn new_round(&mut self) {
        self.earlier.clear();
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_chunk(
        &mut self,
        t: &Tables<'p>,
        store: &mut Store,
        specs: Vec<Spec>,
        out: &mut Vec<String>,
        errors: &mut u64,
        stats: &mut Stats,
    ) {
        self.dirty.clear();
        self.chunk.clear();
        for spec in specs {
            let stale = (!self.earlier.is_empty() || !self.dirty.is_empty())
                && spec
                    .fx
                    .reads
                    .iter()
                    .any(|r| self.earlier.contains(r) || self.dirty.contains(r));
            if !stale {
                stats.committed += 1;
                *errors += spec.err as u64;
                for (ty, k, _) in &spec.fx.writes {
                    self.chunk.push((*ty, k.clone()));
                }
                spec.fx.commit(store);
                out.push(spec.line);
                continue;
            }
            stats.reexecuted += 1;
            let Some(req) = spec.req else {
                unreachable!("a malformed line reads nothing, so it is never stale")
            };
            for (ty, k, _) in spec.fx.writes {
                self.dirty.insert((ty, k));
            }
            let (r, fx) = Ctx::new(t, store, &mut self.scratch).execute(&req);
            for (ty, k, _) in &fx.writes {
                self.dirty.insert((*ty, k.clone()));
                self.chunk.push((*ty, k.clone()));
            }
            fx.commit(store);
            *errors += r.is_err() as u64;
            out.push(render(&req.id, &r));
        }
        self.earlier.extend(self.chunk.drain(..));
    }
}

/// Receives from `rx`, spinning briefly before blocking: a round's hand-offs are a few hundred
/// microseconds apart, and a futex sleep/wake-up per hand-off costs more than that on a busy
/// machine (the scheduler may not run the woken thread for a whole time slice).
fn recv_spin<T>(rx: &mpsc::Receiver<T>) -> Result<T, mpsc::RecvError> {
    for i in 0..SPIN {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(mpsc::TryRecvError::Disconnected) => return Err(mpsc::RecvError),
            Err(mpsc::TryRecvError::Empty) if i % 64 == 63 => std::thread::yield_now(),
            Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
    rx.recv()
}

/// `try_recv` attempts before [`recv_spin`] blocks (a few milliseconds at most).
const SPIN: usize = 1 << 16;

/// Executes a batch of (line number, text) on `workers` threads; the result lines in input
/// order. Equal, line for line and in the final store, to serial execution.
///
/// Threads: one scope per batch; the `workers - 1` helpers live for the whole batch and take
/// one chunk per round over a channel. The store sits in an `RwLock` for the batch: every
/// worker read-locks it to speculate, and the calling thread write-locks it to validate and
/// commit only after every helper has handed its chunk back, so the lock is never contended.
pub fn execute_batch(
    engine: &mut Engine,
    lines: &[(u64, &str)],
    workers: usize,
    errors: &mut u64,
    stats: &mut Stats,
) -> Vec<String> {
    if workers <= 1 || lines.len() < MIN_PARALLEL {
        return lines
            .iter()
            .map(|(n, text)| execute_line(engine, text, *n as usize, errors))
            .collect();
    }
    let t = &engine.tables;
    let store = RwLock::new(std::mem::take(&mut engine.store));
    let mut out = Vec::with_capacity(lines.len());
    std::thread::scope(|s| {
        let mut helpers = Vec::new();
        for _ in 1..workers {
            let (job_tx, job_rx) = mpsc::channel::<&[(u64, &str)]>();
            let (res_tx, res_rx) = mpsc::channel::<Vec<Spec>>();
            let store = &store;
            s.spawn(move || {
                let mut w = Worker::new(t);
                while let Ok(job) = recv_spin(&job_rx) {
                    let specs = {
                        let g = store.read().unwrap_or_else(|e| e.into_inner());
                        w.speculate(&g, job)
                    };
                    if res_tx.send(specs).is_err() {
                        break;
                    }
                }
            });
            helpers.push((job_tx, res_rx));
        }
        let mut me = Worker::new(t);
        let mut val = Validator::default();
        for round in lines.chunks(ROUND) {
            let chunk = round.len().div_ceil(workers);
            let mut parts = round.chunks(chunk);
            let first = parts.next().unwrap_or(&[]);
            let mut sent = 0;
            for (h, part) in helpers.iter().zip(parts) {
                h.0.send(part).expect("speculation worker alive");
                sent += 1;
            }
            let mine = {
                let g = store.read().unwrap_or_else(|e| e.into_inner());
                me.speculate(&g, first)
            };
            let theirs: Vec<Vec<Spec>> = helpers[..sent]
                .iter()
                .map(|h| recv_spin(&h.1).expect("speculation worker panicked"))
                .collect();
            let mut g = store.write().unwrap_or_else(|e| e.into_inner());
            val.new_round();
            for specs in std::iter::once(mine).chain(theirs) {
                val.commit_chunk(t, &mut g, specs, &mut out, errors, stats);
            }
        }
        drop(helpers);
    });
    engine.store = store.into_inner().unwrap_or_else(|e| e.into_inner());
    out
}

/// One workload line → one result line (without the newline), executed serially.
pub fn execute_line(engine: &mut Engine, text: &str, line_no: usize, errors: &mut u64) -> String {
    match parse_line(text, line_no, &engine.tables.type_index) {
        Parsed::Bad { id, message } => {
            *errors += 1;
            render(&id, &Err(Exc::new("BadRequest", message)))
        }
        Parsed::Ok(req) => {
            let r = engine.execute(&req);
            *errors += r.is_err() as u64;
            render(&req.id, &r)
        }
    }
}

/// The result line of request `id` (JSON text) with outcome `r`.
pub fn render(id: &str, r: &R<Value>) -> String {
    let mut s = String::with_capacity(64);
    s.push_str("{\"id\": ");
    s.push_str(id);
    match r {
        Ok(v) => {
            s.push_str(", \"result\": ");
            crate::json::write_value(&mut s, v);
            s.push('}');
        }
        Err(e) => {
            s.push_str(", \"error\": {\"type\": ");
            crate::json::write_str(&mut s, &e.ty);
            s.push_str(", \"message\": ");
            crate::json::write_str(&mut s, &e.msg);
            s.push_str("}}");
        }
    }
    s
}
