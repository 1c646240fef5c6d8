//! Loading the program a command works on: Python source (compiled on the fly) or an IR file
//! in any of the three encodings. Every command takes either, interchangeably.

use std::path::Path;
use stent_ir::v1::Program;

/// A loaded program, with the frontend's warnings already rendered (empty for IR files).
pub struct Loaded {
    pub program: Program,
    pub warnings: Vec<String>,
}

/// Why a program could not be loaded. `Diagnostics` holds rendered compiler output.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{rendered}\n{summary}")]
    Diagnostics { rendered: String, summary: String },
    #[error("{path}: {message}")]
    Ir { path: String, message: String },
}

/// Whether the path names Python source rather than an IR file.
pub fn is_python(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some("py")
}

/// Loads a `.py` program or an IR file (`.pb`, `.json`, `.yaml`).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let shown = path.display().to_string();
    if !is_python(path) {
        let program = stent_ir::encoding::read_file(path).map_err(|e| LoadError::Ir {
            path: shown,
            message: e.to_string(),
        })?;
        return Ok(Loaded {
            program,
            warnings: Vec::new(),
        });
    }
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    match stent_frontend::compile(&shown, &source) {
        Ok(c) => Ok(Loaded {
            program: c.program,
            warnings: c
                .warnings
                .iter()
                .map(|d| d.render(&shown, &source))
                .collect(),
        }),
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let rendered: Vec<String> = diags.iter().map(|d| d.render(&shown, &source)).collect();
            Err(LoadError::Diagnostics {
                rendered: rendered.join("\n"),
                summary: format!(
                    "error: could not compile {shown} ({errors} error{})",
                    if errors == 1 { "" } else { "s" }
                ),
            })
        }
    }
}
