//! The multi-threaded executors against the serial one: every conformance case and example,
//! and the large generated workloads, run with 1 worker (serial) and with 2 workers pinned to
//! the pipelined and to the speculative executor; results and final state must be byte-equal.
//! (The serial executor itself is checked against the CPython oracle by the root conformance
//! suite and by `ycsb_invariants.rs`; this one needs no Python.)
//!
//! A conformance workload is a few dozen lines, less than one pipelined chunk, so each is
//! repeated to span several batches: later copies hit existing entities and mostly answer
//! errors, which exercises the error paths on every executor too.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use stent_runtime_local::adaptive::Executor;
use stent_runtime_local::{RunOptions, run_workload};

/// Lines a workload is repeated up to: two full batches and a partial one.
const MIN_LINES: usize = 2 * 1024 + 300;

fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = repo_root();
    let mut out = Vec::new();
    for d in std::fs::read_dir(root.join("tests/conformance"))
        .unwrap()
        .flatten()
    {
        let p = d.path();
        if p.join("program.py").exists() && p.join("workload.jsonl").exists() {
            out.push((p.join("program.py"), p.join("workload.jsonl")));
        }
    }
    for d in std::fs::read_dir(root.join("examples")).unwrap().flatten() {
        let p = d.path();
        let wl = p.join("workload.jsonl");
        for f in std::fs::read_dir(&p).into_iter().flatten().flatten() {
            if f.path().extension().is_some_and(|e| e == "py") && wl.exists() {
                out.push((f.path(), wl.clone()));
            }
        }
    }
    for (name, program) in [
        ("bank_seed1_2000", "bank/bank.py"),
        ("hotel_seed1_2000", "hotel/hotel.py"),
        ("shop_seed1_2000", "shop/shop.py"),
        ("ycsb_seed1_2000", "ycsb/ycsb.py"),
        ("ycsb_seed2_5000_zipf1.2", "ycsb/ycsb.py"),
    ] {
        let wl = root.join(format!("tests/gen/large/{name}.jsonl"));
        out.push((example(program), wl));
    }
    out.sort();
    out
}

/// `workload` repeated up to [`MIN_LINES`] lines (blank lines dropped).
fn repeated(workload: &Path, to: &Path) {
    let text = std::fs::read_to_string(workload).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "{} is empty", workload.display());
    let copies = MIN_LINES.div_ceil(lines.len());
    let mut out = String::new();
    for _ in 0..copies {
        for l in &lines {
            out.push_str(l);
            out.push('\n');
        }
    }
    std::fs::write(to, out).unwrap();
}

/// (results, final state) of one in-memory run.
fn run(
    program: &stent_ir::v1::Program,
    workload: &Path,
    dir: &Path,
    workers: usize,
    executor: Option<Executor>,
) -> (Vec<u8>, Vec<u8>) {
    let tag = executor.map_or("serial1", Executor::name);
    let (out, state) = (
        dir.join(format!("{tag}.jsonl")),
        dir.join(format!("{tag}.json")),
    );
    let opts = RunOptions {
        workers,
        executor,
        progress: false,
        ..Default::default()
    };
    run_workload(program, workload, &out, Some(&state), &opts).unwrap();
    (std::fs::read(&out).unwrap(), std::fs::read(&state).unwrap())
}

#[test]
fn pipelined_and_speculative_executors_equal_the_serial_one() {
    let dir = scratch("executors");
    let cases = cases();
    assert!(cases.len() >= 80, "only {} cases found", cases.len());
    for (i, (program, workload)) in cases.iter().enumerate() {
        let source = std::fs::read_to_string(program).unwrap();
        let compiled = stent_frontend::compile(&program.display().to_string(), &source)
            .unwrap_or_else(|d| panic!("{}: {} diagnostics", program.display(), d.len()))
            .program;
        let wl = dir.join(format!("w{i}.jsonl"));
        repeated(workload, &wl);
        let serial = run(&compiled, &wl, &dir, 1, None);
        for e in [Executor::Pipelined, Executor::Speculative] {
            let got = run(&compiled, &wl, &dir, 2, Some(e));
            let case = format!("{} on {}", workload.display(), e.name());
            assert!(
                got.0 == serial.0,
                "{case}: results differ from the serial executor's"
            );
            assert!(
                got.1 == serial.1,
                "{case}: final state differs from the serial executor's"
            );
        }
    }
    eprintln!(
        "{} cases: pipelined and speculative equal serial",
        cases.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
