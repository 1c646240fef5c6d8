//! Building and running a generated job on an embedded MiniCluster.
//!
//! Maven is slow per project, so the expensive part is shared: the runtime library and the Flink
//! job classes are compiled once into `WORK/runtime-HASH/classes`, next to the dependency
//! classpath that `mvn dependency:build-classpath` resolved (offline first, online once). Each
//! program then only needs a `javac` of its own generated classes, and one `java` run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use stent_ir::Program;
use stent_java::SourceFile;

use crate::FlinkError;
use crate::project::{
    GENERATED_PACKAGE, program_sources, project_files, runtime_pom, support_sources, write_files,
};

/// How [`run`] builds and runs the job.
#[derive(Debug, Clone)]
pub struct FlinkRunOptions {
    /// Generated projects and the shared runtime build live here (reused across runs).
    pub work_dir: PathBuf,
    /// The local Maven repository (`-Dmaven.repo.local`); None: Maven's default (~/.m2).
    pub maven_repo: Option<PathBuf>,
    pub mvn: String,
    pub java: String,
    pub javac: String,
    /// Extra JVM options for the job (default: a small, fast-starting JVM).
    pub jvm_args: Vec<String>,
    /// Extra arguments of the generated `Main` (e.g. `--checkpoint-interval-ms 200`,
    /// `--fail-once-after-checkpoint true`, `--stats-out FILE`: see `StentJob`).
    pub job_args: Vec<String>,
}

impl Default for FlinkRunOptions {
    /// `$STENT_FLINK_WORK` (default: `$TMPDIR/stent-flink`), `$STENT_MAVEN_REPO`; an empty
    /// variable counts as unset.
    fn default() -> Self {
        let work_dir = env_path("STENT_FLINK_WORK")
            .unwrap_or_else(|| std::env::temp_dir().join("stent-flink"));
        FlinkRunOptions {
            work_dir,
            maven_repo: env_path("STENT_MAVEN_REPO"),
            mvn: "mvn".into(),
            java: "java".into(),
            javac: "javac".into(),
            jvm_args: vec![
                "-XX:+UseSerialGC".into(),
                "-XX:TieredStopAtLevel=1".into(),
                "-Xss8m".into(),
            ],
            job_args: Vec::new(),
        }
    }
}

/// A path from the environment; unset and empty are the same.
pub fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Result lines written.
    pub results: usize,
    /// The generated project.
    pub project_dir: PathBuf,
    /// Time spent building (shared runtime on first use, then the program's own classes).
    pub build: Duration,
    /// Time spent running the job (JVM start, MiniCluster, workload).
    pub run: Duration,
}

/// FNV-1a: a stable content hash for cache directory names.
fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn exec(cmd: &mut Command) -> Result<String, FlinkError> {
    let command = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(FlinkError::io(format!("running {command}")))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(60).collect();
        let output = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
        return Err(FlinkError::Tool {
            command,
            status: out.status.to_string(),
            output,
        });
    }
    Ok(text)
}

fn abs(p: &Path) -> Result<PathBuf, FlinkError> {
    std::path::absolute(p).map_err(FlinkError::io(format!("resolving {}", p.display())))
}

fn javac(
    opts: &FlinkRunOptions,
    out: &Path,
    classpath: &str,
    root: &Path,
    files: &[SourceFile],
) -> Result<(), FlinkError> {
    std::fs::create_dir_all(out).map_err(FlinkError::io(format!("creating {}", out.display())))?;
    let mut cmd = Command::new(&opts.javac);
    // javac is a short-lived JVM: C1 only and the serial GC halve its time on two cores; no
    // annotation processors, so no search of the dependency jars for them.
    cmd.args([
        "-J-XX:TieredStopAtLevel=1",
        "-J-XX:+UseSerialGC",
        "-proc:none",
        "-nowarn",
        "-encoding",
        "UTF-8",
        "--release",
        "17",
        "-d",
    ])
    .arg(out)
    .arg("-cp")
    .arg(classpath);
    cmd.args(files.iter().map(|f| root.join(&f.path)));
    exec(&mut cmd).map(|_| ())
}

