#!/usr/bin/env bash
# The whole test suite: the Python package and oracle, then every Rust crate's tests (frontend
# snapshots and fuzzing, the local engine, the conformance corpus against the CPython oracle,
# generated Flink jobs on a MiniCluster when java and mvn are present).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== python: the stent package and the CPython oracle"
python3 -m pytest python/tests -q

echo "== rust: cargo test --workspace"
cargo test --workspace --no-fail-fast

echo "== rust: the engine's divan micro-benchmarks, each run once (so that they cannot rot)"
cargo test --workspace --bench engine
