//! The cross-engine conformance runner: every case runs on the CPython oracle (the ground truth)
//! and on each requested engine; results are compared per request id, and final states whole.
//!
//! Comparison rules (docs/semantics.md, "Comparing engines"): values must be equal with their
//! JSON types (an int never equals a float, so `6` is not `6.0`), dict order included; errors
//! must have the same type, and the same message when the type is a user exception of the
//! program or one of stent's own (`EntityNotFound`, `EntityExists`) — builtin exceptions'
//! messages are informative only. Each request id must be answered exactly once.

use crate::engines::{self, Engine};
use anyhow::{Context, Result, bail};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One program with one workload.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub program: PathBuf,
    pub workload: PathBuf,
}

/// The outcome of one case on one engine.
#[derive(Clone, Debug)]
pub enum Status {
    Pass,
    /// The first differences found.
    Fail(Vec<String>),
    /// The engine is not part of this build.
    NotBuilt,
    /// The case could not be run (compile error, engine crash, oracle failure).
    Error(String),
}

impl Status {
    pub fn is_pass(&self) -> bool {
        matches!(self, Status::Pass)
    }
    fn cell(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail(_) => "FAIL",
            Status::NotBuilt => "not built",
            Status::Error(_) => "ERROR",
        }
    }
}

/// Results of a whole run: `rows[case][engine]`.
pub struct Report {
    pub engines: Vec<Engine>,
    pub rows: Vec<(Case, Vec<Status>)>,
}

impl Report {
    /// True when every case passed on every engine that is built.
    pub fn all_passed(&self) -> bool {
        self.rows.iter().all(|(_, s)| {
            s.iter()
                .all(|s| s.is_pass() || matches!(s, Status::NotBuilt))
        })
    }

    /// The engine × case table followed by the first difference of every failure.
    pub fn render(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|(c, _)| c.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut out = format!("{:width$}", "case");
        for e in &self.engines {
            out.push_str(&format!("  {:>9}", e.name()));
        }
        out.push('\n');
        let mut details = String::new();
        for (case, statuses) in &self.rows {
            out.push_str(&format!("{:width$}", case.name));
            for (engine, status) in self.engines.iter().zip(statuses) {
                out.push_str(&format!("  {:>9}", status.cell()));
                match status {
                    Status::Fail(diffs) => {
                        details.push_str(&format!("\n{} on {}:\n", case.name, engine.name()));
                        for d in diffs {
                            details.push_str(&format!("  {d}\n"));
                        }
                    }
                    Status::Error(e) => {
                        details.push_str(&format!("\n{} on {}: {e}\n", case.name, engine.name()));
                    }
                    _ => {}
                }
            }
            out.push('\n');
        }
        for (i, engine) in self.engines.iter().enumerate() {
            let passed = self.rows.iter().filter(|(_, s)| s[i].is_pass()).count();
            let built = !self
                .rows
                .iter()
                .any(|(_, s)| matches!(s[i], Status::NotBuilt));
            let verdict = if built {
                format!("{passed}/{} passed", self.rows.len())
            } else {
                "not built".into()
            };
            out.push_str(&format!("{}: {verdict}\n", engine.name()));
        }
        out.push_str(&details);
        out
    }
}

