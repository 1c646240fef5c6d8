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
//! Threads: one scope per batch with `workers - 1` helper tasks on the rayon pool (persistent
//! threads: a thread spawn per batch cost more than a hand-off); the batch's chunks are claimed
//! dynamically (a helper the machine does not schedule in time never stalls
//! the batch: the calling thread speculates its chunk too). The store is moved into an `RwLock`
//! for the batch (read-locked while speculating, write-locked by the calling thread for the
//! in-order commit once every chunk is back: never contended). Each worker keeps its own
//! interpreter buffers; its speculative effects are plain owned data (`Send`). Tokio would buy
//! nothing here: the work is CPU-bound and the batch is a barrier anyway. The JSON parsing and
//! the result rendering are parallelised with the speculation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, RwLock};
use std::time::Instant;

use rustc_hash::FxHashSet as HashSet;

use crate::adaptive::{Adaptive, Executor};
use crate::engine::{Ctx, Effects, Engine, Scratch, Tables, execute_serial};
use crate::request::{Arg, Parsed, ReqId, Request, RequestKind, parse_line};
use crate::store::Store;
use crate::value::{Exc, Key, R, Value};

/// Batches smaller than this run serially (the thread hand-off would dominate).
pub const MIN_PARALLEL: usize = 8;

/// Batches smaller than this run serially unless an executor is pinned, and do not count in
/// the adaptive choice. In an open loop below saturation most batches are small: measured on
/// them, the serial estimate was mostly per-batch overhead, and a backlog's full batches then
/// ran on the speculative executor (3-4x slower on 2 cores) for tens of batches in a row.
pub const MIN_ADAPTIVE: usize = 2 * crate::pipelined::CHUNK;

/// Lines per speculation round (a batch is speculated and validated in rounds of this many
/// lines). Smaller rounds re-execute less (a request only conflicts with the writes of its own
/// round that it could not see) but add two thread hand-offs per round; on the shared 2-core
/// box, 256-line rounds cut YCSB+T uniform re-execution from ~10% to 2.5% yet ran 2x slower
/// (hand-off latency under load), so today a round is a whole batch.
pub const ROUND: usize = crate::BATCH;

/// One speculatively executed request (its result line is line i of its chunk's [`Lines`]).
struct Spec {
    /// The parsed request (None for a malformed line, which reads and writes nothing).
    req: Option<Request>,
    err: bool,
    fx: Effects,
}

/// A speculated chunk: its requests and their result lines.
type Speculated = (Vec<Spec>, Lines);

/// What the parallel executor keeps from batch to batch, so that its hash tables and buffers
/// keep their capacity (built afresh per batch, they were rehashed as they grew: ~5% of the
/// protocol's instructions).
#[derive(Default)]
pub struct Parallel<'p> {
    pub(crate) adapt: Adaptive,
    /// One speculation-local store per chunk.
    locals: Vec<Store>,
    validator: Validator<'p>,
}

/// Counters of the validation phase (for the benchmark report).
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub committed: u64,
    pub reexecuted: u64,
    /// Batches run by each executor, by `Executor as usize`.
    pub batches: [u64; 3],
}

/// A speculating worker's buffers: its interpreter scratch and the writes of the earlier
/// requests of its current chunk (a request sees them over the committed store, as it would
/// serially; see [`Validator`] for why that stays sound).
struct Worker<'a, 'p> {
    t: &'a Tables<'p>,
    scratch: Scratch<'p>,
}

impl<'a, 'p> Worker<'a, 'p> {
    fn new(t: &'a Tables<'p>) -> Self {
        Worker {
            t,
            scratch: Scratch::default(),
        }
    }

