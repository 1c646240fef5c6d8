//! The production path: a Kafka 4.x broker (KRaft mode, loopback, started from Maven Central jars)
//! feeds the generated job's Kafka ingress; the job writes through its transactional
//! (exactly-once) Kafka egress; results are read back with `read_committed` and compared with the
//! CPython oracle. The job also fails once mid-chain after a checkpoint, so the transactional sink's
//! recovery is exercised too. The broker is stopped by a Drop guard, also on failure.
//!
//! The parallel mode (`--parallelism 2`) with Kafka in and out is tested the same way, its commit
//! order going to a second transactional topic: the results must equal the oracle's replay of
//! that order, each id exactly once.
//!
//! Skipped when `mvn`, `java` or `python3` is missing, or with `STENT_SKIP_KAFKA=1`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::kafka::Broker;
use common::parallel::{check_against_replay, ycsb_workload};
use common::*;
use stent_backend_flink::build;

/// One broker and one job at a time (two cores).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the job to completion (killed after 3 minutes); its output, checked for success.
fn run_to_end(mut cmd: Command) -> String {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: the job stops at the end offsets it saw at start-up. Kill it after 3 minutes.
    let deadline = Instant::now() + Duration::from_secs(180);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "job failed or timed out:\n{log}");
    eprintln!(
        "{}",
        log.lines()
            .filter(|l| l.starts_with("stent:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        log.contains("stent: operator restarted"),
        "no failure/restart:\n{log}"
    );
    log
}

#[test]
fn kafka_parallel_mode_exactly_once() {
    if !tools_available() || env_flag("STENT_SKIP_KAFKA") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = root().join("target/stent-flink-tests/kafka-parallel");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/ycsb/ycsb.py");
    let workload = dir.join("workload.jsonl");
    let (accounts, ops) = (50, 400);
    ycsb_workload(&workload, accounts, ops, 11);

    let opts = test_options();
    let job = build(&compile(&program_py), &opts).unwrap();
    let broker = Broker::start(&opts, &dir.join("broker"));
    for t in ["requests", "results", "commit-order"] {
        broker.create_topic(t);
    }
    broker.produce("requests", &std::fs::read_to_string(&workload).unwrap());

    let t = Instant::now();
    let mut cmd = job.command();
    cmd.args(broker.job_args("results"))
        .args(["--commit-order-topic", "commit-order"])
        .args(["--parallelism", "2"])
        .args(["--checkpoint-interval-ms", "300", "--request-delay-ms", "5"])
        .args(["--fail-once-after-checkpoint", "true"]);
    let log = run_to_end(cmd);
    eprintln!("Kafka job, parallelism 2: {:?}", t.elapsed());
    assert!(
        log.contains("stent: injecting a failure in the middle of a call chain"),
        "the failure was never injected:\n{log}"
    );

    let results = broker.consume_committed("results", Duration::from_secs(5));
    std::fs::write(dir.join("results.jsonl"), &results).unwrap();
    let actual = parse_lines(&results);
    let order = broker.consume_committed("commit-order", Duration::from_secs(5));
    std::fs::write(dir.join("commit-order.jsonl"), &order).unwrap();
    assert_eq!(actual.len(), accounts + ops, "one answer per request");
    check_against_replay(
        &program_py,
        &workload,
        &dir.join("commit-order.jsonl"),
        &dir,
        &actual,
    );
    eprintln!(
        "{} results read back read_committed: each id exactly once, equal to the replay of the commit order",
        actual.len()
    );
}

#[test]
fn kafka_ingress_and_exactly_once_egress() {
    if !tools_available() || env_flag("STENT_SKIP_KAFKA") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = root().join("target/stent-flink-tests/kafka");
    std::fs::create_dir_all(&dir).unwrap();
    let program_py = root().join("examples/ycsb/ycsb.py");
    let workload = dir.join("workload.jsonl");
    head(
        &root().join("tests/gen/large/ycsb_seed1_2000.jsonl"),
        400,
        &workload,
    );
    let (expected, _) = oracle(&program_py, &workload, &dir);

    let mut opts = test_options();
    let job = build(&compile(&program_py), &opts).unwrap();
    opts.job_args.clear();

    let t = Instant::now();
    let broker = Broker::start(&opts, &dir.join("broker"));
    eprintln!(
        "Kafka broker up at {} in {:?}",
        broker.bootstrap,
        t.elapsed()
    );
    broker.create_topic("requests");
    broker.create_topic("results");
    broker.produce("requests", &std::fs::read_to_string(&workload).unwrap());

    let t = Instant::now();
    let mut cmd = job.command();
    cmd.args(broker.job_args("results"))
        .args(["--checkpoint-interval-ms", "300", "--request-delay-ms", "3"])
        .args(["--fail-once-after-checkpoint", "true"]);
    run_to_end(cmd);
    eprintln!("Kafka job: {:?}", t.elapsed());

    let actual = parse_lines(&broker.consume_committed("results", Duration::from_secs(5)));
    let diffs = compare_exactly_once(&expected, &actual);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    eprintln!(
        "{} results read back read_committed: each id exactly once, equal to the oracle's",
        actual.len()
    );
}
