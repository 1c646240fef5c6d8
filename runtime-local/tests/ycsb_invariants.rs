//! YCSB+T closed economy under high contention (8 accounts, Zipf 1.2, ~70% transfers) with 2
//! workers: the sum of balances never changes, no balance goes negative, and results and
//! final state equal the oracle's. Runs both in memory (the API) and durably (the driver, once
//! with each multi-threaded executor pinned).

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const ACCOUNTS: usize = 8;
const REQUESTS: usize = 20_000;

/// Checks the invariants on a state dump; returns the total balance.
fn check_economy(state: &Path) -> i64 {
    let entries = state_entries(state);
    assert_eq!(entries.len(), ACCOUNTS, "accounts created or lost");
    let mut sum = 0;
    for (ty, key, st) in entries {
        assert_eq!(ty, "Account");
        let b = st["balance"].as_i64().unwrap();
        assert!(b >= 0, "{key} has a negative balance {b}");
        sum += b;
    }
    sum
}

/// Every `read` answered a non-negative balance.
fn check_reads(results: &Path) {
    for (id, r) in results_by_id(results) {
        if let Some(Value::Number(n)) = r.get("result") {
            assert!(n.as_i64().unwrap() >= 0, "{id} answered {n}");
        }
    }
}

#[test]
fn closed_economy_with_two_workers_under_contention() {
    let dir = scratch("ycsbt");
    let workload = dir.join("w.jsonl");
    ycsb_workload(&workload, 42, ACCOUNTS, REQUESTS, 1.2);
    let program = example("ycsb/ycsb.py");
    let (want_out, want_state) = oracle(&program, &workload, &dir);
    assert_eq!(check_economy(&want_state), 100 * ACCOUNTS as i64);

    // In memory, through the API.
    let source = std::fs::read_to_string(&program).unwrap();
    let compiled = stent_frontend::compile("ycsb.py", &source).unwrap().program;
    let (out, state) = (dir.join("mem.jsonl"), dir.join("mem_state.json"));
    let opts = stent_runtime_local::RunOptions {
        workers: 2,
        progress: false,
        ..Default::default()
    };
    let summary =
        stent_runtime_local::run_workload(&compiled, &workload, &out, Some(&state), &opts).unwrap();
    assert_eq!(summary.requests as usize, ACCOUNTS + REQUESTS);
    assert_results_match(&out, &want_out);
    assert_state_match(&state, &want_state);
    assert_eq!(check_economy(&state), 100 * ACCOUNTS as i64);
    check_reads(&out);

    // Durable, 2 workers, checkpoint every batch; every batch through one multi-threaded
    // executor (left to itself, the executor is chosen per batch by measured speed).
    for executor in ["speculative", "pipelined"] {
        let (out, state) = (
            dir.join(format!("dur_{executor}.jsonl")),
            dir.join(format!("dur_{executor}_state.json")),
        );
        let o = driver_cmd(
            &program,
            &workload,
            &out,
            &dir.join(format!("state_{executor}")),
        )
        .env("STENT_EXECUTOR", executor)
        .args(["--workers", "2", "--checkpoint-every", "1", "--state-out"])
        .arg(&state)
        .output()
        .unwrap();
        assert!(o.status.success(), "{executor}: {}", stderr_of(&o));
        assert_results_match(&out, &want_out);
        assert_state_match(&state, &want_state);
        assert_eq!(check_economy(&state), 100 * ACCOUNTS as i64);
    }
    let errors = results_by_id(&dir.join("mem.jsonl"))
        .values()
        .filter(|r| r.get("error").is_some())
        .count();
    eprintln!(
        "ycsb+t: {} requests on {ACCOUNTS} accounts, {errors} errors (overdrafts, missing \
         accounts, duplicates); in-memory run: {summary}",
        ACCOUNTS + REQUESTS
    );
    let _ = std::fs::remove_dir_all(&dir);
}
