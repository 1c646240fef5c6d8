//! Tests of `segments.rs`.

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
    f.set_len(len - END.len() as u64 - 3).unwrap(); // into the last record
    let (_, recs) = Log::open(&dir, 0).unwrap();
    assert_eq!(recs, vec![rec(3)]);
    let read = read_segment(&fs::read(&path).unwrap(), 1, &path).unwrap();
    assert!(read.clean && read.current);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn rotated_segments_are_read_in_order_and_covered_ones_freed() {
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
    // a checkpoint whose first segment is 3 covers 1 and 2: leftovers are freed
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

/// Covered segments are kept for reuse up to [`FREE_SEGMENTS`]; a further one larger than a
/// truncation step is retired in steps and then gone. A half-retired one (a crash between the
/// steps) is only ever below the checkpoint's first segment, and opening the log frees it
/// without reading it.
#[test]
fn covered_segments_are_kept_for_reuse_then_retired() {
    let dir = scratch("retire");
    {
        let (mut log, _) = Log::open(&dir, 0).unwrap();
        for next in 2..=4 {
            log.append(&rec(next)).unwrap();
            log.rotate().unwrap();
        }
        log.append(&rec(5)).unwrap();
    }
    let big = segment_path(&dir, 3);
    let f = OpenOptions::new().write(true).open(&big).unwrap();
    f.set_len(2 * RETIRE_STEP + 5).unwrap();
    drop(f);
    release_segments_before(&dir, 4).unwrap();
    assert_eq!(list_segments(&dir).unwrap(), vec![4]);
    assert_eq!(free_segments(&dir).unwrap(), vec![1, 2]);
    assert!(!big.exists());
    // a crash midway: segment 3 shortened to garbage, segment 4 intact
    fs::write(&big, [7u8; 100]).unwrap();
    let (_, recs) = Log::open(&dir, 4).unwrap();
    assert_eq!(recs, vec![rec(5)]);
    assert_eq!(list_segments(&dir).unwrap(), vec![4]);
    assert!(!big.exists());
    let _ = fs::remove_dir_all(&dir);
}

/// Segment 1 (many records) is freed, then reused as segment 3: its new records end at the
/// end marker, the stale ones after it are never read, and the file keeps its size.
#[test]
fn a_reused_segment_ends_at_its_end_marker() {
    let dir = scratch("reuse");
    let (mut log, _) = Log::open(&dir, 0).unwrap();
    for next in 2..50 {
        log.append(&rec(next)).unwrap();
    }
    log.rotate().unwrap();
    log.append(&rec(50)).unwrap();
    release_segments_before(&dir, 2).unwrap();
    assert_eq!(free_segments(&dir).unwrap(), vec![1]);
    let size = fs::metadata(dir.join("free-0000000001.log")).unwrap().len();
    assert_eq!(log.rotate().unwrap(), 3);
    assert!(free_segments(&dir).unwrap().is_empty());
    log.append(&rec(51)).unwrap();
    drop(log);
    let path = segment_path(&dir, 3);
    assert_eq!(fs::metadata(&path).unwrap().len(), size);
    let (mut log, recs) = Log::open(&dir, 2).unwrap();
    assert_eq!(recs, vec![rec(50), rec(51)]);
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        size,
        "no truncation: a clean end"
    );
    log.append(&rec(52)).unwrap();
    drop(log);
    let (_, recs) = Log::open(&dir, 2).unwrap();
    assert_eq!(recs, vec![rec(50), rec(51), rec(52)]);
    let _ = fs::remove_dir_all(&dir);
}

/// Segment 1 (records 2 and 3) freed once a checkpoint covers it, segment 2 (record 4), then
/// a rotation into segment 3: free segment 1 renamed, its header not yet rewritten.
fn rotated_into_reused_segment(name: &str) -> (PathBuf, Log) {
    let dir = scratch(name);
    let (mut log, _) = Log::open(&dir, 0).unwrap();
    log.append(&rec(2)).unwrap();
    log.append(&rec(3)).unwrap();
    log.rotate().unwrap();
    log.append(&rec(4)).unwrap();
    release_segments_before(&dir, 2).unwrap();
    assert_eq!(log.rotate().unwrap(), 3);
    assert!(free_segments(&dir).unwrap().is_empty());
    (dir, log)
}

/// A crash right after a rotation renamed a free file: the segment still has the old header
/// and records, and reads as empty; appending to it then works.
#[test]
fn a_reused_segment_not_written_yet_reads_as_empty() {
    let (dir, log) = rotated_into_reused_segment("reuse-empty");
    drop(log);
    let (mut log, recs) = Log::open(&dir, 2).unwrap();
    assert_eq!((recs, log.segment()), (vec![rec(4)], 3));
    log.append(&rec(5)).unwrap();
    drop(log);
    let (_, recs) = Log::open(&dir, 2).unwrap();
    assert_eq!(recs, vec![rec(4), rec(5)]);
    let _ = fs::remove_dir_all(&dir);
}

