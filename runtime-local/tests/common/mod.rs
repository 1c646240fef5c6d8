//! Shared helpers of the durability tests: workload generators (seeded, deterministic), the
//! CPython oracle, the `durable_run` driver (runtime-local/src/bin/durable_run.rs) and
//! result/state comparison.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// The repository root (the oracle and the example programs live there).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn example(rel: &str) -> PathBuf {
    repo_root().join("examples").join(rel)
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stent-durable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The driver command for one durable run: `program` (Python) is compiled in-process and
/// handed to the `durable_run` bin target (src/bin/durable_run.rs) as binary IR.
pub fn driver_cmd(program: &Path, workload: &Path, out: &Path, state_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_durable_run"));
    c.arg(compiled(program))
        .arg(workload)
        .arg(out)
        .arg(state_dir);
    c
}

/// Compiles `program` to binary IR once per distinct source text; returns the .pb path.
fn compiled(program: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let source = std::fs::read_to_string(program).unwrap();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (program, &source).hash(&mut h);
    let dir = std::env::temp_dir().join(format!("stent-durable-ir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pb = dir.join(format!("{:016x}.pb", h.finish()));
    if !pb.exists() {
        let name = program.display().to_string();
        let compiled = stent_frontend::compile(&name, &source)
            .unwrap_or_else(|d| panic!("{name}: {} compiler diagnostics", d.len()));
        let bytes =
            stent_ir::encoding::encode(&compiled.program, stent_ir::Encoding::Binary).unwrap();
        // Written aside and renamed: tests of one process compile concurrently.
        let tmp = pb.with_extension(format!("tmp{:?}", std::thread::current().id()));
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(&tmp, &pb).unwrap();
    }
    pb
}

pub fn stderr_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the CPython oracle; returns (results path, state path).
pub fn oracle(program: &Path, workload: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("oracle.jsonl");
    let state = dir.join("oracle_state.json");
    let o = Command::new("python3")
        .env("PYTHONPATH", repo_root().join("python"))
        .args(["-m", "stent.oracle"])
        .arg(program)
        .arg("--workload")
        .arg(workload)
        .arg("--out")
        .arg(&out)
        .arg("--state-out")
        .arg(&state)
        .output()
        .expect("python3 is needed for the oracle");
    assert!(o.status.success(), "oracle failed: {}", stderr_of(&o));
    (out, state)
}

/// Results by request id (the id's JSON text), failing on unparsable lines and duplicate ids.
pub fn results_by_id(path: &Path) -> HashMap<String, Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut by_id = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: not JSON ({e}): {line}", path.display(), i + 1));
        let id = v["id"].to_string();
        if let Some(prev) = by_id.insert(id.clone(), v) {
            panic!(
                "{}: request id {id} answered twice ({prev} and line {})",
                path.display(),
                i + 1
            );
        }
    }
    by_id
}

/// Asserts each id is answered exactly once and every result (or error type + message) equals
/// the oracle's. Returns the number of requests compared.
pub fn assert_results_match(got: &Path, expected: &Path) -> usize {
    let got = results_by_id(got);
    let want = results_by_id(expected);
    let mut diffs = Vec::new();
    for (id, w) in &want {
        match got.get(id) {
            None => diffs.push(format!("{id}: missing")),
            Some(g) => {
                let same = match (w.get("error"), g.get("error")) {
                    (Some(we), Some(ge)) => {
                        we["type"] == ge["type"] && we["message"] == ge["message"]
                    }
                    (None, None) => w.get("result") == g.get("result"),
                    _ => false,
                };
                if !same {
                    diffs.push(format!("{id}: got {g}, oracle {w}"));
                }
            }
        }
    }
    for id in got.keys().filter(|id| !want.contains_key(*id)) {
        diffs.push(format!("{id}: answered but not in the workload"));
    }
    assert!(
        diffs.is_empty(),
        "{} result differences, first: {:#?}",
        diffs.len(),
        &diffs[..diffs.len().min(5)]
    );
    want.len()
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn assert_state_match(got: &Path, expected: &Path) {
    let (g, w) = (read_json(got), read_json(expected));
    assert!(
        g == w,
        "final state differs from the oracle's:\n got {g}\nwant {w}"
    );
}

/// Zipf(s) over 0..n by inverse CDF (rand 0.8 has no Zipf without rand_distr).
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = (0..n)
            .map(|i| {
                acc += 1.0 / ((i + 1) as f64).powf(s);
                acc
            })
            .collect();
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf { cdf }
    }
    pub fn sample(&self, rng: &mut StdRng) -> usize {
        let u: f64 = rng.r#gen();
        self.cdf.partition_point(|c| *c < u).min(self.cdf.len() - 1)
    }
}

