//! Failure recovery: the generated job fails once, in the middle of a call chain, after a
//! checkpoint completed (`--fail-once-after-checkpoint`); the fixed-delay restart strategy
//! recovers it from that checkpoint, and every request must be answered exactly once, with the
//! CPython oracle's results and final state.
//!
//! Skipped when `mvn`, `java` or `python3` is missing.

mod common;

use common::*;
use stent_backend_flink::build;

#[test]
fn recovers_exactly_once_after_a_failure_mid_chain() {
    if !tools_available() {
        return;
    }
    let dir = root().join("target/stent-flink-tests/failure");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/bank/bank.py");
    // A few hundred requests: accounts, deposits, and transfers (call chains across accounts
    // and branches).
    let workload = dir.join("workload.jsonl");
    head(
        &root().join("tests/gen/large/bank_seed1_2000.jsonl"),
        400,
        &workload,
    );
    let (expected, expected_state) = oracle(&program_py, &workload, &dir);

    let mut opts = test_options();
    opts.job_args = [
        "--checkpoint-interval-ms",
        "200",
        "--fail-once-after-checkpoint",
        "true",
        "--request-delay-ms",
        "5",
    ]
    .map(String::from)
    .to_vec();
    let job = build(&compile(&program_py), &opts).unwrap();
    let (out, state) = (dir.join("flink.jsonl"), dir.join("flink-state.json"));
    let _ = std::fs::remove_file(&out);
    let t = std::time::Instant::now();
    let run = job
        .command()
        .arg("--workload")
        .arg(&workload)
        .arg("--out")
        .arg(&out)
        .arg("--state-out")
        .arg(&state)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "job failed:\n{log}");
    eprintln!("job with one injected failure: {:?}", t.elapsed());
    eprintln!("{}", stent_lines(&log));
    assert!(
        log.contains("stent: injecting a failure in the middle of a call chain"),
        "the failure was never injected (no checkpoint completed during the run?):\n{log}"
    );
    assert!(
        log.contains("stent: operator restarted"),
        "the operator was not restarted:\n{log}"
    );

    let actual = parse_lines(&std::fs::read_to_string(&out).unwrap());
    let diffs = compare_exactly_once(&expected, &actual);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    let actual_state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(
        same(&expected_state, &actual_state),
        "state: expected {expected_state}\n got {actual_state}"
    );
    eprintln!(
        "{} requests answered exactly once after recovery; state equals the oracle's",
        expected.len()
    );
}