/// Should the end marker be lost, a stale record after it (intact under its old segment's
/// number) fails its checksum under the new one: the segment is cut there.
#[test]
fn a_stale_record_never_reads_as_part_of_the_new_segment() {
    let (dir, mut log) = rotated_into_reused_segment("reuse-stale");
    log.append(&rec(2)).unwrap(); // the same length as the stale first record
    drop(log);
    let path = segment_path(&dir, 3);
    let mut b = fs::read(&path).unwrap();
    let frame = 8 + rec(2).encode().len() - 8;
    let end = HEADER_LEN + frame;
    assert_eq!(b[end..end + 8], END);
    // the stale second record (rec(3) of segment 1) sits right after the first one
    let stale = {
        let mut r = rec(3).encode();
        let sum = record_crc(1, &r[8..]);
        let len = (r.len() - 8) as u32;
        r[..4].copy_from_slice(&len.to_le_bytes());
        r[4..8].copy_from_slice(&sum.to_le_bytes());
        r
    };
    b[end..end + stale.len()].copy_from_slice(&stale);
    fs::write(&path, &b).unwrap();
    let (_, recs) = Log::open(&dir, 2).unwrap();
    assert_eq!(recs, vec![rec(4), rec(2)]);
    assert_eq!(fs::metadata(&path).unwrap().len() as usize, end);
    let _ = fs::remove_dir_all(&dir);
}

/// A segment in the earlier format (no header, checksums of the payload alone, no end
/// marker) is read; appends go to a new segment, and it is deleted, not reused, once covered.
#[test]
fn a_segment_in_the_earlier_format_is_read_but_not_reused() {
    let dir = scratch("legacy");
    let mut b = Vec::new();
    for next in [2, 3] {
        let mut r = rec(next).encode();
        let (len, sum) = ((r.len() - 8) as u32, crc32fast::hash(&r[8..]));
        r[..4].copy_from_slice(&len.to_le_bytes());
        r[4..8].copy_from_slice(&sum.to_le_bytes());
        b.extend_from_slice(&r);
    }
    fs::write(segment_path(&dir, 1), &b).unwrap();
    let (mut log, recs) = Log::open(&dir, 0).unwrap();
    assert_eq!((recs, log.segment()), (vec![rec(2), rec(3)], 2));
    log.append(&rec(4)).unwrap();
    drop(log);
    let (log, recs) = Log::open(&dir, 2).unwrap();
    assert_eq!((recs, log.segment()), (vec![rec(4)], 2));
    assert!(free_segments(&dir).unwrap().is_empty());
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

/// A crash as a segment's header was being written leaves a prefix of it: the segment is
/// truncated (a torn tail) and appended to, not abandoned for a new one.
#[test]
fn a_header_cut_short_is_a_torn_tail_of_the_same_segment() {
    for cut in [2, 9] {
        let dir = scratch(&format!("short-header-{cut}"));
        fs::write(segment_path(&dir, 1), &header(1)[..cut]).unwrap();
        let (mut log, recs) = Log::open(&dir, 0).unwrap();
        assert_eq!((recs.len(), log.segment()), (0, 1));
        log.append(&rec(2)).unwrap();
        drop(log);
        let (log, recs) = Log::open(&dir, 0).unwrap();
        assert_eq!((recs, log.segment()), (vec![rec(2)], 1));
        assert_eq!(list_segments(&dir).unwrap(), vec![1]);
        let _ = fs::remove_dir_all(&dir);
    }
}

/// A write that fails (here: a read-only handle) leaves the buffered records as they were, so
/// the next sync writes them and the records after them, with the end marker last.
#[test]
fn a_failed_write_is_retried_whole() {
    let dir = scratch("failed-write");
    let (mut log, _) = Log::open(&dir, 0).unwrap();
    log.append(&rec(2)).unwrap();
    let path = segment_path(&dir, 1);
    let writable = std::mem::replace(&mut log.file, File::open(&path).unwrap());
    log.write(&rec(3));
    assert!(log.sync().is_err());
    log.file = writable;
    log.write(&rec(4));
    log.sync().unwrap();
    drop(log);
    let (_, recs) = Log::open(&dir, 0).unwrap();
    assert_eq!(recs, vec![rec(2), rec(3), rec(4)]);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn slow_syncs_add_up_and_an_unknown_cpu_wait_stays_unknown() {
    let s = SlowSyncs::default();
    assert_eq!(s.get(), (0, Duration::ZERO, Some(Duration::ZERO)));
    s.record(Duration::from_millis(3), Some(1_000_000));
    s.record(Duration::from_millis(5), Some(500_000));
    assert_eq!(
        s.get(),
        (
            2,
            Duration::from_millis(8),
            Some(Duration::from_micros(1500))
        )
    );
    s.record(Duration::from_millis(2), None);
    s.record(Duration::from_millis(4), Some(1));
    assert_eq!(s.get(), (4, Duration::from_millis(14), None));
}

#[test]
fn the_run_queue_wait_reads_where_the_kernel_has_it() {
    if std::path::Path::new("/proc/thread-self/schedstat").exists() {
        let a = run_queue_wait_ns().expect("schedstat parses");
        assert!(run_queue_wait_ns().unwrap() >= a);
    }
}

#[test]
fn the_slow_sync_trace_survives_a_rotation() {
    let dir = scratch("trace");
    let (mut log, _) = Log::open(&dir, 0).unwrap();
    let trace = Arc::new(SlowSyncs::default());
    log.trace_slow_syncs(trace.clone());
    log.append(&rec(2)).unwrap();
    log.rotate().unwrap();
    assert!(log.trace.as_ref().is_some_and(|t| Arc::ptr_eq(t, &trace)));
    let _ = fs::remove_dir_all(&dir);
}
