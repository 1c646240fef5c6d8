//! Micro-benchmarks of one request's path through the local engine (divan), on YCSB+T over
//! 10k accounts (`examples/ycsb/ycsb.py`): parsing a request line, executing parsed requests
//! serially, a whole batch on each executor, small batches (the per-batch cost an open loop
//! below saturation pays), and in the same run the baseline every figure is read against: the
//! same account updates on a plain `HashMap` (`bench_workload`).
//!
//! `cargo bench -p stent-runtime-local --bench engine`. Times are per request (divan's item
//! counter); `stent bench` is the end-to-end suite (latency, durability, the oracle).
//! Where the ~2 µs of a request goes is what these isolate: `parse` runs on the helper thread
//! of the pipelined executor, `execute_serial` (with rendering, in `batch`) on the executor.

use std::sync::OnceLock;

use stent_ir::v1::Program;
use stent_runtime_local::adaptive::Executor;
use stent_runtime_local::bench_workload::{self as wl, Keys, Op};
use stent_runtime_local::engine::{Engine, Scratch, execute_serial};
use stent_runtime_local::parallel::{Stats, execute_batch};
use stent_runtime_local::request::{Parsed, Request, parse_line};
use stent_runtime_local::store::Store;

const KEYS: usize = 10_000;
const OPS: usize = 16 * stent_runtime_local::BATCH;

fn main() {
    divan::main();
}

/// The compiled program and the workload: account creations, then YCSB+T transfers.
struct Fixture {
    program: Program,
    creates: Vec<String>,
    ops: Vec<Op>,
    lines: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ycsb/ycsb.py");
        let src = std::fs::read_to_string(path).expect("examples/ycsb/ycsb.py");
        let program = stent_frontend::compile(path, &src)
            .unwrap_or_else(|d| panic!("{path}: {} diagnostics", d.len()))
            .program;
        let ops = wl::ycsb_ops(wl::Kind::YcsbT, &Keys::new(KEYS, 0.0), OPS, 7);
        Fixture {
            program,
            creates: wl::create_lines(KEYS),
            lines: wl::op_lines(&ops),
            ops,
        }
    })
}

fn numbered(lines: &[String], first: usize) -> Vec<(u64, &str)> {
    (first..)
        .zip(lines)
        .map(|(n, l)| (n as u64, l.as_str()))
        .collect()
}

/// An engine holding the 10k accounts.
fn loaded(f: &'static Fixture) -> Engine<'static> {
    let mut e = Engine::new(&f.program);
    let mut stats = Stats::default();
    for chunk in f.creates.chunks(stent_runtime_local::BATCH) {
        let mut errors = 0;
        execute_batch(&mut e, &numbered(chunk, 0), 1, &mut errors, &mut stats);
        assert_eq!(errors, 0, "creating the accounts");
    }
    e
}

fn parsed(e: &Engine, lines: &[String]) -> Vec<Request> {
    let t = &e.tables.type_index;
    (0..)
        .zip(lines)
        .map(|(n, l)| match parse_line(l, n, t) {
            Parsed::Ok(r) => r,
            Parsed::Bad { message, .. } => panic!("{l}: {message}"),
        })
        .collect()
}

/// Parsing request lines (JSON → typed request).
#[divan::bench]
fn parse(b: divan::Bencher) {
    let f = fixture();
    let e = Engine::new(&f.program);
    let types = &e.tables.type_index;
    b.counter(divan::counter::ItemsCount::new(f.lines.len()))
        .bench_local(|| {
            for (n, l) in f.lines.iter().enumerate() {
                divan::black_box(parse_line(l, n, types));
            }
        });
}

/// Executing parsed requests one after another, committing each (no parsing, no rendering).
#[divan::bench]
fn execute_serial_parsed(b: divan::Bencher) {
    let f = fixture();
    let mut e = loaded(f);
    let reqs = parsed(&e, &f.lines);
    let (t, store, s): (_, &mut Store, &mut Scratch) = e.parts();
    b.counter(divan::counter::ItemsCount::new(reqs.len()))
        .bench_local(|| {
            for r in &reqs {
                let _ = divan::black_box(execute_serial(t, store, s, r));
            }
        });
}

/// Times the fixture's lines cut into batches of `size`, each run by `execute_batch` on
/// `workers` workers (with the engine's executor pinned or not).
fn run_batches(b: divan::Bencher, mut e: Engine<'static>, size: usize, workers: usize) {
    let f = fixture();
    let batches: Vec<Vec<(u64, &str)>> = f
        .lines
        .chunks(size)
        .enumerate()
        .map(|(i, c)| numbered(c, i * size))
        .collect();
    let mut stats = Stats::default();
    b.counter(divan::counter::ItemsCount::new(f.lines.len()))
        .bench_local(|| {
            let mut errors = 0;
            for batch in &batches {
                divan::black_box(execute_batch(
                    &mut e,
                    batch,
                    workers,
                    &mut errors,
                    &mut stats,
                ));
            }
        });
}

/// Whole batches of 1024 lines (parse, execute, render) on each executor, 2 threads for the
/// multi-threaded ones: what `stent run` does per batch, without the log.
#[divan::bench(args = [Executor::Serial, Executor::Pipelined, Executor::Speculative])]
fn batch(b: divan::Bencher, x: Executor) {
    let mut e = loaded(fixture());
    e.pin_executor(Some(x));
    let workers = if x == Executor::Serial { 1 } else { 2 };
    run_batches(b, e, stent_runtime_local::BATCH, workers);
}

/// Batches of a few lines on the serial executor, as an open loop below saturation forms them
/// (a batch takes what has arrived): the per-batch cost that large batches amortize.
#[divan::bench(args = [1, 4, 16, 64])]
fn small_batch(b: divan::Bencher, size: usize) {
    run_batches(b, loaded(fixture()), size, 1);
}

/// The baseline: the same balance updates on a `HashMap<Box<str>, i64>`, one thread.
#[divan::bench]
fn hashmap_baseline(b: divan::Bencher) {
    let f = fixture();
    let names: Vec<Box<str>> = (0..KEYS as u32).map(|i| wl::key_name(i).into()).collect();
    let mut m: std::collections::HashMap<Box<str>, i64> =
        names.iter().map(|k| (k.clone(), 1000)).collect();
    b.counter(divan::counter::ItemsCount::new(f.ops.len()))
        .bench_local(|| {
            for op in &f.ops {
                if let Op::Transfer(a, to, amt) = *op {
                    let from = m[&names[a as usize]];
                    if from >= amt {
                        *m.get_mut(&names[a as usize]).unwrap() -= amt;
                        *m.get_mut(&names[to as usize]).unwrap() += amt;
                    }
                }
            }
        });
}