/// Finds the cases under the repository root: the conformance corpus, every example with its
/// workload, and the large generated workloads over the examples. `filters` keep the cases whose
/// name contains any of them.
pub fn discover(root: &Path, filters: &[String]) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    let corpus = root.join("tests/conformance");
    for dir in sorted_dirs(&corpus)? {
        let (program, workload) = (dir.join("program.py"), dir.join("workload.jsonl"));
        if program.is_file() && workload.is_file() {
            cases.push(Case {
                name: file_name(&dir),
                program,
                workload,
            });
        }
    }
    for dir in sorted_dirs(&root.join("examples"))? {
        let workload = dir.join("workload.jsonl");
        let Some(program) = single_python_file(&dir)? else {
            continue;
        };
        if workload.is_file() {
            cases.push(Case {
                name: format!("example/{}", file_name(&dir)),
                program,
                workload,
            });
        }
    }
    let large = root.join("tests/gen/large");
    if large.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&large)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for workload in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        {
            let stem = workload
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let example = stem.split('_').next().unwrap_or_default();
            let program = root
                .join("examples")
                .join(example)
                .join(format!("{example}.py"));
            if program.is_file() {
                cases.push(Case {
                    name: format!("large/{stem}"),
                    program,
                    workload,
                });
            }
        }
    }
    if !filters.is_empty() {
        cases.retain(|c| filters.iter().any(|f| c.name.contains(f.as_str())));
    }
    Ok(cases)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn single_python_file(dir: &Path) -> Result<Option<PathBuf>> {
    let mut py: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    py.sort();
    Ok(if py.len() == 1 { py.pop() } else { None })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// Results keyed by request id (as JSON text; repeated ids get a `#n` suffix so duplicates show),
/// plus the final state dump.
#[derive(Debug, Default)]
pub struct Outputs {
    pub results: BTreeMap<String, Json>,
    pub duplicates: Vec<String>,
    pub state: Json,
}

/// Reads a results file and a state dump written in the contract's formats.
pub fn read_outputs(results: &Path, state: &Path) -> Result<Outputs> {
    let text = std::fs::read_to_string(results)
        .with_context(|| format!("cannot read {}", results.display()))?;
    let mut out = Outputs::default();
    let mut null_ids = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let mut v: Json = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not JSON", results.display(), n + 1))?;
        let id = v
            .as_object_mut()
            .and_then(|o| o.remove("id"))
            .unwrap_or(Json::Null);
        let mut key = id.to_string();
        if id.is_null() {
            null_ids += 1;
            key = format!("null#{null_ids}");
        }
        if out.results.insert(key.clone(), v).is_some() {
            out.duplicates.push(key);
        }
    }
    let state_text = std::fs::read_to_string(state)
        .with_context(|| format!("cannot read {}", state.display()))?;
    out.state = serde_json::from_str(&state_text)
        .with_context(|| format!("{}: not JSON", state.display()))?;
    Ok(out)
}

/// The `PYTHONPATH` entry holding the `stent` package: `$STENT_PYTHONPATH`, else the source tree.
pub fn oracle_pythonpath() -> PathBuf {
    std::env::var_os("STENT_PYTHONPATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("python"))
}

/// Runs a case on the CPython oracle, writing into `dir`.
pub fn run_oracle(case: &Case, dir: &Path) -> Result<Outputs> {
    let (results, state) = (dir.join("oracle.jsonl"), dir.join("oracle_state.json"));
    let output = Command::new("python3")
        .args(["-m", "stent.oracle"])
        .arg(&case.program)
        .arg("--workload")
        .arg(&case.workload)
        .arg("--out")
        .arg(&results)
        .arg("--state-out")
        .arg(&state)
        .env("PYTHONPATH", oracle_pythonpath())
        .output()
        .context("cannot start python3 (the oracle needs CPython 3.10+)")?;
    if !output.status.success() {
        bail!(
            "the oracle failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    read_outputs(&results, &state)
}

/// Compares an engine's outputs with the oracle's; returns the differences (empty: equal).
pub fn compare(
    expected: &Outputs,
    actual: &Outputs,
    strict_messages: &BTreeSet<String>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for id in &actual.duplicates {
        diffs.push(format!("request {id} answered more than once"));
    }
    for (id, want) in &expected.results {
        match actual.results.get(id) {
            None => diffs.push(format!("request {id}: no answer (expected {want})")),
            Some(got) if !outcome_equal(want, got, strict_messages) => {
                diffs.push(format!("request {id}: expected {want}, got {got}"))
            }
            Some(_) => {}
        }
    }
    for id in actual
        .results
        .keys()
        .filter(|id| !expected.results.contains_key(*id))
    {
        diffs.push(format!(
            "request {id}: answered, but the oracle has no such request"
        ));
    }
    if !json_equal(&expected.state, &actual.state) {
        diffs.push(state_difference(&expected.state, &actual.state));
    }
    diffs
}

fn outcome_equal(want: &Json, got: &Json, strict_messages: &BTreeSet<String>) -> bool {
    match (want.get("error"), got.get("error")) {
        (Some(w), Some(g)) => {
            let ty = w.get("type").and_then(Json::as_str).unwrap_or_default();
            ty == g.get("type").and_then(Json::as_str).unwrap_or_default()
                && (!strict_messages.contains(ty) || w.get("message") == g.get("message"))
        }
        (None, None) => match (want.get("result"), got.get("result")) {
            (Some(w), Some(g)) => json_equal(w, g),
            _ => false,
        },
        _ => false,
    }
}

/// Equality that keeps JSON number kinds apart (`6` ≠ `6.0`) and object key order significant.
pub fn json_equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.is_f64(), y.is_f64()) {
            (true, true) => x.as_f64() == y.as_f64(),
            (false, false) => x == y,
            _ => false,
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && json_equal(v1, v2))
        }
        _ => a == b,
    }
}

