//! Differential fuzzing: random well-typed programs and workloads (tests/gen/programs.py), run
//! on the CPython oracle and on each engine. A divergence is shrunk — requests are removed while
//! the engine still disagrees — and kept as a conformance case, so it stays fixed.

use crate::conformance::{Case, Status, run_case, tempdir};
use crate::engines::Engine;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What to fuzz.
pub struct FuzzOptions {
    pub first_seed: u64,
    pub seeds: u64,
    pub requests: usize,
    pub engines: Vec<Engine>,
    /// Where shrunk divergent cases are written (`<dir>/fuzz_seed<N>/`); `None` keeps nothing.
    pub keep: Option<PathBuf>,
    /// Most engine runs spent shrinking one divergence.
    pub shrink_budget: usize,
}

/// A seed on which an engine disagreed with the oracle.
pub struct Divergence {
    pub seed: u64,
    pub engine: Engine,
    pub first_difference: String,
    /// Requests in the workload after shrinking.
    pub requests: usize,
    pub kept_at: Option<PathBuf>,
}

/// Generates and checks every seed; returns the divergences found.
pub fn fuzz(root: &Path, opts: &FuzzOptions, progress: bool) -> Result<Vec<Divergence>> {
    let generator = root.join("tests/gen/programs.py");
    if !generator.is_file() {
        bail!(
            "{} not found (is --root the repository root?)",
            generator.display()
        );
    }
    let scratch = tempdir()?;
    let mut found = Vec::new();
    for seed in opts.first_seed..opts.first_seed + opts.seeds {
        let dir = scratch.join(format!("seed{seed}"));
        std::fs::create_dir_all(&dir)?;
        let case = generate(&generator, seed, opts.requests, &dir)?;
        let statuses = run_case(&case, &opts.engines, &dir.join("run"));
        for (&engine, status) in opts.engines.iter().zip(&statuses) {
            let first_difference = match status {
                Status::Pass | Status::NotBuilt => continue,
                Status::Fail(d) => d.first().cloned().unwrap_or_default(),
                Status::Error(e) => e.clone(),
            };
            let lines = shrink(&case, engine, opts.shrink_budget, &dir)?;
            let kept_at = match &opts.keep {
                Some(keep) => Some(keep_case(
                    keep,
                    seed,
                    &case,
                    &lines,
                    engine,
                    &first_difference,
                )?),
                None => None,
            };
            found.push(Divergence {
                seed,
                engine,
                first_difference,
                requests: lines.len(),
                kept_at,
            });
        }
        if progress {
            eprintln!("fuzz seed {seed}: {} divergence(s) so far", found.len());
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(found)
}

fn generate(generator: &Path, seed: u64, requests: usize, dir: &Path) -> Result<Case> {
    let (program, workload) = (dir.join("program.py"), dir.join("workload.jsonl"));
    let out = Command::new("python3")
        .arg(generator)
        .args([
            "--seed",
            &seed.to_string(),
            "--requests",
            &requests.to_string(),
        ])
        .arg("--out")
        .arg(&program)
        .arg("--workload-out")
        .arg(&workload)
        .output()
        .context("cannot start python3 for the program generator")?;
    if !out.status.success() {
        bail!(
            "the generator failed on seed {seed}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(Case {
        name: format!("fuzz_seed{seed}"),
        program,
        workload,
    })
}

fn diverges(case: &Case, engine: Engine, dir: &Path) -> bool {
    !matches!(
        run_case(case, &[engine], dir).first(),
        Some(Status::Pass) | Some(Status::NotBuilt)
    )
}

/// Delta debugging over the workload's lines: drop ever smaller chunks while the divergence
/// persists. Returns the smallest workload found within the budget.
fn shrink(case: &Case, engine: Engine, budget: usize, dir: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(&case.workload)?;
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let candidate = dir.join("shrink.jsonl");
    let trial = Case {
        name: case.name.clone(),
        program: case.program.clone(),
        workload: candidate.clone(),
    };
    let mut runs = 0;
    let mut chunk = lines.len() / 2;
    while chunk >= 1 && runs < budget {
        let mut start = 0;
        let mut removed_any = false;
        while start < lines.len() && runs < budget {
            let end = (start + chunk).min(lines.len());
            let kept: Vec<String> = lines[..start]
                .iter()
                .chain(&lines[end..])
                .cloned()
                .collect();
            std::fs::write(&candidate, kept.join("\n") + "\n")?;
            runs += 1;
            if !kept.is_empty() && diverges(&trial, engine, &dir.join(format!("shrink{runs}"))) {
                lines = kept;
                removed_any = true;
            } else {
                start = end;
            }
        }
        if !removed_any {
            chunk /= 2;
        }
    }
    Ok(lines)
}

fn keep_case(
    keep: &Path,
    seed: u64,
    case: &Case,
    lines: &[String],
    engine: Engine,
    diff: &str,
) -> Result<PathBuf> {
    let dir = keep.join(format!("fuzz_seed{seed}"));
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(&case.program, dir.join("program.py"))?;
    std::fs::write(dir.join("workload.jsonl"), lines.join("\n") + "\n")?;
    let first_line = diff.lines().next().unwrap_or_default();
    std::fs::write(
        dir.join("README"),
        format!(
            "Found by differential fuzzing (tests/gen/programs.py --seed {seed}), shrunk to {} requests; {} diverged from the oracle: {first_line}\n",
            lines.len(),
            engine.name()
        ),
    )?;
    Ok(dir)
}
