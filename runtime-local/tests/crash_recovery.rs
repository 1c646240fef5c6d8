//! Exactly-once across crashes (contract section 2): a durable run is SIGKILLed at random
//! points (fixed seed) and restarted with the same command until it completes; then every
//! request id must be answered exactly once, with the oracle's result, and the final state must
//! equal the oracle's.
//!
//! The checkpoint interval is 1-2 batches so kills land in every phase: executing, the log's
//! append + fsync, writing results, and the checkpoint (snapshot and log rotation; then, in
//! the background while later batches run, results fsync, temp file, rename, deletion of the
//! covered log segments). One test slows the background write down
//! (`STENT_TEST_CHECKPOINT_DELAY_MS`) so that many kills land with a checkpoint in flight and
//! several log segments live; `corruption.rs` crashes at each step of it deterministically. What the state dir looked like at each kill is classified and printed (run with
//! `--nocapture`), and the test asserts that kills landed with logged batches pending replay,
//! so recovery's replay path is really exercised. Kills rarely land mid-result-line by chance
//! (writing a batch's results takes microseconds), so that case has its own deterministic test
//! in `corruption.rs`.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the state dir showed right after a kill.
#[derive(Debug, Default)]
struct KillStats {
    kills: usize,
    rounds: usize,
    restarts: usize,
    /// The results file ended in the middle of a line.
    torn_result_line: usize,
    /// `checkpoint.tmp` existed: killed between creating and renaming a checkpoint.
    mid_checkpoint: usize,
    /// The log ended in a partial record: killed during an append.
    torn_log_tail: usize,
    /// The log held complete records: the restart had to replay them.
    pending_log_records: usize,
    /// No checkpoint yet: the restart began from an empty store.
    before_first_checkpoint: usize,
    /// Restarts that reported truncating a torn log tail.
    truncation_warnings: usize,
    /// More than one log segment: killed with a background checkpoint in flight (or before
    /// the segments it covers were deleted).
    several_segments: usize,
}

