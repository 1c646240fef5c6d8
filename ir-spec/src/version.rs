//! The IR version and its compatibility policy (docs/ir.md, "Compatibility").
//!
//! Within one major version changes are additive: new fields, enum values and oneof arms. A
//! reader accepts any minor version of its major and rejects other majors before looking at the
//! rest of the message, so a newer IR fails with a clear message instead of a confusing one.

use crate::v1::Version;

/// The major version this crate reads and writes.
pub const MAJOR: u32 = 1;
/// The minor version this crate writes.
pub const MINOR: u32 = 0;

/// The version stamped on IR this crate produces.
pub fn current() -> Version {
    Version {
        major: MAJOR,
        minor: MINOR,
    }
}

/// Checks that a program's version can be read by this build.
pub fn check(version: Option<&Version>) -> Result<(), String> {
    match version {
        None => Err("the IR has no version field; is this a stent IR file?".into()),
        Some(v) if v.major == MAJOR => Ok(()),
        Some(v) if v.major > MAJOR => Err(format!(
            "the IR is version {}.{}, newer than this stent reads ({MAJOR}.x); upgrade stent",
            v.major, v.minor
        )),
        Some(v) => Err(format!(
            "the IR is version {}.{}, older than this stent reads ({MAJOR}.x); recompile the program",
            v.major, v.minor
        )),
    }
}
