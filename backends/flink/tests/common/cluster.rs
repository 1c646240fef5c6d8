//! A throwaway standalone Flink session cluster on loopback: one JobManager
//! (`StandaloneSessionClusterEntrypoint`) and one TaskManager (`TaskManagerRunner`), each its own
//! JVM, started from the Maven Central jars of the project's Flink version (resolved once into the
//! work dir), with a generated conf dir (`config.yaml`) and the JVM memory options Flink's own
//! scripts would compute (`BashJavaUtils`). Jobs are submitted with Flink's CLI (`CliFrontend
//! run`). Dropping the [`Cluster`] kills both processes, also when a test panics.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use stent_backend_flink::{FLINK_VERSION, FlinkRunOptions};

use super::kafka::free_port;

/// The JVM options of Flink's default `config.yaml` (`env.java.opts.all`): Flink's reflection on
/// JDK internals (e.g. the CLI's DataStream V2 translators) needs them on Java 17.
pub const JAVA_OPENS: &[&str] = &[
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
];

fn maven(opts: &FlinkRunOptions, dir: &Path, offline: bool) -> Command {
    let mut cmd = Command::new(&opts.mvn);
    cmd.current_dir(dir).args(["-q", "-B"]);
    if offline {
        cmd.arg("-o");
    }
    if let Some(repo) = &opts.maven_repo {
        cmd.arg(format!("-Dmaven.repo.local={}", repo.display()));
    }
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `mvn package -Dflink.scope=provided` in a generated project (offline first): the job jar.
pub fn package_job_jar(opts: &FlinkRunOptions, project: &Path) -> PathBuf {
    let build = |offline: bool| {
        maven(opts, project, offline)
            .args(["package", "-DskipTests", "-Dflink.scope=provided"])
            .output()
            .unwrap()
    };
    let out = build(true);
    let out = if out.status.success() {
        out
    } else {
        build(false)
    };
    assert!(out.status.success(), "mvn package failed:\n{}", text(&out));
    let jars: Vec<PathBuf> = std::fs::read_dir(project.join("target"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".jar") && !name.starts_with("original-")
        })
        .collect();
    assert_eq!(jars.len(), 1, "one job jar expected: {jars:?}");
    jars[0].clone()
}

/// The cluster's (and the CLI's) classpath, resolved with Maven (offline first).
pub fn flink_classpath(opts: &FlinkRunOptions) -> String {
    let dir = std::path::absolute(&opts.work_dir)
        .unwrap()
        .join(format!("flink-cluster-{FLINK_VERSION}"));
    let cp = dir.join("classpath.txt");
    if let Ok(text) = std::fs::read_to_string(&cp) {
        return text.trim().to_string();
    }
    std::fs::create_dir_all(&dir).unwrap();
    let dep = |g: &str, a: &str, v: &str| {
        format!(
            "<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>\
             <version>{v}</version></dependency>"
        )
    };
    let flink = |a: &str| dep("org.apache.flink", a, FLINK_VERSION);
    let log4j = |a: &str| dep("org.apache.logging.log4j", a, "2.25.3");
    std::fs::write(
        dir.join("pom.xml"),
        format!(
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\
             <groupId>stent.test</groupId><artifactId>flink-cluster</artifactId><version>0</version>\
             <dependencies>{}{}{}{}{}</dependencies></project>\n",
            flink("flink-runtime"),
            flink("flink-streaming-java"),
            flink("flink-clients"),
            log4j("log4j-slf4j-impl"),
            log4j("log4j-core"),
        ),
    )
    .unwrap();
    let tmp = dir.join(format!("classpath.txt.{}", std::process::id()));
    let resolve = |offline: bool| {
        maven(opts, &dir, offline)
            .arg("dependency:build-classpath")
            .arg(format!("-Dmdep.outputFile={}", tmp.display()))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(
        resolve(true) || resolve(false),
        "resolving Flink {FLINK_VERSION} failed"
    );
    std::fs::rename(&tmp, &cp).unwrap();
    std::fs::read_to_string(&cp).unwrap().trim().to_string()
}

/// A minimal HTTP/1.0 GET on loopback: the response body, or None.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let (head, body) = resp.split_once("\r\n\r\n")?;
    let ok = head.starts_with("HTTP/1.") && head.lines().next()?.contains(" 200 ");
    ok.then(|| body.to_string())
}