fn observe(state_dir: &Path, out: &Path, st: &mut KillStats) {
    let results = std::fs::read(out).unwrap_or_default();
    if results.last().is_some_and(|b| *b != b'\n') {
        st.torn_result_line += 1;
    }
    let tmp = state_dir.join("checkpoint.tmp");
    if tmp.exists() {
        st.mid_checkpoint += 1;
        // The engine never reads the temp file; removing it keeps the next kill's count honest.
        std::fs::remove_file(&tmp).unwrap();
    }
    let segments = log_segments(state_dir).len();
    if segments > 1 {
        st.several_segments += 1;
    }
    let (records, leftover) = scan_logs(state_dir);
    if leftover > 0 {
        st.torn_log_tail += 1;
    }
    if records > 0 {
        st.pending_log_records += 1;
    }
    if !state_dir.join("checkpoint").exists() {
        st.before_first_checkpoint += 1;
    }
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `program` on `workload` to completion under random SIGKILLs until at least
/// `kills_wanted` kills happened (several full rounds if needed); checks each round against
/// the oracle.
#[allow(clippy::too_many_arguments)]
fn crash_loop(
    name: &str,
    program: &Path,
    workload: &Path,
    dir: &Path,
    checkpoint_every: usize,
    kills_wanted: usize,
    seed: u64,
    checkpoint_delay_ms: Option<u64>,
) -> KillStats {
    let driver = |out: &Path, state_dir: &Path| {
        let mut c = driver_cmd(program, workload, out, state_dir);
        if let Some(ms) = checkpoint_delay_ms {
            c.env("STENT_TEST_CHECKPOINT_DELAY_MS", ms.to_string());
        }
        c
    };
    let (want_out, want_state) = oracle(program, workload, dir);
    let requests = results_by_id(&want_out).len();

    // Calibrate the kill delays on one uninterrupted durable run (also checked).
    let (cal_out, cal_state) = (dir.join("cal.jsonl"), dir.join("cal_state.json"));
    let t0 = Instant::now();
    let o = driver(&cal_out, &dir.join("cal_dir"))
        .args(["--checkpoint-every", &checkpoint_every.to_string()])
        .arg("--state-out")
        .arg(&cal_state)
        .output()
        .unwrap();
    let full = t0.elapsed();
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert_results_match(&cal_out, &want_out);
    assert_state_match(&cal_state, &want_state);

    let mut rng = StdRng::seed_from_u64(seed);
    let mut st = KillStats::default();
    let started = Instant::now();
    while st.kills < kills_wanted {
        st.rounds += 1;
        let state_dir = dir.join(format!("state{}", st.rounds));
        let out = dir.join(format!("out{}.jsonl", st.rounds));
        let state_out = dir.join(format!("state{}.json", st.rounds));
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(
                attempts < 500,
                "{name}: no progress after {attempts} restarts"
            );
            let mut cmd = driver(&out, &state_dir);
            cmd.args(["--checkpoint-every", &checkpoint_every.to_string()])
                .arg("--state-out")
                .arg(&state_out);
            let mut child = spawn(&mut cmd);
            if attempts > 1 {
                st.restarts += 1;
            }
            // Random delays up to 40% of a full run: several kills per round, and early
            // kills (during start-up and recovery itself) as well as late ones.
            let max = full.as_micros() as u64 * 4 / 10;
            let delay = Duration::from_micros(rng.gen_range(0..=max));
            let deadline = Instant::now() + delay;
            let mut finished = None;
            while Instant::now() < deadline {
                if let Some(s) = child.try_wait().unwrap() {
                    finished = Some(s);
                    break;
                }
                std::thread::sleep(Duration::from_micros(500));
            }
            if finished.is_none() && st.kills < kills_wanted {
                child.kill().unwrap(); // SIGKILL
                let o = child.wait_with_output().unwrap();
                st.truncation_warnings += stderr_of(&o).matches("truncating a torn").count();
                st.kills += 1;
                observe(&state_dir, &out, &mut st);
                continue;
            }
            let o = child.wait_with_output().unwrap();
            let err = stderr_of(&o);
            st.truncation_warnings += err.matches("truncating a torn").count();
            assert!(o.status.success(), "{name}: restart failed: {err}");
            break;
        }
        let n = assert_results_match(&out, &want_out);
        assert_eq!(n, requests);
        assert_state_match(&state_out, &want_state);
    }
    eprintln!(
        "{name}: {requests} requests, uninterrupted durable run {:.2}s, checkpoint every \
         {checkpoint_every} batch(es); {} kills over {} rounds in {:.1}s: {st:?}",
        full.as_secs_f64(),
        st.kills,
        st.rounds,
        started.elapsed().as_secs_f64()
    );
    st
}

