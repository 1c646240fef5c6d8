//! The request log on its own thread: the fsync of batch k overlaps the execution of the
//! batches after it (up to [`IN_FLIGHT`] requests await their fsync before the submitter
//! waits), and records queued while an fsync runs share the next one (group commit).
//!
//! Acknowledgement still follows durability: a batch's results may be released only once
//! [`LogThread::wait`] says its record is durable (exactly-once is unchanged: recovery replays
//! every record in the log, released or not, see `durable.rs`). The engine state may run
//! ahead of the log by the batches in flight; that state is never persisted before they are
//! durable, because a checkpoint is written only once its last batch has been released
//! (`checkpointer.rs`). [`LogThread::rotate`] starts a new log segment at a checkpoint.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::RuntimeError;
use crate::durable::Log;

/// Requests whose record may await its fsync before the submitter waits for the oldest: a slow
/// fsync then holds up no execution, and the next fsync covers every record queued meanwhile.
/// Counted in requests, not records: under light load batches are small (a request or a few),
/// and a limit in records made execution wait for nearly every fsync, turning each fsync's
/// jitter into queueing delay for the requests arriving meanwhile.
pub const IN_FLIGHT: usize = 16 * crate::BATCH;

fn stopped() -> RuntimeError {
    RuntimeError::Io("log writer thread stopped".into())
}

enum Cmd {
    /// A record from [`crate::durable::encode_record`].
    Append(Vec<u8>),
    /// Sync the segment and continue in the next one.
    Rotate,
}

enum Done {
    /// `n` more records are durable, as of `at`.
    Synced(u64, Instant),
    Failed(RuntimeError),
}

pub struct LogThread {
    tx: Option<mpsc::Sender<Cmd>>,
    rx: mpsc::Receiver<Done>,
    handle: Option<JoinHandle<()>>,
    submitted: u64,
    durable: u64,
    /// (records durable up to this sequence number, when), for [`Self::wait`].
    syncs: VecDeque<(u64, Instant)>,
    /// (sequence number, requests) of each record submitted and not yet waited for.
    unreleased: VecDeque<(u64, usize)>,
    /// The requests in `unreleased`.
    unreleased_requests: usize,
    /// The segment records are appended to (once the queued rotations are done).
    segment: u64,
}

fn run(mut log: Log, rx: mpsc::Receiver<Cmd>, tx: mpsc::Sender<Done>) {
    while let Ok(first) = rx.recv() {
        let mut cmds = vec![first];
        cmds.extend(rx.try_iter());
        let mut n = 0;
        let mut step = |c: Cmd, n: &mut u64| -> Result<Option<Done>, RuntimeError> {
            match c {
                Cmd::Append(rec) => {
                    log.write_framed(rec);
                    *n += 1;
                    Ok(None)
                }
                Cmd::Rotate => {
                    // the records before the rotation are synced with the old segment
                    log.rotate()?;
                    let synced = std::mem::take(n);
                    Ok((synced > 0).then(|| Done::Synced(synced, Instant::now())))
                }
            }
        };
        for c in cmds {
            match step(c, &mut n) {
                Ok(None) => {}
                Ok(Some(d)) => {
                    let _ = tx.send(d);
                }
                Err(e) => {
                    let _ = tx.send(Done::Failed(e));
                    return;
                }
            }
        }
        if n > 0 {
            let d = match log.sync() {
                Ok(()) => Done::Synced(n, Instant::now()),
                Err(e) => Done::Failed(e),
            };
            let failed = matches!(d, Done::Failed(_));
            let _ = tx.send(d);
            if failed {
                return;
            }
        }
    }
}

impl LogThread {
    pub fn new(log: Log) -> LogThread {
        let (tx, crx) = mpsc::channel();
        let (dtx, rx) = mpsc::channel();
        let segment = log.segment();
        let handle = std::thread::spawn(move || run(log, crx, dtx));
        LogThread {
            tx: Some(tx),
            rx,
            handle: Some(handle),
            submitted: 0,
            durable: 0,
            syncs: VecDeque::new(),
            unreleased: VecDeque::new(),
            unreleased_requests: 0,
            segment,
        }
    }

