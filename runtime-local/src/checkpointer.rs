//! Background checkpoints (see the on-disk protocol in `durable.rs`).
//!
//! The executor hands over a [`StoreSnapshot`] taken right after batch k and rotates the log
//! (so batch k+1 on goes to a new segment); a thread encodes the snapshot meanwhile. It may
//! write the checkpoint only once batch k's record is durable and, in `stent run`, batch k's
//! results are in the results file — otherwise the checkpoint would persist state (or claim a
//! results length) ahead of the log. The executor learns both when it releases batch k, and
//! then calls [`Checkpointer::durable`]; it never waits for the checkpoint itself, except at the
//! end of a run ([`Checkpointer::finish`]). One checkpoint is in flight at a time: a cadence
//! point reached while one is running is postponed ([`Checkpointer::busy`]).
//!
//! Test hooks (environment, read once): `STENT_TEST_CHECKPOINT_DELAY_MS` delays each
//! checkpoint's write, so that kills land while one is in flight; `STENT_FAILPOINT=NAME[@N]`
//! exits the process (status 99) at the Nth pass (default 1st) of the named point:
//! `checkpoint-before-write` (snapshot taken, log rotated, nothing written),
//! `checkpoint-tmp-written` (temp file synced, not renamed), `checkpoint-renamed` (checkpoint
//! durable, covered segments not yet deleted).

use std::fs::File;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::RuntimeError;
use crate::durable::{self, CheckpointMeta};
use crate::snapshot::StoreSnapshot;

struct Job {
    /// The log sequence number of batch k (see `logthread.rs`).
    seq: u64,
    /// Dropped (sent) once batch k is durable and released.
    go: Option<mpsc::Sender<()>>,
    handle: JoinHandle<Result<Timing, RuntimeError>>,
}

/// How long a background checkpoint took (for the bench's notes).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Encoding the snapshot.
    pub encode: Duration,
    /// From the start to the covered segments' deletion (including the wait for its batch to
    /// be durable).
    pub total: Duration,
}

#[derive(Default)]
pub struct Checkpointer {
    job: Option<Job>,
    /// The finished checkpoints' timings.
    pub timings: Vec<Timing>,
}

impl Checkpointer {
    /// Starts a checkpoint of `snapshot`; `meta.first_segment` is the segment the log was
    /// rotated to, `seq` the last record before the rotation; `results` (a handle on the
    /// results file, `stent run` only) is fsynced before the checkpoint is written.
    pub fn start(
        &mut self,
        dir: PathBuf,
        meta: CheckpointMeta,
        snapshot: StoreSnapshot,
        results: Option<File>,
        seq: u64,
    ) {
        debug_assert!(self.job.is_none());
        let (tx, rx) = mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            let t0 = Instant::now();
            let state = snapshot.encode();
            drop(snapshot); // lets the executor update its states in place again
            let encode = t0.elapsed();
            if rx.recv().is_err() {
                // abandoned (the run failed before batch k was released)
                return Ok(Timing {
                    encode,
                    total: t0.elapsed(),
                });
            }
            if let Some(ms) = hooks().0 {
                std::thread::sleep(Duration::from_millis(ms));
            }
            if let Some(f) = &results {
                let e = |e| RuntimeError::Io(format!("results file: {e}"));
                f.sync_data().map_err(e)?;
            }
            failpoint("checkpoint-before-write");
            durable::write_checkpoint_then(&dir, &meta, &state, || {
                failpoint("checkpoint-tmp-written")
            })?;
            failpoint("checkpoint-renamed");
            durable::release_segments_before(&dir, meta.first_segment)?;
            Ok(Timing {
                encode,
                total: t0.elapsed(),
            })
        });
        self.job = Some(Job {
            seq,
            go: Some(tx),
            handle,
        });
    }

    /// Records up to `seq` are durable and their results written: the checkpoint waiting for
    /// them may be written. Cheap when there is none.
    pub fn durable(&mut self, seq: u64) {
        if let Some(go) = self
            .job
            .as_mut()
            .filter(|j| j.seq <= seq)
            .and_then(|j| j.go.take())
        {
            let _ = go.send(());
        }
    }

    /// Whether a checkpoint is still waiting for record `seq` or an earlier one.
    pub fn waits_for(&self, seq: u64) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| j.go.is_some() && j.seq <= seq)
    }

    /// Whether a checkpoint is in flight; a finished one is joined (its error returned).
    pub fn busy(&mut self) -> Result<bool, RuntimeError> {
        if self.job.as_ref().is_some_and(|j| j.handle.is_finished()) {
            self.finish()?;
        }
        Ok(self.job.is_some())
    }

    /// Waits for the checkpoint in flight (its batch must have been passed to
    /// [`Self::durable`]).
    pub fn finish(&mut self) -> Result<(), RuntimeError> {
        let Some(j) = self.job.take() else {
            return Ok(());
        };
        debug_assert!(
            j.go.is_none(),
            "finish before the checkpoint's batch was durable"
        );
        drop(j.go);
        let t = j
            .handle
            .join()
            .map_err(|_| RuntimeError::Io("checkpoint thread panicked".into()))??;
        self.timings.push(t);
        Ok(())
    }
}

/// (checkpoint delay in ms, failpoint name and pass) from the environment.
type Hooks = (Option<u64>, Option<(String, usize)>);

fn hooks() -> &'static Hooks {
    static H: OnceLock<Hooks> = OnceLock::new();
    H.get_or_init(|| {
        let delay = std::env::var("STENT_TEST_CHECKPOINT_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok());
        let fp = std::env::var("STENT_FAILPOINT")
            .ok()
            .map(|v| match v.split_once('@') {
                Some((n, k)) => (n.to_string(), k.parse().unwrap_or(1)),
                None => (v, 1),
            });
        (delay, fp)
    })
}

fn failpoint(name: &str) {
    static PASSES: AtomicUsize = AtomicUsize::new(0);
    let Some((n, k)) = &hooks().1 else { return };
    if n == name && PASSES.fetch_add(1, Ordering::SeqCst) + 1 == *k {
        eprintln!("failpoint {name}: exiting");
        std::process::exit(99);
    }
}