#[test]
fn ycsb_sigkill_at_random_points_is_exactly_once() {
    let dir = scratch("crash-ycsb");
    let workload = dir.join("ycsb.jsonl");
    // 40 accounts, 12,000 requests (12 batches of 1024 lines).
    ycsb_workload(&workload, 7, 40, 12_000, 0.99);
    let st = crash_loop(
        "ycsb",
        &example("ycsb/ycsb.py"),
        &workload,
        &dir,
        2,
        30,
        0x5eed,
        None,
    );
    assert!(st.kills >= 30);
    assert!(
        st.pending_log_records > 0,
        "no kill left logged batches to replay: {st:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bank_sigkill_with_checkpoint_every_batch() {
    // The bank example has lists, dicts, Optional and entity references in its state, so this
    // also checks that checkpoints restore every value kind exactly.
    let dir = scratch("crash-bank");
    let workload = dir.join("bank.jsonl");
    bank_workload(&workload, 11, 6_000);
    let st = crash_loop(
        "bank",
        &example("bank/bank.py"),
        &workload,
        &dir,
        1,
        20,
        0xba4c,
        None,
    );
    assert!(st.kills >= 20);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ycsb_sigkill_with_slow_background_checkpoints() {
    // Each checkpoint's write is delayed by 25 ms while the run goes on (a new checkpoint is
    // postponed meanwhile), so kills land with a checkpoint in flight: a rotated log, records
    // in both segments, maybe a temp file or a new checkpoint whose covered segments remain.
    // The kill times are random within 40% of a calibrated run: on a fast calibration every
    // kill of a loop can land before the first checkpoint. Then another loop runs (a new seed
    // and state dir, at most 4 loops) until a kill lands with a checkpoint in flight.
    let dir = scratch("crash-slow-ck");
    let workload = dir.join("ycsb.jsonl");
    ycsb_workload(&workload, 9, 40, 12_000, 0.5);
    let mut loops = Vec::new();
    for (i, seed) in [0xc4ec, 0xc4ed, 0xc4ee, 0xc4ef].into_iter().enumerate() {
        let sub = dir.join(format!("loop{i}"));
        std::fs::create_dir_all(&sub).unwrap();
        let st = crash_loop(
            "ycsb-slow-checkpoint",
            &example("ycsb/ycsb.py"),
            &workload,
            &sub,
            1,
            25,
            seed,
            Some(25),
        );
        assert!(st.kills >= 25);
        let landed = st.several_segments > 0;
        loops.push(st);
        if landed {
            break;
        }
    }
    assert!(
        loops.iter().any(|st| st.several_segments > 0),
        "no kill landed with a checkpoint in flight in {} loops: {loops:?}",
        loops.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Branches, accounts opened in them, then deposits/withdrawals/transfers/freezes/statements.
fn bank_workload(path: &Path, seed: u64, requests: usize) {
    use std::fmt::Write as _;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut s = String::new();
    let branches = ["north", "south", "east"];
    for (i, b) in branches.iter().enumerate() {
        writeln!(
            s,
            r#"{{"id": "b{i}", "create": "Branch", "args": ["{b}", {}]}}"#,
            100 + 150 * i
        )
        .unwrap();
    }
    let accounts = 30;
    for i in 0..accounts {
        writeln!(
            s,
            r#"{{"id": "a{i}", "create": "Account", "args": ["AC{i:03}", "owner{i}", {}]}}"#,
            50 + 10 * i
        )
        .unwrap();
        writeln!(
            s,
            r#"{{"id": "o{i}", "call": "Branch", "key": "{}", "method": "open", "args": [{{"$entity": "Account", "key": "AC{i:03}"}}]}}"#,
            branches[i % 3]
        )
        .unwrap();
    }
    let acc = |rng: &mut StdRng| format!("AC{:03}", rng.gen_range(0..accounts + 1));
    for j in 0..requests {
        let a = acc(&mut rng);
        let amount: i64 = rng.gen_range(-5..200);
        let line = match rng.gen_range(0..10) {
            0 | 1 => format!(
                r#""call": "Account", "key": "{a}", "method": "deposit", "args": [{amount}]"#
            ),
            2 => format!(
                r#""call": "Account", "key": "{a}", "method": "withdraw", "args": [{amount}]"#
            ),
            3 | 4 => format!(
                r#""call": "Account", "key": "{a}", "method": "transfer", "args": [{{"$entity": "Account", "key": "{}"}}, {amount}]"#,
                acc(&mut rng)
            ),
            5 => format!(
                r#""call": "Branch", "key": "{}", "method": "transfer_between", "args": [{{"$entity": "Account", "key": "{a}"}}, {{"$entity": "Account", "key": "{}"}}, {amount}]"#,
                branches[rng.gen_range(0..3)],
                acc(&mut rng)
            ),
            6 => format!(
                r#""call": "Account", "key": "{a}", "method": "{}", "args": []"#,
                if rng.gen_bool(0.5) {
                    "freeze"
                } else {
                    "unfreeze"
                }
            ),
            7 => format!(r#""call": "Account", "key": "{a}", "method": "statement", "args": []"#),
            8 => format!(
                r#""call": "Branch", "key": "{}", "method": "{}", "args": []"#,
                branches[rng.gen_range(0..3)],
                if rng.gen_bool(0.5) {
                    "total_deposits"
                } else {
                    "richest"
                }
            ),
            _ => format!(r#""get": "Account", "key": "{a}""#),
        };
        writeln!(s, r#"{{"id": "q{j}", {line}}}"#).unwrap();
    }
    std::fs::write(path, s).unwrap();
}
