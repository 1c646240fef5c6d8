//! The engines this build can run a program on, what each guarantees, and one entry point to
//! run a workload on any of them.

use std::path::Path;
use stent_ir::v1::Program;

/// An execution engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The embedded, Arrow-batched reference engine (runtime-local).
    Local,
    /// A generated Apache Flink job on an embedded MiniCluster.
    Flink,
    /// A generated Apache Beam pipeline.
    Beam,
    /// Arroyo SQL + Rust UDFs.
    Arroyo,
}

/// What `stent engines` prints about one engine.
pub struct EngineInfo {
    pub engine: Engine,
    pub available: bool,
    pub isolation: &'static str,
    pub durability: &'static str,
    pub notes: &'static str,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Local => "local",
            Engine::Flink => "flink",
            Engine::Beam => "beam",
            Engine::Arroyo => "arroyo",
        }
    }

    pub fn parse(name: &str) -> Option<Engine> {
        [Engine::Local, Engine::Flink, Engine::Beam, Engine::Arroyo]
            .into_iter()
            .find(|e| e.name() == name)
    }

    pub fn info(self) -> EngineInfo {
        match self {
            Engine::Local => EngineInfo {
                engine: self,
                available: true,
                isolation: "serializable, in input order (equal to the CPython oracle)",
                durability: "exactly-once with --state-dir (logged before answered, checkpoints); in memory without",
                notes: "the embedded default and the reference for every other engine",
            },
            Engine::Flink => EngineInfo {
                engine: self,
                available: true,
                isolation: "serializable, in input order: one keyed operator runs each request's call chain to completion, one request at a time; with --workers N >= 2, entities partitioned over N subtasks, calls around a loop, 2PL + wait-die: serializable, not in input order",
                durability: "exactly-once via Flink checkpoints (aligned barriers), replaying from the last checkpoint after a failure; with --workers N >= 2 too (the loop's records in transit, locks, private copies and suspended frames are in the checkpoint)",
                notes: "needs java and mvn on PATH; builds the generated job with Maven and runs it on a MiniCluster",
            },
            Engine::Beam => EngineInfo {
                engine: self,
                available: false,
                isolation: "-",
                durability: "-",
                notes: "not built yet",
            },
            Engine::Arroyo => EngineInfo {
                engine: self,
                available: false,
                isolation: "-",
                durability: "-",
                notes: "not built yet",
            },
        }
    }
}

/// Where and how to run a workload.
pub struct RunRequest<'a> {
    pub program: &'a Program,
    pub workload: &'a Path,
    pub out: &'a Path,
    pub state_out: Option<&'a Path>,
    pub state_dir: Option<&'a Path>,
    pub workers: Option<usize>,
    pub progress: bool,
}

/// Runs a workload to completion on `engine`; returns the end-of-run summary line.
pub fn run(engine: Engine, req: &RunRequest) -> anyhow::Result<String> {
    match engine {
        Engine::Local => {
            let mut opts = stent_runtime_local::RunOptions::default();
            if let Some(w) = req.workers {
                opts.workers = w.max(1);
            }
            opts.state_dir = req.state_dir.map(Path::to_path_buf);
            opts.progress = req.progress;
            let summary = stent_runtime_local::run_workload(
                req.program,
                req.workload,
                req.out,
                req.state_out,
                &opts,
            )?;
            Ok(summary.to_string())
        }
        Engine::Flink => {
            if req.state_dir.is_some() {
                anyhow::bail!(
                    "--state-dir belongs to the local engine; Flink keeps its state in its own checkpoints"
                );
            }
            let mut opts = stent_backend_flink::FlinkRunOptions::default();
            // Flink's default is the serial, exactly-once job; --workers N >= 2 asks for the
            // partitioned job (serializable, not in input order: `stent engines`).
            if let Some(n) = req.workers.filter(|&n| n >= 2) {
                opts.job_args
                    .extend(["--parallelism".to_string(), n.to_string()]);
            }
            let summary =
                stent_backend_flink::run(req.program, req.workload, req.out, req.state_out, &opts)?;
            Ok(format!(
                "{} results; build {:.1}s, run {:.1}s (project in {})",
                summary.results,
                summary.build.as_secs_f64(),
                summary.run.as_secs_f64(),
                summary.project_dir.display()
            ))
        }
        Engine::Beam | Engine::Arroyo => anyhow::bail!(
            "the {} engine is not built yet; `stent engines` lists what this build has",
            engine.name()
        ),
    }
}