    /// Speculates `lines` over `store` plus `local` (emptied first: the chunk's own writes).
    fn speculate(&mut self, store: &Store, local: &mut Store, lines: &[(u64, &str)]) -> Speculated {
        for m in &mut local.maps {
            m.clear();
        }
        let mut out = Vec::with_capacity(lines.len());
        let mut text_out = Lines::with_capacity(lines.len());
        for (n, text) in lines {
            out.push(match parse_line(text, *n as usize, &self.t.type_index) {
                Parsed::Bad { id, message } => {
                    text_out.push_str(&render(&id, &Err(Exc::new("BadRequest", message))));
                    Spec {
                        req: None,
                        err: true,
                        fx: Effects::default(),
                    }
                }
                Parsed::Ok(req) => {
                    let (r, fx) =
                        Ctx::with_local(self.t, store, local, &mut self.scratch).execute(&req);
                    for (ty, k, st) in &fx.writes {
                        local.insert(*ty, k.clone(), st.clone());
                    }
                    text_out.push_req(&req.id, &r);
                    Spec {
                        err: r.is_err(),
                        fx,
                        req: Some(req),
                    }
                }
            });
        }
        (out, text_out)
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

    /// Validates and commits the speculated chunks of a round, in input order.
    #[allow(clippy::too_many_arguments)]
    fn commit_round(
        &mut self,
        t: &Tables<'p>,
        store: &mut Store,
        specs: Vec<Speculated>,
        out: &mut Lines,
        errors: &mut u64,
        stats: &mut Stats,
    ) {
        self.new_round();
        let n = specs.len();
        for (i, (specs, lines)) in specs.into_iter().enumerate() {
            self.commit_chunk(t, store, specs, &lines, i + 1 == n, out, errors, stats);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_chunk(
        &mut self,
        t: &Tables<'p>,
        store: &mut Store,
        specs: Vec<Spec>,
        lines: &Lines,
        last: bool,
        out: &mut Lines,
        errors: &mut u64,
        stats: &mut Stats,
    ) {
        self.dirty.clear();
        self.chunk.clear();
        for (i, spec) in specs.into_iter().enumerate() {
            let stale = (!self.earlier.is_empty() || !self.dirty.is_empty())
                && spec
                    .fx
                    .reads
                    .iter()
                    .any(|r| self.earlier.contains(r) || self.dirty.contains(r));
            if !stale {
                stats.committed += 1;
                *errors += spec.err as u64;
                if !last {
                    // the round's last chunk has no later chunk to invalidate
                    for (ty, k, _) in &spec.fx.writes {
                        self.chunk.push((*ty, k.clone()));
                    }
                }
                spec.fx.commit(store);
                out.push_str(lines.get(i));
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
            out.push_req(&req.id, &r);
        }
        self.earlier.extend(self.chunk.drain(..));
    }
}

/// A batch's speculation chunks, claimed dynamically: whichever thread is free takes the next
/// unclaimed chunk, so a helper that the (oversubscribed) machine does not schedule in time
/// never holds the batch up: the calling thread then speculates its chunk itself.
struct Chunks<'b, 'l> {
    parts: Vec<&'b [(u64, &'l str)]>,
    next: AtomicUsize,
    /// The chunks' speculation-local stores (a chunk's thread takes its own).
    locals: Vec<Mutex<Store>>,
    /// (speculated chunks by index, how many are done).
    done: Mutex<(Vec<Option<Speculated>>, usize)>,
    cv: Condvar,
}

impl Chunks<'_, '_> {
    /// Speculates unclaimed chunks until none is left.
    fn work(&self, w: &mut Worker, store: &RwLock<Store>) {
        loop {
            let c = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = self.parts.get(c) else {
                return;
            };
            let specs = {
                let g = store.read().unwrap_or_else(|e| e.into_inner());
                // uncontended: chunk c is claimed by exactly one thread
                let mut local = self.locals[c].lock().unwrap_or_else(|e| e.into_inner());
                w.speculate(&g, &mut local, part)
            };
            let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
            d.0[c] = Some(specs);
            d.1 += 1;
            self.cv.notify_all();
        }
    }

    /// Waits until every chunk is speculated; the chunks in input order.
    fn wait_all(&self) -> Vec<Speculated> {
        let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
        while d.1 < self.parts.len() {
            d = self.cv.wait(d).unwrap_or_else(|e| e.into_inner());
        }
        d.0.iter_mut()
            .map(|x| x.take().unwrap_or_default())
            .collect()
    }
}

/// Executes a batch of (line number, text) with up to `workers` threads; the result lines in
/// input order. Equal, line for line and in the final store, to serial execution.
///
/// With one worker (or a tiny batch) the batch runs serially; otherwise [`Adaptive`] picks the
/// executor measured fastest: serial, pipelined (`pipelined.rs`: parsing on a second thread)
/// or the speculative protocol of this module ([`execute_parallel`]).
pub fn execute_batch(
    engine: &mut Engine,
    lines: &[(u64, &str)],
    workers: usize,
    errors: &mut u64,
    stats: &mut Stats,
) -> Lines {
    let multi = workers > 1 && lines.len() >= MIN_PARALLEL;
    let pinned = engine.par.adapt.pinned.filter(|_| multi);
    // the choice (and its measurements) only on batches big enough to compare: below two
    // chunks pipelined runs serially anyway, and per-request times of small batches are
    // mostly per-batch overhead
    let adaptive = multi && pinned.is_none() && lines.len() >= MIN_ADAPTIVE;
    let exec = match pinned {
        Some(e) => e,
        None if adaptive => engine.par.adapt.choose(workers),
        None => Executor::Serial,
    };
    let t0 = Instant::now();
    let out = match exec {
        Executor::Speculative => execute_parallel(engine, lines, workers, errors, stats),
        Executor::Pipelined => crate::pipelined::execute_pipelined(engine, lines, errors),
        Executor::Serial => execute_serial_chunked(engine, lines, errors),
    };
    if adaptive {
        engine.par.adapt.record(exec, t0.elapsed(), lines.len());
    }
    stats.batches[exec as usize] += 1;
    out
}

/// The parallel protocol (see the module docs) for one batch.
fn execute_parallel(
    engine: &mut Engine,
    lines: &[(u64, &str)],
    workers: usize,
    errors: &mut u64,
    stats: &mut Stats,
) -> Lines {
    let t = &engine.tables;
    let par = &mut engine.par;
    let store = RwLock::new(std::mem::take(&mut engine.store));
    let mut out = Lines::with_capacity(lines.len());
    for round in lines.chunks(ROUND) {
        let parts: Vec<_> = round.chunks(round.len().div_ceil(workers)).collect();
        par.locals
            .resize_with(parts.len(), || Store::new(t.types.len()));
        let chunks = Chunks {
            done: Mutex::new(((0..parts.len()).map(|_| None).collect(), 0)),
            locals: par.locals.drain(..parts.len()).map(Mutex::new).collect(),
            parts,
            next: AtomicUsize::new(0),
            cv: Condvar::new(),
        };
        let specs = rayon::in_place_scope(|s| {
            for _ in 1..workers {
                s.spawn(|_| chunks.work(&mut Worker::new(t), &store));
            }
            chunks.work(&mut Worker::new(t), &store);
            chunks.wait_all()
        });
        // emptied now, not at the next use: the states they share with the store would make
        // the serial executor's in-place commit (`Arc::get_mut`) fail until then
        par.locals.extend(chunks.locals.into_iter().map(|m| {
            let mut local = m.into_inner().unwrap_or_else(|e| e.into_inner());
            local.maps.iter_mut().for_each(|m| m.clear());
            local
        }));
        let mut g = store.write().unwrap_or_else(|e| e.into_inner());
        par.validator
            .commit_round(t, &mut g, specs, &mut out, errors, stats);
    }
    engine.store = store.into_inner().unwrap_or_else(|e| e.into_inner());
    out
}

/// The serial executor: the batch in chunks of [`crate::pipelined::CHUNK`] lines, each parsed
/// whole and its entities prefetched ([`prefetch_entities`]) before it runs.
fn execute_serial_chunked(engine: &mut Engine, lines: &[(u64, &str)], errors: &mut u64) -> Lines {
    let (t, store, scratch) = engine.parts();
    let mut out = Lines::with_capacity(lines.len());
    let mut chunk = Vec::with_capacity(crate::pipelined::CHUNK);
    for part in lines.chunks(crate::pipelined::CHUNK) {
        chunk.extend(
            part.iter()
                .map(|(n, text)| parse_line(text, *n as usize, &t.type_index)),
        );
        run_chunk(t, store, scratch, &mut chunk, errors, &mut out);
    }
    out
}

/// Executes a chunk of parsed lines in order (emptying `chunk`), after looking up the
/// entities they name back to back ([`prefetch_entities`]): independent lookups overlap their
/// cache misses, which each request alone would wait out in turn.
pub(crate) fn run_chunk<'p>(
    t: &Tables<'p>,
    store: &mut Store,
    scratch: &mut Scratch<'p>,
    chunk: &mut Vec<Parsed>,
    errors: &mut u64,
    out: &mut Lines,
) {
    for p in chunk.iter() {
        prefetch_entities(store, p);
    }
    for p in chunk.drain(..) {
        run_parsed(t, store, scratch, p, errors, out);
    }
}

/// One workload line → one result line (without the newline), executed serially.
pub fn execute_line(engine: &mut Engine, text: &str, line_no: usize, errors: &mut u64) -> String {
    let mut out = Lines::with_capacity(1);
    execute_line_into(engine, text, line_no, errors, &mut out);
    out.buf
}

/// [`execute_line`], its result line appended to `out`.
pub fn execute_line_into(
    engine: &mut Engine,
    text: &str,
    line_no: usize,
    errors: &mut u64,
    out: &mut Lines,
) {
    let (t, store, scratch) = engine.parts();
    let parsed = parse_line(text, line_no, &t.type_index);
    run_parsed(t, store, scratch, parsed, errors, out);
}

/// Starts loading the committed state of the entities `p` names (the callee and any
/// reference arguments) into the cache.
fn prefetch_entities(store: &Store, p: &Parsed) {
    let Parsed::Ok(req) = p else { return };
    match &req.kind {
        RequestKind::Call { ty, key, args, .. } => {
            store.prefetch(*ty, key);
            for a in args {
                if let Arg::Ref(ty, key) = a {
                    store.prefetch(*ty, key);
                }
            }
        }
        RequestKind::Get { ty, key } => store.prefetch(*ty, key),
        RequestKind::Create { .. } => {}
    }
}

/// Executes a parsed line serially (commits into `store`) and appends its result line.
pub(crate) fn run_parsed<'p>(
    t: &Tables<'p>,
    store: &mut Store,
    scratch: &mut Scratch<'p>,
    parsed: Parsed,
    errors: &mut u64,
    out: &mut Lines,
) {
    match parsed {
        Parsed::Bad { id, message } => {
            *errors += 1;
            render_into(
                &mut out.buf,
                |s| s.push_str(&id),
                &Err(Exc::new("BadRequest", message)),
            );
            out.ends.push(out.buf.len());
        }
        Parsed::Ok(req) => {
            let r = execute_serial(t, store, scratch, &req);
            *errors += r.is_err() as u64;
            out.push_req(&req.id, &r);
        }
    }
}

