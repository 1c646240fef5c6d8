//! Durability: a CRC-checked request/outcome log with group commit, and atomic checkpoints.
//!
//! Why this shape: the executor is deterministic (requests apply in input order), so the log
//! need not hold state changes — it holds each accepted batch's workload lines and the result
//! lines they produced. It is fsynced before any result of the batch is written to the results
//! file (acknowledgment). Recovery loads the last checkpoint (state, next workload line, results
//! file length), truncates the results file to that length, and replays logged batches after it
//! — re-executing them to rebuild state and re-appending their logged results — so each request
//! id is answered exactly once and none is applied twice. Torn tails are truncated with a
//! warning; a checkpoint whose checksum fails is an error, never loaded.
//!
//! Log record:        [len u32][crc32 u32][payload]
//! Checkpoint file:   "STCK" [version u32][crc32 u32][len u64][payload], written to a temp
//!                    file, fsynced, renamed over `checkpoint`, directory fsynced.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::RuntimeError;

pub const LOG_FILE: &str = "requests.log";
pub const CHECKPOINT_FILE: &str = "checkpoint";

/// One durable batch: workload lines `first_line..next_line` and the results they produced.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// The workload line number after the batch (1-based numbering; resume reads from here).
    pub next_line: u64,
    /// (line number, line text, result JSON line) for each non-blank line.
    pub entries: Vec<(u64, String, String)>,
}

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}
fn put_u64(b: &mut Vec<u8>, v: u64) {
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

/// A log record straight from borrowed (line number, line, result) entries, with 8 bytes
/// reserved in front for the frame header ([`Log::write_framed`] fills them in): the hot path
/// copies each line and result once, into this buffer, instead of into a [`LogRecord`].
pub fn encode_record<'a>(
    next_line: u64,
    n: usize,
    entries: impl Iterator<Item = (u64, &'a str, &'a str)>,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + 12 + n * 160);
    p.extend_from_slice(&[0; 8]);
    put_u64(&mut p, next_line);
    put_u32(&mut p, n as u32);
    for (no, line, result) in entries {
        put_u64(&mut p, no);
        put_bytes(&mut p, line.as_bytes());
        put_bytes(&mut p, result.as_bytes());
    }
    p
}

impl LogRecord {
    fn encode(&self) -> Vec<u8> {
        let e = self
            .entries
            .iter()
            .map(|(n, l, r)| (*n, l.as_str(), r.as_str()));
        encode_record(self.next_line, self.entries.len(), e).split_off(8)
    }
    fn decode(p: &[u8]) -> Option<LogRecord> {
        let mut c = Cursor { b: p, i: 0 };
        let next_line = c.u64()?;
        let n = c.u32()?;
        let mut entries = Vec::new();
        for _ in 0..n {
            entries.push((c.u64()?, c.string()?, c.string()?));
        }
        (c.i == p.len()).then_some(LogRecord { next_line, entries })
    }
}

pub struct Log {
    file: File,
}

fn io(path: &Path, e: std::io::Error) -> RuntimeError {
    RuntimeError::Io(format!("{}: {e}", path.display()))
}

