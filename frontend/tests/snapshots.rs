//! Snapshot tests: the IR listing of every example and valid corpus program, and the rendered
//! diagnostics of every bad program (tests/frontend/{ok,bad}/*.py).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn py_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "py"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn listing(name: &str, src: &str) -> String {
    match stent_frontend::compile(name, src) {
        Ok(c) => {
            let mut out = stent_ir::listing::render(&c.program);
            for w in &c.warnings {
                out.push('\n');
                out.push_str(&w.render(name, src));
            }
            out
        }
        Err(diags) => panic!(
            "{name} failed:\n{}",
            diags
                .iter()
                .map(|d| d.render(name, src))
                .collect::<String>()
        ),
    }
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("tests/frontend/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn ok_corpus_listings() {
    let files = py_files(&root().join("tests/frontend/ok"));
    assert!(files.len() >= 25);
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let name = format!("tests/frontend/ok/{stem}.py");
        let src = std::fs::read_to_string(&f).unwrap();
        settings().bind(|| insta::assert_snapshot!(format!("ok__{stem}"), listing(&name, &src)));
    }
}

#[test]
fn example_listings() {
    let ex = root().join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&ex)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        for f in py_files(&d) {
            let stem = f.file_stem().unwrap().to_string_lossy().to_string();
            let name = format!(
                "examples/{}/{stem}.py",
                d.file_name().unwrap().to_string_lossy()
            );
            let src = std::fs::read_to_string(&f).unwrap();
            settings()
                .bind(|| insta::assert_snapshot!(format!("example__{stem}"), listing(&name, &src)));
        }
    }
}

#[test]
fn bad_corpus_diagnostics() {
    let files = py_files(&root().join("tests/frontend/bad"));
    assert!(files.len() >= 45);
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let name = format!("tests/frontend/bad/{stem}.py");
        let src = std::fs::read_to_string(&f).unwrap();
        let diags = stent_frontend::check(&name, &src);
        assert!(
            diags.iter().any(|d| d.is_error()),
            "{name}: expected an error"
        );
        let out: String = diags
            .iter()
            .map(|d| d.render(&name, &src))
            .collect::<Vec<_>>()
            .join("\n");
        settings().bind(|| insta::assert_snapshot!(format!("bad__{stem}"), out));
    }
}
