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
//! Threads: `std::thread::scope`, one scope per batch (N-1 spawned threads plus the calling
//! thread). The workers only borrow the committed store and the program tables, which are
//! `Sync` (frozen values, see `store.rs`) and are not mutated until the scope ends; no locks,
//! no `Arc<Mutex>`, no unsafe. Each worker keeps its own interpreter buffers and its
//! speculative effects are plain owned data (`Send`) handed back when the scope joins. Tokio
//! would buy nothing here: the work is CPU-bound and the batch is a barrier anyway.
//! Requests are split into N contiguous chunks (a chunk per worker); the JSON parsing and the
//! result rendering of the batch are parallelised with the speculation.

use std::collections::HashSet;

use crate::engine::{Ctx, Effects, Engine, Scratch, Tables};
use crate::request::{Parsed, Request, parse_line};
use crate::store::Store;
use crate::value::{Exc, Key, R, Value};

/// Batches smaller than this run serially (thread start-up would dominate).
pub const MIN_PARALLEL: usize = 8;

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

fn speculate(t: &Tables, store: &Store, lines: &[(u64, &str)]) -> Vec<Spec> {
    let mut scratch = Scratch::default();
    lines
        .iter()
        .map(
            |(n, text)| match parse_line(text, *n as usize, &t.type_index) {
                Parsed::Bad { id, message } => Spec {
                    req: None,
                    line: render(&id, &Err(Exc::new("BadRequest", message))),
                    err: true,
                    fx: Effects::default(),
                },
                Parsed::Ok(req) => {
                    let (r, fx) = Ctx::new(t, store, &mut scratch).execute(&req);
                    Spec {
                        line: render(&req.id, &r),
                        err: r.is_err(),
                        fx,
                        req: Some(req),
                    }
                }
            },
        )
        .collect()
}

/// Executes a batch of (line number, text) on `workers` threads; the result lines in input
/// order. Equal, line for line and in the final store, to serial execution.
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
    let chunk = lines.len().div_ceil(workers);
    let specs: Vec<Spec> = {
        let (t, store) = (&engine.tables, &engine.store);
        std::thread::scope(|s| {
            let mut parts = lines.chunks(chunk);
            let first = parts.next().unwrap_or(&[]);
            let handles: Vec<_> = parts
                .map(|part| s.spawn(move || speculate(t, store, part)))
                .collect();
            let mut all = speculate(t, store, first);
            for h in handles {
                match h.join() {
                    Ok(v) => all.extend(v),
                    Err(p) => std::panic::resume_unwind(p),
                }
            }
            all
        })
    };
    let mut written: HashSet<(usize, Key)> = HashSet::new();
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let stale = !written.is_empty() && spec.fx.reads.iter().any(|r| written.contains(r));
        if !stale {
            stats.committed += 1;
            *errors += spec.err as u64;
            if spec.fx.writes.len() > 0 {
                for (t, k, _) in &spec.fx.writes {
                    written.insert((*t, k.clone()));
                }
            }
            spec.fx.commit(&mut engine.store);
            out.push(spec.line);
            continue;
        }
        stats.reexecuted += 1;
        let Some(req) = spec.req else {
            unreachable!("a malformed line reads nothing, so it is never stale")
        };
        let (r, fx) = engine.execute_fx(&req);
        for (t, k, _) in fx.writes {
            written.insert((t, k));
        }
        *errors += r.is_err() as u64;
        out.push(render(&req.id, &r));
    }
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
