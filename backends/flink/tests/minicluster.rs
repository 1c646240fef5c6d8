//! Generates, builds and runs conformance programs on Flink's embedded MiniCluster and compares
//! results (per request id) and the final state with the CPython oracle.
//!
//! Skipped when `mvn`, `java` or `python3` is missing. `STENT_FLINK_CASES=all` (or a comma list of
//! case-name prefixes) widens the default selection.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;
use stent_backend_flink::{FlinkRunOptions, run};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
        || Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Floats compare numerically (`6.0` == `6.0`), everything else structurally.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.is_f64() == y.is_f64()
                && if x.is_f64() {
                    x.as_f64() == y.as_f64()
                } else {
                    x == y
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k, p), (l, q))| k == l && same(p, q))
        }
        _ => a == b,
    }
}

fn results(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Compares one case; returns the differences.
fn compare(
    dir: &Path,
    expected: &Path,
    actual: &Path,
    exp_state: &Path,
    act_state: &Path,
) -> Vec<String> {
    let mut diffs = Vec::new();
    let (e, a) = (results(expected), results(actual));
    if e.len() != a.len() {
        diffs.push(format!("{} results expected, got {}", e.len(), a.len()));
    }
    for (x, y) in e.iter().zip(&a) {
        if !same(x, y) {
            diffs.push(format!("expected {x}\n     got {y}"));
        }
    }
    let es: Value = serde_json::from_str(&std::fs::read_to_string(exp_state).unwrap()).unwrap();
    let as_: Value = serde_json::from_str(&std::fs::read_to_string(act_state).unwrap_or_default())
        .unwrap_or(Value::Null);
    if !same(&es, &as_) {
        diffs.push(format!("state: expected {es}\n          got {as_}"));
    }
    if !diffs.is_empty() {
        diffs.insert(0, format!("{}:", dir.display()));
    }
    diffs
}

fn run_case(dir: &Path, work: &Path, opts: &FlinkRunOptions) -> Result<Vec<String>, String> {
    let program_py = dir.join("program.py");
    let source = std::fs::read_to_string(&program_py).map_err(|e| e.to_string())?;
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let program = stent_frontend::compile(&format!("{name}/program.py"), &source)
        .map_err(|d| format!("{name}: frontend: {d:?}"))?
        .program;
    let out = work.join(&name);
    std::fs::create_dir_all(&out).unwrap();
    let workload = dir.join("workload.jsonl");
    let oracle = Command::new("python3")
        .env("PYTHONPATH", root().join("python"))
        .args(["-m", "stent.oracle"])
        .arg(&program_py)
        .arg("--workload")
        .arg(&workload)
        .arg("--out")
        .arg(out.join("oracle.jsonl"))
        .arg("--state-out")
        .arg(out.join("oracle-state.json"))
        .output()
        .map_err(|e| e.to_string())?;
    if !oracle.status.success() {
        return Err(format!(
            "{name}: oracle failed: {}",
            String::from_utf8_lossy(&oracle.stderr)
        ));
    }
    let t = Instant::now();
    let summary = run(
        &program,
        &workload,
        &out.join("flink.jsonl"),
        Some(&out.join("flink-state.json")),
        opts,
    )
    .map_err(|e| format!("{name}: flink: {e}"))?;
    eprintln!(
        "{name}: {} results, build {:?}, run {:?} (total {:?})",
        summary.results,
        summary.build,
        summary.run,
        t.elapsed()
    );
    Ok(compare(
        dir,
        &out.join("oracle.jsonl"),
        &out.join("flink.jsonl"),
        &out.join("oracle-state.json"),
        &out.join("flink-state.json"),
    ))
}

const DEFAULT_CASES: &[&str] = &["001", "007", "017", "025", "032", "037"];

#[test]
fn conformance_on_minicluster() {
    if !(have("mvn") && have("java") && have("python3")) {
        eprintln!("skipped: mvn, java or python3 missing");
        return;
    }
    let selection = std::env::var("STENT_FLINK_CASES").unwrap_or_default();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/conformance"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("program.py").exists())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            match selection.as_str() {
                "all" => true,
                "" => DEFAULT_CASES.iter().any(|c| name.starts_with(c)),
                list => list.split(',').any(|c| name.starts_with(c)),
            }
        })
        .collect();
    cases.sort();
    let work = root().join("target/stent-flink-tests");
    let opts = FlinkRunOptions {
        work_dir: work.join("work"),
        maven_repo: Some(
            stent_backend_flink::env_path("STENT_MAVEN_REPO")
                .unwrap_or_else(|| root().join("target/stent-m2")),
        ),
        ..FlinkRunOptions::default()
    };
    let started = Instant::now();
    // Two at a time: CI machines have two cores.
    let (tx, rx) = std::sync::mpsc::channel();
    let queue = std::sync::Mutex::new(cases.clone());
    std::thread::scope(|s| {
        for _ in 0..2 {
            let (tx, queue, work, opts) = (tx.clone(), &queue, &work, &opts);
            s.spawn(move || {
                loop {
                    let Some(case) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    tx.send((case.clone(), run_case(&case, work, opts)))
                        .unwrap();
                }
            });
        }
    });
    drop(tx);
    let mut failures = Vec::new();
    let mut passed = 0;
    for (case, outcome) in rx {
        match outcome {
            Ok(diffs) if diffs.is_empty() => passed += 1,
            Ok(diffs) => failures.push(diffs.join("\n  ")),
            Err(e) => failures.push(format!("{}: {e}", case.display())),
        }
    }
    eprintln!(
        "{passed}/{} cases pass on the MiniCluster in {:?}",
        cases.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
