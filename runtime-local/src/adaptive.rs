//! The choice, batch by batch, of the executor that runs a batch when there are several
//! workers. Every executor gives the serial outcome, so only speed depends on the choice,
//! and which is fastest depends on the machine's load and the workload's conflicts: on an
//! oversubscribed machine no multi-threaded executor repays its hand-offs, and more workers
//! must then cost no more than one.

use std::time::Duration;

/// The executors a batch can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executor {
    /// One thread: parse, execute and render each line in turn.
    Serial,
    /// Parsing on a helper thread ahead of serial execution (`pipelined.rs`).
    Pipelined,
    /// The deterministic speculative protocol on all workers (`parallel.rs`).
    Speculative,
}

impl Executor {
    pub const ALL: [Executor; 3] = [Executor::Serial, Executor::Pipelined, Executor::Speculative];

    /// The `STENT_EXECUTOR` value naming this executor.
    pub fn name(self) -> &'static str {
        match self {
            Executor::Serial => "serial",
            Executor::Pipelined => "pipelined",
            Executor::Speculative => "speculative",
        }
    }

    /// A short name for tables.
    pub fn abbrev(self) -> &'static str {
        match self {
            Executor::Serial => "ser",
            Executor::Pipelined => "pipe",
            Executor::Speculative => "spec",
        }
    }

    fn parse(s: &str) -> Option<Executor> {
        match s {
            "parallel" => Some(Executor::Speculative), // its name before the pipelined one
            _ => Executor::ALL.into_iter().find(|e| e.name() == s),
        }
    }
}

/// Picks the executor measured fastest (a moving average of ns per request each), and now
/// and then probes another one, since load changes.
///
/// `STENT_EXECUTOR=serial`, `=pipelined` or `=speculative` pins the choice (benchmarks of one
/// executor, and tests that must exercise one whatever the timing).
///
/// Probing a slower executor costs its slowness: the interval between probes doubles (up to
/// [`PROBE_MAX`] batches) each time a probe confirms the choice, and falls back to
/// [`PROBE_EVERY`] when one overturns it. Probes take the other executors in turn. A probe
/// runs [`PROBE_LEN`] batches in a row and is judged on the mean of all but the first: judged
/// on one batch, a single slow one (batch times on a shared machine vary by 1.5x) kept the
/// faster executor out for hundreds of batches. A probe ends early on a batch twice as slow
/// as the choice.
#[derive(Debug)]
pub struct Adaptive {
    /// Moving average of ns per request, by `Executor as usize` (0: not measured yet).
    ns: [f64; 3],
    /// Whether each executor has run its first batch: a warm-up (cold caches, the worker pool
    /// starting), not measured, lest one slow start keep an executor out for up to
    /// [`PROBE_MAX`] batches.
    warm: [bool; 3],
    batches: u64,
    pub(crate) pinned: Option<Executor>,
    /// Batches between probes, and the batch of the next one.
    pub(crate) interval: u64,
    next_probe: u64,
    /// The probe under way: its executor, batches still to run, and the sum and count of the
    /// ns per request measured so far.
    probing: Option<Probe>,
    /// Round-robin position among the executors to probe.
    turn: usize,
    /// The worker count of the last choice (which executors are candidates).
    workers: usize,
}

#[derive(Debug, Clone, Copy)]
struct Probe {
    e: Executor,
    left: u32,
    sum: f64,
    n: u32,
}

/// Batches per probe (the first one of them is not measured: caches and threads warm up).
pub const PROBE_LEN: u32 = 4;

/// The shortest and the longest interval, in batches, between two probes.
pub const PROBE_EVERY: u64 = 16;
pub const PROBE_MAX: u64 = 512;

impl Default for Adaptive {
    fn default() -> Self {
        let pinned = match std::env::var("STENT_EXECUTOR") {
            Ok(v) => Executor::parse(&v).or_else(|| {
                eprintln!(
                    "warning: STENT_EXECUTOR={v:?} is none of \"serial\", \"pipelined\", \
                     \"speculative\"; choosing per batch"
                );
                None
            }),
            Err(_) => None,
        };
        Adaptive {
            ns: [0.0; 3],
            warm: [false; 3],
            batches: 0,
            pinned,
            interval: PROBE_EVERY,
            next_probe: PROBE_EVERY,
            probing: None,
            turn: 0,
            workers: SPECULATIVE_MIN_WORKERS,
        }
    }
}

/// How much faster than the others the serial executor must measure to be chosen. The
/// pipelined executor degrades to the serial one by construction (the executor parses any
/// chunk the helper has not claimed), so when it measures slower that is mostly noise, while
/// its gain on 2 free cores is structural (~20% here). Without the margin, noisy probes had the
/// serial executor run up to 63-77% of a 2-worker run's batches; one such run made 679k txn/s
/// against 788k with pipelined pinned, in the next run.
pub const SERIAL_MARGIN: f64 = 0.10;

