//! Generates Flink Java jobs from stent IR
