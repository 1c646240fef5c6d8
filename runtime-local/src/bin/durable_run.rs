//! A minimal `stent run --state-dir` for the crash-recovery tests: loads a compiled program
//! (IR in any encoding) and drives `run_workload` with a chosen checkpoint interval.
//!
//! Why not the `stent` binary: integration tests of this crate cannot build the root package's
//! binary, and the checkpoint interval (`RunOptions::checkpoint_every`) is not a CLI flag. The
//! code path below `run_workload` is exactly the one `stent run` takes. Being a bin target of
//! this crate, cargo builds it (with the tests' feature set) before the integration tests and
//! hands them its path in `CARGO_BIN_EXE_durable_run`.
//!
//! Usage: durable_run PROGRAM.pb WORKLOAD OUT STATE_DIR [--checkpoint-every N]
//!        [--workers N] [--state-out FILE]
//! Exit status 0 on success; 1 with `error: ...` on stderr otherwise.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(summary) => {
            eprintln!("local: {summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<stent_runtime_local::Summary, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err(
            "usage: durable_run PROGRAM.pb WORKLOAD OUT STATE_DIR [--checkpoint-every N] \
             [--workers N] [--state-out FILE]"
                .into(),
        );
    }
    let mut opts = stent_runtime_local::RunOptions {
        state_dir: Some(PathBuf::from(&args[3])),
        progress: false,
        ..Default::default()
    };
    let mut state_out = None;
    let mut rest = args[4..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--checkpoint-every" => opts.checkpoint_every = num()?,
            "--workers" => opts.workers = num()?,
            "--state-out" => state_out = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let program = stent_ir::encoding::read_file(Path::new(&args[0]))
        .map_err(|e| format!("cannot load {}: {e}", args[0]))?;
    stent_runtime_local::run_workload(
        &program,
        args[1].as_ref(),
        args[2].as_ref(),
        state_out.as_deref(),
        &opts,
    )
    .map_err(|e| e.to_string())
}
