//! The request log's segment files: names, the record format, group-commit writes, recovery
//! scans, and the reuse of covered segments.
//!
//! ```text
//! requests-NNNNNNNNNN.log  segment N (10 decimal digits, N >= 1):
//!                          "STLG" [version u32 = 1][N u64], then records
//!                          [len u32][crc32 u32 of (N u64 ++ payload)][payload: next_line u64,
//!                           n u32, n × (line u64, text bytes, result bytes)],
//!                          ended by an all-zero frame header (overwritten by the next record)
//!                          or by the end of the file; any bytes after the end are stale
//! free-NNNNNNNNNN.log      a covered segment kept for reuse (at most FREE_SEGMENTS)
//! requests.log             a pre-rotation state dir's log, read as segment 0; it and any
//!                          headerless requests-N.log are the earlier format: no header, a
//!                          checksum of the payload alone, records up to the end of the file.
//!                          Read, never appended to or reused.
//! ```
//!
//! Why covered segments are reused rather than deleted: an fsync of a write that grows a file
//! or fills newly allocated blocks must also commit the file system's journal (the new size and
//! extents), while overwriting blocks already written commits only the data. Measured here with
//! 15 KiB appends fdatasynced back to back and a checkpoint (1 MiB write, fsync, rename,
//! directory fsync, retirement of a 34 MB segment) every 0.85 s, 2 pairs: growing a file, p50
//! 0.29-0.37 ms, p99 0.53-1.00, p99.9 3.4-4.1, max 24-32 ms; overwriting one, 0.15-0.20, 0.29-0.69,
//! 0.62-2.4, 4-14 ms. That tail is the durable p99 at half load (a request waits for one fsync).
//! This is what PostgreSQL (WAL segment recycling) and RocksDB (`recycle_log_file_num`) do.
//!
//! Why the segment number is in the header and in every checksum: a reused file still holds
//! the records of its previous life after the new ones. The end marker says where the new ones
//! end; should it be lost with a torn write, a stale record still fails its checksum under the
//! new number, so it can never be replayed as part of the new segment. A file renamed for reuse
//! and not yet written (a crash right after the rotation) has a header with its old number: it
//! is read as empty.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::RuntimeError;
use crate::durable::{Cursor, io, put_u32, put_u64, sync_dir};

/// The log of a state dir written before rotation (segment 0; see [`segment_path`]).
pub const LOG_FILE: &str = "requests.log";

const SEGMENT_MAGIC: &[u8; 4] = b"STLG";
const SEGMENT_VERSION: u32 = 1;
const HEADER_LEN: usize = 16;
/// The all-zero frame header that ends a segment's records (no record has length 0).
const END: [u8; 8] = [0; 8];

/// Covered segments kept for reuse; more are deleted. Two: a checkpoint's rotation takes one
/// while the segment the previous checkpoint covered is being freed.
pub const FREE_SEGMENTS: usize = 2;

/// One durable batch: workload lines `first_line..next_line` and the results they produced.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// The workload line number after the batch (1-based numbering; resume reads from here).
    pub next_line: u64,
    /// (line number, line text, result JSON line) for each non-blank line.
    pub entries: Vec<(u64, String, String)>,
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
        crate::durable::put_bytes(&mut p, line.as_bytes());
        crate::durable::put_bytes(&mut p, result.as_bytes());
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

/// The checksum of a record of segment `seg`.
pub fn record_crc(seg: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&seg.to_le_bytes());
    h.update(payload);
    h.finalize()
}

fn header(seg: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(SEGMENT_MAGIC);
    put_u32(&mut h, SEGMENT_VERSION);
    put_u64(&mut h, seg);
    h
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

fn free_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("free-{n:010}.log"))
}

fn numbered(name: &str, prefix: &str) -> Option<u64> {
    let d = name.strip_prefix(prefix)?.strip_suffix(".log")?;
    d.bytes().all(|c| c.is_ascii_digit()).then_some(())?;
    d.parse().ok()
}