impl Log {
    /// Opens the log, returning its intact records; a torn or corrupt tail is truncated with a
    /// warning on stderr.
    pub fn open(dir: &Path) -> Result<(Log, Vec<LogRecord>), RuntimeError> {
        let path = dir.join(LOG_FILE);
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        if created {
            // Make the new file's directory entry durable before records are acknowledged.
            sync_dir(dir);
        }
        let mut buf = Vec::new();
        file.read_to_end(&mut buf).map_err(|e| io(&path, e))?;
        let mut records = Vec::new();
        let mut c = Cursor { b: &buf, i: 0 };
        let mut good = 0usize;
        while c.i < buf.len() {
            let rec = (|| {
                let len = c.u32()? as usize;
                let crc = c.u32()?;
                let payload = c.take(len)?;
                (crc32fast::hash(payload) == crc).then_some(())?;
                LogRecord::decode(payload)
            })();
            match rec {
                Some(r) => {
                    records.push(r);
                    good = c.i;
                }
                None => break,
            }
        }
        if good < buf.len() {
            // Dropping intact records after a corrupt one is safe, not just convenient: the
            // manifest guarantees the workload is unchanged and execution is deterministic, so
            // the dropped batches are executed again and give byte-identical results (which
            // recovery re-writes after truncating the results file to the checkpoint's length).
            let what = if tail_is_torn(&buf[good..]) {
                "a torn log tail (a crash during an append)"
            } else {
                "a corrupt log record (checksum mismatch); the requests after it are executed again"
            };
            eprintln!(
                "warning: {}: truncating {what} at byte {good} ({} bytes dropped)",
                path.display(),
                buf.len() - good
            );
            file.set_len(good as u64).map_err(|e| io(&path, e))?;
            file.sync_all().map_err(|e| io(&path, e))?;
        }
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0))
            .map_err(|e| io(&path, e))?;
        Ok((Log { file }, records))
    }

    /// Appends a record and fsyncs (one fsync per batch: group commit).
    pub fn append(&mut self, rec: &LogRecord) -> Result<(), RuntimeError> {
        self.write(rec)?;
        self.sync()
    }

    /// Appends a record from [`encode_record`] without syncing (see [`Self::sync`]).
    pub fn write_framed(&mut self, mut b: Vec<u8>) -> Result<(), RuntimeError> {
        let len = (b.len() - 8) as u32;
        let crc = crc32fast::hash(&b[8..]);
        b[..4].copy_from_slice(&len.to_le_bytes());
        b[4..8].copy_from_slice(&crc.to_le_bytes());
        let e = |e| RuntimeError::Io(format!("log: {e}"));
        self.file.write_all(&b).map_err(e)
    }

    /// Appends a record without syncing (see [`Self::sync`]).
    pub fn write(&mut self, rec: &LogRecord) -> Result<(), RuntimeError> {
        let p = rec.encode();
        let mut b = Vec::with_capacity(p.len() + 8);
        put_u32(&mut b, p.len() as u32);
        put_u32(&mut b, crc32fast::hash(&p));
        b.extend_from_slice(&p);
        let e = |e| RuntimeError::Io(format!("log: {e}"));
        self.file.write_all(&b).map_err(e)
    }

    /// Makes every written record durable.
    pub fn sync(&mut self) -> Result<(), RuntimeError> {
        let e = |e| RuntimeError::Io(format!("log: {e}"));
        self.file.sync_data().map_err(e)
    }

    /// Empties the log (after a checkpoint covering every record).
    pub fn reset(&mut self) -> Result<(), RuntimeError> {
        let e = |e| RuntimeError::Io(format!("log: {e}"));
        self.file.set_len(0).map_err(e)?;
        use std::io::Seek;
        self.file.seek(std::io::SeekFrom::Start(0)).map_err(e)?;
        self.file.sync_all().map_err(e)
    }
}

/// Whether the bytes after the last intact record are a single record cut short (what a crash
/// during an append leaves) rather than a complete record that fails its checksum.
fn tail_is_torn(rest: &[u8]) -> bool {
    let mut c = Cursor { b: rest, i: 0 };
    match (c.u32(), c.u32()) {
        (Some(len), Some(_)) => (len as usize) > rest.len() - 8,
        _ => true,
    }
}

/// What a checkpoint holds besides the engine state.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointMeta {
    pub next_line: u64,
    pub results_len: u64,
    pub requests: u64,
    pub errors: u64,
}

const MAGIC: &[u8; 4] = b"STCK";
const VERSION: u32 = 1;

pub fn write_checkpoint(
    dir: &Path,
    meta: &CheckpointMeta,
    state: &[u8],
) -> Result<(), RuntimeError> {
    let mut p = Vec::with_capacity(state.len() + 32);
    put_u64(&mut p, meta.next_line);
    put_u64(&mut p, meta.results_len);
    put_u64(&mut p, meta.requests);
    put_u64(&mut p, meta.errors);
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
    if c.u32() != Some(VERSION) {
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

fn sync_dir(dir: &Path) {
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
            let log_len = fs::metadata(dir.join(LOG_FILE))
                .map(|m| m.len())
                .unwrap_or(0);
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

    #[test]
    fn log_roundtrip_and_torn_tail() {
        let dir = std::env::temp_dir().join(format!("stent-log-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let rec = LogRecord {
            next_line: 3,
            entries: vec![(1, "{}".into(), "{\"id\": 1}".into())],
        };
        {
            let (mut log, recs) = Log::open(&dir).unwrap();
            assert!(recs.is_empty());
            log.append(&rec).unwrap();
            log.append(&rec).unwrap();
        }
        let path = dir.join(LOG_FILE);
        let len = fs::metadata(&path).unwrap().len();
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 3).unwrap();
        let (_, recs) = Log::open(&dir).unwrap();
        assert_eq!(recs, vec![rec]);
        let _ = fs::remove_dir_all(&dir);
    }
}
