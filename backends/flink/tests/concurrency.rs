//! The parallel mode (`--parallelism 2`): entities partitioned by (type, key) over two subtasks,
//! calls and replies around the loop, strict 2PL with wait-die.
//!
//! 1. YCSB+T transfers with contention and many requests in flight: every id answered once, the
//!    sum of balances preserved, no negative balance, and serializable: replaying the requests in
//!    the commit order the job reports (`--commit-order-out`, sorted by Lamport stamp, then id)
//!    through the CPython oracle gives the same result per id and the same final state.
//! 2. Conformance cases with re-entrant chains, rollbacks across entities, errors, and the bank
//!    example, at parallelism 2 with `--max-in-flight 1` (one request in the loop at a time, so
//!    the serial order is the input order) against the oracle in input order; and the bank
//!    example with many requests in flight, against its commit-order replay.
//!
//! Skipped when `mvn`, `java` or `python3` is missing.

mod common;

use std::path::PathBuf;

use common::parallel::*;
use common::*;
use serde_json::Value;
use stent_backend_flink::{BatchCase, run_batch};

/// The tests share one runtime build and two cores: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn ycsb_transfers_are_serializable_at_parallelism_2() {
    if !tools_available() {
        return;
    }
    let _serial = serial();
    let dir = root().join("target/stent-flink-tests/concurrency/ycsb");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/ycsb/ycsb.py");
    let workload = dir.join("workload.jsonl");
    let (accounts, ops) = (100, 3000);
    ycsb_workload(&workload, accounts, ops, 42);

    let run = run_parallel(&program_py, &workload, &dir);
    eprintln!("{}", stent_lines(&run.log));
    eprintln!("parallelism 2: {}", run.stats);
    // Requests really overlapped: conflicts happened and wait-die resolved them.
    assert!(
        run.stats["wait_die_aborts"].as_u64().unwrap() > 0,
        "no conflicts at all: the workload did not exercise concurrency control"
    );

    // Every id exactly once; money is conserved and never negative.
    check_ycsb_invariants(&run, accounts, ops);
    let transfers_ok = run
        .results
        .iter()
        .filter(|r| r.get("result").is_some())
        .count();
    eprintln!("{transfers_ok} of {} requests succeeded", run.results.len());
    // Serializable: the commit order replayed through CPython gives the same answers and state.
    check_serializable(&program_py, &workload, &dir, &run);

    // For comparison: the serial mode (one partition) on the same workload.
    let serial_dir = dir.join("serial");
    std::fs::create_dir_all(&serial_dir).unwrap();
    let serial = run_job(&program_py, &workload, &serial_dir, &[]);
    eprintln!("parallelism 1 (serial mode): {}", serial.stats);
    let rate =
        |stats: &Value| run.results.len() as f64 / stats["span_ms"].as_f64().unwrap() * 1000.0;
    eprintln!(
        "{} requests, in-job span (first request to last answer): parallelism 1 {} ms ({:.0} req/s), \
         parallelism 2 {} ms ({:.0} req/s); whole job {} ms vs {} ms",
        run.results.len(),
        serial.stats["span_ms"],
        rate(&serial.stats),
        run.stats["span_ms"],
        rate(&run.stats),
        serial.stats["job_ms"],
        run.stats["job_ms"]
    );
}

#[test]
fn bank_with_many_requests_in_flight_is_serializable() {
    if !tools_available() {
        return;
    }
    let _serial = serial();
    let dir = root().join("target/stent-flink-tests/concurrency/bank");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/bank/bank.py");
    let workload = root().join("tests/gen/large/bank_seed1_2000.jsonl");
    let run = run_parallel(&program_py, &workload, &dir);
    eprintln!("{}", stent_lines(&run.log));
    check_serializable(&program_py, &workload, &dir, &run);
}

#[test]
fn conformance_cases_at_parallelism_2_in_input_order() {
    if !tools_available() {
        return;
    }
    let _serial = serial();
    let base = root().join("target/stent-flink-tests/concurrency/cases");
    let cases: Vec<(String, PathBuf, PathBuf)> = [
        "002_entity_exists",
        "003_entity_not_found",
        "004_malformed_requests",
        "017_reentrant_sees_caller_writes",
        "018_reentrant_ping_pong",
        "019_mutual_recursion_types",
        "022_copy_results_and_reads",
        "023_self_reference_remote",
        "025_rollback_user_exception",
        "026_rollback_zero_division",
        "031_exception_propagates_through_chain",
        "062_loop_writes_then_error",
        "063_linked_list_deep_chain",
        "067_refs_to_missing_entities",
        "068_reentrant_alias_of_field",
        "071_fanout_30_entities",
    ]
    .iter()
    .map(|c| {
        let d = root().join("tests/conformance").join(c);
        (
            c.to_string(),
            d.join("program.py"),
            d.join("workload.jsonl"),
        )
    })
    .chain(std::iter::once((
        "example_bank".to_string(),
        root().join("examples/bank/bank.py"),
        root().join("examples/bank/workload.jsonl"),
    )))
    .collect();
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for (name, program_py, workload) in &cases {
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        expected.push(oracle(program_py, workload, &dir));
        batch.push(BatchCase {
            name: name.clone(),
            program: compile(program_py),
            workload: workload.clone(),
            out: dir.join("flink.jsonl"),
            state_out: Some(dir.join("flink-state.json")),
        });
    }
    let mut opts = test_options();
    opts.job_args = ["--parallelism", "2", "--max-in-flight", "1"]
        .map(String::from)
        .to_vec();
    let summary = run_batch(&batch, 1, &opts).unwrap();
    let mut failures = Vec::new();
    for ((case, outcome), (exp, exp_state)) in batch.iter().zip(&summary.cases).zip(&expected) {
        if let Some(e) = &outcome.error {
            failures.push(format!("{}: job failed: {e}", case.name));
            continue;
        }
        let actual = parse_lines(&std::fs::read_to_string(&case.out).unwrap());
        let diffs = compare_exactly_once(exp, &actual);
        let state: Value = serde_json::from_str(
            &std::fs::read_to_string(case.state_out.as_ref().unwrap()).unwrap(),
        )
        .unwrap();
        eprintln!(
            "{:40} {:>8.0?} {}",
            case.name,
            outcome.run,
            if diffs.is_empty() && same(exp_state, &state) {
                "pass"
            } else {
                "FAIL"
            }
        );
        if !diffs.is_empty() {
            failures.push(format!("{}: {}", case.name, diffs[0]));
        } else if !same(exp_state, &state) {
            failures.push(format!("{}: state {state} != {exp_state}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
