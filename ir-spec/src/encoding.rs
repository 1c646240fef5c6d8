//! The three lossless encodings of a [`Program`]: binary protobuf, canonical proto3 JSON
//! (pbjson) and YAML (the same serde mapping as JSON, via serde-saphyr).

use crate::v1::Program;
use prost::Message;
use std::path::Path;

/// An IR file encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Binary protobuf (`.pb`).
    Binary,
    /// Canonical proto3 JSON (`.json`).
    Json,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
}

/// Why an IR could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum IrError {
    #[error("cannot tell the IR encoding of `{0}`: use a .pb, .json or .yaml file")]
    UnknownEncoding(String),
    #[error("not a valid binary stent IR: {0}")]
    Binary(#[from] prost::DecodeError),
    #[error("not a valid JSON stent IR: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a valid YAML stent IR: {0}")]
    Yaml(String),
    #[error("{0}")]
    Version(String),
    #[error("the IR is invalid:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

impl Encoding {
    /// The encoding a file name implies.
    pub fn from_path(path: &Path) -> Result<Self, IrError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("pb") | Some("bin") => Ok(Encoding::Binary),
            Some("json") => Ok(Encoding::Json),
            Some("yaml") | Some("yml") => Ok(Encoding::Yaml),
            _ => Err(IrError::UnknownEncoding(path.display().to_string())),
        }
    }
}

/// Encodes a program.
pub fn encode(program: &Program, encoding: Encoding) -> Result<Vec<u8>, IrError> {
    Ok(match encoding {
        Encoding::Binary => program.encode_to_vec(),
        Encoding::Json => {
            let mut text = serde_json::to_string_pretty(program)?;
            text.push('\n');
            text.into_bytes()
        }
        Encoding::Yaml => serde_saphyr::to_string(program)
            .map_err(|e| IrError::Yaml(e.to_string()))?
            .into_bytes(),
    })
}

/// Decodes a program, checks its version and validates it.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<Program, IrError> {
    let program: Program = match encoding {
        Encoding::Binary => Program::decode(bytes)?,
        Encoding::Json => serde_json::from_slice(bytes)?,
        Encoding::Yaml => {
            let text = std::str::from_utf8(bytes).map_err(|e| IrError::Yaml(e.to_string()))?;
            serde_saphyr::from_str(text).map_err(|e| IrError::Yaml(e.to_string()))?
        }
    };
    crate::version::check(program.version.as_ref()).map_err(IrError::Version)?;
    let problems = crate::validate::validate(&program);
    if !problems.is_empty() {
        return Err(IrError::Invalid(
            problems.into_iter().map(|p| p.to_string()).collect(),
        ));
    }
    Ok(program)
}

/// Reads an IR file in the encoding its extension names.
pub fn read_file(path: &Path) -> Result<Program, Box<dyn std::error::Error + Send + Sync>> {
    let encoding = Encoding::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(decode(&bytes, encoding)?)
}
