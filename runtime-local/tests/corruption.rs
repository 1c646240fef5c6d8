//! Damaged or foreign state dirs: a corrupt record in the middle of the log and a torn log
//! tail are truncated with a warning and the run still ends with the oracle's results; a
//! corrupt checkpoint and a state dir of another program or workload are refused with a clear
//! message (non-zero exit) and never silently loaded.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Case {
    dir: PathBuf,
    program: PathBuf,
    workload: PathBuf,
    out: PathBuf,
    state_dir: PathBuf,
    state_out: PathBuf,
    want_out: PathBuf,
    want_state: PathBuf,
}

impl Case {
    /// A YCSB run of 8,000 requests (8 batches), checked against the oracle.
    fn new(name: &str) -> Case {
        let dir = scratch(name);
        let workload = dir.join("w.jsonl");
        ycsb_workload(&workload, 3, 30, 8_000, 0.9);
        let program = example("ycsb/ycsb.py");
        let (want_out, want_state) = oracle(&program, &workload, &dir);
        Case {
            out: dir.join("out.jsonl"),
            state_dir: dir.join("state"),
            state_out: dir.join("state.json"),
            dir,
            program,
            workload,
            want_out,
            want_state,
        }
    }

    fn run_with(&self, program: &Path, workload: &Path, checkpoint_every: usize) -> Output {
        driver_cmd(program, workload, &self.out, &self.state_dir)
            .args(["--checkpoint-every", &checkpoint_every.to_string()])
            .arg("--state-out")
            .arg(&self.state_out)
            .output()
            .unwrap()
    }

    fn run(&self) -> Output {
        self.run_with(&self.program, &self.workload, 2)
    }

