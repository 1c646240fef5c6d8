//! Durability: a CRC-checked request/outcome log with group commit, rotated into segments, and
//! atomic checkpoints written in the background.
//!
//! Why this shape: the executor is deterministic (requests apply in input order), so the log
//! need not hold state changes — it holds each accepted batch's workload lines and the result
//! lines they produced. It is fsynced before any result of the batch is written to the results
//! file (acknowledgment). Recovery loads the last checkpoint (state, next workload line, results
//! file length, first uncovered segment), truncates the results file to that length, and replays
//! the logged batches after it — re-executing them to rebuild state and re-appending their
//! logged results — so each request id is answered exactly once and none is applied twice.
//!
//! On disk (`STATE_DIR/`):
//!
//! ```text
//! manifest, program.pb          what the dir belongs to (bind_state_dir)
//! requests-NNNNNNNNNN.log       log segment N (10 decimal digits, N >= 1); the record
//!                               format is in `segments.rs`
//! free-NNNNNNNNNN.log           a covered segment kept for reuse (`segments.rs`)
//! requests.log                  a pre-rotation state dir's log: read as segment 0
//! checkpoint                    "STCK" [version u32 = 2][crc32 u32][len u64][payload:
//!                                next_line, results_len, requests, errors, first_segment
//!                                (u64 each), store]; version 1 lacks first_segment
//! checkpoint.tmp                a checkpoint being written (never read)
//! ```
//!
//! Checkpoints do not stall the pipeline (`checkpointer.rs`): at a checkpoint the executor
//! copies the committed store (its states are `Arc`-shared and immutable, so this copies a hash
//! table, not the data) and rotates the log to segment S+1; a background thread encodes the
//! copy, waits until the records before the rotation are durable and their results written,
//! fsyncs the results file, writes `checkpoint.tmp`, fsyncs it, renames it over `checkpoint`,
//! fsyncs the directory, and only then frees the segments before S+1 (kept for reuse or deleted). Crash windows: before
//! the rename, the old checkpoint and every segment after it are still there; after it, the
//! new checkpoint names S+1 as its first segment, so recovery frees any leftover earlier
//! segment and skips nothing it needs (records covered by a checkpoint are skipped in any case,
//! by line number). Segment S+1 is created (directory fsynced) only after segment S is synced,
//! so the live segments are always consecutive: a gap is refused ([`RuntimeError::CorruptLog`]).
//! A torn tail or a corrupt record is truncated with a warning naming its segment, and the
//! segments after it are deleted with a warning (their requests are executed again); a
//! checkpoint whose checksum fails is an error, never loaded.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::RuntimeError;
pub use crate::segments::{
    LOG_FILE, Log, LogRecord, LogScan, encode_record, list_segments, release_segments_before,
    scan_log, segment_path,
};

pub const CHECKPOINT_FILE: &str = "checkpoint";

pub(crate) fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_u64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}
pub fn put_bytes(b: &mut Vec<u8>, s: &[u8]) {
    put_u32(b, s.len() as u32);
    b.extend_from_slice(s);
}

/// A bounds-checked reader over a byte slice.
pub struct Cursor<'a> {
    pub b: &'a [u8],
    pub i: usize,
}

impl<'a> Cursor<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.i..self.i.checked_add(n)?)?;
        self.i += n;
        Some(s)
    }
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|s| s[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    pub fn u64(&mut self) -> Option<u64> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Some(u64::from_le_bytes(a))
    }
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}

pub(crate) fn io(path: &Path, e: std::io::Error) -> RuntimeError {
    RuntimeError::Io(format!("{}: {e}", path.display()))
}

/// What a checkpoint holds besides the engine state.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointMeta {
    pub next_line: u64,
    pub results_len: u64,
    pub requests: u64,
    pub errors: u64,
    /// The first log segment the checkpoint does not cover (the one its rotation opened);
    /// the segments before it are deleted once the checkpoint is durable. 0 in a version-1
    /// checkpoint (written before rotation): every segment is read, covered records skipped.
    pub first_segment: u64,
}

const MAGIC: &[u8; 4] = b"STCK";
const VERSION: u32 = 2;

pub fn write_checkpoint(
    dir: &Path,
    meta: &CheckpointMeta,
    state: &[u8],
) -> Result<(), RuntimeError> {
    write_checkpoint_then(dir, meta, state, || {})
}

