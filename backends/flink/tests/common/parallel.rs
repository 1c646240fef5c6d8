//! Helpers of the parallel-mode tests (`concurrency.rs`, `parallel_failure.rs`, and the parallel
//! runs of `kafka.rs` and `cluster.rs`): a YCSB+T workload generator, running the generated job,
//! and checking a run against the CPython oracle's replay of the commit order the job reports.

use std::path::Path;

use serde_json::Value;
use stent_backend_flink::build;

use super::*;

/// A deterministic YCSB+T workload: `accounts` accounts of 1000, then `ops` operations
/// (70% transfers, 15% reads, 15% gets), half of them on a hot set of 8 accounts.
pub fn ycsb_workload(path: &Path, accounts: usize, ops: usize, seed: u64) {
    let mut x = seed;
    let mut next = move |n: usize| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 33) as usize) % n
    };
    let mut out = String::new();
    let mut id = 0;
    for a in 0..accounts {
        id += 1;
        out += &format!(
            "{{\"id\": \"r{id}\", \"create\": \"Account\", \"args\": [\"a{a:03}\", 1000]}}\n"
        );
    }
    for _ in 0..ops {
        id += 1;
        let pick = |r: usize, h: usize| if h < 50 { r % 8 } else { r };
        let (r1, h1) = (next(accounts), next(100));
        let a = pick(r1, h1);
        let (r2, h2) = (next(accounts), next(100));
        let b = pick(r2, h2);
        let kind = next(100);
        if kind < 70 {
            let amount = 1 + next(400);
            out += &format!(
                "{{\"id\": \"r{id}\", \"call\": \"Account\", \"key\": \"a{a:03}\", \"method\": \"transfer\", \
                 \"args\": [{{\"$entity\": \"Account\", \"key\": \"a{b:03}\"}}, {amount}]}}\n"
            );
        } else if kind < 85 {
            out += &format!(
                "{{\"id\": \"r{id}\", \"call\": \"Account\", \"key\": \"a{a:03}\", \"method\": \"read\", \"args\": []}}\n"
            );
        } else {
            out += &format!("{{\"id\": \"r{id}\", \"get\": \"Account\", \"key\": \"a{a:03}\"}}\n");
        }
    }
    std::fs::write(path, out).unwrap();
}

/// The workload's lines reordered by the job's commit order (stamp, then txn).
pub fn commit_order_replay(workload: &Path, commit_order: &Path, replay: &Path) -> usize {
    let lines: Vec<String> = std::fs::read_to_string(workload)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut order: Vec<(i64, usize)> = parse_lines(&std::fs::read_to_string(commit_order).unwrap())
        .iter()
        .map(|c| {
            (
                c["stamp"].as_i64().unwrap(),
                c["txn"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    order.sort();
    let mut out = String::new();
    for (_, txn) in &order {
        out += &lines[txn - 1];
        out.push('\n');
    }
    std::fs::write(replay, out).unwrap();
    order.len()
}

pub struct Run {
    pub results: Vec<Value>,
    pub state: Value,
    pub log: String,
    pub stats: Value,
}

pub fn run_job(program_py: &Path, workload: &Path, dir: &Path, args: &[&str]) -> Run {
    let opts = test_options();
    let job = build(&compile(program_py), &opts).unwrap();
    let (out, state, stats) = (
        dir.join("flink.jsonl"),
        dir.join("flink-state.json"),
        dir.join("stats.json"),
    );
    let _ = std::fs::remove_file(&out);
    let run = job
        .command()
        .arg("--workload")
        .arg(workload)
        .arg("--out")
        .arg(&out)
        .arg("--state-out")
        .arg(&state)
        .arg("--stats-out")
        .arg(&stats)
        .args(args)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "job failed:\n{log}");
    Run {
        results: parse_lines(&std::fs::read_to_string(&out).unwrap()),
        state: serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap(),
        log,
        stats: serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap(),
    }
}

/// Runs the job at parallelism 2 with 64 requests in flight, its commit order in
/// `dir/commit-order.jsonl` (where [`check_serializable`] reads it).
pub fn run_parallel(program_py: &Path, workload: &Path, dir: &Path) -> Run {
    run_parallel_with(program_py, workload, dir, &[])
}

/// [`run_parallel`] with more job arguments.
pub fn run_parallel_with(program_py: &Path, workload: &Path, dir: &Path, extra: &[&str]) -> Run {
    let commit_order = dir.join("commit-order.jsonl");
    let co = commit_order.to_string_lossy().into_owned();
    let mut args = vec![
        "--parallelism",
        "2",
        "--max-in-flight",
        "64",
        "--commit-order-out",
        &co,
    ];
    args.extend_from_slice(extra);
    run_job(program_py, workload, dir, &args)
}

/// Checks a parallel run against the oracle's replay of its commit order: results and state.
pub fn check_serializable(program_py: &Path, workload: &Path, dir: &Path, run: &Run) {
    let expected_state = check_against_replay(
        program_py,
        workload,
        &dir.join("commit-order.jsonl"),
        dir,
        &run.results,
    );
    assert!(
        same(&expected_state, &run.state),
        "state: expected {expected_state}\n got {}",
        run.state
    );
}

/// Replays `workload` in the commit order of `order` (the job's commit-order records) through
/// the CPython oracle (files under `out`) and checks `actual` against it: one commit-order
/// record per result, each id answered exactly once with the replay's answer. Returns the
/// replay's final state, for the callers that have a state dump to compare.
pub fn check_against_replay(
    program_py: &Path,
    workload: &Path,
    order: &Path,
    out: &Path,
    actual: &[Value],
) -> Value {
    std::fs::create_dir_all(out).unwrap();
    let replay = out.join("replay.jsonl");
    let n = commit_order_replay(workload, order, &replay);
    assert_eq!(n, actual.len(), "one commit-order record per result");
    let (expected, expected_state) = oracle(program_py, &replay, &out.join("oracle"));
    let diffs = compare_exactly_once(&expected, actual);
    assert!(
        diffs.is_empty(),
        "{} differences from the commit-order replay:\n{}",
        diffs.len(),
        diffs[..diffs.len().min(5)].join("\n")
    );
    expected_state
}

/// YCSB+T's invariants on a run of [`ycsb_workload`]: every request id answered once, and the
/// closed economy: `accounts` balances that still sum to 1000 each, none negative.
pub fn check_ycsb_invariants(run: &Run, accounts: usize, ops: usize) {
    assert_eq!(run.results.len(), accounts + ops, "one answer per request");
    let mut ids: Vec<String> = run.results.iter().map(|r| r["id"].to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), accounts + ops, "every request id answered once");
    let balances: Vec<i64> = run
        .state
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"]["balance"].as_i64().unwrap())
        .collect();
    assert_eq!(balances.len(), accounts);
    assert_eq!(
        balances.iter().sum::<i64>(),
        1000 * accounts as i64,
        "money conserved"
    );
    assert!(balances.iter().all(|b| *b >= 0), "a negative balance");
}
