//! Every example and conformance program compiles without errors.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn programs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/conformance"] {
        let Ok(rd) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for entry in rd.flatten() {
            let p = entry.path();
            if !p.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                let f = f.path();
                if f.extension().is_some_and(|e| e == "py") {
                    out.push(f);
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn all_programs_compile() {
    let progs = programs();
    assert!(progs.len() >= 40, "found only {} programs", progs.len());
    let mut failures = String::new();
    for p in &progs {
        let src = std::fs::read_to_string(p).unwrap();
        let name = p.strip_prefix(root()).unwrap_or(p).display().to_string();
        match stent_frontend::compile(&name, &src) {
            Ok(c) => {
                for w in &c.warnings {
                    eprintln!("{}", w.render(&name, &src));
                }
            }
            Err(diags) => {
                for d in diags {
                    failures.push_str(&d.render(&name, &src));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}