fn list_numbered(
    dir: &Path,
    name_to_n: impl Fn(&str) -> Option<u64>,
) -> Result<Vec<u64>, RuntimeError> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let e = e.map_err(|e| io(dir, e))?;
        if let Some(n) = e.file_name().to_str().and_then(&name_to_n) {
            v.push(n);
        }
    }
    v.sort_unstable();
    Ok(v)
}

/// The log segments in `dir`, in order.
pub fn list_segments(dir: &Path) -> Result<Vec<u64>, RuntimeError> {
    list_numbered(dir, |name| {
        if name == LOG_FILE {
            Some(0)
        } else {
            numbered(name, "requests-")
        }
    })
}

/// The free (reusable) segment files in `dir`, by their last segment number.
pub fn free_segments(dir: &Path) -> Result<Vec<u64>, RuntimeError> {
    list_numbered(dir, |name| numbered(name, "free-"))
}

/// How a covered segment is deleted while the log is live: unlinking a large file frees all its
/// blocks in one go, and on ext4 that held the journal long enough to stall the live segment's
/// fsync by ~10 ms for a 34 MB segment (the bench's p99 at half load went from ~3 to ~15 ms
/// whenever a checkpoint fell in its window). Shrinking it in steps with a pause between them
/// lets the log's commits through; measured alone, the longest concurrent fsync fell from
/// 9-12 ms to 2-3 ms.
pub(crate) const RETIRE_STEP: u64 = 4 << 20;
const RETIRE_PAUSE: Duration = Duration::from_millis(2);

/// Deletes a covered segment in [`RETIRE_STEP`] truncations, then unlinks it. A crash midway
/// leaves a shortened segment below the checkpoint's first one, which no reader looks at and
/// [`Log::open`] frees.
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

/// Whether a segment file is in the current format (and so may be reused).
fn has_header(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == SEGMENT_MAGIC)
}

/// Frees the segments before `first` (covered by a durable checkpoint): kept for reuse up to
/// [`FREE_SEGMENTS`] free files, deleted beyond that; then syncs the dir.
pub fn release_segments_before(dir: &Path, first: u64) -> Result<(), RuntimeError> {
    let old: Vec<u64> = list_segments(dir)?
        .into_iter()
        .filter(|n| *n < first)
        .collect();
    let mut free = free_segments(dir)?.len();
    for n in &old {
        let path = segment_path(dir, *n);
        if free < FREE_SEGMENTS && has_header(&path) {
            let to = free_path(dir, *n);
            fs::rename(&path, &to).map_err(|e| io(&to, e))?;
            free += 1;
        } else {
            retire_segment(&path)?;
        }
    }
    if !old.is_empty() {
        sync_dir(dir);
    }
    Ok(())
}

/// What one segment file holds.
struct SegmentRead {
    records: Vec<LogRecord>,
    /// Where the intact records end (in the current format: where the next one is written;
    /// 0 for an empty or not yet rewritten segment, whose header is still to be written).
    end: usize,
    /// The records end cleanly (end marker, end of file, or a reused file not written yet);
    /// otherwise the bytes at `end` are a torn or corrupt record.
    clean: bool,
    /// In the current format (see the module doc), so it may be appended to.
    current: bool,
    /// A torn tail rather than a corrupt record: nothing intact follows the damage.
    torn: bool,
}

/// Parses frames from `c.i` on: records until the end marker (current format only) or the
/// first frame that is cut short or fails its checksum.
fn parse_frames(
    c: &mut Cursor,
    crc: impl Fn(&[u8]) -> u32,
    marker: bool,
) -> (Vec<LogRecord>, bool) {
    let mut records = Vec::new();
    loop {
        let at = c.i;
        if at == c.b.len() || (marker && c.b[at..].starts_with(&END)) {
            return (records, true);
        }
        let rec = (|| {
            let len = c.u32()? as usize;
            let sum = c.u32()?;
            let payload = c.take(len)?;
            (len > 0 && crc(payload) == sum).then_some(())?;
            LogRecord::decode(payload)
        })();
        match rec {
            Some(r) => records.push(r),
            None => {
                c.i = at;
                return (records, false);
            }
        }
    }
}