/// [`write_checkpoint`], calling `before_rename` once the temp file is durable (a test hook).
pub fn write_checkpoint_then(
    dir: &Path,
    meta: &CheckpointMeta,
    state: &[u8],
    before_rename: impl FnOnce(),
) -> Result<(), RuntimeError> {
    let mut p = Vec::with_capacity(state.len() + 32);
    put_u64(&mut p, meta.next_line);
    put_u64(&mut p, meta.results_len);
    put_u64(&mut p, meta.requests);
    put_u64(&mut p, meta.errors);
    put_u64(&mut p, meta.first_segment);
    p.extend_from_slice(state);
    let mut b = Vec::with_capacity(p.len() + 20);
    b.extend_from_slice(MAGIC);
    put_u32(&mut b, VERSION);
    put_u32(&mut b, crc32fast::hash(&p));
    put_u64(&mut b, p.len() as u64);
    b.extend_from_slice(&p);
    let tmp: PathBuf = dir.join(format!("{CHECKPOINT_FILE}.tmp"));
    let fin = dir.join(CHECKPOINT_FILE);
    let mut f = File::create(&tmp).map_err(|e| io(&tmp, e))?;
    f.write_all(&b).map_err(|e| io(&tmp, e))?;
    f.sync_all().map_err(|e| io(&tmp, e))?;
    drop(f);
    before_rename();
    fs::rename(&tmp, &fin).map_err(|e| io(&fin, e))?;
    sync_dir(dir);
    Ok(())
}

/// Reads the checkpoint: Ok(None) when there is none; an error when it is corrupt.
pub fn read_checkpoint(dir: &Path) -> Result<Option<(CheckpointMeta, Vec<u8>)>, RuntimeError> {
    let path = dir.join(CHECKPOINT_FILE);
    let b = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path, e)),
    };
    let corrupt = |why: &str| RuntimeError::CorruptCheckpoint(format!("{}: {why}", path.display()));
    let mut c = Cursor { b: &b, i: 0 };
    if c.take(4) != Some(MAGIC.as_slice()) {
        return Err(corrupt("bad magic"));
    }
    let version = c.u32();
    if !matches!(version, Some(1 | VERSION)) {
        return Err(corrupt("unsupported version"));
    }
    let crc = c.u32().ok_or_else(|| corrupt("truncated header"))?;
    let len = c.u64().ok_or_else(|| corrupt("truncated header"))? as usize;
    let p = c.take(len).ok_or_else(|| corrupt("truncated"))?;
    if c.i != b.len() {
        return Err(corrupt("trailing bytes"));
    }
    if crc32fast::hash(p) != crc {
        return Err(corrupt("checksum mismatch"));
    }
    let mut c = Cursor { b: p, i: 0 };
    let meta = (|| {
        Some(CheckpointMeta {
            next_line: c.u64()?,
            results_len: c.u64()?,
            requests: c.u64()?,
            errors: c.u64()?,
            first_segment: if version == Some(1) { 0 } else { c.u64()? },
        })
    })()
    .ok_or_else(|| corrupt("truncated"))?;
    Ok(Some((meta, p[c.i..].to_vec())))
}

pub const MANIFEST_FILE: &str = "manifest";
pub const PROGRAM_FILE: &str = "program.pb";

/// What a state dir belongs to. Resuming with another program or workload would silently
/// apply the checkpointed state to the wrong requests (or decode it against the wrong entity
/// types), so the first run records fingerprints and later runs must match them.
#[derive(Debug, Clone, PartialEq)]
struct Manifest {
    /// CRC32 and length of the binary IR with `source_path` cleared (so the same program given
    /// by another relative path still matches).
    program: (u32, u64),
    /// CRC32 and length of the workload file's bytes.
    workload: (u32, u64),
    /// For messages only.
    workload_path: String,
}

const MANIFEST_MAGIC: &[u8; 4] = b"STMF";

fn program_fingerprint(program: &stent_ir::v1::Program) -> Result<(u32, u64), RuntimeError> {
    let mut p = program.clone();
    p.source_path.clear();
    let bytes = stent_ir::encoding::encode(&p, stent_ir::Encoding::Binary)
        .map_err(|e| RuntimeError::Io(format!("encoding the program: {e}")))?;
    Ok((crc32fast::hash(&bytes), bytes.len() as u64))
}

fn workload_fingerprint(workload: &Path) -> Result<(u32, u64), RuntimeError> {
    let mut f = File::open(workload).map_err(|e| io(workload, e))?;
    let mut h = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| io(workload, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        len += n as u64;
    }
    Ok((h.finalize(), len))
}

/// Writes `bytes` to `dir/name` atomically (temp file, fsync, rename, directory fsync).
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), RuntimeError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let fin = dir.join(name);
    let mut f = File::create(&tmp).map_err(|e| io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| io(&tmp, e))?;
    f.sync_all().map_err(|e| io(&tmp, e))?;
    drop(f);
    fs::rename(&tmp, &fin).map_err(|e| io(&fin, e))?;
    sync_dir(dir);
    Ok(())
}

pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Manifest {
    fn encode(&self) -> Vec<u8> {
        let mut p = Vec::new();
        put_u32(&mut p, self.program.0);
        put_u64(&mut p, self.program.1);
        put_u32(&mut p, self.workload.0);
        put_u64(&mut p, self.workload.1);
        put_bytes(&mut p, self.workload_path.as_bytes());
        let mut b = MANIFEST_MAGIC.to_vec();
        put_u32(&mut b, crc32fast::hash(&p));
        b.extend_from_slice(&p);
        b
    }
    fn decode(b: &[u8]) -> Option<Manifest> {
        let mut c = Cursor { b, i: 0 };
        (c.take(4)? == MANIFEST_MAGIC).then_some(())?;
        let crc = c.u32()?;
        (crc32fast::hash(&b[c.i..]) == crc).then_some(())?;
        let m = Manifest {
            program: (c.u32()?, c.u64()?),
            workload: (c.u32()?, c.u64()?),
            workload_path: c.string()?,
        };
        (c.i == b.len()).then_some(m)
    }
}

/// Binds a state dir to its program and workload. The first run (no manifest yet) stores the
/// compiled IR (`program.pb`, which `stent query` reads) and the manifest; later runs get
/// [`RuntimeError::Mismatch`] naming what differs. A dir with a checkpoint or log but no
/// manifest is refused rather than guessed about.
pub fn bind_state_dir(
    dir: &Path,
    program: &stent_ir::v1::Program,
    workload: &Path,
) -> Result<(), RuntimeError> {
    let want = Manifest {
        program: program_fingerprint(program)?,
        workload: workload_fingerprint(workload)?,
        workload_path: workload.display().to_string(),
    };
    let path = dir.join(MANIFEST_FILE);
    match fs::read(&path) {
        Ok(b) => {
            let have = Manifest::decode(&b).ok_or_else(|| {
                RuntimeError::CorruptCheckpoint(format!("{}: unreadable manifest", path.display()))
            })?;
            if have.program != want.program {
                return Err(RuntimeError::Mismatch(format!(
                    "{} was written by a different program (its IR differs from this one's); \
                     use a fresh --state-dir",
                    dir.display()
                )));
            }
            if have.workload != want.workload {
                return Err(RuntimeError::Mismatch(format!(
                    "{} belongs to workload {} ({} bytes), but {} ({} bytes) differs; use a \
                     fresh --state-dir",
                    dir.display(),
                    have.workload_path,
                    have.workload.1,
                    want.workload_path,
                    want.workload.1
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let log_len: u64 = list_segments(dir)?
                .iter()
                .map(|n| fs::metadata(segment_path(dir, *n)).map_or(0, |m| m.len()))
                .sum();
            if dir.join(CHECKPOINT_FILE).exists() || log_len > 0 {
                return Err(RuntimeError::Mismatch(format!(
                    "{} holds a checkpoint or log but no {MANIFEST_FILE}: not a state dir this \
                     version can resume",
                    dir.display()
                )));
            }
            let ir = stent_ir::encoding::encode(program, stent_ir::Encoding::Binary)
                .map_err(|e| RuntimeError::Io(format!("encoding the program: {e}")))?;
            // The program first: a manifest always has its program next to it.
            write_atomic(dir, PROGRAM_FILE, &ir)?;
            write_atomic(dir, MANIFEST_FILE, &want.encode())
        }
        Err(e) => Err(io(&path, e)),
    }
}

/// The compiled program stored in a state dir by its first run.
pub fn read_program(dir: &Path) -> Result<stent_ir::v1::Program, RuntimeError> {
    let path = dir.join(PROGRAM_FILE);
    let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
    stent_ir::encoding::decode(&bytes, stent_ir::Encoding::Binary)
        .map_err(|e| RuntimeError::CorruptCheckpoint(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("stent-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn version_1_checkpoint_is_read() {
        let dir = scratch("ck-v1");
        let meta = CheckpointMeta {
            next_line: 5,
            results_len: 6,
            requests: 7,
            errors: 8,
            first_segment: 9,
        };
        write_checkpoint(&dir, &meta, b"state").unwrap();
        assert_eq!(
            read_checkpoint(&dir).unwrap(),
            Some((meta.clone(), b"state".to_vec()))
        );
        // the same checkpoint in version 1 (no first_segment)
        let mut p = Vec::new();
        for v in [5u64, 6, 7, 8] {
            put_u64(&mut p, v);
        }
        p.extend_from_slice(b"state");
        let mut b = MAGIC.to_vec();
        put_u32(&mut b, 1);
        put_u32(&mut b, crc32fast::hash(&p));
        put_u64(&mut b, p.len() as u64);
        b.extend_from_slice(&p);
        fs::write(dir.join(CHECKPOINT_FILE), b).unwrap();
        let want = CheckpointMeta {
            first_segment: 0,
            ..meta
        };
        assert_eq!(
            read_checkpoint(&dir).unwrap(),
            Some((want, b"state".to_vec()))
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
