//! Structural validation of an IR program. Placeholder: filled in below.
use crate::v1::Program;
pub fn validate(_program: &Program) -> Vec<String> { Vec::new() }
