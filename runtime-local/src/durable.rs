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
//! requests-NNNNNNNNNN.log       log segment N (10 decimal digits, N >= 1), records appended:
//!                               [len u32][crc32 u32][payload: next_line u64, n u32,
//!                                n × (line u64, text bytes, result bytes)]
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
//! fsyncs the directory, and only then deletes the segments before S+1. Crash windows: before
//! the rename, the old checkpoint and every segment after it are still there; after it, the
//! new checkpoint names S+1 as its first segment, so recovery deletes any leftover earlier
//! segment and skips nothing it needs (records covered by a checkpoint are skipped in any case,
//! by line number). Segment S+1 is created (directory fsynced) only after segment S is synced,
//! so the live segments are always consecutive: a gap is refused ([`RuntimeError::CorruptLog`]).
//! A torn tail or a corrupt record is truncated with a warning naming its segment, and the
//! segments after it are deleted with a warning (their requests are executed again); a
//! checkpoint whose checksum fails is an error, never loaded.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::RuntimeError;

/// The log of a state dir written before rotation (segment 0; see [`segment_path`]).
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
    /// With the 8 header bytes reserved, as [`encode_record`].
    fn encode(&self) -> Vec<u8> {
        let e = self
            .entries
            .iter()
            .map(|(n, l, r)| (*n, l.as_str(), r.as_str()));
        encode_record(self.next_line, self.entries.len(), e)
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
    dir: PathBuf,
    /// The segment appended to.
    seg: u64,
    file: File,
    /// Framed records not yet handed to the file: written with one `write` at the next sync.
    /// Under light load batches hold a request or two, and a syscall per record cost the log
    /// thread a large share of a core that the executor could use.
    unwritten: Vec<u8>,
    /// Records written (buffered or in the file) and not yet synced. Not the same as a
    /// non-empty `unwritten`: after a failed fsync the records are in the file, unsynced.
    dirty: bool,
}

fn io(path: &Path, e: std::io::Error) -> RuntimeError {
    RuntimeError::Io(format!("{}: {e}", path.display()))
}

/// The file of log segment `n`: `requests-NNNNNNNNNN.log`, or for `n = 0` the single
/// `requests.log` of a state dir written before log rotation (read as the first segment).
pub fn segment_path(dir: &Path, n: u64) -> PathBuf {
    if n == 0 {
        dir.join(LOG_FILE)
    } else {
        dir.join(format!("requests-{n:010}.log"))
    }
}

fn segment_number(name: &str) -> Option<u64> {
    if name == LOG_FILE {
        return Some(0);
    }
    let d = name.strip_prefix("requests-")?.strip_suffix(".log")?;
    d.bytes().all(|c| c.is_ascii_digit()).then_some(())?;
    d.parse().ok()
}

/// The log segments in `dir`, in order.
pub fn list_segments(dir: &Path) -> Result<Vec<u64>, RuntimeError> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let e = e.map_err(|e| io(dir, e))?;
        if let Some(n) = e.file_name().to_str().and_then(segment_number) {
            v.push(n);
        }
    }
    v.sort_unstable();
    Ok(v)
}

/// How a covered segment is deleted while the log is live: unlinking a large file frees all its
/// blocks in one go, and on ext4 that held the journal long enough to stall the live segment's
/// fsync by ~10 ms for a 34 MB segment (the bench's p99 at half load went from ~3 to ~15 ms
/// whenever a checkpoint fell in its window). Shrinking it in steps with a pause between them
/// lets the log's commits through; measured alone, the longest concurrent fsync fell from
/// 9-12 ms to 2-3 ms.
const RETIRE_STEP: u64 = 4 << 20;
const RETIRE_PAUSE: Duration = Duration::from_millis(2);

/// Deletes a covered segment in [`RETIRE_STEP`] truncations, then unlinks it. A crash midway
/// leaves a shortened segment below the checkpoint's first one, which no reader looks at and
/// [`Log::open`] deletes.
fn retire_segment(path: &Path) -> Result<(), RuntimeError> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| io(path, e))?;
    let mut len = f.metadata().map_err(|e| io(path, e))?.len();
    while len > RETIRE_STEP {
        len -= RETIRE_STEP;
        f.set_len(len).map_err(|e| io(path, e))?;
        std::thread::sleep(RETIRE_PAUSE);
    }
    drop(f);
    fs::remove_file(path).map_err(|e| io(path, e))
}