fn state_difference(want: &Json, got: &Json) -> String {
    let (Some(w), Some(g)) = (want.as_array(), got.as_array()) else {
        return format!("final state: expected {want}, got {got}");
    };
    for (i, (x, y)) in w.iter().zip(g).enumerate() {
        if !json_equal(x, y) {
            return format!("final state, entry {i}: expected {x}, got {y}");
        }
    }
    format!(
        "final state: expected {} entities, got {}",
        w.len(),
        g.len()
    )
}

/// Runs every case on the oracle and on each engine.
///
/// Flink runs every case up front in one batch (a warm JVM per core, `run_batch`): a JVM and
/// a MiniCluster per case would cost seconds each. Each case then compares the batch's outputs.
pub fn run_suite(cases: &[Case], engines: &[Engine], progress: bool) -> Result<Report> {
    let scratch = tempdir()?;
    let case_dir = |n: usize| scratch.join(format!("case{n}"));
    let flink_batch = if engines.contains(&Engine::Flink) && cases.len() > 1 {
        Some(run_flink_batch(cases, &case_dir, progress)?)
    } else {
        None
    };
    let mut rows = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let started = Instant::now();
        let dir = case_dir(n);
        std::fs::create_dir_all(&dir)?;
        let prerun = |engine: Engine| match (engine, &flink_batch) {
            (Engine::Flink, Some(batch)) => Some(batch[n].clone()),
            _ => None,
        };
        let statuses = run_case_with(case, engines, &dir, &prerun);
        if progress {
            let cells: Vec<String> = engines
                .iter()
                .zip(&statuses)
                .map(|(e, s)| format!("{} {}", e.name(), s.cell()))
                .collect();
            eprintln!(
                "[{}/{}] {} ({}) {:.1}s",
                n + 1,
                cases.len(),
                case.name,
                cells.join(", "),
                started.elapsed().as_secs_f64()
            );
        }
        rows.push((case.clone(), statuses));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(Report {
        engines: engines.to_vec(),
        rows,
    })
}

/// Runs every case's program on Flink in one `run_batch`, writing each case's outputs where
/// [`run_case_with`] reads them; returns each case's outcome (Err: why it did not run).
fn run_flink_batch(
    cases: &[Case],
    case_dir: &dyn Fn(usize) -> PathBuf,
    progress: bool,
) -> Result<Vec<std::result::Result<(), String>>> {
    let mut outcome = vec![Ok(()); cases.len()];
    let mut batch = Vec::new();
    let mut index = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let dir = case_dir(n);
        std::fs::create_dir_all(&dir)?;
        match crate::load::load(&case.program) {
            // run_case_with reports the diagnostics.
            Err(_) => outcome[n] = Err("does not compile".into()),
            Ok(loaded) => {
                index.push(n);
                batch.push(stent_backend_flink::BatchCase {
                    name: case.name.clone(),
                    program: loaded.program,
                    workload: case.workload.clone(),
                    out: dir.join("flink.jsonl"),
                    state_out: Some(dir.join("flink_state.json")),
                });
            }
        }
    }
    if progress {
        eprintln!("flink: running {} cases in one batch...", batch.len());
    }
    let jvms = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let opts = stent_backend_flink::FlinkRunOptions::default();
    match stent_backend_flink::run_batch(&batch, jvms, &opts) {
        Err(e) => {
            for &n in &index {
                outcome[n] = Err(format!("the Flink batch failed: {e}"));
            }
        }
        Ok(summary) => {
            for (&n, case) in index.iter().zip(&summary.cases) {
                if let Some(err) = &case.error {
                    outcome[n] = Err(err.clone());
                }
            }
        }
    }
    Ok(outcome)
}

