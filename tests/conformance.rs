//! The conformance suite as a `cargo test`: every case of tests/conformance, every example and
//! every large generated workload runs on the CPython oracle and on the local engine; any
//! difference fails. (`stent conformance --engine local,flink` runs the same from the CLI.)

use std::path::Path;
use stent_cli::conformance::{discover, run_suite};
use stent_cli::engines::Engine;

#[test]
fn local_engine_matches_the_oracle_on_every_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases = discover(root, &[]).expect("cases are discoverable");
    assert!(
        cases.len() >= 40,
        "expected the full corpus, found {} cases",
        cases.len()
    );
    let report = run_suite(&cases, &[Engine::Local], false).expect("the suite runs");
    println!("{}", report.render());
    assert!(
        report.all_passed(),
        "conformance failures:\n{}",
        report.render()
    );
}