    fn send(&mut self, c: Cmd) -> Result<(), RuntimeError> {
        self.tx
            .as_ref()
            .ok_or_else(stopped)?
            .send(c)
            .map_err(|_| stopped())
    }

    /// Queues a record (from [`crate::durable::encode_record`]) of `requests` requests; its
    /// sequence number (for [`Self::wait`]).
    pub fn submit(&mut self, rec: Vec<u8>, requests: usize) -> Result<u64, RuntimeError> {
        self.send(Cmd::Append(rec))?;
        self.submitted += 1;
        self.unreleased.push_back((self.submitted, requests));
        self.unreleased_requests += requests;
        Ok(self.submitted)
    }

    /// Takes in a report of the writer thread.
    fn absorb(&mut self, d: Done) -> Result<(), RuntimeError> {
        match d {
            Done::Synced(n, at) => {
                self.durable += n;
                self.syncs.push_back((self.durable, at));
                Ok(())
            }
            Done::Failed(e) => Err(e),
        }
    }

    /// Whether to release now the oldest unreleased batch, whose record is `seq`: it is
    /// durable already (checked without blocking), or more than [`IN_FLIGHT`] requests wait
    /// (then [`Self::wait`] blocks for it).
    pub fn releasable(&mut self, seq: u64) -> Result<bool, RuntimeError> {
        if self.unreleased_requests > IN_FLIGHT {
            return Ok(true);
        }
        while self.durable < seq {
            match self.rx.try_recv() {
                Ok(d) => self.absorb(d)?,
                Err(mpsc::TryRecvError::Empty) => return Ok(false),
                Err(mpsc::TryRecvError::Disconnected) => return Err(stopped()),
            }
        }
        Ok(true)
    }

    /// Blocks until record `seq` is durable; when its fsync completed. Its batch and the ones
    /// before it count as released from then on.
    pub fn wait(&mut self, seq: u64) -> Result<Instant, RuntimeError> {
        while self.durable < seq {
            let d = self.rx.recv().map_err(|_| stopped())?;
            self.absorb(d)?;
        }
        while let Some(&(_, n)) = self.unreleased.front().filter(|(s, _)| *s <= seq) {
            self.unreleased.pop_front();
            self.unreleased_requests -= n;
        }
        while self.syncs.front().is_some_and(|(upto, _)| *upto < seq) {
            self.syncs.pop_front();
        }
        Ok(self
            .syncs
            .front()
            .map(|(_, at)| *at)
            .unwrap_or_else(Instant::now))
    }

    /// Continues the log in a new segment after the records queued so far (which stay in the
    /// older segments); the new segment's number. Does not wait.
    pub fn rotate(&mut self) -> Result<u64, RuntimeError> {
        self.send(Cmd::Rotate)?;
        self.segment += 1;
        Ok(self.segment)
    }

    pub fn submitted(&self) -> u64 {
        self.submitted
    }
}

impl Drop for LogThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-flight limit counts requests: [`IN_FLIGHT`] one-request records stay within it,
    /// one more record of [`IN_FLIGHT`] requests exceeds it (the oldest must then be waited
    /// for), and waiting releases every record up to the one waited for.
    #[test]
    fn in_flight_limit_counts_requests() {
        let dir = std::env::temp_dir().join(format!("stent-inflight-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (log, _) = Log::open(&dir, 0).unwrap();
        let mut lt = LogThread::new(log);
        let rec = || crate::durable::encode_record(2, 0, std::iter::empty());
        for _ in 0..IN_FLIGHT {
            lt.submit(rec(), 1).unwrap();
        }
        assert_eq!(lt.unreleased_requests, IN_FLIGHT);
        lt.wait(10).unwrap();
        assert_eq!(lt.unreleased_requests, IN_FLIGHT - 10);
        let big = lt.submit(rec(), IN_FLIGHT).unwrap();
        assert!(
            lt.releasable(11).unwrap(),
            "over the limit: the oldest must be waited for"
        );
        lt.wait(big).unwrap();
        assert_eq!((lt.unreleased_requests, lt.unreleased.len()), (0, 0));
        drop(lt);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