/// The shared runtime build: `(classes dir, dependency classpath)`, built on first use.
fn runtime(opts: &FlinkRunOptions) -> Result<(PathBuf, String), FlinkError> {
    let pom = runtime_pom()?;
    let sources = support_sources();
    let hash = fingerprint(
        std::iter::once(pom.as_str()).chain(sources.iter().map(|f| f.contents.as_str())),
    );
    let dir = opts.work_dir.join(format!("runtime-{hash}"));
    let cp_file = dir.join("classpath.txt");
    if !cp_file.exists() {
        let tmp = opts
            .work_dir
            .join(format!("runtime-{hash}.tmp{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let src = tmp.join("src/main/java");
        write_files(
            &tmp,
            &[SourceFile {
                path: "pom.xml".into(),
                contents: pom,
            }],
        )?;
        write_files(&src, &sources)?;
        let cp_out = tmp.join("classpath.txt");
        let resolve = |offline: bool| {
            let mut cmd = Command::new(&opts.mvn);
            cmd.current_dir(&tmp).args(["-q", "-B"]);
            if offline {
                cmd.arg("-o");
            }
            if let Some(repo) = opts
                .maven_repo
                .as_ref()
                .filter(|r| !r.as_os_str().is_empty())
            {
                cmd.arg(format!("-Dmaven.repo.local={}", repo.display()));
            }
            cmd.arg("dependency:build-classpath")
                .arg(format!("-Dmdep.outputFile={}", cp_out.display()));
            exec(&mut cmd)
        };
        resolve(true).or_else(|_| resolve(false))?;
        let classpath =
            std::fs::read_to_string(&cp_out).map_err(FlinkError::io("reading classpath"))?;
        javac(opts, &tmp.join("classes"), classpath.trim(), &src, &sources)?;
        // Another run may have finished the same build meanwhile: either copy is fine.
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    let classpath =
        std::fs::read_to_string(&cp_file).map_err(FlinkError::io("reading classpath"))?;
    Ok((dir.join("classes"), classpath.trim().to_string()))
}

/// A generated program, compiled and ready to run.
#[derive(Debug, Clone)]
pub struct BuiltJob {
    /// The generated project.
    pub project_dir: PathBuf,
    /// The job's full classpath (program classes, runtime classes, dependencies).
    pub classpath: String,
    /// Time spent building (shared runtime on first use, then the program's own classes).
    pub build: Duration,
    java: String,
    jvm_args: Vec<String>,
    job_args: Vec<String>,
}

impl BuiltJob {
    /// `java ... stent.generated.Main` with the options' JVM and job arguments; add the mode's
    /// arguments (`--workload ... --out ...`, or `--kafka-brokers ...`) and run it.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.java);
        cmd.args(&self.jvm_args)
            .arg("-cp")
            .arg(&self.classpath)
            .arg(format!("{GENERATED_PACKAGE}.Main"))
            .args(&self.job_args);
        cmd
    }
}

/// Generates and compiles `program` (the shared runtime on first use), without running it.
pub fn build(program: &Program, opts: &FlinkRunOptions) -> Result<BuiltJob, FlinkError> {
    let started = Instant::now();
    std::fs::create_dir_all(&opts.work_dir).map_err(FlinkError::io(format!(
        "creating {}",
        opts.work_dir.display()
    )))?;
    let opts = &FlinkRunOptions {
        work_dir: abs(&opts.work_dir)?,
        ..opts.clone()
    };
    let (runtime_classes, deps) = runtime(opts)?;

    let files = project_files(program)?;
    let hash = fingerprint(
        files
            .iter()
            .flat_map(|f| [f.path.to_str().unwrap_or(""), f.contents.as_str()]),
    );
    let project = opts.work_dir.join("programs").join(&hash);
    let classes = project.join("target/classes");
    let sep = if cfg!(windows) { ";" } else { ":" };
    if !classes.join(".stent-built").exists() {
        let _ = std::fs::remove_dir_all(&project);
        write_files(&project, &files)?;
        let own = program_sources(program)?;
        let cp = format!("{}{sep}{deps}", runtime_classes.display());
        javac(opts, &classes, &cp, &project.join("src/main/java"), &own)?;
        std::fs::write(classes.join(".stent-built"), "")
            .map_err(FlinkError::io("marking build"))?;
    }
    Ok(BuiltJob {
        project_dir: project,
        classpath: format!(
            "{}{sep}{}{sep}{deps}",
            classes.display(),
            runtime_classes.display()
        ),
        build: started.elapsed(),
        java: opts.java.clone(),
        jvm_args: opts.jvm_args.clone(),
        job_args: opts.job_args.clone(),
    })
}

/// Generates, builds and runs `program` on an embedded MiniCluster over `workload`, writing
/// results (and the state dump) in the oracle's formats.
pub fn run(
    program: &Program,
    workload: &Path,
    out: &Path,
    state_out: Option<&Path>,
    opts: &FlinkRunOptions,
) -> Result<RunSummary, FlinkError> {
    let job = build(program, opts)?;
    let started = Instant::now();
    let mut cmd = job.command();
    cmd.arg("--workload")
        .arg(abs(workload)?)
        .arg("--out")
        .arg(abs(out)?);
    if let Some(s) = state_out {
        cmd.arg("--state-out").arg(abs(s)?);
    }
    exec(&mut cmd)?;
    let results = std::fs::read_to_string(out)
        .map_err(FlinkError::io("reading results"))?
        .lines()
        .count();
    Ok(RunSummary {
        results,
        project_dir: job.project_dir,
        build: job.build,
        run: started.elapsed(),
    })
}

/// One program of a [`run_batch`]: its results go to `out` (and the state dump to `state_out`),
/// exactly as [`run`] would write them.
#[derive(Debug, Clone)]
pub struct BatchCase {
    /// A label for reports (e.g. the conformance case's directory name).
    pub name: String,
    pub program: Program,
    pub workload: PathBuf,
    pub out: PathBuf,
    pub state_out: Option<PathBuf>,
}

/// How one case of a batch went.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    pub name: String,
    /// Why the job failed (the Java exception, or the JVM's output if it died); None: it ran.
    pub error: Option<String>,
    /// The job's wall time inside the warm JVM (its MiniCluster start included).
    pub run: Duration,
}

/// What [`run_batch`] did, per JVM and per case (in the order of the input cases).
#[derive(Debug, Clone)]
pub struct BatchSummary {
    pub cases: Vec<BatchOutcome>,
    /// Per JVM: the `javac` time of its cases' classes (zero when cached), and the `java` time.
    pub jvms: Vec<(Duration, Duration)>,
    /// Shared runtime build (zero when cached).
    pub runtime: Duration,
}

/// The Java package of case `index` in a batch.
fn batch_package(index: usize) -> String {
    format!("{GENERATED_PACKAGE}.b{index:03}")
}

/// Runs many programs on the embedded MiniCluster in `jvms` JVMs (run concurrently), each JVM
/// running its share of the cases one after another (`stent.flink.StentBatch`).
///
/// Every case's classes are generated into their own package (`stent.generated.bNNN`, NNN its
/// index in `cases`), so one `javac` per JVM compiles all its cases against the shared runtime,
/// and one JVM loads Flink and the runtime once for all of them. Each job is the same as
/// [`run`]'s (same job, same options, its own MiniCluster), so the outputs are the same.
/// Compiled classes are cached in `WORK/batches/HASH`. Cases go to JVMs round-robin.
pub fn run_batch(
    cases: &[BatchCase],
    jvms: usize,
    opts: &FlinkRunOptions,
) -> Result<BatchSummary, FlinkError> {
    std::fs::create_dir_all(&opts.work_dir).map_err(FlinkError::io(format!(
        "creating {}",
        opts.work_dir.display()
    )))?;
    let opts = &FlinkRunOptions {
        work_dir: abs(&opts.work_dir)?,
        ..opts.clone()
    };
    let t = Instant::now();
    let (runtime_classes, deps) = runtime(opts)?;
    let runtime_time = t.elapsed();
    let jvms = jvms.clamp(1, cases.len().max(1));
    let shards: Vec<Vec<usize>> = (0..jvms)
        .map(|j| (j..cases.len()).step_by(jvms).collect())
        .collect();
    let results: Vec<Result<ShardRun, FlinkError>> = std::thread::scope(|s| {
        let handles: Vec<_> = shards
            .iter()
            .map(|shard| {
                let (runtime_classes, deps) = (&runtime_classes, &deps);
                s.spawn(move || run_shard(cases, shard, runtime_classes, deps, opts))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("batch thread panicked"))
            .collect()
    });
    let mut outcomes: Vec<Option<BatchOutcome>> = vec![None; cases.len()];
    let mut times = Vec::new();
    for (shard, r) in shards.iter().zip(results) {
        let (o, javac_time, java_time) = r?;
        for (i, outcome) in shard.iter().zip(o) {
            outcomes[*i] = Some(outcome);
        }
        times.push((javac_time, java_time));
    }
    Ok(BatchSummary {
        cases: outcomes
            .into_iter()
            .map(|o| o.expect("every case ran"))
            .collect(),
        jvms: times,
        runtime: runtime_time,
    })
}

fn tsv_path(p: &Path) -> Result<String, FlinkError> {
    let s = abs(p)?.to_string_lossy().into_owned();
    if s.contains(['\t', '\n']) {
        return Err(FlinkError::io(format!("path {s}"))(std::io::Error::other(
            "tabs and newlines are not allowed in batch paths",
        )));
    }
    Ok(s)
}

/// One JVM's outcomes, in its cases' order, with its `javac` and `java` times.
type ShardRun = (Vec<BatchOutcome>, Duration, Duration);

/// One JVM of a batch: compiles its cases (cached), runs them, reads the report.
fn run_shard(
    cases: &[BatchCase],
    shard: &[usize],
    runtime_classes: &Path,
    deps: &str,
    opts: &FlinkRunOptions,
) -> Result<ShardRun, FlinkError> {
    let mut sources = Vec::new();
    let mut manifest = String::new();
    for &i in shard {
        let c = &cases[i];
        let package = batch_package(i);
        sources.extend(crate::project::program_sources_in(&c.program, &package)?);
        let state = match &c.state_out {
            Some(s) => tsv_path(s)?,
            None => String::new(),
        };
        let name = c.name.replace(['\t', '\n'], " ");
        manifest.push_str(&format!(
            "{name}\t{package}.StentProgram\t{}\t{}\t{state}\n",
            tsv_path(&c.workload)?,
            tsv_path(&c.out)?
        ));
    }
    let hash = fingerprint(
        sources
            .iter()
            .flat_map(|f| [f.path.to_str().unwrap_or(""), f.contents.as_str()])
            .chain([runtime_classes.to_str().unwrap_or("")]),
    );
    let dir = opts.work_dir.join("batches").join(&hash);
    let classes = dir.join("classes");
    let sep = if cfg!(windows) { ";" } else { ":" };
    let t = Instant::now();
    if !classes.join(".stent-built").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let src = dir.join("src");
        write_files(&src, &sources)?;
        let cp = format!("{}{sep}{deps}", runtime_classes.display());
        javac(opts, &classes, &cp, &src, &sources)?;
        std::fs::write(classes.join(".stent-built"), "")
            .map_err(FlinkError::io("marking build"))?;
    }
    let javac_time = t.elapsed();
    // Run files are per process and shard, so concurrent runs of the same batch do not collide.
    let tag = format!(
        "{}-{}",
        std::process::id(),
        shard.first().copied().unwrap_or(0)
    );
    let manifest_path = dir.join(format!("manifest-{tag}.tsv"));
    let report_path = dir.join(format!("report-{tag}.tsv"));
    std::fs::write(&manifest_path, manifest).map_err(FlinkError::io("writing manifest"))?;
    let _ = std::fs::remove_file(&report_path);
    for &i in shard {
        let _ = std::fs::remove_file(&cases[i].out);
        if let Some(s) = &cases[i].state_out {
            let _ = std::fs::remove_file(s);
        }
    }
    let t = Instant::now();
    let mut cmd = Command::new(&opts.java);
    cmd.args(&opts.jvm_args)
        .arg("-cp")
        .arg(format!(
            "{}{sep}{}{sep}{deps}",
            classes.display(),
            runtime_classes.display()
        ))
        .arg("stent.flink.StentBatch")
        .arg("--manifest")
        .arg(&manifest_path)
        .arg("--report")
        .arg(&report_path)
        .args(&opts.job_args);
    // The JVM's output (the programs' print() and Flink's messages) goes to a file: a pipe
    // nobody reads could fill up and block it. A hung batch is killed after a generous limit.
    let log_path = dir.join(format!("jvm-{tag}.log"));
    let log = std::fs::File::create(&log_path).map_err(FlinkError::io("creating JVM log"))?;
    let log2 = log
        .try_clone()
        .map_err(FlinkError::io("creating JVM log"))?;
    let mut child = cmd
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(FlinkError::io(format!("running {cmd:?}")))?;
    let limit = Duration::from_secs(120 + 30 * shard.len() as u64);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.to_string(),
            Ok(None) if t.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break format!("killed after {limit:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(FlinkError::io("waiting for the batch JVM")(e)),
        }
    };
    let java_time = t.elapsed();
    let jvm_output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    let report = std::fs::read_to_string(&report_path).unwrap_or_default();
    let _ = std::fs::remove_file(&manifest_path);
    let _ = std::fs::remove_file(&report_path);
    let mut by_name: std::collections::HashMap<String, (bool, u64, String)> = report
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(4, '\t');
            let name = f.next()?.to_string();
            let ok = f.next()? == "ok";
            let ms = f.next()?.parse().ok()?;
            Some((name, (ok, ms, f.next().unwrap_or("").to_string())))
        })
        .collect();
    let tail = || {
        let lines: Vec<&str> = jvm_output.lines().rev().take(40).collect();
        format!(
            "the batch JVM ended ({status}) before this case finished:\n{}",
            lines.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    };
    let outcomes = shard
        .iter()
        .map(|&i| {
            let name = cases[i].name.replace(['\t', '\n'], " ");
            match by_name.remove(&name) {
                Some((ok, ms, message)) => BatchOutcome {
                    name: cases[i].name.clone(),
                    error: (!ok).then_some(message),
                    run: Duration::from_millis(ms),
                },
                None => BatchOutcome {
                    name: cases[i].name.clone(),
                    error: Some(tail()),
                    run: Duration::ZERO,
                },
            }
        })
        .collect();
    Ok((outcomes, javac_time, java_time))
}