/// A batch's result lines (without newlines), in input order, rendered into one buffer: no
/// `String` per line.
#[derive(Debug, Default)]
pub struct Lines {
    buf: String,
    /// The end offset of each line in `buf`.
    ends: Vec<usize>,
}

impl Lines {
    pub fn with_capacity(n: usize) -> Lines {
        Lines {
            buf: String::with_capacity(n * 48),
            ends: Vec::with_capacity(n),
        }
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Line `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
    pub fn push_str(&mut self, line: &str) {
        self.buf.push_str(line);
        self.ends.push(self.buf.len());
    }
    /// The result line of request `id` with outcome `r`.
    pub fn push_req(&mut self, id: &ReqId, r: &R<Value>) {
        render_into(&mut self.buf, |s| id.write(s), r);
        self.ends.push(self.buf.len());
    }
}

/// The result line of request `id` (JSON text) with outcome `r`.
pub fn render(id: &str, r: &R<Value>) -> String {
    render_with(|s| s.push_str(id), r)
}

fn render_with(id: impl FnOnce(&mut String), r: &R<Value>) -> String {
    let mut s = String::with_capacity(64);
    render_into(&mut s, id, r);
    s
}

/// Appends the result line to `s`.
fn render_into(s: &mut String, id: impl FnOnce(&mut String), r: &R<Value>) {
    s.push_str("{\"id\": ");
    id(s);
    match r {
        Ok(v) => {
            s.push_str(", \"result\": ");
            crate::json::write_value(s, v);
            s.push('}');
        }
        Err(e) => {
            s.push_str(", \"error\": {\"type\": ");
            crate::json::write_str(s, &e.ty);
            s.push_str(", \"message\": ");
            crate::json::write_str(s, &e.msg);
            s.push_str("}}");
        }
    }
}
