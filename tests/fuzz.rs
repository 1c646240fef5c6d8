//! A bounded differential-fuzzing run: random programs and workloads on the oracle and the local
//! engine must agree. (`stent conformance --fuzz 500` runs a longer one and keeps shrunk cases.)

use std::path::Path;
use stent_cli::engines::Engine;
use stent_cli::fuzz::{FuzzOptions, fuzz};

#[test]
fn random_programs_agree_with_the_oracle() {
    let opts = FuzzOptions {
        first_seed: 1000,
        seeds: 25,
        requests: 60,
        engines: vec![Engine::Local],
        keep: None,
        shrink_budget: 20,
    };
    let found = fuzz(Path::new(env!("CARGO_MANIFEST_DIR")), &opts, false).expect("fuzzing runs");
    let report: Vec<String> = found
        .iter()
        .map(|d| {
            format!(
                "seed {} ({} requests): {}",
                d.seed, d.requests, d.first_difference
            )
        })
        .collect();
    assert!(found.is_empty(), "divergences:\n{}", report.join("\n"));
}