    /// Starts a run that never checkpoints before the end and SIGKILLs it once the log holds
    /// at least `records` complete records (so there is a log to damage).
    fn kill_with_log_records(&self, records: usize) {
        let mut child = driver_cmd(&self.program, &self.workload, &self.out, &self.state_dir)
            .args(["--checkpoint-every", "1000"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while scan_logs(&self.state_dir).0 < records {
            assert!(
                child.try_wait().unwrap().is_none(),
                "run ended before the log grew"
            );
            assert!(t0.elapsed() < Duration::from_secs(60));
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }

    fn assert_matches_oracle(&self) {
        assert_results_match(&self.out, &self.want_out);
        assert_state_match(&self.state_out, &self.want_state);
    }

    /// The log segment appended to (the only one before the first checkpoint).
    fn log(&self) -> PathBuf {
        log_segments(&self.state_dir).pop().expect("a log segment")
    }

    /// Runs with test hooks set in the environment (see checkpointer.rs).
    fn run_env(&self, env: &[(&str, &str)]) -> Output {
        let mut c = driver_cmd(&self.program, &self.workload, &self.out, &self.state_dir);
        c.args(["--checkpoint-every", "2"])
            .arg("--state-out")
            .arg(&self.state_out);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    /// Kills a run whose log holds at least `records` records, then splits its only segment
    /// into segments 1, 2, ... of `per` records each — what rotations without a completed
    /// checkpoint leave. The segment paths.
    fn split_log(&self, records: usize, per: usize) -> Vec<PathBuf> {
        self.kill_with_log_records(records);
        let log = self.log();
        let b = std::fs::read(&log).unwrap();
        let (starts, (n, _)) = record_offsets(&b);
        std::fs::remove_file(&log).unwrap();
        let mut paths = Vec::new();
        for (i, chunk) in starts.chunks(per).enumerate() {
            let end = starts
                .get(i * per + chunk.len())
                .copied()
                .unwrap_or(b.len());
            let p = self.state_dir.join(format!("requests-{:010}.log", i + 1));
            let mut part = b[..16].to_vec(); // a header, rewritten by reframe
            part.extend_from_slice(&b[chunk[0]..end]);
            std::fs::write(&p, reframe(&part, i as u64 + 1)).unwrap();
            paths.push(p);
        }
        assert!(n >= records && paths.len() >= 2);
        paths
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn assert_ok(o: &Output) -> String {
    let err = stderr_of(o);
    assert!(o.status.success(), "run failed: {err}");
    err
}

fn assert_fails_with(o: &Output, needles: &[&str]) -> String {
    let err = stderr_of(o);
    assert!(!o.status.success(), "run should have failed; stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    err
}

#[test]
fn flipped_bytes_in_the_middle_of_the_log() {
    let c = Case::new("mid-log");
    c.kill_with_log_records(4);
    let mut b = std::fs::read(c.log()).unwrap();
    let (starts, (n, _)) = record_offsets(&b);
    assert!(n >= 4);
    // Corrupt the payload of the second record: records 3.. are intact but follow it.
    let at = starts[1] + 8 + 100;
    b[at] ^= 0xff;
    b[at + 1] ^= 0x5a;
    std::fs::write(c.log(), &b).unwrap();
    let err = assert_ok(&c.run());
    assert!(err.contains("corrupt log record"), "no warning: {err}");
    assert!(
        err.contains("requests-0000000001.log"),
        "warning does not name the log segment: {err}"
    );
    c.assert_matches_oracle();
}

#[test]
fn torn_log_tail_is_truncated_and_the_run_continues() {
    let c = Case::new("torn-tail");
    c.kill_with_log_records(3);
    let b = std::fs::read(c.log()).unwrap();
    let (starts, (n, _)) = record_offsets(&b);
    // Cut the last complete record in half, as a crash during its append would.
    let last = starts[n - 1];
    let cut = last + (b.len() - last) / 2;
    std::fs::write(c.log(), &b[..cut]).unwrap();
    let err = assert_ok(&c.run());
    assert!(err.contains("torn log tail"), "no warning: {err}");
    c.assert_matches_oracle();
}

#[test]
fn torn_result_line_is_cut_back_and_rewritten() {
    // A crash while writing results leaves a half line after the acknowledged ones; the
    // restart must cut it back to the checkpoint's length and re-append the logged results.
    let c = Case::new("torn-result");
    c.kill_with_log_records(2);
    let mut results = std::fs::read(&c.out).unwrap_or_default();
    results.extend_from_slice(br#"{"id": "u00"#);
    std::fs::write(&c.out, &results).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
    let text = std::fs::read_to_string(&c.out).unwrap();
    assert!(text.ends_with('\n'), "results still end mid-line");
}

#[test]
fn log_covered_by_the_checkpoint_is_not_replayed_twice() {
    // A crash between the checkpoint's rename and the deletion of the segments it covers
    // leaves them behind; recovery must delete them, not apply them again. Covered records in
    // a live segment (not reachable by a crash, but cheap to guard) are skipped by line.
    let c = Case::new("stale-log");
    c.kill_with_log_records(3);
    let stale_path = c.log();
    let stale = std::fs::read(&stale_path).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
    std::fs::write(&stale_path, &stale).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
    assert!(!stale_path.exists(), "covered segment left behind");
    assert_eq!(log_segments(&c.state_dir).len(), 1);
    let live = c.log();
    std::fs::write(&live, reframe(&stale, segment_number(&live))).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
}

#[test]
fn crash_at_each_step_of_a_background_checkpoint() {
    // The second checkpoint (with its write delayed so the run goes on meanwhile) is cut
    // short by exiting at each step; the restart must give the oracle's results and state.
    let steps = [
        ("checkpoint-before-write", "rotated, nothing written"),
        ("checkpoint-tmp-written", "temp file written, not renamed"),
        (
            "checkpoint-renamed",
            "checkpoint durable, covered segments not deleted",
        ),
    ];
    for (step, what) in steps {
        let c = Case::new(&format!("fp-{step}"));
        let fp = format!("{step}@2");
        let o = c.run_env(&[
            ("STENT_FAILPOINT", &fp),
            ("STENT_TEST_CHECKPOINT_DELAY_MS", "20"),
        ]);
        assert_eq!(o.status.code(), Some(99), "{step}: {}", stderr_of(&o));
        let segs = log_segments(&c.state_dir);
        assert!(segs.len() >= 2, "{step} ({what}): segments {segs:?}");
        let tmp = c.state_dir.join("checkpoint.tmp");
        assert_eq!(tmp.exists(), step == "checkpoint-tmp-written", "{step}");
        assert_ok(&c.run());
        c.assert_matches_oracle();
        assert_eq!(log_segments(&c.state_dir).len(), 1, "{step}: segments left");
        assert!(!tmp.exists(), "{step}: temp file left");
    }
}

#[test]
fn corrupt_record_in_an_older_segment() {
    // Segment 1's second record is damaged: it is truncated there, and segment 2 (whose
    // records follow the damage) is removed; both warnings name their segment, and the
    // dropped requests are executed again.
    let c = Case::new("old-segment");
    let segs = c.split_log(4, 2);
    let mut b = std::fs::read(&segs[0]).unwrap();
    let (starts, _) = record_offsets(&b);
    b[starts[1] + 8 + 100] ^= 0xff;
    std::fs::write(&segs[0], &b).unwrap();
    let err = assert_ok(&c.run());
    assert!(
        err.contains("requests-0000000001.log") && err.contains("corrupt log record"),
        "{err}"
    );
    assert!(
        err.contains("requests-0000000002.log") && err.contains("removing a log segment"),
        "{err}"
    );
    c.assert_matches_oracle();
}

#[test]
fn missing_log_segment_is_refused() {
    let c = Case::new("missing-segment");
    let segs = c.split_log(3, 1);
    let kept = std::fs::read(&segs[1]).unwrap();
    std::fs::remove_file(&segs[1]).unwrap();
    assert_fails_with(
        &c.run(),
        &["corrupt request log", "requests-0000000002.log", "missing"],
    );
    std::fs::write(&segs[1], &kept).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
}

#[test]
fn state_dir_with_a_single_pre_rotation_log_resumes() {
    // A state dir written before log rotation has one `requests.log`; it is read as the
    // first segment and deleted once a checkpoint covers it.
    let c = Case::new("legacy-log");
    c.kill_with_log_records(3);
    let legacy = c.state_dir.join("requests.log");
    std::fs::write(&legacy, to_earlier_format(&std::fs::read(c.log()).unwrap())).unwrap();
    std::fs::remove_file(c.log()).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
    assert!(!legacy.exists());
}

#[test]
fn rerunning_a_completed_run_changes_nothing() {
    let c = Case::new("rerun");
    assert_ok(&c.run());
    c.assert_matches_oracle();
    let first = std::fs::read(&c.out).unwrap();
    assert_ok(&c.run());
    assert_eq!(std::fs::read(&c.out).unwrap(), first);
    c.assert_matches_oracle();
}

#[test]
fn corrupt_checkpoint_is_refused_not_loaded() {
    let c = Case::new("bad-checkpoint");
    assert_ok(&c.run());
    let ck = c.state_dir.join("checkpoint");
    let good = std::fs::read(&ck).unwrap();
    let ck_name = ck.display().to_string();

    // A flipped byte in the payload: checksum mismatch.
    let mut b = good.clone();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    std::fs::write(&ck, &b).unwrap();
    assert_fails_with(&c.run(), &["corrupt checkpoint", &ck_name, "checksum"]);
    // Refusing must not repair or replace the evidence.
    assert_eq!(std::fs::read(&ck).unwrap(), b);

    // Truncated, and a damaged header.
    std::fs::write(&ck, &good[..good.len() - 7]).unwrap();
    assert_fails_with(&c.run(), &["corrupt checkpoint", &ck_name]);
    let mut b = good.clone();
    b[0] = b'X';
    std::fs::write(&ck, &b).unwrap();
    assert_fails_with(&c.run(), &["corrupt checkpoint", &ck_name, "magic"]);

    // Restored, the dir works again.
    std::fs::write(&ck, &good).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
}

#[test]
fn state_dir_of_another_program_or_workload_is_refused() {
    let c = Case::new("mismatch");
    c.kill_with_log_records(2);

    // Another program (bank), and the same program with one method changed.
    let o = c.run_with(&example("bank/bank.py"), &c.workload, 2);
    assert_fails_with(&o, &["does not match", "different program"]);
    let edited = c.dir.join("ycsb_edited.py");
    let src = std::fs::read_to_string(&c.program).unwrap();
    std::fs::write(
        &edited,
        src.replace("self.balance += amount", "self.balance += amount + 1"),
    )
    .unwrap();
    assert_fails_with(&c.run_with(&edited, &c.workload, 2), &["different program"]);

    // Another workload, and the same workload with one line changed.
    let other = c.dir.join("other.jsonl");
    ycsb_workload(&other, 4, 30, 8_000, 0.9);
    let err = assert_fails_with(&c.run_with(&c.program, &other, 2), &["does not match"]);
    assert!(
        err.contains("other.jsonl") && err.contains("w.jsonl"),
        "{err}"
    );
    let text = std::fs::read_to_string(&c.workload).unwrap();
    std::fs::write(
        &other,
        text.replacen(
            "\"args\": [\"u0000\", 100]",
            "\"args\": [\"u0000\", 101]",
            1,
        ),
    )
    .unwrap();
    assert_fails_with(&c.run_with(&c.program, &other, 2), &["does not match"]);

    // A copy of the program at another path is the same program.
    let copy = c.dir.join("ycsb_copy.py");
    std::fs::copy(&c.program, &copy).unwrap();
    assert_ok(&c.run_with(&copy, &c.workload, 2));
    c.assert_matches_oracle();
}

#[test]
fn query_view_reads_every_segment_and_changes_nothing() {
    // `stent query`'s load_state on a dir left by a crash with a checkpoint in flight (a
    // checkpoint, a covered segment and live ones): the state after the last logged line,
    // as the oracle computes it for that prefix of the workload, with the dir untouched.
    let c = Case::new("query-view");
    let o = c.run_env(&[
        ("STENT_FAILPOINT", "checkpoint-renamed@2"),
        ("STENT_TEST_CHECKPOINT_DELAY_MS", "20"),
    ]);
    assert_eq!(o.status.code(), Some(99), "{}", stderr_of(&o));
    let files = |d: &Path| {
        let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = files(&c.state_dir);
    let segs = log_segments(&c.state_dir);
    assert!(segs.len() >= 2, "{segs:?}");
    // the last logged line: next_line (the payload's first u64) of the last record
    let last = segs
        .iter()
        .filter_map(|p| {
            let b = std::fs::read(p).unwrap();
            let (starts, _) = record_offsets(&b);
            let s = *starts.last()? + 8;
            Some(u64::from_le_bytes(b[s..s + 8].try_into().unwrap()))
        })
        .max()
        .expect("logged records");
    let program = stent_runtime_local::durable::read_program(&c.state_dir).unwrap();
    let entries = stent_runtime_local::load_state(&program, &c.state_dir).unwrap();
    assert_eq!(
        files(&c.state_dir),
        before,
        "load_state changed the state dir"
    );

    let text = std::fs::read_to_string(&c.workload).unwrap();
    let prefix: String = text
        .lines()
        .take(last as usize - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    let pdir = c.dir.join("prefix");
    std::fs::create_dir_all(&pdir).unwrap();
    let pw = pdir.join("w.jsonl");
    std::fs::write(&pw, prefix).unwrap();
    let (_, want_state) = oracle(&c.program, &pw, &pdir);
    let got: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|(ty, key, fields)| {
            let key = match key {
                stent_runtime_local::value::Key::Int(i) => serde_json::json!(i),
                stent_runtime_local::value::Key::Str(s) => serde_json::json!(s.as_str()),
            };
            let state: serde_json::Map<String, serde_json::Value> = fields.into_iter().collect();
            serde_json::json!({"entity": ty, "key": key, "state": state})
        })
        .collect();
    let got_path = pdir.join("got.json");
    std::fs::write(&got_path, serde_json::Value::Array(got).to_string()).unwrap();
    assert_state_match(&got_path, &want_state);
}