/// Runs one case on the oracle and each engine, with scratch files in `dir`.
pub fn run_case(case: &Case, engines: &[Engine], dir: &Path) -> Vec<Status> {
    run_case_with(case, engines, dir, &|_| None)
}

/// [`run_case`], where `prerun(engine)` may say that an engine already ran the case (writing
/// `dir/ENGINE.jsonl` and `dir/ENGINE_state.json`): Ok to compare those, Err why it failed.
fn run_case_with(
    case: &Case,
    engines: &[Engine],
    dir: &Path,
    prerun: &dyn Fn(Engine) -> Option<std::result::Result<(), String>>,
) -> Vec<Status> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        return engines
            .iter()
            .map(|_| Status::Error(format!("cannot create {}: {e}", dir.display())))
            .collect();
    }
    let all_error = |msg: String| engines.iter().map(|_| Status::Error(msg.clone())).collect();
    let loaded = match crate::load::load(&case.program) {
        Ok(l) => l,
        Err(e) => return all_error(format!("does not compile:\n{e}")),
    };
    let expected = match run_oracle(case, dir) {
        Ok(o) => o,
        Err(e) => return all_error(format!("{e:#}")),
    };
    let mut strict: BTreeSet<String> = loaded
        .program
        .exceptions
        .iter()
        .map(|x| x.name.clone())
        .collect();
    strict.extend(["EntityNotFound".to_string(), "EntityExists".to_string()]);
    engines
        .iter()
        .map(|&engine| {
            if !engine.info().available {
                return Status::NotBuilt;
            }
            let (out, state) = (
                dir.join(format!("{}.jsonl", engine.name())),
                dir.join(format!("{}_state.json", engine.name())),
            );
            let req = engines::RunRequest {
                program: &loaded.program,
                workload: &case.workload,
                out: &out,
                state_out: Some(&state),
                state_dir: None,
                workers: None,
                progress: false,
            };
            let ran = match prerun(engine) {
                Some(outcome) => outcome.map_err(|e| anyhow::anyhow!(e)),
                None => engines::run(engine, &req).map(|_| ()),
            };
            match ran.and_then(|_| read_outputs(&out, &state)) {
                Err(e) => Status::Error(format!("{e:#}")),
                Ok(actual) => {
                    let diffs = compare(&expected, &actual, &strict);
                    if diffs.is_empty() {
                        Status::Pass
                    } else {
                        Status::Fail(diffs.into_iter().take(3).collect())
                    }
                }
            }
        })
        .collect()
}

/// A fresh scratch directory for this process.
pub fn tempdir() -> Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("stent-conformance-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_and_floats_differ() {
        assert!(!json_equal(&json!(6), &json!(6.0)));
        assert!(json_equal(&json!(6.0), &json!(6.0)));
        assert!(json_equal(&json!([1, {"a": 2.5}]), &json!([1, {"a": 2.5}])));
    }

    #[test]
    fn dict_order_is_significant() {
        let a: Json = serde_json::from_str(r#"{"a": 1, "b": 2}"#).unwrap();
        let b: Json = serde_json::from_str(r#"{"b": 2, "a": 1}"#).unwrap();
        assert!(!json_equal(&a, &b));
    }

    #[test]
    fn builtin_messages_are_informative_user_messages_strict() {
        let strict: BTreeSet<String> = ["Broke".to_string()].into();
        let want = json!({"error": {"type": "KeyError", "message": "'a'"}});
        let got = json!({"error": {"type": "KeyError", "message": "a"}});
        assert!(outcome_equal(&want, &got, &strict));
        let want = json!({"error": {"type": "Broke", "message": "ann has 3"}});
        let got = json!({"error": {"type": "Broke", "message": "ann has 4"}});
        assert!(!outcome_equal(&want, &got, &strict));
    }

    #[test]
    fn missing_duplicate_and_extra_answers_are_reported() {
        let mut expected = Outputs {
            state: json!([]),
            ..Default::default()
        };
        expected
            .results
            .insert("\"r1\"".into(), json!({"result": 1}));
        let mut actual = Outputs {
            state: json!([]),
            ..Default::default()
        };
        actual.results.insert("\"r2\"".into(), json!({"result": 1}));
        actual.duplicates.push("\"r2\"".into());
        let diffs = compare(&expected, &actual, &BTreeSet::new());
        assert_eq!(diffs.len(), 3, "{diffs:?}");
    }
}
