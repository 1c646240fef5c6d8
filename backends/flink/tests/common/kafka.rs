//! A throwaway Kafka 4.x broker (KRaft, combined broker+controller) on loopback, started from the
//! Maven Central jars (`org.apache.kafka:kafka_2.13` + `kafka-tools`), resolved once into the
//! work dir. Dropping the [`Broker`] kills it and deletes its data, also when a test panics.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stent_backend_flink::FlinkRunOptions;

pub const KAFKA_VERSION: &str = "4.2.0";

/// The broker's (and the console tools') classpath, resolved with Maven (offline first).
pub fn kafka_classpath(opts: &FlinkRunOptions) -> String {
    let dir = std::path::absolute(&opts.work_dir)
        .unwrap()
        .join(format!("kafka-{KAFKA_VERSION}"));
    let cp = dir.join("classpath.txt");
    if let Ok(text) = std::fs::read_to_string(&cp) {
        return text.trim().to_string();
    }
    std::fs::create_dir_all(&dir).unwrap();
    let dep = |a: &str| {
        format!(
            "<dependency><groupId>org.apache.kafka</groupId><artifactId>{a}</artifactId>\
             <version>{KAFKA_VERSION}</version></dependency>"
        )
    };
    std::fs::write(
        dir.join("pom.xml"),
        format!(
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\
             <groupId>stent.test</groupId><artifactId>kafka-broker</artifactId><version>0</version>\
             <dependencies>{}{}</dependencies></project>\n",
            dep("kafka_2.13"),
            dep("kafka-tools")
        ),
    )
    .unwrap();
    let tmp = dir.join(format!("classpath.txt.{}", std::process::id()));
    let resolve = |offline: bool| {
        let mut cmd = Command::new(&opts.mvn);
        cmd.current_dir(&dir).args(["-q", "-B"]);
        if offline {
            cmd.arg("-o");
        }
        if let Some(repo) = &opts.maven_repo {
            cmd.arg(format!("-Dmaven.repo.local={}", repo.display()));
        }
        cmd.arg("dependency:build-classpath")
            .arg(format!("-Dmdep.outputFile={}", tmp.display()));
        cmd.output().is_ok_and(|o| o.status.success())
    };
    assert!(
        resolve(true) || resolve(false),
        "resolving Kafka {KAFKA_VERSION} failed"
    );
    std::fs::rename(&tmp, &cp).unwrap();
    std::fs::read_to_string(&cp).unwrap().trim().to_string()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Broker {
    child: Child,
    dir: PathBuf,
    pub bootstrap: String,
    classpath: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const JVM: &[&str] = &["-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];

impl Broker {
    /// Formats a fresh log dir under `dir` and starts the broker; waits until it accepts
    /// connections (at most 60 s).
    pub fn start(opts: &FlinkRunOptions, dir: &Path) -> Broker {
        let classpath = kafka_classpath(opts);
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let dir = std::path::absolute(dir).unwrap();
        let (port, cport) = (free_port(), free_port());
        let props = dir.join("server.properties");
        std::fs::write(
            &props,
            format!(
                "process.roles=broker,controller\n\
                 node.id=1\n\
                 controller.quorum.voters=1@127.0.0.1:{cport}\n\
                 listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}\n\
                 advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
                 controller.listener.names=CONTROLLER\n\
                 inter.broker.listener.name=PLAINTEXT\n\
                 listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n\
                 log.dirs={}\n\
                 num.partitions=1\n\
                 offsets.topic.replication.factor=1\n\
                 transaction.state.log.replication.factor=1\n\
                 transaction.state.log.min.isr=1\n\
                 share.coordinator.state.topic.replication.factor=1\n\
                 share.coordinator.state.topic.min.isr=1\n\
                 group.initial.rebalance.delay.ms=0\n\
                 auto.create.topics.enable=false\n",
                dir.join("logs").display()
            ),
        )
        .unwrap();
        let format = Command::new("java")
            .args(JVM)
            .arg("-cp")
            .arg(&classpath)
            .args([
                "kafka.tools.StorageTool",
                "format",
                "-t",
                "MkU3OEVBNTcwNTJENDM2Qk",
                "-c",
            ])
            .arg(&props)
            .output()
            .unwrap();
        assert!(
            format.status.success(),
            "kafka-storage format failed: {}{}",
            String::from_utf8_lossy(&format.stdout),
            String::from_utf8_lossy(&format.stderr)
        );
        let log = std::fs::File::create(dir.join("broker.log")).unwrap();
        let child = Command::new("java")
            .args(JVM)
            .arg("-cp")
            .arg(&classpath)
            .arg("kafka.Kafka")
            .arg(&props)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut broker = Broker {
            child,
            dir,
            bootstrap: format!("127.0.0.1:{port}"),
            classpath,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = broker.child.try_wait() {
                panic!("Kafka exited ({status}):\n{}", broker.log());
            }
            assert!(
                Instant::now() < deadline,
                "Kafka did not start:\n{}",
                broker.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        broker
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
    }

    fn tool(&self, main: &str) -> Command {
        let mut cmd = Command::new("java");
        cmd.args(JVM)
            .arg("-cp")
            .arg(&self.classpath)
            .arg(main)
            .arg("--bootstrap-server")
            .arg(&self.bootstrap);
        cmd
    }

    /// The job arguments of a bounded run from topic `requests` to `out_topic` on this broker.
    pub fn job_args<'a>(&'a self, out_topic: &'a str) -> Vec<&'a str> {
        vec![
            "--kafka-brokers",
            &self.bootstrap,
            "--in-topic",
            "requests",
            "--out-topic",
            out_topic,
            "--bounded",
            "true",
        ]
    }

    pub fn create_topic(&self, topic: &str) {
        let out = self
            .tool("org.apache.kafka.tools.TopicCommand")
            .args(["--create", "--topic", topic, "--partitions", "1"])
            .args(["--replication-factor", "1"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "creating topic {topic}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Writes each line of `text` as one record.
    pub fn produce(&self, topic: &str, text: &str) {
        let mut child = self
            .tool("org.apache.kafka.tools.ConsoleProducer")
            .args(["--topic", topic])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "producing to {topic}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Every committed record of `topic` (read_committed), until none arrives for `idle`.
    pub fn consume_committed(&self, topic: &str, idle: Duration) -> String {
        let out = self
            .tool("org.apache.kafka.tools.consumer.ConsoleConsumer")
            .args(["--topic", topic, "--from-beginning"])
            .args(["--isolation-level", "read_committed"])
            .arg("--timeout-ms")
            .arg(idle.as_millis().to_string())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
