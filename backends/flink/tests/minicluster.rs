//! The whole conformance corpus on Flink's embedded MiniCluster: every case of tests/conformance,
//! every example with a workload and every large generated workload of tests/gen/large (as
//! `stent conformance` discovers them) is generated, built and run, and its results (per request id) and final state are compared with the CPython
//! oracle's. Prints a table; fails with the first differing request of every failing case.
//!
//! All cases run in a few warm JVMs (`stent_backend_flink::run_batch`: each case's classes in
//! their own package, one `javac` and one JVM per shard, the cases' jobs one after another), not a
//! JVM per case: see docs/backends/flink.md, "CI time of the conformance corpus".
//!
//! Environment:
//! - `STENT_FLINK_CASES`: a comma list of case-name substrings (e.g. `017,037,example/bank`) to
//!   run a subset while debugging; unset, empty or `all`: the whole corpus.
//! - `STENT_FLINK_JVMS`: how many JVMs run concurrently (default 2: CI machines have two cores).
//! - `STENT_FLINK_JOB_ARGS`: extra job options for every case, split on whitespace (e.g.
//!   `--parallelism 2 --max-in-flight 1`: the whole corpus in the parallel mode, paced to input
//!   order).
//!
//! Skipped when `mvn`, `java` or `python3` is missing.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::*;
use serde_json::Value;
use stent_backend_flink::{BatchCase, run_batch};

struct Case {
    name: String,
    program: PathBuf,
    workload: PathBuf,
}

fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut d: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    d.retain(|p| p.is_dir());
    d.sort();
    d
}

