//! The `stent` binary end to end: each command of the contract on real programs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stent"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the stent binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stent-cli-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_accepts_a_good_program_and_prints_analyses() {
    let out = stent(&["check", "examples/bank/bank.py"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("entity Account"), "{stdout}");
    assert!(stdout.contains("read-only"), "{stdout}");
}

#[test]
fn check_rejects_a_bad_program_with_a_located_diagnostic() {
    let dir = scratch("bad");
    let bad = dir.join("bad.py");
    std::fs::write(
        &bad,
        "from stent import entity\n\n@entity\nclass A:\n    def __init__(self, k: str):\n        self.k = k\n\n    def __key__(self):\n        return self.k\n\n    def f(self) -> int:\n        try:\n            return 1\n        except Exception:\n            return 2\n",
    )
    .unwrap();
    let out = stent(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.py:12:"), "{stderr}");
    assert!(stderr.contains('^'), "{stderr}");
    assert!(stderr.contains("hint"), "{stderr}");
}

#[test]
fn compile_writes_each_encoding_and_every_command_reads_them() {
    let dir = scratch("compile");
    for ext in ["pb", "json", "yaml"] {
        let ir = dir.join(format!("shop.{ext}"));
        let out = stent(&[
            "compile",
            "examples/shop/shop.py",
            "-o",
            ir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let show = stent(&["ir", "show", ir.to_str().unwrap()]);
        assert!(show.status.success(), "{}", text(&show.stderr));
        assert!(text(&show.stdout).contains("entity Item"));
    }
    let from_py = stent(&["ir", "show", "examples/shop/shop.py"]);
    let from_pb = stent(&["ir", "show", dir.join("shop.pb").to_str().unwrap()]);
    assert_eq!(from_py.stdout, from_pb.stdout);
}

#[test]
fn graph_renders_dot_and_mermaid_with_the_feedback_edge() {
    let dot = text(&stent(&["graph", "examples/hotel/hotel.py", "--format", "dot"]).stdout);
    assert!(dot.starts_with("digraph stent"), "{dot}");
    assert!(dot.contains("feedback"), "{dot}");
    let mermaid = text(&stent(&["graph", "examples/hotel/hotel.py", "--format", "mermaid"]).stdout);
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
}

#[test]
fn run_without_out_prints_one_result_per_request() {
    let out = stent(&[
        "run",
        "examples/shop/shop.py",
        "--workload",
        "examples/shop/workload.jsonl",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let requests = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop/workload.jsonl"),
    )
    .unwrap()
    .lines()
    .filter(|l| !l.trim().is_empty())
    .count();
    assert_eq!(text(&out.stdout).lines().count(), requests);
}

#[test]
fn durable_run_without_out_resumes_and_query_reads_its_state() {
    let dir = scratch("durable-stdout");
    let state = dir.join("state");
    let state_str = state.to_str().unwrap();
    let run = || {
        stent(&[
            "run",
            "examples/bank/bank.py",
            "--workload",
            "examples/bank/workload.jsonl",
            "--state-dir",
            state_str,
            "--quiet",
        ])
    };
    let first = run();
    assert!(first.status.success(), "{}", text(&first.stderr));
    let dump = dir.join("state.json");
    let with_dump = stent(&[
        "run",
        "examples/bank/bank.py",
        "--workload",
        "examples/bank/workload.jsonl",
        "--state-dir",
        state_str,
        "--state-out",
        dump.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(with_dump.status.success(), "{}", text(&with_dump.stderr));
    let accounts = std::fs::read_to_string(&dump)
        .unwrap()
        .matches(r#""entity": "Account""#)
        .count();
    assert!(accounts > 0);
    // The same command again resumes the finished run: same results, nothing re-applied.
    let again = run();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), text(&first.stdout));
    assert!(!text(&first.stdout).is_empty());

    let q = stent(&[
        "query",
        "--state-dir",
        state_str,
        "SELECT count(*) AS n FROM Account",
    ]);
    assert!(q.status.success(), "{}", text(&q.stderr));
    assert!(
        text(&q.stdout).contains(&format!("| {accounts} ")),
        "{accounts} accounts expected: {}",
        text(&q.stdout)
    );
    let bad = stent(&["query", "--state-dir", state_str, "SELECT * FROM Nope"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("Nope"), "{}", text(&bad.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_files_and_missing_workloads_are_clear_errors() {
    let out = stent(&["ir", "show", "no/such/program.py"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot read no/such/program.py"),
        "{}",
        text(&out.stderr)
    );
    let out = stent(&[
        "run",
        "examples/shop/shop.py",
        "--workload",
        "missing.jsonl",
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("missing.jsonl does not exist"));
}

#[test]
fn engines_lists_every_engine_and_its_guarantees() {
    let out = text(&stent(&["engines"]).stdout);
    for name in ["local", "flink", "beam", "arroyo"] {
        assert!(out.contains(name), "{out}");
    }
    assert!(out.contains("serializable"));
}
