//! The stent IR: the interchange format between the frontend and every engine.
//!
//! This crate is plain data plus the few operations every reader needs: the generated protobuf
//! types ([`v1`]), the three encodings ([`encoding`]), the version policy ([`version`]), the
//! structural validator ([`validate`]), and human-readable renderings ([`listing`], [`graph`]).
//! It computes nothing about programs; passes live in `stent-frontend`.

pub mod encoding;
pub mod graph;
pub mod listing;
pub mod validate;
pub mod version;

/// Types generated from `proto/stent/ir/v1/*.proto`.
#[allow(clippy::all, missing_docs)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/stent.ir.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/stent.ir.v1.serde.rs"));
}

/// The encoded `FileDescriptorSet` of the IR's .proto files, for tools that reflect on it.
pub const DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));

pub use encoding::{Encoding, IrError};
pub use v1::Program;