/// A YCSB+T workload for examples/ycsb/ycsb.py: `accounts` creates (balance 100 each), then
/// `requests` Zipf-skewed transfers (some overdrawing, some to a missing account), reads, and
/// a few gets, duplicate creates and negative amounts. Only balance-preserving methods are
/// used, so the sum of balances is an invariant.
pub fn ycsb_workload(path: &Path, seed: u64, accounts: usize, requests: usize, zipf: f64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let z = Zipf::new(accounts, zipf);
    let mut s = String::new();
    for i in 0..accounts {
        writeln!(
            s,
            r#"{{"id": "c{i}", "create": "Account", "args": ["u{i:04}", 100]}}"#
        )
        .unwrap();
    }
    for j in 0..requests {
        let a = z.sample(&mut rng);
        let roll: u32 = rng.gen_range(0..100);
        if roll < 70 {
            let mut b = z.sample(&mut rng);
            if b == a {
                b = (b + 1) % accounts;
            }
            let to = if roll < 2 {
                "nobody".to_string()
            } else {
                format!("u{b:04}")
            };
            let amount: i64 = if roll == 2 { -5 } else { rng.gen_range(0..80) };
            writeln!(
                s,
                r#"{{"id": "t{j}", "call": "Account", "key": "u{a:04}", "method": "transfer", "args": [{{"$entity": "Account", "key": "{to}"}}, {amount}]}}"#
            )
            .unwrap();
        } else if roll < 95 {
            writeln!(
                s,
                r#"{{"id": "t{j}", "call": "Account", "key": "u{a:04}", "method": "read", "args": []}}"#
            )
            .unwrap();
        } else if roll < 99 {
            writeln!(s, r#"{{"id": "t{j}", "get": "Account", "key": "u{a:04}"}}"#).unwrap();
        } else {
            writeln!(
                s,
                r#"{{"id": "t{j}", "create": "Account", "args": ["u{a:04}", 5]}}"#
            )
            .unwrap();
        }
    }
    std::fs::write(path, s).unwrap();
}

/// Reads a state dump (a list of {entity, key, state}) as (type, key JSON) -> state.
pub fn state_entries(path: &Path) -> Vec<(String, Value, Value)> {
    match read_json(path) {
        Value::Array(items) => items
            .into_iter()
            .map(|e| {
                (
                    e["entity"].as_str().unwrap().to_string(),
                    e["key"].clone(),
                    e["state"].clone(),
                )
            })
            .collect(),
        other => panic!("state dump is not a list: {other}"),
    }
}

/// The segment number in the header of a current-format log segment ("STLG" [version u32]
/// [segment u64], see segments.rs); None for the earlier, headerless format.
pub fn segment_header(b: &[u8]) -> Option<u64> {
    (b.len() >= 16 && b.starts_with(b"STLG"))
        .then(|| u64::from_le_bytes(b[8..16].try_into().unwrap()))
}

/// The segment number in a segment file's name (`requests.log` is 0).
pub fn segment_number(path: &Path) -> u64 {
    let name = path.file_name().unwrap().to_str().unwrap();
    name.strip_prefix("requests-")
        .and_then(|n| n.strip_suffix(".log"))
        .map_or(0, |n| n.parse().unwrap())
}

/// Complete records and leftover bytes of a log segment (frames `[len u32][crc32 u32]
/// [payload]` after the header, up to the all-zero end marker; see segments.rs); checksums are
/// not checked. A reused segment not yet rewritten (its header names its previous number)
/// holds nothing.
pub fn scan_log(path: &Path) -> (usize, usize) {
    let b = std::fs::read(path).unwrap_or_default();
    match segment_header(&b) {
        Some(n) if n != segment_number(path) => (0, 0),
        _ => record_offsets(&b).1,
    }
}

/// Start offsets of the complete records of a log segment, and (records, leftover bytes: a
/// record cut short, not the stale bytes after the end marker).
pub fn record_offsets(b: &[u8]) -> (Vec<usize>, (usize, usize)) {
    let current = segment_header(b).is_some();
    let (mut i, mut starts) = (if current { 16 } else { 0 }, Vec::new());
    while i + 8 <= b.len() {
        if current && b[i..i + 8] == [0; 8] {
            let n = starts.len();
            return (starts, (n, 0));
        }
        let len = u32::from_le_bytes(b[i..i + 4].try_into().unwrap()) as usize;
        if i + 8 + len > b.len() {
            break;
        }
        starts.push(i);
        i += 8 + len;
    }
    let n = starts.len();
    (starts, (n, b.len() - i))
}

/// The records of a current-format segment rewritten as records of segment `seg` (header and
/// checksums: a record's checksum covers its segment number), with the end marker after them.
pub fn reframe(b: &[u8], seg: u64) -> Vec<u8> {
    let mut out = b"STLG".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&seg.to_le_bytes());
    for s in record_offsets(b).0 {
        out.extend_from_slice(&frame(&b[s..], |p| {
            stent_runtime_local::segments::record_crc(seg, p)
        }));
    }
    out.extend_from_slice(&[0; 8]);
    out
}

/// The records of a current-format segment in the earlier format (no header, a checksum of the
/// payload alone, no end marker).
pub fn to_earlier_format(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in record_offsets(b).0 {
        out.extend_from_slice(&frame(&b[s..], crc32fast::hash));
    }
    out
}

/// The record at the start of `b`, its checksum recomputed with `crc`.
fn frame(b: &[u8], crc: impl Fn(&[u8]) -> u32) -> Vec<u8> {
    let len = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
    let payload = &b[8..8 + len];
    let mut f = b[..4].to_vec();
    f.extend_from_slice(&crc(payload).to_le_bytes());
    f.extend_from_slice(payload);
    f
}

/// The log segments of a state dir in order (`requests-NNNNNNNNNN.log`, after a pre-rotation
/// `requests.log`; see durable.rs).
pub fn log_segments(state_dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<(u64, PathBuf)> = std::fs::read_dir(state_dir)
        .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let n = if name == "requests.log" {
                0
            } else {
                name.strip_prefix("requests-")?
                    .strip_suffix(".log")?
                    .parse()
                    .ok()?
            };
            Some((n, e.path()))
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, p)| p).collect()
}

/// Complete records in all segments of a state dir, and leftover bytes of the last one.
pub fn scan_logs(state_dir: &Path) -> (usize, usize) {
    let segs = log_segments(state_dir);
    let records = segs.iter().map(|p| scan_log(p).0).sum();
    (records, segs.last().map_or(0, |p| scan_log(p).1))
}