/// Deletes the segments before `first` (covered by a durable checkpoint), then syncs the dir.
pub fn delete_segments_before(dir: &Path, first: u64) -> Result<(), RuntimeError> {
    let old: Vec<u64> = list_segments(dir)?
        .into_iter()
        .filter(|n| *n < first)
        .collect();
    for n in &old {
        retire_segment(&segment_path(dir, *n))?;
    }
    if !old.is_empty() {
        sync_dir(dir);
    }
    Ok(())
}

/// The intact records at the start of a segment's bytes, and their length in bytes.
fn parse_records(buf: &[u8]) -> (Vec<LogRecord>, usize) {
    let mut records = Vec::new();
    let mut c = Cursor { b: buf, i: 0 };
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
    (records, good)
}

/// What the log holds from segment `first` on (segments before it are covered by the
/// checkpoint): the intact records in order, the segments read, and where the first damage is.
pub struct LogScan {
    pub records: Vec<LogRecord>,
    /// (segment, intact bytes, file bytes) of each segment read; reading stops at the first
    /// damaged one.
    segments: Vec<(u64, usize, usize)>,
    /// Segments after the damaged one (their records follow the damage and are dropped).
    after_damage: Vec<u64>,
}

/// Reads the log from segment `first` on without changing anything. A gap in the segment
/// numbers is [`RuntimeError::CorruptLog`]: acknowledged records would be missing.
pub fn scan_log(dir: &Path, first: u64) -> Result<LogScan, RuntimeError> {
    let live: Vec<u64> = list_segments(dir)?
        .into_iter()
        .filter(|n| *n >= first)
        .collect();
    // Segments are created in order (n + 1 only after n is durable) and deleted only below a
    // durable checkpoint's first segment, so the live ones are consecutive from `first` (from 0
    // or 1 without a checkpoint). Empty is fine: a crash before the first segment was created.
    let want = if first == 0 {
        live.first().map(|n| (*n).min(1))
    } else {
        Some(first)
    };
    for (expect, n) in (want.unwrap_or(0)..).zip(&live) {
        if *n != expect {
            return Err(RuntimeError::CorruptLog(format!(
                "{} is missing (found {}): acknowledged requests may be lost",
                segment_path(dir, expect).display(),
                segment_path(dir, *n).display()
            )));
        }
    }
    let mut scan = LogScan {
        records: Vec::new(),
        segments: Vec::new(),
        after_damage: Vec::new(),
    };
    for (i, n) in live.iter().enumerate() {
        let path = segment_path(dir, *n);
        let buf = fs::read(&path).map_err(|e| io(&path, e))?;
        let (records, good) = parse_records(&buf);
        scan.records.extend(records);
        scan.segments.push((*n, good, buf.len()));
        if good < buf.len() {
            scan.after_damage = live[i + 1..].to_vec();
            break;
        }
    }
    Ok(scan)
}