/// Reads the bytes of segment `n` (see the module doc for both formats).
fn read_segment(buf: &[u8], n: u64, path: &Path) -> Result<SegmentRead, RuntimeError> {
    let mut c = Cursor { b: buf, i: 0 };
    // (a file shorter than the magic that starts like it: a header cut short)
    let current = buf.starts_with(SEGMENT_MAGIC) || SEGMENT_MAGIC.starts_with(buf);
    if !current {
        let (records, clean) = parse_frames(&mut c, crc32fast::hash, false);
        let torn = {
            let mut t = Cursor {
                b: &buf[c.i..],
                i: 0,
            };
            match (t.u32(), t.u32()) {
                (Some(len), Some(_)) => len as usize > t.b.len() - 8,
                _ => true,
            }
        };
        return Ok(SegmentRead {
            records,
            end: c.i,
            clean,
            current,
            torn,
        });
    }
    let empty = |clean| SegmentRead {
        records: Vec::new(),
        end: 0,
        clean,
        current,
        torn: true,
    };
    c.i = 4;
    let (Some(version), Some(seg)) = (c.u32(), c.u64()) else {
        return Ok(empty(buf.is_empty())); // a header cut short: a crash as the file was begun
    };
    if version != SEGMENT_VERSION {
        return Err(RuntimeError::CorruptLog(format!(
            "{}: log segment format version {version} is not supported by this build",
            path.display()
        )));
    }
    if seg != n {
        return Ok(empty(true)); // renamed for reuse, not written since
    }
    let (records, clean) = parse_frames(&mut c, |p| record_crc(n, p), true);
    let end = c.i;
    // torn: no intact record (or end marker) after the damaged frame
    let torn = clean || {
        let mut t = Cursor { b: buf, i: end };
        let skip = t.u32().and_then(|len| t.take(4 + len as usize));
        skip.is_none() || {
            let (after, ok) = parse_frames(&mut t, |p| record_crc(n, p), true);
            after.is_empty() && !ok
        }
    };
    Ok(SegmentRead {
        records,
        end,
        clean,
        current,
        torn,
    })
}

/// What the log holds from segment `first` on (segments before it are covered by the
/// checkpoint): the intact records in order, the segments read, and where the first damage is.
pub struct LogScan {
    pub records: Vec<LogRecord>,
    /// (segment, what was read) of each segment read; reading stops at the first damaged one.
    segments: Vec<(u64, SegmentRead)>,
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
        let mut read = read_segment(&buf, *n, &path)?;
        scan.records.append(&mut read.records);
        let clean = read.clean;
        scan.segments.push((*n, read));
        if !clean {
            scan.after_damage = live[i + 1..].to_vec();
            break;
        }
    }
    Ok(scan)
}

pub struct Log {
    dir: PathBuf,
    /// The segment appended to.
    seg: u64,
    file: File,
    /// Where the next record goes (the offset of the end marker).
    pos: u64,
    /// Framed records not yet handed to the file: written with one `write` at the next sync.
    /// Under light load batches hold a request or two, and a syscall per record cost the log
    /// thread a large share of a core that the executor could use.
    unwritten: Vec<u8>,
    /// Records written (buffered or in the file) and not yet synced. Not the same as a
    /// non-empty `unwritten`: after a failed fsync the records are in the file, unsynced.
    dirty: bool,
    /// Where slow fsyncs are counted, when someone asked ([`Log::trace_slow_syncs`]).
    trace: Option<Arc<SlowSyncs>>,
}

