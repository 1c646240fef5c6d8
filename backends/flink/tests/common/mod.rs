//! Helpers shared by the Flink integration tests (and the benchmark).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use stent_backend_flink::{FlinkRunOptions, env_path};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn have(tool: &str) -> bool {
    ["-version", "--version"].iter().any(|flag| {
        Command::new(tool)
            .arg(flag)
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// True when the JVM tools and the oracle are there; prints why a test is skipped otherwise.
pub fn tools_available() -> bool {
    let ok = have("mvn") && have("java") && have("python3");
    if !ok {
        eprintln!("skipped: mvn, java or python3 missing");
    }
    ok
}

/// The options every test uses: a work dir and Maven repository under target/.
pub fn test_options() -> FlinkRunOptions {
    let work = root().join("target/stent-flink-tests");
    FlinkRunOptions {
        work_dir: work.join("work"),
        maven_repo: Some(
            env_path("STENT_MAVEN_REPO").unwrap_or_else(|| root().join("target/stent-m2")),
        ),
        ..FlinkRunOptions::default()
    }
}

/// Floats compare numerically (`6.0` == `6.0`), everything else structurally.
pub fn same(a: &Value, b: &Value) -> bool {
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

pub fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad result line {l:?}: {e}")))
        .collect()
}

/// Runs the CPython oracle; returns (results, state dump).
pub fn oracle(program_py: &Path, workload: &Path, out_dir: &Path) -> (Vec<Value>, Value) {
    std::fs::create_dir_all(out_dir).unwrap();
    let (out, state) = (
        out_dir.join("oracle.jsonl"),
        out_dir.join("oracle-state.json"),
    );
    let o = Command::new("python3")
        .env("PYTHONPATH", root().join("python"))
        .args(["-m", "stent.oracle"])
        .arg(program_py)
        .arg("--workload")
        .arg(workload)
        .arg("--out")
        .arg(&out)
        .arg("--state-out")
        .arg(&state)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        parse_lines(&std::fs::read_to_string(out).unwrap()),
        serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap(),
    )
}

/// Exactly-once comparison by request id: every id answered once, with the oracle's answer.
pub fn compare_exactly_once(expected: &[Value], actual: &[Value]) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut got: BTreeMap<String, &Value> = BTreeMap::new();
    for a in actual {
        let id = a["id"].to_string();
        if got.insert(id.clone(), a).is_some() {
            diffs.push(format!("request {id} answered more than once"));
        }
    }
    for e in expected {
        let id = e["id"].to_string();
        match got.remove(&id) {
            None => diffs.push(format!("request {id} not answered")),
            Some(a) if !same(e, a) => diffs.push(format!("expected {e}\n     got {a}")),
            Some(_) => {}
        }
    }
    for id in got.keys() {
        diffs.push(format!("unexpected answer for {id}"));
    }
    diffs
}

/// The first `n` lines of `src`, written to `dst`.
pub fn head(src: &Path, n: usize, dst: &Path) {
    let text = std::fs::read_to_string(src).unwrap();
    let mut out: String = text.lines().take(n).collect::<Vec<_>>().join("\n");
    out.push('\n');
    std::fs::write(dst, out).unwrap();
}

pub fn compile(program_py: &Path) -> stent_ir::Program {
    let source = std::fs::read_to_string(program_py).unwrap();
    stent_frontend::compile(&program_py.display().to_string(), &source)
        .unwrap_or_else(|d| panic!("frontend: {d:?}"))
        .program
}

pub mod cluster;
pub mod kafka;
pub mod parallel;

pub fn env_flag(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The job's own `stent:` lines of a log (progress, injected failure, restores), for the test's
/// output.
pub fn stent_lines(log: &str) -> String {
    log.lines()
        .filter(|l| l.starts_with("stent:"))
        .collect::<Vec<_>>()
        .join("\n")
}
