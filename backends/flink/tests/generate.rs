//! Snapshot tests of the generated project, file by file, for two small conformance programs
//! (the runtime-support sources are copied verbatim and not snapshotted).

use std::path::Path;

use stent_backend_flink::project_files;

fn snapshot_case(case: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance")
        .join(case);
    let source = std::fs::read_to_string(dir.join("program.py")).unwrap();
    let program = stent_frontend::compile(&format!("{case}/program.py"), &source)
        .expect("compiles")
        .program;
    let files = project_files(&program).unwrap();
    let again = project_files(&program).unwrap();
    assert_eq!(files, again, "generation is deterministic");
    for f in files {
        let path = f.path.to_string_lossy().replace('\\', "/");
        if path.starts_with("src/main/java/stent/runtime/")
            || path.starts_with("src/main/java/stent/flink/")
        {
            continue;
        }
        insta::assert_snapshot!(format!("{case}__{}", path.replace('/', "__")), f.contents);
    }
}

#[test]
fn create_get() {
    snapshot_case("001_create_get");
}

#[test]
fn reentrant_sees_caller_writes() {
    snapshot_case("017_reentrant_sees_caller_writes");
}

#[test]
fn generate_writes_a_maven_project() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flink-generate");
    let _ = std::fs::remove_dir_all(&dir);
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance/001_create_get/program.py");
    let program = stent_frontend::compile("program.py", &std::fs::read_to_string(case).unwrap())
        .unwrap()
        .program;
    stent_backend_flink::generate(&program, &dir).unwrap();
    for f in [
        "pom.xml",
        "README.md",
        "src/main/java/stent/generated/Main.java",
        "src/main/java/stent/runtime/Py.java",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
}
