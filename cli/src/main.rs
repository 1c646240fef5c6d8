//! `stent`: compile stateful-entity Python programs and run them on streaming engines.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use stent_cli::commands;
use stent_cli::engines::Engine;

#[derive(Parser)]
#[command(
    name = "stent",
    version,
    about = "Stateful entities in Python, compiled to stateful streaming dataflows",
    long_about = "stent compiles Python classes marked @entity (keyed state, methods that call each \
other's methods, each request a transaction) into a versioned dataflow IR, and runs it on the \
embedded local engine or generates jobs for Flink.\n\nEvery command takes a .py program or a \
compiled IR file (.pb, .json, .yaml) interchangeably.",
    after_help = "Examples:\n  stent check examples/shop/shop.py\n  stent run examples/shop/shop.py --workload examples/shop/workload.jsonl --out results.jsonl\n  stent graph examples/hotel/hotel.py --format mermaid"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a program: diagnostics (file:line:col, caret, hint) and the static analyses.
    ///
    /// Exits with status 1 when the program has errors. Prints the entity call graph with its
    /// re-entrant cycles, read-only methods, and methods whose requests touch one entity.
    Check {
        /// The Python program.
        program: PathBuf,
        /// Print diagnostics only, without the analysis summary.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Compile a program to the IR: binary protobuf, canonical JSON or YAML, by OUT's extension.
    Compile {
        program: PathBuf,
        /// The output file: OUT.pb, OUT.json or OUT.yaml.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Inspect the IR.
    Ir {
        #[command(subcommand)]
        command: IrCommand,
    },
    /// Print the dataflow graph (and the entity call graph) as Graphviz DOT or Mermaid.
    Graph {
        program: PathBuf,
        #[arg(long, value_enum, default_value = "dot")]
        format: commands::GraphFormatArg,
        /// Write to a file instead of stdout.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Run a workload (JSON Lines requests) and write one result line per request id.
    Run {
        program: PathBuf,
        /// The requests, one JSON object per line (docs/formats.md).
        #[arg(long)]
        workload: PathBuf,
        /// Where the results go (JSON Lines). Default: stdout (with --state-dir, also kept in
        /// DIR/results.jsonl so that a resumed run continues it).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write the final state of every entity (JSON), sorted by type and key.
        #[arg(long)]
        state_out: Option<PathBuf>,
        /// The engine: local (embedded, default), flink, beam or arroyo.
        #[arg(long, value_enum, default_value = "local")]
        engine: Engine,
        /// Local engine: keep a durable log and checkpoints here; rerunning after a crash resumes
        /// exactly once.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Local: worker partitions (default: the number of cores). Flink: N >= 2 runs the
        /// partitioned job at parallelism N (default: the serial, exactly-once job).
        #[arg(long)]
        workers: Option<usize>,
        /// No progress line on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// Generate a self-contained project for an engine (a Maven project for Flink).
    Generate {
        program: PathBuf,
        #[arg(long, value_enum)]
        target: Engine,
        /// The output directory (created if needed).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// SQL over the local engine's entity state: one table per entity type (a column per field).
    Query {
        /// The state directory of an earlier `stent run --state-dir`.
        #[arg(long)]
        state_dir: PathBuf,
        /// e.g. "SELECT key, balance FROM Account ORDER BY balance DESC LIMIT 5"
        sql: String,
    },
    /// Run the conformance suite: each case on the CPython oracle and on each engine, compared.
    Conformance {
        /// Engines, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "local")]
        engine: Vec<Engine>,
        /// The repository root holding tests/conformance, examples and tests/gen/large.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Run only the cases whose names contain one of these.
        cases: Vec<String>,
        /// Differential fuzzing instead of the corpus: this many random programs and workloads
        /// (tests/gen/programs.py), each compared with the oracle.
        #[arg(long, value_name = "SEEDS")]
        fuzz: Option<u64>,
        /// The first fuzzing seed.
        #[arg(long, default_value_t = 0)]
        fuzz_seed: u64,
        /// Requests per fuzzing workload.
        #[arg(long, default_value_t = 60)]
        fuzz_requests: usize,
        /// Where shrunk divergent programs are kept as new cases.
        #[arg(long, default_value = "tests/conformance")]
        keep: PathBuf,
    },
    /// List the engines of this build and the guarantees each gives.
    Engines,
    /// The benchmark suite of the local engine (throughput, latency, baselines).
    Bench {
        /// Arguments for the benchmark driver; `stent bench -- --help` lists them.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum IrCommand {
    /// A readable listing: entities, fields, effects, and each method's control-flow graph.
    Show { program: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { program, quiet } => commands::check(&program, quiet),
        Command::Compile { program, out } => commands::compile(&program, &out),
        Command::Ir {
            command: IrCommand::Show { program },
        } => commands::ir_show(&program),
        Command::Graph {
            program,
            format,
            out,
        } => commands::graph(&program, format, out.as_deref()),
        Command::Run {
            program,
            workload,
            out,
            state_out,
            engine,
            state_dir,
            workers,
            quiet,
        } => commands::run(&commands::RunArgs {
            program,
            workload,
            out,
            state_out,
            engine,
            state_dir,
            workers,
            quiet,
        }),
        Command::Generate {
            program,
            target,
            out,
        } => commands::generate(&program, target, &out),
        Command::Query { state_dir, sql } => commands::query(&state_dir, &sql),
        Command::Conformance {
            engine,
            root,
            cases,
            fuzz: None,
            ..
        } => commands::conformance(&root, &engine, &cases),
        Command::Conformance {
            engine,
            root,
            fuzz: Some(seeds),
            fuzz_seed,
            fuzz_requests,
            keep,
            ..
        } => commands::fuzz(
            &root,
            &stent_cli::fuzz::FuzzOptions {
                first_seed: fuzz_seed,
                seeds,
                requests: fuzz_requests,
                engines: engine,
                keep: Some(keep),
                shrink_budget: 80,
            },
        ),
        Command::Engines => commands::engines(),
        Command::Bench { args } => commands::bench(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