/// The log's slow fsyncs (longer than [`SlowSyncs::THRESHOLD`]), split into the time the log
/// thread spent runnable but waiting for a CPU and the rest (the kernel and the device): the
/// bench reports it next to a durable run's tail latency, which these stalls make.
///
/// Why: on a small machine the two are of the same order. A probe on 2 vCPUs measured the
/// same 32 KiB overwrite + fdatasync at p99 0.4 ms alone and 3.7 ms with both CPUs busy.
/// The CPU wait comes from `/proc/thread-self/schedstat` (the thread's run-queue delay); on
/// a kernel without it, only the count and the total are known.
#[derive(Debug, Default)]
pub struct SlowSyncs {
    count: AtomicU64,
    total_ns: AtomicU64,
    /// Of `total_ns`, run-queue wait; `u64::MAX` once unreadable.
    cpu_wait_ns: AtomicU64,
}

impl SlowSyncs {
    pub const THRESHOLD: Duration = Duration::from_millis(2);

    /// (count, total, CPU wait if known).
    pub fn get(&self) -> (u64, Duration, Option<Duration>) {
        let wait = self.cpu_wait_ns.load(Ordering::Relaxed);
        (
            self.count.load(Ordering::Relaxed),
            Duration::from_nanos(self.total_ns.load(Ordering::Relaxed)),
            (wait != u64::MAX).then(|| Duration::from_nanos(wait)),
        )
    }

    fn record(&self, took: Duration, cpu_wait: Option<u64>) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.total_ns
            .fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        match cpu_wait {
            Some(w) => {
                let _ = self
                    .cpu_wait_ns
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                        (v != u64::MAX).then(|| v + w)
                    });
            }
            None => self.cpu_wait_ns.store(u64::MAX, Ordering::Relaxed),
        }
    }
}

/// The calling thread's total run-queue wait in ns (the second field of its schedstat), read
/// through a file kept open per thread (~1 µs, where opening it each time cost several).
fn run_queue_wait_ns() -> Option<u64> {
    use std::os::unix::fs::FileExt;
    thread_local! {
        static SCHEDSTAT: Option<File> = File::open("/proc/thread-self/schedstat").ok();
    }
    let mut buf = [0u8; 96];
    let n = SCHEDSTAT.with(|f| f.as_ref()?.read_at(&mut buf, 0).ok())?;
    let s = std::str::from_utf8(&buf[..n]).ok()?;
    s.split_whitespace().nth(1)?.parse().ok()
}

