//! Benchmark workloads (YCSB-A/B, YCSB+T, hotel) and the two baselines they are compared with:
//! a hand-written Rust `HashMap` loop doing the same state updates (the physical limit of an
//! in-memory key-value engine) and the CPython oracle (the semantics' reference).
//!
//! Why generate YCSB in Rust: 1M-key workloads must be cheap to make, and the same op stream
//! feeds the engine (as JSON lines) and the HashMap loop (as structs), so the two do exactly the
//! same updates. The hotel workload is the project's own generator (`tests/gen/workloads.py`).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    YcsbA,
    YcsbB,
    YcsbT,
    Hotel,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::YcsbA => "YCSB-A",
            Kind::YcsbB => "YCSB-B",
            Kind::YcsbT => "YCSB+T",
            Kind::Hotel => "hotel",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "ycsb-a" | "a" => Kind::YcsbA,
            "ycsb-b" | "b" => Kind::YcsbB,
            "ycsb+t" | "ycsb-t" | "t" => Kind::YcsbT,
            "hotel" => Kind::Hotel,
            _ => return None,
        })
    }
}

/// One YCSB operation on account indices.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    Read(u32),
    Update(u32, i64),
    Transfer(u32, u32, i64),
}

/// xorshift64*: deterministic and fast; quality is ample for key choice.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Key chooser: uniform, or Zipf(s) by inverse CDF (rank r has weight 1/r^s).
pub struct Keys {
    n: usize,
    cdf: Option<Vec<f64>>,
}

impl Keys {
    pub fn new(n: usize, zipf: f64) -> Keys {
        if zipf <= 0.0 {
            return Keys { n, cdf: None };
        }
        let mut cdf = Vec::with_capacity(n);
        let mut acc = 0.0;
        for r in 1..=n {
            acc += 1.0 / (r as f64).powf(zipf);
            cdf.push(acc);
        }
        cdf.iter_mut().for_each(|c| *c /= acc);
        Keys { n, cdf: Some(cdf) }
    }
    pub fn pick(&self, rng: &mut Rng) -> u32 {
        match &self.cdf {
            None => (rng.next_u64() % self.n as u64) as u32,
            Some(cdf) => {
                let u = rng.f64();
                cdf.partition_point(|c| *c < u).min(self.n - 1) as u32
            }
        }
    }
}

pub fn key_name(i: u32) -> String {
    format!("user{i:07}")
}

pub fn ycsb_ops(kind: Kind, keys: &Keys, n: usize, seed: u64) -> Vec<Op> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let k = keys.pick(&mut rng);
            let x = rng.f64();
            match kind {
                Kind::YcsbA if x < 0.5 => Op::Read(k),
                Kind::YcsbB if x < 0.95 => Op::Read(k),
                Kind::YcsbA | Kind::YcsbB => Op::Update(k, (rng.next_u64() % 2000) as i64),
                _ => Op::Transfer(k, keys.pick(&mut rng), 1 + (rng.next_u64() % 10) as i64),
            }
        })
        .collect()
}

pub fn create_lines(n: usize) -> Vec<String> {
    (0..n as u32)
        .map(|i| {
            format!(
                "{{\"id\": \"c{i}\", \"create\": \"Account\", \"args\": [\"{}\", 1000]}}",
                key_name(i)
            )
        })
        .collect()
}

pub fn op_lines(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .enumerate()
        .map(|(i, op)| match op {
            Op::Read(k) => format!(
                "{{\"id\": {i}, \"call\": \"Account\", \"key\": \"{}\", \"method\": \"read\", \"args\": []}}",
                key_name(*k)
            ),
            Op::Update(k, v) => format!(
                "{{\"id\": {i}, \"call\": \"Account\", \"key\": \"{}\", \"method\": \"update\", \"args\": [{v}]}}",
                key_name(*k)
            ),
            Op::Transfer(a, b, amt) => format!(
                "{{\"id\": {i}, \"call\": \"Account\", \"key\": \"{}\", \"method\": \"transfer\", \"args\": [{{\"$entity\": \"Account\", \"key\": \"{}\"}}, {amt}]}}",
                key_name(*a),
                key_name(*b)
            ),
        })
        .collect()
}

/// The physical limit: the same updates on a `HashMap<Box<str>, i64>` keyed by the same key
/// strings, one thread. Returns ops/s (median of 3 runs).
pub fn hashmap_baseline(keys: usize, ops: &[Op]) -> f64 {
    let names: Vec<Box<str>> = (0..keys as u32).map(|i| key_name(i).into()).collect();
    let mut rates = Vec::new();
    for _ in 0..3 {
        let mut m: HashMap<Box<str>, i64> = names.iter().map(|k| (k.clone(), 1000)).collect();
        let mut sink = 0i64;
        let t = Instant::now();
        for op in ops {
            match *op {
                Op::Read(k) => sink = sink.wrapping_add(m[&names[k as usize]]),
                Op::Update(k, v) => {
                    if let Some(x) = m.get_mut(&names[k as usize]) {
                        *x = v;
                    }
                }
                Op::Transfer(a, b, amt) => {
                    let from = m[&names[a as usize]];
                    if from >= amt {
                        *m.get_mut(&names[a as usize]).unwrap() -= amt;
                        *m.get_mut(&names[b as usize]).unwrap() += amt;
                    }
                }
            }
        }
        let dt = t.elapsed().as_secs_f64();
        std::hint::black_box(sink);
        rates.push(ops.len() as f64 / dt.max(1e-9));
    }
    rates.sort_by(f64::total_cmp);
    rates[1]
}

