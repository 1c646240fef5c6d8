//! The generated project on a real Flink cluster, as a user deploys it: `mvn package
//! -Dflink.scope=provided` builds the self-contained job jar (program, stent runtime, Kafka
//! connector; Flink's own jars provided), a standalone Flink session cluster runs on loopback as
//! separate JVMs (a JobManager and a TaskManager, from the Maven Central jars of the project's
//! Flink version), and Flink's CLI submits the jar (`flink run -m HOST:PORT -c Main job.jar
//! --kafka-brokers ...`). The workload comes from a real Kafka broker (KRaft, loopback) and the
//! results go back to it through the job's transactional sink; read `read_committed`, every
//! request is answered exactly once, in input order, with the CPython oracle's answer.
//!
//! The cluster and the broker are stopped by Drop guards, also on failure. Skipped only when
//! `mvn`, `java` or `python3` is missing.

mod common;

use std::time::{Duration, Instant};

use common::cluster::{Cluster, package_job_jar};
use common::kafka::Broker;
use common::parallel::check_against_replay;
use common::*;
use stent_backend_flink::{GENERATED_PACKAGE, generate};

#[test]
fn job_jar_on_a_standalone_cluster_with_kafka() {
    if !tools_available() {
        return;
    }
    let started = Instant::now();
    let dir = root().join("target/stent-flink-tests/cluster");
    std::fs::create_dir_all(&dir).unwrap();
    // Cross-entity calls (transfers, a branch opening accounts), failing requests and rollbacks.
    let program_py = root().join("examples/bank/bank.py");
    let workload = root().join("examples/bank/workload.jsonl");
    let (expected, _) = oracle(&program_py, &workload, &dir.join("oracle"));

    let opts = test_options();
    let project = dir.join("project");
    let _ = std::fs::remove_dir_all(&project);
    generate(&compile(&program_py), &project).unwrap();
    // The jar builds while the broker and the cluster start, all three at once (each is mostly
    // JVM start-up; two cores).
    let t = Instant::now();
    let (jar, broker, cluster) = std::thread::scope(|s| {
        let packaging = s.spawn(|| {
            let jar = package_job_jar(&opts, &project);
            eprintln!(
                "mvn package -Dflink.scope=provided: {} ({} KB) in {:?}",
                jar.display(),
                std::fs::metadata(&jar).unwrap().len() / 1024,
                t.elapsed()
            );
            jar
        });
        let kafka = s.spawn(|| {
            let broker = Broker::start(&opts, &dir.join("broker"));
            std::thread::scope(|s| {
                for topic in ["requests", "results", "results-p2", "commit-order-p2"] {
                    let broker = &broker;
                    s.spawn(move || broker.create_topic(topic));
                }
            });
            broker.produce("requests", &std::fs::read_to_string(&workload).unwrap());
            eprintln!("Kafka at {}, up in {:?}", broker.bootstrap, t.elapsed());
            broker
        });
        let cluster = Cluster::start(&opts, &dir.join("flink"), 1, 2);
        eprintln!(
            "Flink cluster (REST 127.0.0.1:{}) up in {:?}",
            cluster.rest_port,
            t.elapsed()
        );
        (packaging.join().unwrap(), kafka.join().unwrap(), cluster)
    });

    let t = Instant::now();
    let main = format!("{GENERATED_PACKAGE}.Main");
    let client = cluster.run_job(
        &jar,
        &main,
        &[
            broker.job_args("results"),
            vec!["--checkpoint-interval-ms", "500"],
        ]
        .concat(),
        Duration::from_secs(120),
    );
    eprintln!("flink run: {:?}", t.elapsed());
    assert!(
        client.contains("Job has been submitted with JobID"),
        "{client}"
    );
    // The job ran on the cluster, not in the client: the JobManager lists it as finished, and
    // the transactional operator was deployed on the TaskManager.
    let jobs = cluster.jobs();
    assert_eq!(
        jobs,
        vec![("stent bank".to_string(), "FINISHED".to_string())],
        "{}",
        cluster.logs()
    );
    let tm_log = std::fs::read_to_string(cluster.dir.join("taskmanager-0.log")).unwrap();
    assert!(tm_log.contains("stent-transactions"), "{}", cluster.logs());

    let results = broker.consume_committed("results", Duration::from_secs(5));
    std::fs::write(dir.join("results.jsonl"), &results).unwrap();
    let actual = parse_lines(&results);
    let diffs = compare_exactly_once(&expected, &actual);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    // The serial mode answers in input order.
    assert_eq!(actual.len(), expected.len());
    for (i, (e, a)) in expected.iter().zip(&actual).enumerate() {
        assert!(same(e, a), "result {i} out of order: expected {e}, got {a}");
    }
    eprintln!(
        "{} results read back read_committed: each id exactly once, in input order, equal to \
         the oracle's",
        actual.len()
    );

    // The parallel mode on the same cluster: entities partitioned over 2 subtasks (the
    // TaskManager's 2 slots), calls around the loop, 2PL + wait-die; the results must equal the
    // oracle's replay of the commit order, each id exactly once.
    let t = Instant::now();
    cluster.run_job(
        &jar,
        &main,
        &[
            broker.job_args("results-p2"),
            vec![
                "--commit-order-topic",
                "commit-order-p2",
                "--parallelism",
                "2",
            ],
            vec!["--checkpoint-interval-ms", "500"],
        ]
        .concat(),
        Duration::from_secs(120),
    );
    eprintln!("flink run --parallelism 2: {:?}", t.elapsed());
    let jobs = cluster.jobs();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert!(
        jobs.iter().all(|(_, state)| state == "FINISHED"),
        "{jobs:?}\n{}",
        cluster.logs()
    );
    let results = broker.consume_committed("results-p2", Duration::from_secs(5));
    std::fs::write(dir.join("results-p2.jsonl"), &results).unwrap();
    let actual = parse_lines(&results);
    let order = broker.consume_committed("commit-order-p2", Duration::from_secs(5));
    std::fs::write(dir.join("commit-order-p2.jsonl"), &order).unwrap();
    assert_eq!(actual.len(), expected.len(), "one answer per request");
    check_against_replay(
        &program_py,
        &workload,
        &dir.join("commit-order-p2.jsonl"),
        &dir.join("p2"),
        &actual,
    );
    eprintln!(
        "parallelism 2: {} results read back read_committed: each id exactly once, equal to the \
         oracle's replay of the commit order; total {:?}",
        actual.len(),
        started.elapsed()
    );
}