impl Log {
    /// Opens the log for recovery, returning the intact records from segment `first` on (the
    /// checkpoint's first uncovered segment; 0 without a checkpoint). Segments before `first`
    /// are leftovers of a crash between a checkpoint and their deletion, and are deleted. A torn
    /// or corrupt record is truncated with a warning on stderr, and the segments after it are
    /// deleted with a warning. Appends go to the last remaining segment (created if none).
    pub fn open(dir: &Path, first: u64) -> Result<(Log, Vec<LogRecord>), RuntimeError> {
        delete_segments_before(dir, first)?;
        let scan = scan_log(dir, first)?;
        if let Some(&(n, good, len)) = scan.segments.last().filter(|s| s.1 < s.2) {
            // Dropping intact records after a corrupt one is safe, not just convenient: the
            // manifest guarantees the workload is unchanged and execution is deterministic, so
            // the dropped batches are executed again and give byte-identical results (which
            // recovery re-writes after truncating the results file to the checkpoint's length).
            let path = segment_path(dir, n);
            let buf = fs::read(&path).map_err(|e| io(&path, e))?;
            let what = if tail_is_torn(&buf[good..]) && scan.after_damage.is_empty() {
                "a torn log tail (a crash during an append)"
            } else {
                "a corrupt log record (checksum mismatch); the requests after it are executed again"
            };
            eprintln!(
                "warning: {}: truncating {what} at byte {good} ({} bytes dropped)",
                path.display(),
                len - good
            );
            let f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| io(&path, e))?;
            f.set_len(good as u64).map_err(|e| io(&path, e))?;
            f.sync_all().map_err(|e| io(&path, e))?;
            for m in &scan.after_damage {
                let p = segment_path(dir, *m);
                let bytes = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                eprintln!(
                    "warning: {}: removing a log segment that follows the damaged {} ({bytes} \
                     bytes); its requests are executed again",
                    p.display(),
                    path.display()
                );
                fs::remove_file(&p).map_err(|e| io(&p, e))?;
            }
            sync_dir(dir);
        }
        let log = match scan.segments.last() {
            Some(&(n, _, _)) => {
                let path = segment_path(dir, n);
                let file = OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .map_err(|e| io(&path, e))?;
                Log {
                    dir: dir.to_path_buf(),
                    seg: n,
                    file,
                    unwritten: Vec::new(),
                    dirty: false,
                }
            }
            None => Log::create(dir, first.max(1))?,
        };
        Ok((log, scan.records))
    }

    /// Creates segment `n` (its directory entry durable before any record in it is
    /// acknowledged).
    fn create(dir: &Path, n: u64) -> Result<Log, RuntimeError> {
        let path = segment_path(dir, n);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        sync_dir(dir);
        Ok(Log {
            dir: dir.to_path_buf(),
            seg: n,
            file,
            unwritten: Vec::new(),
            dirty: false,
        })
    }

    /// The segment appended to.
    pub fn segment(&self) -> u64 {
        self.seg
    }

    /// Syncs this segment and continues in a new one; its number. Records before the rotation
    /// stay in the older segments until a checkpoint covering them is durable.
    pub fn rotate(&mut self) -> Result<u64, RuntimeError> {
        self.sync()?;
        *self = Log::create(&self.dir, self.seg + 1)?;
        Ok(self.seg)
    }

    /// Appends a record and fsyncs (one fsync per batch: group commit).
    pub fn append(&mut self, rec: &LogRecord) -> Result<(), RuntimeError> {
        self.write(rec);
        self.sync()
    }

    /// Appends a record from [`encode_record`] without syncing (see [`Self::sync`]).
    pub fn write_framed(&mut self, mut b: Vec<u8>) {
        let len = (b.len() - 8) as u32;
        let crc = crc32fast::hash(&b[8..]);
        b[..4].copy_from_slice(&len.to_le_bytes());
        b[4..8].copy_from_slice(&crc.to_le_bytes());
        self.dirty = true;
        if self.unwritten.is_empty() {
            self.unwritten = b; // a large batch's record is not copied
        } else {
            self.unwritten.extend_from_slice(&b);
        }
    }

    /// Appends a record without syncing (see [`Self::sync`]).
    pub fn write(&mut self, rec: &LogRecord) {
        self.write_framed(rec.encode())
    }

    /// Makes every written record durable.
    pub fn sync(&mut self) -> Result<(), RuntimeError> {
        if !self.dirty {
            return Ok(());
        }
        let e = |e| RuntimeError::Io(format!("log: {e}"));
        self.file.write_all(&self.unwritten).map_err(e)?;
        self.unwritten.clear();
        self.file.sync_data().map_err(e)?;
        self.dirty = false;
        Ok(())
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

    fn rec(next_line: u64) -> LogRecord {
        LogRecord {
            next_line,
            entries: vec![(next_line - 1, "{}".into(), "{\"id\": 1}".into())],
        }
    }

    #[test]
    fn log_roundtrip_and_torn_tail() {
        let dir = scratch("log");
        {
            let (mut log, recs) = Log::open(&dir, 0).unwrap();
            assert!(recs.is_empty());
            log.append(&rec(3)).unwrap();
            log.append(&rec(3)).unwrap();
        }
        let path = segment_path(&dir, 1);
        let len = fs::metadata(&path).unwrap().len();
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 3).unwrap();
        let (_, recs) = Log::open(&dir, 0).unwrap();
        assert_eq!(recs, vec![rec(3)]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn rotated_segments_are_read_in_order_and_covered_ones_deleted() {
        let dir = scratch("segments");
        {
            let (mut log, _) = Log::open(&dir, 0).unwrap();
            log.append(&rec(2)).unwrap();
            assert_eq!(log.rotate().unwrap(), 2);
            log.append(&rec(3)).unwrap();
            assert_eq!(log.rotate().unwrap(), 3);
            log.append(&rec(4)).unwrap();
        }
        assert_eq!(list_segments(&dir).unwrap(), vec![1, 2, 3]);
        let (_, recs) = Log::open(&dir, 0).unwrap();
        assert_eq!(recs, vec![rec(2), rec(3), rec(4)]);
        // a checkpoint whose first segment is 3 covers 1 and 2: leftovers are deleted
        let (log, recs) = Log::open(&dir, 3).unwrap();
        assert_eq!((recs, log.segment()), (vec![rec(4)], 3));
        assert_eq!(list_segments(&dir).unwrap(), vec![3]);
        // a checkpoint naming a segment not yet created (crash before the rotation's file)
        drop(log);
        let (log, recs) = Log::open(&dir, 4).unwrap();
        assert_eq!((recs.len(), log.segment()), (0, 4));
        assert_eq!(list_segments(&dir).unwrap(), vec![4]);
        // a gap is refused
        fs::write(segment_path(&dir, 6), b"").unwrap();
        assert!(matches!(
            Log::open(&dir, 4),
            Err(RuntimeError::CorruptLog(_))
        ));
        let _ = fs::remove_dir_all(&dir);
    }

    /// A covered segment larger than a truncation step is retired in steps and then gone; a
    /// half-retired one (a crash between the steps) is only ever below the checkpoint's first
    /// segment, and opening the log deletes it without reading it.
    #[test]
    fn large_covered_segments_are_retired() {
        let dir = scratch("retire");
        {
            let (mut log, _) = Log::open(&dir, 0).unwrap();
            log.append(&rec(2)).unwrap();
            log.rotate().unwrap();
            log.append(&rec(3)).unwrap();
        }
        let big = segment_path(&dir, 1);
        let f = OpenOptions::new().write(true).open(&big).unwrap();
        f.set_len(2 * RETIRE_STEP + 5).unwrap();
        drop(f);
        delete_segments_before(&dir, 2).unwrap();
        assert_eq!(list_segments(&dir).unwrap(), vec![2]);
        // a crash midway: segment 1 shortened to garbage, segment 2 intact
        fs::write(&big, [7u8; 100]).unwrap();
        let (_, recs) = Log::open(&dir, 2).unwrap();
        assert_eq!(recs, vec![rec(3)]);
        assert_eq!(list_segments(&dir).unwrap(), vec![2]);
        let _ = fs::remove_dir_all(&dir);
    }

    /// Records are buffered until a sync (one `write` per group commit): nothing unsynced is
    /// in the file, and every record written before a sync is.
    #[test]
    fn records_reach_the_file_at_the_sync() {
        let dir = scratch("buffered");
        let (mut log, _) = Log::open(&dir, 0).unwrap();
        log.write(&rec(2));
        log.write(&rec(3));
        let path = segment_path(&dir, 1);
        assert_eq!(fs::metadata(&path).unwrap().len(), 0);
        log.sync().unwrap();
        log.write(&rec(4));
        drop(log); // never synced: never acknowledged, may be lost
        let (_, recs) = Log::open(&dir, 0).unwrap();
        assert_eq!(recs, vec![rec(2), rec(3)]);
        let _ = fs::remove_dir_all(&dir);
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