/// The `p` quantile of sorted nanosecond samples (zero for none).
pub(crate) fn pct(sorted: &[u64], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    Duration::from_nanos(sorted[i])
}

/// The durable rows' floor, measured on the device the state dir is on: the latency of
/// `fdatasync` after writing `bytes` (about what one group commit writes at half load), for
/// `secs` seconds in a file under `dir` — appended, or with `overwrite` written over blocks
/// already written and synced, cycling through 16 MiB (what a reused log segment does: no
/// journal commit for a new size or new extents). Returns (p50, p99, max) and the count. With
/// group commit a request waits for the fsync in progress and then for its own, so its p99 is
/// bounded below by about this p99.
pub fn fsync_baseline(
    dir: &Path,
    bytes: usize,
    secs: f64,
    overwrite: bool,
) -> std::io::Result<((Duration, Duration, Duration), usize)> {
    use std::io::{Seek, SeekFrom, Write};
    let per_pass = (16 << 20) / bytes;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let buf: Vec<u8> = (0..bytes).map(|i| (i * 131 % 251) as u8).collect();
    if overwrite {
        for _ in 0..per_pass {
            f.write_all(&buf)?;
        }
        f.sync_all()?;
    }
    let mut lat = Vec::new();
    let t0 = Instant::now();
    while lat.is_empty() || t0.elapsed().as_secs_f64() < secs {
        if overwrite && lat.len() % per_pass == 0 {
            f.seek(SeekFrom::Start(0))?;
        }
        f.write_all(&buf)?;
        let t = Instant::now();
        f.sync_data()?;
        lat.push(t.elapsed().as_nanos() as u64);
    }
    drop(f);
    std::fs::remove_file(&path)?;
    lat.sort_unstable();
    let n = lat.len();
    Ok(((pct(&lat, 0.5), pct(&lat, 0.99), pct(&lat, 1.0)), n))
}

/// The hotel workload from the project's generator: (load lines, timed lines). The load phase
/// is every line up to the last create / `add_hotel`.
pub fn hotel_lines(
    root: &Path,
    requests: usize,
    entities: usize,
    zipf: f64,
) -> Result<(Vec<String>, Vec<String>), String> {
    let out = Command::new("python3")
        .arg(root.join("tests/gen/workloads.py"))
        .args(["--example", "hotel", "--seed", "1"])
        // the generator's output has exactly --requests lines, creates first: make room
        .args([
            "--requests",
            &(requests + entities + entities / 4 + 16).to_string(),
        ])
        .args(["--entities", &entities.to_string()])
        .args(["--zipf", &zipf.to_string()])
        .output()
        .map_err(|e| format!("python3 tests/gen/workloads.py: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "workloads.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let split = lines
        .iter()
        .rposition(|l| l.contains("\"create\"") || l.contains("\"add_hotel\""))
        .map(|i| i + 1)
        .unwrap_or(0);
    let timed = lines[split..].to_vec();
    let mut load = lines;
    load.truncate(split);
    Ok((load, timed))
}

/// The CPython oracle's throughput on `timed` after `load`: load only and load + timed (the
/// fastest of three runs each), so interpreter start-up and loading cancel out. Requests/s.
pub fn oracle_baseline(
    root: &Path,
    program: &Path,
    load: &[String],
    timed: &[String],
    tmp: &Path,
) -> Result<f64, String> {
    let run = |lines: Vec<&String>, name: &str| -> Result<f64, String> {
        let w = tmp.join(format!("{name}.jsonl"));
        let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&w, body).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let st = Command::new("python3")
            .args(["-m", "stent.oracle"])
            .arg(program)
            .arg("--workload")
            .arg(&w)
            .arg("--out")
            .arg(tmp.join(format!("{name}.out")))
            .env("PYTHONPATH", root.join("python"))
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("python3 -m stent.oracle: {e}"))?;
        if !st.success() {
            return Err("the oracle failed".into());
        }
        Ok(t.elapsed().as_secs_f64())
    };
    // the fastest of three runs each: the least disturbed by other work on the machine (a
    // single pair's difference swung 15x-110x between runs on a shared box)
    let fastest = |lines: Vec<&String>, name: &str| -> Result<f64, String> {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            best = best.min(run(lines.clone(), name)?);
        }
        Ok(best)
    };
    let base = fastest(load.iter().collect(), "oracle-load")?;
    let full = fastest(load.iter().chain(timed).collect(), "oracle-full")?;
    if full <= base * 1.05 {
        return Err(format!(
            "load-subtracted time too small to measure ({full:.3}s vs {base:.3}s); raise the request count"
        ));
    }
    Ok(timed.len() as f64 / (full - base))
}

/// Resident set size of this process in bytes (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}