/// Workers from which the speculative executor is a candidate. Its validation and commit run
/// on the calling thread, which also speculates its share of the batch: with 2 workers that
/// thread executed as many instructions as the serial executor does for the whole batch
/// (callgrind, YCSB+T: 824M against 842M per 100k requests), so it cannot be faster, and each
/// probe is a batch 3-4x slower: a latency spike of milliseconds in an open loop.
pub const SPECULATIVE_MIN_WORKERS: usize = 3;

impl Adaptive {
    /// The executors to choose among with `workers` workers.
    fn candidates(workers: usize) -> impl DoubleEndedIterator<Item = Executor> + Clone {
        Executor::ALL
            .into_iter()
            .filter(move |e| *e != Executor::Speculative || workers >= SPECULATIVE_MIN_WORKERS)
    }

    fn best(&self) -> Executor {
        let cost = |e: Executor| {
            let ns = self.ns[e as usize];
            if e == Executor::Serial {
                ns * (1.0 + SERIAL_MARGIN)
            } else {
                ns
            }
        };
        Self::candidates(self.workers)
            .min_by(|a, b| cost(*a).total_cmp(&cost(*b)))
            .unwrap_or(Executor::Serial)
    }

    /// The executor for the next batch (the caller runs a pinned executor without asking:
    /// `parallel::execute_batch`).
    pub fn choose(&mut self, workers: usize) -> Executor {
        debug_assert!(self.pinned.is_none(), "a pinned executor is not chosen");
        self.workers = workers;
        self.batches += 1;
        if let Some(p) = self.probing {
            return p.e;
        }
        // each is measured first (after its warm-up batch), the multi-threaded ones before
        // serial
        if let Some(e) = Self::candidates(workers)
            .rev()
            .find(|e| self.ns[*e as usize] == 0.0)
        {
            return e;
        }
        let best = self.best();
        if self.batches < self.next_probe {
            return best;
        }
        self.next_probe = self.batches + self.interval;
        let mut others = Self::candidates(workers).filter(|e| *e != best);
        self.turn = (self.turn + 1) % others.clone().count().max(1);
        let probe = others.nth(self.turn).unwrap_or(best);
        self.probing = Some(Probe {
            e: probe,
            left: PROBE_LEN,
            sum: 0.0,
            n: 0,
        });
        probe
    }

