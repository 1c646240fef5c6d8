//! Failure recovery of the parallel mode (`--parallelism 2`): with many transactions in flight
//! (calls and replies going round the loop, locks held, private copies and suspended frames in
//! the operators), the job fails once, in the middle of a call chain (a REPLY about to resume a
//! suspended caller), after a checkpoint completed (`--fail-once-after-checkpoint`); the restart
//! strategy recovers it from that checkpoint: the workload position, the entities' keyed state,
//! the transactions' private copies and frames, and the loop's records (the head's unread records
//! and the tail's log up to its end-of-checkpoint barrier).
//!
//! Checked: the failure happened and the job restarted; every request id is answered exactly once;
//! money is conserved and never negative; and the results and final state equal the CPython
//! oracle's replay of the commit order the job reports (serializable, exactly once).
//!
//! Skipped when `mvn`, `java` or `python3` is missing.

mod common;

use std::path::Path;

use common::parallel::*;
use common::*;

/// The tests share one runtime build and two cores: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs the parallel job with one injected failure and checks recovery against the oracle.
fn run_with_one_failure(program_py: &Path, workload: &Path, dir: &Path) -> Run {
    let run = run_parallel_with(
        program_py,
        workload,
        dir,
        &[
            "--max-in-flight",
            "32",
            "--checkpoint-interval-ms",
            "200",
            "--fail-once-after-checkpoint",
            "true",
        ],
    );
    eprintln!("{}", stent_lines(&run.log));
    eprintln!("{}", run.stats);
    assert!(
        run.log
            .contains("stent: injecting a failure in the middle of a call chain"),
        "the failure was never injected (no checkpoint completed during the run?):\n{}",
        run.log
    );
    assert!(
        run.log.contains("stent: operator restarted"),
        "the operator was not restarted:\n{}",
        run.log
    );
    assert!(
        run.stats["restarts"].as_u64().unwrap() >= 1,
        "no restart in the stats"
    );
    // The failure is armed by a checkpoint that held suspended transactions, and the job restarts
    // from it (the next one cannot complete before the next REPLY): the restore brought back
    // private copies and frames of transactions in the middle of their call chains.
    let restored: u64 = run
        .log
        .lines()
        .filter_map(|l| l.strip_prefix("stent: subtask "))
        .filter_map(|l| l.split(" restored ").nth(1))
        .filter_map(|l| l.split(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(
        restored > 0,
        "the restored checkpoint held no suspended transaction:\n{}",
        run.log
    );
    // Every id exactly once, with the answer (and final state) of the commit order's replay.
    check_serializable(program_py, workload, dir, &run);
    run
}

#[test]
fn ycsb_transfers_recover_exactly_once_at_parallelism_2() {
    if !tools_available() {
        return;
    }
    let _serial = serial();
    let dir = root().join("target/stent-flink-tests/parallel-failure/ycsb");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/ycsb/ycsb.py");
    let workload = dir.join("workload.jsonl");
    let (accounts, ops) = (100, 2000);
    ycsb_workload(&workload, accounts, ops, 7);
    let run = run_with_one_failure(&program_py, &workload, &dir);
    check_ycsb_invariants(&run, accounts, ops);
}

#[test]
fn bank_recovers_exactly_once_at_parallelism_2() {
    if !tools_available() {
        return;
    }
    let _serial = serial();
    let dir = root().join("target/stent-flink-tests/parallel-failure/bank");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/bank/bank.py");
    let workload = root().join("tests/gen/large/bank_seed1_2000.jsonl");
    let expected_ids = std::fs::read_to_string(&workload)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let run = run_with_one_failure(&program_py, &workload, &dir);
    assert_eq!(run.results.len(), expected_ids, "one answer per request");
}