/// The corpus, discovered as `stent conformance` does (cli/src/conformance.rs): conformance
/// cases, then examples with a workload (one `.py` file each), then the large workloads
/// (`tests/gen/large/EXAMPLE_*.jsonl` over `examples/EXAMPLE/EXAMPLE.py`).
fn discover() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in dirs(&root().join("tests/conformance")) {
        let (program, workload) = (dir.join("program.py"), dir.join("workload.jsonl"));
        if program.is_file() && workload.is_file() {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            cases.push(Case {
                name,
                program,
                workload,
            });
        }
    }
    for dir in dirs(&root().join("examples")) {
        let workload = dir.join("workload.jsonl");
        let mut py: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .collect();
        if py.len() == 1 && workload.is_file() {
            let name = format!("example/{}", dir.file_name().unwrap().to_string_lossy());
            cases.push(Case {
                name,
                program: py.pop().unwrap(),
                workload,
            });
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/gen/large"))
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for workload in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
    {
        let stem = workload.file_stem().unwrap().to_string_lossy().into_owned();
        let example = stem.split('_').next().unwrap_or_default().to_string();
        let program = root()
            .join("examples")
            .join(&example)
            .join(format!("{example}.py"));
        if program.is_file() {
            cases.push(Case {
                name: format!("large/{stem}"),
                program,
                workload,
            });
        }
    }
    cases
}

fn run_oracle(case: &Case, out: &Path) -> Result<(), String> {
    let o = Command::new("python3")
        .env("PYTHONPATH", root().join("python"))
        .args(["-m", "stent.oracle"])
        .arg(&case.program)
        .arg("--workload")
        .arg(&case.workload)
        .arg("--out")
        .arg(out.join("oracle.jsonl"))
        .arg("--state-out")
        .arg(out.join("oracle-state.json"))
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "oracle failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

fn read_results(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bad result line {l:?}: {e}")))
        .collect()
}

/// Compares one case's results by request id (each id answered once, with the oracle's answer;
/// lines without a usable id are matched in order) and its final state. Returns the number of
/// differing requests and the first difference, or None when equal.
fn compare(out: &Path) -> Result<Option<(usize, String)>, String> {
    let expected = read_results(&out.join("oracle.jsonl"))?;
    let actual = read_results(&out.join("flink.jsonl"))?;
    let mut got: HashMap<String, Vec<&Value>> = HashMap::new();
    for a in &actual {
        got.entry(a["id"].to_string()).or_default().push(a);
    }
    for v in got.values_mut() {
        v.reverse();
    }
    let mut diffs = Vec::new();
    for e in &expected {
        let id = e["id"].to_string();
        match got.get_mut(&id).and_then(|v| v.pop()) {
            None => diffs.push(format!("request {id}: not answered; expected {e}")),
            Some(a) if !same(e, a) => diffs.push(format!("request {id}: expected {e}, got {a}")),
            Some(_) => {}
        }
    }
    for (id, rest) in &got {
        for a in rest {
            diffs.push(format!("request {id}: unexpected answer {a}"));
        }
    }
    let es: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("oracle-state.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let as_: Value = std::fs::read_to_string(out.join("flink-state.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    if !same(&es, &as_) {
        diffs.push(format!("final state: expected {es}, got {as_}"));
    }
    Ok(if diffs.is_empty() {
        None
    } else {
        Some((diffs.len(), diffs.swap_remove(0)))
    })
}

#[test]
fn conformance_corpus_on_minicluster() {
    if !tools_available() {
        return;
    }
    let selection = std::env::var("STENT_FLINK_CASES").unwrap_or_default();
    let mut cases = discover();
    if !(selection.is_empty() || selection == "all") {
        cases.retain(|c| {
            selection
                .split(',')
                .any(|s| !s.is_empty() && c.name.contains(s))
        });
    }
    assert!(!cases.is_empty(), "no case matches {selection:?}");
    let jvms: usize = std::env::var("STENT_FLINK_JVMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let work = root().join("target/stent-flink-tests/corpus");
    let started = Instant::now();

    // The frontend, in process; a case it rejects is a failure of its own.
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut batch = Vec::new();
    let mut outs = Vec::new();
    for c in &cases {
        let out = work.join(c.name.replace('/', "__"));
        std::fs::create_dir_all(&out).unwrap();
        let source = std::fs::read_to_string(&c.program).unwrap();
        let rel = c.program.strip_prefix(root()).unwrap_or(&c.program);
        match stent_frontend::compile(&rel.to_string_lossy(), &source) {
            Ok(compiled) => {
                batch.push(BatchCase {
                    name: c.name.clone(),
                    program: compiled.program,
                    workload: c.workload.clone(),
                    out: out.join("flink.jsonl"),
                    state_out: Some(out.join("flink-state.json")),
                });
                outs.push((c, out));
            }
            Err(d) => failures.push((c.name.clone(), format!("frontend: {d:?}"))),
        }
    }

    // The oracle (two at a time) while the batch builds and runs.
    let oracle_errors = std::sync::Mutex::new(HashMap::new());
    let queue = std::sync::Mutex::new(outs.iter().collect::<Vec<_>>());
    let summary = std::thread::scope(|s| {
        for _ in 0..2 {
            let (queue, oracle_errors) = (&queue, &oracle_errors);
            s.spawn(move || {
                loop {
                    let Some((c, out)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    if let Err(e) = run_oracle(c, out) {
                        oracle_errors.lock().unwrap().insert(c.name.clone(), e);
                    }
                }
            });
        }
        run_batch(&batch, jvms, &{
            let mut opts = test_options();
            opts.job_args = std::env::var("STENT_FLINK_JOB_ARGS")
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect();
            opts
        })
    })
    .unwrap_or_else(|e| panic!("the batch could not be built or run: {e}"));
    let oracle_errors = oracle_errors.into_inner().unwrap();

    let mut table =
        String::from("case                                          flink ms  result\n");
    let mut passed = 0;
    for (outcome, (c, out)) in summary.cases.iter().zip(&outs) {
        let verdict = if let Some(e) = oracle_errors.get(&c.name) {
            Err(e.clone())
        } else if let Some(e) = &outcome.error {
            Err(format!("flink job failed: {e}"))
        } else {
            match compare(out) {
                Ok(None) => Ok(()),
                Ok(Some((n, first))) => Err(format!("{n} difference(s); first: {first}")),
                Err(e) => Err(e),
            }
        };
        let status = match &verdict {
            Ok(()) => {
                passed += 1;
                "pass".to_string()
            }
            Err(_) => "FAIL".to_string(),
        };
        table.push_str(&format!(
            "{:<45} {:>8}  {status}\n",
            c.name,
            outcome.run.as_millis()
        ));
        if let Err(e) = verdict {
            failures.push((c.name.clone(), e));
        }
    }
    eprintln!("{table}");
    for (j, (javac, java)) in summary.jvms.iter().enumerate() {
        eprintln!(
            "jvm {j}: javac {:.1} s, java {:.1} s",
            javac.as_secs_f64(),
            java.as_secs_f64()
        );
    }
    eprintln!(
        "{passed}/{} cases pass on the MiniCluster in {:.1} s (runtime build {:.1} s, {jvms} JVM(s))",
        cases.len(),
        started.elapsed().as_secs_f64(),
        summary.runtime.as_secs_f64()
    );
    let report: Vec<String> = failures
        .iter()
        .map(|(name, e)| format!("{name}: {e}"))
        .collect();
    assert!(failures.is_empty(), "{}", report.join("\n\n"));
}