    /// How long `e` took for a batch of `n` requests.
    pub fn record(&mut self, e: Executor, took: Duration, n: usize) {
        if !std::mem::replace(&mut self.warm[e as usize], true) {
            return;
        }
        let x = took.as_nanos() as f64 / n.max(1) as f64;
        let best_ns = self.ns[self.best() as usize];
        // a probe's mean once its last batch is in; until then nothing to update
        let probe_mean = match self.probing.as_mut().filter(|p| p.e == e) {
            None => None,
            Some(p) => {
                p.left -= 1;
                if p.left < PROBE_LEN - 1 {
                    p.sum += x;
                    p.n += 1;
                    // twice as slow as the choice is beyond noise: the rest of the probe
                    // would only cost (speculative runs at ~1/3 of pipelined on 2 cores)
                    if x > 2.0 * best_ns {
                        p.left = 0;
                    }
                }
                if p.left > 0 {
                    return;
                }
                Some(p.sum / p.n.max(1) as f64)
            }
        };
        let probe = probe_mean.is_some();
        if probe {
            self.probing = None;
        }
        let x = probe_mean.unwrap_or(x);
        let est = &mut self.ns[e as usize];
        // a probe replaces its executor's estimate: the old one is up to PROBE_MAX batches
        // stale, and averaging it in would take several probes to notice a change
        *est = if *est == 0.0 || probe {
            x.max(f64::MIN_POSITIVE)
        } else {
            0.7 * *est + 0.3 * x
        };
        if probe {
            self.interval = if self.best() != e {
                (self.interval * 2).min(PROBE_MAX)
            } else {
                PROBE_EVERY
            };
            self.next_probe = self.batches + self.interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `batches` batches whose cost per request is `cost(executor)`; how many each
    /// executor ran, by `Executor as usize`.
    fn run(a: &mut Adaptive, cost: impl Fn(Executor) -> u64, batches: usize) -> [usize; 3] {
        let mut n = [0; 3];
        for _ in 0..batches {
            let e = a.choose(SPECULATIVE_MIN_WORKERS);
            a.record(e, Duration::from_nanos(cost(e) * 1000), 1000);
            n[e as usize] += 1;
        }
        n
    }

    /// Costs in ns per request, serial the fastest.
    fn serial_fastest(e: Executor) -> u64 {
        match e {
            Executor::Serial => 1000,
            Executor::Pipelined => 1500,
            Executor::Speculative => 2000,
        }
    }

    #[test]
    fn probes_of_slower_executors_back_off_and_a_change_is_followed() {
        let mut a = Adaptive {
            pinned: None,
            ..Adaptive::default()
        };
        // serial fastest: after a warm-up and a measured batch each, the others are only
        // probed, ever rarer (intervals 16, 32, ..., 512: about 11 probes of PROBE_LEN
        // batches in 4000 batches)
        let n = run(&mut a, serial_fastest, 4000);
        assert!(n[1] + n[2] <= 4 + 12 * PROBE_LEN as usize, "{n:?} of 4000");
        assert!(n[1] >= 2 && n[2] >= 2, "both were probed: {n:?}");
        assert_eq!(a.interval, PROBE_MAX);
        // the machine frees up and pipelined becomes twice as fast: followed within two probe
        // intervals (the probes alternate) and a few batches of the moving average
        let fast = |e| match e {
            Executor::Serial => 1000,
            Executor::Pipelined => 500,
            Executor::Speculative => 2000,
        };
        let n = run(&mut a, fast, 4 * PROBE_MAX as usize);
        assert!(n[1] >= 2 * PROBE_MAX as usize, "{n:?}");
        assert_eq!(a.interval, PROBE_MAX, "confirmed again since");
    }

    /// A probe ends at its first measured batch when that one is over twice as slow as the
    /// choice: probing the speculative executor on 2 cores (~1/3 the speed) costs 2 batches.
    #[test]
    fn a_probe_of_a_much_slower_executor_ends_early() {
        let mut a = Adaptive {
            pinned: None,
            ..Adaptive::default()
        };
        let cost = |e| match e {
            Executor::Serial => 1000,
            Executor::Pipelined => 1500,
            Executor::Speculative => 3000,
        };
        let n = run(&mut a, cost, 4000);
        // two batches to start, then about 6 probes of 2 batches (pipelined: of PROBE_LEN)
        assert!(n[2] <= 2 + 2 * 8, "{n:?}");
        assert!(n[1] >= 2 + 4 * PROBE_LEN as usize, "{n:?}");
    }

    /// Batch times are noisy: a probe whose first measured batch is slow still switches to
    /// the executor that is faster on the rest of it.
    #[test]
    fn one_slow_batch_does_not_decide_a_probe() {
        let mut a = Adaptive {
            pinned: None,
            ..Adaptive::default()
        };
        run(&mut a, serial_fastest, 200);
        // pipelined is now twice as fast as serial, except in the first batch of every run
        // of pipelined batches (judged on that batch alone, a probe would keep serial)
        let (mut prev, mut streak, mut n) = (None, 0, [0; 3]);
        for _ in 0..2000 {
            let e = a.choose(SPECULATIVE_MIN_WORKERS);
            streak = if prev == Some(e) { streak + 1 } else { 0 };
            prev = Some(e);
            let cost = match e {
                Executor::Serial => 1000,
                Executor::Pipelined if streak == 0 => 1800,
                Executor::Pipelined => 500,
                Executor::Speculative => 2000,
            };
            a.record(e, Duration::from_nanos(cost * 1000), 1000);
            n[e as usize] += 1;
        }
        assert!(n[1] > 1500, "pipelined chosen after its first probe: {n:?}");
    }

    /// With 2 workers the speculative executor is neither measured nor probed, even when it
    /// would measure fastest.
    #[test]
    fn two_workers_never_run_the_speculative_executor() {
        let mut a = Adaptive {
            pinned: None,
            ..Adaptive::default()
        };
        let mut n = [0; 3];
        for _ in 0..4000 {
            let e = a.choose(2);
            let cost = match e {
                Executor::Serial => 1000,
                Executor::Pipelined => 800,
                Executor::Speculative => 100,
            };
            a.record(e, Duration::from_nanos(cost * 1000), 1000);
            n[e as usize] += 1;
        }
        assert_eq!(n[2], 0, "{n:?}");
        assert!(n[1] > 3900, "{n:?}");
        // with a third worker it is measured, and chosen
        let n = run(
            &mut a,
            |e| {
                if e == Executor::Speculative {
                    100
                } else {
                    1000
                }
            },
            200,
        );
        assert!(n[2] > 150, "{n:?}");
    }

    /// Serial is chosen over a multi-threaded executor only when it measures more than
    /// [`SERIAL_MARGIN`] faster.
    #[test]
    fn serial_must_win_by_the_margin() {
        let costs = |serial: u64| {
            move |e| match e {
                Executor::Serial => serial,
                Executor::Pipelined => 1000,
                Executor::Speculative => 3000,
            }
        };
        let mut a = Adaptive {
            pinned: None,
            ..Adaptive::default()
        };
        let n = run(&mut a, costs(950), 2000);
        assert!(n[1] > 1800, "5% faster is within the margin: {n:?}");
        let mut a = Adaptive {
            pinned: None,
            ..Adaptive::default()
        };
        let n = run(&mut a, costs(850), 2000);
        assert!(n[0] > 1800, "15% faster is beyond it: {n:?}");
    }

    #[test]
    fn names_round_trip_and_the_old_name_still_pins() {
        for e in Executor::ALL {
            assert_eq!(Executor::parse(e.name()), Some(e));
        }
        assert_eq!(Executor::parse("parallel"), Some(Executor::Speculative));
        assert_eq!(Executor::parse("fast"), None);
    }
}
