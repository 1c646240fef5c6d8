//! `cargo bench -p stent-runtime-local --bench stent_bench [-- ARGS]`: the same driver as
//! `stent bench` (see `src/bench.rs`), compiling the benchmark programs with stent_frontend, so
//! it can be built in release without the CLI's other dependencies. Run from the repository
//! root (or pass `--root`). Default here: `--quick`.

use std::path::Path;

fn compile(p: &Path) -> Result<stent_ir::v1::Program, String> {
    let src = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    stent_frontend::compile(&p.display().to_string(), &src)
        .map(|c| c.program)
        .map_err(|d| format!("{}: {} diagnostics", p.display(), d.len()))
}

fn main() {
    // cargo passes `--bench`; keep only the driver's own arguments
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.is_empty() {
        args.push("--quick".into());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if !args.iter().any(|a| a == "--root") {
        args.push("--root".into());
        args.push(root.display().to_string());
    }
    match stent_runtime_local::bench::main(&args, &compile) {
        Ok(report) => print!("{report}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
