//! `stent_query::query` on state dirs produced by real durable runs, checked against the
//! CPython oracle's state dump.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stent-query-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A durable run of `program` on `workload` into `dir/state`; returns the oracle's state dump.
fn run_and_oracle(program: &Path, workload: &Path, dir: &Path) -> Vec<Value> {
    let source = std::fs::read_to_string(program).unwrap();
    let compiled = stent_frontend::compile(&program.display().to_string(), &source)
        .unwrap()
        .program;
    let opts = stent_runtime_local::RunOptions {
        state_dir: Some(dir.join("state")),
        progress: false,
        checkpoint_every: 1,
        ..Default::default()
    };
    stent_runtime_local::run_workload(&compiled, workload, &dir.join("out.jsonl"), None, &opts)
        .unwrap();
    let state = dir.join("oracle_state.json");
    let o = Command::new("python3")
        .env("PYTHONPATH", root().join("python"))
        .args(["-m", "stent.oracle"])
        .arg(program)
        .arg("--workload")
        .arg(workload)
        .arg("--out")
        .arg(dir.join("oracle.jsonl"))
        .arg("--state-out")
        .arg(&state)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    match serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap() {
        Value::Array(a) => a,
        _ => panic!("state dump is not a list"),
    }
}

/// The cell values of a pretty-printed table's data rows.
fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(1) // header
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn count_and_sum_equal_the_oracle_state() {
    let dir = scratch("ycsb");
    let workload = root().join("tests/gen/large/ycsb_seed2_5000_zipf1.2.jsonl");
    let want = run_and_oracle(&root().join("examples/ycsb/ycsb.py"), &workload, &dir);
    let accounts: Vec<&Value> = want.iter().filter(|e| e["entity"] == "Account").collect();
    let sum: i64 = accounts
        .iter()
        .map(|e| e["state"]["balance"].as_i64().unwrap())
        .sum();
    let min: i64 = accounts
        .iter()
        .map(|e| e["state"]["balance"].as_i64().unwrap())
        .min()
        .unwrap();

    let state = dir.join("state");
    let t = stent_query::query(
        &state,
        "SELECT count(*), sum(balance), min(balance) FROM Account",
    )
    .unwrap();
    assert_eq!(
        cells(&t),
        vec![vec![
            accounts.len().to_string(),
            sum.to_string(),
            min.to_string()
        ]],
        "{t}"
    );
    // Per-row equality: every account's balance, in key order.
    let t = stent_query::query(&state, "SELECT key, balance FROM Account ORDER BY key").unwrap();
    let want_rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|e| {
            vec![
                e["key"].as_str().unwrap().to_string(),
                e["state"]["balance"].to_string(),
            ]
        })
        .collect();
    assert_eq!(cells(&t), want_rows);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn typed_and_json_columns_on_the_bank_example() {
    let dir = scratch("bank");
    let want = run_and_oracle(
        &root().join("examples/bank/bank.py"),
        &root().join("tests/gen/large/bank_seed1_2000.jsonl"),
        &dir,
    );
    let state = dir.join("state");
    // bool, Optional[str], list (JSON text) columns and the separate `key` column.
    let t = stent_query::query(
        &state,
        "SELECT key, number, frozen, branch_name, history FROM Account ORDER BY key",
    )
    .unwrap();
    let want_rows: Vec<Vec<String>> = want
        .iter()
        .filter(|e| e["entity"] == "Account")
        .map(|e| {
            let s = &e["state"];
            let branch = s["branch_name"].as_str().unwrap_or("").to_string();
            vec![
                e["key"].as_str().unwrap().to_string(),
                s["number"].as_str().unwrap().to_string(),
                s["frozen"].to_string(),
                branch,
                s["history"].to_string(),
            ]
        })
        .collect();
    assert_eq!(cells(&t), want_rows, "{t}");
    // A join across entity types through the JSON text of a reference list.
    let t = stent_query::query(
        &state,
        "SELECT b.name, count(a.key) FROM Branch b JOIN Account a ON a.branch_name = b.name \
         GROUP BY b.name ORDER BY b.name",
    )
    .unwrap();
    assert!(!cells(&t).is_empty(), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_are_clear() {
    let dir = scratch("errors");
    let e = stent_query::query(&dir, "SELECT 1")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a state dir"), "{e}");
    let workload = root().join("examples/ycsb/workload.jsonl");
    run_and_oracle(&root().join("examples/ycsb/ycsb.py"), &workload, &dir);
    let e = stent_query::query(&dir.join("state"), "SELECT nope FROM Account")
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
