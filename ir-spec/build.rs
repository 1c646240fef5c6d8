//! Compiles the IR's .proto files with `protox` (pure Rust), so building stent needs no system
//! `protoc`, then generates prost types and pbjson (canonical proto3 JSON) serde impls.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "stent/ir/v1/types.proto",
    "stent/ir/v1/body.proto",
    "stent/ir/v1/dataflow.proto",
    "stent/ir/v1/program.proto",
    "stent/ir/v1/events.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    let fds = protox::compile(PROTOS, ["proto"])?;
    let descriptor_bytes = prost::Message::encode_to_vec(&fds);
    std::fs::write(out_dir.join("descriptor.bin"), &descriptor_bytes)?;

    let mut config = prost_build::Config::new();
    config.btree_map(["."]);
    config.compile_fds(fds)?;

    pbjson_build::Builder::new()
        .register_descriptors(&descriptor_bytes)?
        .build(&[".stent.ir.v1"])?;
    Ok(())
}