impl Log {
    /// Opens the log for recovery, returning the intact records from segment `first` on (the
    /// checkpoint's first uncovered segment; 0 without a checkpoint). Segments before `first`
    /// are leftovers of a crash between a checkpoint and their release, and are released. A
    /// torn or corrupt record is truncated with a warning on stderr, and the segments after it
    /// are deleted with a warning. Appends go to the last remaining segment (a new one if
    /// there is none, or if it is in the earlier format).
    pub fn open(dir: &Path, first: u64) -> Result<(Log, Vec<LogRecord>), RuntimeError> {
        release_segments_before(dir, first)?;
        let scan = scan_log(dir, first)?;
        if let Some((n, read)) = scan.segments.last().filter(|s| !s.1.clean) {
            // Dropping intact records after a corrupt one is safe, not just convenient: the
            // manifest guarantees the workload is unchanged and execution is deterministic, so
            // the dropped batches are executed again and give byte-identical results (which
            // recovery re-writes after truncating the results file to the checkpoint's length).
            let path = segment_path(dir, *n);
            let len = fs::metadata(&path).map_err(|e| io(&path, e))?.len();
            let what = if read.torn && scan.after_damage.is_empty() {
                "a torn log tail (a crash during an append)"
            } else {
                "a corrupt log record (checksum mismatch); the requests after it are executed again"
            };
            eprintln!(
                "warning: {}: truncating {what} at byte {} ({} bytes dropped)",
                path.display(),
                read.end,
                len - read.end as u64
            );
            let f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| io(&path, e))?;
            f.set_len(read.end as u64).map_err(|e| io(&path, e))?;
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
            Some((n, read)) if read.current => {
                let path = segment_path(dir, *n);
                let file = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| io(&path, e))?;
                Log::at(dir, *n, file, read.end as u64)
            }
            Some((n, _)) => Log::create(dir, n + 1)?,
            None => Log::create(dir, first.max(1))?,
        };
        Ok((log, scan.records))
    }

    /// A log appending to segment `seg` at `pos` (0: the header is still to be written).
    fn at(dir: &Path, seg: u64, file: File, pos: u64) -> Log {
        let fresh = pos == 0;
        Log {
            dir: dir.to_path_buf(),
            seg,
            file,
            pos,
            unwritten: if fresh { header(seg) } else { Vec::new() },
            dirty: fresh,
            trace: None,
        }
    }

    /// Counts every later fsync slower than [`SlowSyncs::THRESHOLD`] into `to` (two reads of
    /// a `/proc` file per fsync: for benchmarks, not for `stent run`).
    pub fn trace_slow_syncs(&mut self, to: Arc<SlowSyncs>) {
        self.trace = Some(to);
    }

    /// Creates segment `n`, reusing a free segment file if there is one (its directory entry
    /// durable before any record in it is acknowledged).
    fn create(dir: &Path, n: u64) -> Result<Log, RuntimeError> {
        let path = segment_path(dir, n);
        if path.exists() {
            // what `create_new` refused before reuse: a rename would silently replace it
            return Err(io(&path, std::io::ErrorKind::AlreadyExists.into()));
        }
        let file = match free_segments(dir)?.first() {
            Some(f) => {
                let from = free_path(dir, *f);
                fs::rename(&from, &path).map_err(|e| io(&from, e))?;
                OpenOptions::new().write(true).open(&path)
            }
            None => OpenOptions::new().write(true).create_new(true).open(&path),
        }
        .map_err(|e| io(&path, e))?;
        sync_dir(dir);
        Ok(Log::at(dir, n, file, 0))
    }

    /// The segment appended to.
    pub fn segment(&self) -> u64 {
        self.seg
    }

    /// Syncs this segment and continues in a new one; its number. Records before the rotation
    /// stay in the older segments until a checkpoint covering them is durable.
    pub fn rotate(&mut self) -> Result<u64, RuntimeError> {
        self.sync()?;
        let trace = self.trace.take();
        *self = Log::create(&self.dir, self.seg + 1)?;
        self.trace = trace;
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
        let crc = record_crc(self.seg, &b[8..]);
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

    /// Makes every written record durable: one write of the buffered records and the end
    /// marker after them, at the end of the last record, then an fdatasync.
    pub fn sync(&mut self) -> Result<(), RuntimeError> {
        if !self.dirty {
            return Ok(());
        }
        let e = |e| RuntimeError::Io(format!("log: {e}"));
        if !self.unwritten.is_empty() {
            let n = self.unwritten.len();
            self.unwritten.extend_from_slice(&END);
            let written = (self.file.seek(SeekFrom::Start(self.pos)))
                .and_then(|_| self.file.write_all(&self.unwritten));
            // a failed write is retried whole at the same offset: the marker goes last again
            self.unwritten.truncate(n);
            written.map_err(e)?;
            self.unwritten.clear();
            self.pos += n as u64;
        }
        match &self.trace {
            None => self.file.sync_data().map_err(e)?,
            Some(trace) => {
                let (wait0, t0) = (run_queue_wait_ns(), Instant::now());
                self.file.sync_data().map_err(e)?;
                let took = t0.elapsed();
                if took > SlowSyncs::THRESHOLD {
                    let wait = run_queue_wait_ns()
                        .zip(wait0)
                        .map(|(b, a)| b.saturating_sub(a));
                    trace.record(took, wait);
                }
            }
        }
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
#[path = "segments_tests.rs"]
mod tests;
