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
        let log = self.state_dir.join("requests.log");
        let t0 = Instant::now();
        while scan_log(&log).0 < records {
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

    fn log(&self) -> PathBuf {
        self.state_dir.join("requests.log")
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
        err.contains("requests.log"),
        "warning does not name the log: {err}"
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
    // A crash between the checkpoint's rename and the log reset leaves a log whose records
    // the checkpoint already covers; recovery must skip them, not apply them again.
    let c = Case::new("stale-log");
    c.kill_with_log_records(3);
    let stale = std::fs::read(c.log()).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
    std::fs::write(c.log(), &stale).unwrap();
    assert_ok(&c.run());
    c.assert_matches_oracle();
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