pub struct Cluster {
    children: Vec<Child>,
    pub dir: PathBuf,
    pub conf_dir: PathBuf,
    pub rest_port: u16,
    classpath: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Cluster {
    /// Writes the conf dir under `dir`, starts the JobManager and `taskmanagers` TaskManagers
    /// (`slots` slots each) and waits until the REST API reports every slot (at most 90 s).
    pub fn start(opts: &FlinkRunOptions, dir: &Path, taskmanagers: usize, slots: usize) -> Cluster {
        let classpath = flink_classpath(opts);
        let _ = std::fs::remove_dir_all(dir);
        let dir = std::path::absolute(dir).unwrap();
        let conf_dir = dir.join("conf");
        std::fs::create_dir_all(&conf_dir).unwrap();
        let (rpc_port, rest_port) = (free_port(), free_port());
        std::fs::write(
            conf_dir.join("config.yaml"),
            format!(
                "jobmanager.rpc.address: 127.0.0.1\n\
                 jobmanager.rpc.port: {rpc_port}\n\
                 jobmanager.bind-host: 127.0.0.1\n\
                 jobmanager.memory.process.size: 1024m\n\
                 taskmanager.bind-host: 127.0.0.1\n\
                 taskmanager.host: 127.0.0.1\n\
                 taskmanager.memory.process.size: 1024m\n\
                 taskmanager.memory.managed.size: 64m\n\
                 taskmanager.numberOfTaskSlots: {slots}\n\
                 parallelism.default: 1\n\
                 rest.address: 127.0.0.1\n\
                 rest.bind-address: 127.0.0.1\n\
                 rest.port: {rest_port}\n\
                 io.tmp.dirs: {}\n\
                 env.java.opts.all: {}\n",
                dir.join("tmp").display(),
                JAVA_OPENS.join(" ")
            ),
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        std::fs::write(
            conf_dir.join("log4j.properties"),
            "rootLogger.level = INFO\n\
             rootLogger.appenderRef.file.ref = MainAppender\n\
             appender.main.name = MainAppender\n\
             appender.main.type = File\n\
             appender.main.append = false\n\
             appender.main.fileName = ${sys:log.file}\n\
             appender.main.layout.type = PatternLayout\n\
             appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n\n",
        )
        .unwrap();
        let mut cluster = Cluster {
            children: Vec::new(),
            dir: dir.clone(),
            conf_dir,
            rest_port,
            classpath,
        };
        cluster.spawn(
            "jobmanager",
            "GET_JM_RESOURCE_PARAMS",
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
        );
        for i in 0..taskmanagers {
            cluster.spawn(
                &format!("taskmanager-{i}"),
                "GET_TM_RESOURCE_PARAMS",
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            );
        }
        let want = taskmanagers * slots;
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let overview = http_get(rest_port, "/overview").unwrap_or_default();
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&overview)
                && v["slots-available"].as_u64() == Some(want as u64)
            {
                break;
            }
            for c in &mut cluster.children {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("a cluster process exited ({status}):\n{}", cluster.logs());
                }
            }
            assert!(
                Instant::now() < deadline,
                "the cluster did not come up ({overview}):\n{}",
                cluster.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        cluster
    }

    /// A JVM of Flink's classpath with the Java options and log file of a cluster process.
    fn java(&self, log_name: &str) -> Command {
        let mut cmd = Command::new("java");
        cmd.args(JAVA_OPENS)
            .args(["-XX:+UseSerialGC"])
            .arg(format!("-Dlog.file={}", self.dir.join(log_name).display()))
            .arg(format!(
                "-Dlog4j.configurationFile=file:{}",
                self.conf_dir.join("log4j.properties").display()
            ))
            .arg("-cp")
            .arg(&self.classpath);
        cmd
    }

    /// Starts `main` with the JVM options and dynamic properties that Flink's scripts compute
    /// from the conf dir (`BashJavaUtils`, as `jobmanager.sh`/`taskmanager.sh` do).
    fn spawn(&mut self, name: &str, params: &str, main: &str) {
        let out = Command::new("java")
            .args(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp"])
            .arg(&self.classpath)
            .arg("org.apache.flink.runtime.util.bash.BashJavaUtils")
            .arg(params)
            .arg("--configDir")
            .arg(&self.conf_dir)
            .output()
            .unwrap();
        let results: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("BASH_JAVA_UTILS_EXEC_RESULT:"))
            .map(str::to_string)
            .collect();
        assert!(
            out.status.success() && results.len() == 2,
            "BashJavaUtils {params}: {}",
            text(&out)
        );
        let stdout = std::fs::File::create(self.dir.join(format!("{name}.out"))).unwrap();
        let child = self
            .java(&format!("{name}.log"))
            .args(results[0].split_whitespace())
            .arg(main)
            .arg("--configDir")
            .arg(&self.conf_dir)
            .args(results[1].split_whitespace())
            .stdout(stdout.try_clone().unwrap())
            .stderr(stdout)
            .spawn()
            .unwrap();
        self.children.push(child);
    }

    /// Every process's log and stdout, for a failure message.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        names.sort();
        for p in names {
            let ext = p.extension().map(|e| e.to_string_lossy().into_owned());
            if matches!(ext.as_deref(), Some("log" | "out")) {
                let t = std::fs::read_to_string(&p).unwrap_or_default();
                let tail: Vec<&str> = t.lines().rev().take(40).collect();
                all += &format!("==> {} <==\n", p.display());
                all += &tail.into_iter().rev().collect::<Vec<_>>().join("\n");
                all.push('\n');
            }
        }
        all
    }

    /// `flink run -m 127.0.0.1:REST -c MAIN JAR ARGS...` (attached: returns when the job has
    /// ended); the CLI's output, checked for success. Killed after `timeout`.
    pub fn run_job(&self, jar: &Path, main: &str, args: &[&str], timeout: Duration) -> String {
        let log = self.dir.join("client.out");
        let out = std::fs::File::create(&log).unwrap();
        let mut child = self
            .java("client.log")
            .args(["-XX:TieredStopAtLevel=1"])
            .env("FLINK_CONF_DIR", &self.conf_dir)
            .arg("org.apache.flink.client.cli.CliFrontend")
            .args(["run", "-m", &format!("127.0.0.1:{}", self.rest_port)])
            .args(["-c", main])
            .arg(jar)
            .args(args)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            status.is_some_and(|s| s.success()),
            "flink run failed or timed out ({status:?}):\n{output}\n{}",
            self.logs()
        );
        output
    }

    /// The jobs the cluster knows (`/jobs/overview`): (name, state) pairs.
    pub fn jobs(&self) -> Vec<(String, String)> {
        let body = http_get(self.rest_port, "/jobs/overview").unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        v["jobs"]
            .as_array()
            .map(|jobs| {
                jobs.iter()
                    .map(|j| {
                        (
                            j["name"].as_str().unwrap_or("").to_string(),
                            j["state"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
