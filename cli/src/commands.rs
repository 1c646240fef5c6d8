//! One function per command. Each returns the process exit code, or an error that `main`
//! prints to stderr (exit 1).

use crate::conformance;
use crate::engines::{self, Engine};
use crate::load::{self, LoadError, Loaded};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use stent_ir::encoding::{self, Encoding};
use stent_ir::graph::GraphFormat;

/// `--format` of `stent graph`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum GraphFormatArg {
    Dot,
    Mermaid,
}

/// Loads a program, printing compiler warnings to stderr.
fn load_program(path: &Path) -> Result<Loaded> {
    let loaded = load::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded)
}

/// `stent check`: diagnostics, then the analyses a user can act on.
pub fn check(path: &Path, quiet: bool) -> Result<ExitCode> {
    if !load::is_python(path) {
        bail!("`stent check` takes a Python program (.py); `stent ir show` lists an IR file");
    }
    let loaded = match load::load(path) {
        Ok(l) => l,
        Err(LoadError::Diagnostics { rendered, summary }) => {
            eprintln!("{rendered}\n{summary}");
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    if !quiet {
        print!("{}", analysis_summary(&loaded.program));
    }
    let warnings = loaded.warnings.len();
    eprintln!(
        "{}: ok ({warnings} warning{})",
        path.display(),
        if warnings == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// The static analyses of `stent check`, as text.
pub fn analysis_summary(program: &stent_ir::Program) -> String {
    let mut out = String::new();
    for e in &program.entities {
        out.push_str(&format!(
            "entity {} (key {}, {} fields)\n",
            e.name,
            e.key_field,
            e.fields.len()
        ));
        for m in &e.methods {
            let fx = m.effects.clone().unwrap_or_default();
            let mut tags = Vec::new();
            if fx.read_only {
                tags.push("read-only".to_string());
            }
            if fx.single_entity {
                tags.push("single-entity".to_string());
            }
            if fx.recursive {
                tags.push("re-entrant".to_string());
            }
            let calls: Vec<String> = fx
                .calls
                .iter()
                .map(|c| format!("{}.{}", c.entity, c.method))
                .collect();
            if !calls.is_empty() {
                tags.push(format!("calls {}", calls.join(", ")));
            }
            out.push_str(&format!(
                "  {}: {}\n",
                m.name,
                if tags.is_empty() {
                    "-".into()
                } else {
                    tags.join("; ")
                }
            ));
        }
    }
    if let Some(cg) = &program.call_graph {
        for c in &cg.cycles {
            let names: Vec<String> = c
                .methods
                .iter()
                .map(|m| format!("{}.{}", m.entity, m.method))
                .collect();
            out.push_str(&format!("re-entrant cycle: {}\n", names.join(" -> ")));
        }
    }
    out
}

/// `stent compile`.
pub fn compile(path: &Path, out: &Path) -> Result<ExitCode> {
    let loaded = load_program(path)?;
    let encoding = Encoding::from_path(out)?;
    let bytes = encoding::encode(&loaded.program, encoding)?;
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `stent ir show`.
pub fn ir_show(path: &Path) -> Result<ExitCode> {
    let loaded = load_program(path)?;
    print!("{}", stent_ir::listing::render(&loaded.program));
    Ok(ExitCode::SUCCESS)
}

/// `stent graph`.
pub fn graph(path: &Path, format: GraphFormatArg, out: Option<&Path>) -> Result<ExitCode> {
    let loaded = load_program(path)?;
    let format = match format {
        GraphFormatArg::Dot => GraphFormat::Dot,
        GraphFormatArg::Mermaid => GraphFormat::Mermaid,
    };
    let text = stent_ir::graph::render(&loaded.program, format);
    match out {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `stent run`.
pub struct RunArgs {
    pub program: PathBuf,
    pub workload: PathBuf,
    pub out: Option<PathBuf>,
    pub state_out: Option<PathBuf>,
    pub engine: Engine,
    pub state_dir: Option<PathBuf>,
    pub workers: Option<usize>,
    pub quiet: bool,
}

/// `stent run`. Without `--out` the results go to stdout once the run is complete.
pub fn run(args: &RunArgs) -> Result<ExitCode> {
    if !args.workload.is_file() {
        bail!("workload {} does not exist", args.workload.display());
    }
    let loaded = load_program(&args.program)?;
    // Without --out the results go to stdout at the end. A durable run keeps them in its
    // state dir, so that a resumed run (same command) finds the results file it acknowledged.
    let scratch = match &args.state_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.join("results.jsonl")
        }
        None => std::env::temp_dir().join(format!("stent-run-{}.jsonl", std::process::id())),
    };
    let out = args.out.clone().unwrap_or_else(|| scratch.clone());
    let req = engines::RunRequest {
        program: &loaded.program,
        workload: &args.workload,
        out: &out,
        state_out: args.state_out.as_deref(),
        state_dir: args.state_dir.as_deref(),
        workers: args.workers,
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    let summary = engines::run(args.engine, &req)?;
    if args.out.is_none() {
        let text = std::fs::read(&scratch)?;
        std::io::stdout().write_all(&text)?;
        if args.state_dir.is_none() {
            let _ = std::fs::remove_file(&scratch);
        }
    }
    if !args.quiet {
        eprintln!("{}: {summary}", args.engine.name());
    }
    Ok(ExitCode::SUCCESS)
}

/// `stent generate`.
pub fn generate(path: &Path, target: Engine, out: &Path) -> Result<ExitCode> {
    let loaded = load_program(path)?;
    match target {
        Engine::Flink => {
            stent_backend_flink::generate(&loaded.program, out)?;
            eprintln!(
                "wrote a Flink {} Maven project to {} (see its README.md to build and run it)",
                stent_backend_flink::FLINK_VERSION,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Engine::Local => {
            bail!("the local engine runs the IR directly: use `stent run` or `stent compile`")
        }
        Engine::Beam | Engine::Arroyo => bail!(
            "`stent generate --target {}` is not built yet; `stent engines` lists what this build has",
            target.name()
        ),
    }
}

/// `stent query`: SQL over a state dir; the program is read from the dir (`program.pb`).
pub fn query(state_dir: &Path, sql: &str) -> Result<ExitCode> {
    let table = stent_query::query(state_dir, sql).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}

/// `stent conformance`.
pub fn conformance(root: &Path, engines: &[Engine], filters: &[String]) -> Result<ExitCode> {
    let cases = conformance::discover(root, filters)?;
    if cases.is_empty() {
        bail!(
            "no conformance cases found under {} (is --root the repository root?)",
            root.display()
        );
    }
    let report = conformance::run_suite(&cases, engines, std::io::stderr().is_terminal())?;
    print!("{}", report.render());
    Ok(if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `stent conformance --fuzz N`.
pub fn fuzz(root: &Path, opts: &crate::fuzz::FuzzOptions) -> Result<ExitCode> {
    let found = crate::fuzz::fuzz(root, opts, std::io::stderr().is_terminal())?;
    println!(
        "{} seeds from {}, {} divergence(s)",
        opts.seeds,
        opts.first_seed,
        found.len()
    );
    for d in &found {
        println!(
            "seed {} on {} ({} requests after shrinking): {}",
            d.seed,
            d.engine.name(),
            d.requests,
            d.first_difference
        );
        if let Some(p) = &d.kept_at {
            println!("  kept as {}", p.display());
        }
    }
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `stent engines`.
pub fn engines() -> Result<ExitCode> {
    for engine in [Engine::Local, Engine::Flink, Engine::Beam, Engine::Arroyo] {
        let info = engine.info();
        let state = if info.available {
            "available"
        } else {
            "not built"
        };
        println!("{} ({state})", engine.name());
        println!("  isolation:  {}", info.isolation);
        println!("  durability: {}", info.durability);
        println!("  notes:      {}", info.notes);
    }
    Ok(ExitCode::SUCCESS)
}

/// `stent bench`.
pub fn bench(args: &[String]) -> Result<ExitCode> {
    let compile = |p: &Path| {
        load::load(p)
            .map(|l| l.program)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let report =
        stent_runtime_local::bench::main(args, &compile).map_err(|e| anyhow::anyhow!(e))?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}
