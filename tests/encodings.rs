//! Every example compiles, and its IR survives pb -> json -> yaml -> pb byte for byte.

use std::path::Path;
use stent_ir::encoding::{Encoding, decode, encode};

fn examples() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut programs = Vec::new();
    for dir in ["examples", "tests/conformance"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if !entry.path().is_dir() {
                continue;
            }
            for file in std::fs::read_dir(entry.path()).unwrap().flatten() {
                if file.path().extension().is_some_and(|e| e == "py") {
                    programs.push(file.path());
                }
            }
        }
    }
    programs.sort();
    programs
}

#[test]
fn pb_json_yaml_round_trip_is_lossless() {
    let programs = examples();
    assert!(programs.len() > 40);
    for path in programs {
        let source = std::fs::read_to_string(&path).unwrap();
        let compiled = stent_frontend::compile(&path.display().to_string(), &source)
            .unwrap_or_else(|d| panic!("{} does not compile: {d:?}", path.display()));
        let pb = encode(&compiled.program, Encoding::Binary).unwrap();
        let from_pb = decode(&pb, Encoding::Binary).unwrap();
        let json = encode(&from_pb, Encoding::Json).unwrap();
        let from_json = decode(&json, Encoding::Json).unwrap();
        let yaml = encode(&from_json, Encoding::Yaml).unwrap();
        let from_yaml = decode(&yaml, Encoding::Yaml).unwrap();
        let pb_again = encode(&from_yaml, Encoding::Binary).unwrap();
        assert_eq!(
            pb,
            pb_again,
            "{}: pb -> json -> yaml -> pb changed the IR",
            path.display()
        );
        assert_eq!(compiled.program, from_yaml, "{}", path.display());
    }
}

#[test]
fn newer_major_version_is_rejected_clearly() {
    let program = stent_ir::Program {
        version: Some(stent_ir::v1::Version { major: 2, minor: 0 }),
        ..Default::default()
    };
    let pb = encode(&program, Encoding::Binary).unwrap();
    let err = decode(&pb, Encoding::Binary).unwrap_err().to_string();
    assert!(err.contains("newer than this stent reads"), "{err}");
}
