//! Compiles the Java runtime-support library with `RuntimeSelfTest.java` and runs it (skipped
//! without a JDK): float repr, floor division/modulo, overflow, format specs, JSON.

use std::path::Path;
use std::process::Command;

#[test]
fn java_runtime_self_test() {
    if !Command::new("javac")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("skipped: no javac");
        return;
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("java-runtime-test");
    let src = out.join("src");
    let _ = std::fs::remove_dir_all(&out);
    for f in stent_java::runtime_sources() {
        let p = src.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, f.contents).unwrap();
    }
    let test = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/RuntimeSelfTest.java");
    let mut javac = Command::new("javac");
    javac
        .args(["-nowarn", "-encoding", "UTF-8", "-d"])
        .arg(out.join("classes"));
    javac
        .args(
            stent_java::runtime_sources()
                .iter()
                .map(|f| src.join(&f.path)),
        )
        .arg(&test);
    let status = javac.status().unwrap();
    assert!(status.success(), "javac failed");
    let run = Command::new("java")
        .arg("-cp")
        .arg(out.join("classes"))
        .arg("RuntimeSelfTest")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
