//! Pipelined execution of a batch on two threads: the router (request parsing) runs ahead of
//! the executor, which runs the requests one after another in input order.
//!
//! Why: parsing a request line depends on nothing but the line and the program's type names,
//! and it is about a third of the serial executor's instructions per request. Moving it to a
//! second thread uses the second core on every workload, contended or not, with no
//! speculation, validation or re-execution: the execution itself is the serial executor's,
//! so the outcome is the serial one trivially (the deterministic parallel protocol of
//! `parallel.rs` instead pays for its parallel execution with ~1.4x the serial instructions
//! and a serial validate-and-commit pass, and loses on 2 cores).
//!
//! The batch is cut into chunks of [`CHUNK`] lines. The helper thread parses chunk after chunk
//! into owned, `Send` requests; the calling thread executes and renders them in order. Chunks
//! are claimed with one atomic counter: when the executor reaches a chunk nobody has claimed
//! yet (the helper was not scheduled in time), it parses that chunk itself instead of waiting,
//! so an oversubscribed machine degrades to the serial executor rather than stalling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::engine::{Engine, Tables};
use crate::parallel::{Lines, run_chunk};
use crate::request::{Parsed, parse_line};

/// Lines per chunk: big enough that the hand-off (a lock and a wake-up) is noise next to
/// parsing the chunk, small enough that the executor starts soon after the batch does.
pub const CHUNK: usize = 64;

/// The chunks of one batch, shared by the parsing helper and the executor.
struct Ahead<'l> {
    lines: &'l [(u64, &'l str)],
    chunks: usize,
    /// The next chunk to parse (claimed by `fetch_add` or, by the executor, by swapping in
    /// its own index + 1).
    next: AtomicUsize,
    parsed: Mutex<Vec<Option<Vec<Parsed>>>>,
    ready: Condvar,
}

impl<'l> Ahead<'l> {
    fn new(lines: &'l [(u64, &'l str)]) -> Self {
        let chunks = lines.len().div_ceil(CHUNK);
        Ahead {
            lines,
            chunks,
            next: AtomicUsize::new(0),
            parsed: Mutex::new((0..chunks).map(|_| None).collect()),
            ready: Condvar::new(),
        }
    }

    fn parse(&self, t: &Tables, c: usize) -> Vec<Parsed> {
        let end = ((c + 1) * CHUNK).min(self.lines.len());
        self.lines[c * CHUNK..end]
            .iter()
            .map(|(n, text)| parse_line(text, *n as usize, &t.type_index))
            .collect()
    }

    /// The helper: parses every chunk it can claim, in order.
    fn work(&self, t: &Tables) {
        loop {
            let c = self.next.fetch_add(1, Ordering::Relaxed);
            if c >= self.chunks {
                return;
            }
            let v = self.parse(t, c);
            self.parsed.lock().unwrap_or_else(|e| e.into_inner())[c] = Some(v);
            self.ready.notify_one();
        }
    }

    /// Chunk `c`'s requests, for the executor (every chunk before `c` has been taken, so
    /// `next >= c`): parsed here if still unclaimed, else waited for.
    fn take(&self, t: &Tables, c: usize) -> Vec<Parsed> {
        if self
            .next
            .compare_exchange(c, c + 1, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            return self.parse(t, c);
        }

        let mut g = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(v) = g[c].take() {
                return v;
            }
            g = self.ready.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Runs `lines` with parsing on a helper thread and execution, in input order, on this one;
/// the result lines in input order (equal to the serial executor's by construction).
pub fn execute_pipelined(engine: &mut Engine, lines: &[(u64, &str)], errors: &mut u64) -> Lines {
    let (t, store, scratch) = engine.parts();
    let ahead = Ahead::new(lines);
    let mut out = Lines::with_capacity(lines.len());
    if ahead.chunks < 2 {
        // the executor parses the first chunk itself: a helper would have nothing to do (the
        // small batches of a lightly loaded open loop)
        run_chunk(t, store, scratch, &mut ahead.take(t, 0), errors, &mut out);
        return out;
    }
    rayon::in_place_scope(|s| {
        s.spawn(|_| ahead.work(t));
        for c in 0..ahead.chunks {
            run_chunk(t, store, scratch, &mut ahead.take(t, c), errors, &mut out);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chunk is handed to the executor exactly once, whoever parses it, including
    /// when the executor finds chunks unclaimed (here: it races the helper from the start).
    #[test]
    fn every_chunk_is_taken_once_in_order() {
        let program = stent_ir::v1::Program::default();
        let t = Tables::new(&program);
        let texts: Vec<String> = (0..CHUNK * 5 + 7).map(|i| format!("bad {i}")).collect();
        let lines: Vec<(u64, &str)> = texts
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u64 + 1, s.as_str()))
            .collect();
        for _ in 0..50 {
            let ahead = Ahead::new(&lines);
            let got: Vec<usize> = std::thread::scope(|s| {
                s.spawn(|| ahead.work(&t));
                (0..ahead.chunks).map(|c| ahead.take(&t, c).len()).collect()
            });
            let mut want = vec![CHUNK; 5];
            want.push(7);
            assert_eq!(got, want);
        }
    }
}
