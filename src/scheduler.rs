//! The scheduler: runs each check on its own interval, from a start offset spread
//! deterministically over the interval, bounded by `probing.max_in_flight`, and measures
//! how late each probe starts. Due times are computed from the schedule
//! (start + offset + k x interval), never from when the previous probe ended, so nothing
//! drifts. It wakes on a 5 ms grid and starts every check then due, so probes start in small
//! groups (a wake-up of their own each costs more CPU than a loopback probe).
//!
//! It knows nothing of probes or the store: it calls `launch` for each due check and
//! runs the returned future as an owned task. A reload sends a new entry list: entries
//! whose key and interval are unchanged keep their due time; new ones start at their
//! hash offset within the current interval.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::util::deadline;

/// How long shutdown waits for in-flight probes before abandoning them (README.md, "Running").
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What the scheduler needs to know of one check.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Stable identity (the full check id): it decides the start offset.
    pub key: Arc<str>,
    pub interval: Duration,
}

/// FNV-1a: stable across Rust versions and runs, unlike `DefaultHasher`.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Start offsets: checks sharing an interval are ordered by a hash of their key and
/// spaced evenly over that interval, so 10,000 checks at 60 s start 6 ms apart rather
/// than in a burst; the same config always gives the same offsets.
pub fn offsets(entries: &[Entry]) -> Vec<Duration> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        let (ea, eb) = (&entries[a], &entries[b]);
        (ea.interval, stable_hash(&ea.key), &ea.key).cmp(&(
            eb.interval,
            stable_hash(&eb.key),
            &eb.key,
        ))
    });
    let mut out = vec![Duration::ZERO; entries.len()];
    for group in order.chunk_by(|&a, &b| entries[a].interval == entries[b].interval) {
        let n = group.len() as u32;
        for (rank, &i) in group.iter().enumerate() {
            out[i] = entries[i].interval.saturating_mul(rank as u32) / n;
        }
    }
    out
}

async fn sleep_until_or_forever(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The scheduler wakes on a grid of `TICK` from its start and then launches every
/// check that is due: probes start in small groups, up to `TICK` late, rather than
/// each on its own wake-up, which at 1,000 probes/s costs more than the probe.
const TICK: Duration = Duration::from_millis(5);

/// The first tick at or after `due`.
fn on_tick(start: Instant, due: Instant) -> Instant {
    let since = due.saturating_duration_since(start).as_nanos();
    let tick = TICK.as_nanos();
    start + Duration::from_nanos((since.div_ceil(tick) * tick) as u64)
}

/// The next due time of a check after `due`, skipping slots already missed entirely
/// (an overloaded scheduler catches up by skipping, not by bursting).
fn next_due(due: Instant, interval: Duration, now: Instant) -> Instant {
    let next = deadline(due, interval);
    if next > now {
        return next;
    }
    let skip = (now - next).as_nanos() / interval.as_nanos().max(1) + 1;
    deadline(
        next,
        interval.saturating_mul(skip.try_into().unwrap_or(u32::MAX)),
    )
}

/// Where a new entry of a reload starts: its hash offset within the interval, counted
/// from `now` (no burst of all new checks at once).
fn first_due_after_reload(entry: &Entry, now: Instant) -> Instant {
    let nanos = entry.interval.as_nanos().max(1);
    deadline(
        now,
        Duration::from_nanos((u128::from(stable_hash(&entry.key)) % nanos) as u64),
    )
}

/// Rebuilds the heap for a new entry list, keeping the due time of every entry whose
/// key and interval did not change.
fn replan(
    heap: &BinaryHeap<Reverse<(Instant, usize)>>,
    old: &[Entry],
    new: &[Entry],
    now: Instant,
) -> BinaryHeap<Reverse<(Instant, usize)>> {
    let kept: std::collections::HashMap<(&str, Duration), Instant> = heap
        .iter()
        .map(|Reverse((due, i))| ((&*old[*i].key, old[*i].interval), *due))
        .collect();
    new.iter()
        .enumerate()
        .map(|(i, e)| {
            let due = kept
                .get(&(&*e.key, e.interval))
                .copied()
                .unwrap_or_else(|| first_due_after_reload(e, now));
            Reverse((due, i))
        })
        .collect()
}

/// Runs until `shutdown` is cancelled, then waits up to [`SHUTDOWN_GRACE`] for the
/// tasks it started and aborts the rest. `launch(entry, due)` returns the work for a
/// due entry, or `None` to skip this round. Each list received on `updates` replaces
/// the entries (see [`replan`]).
pub async fn run<L, F>(
    mut entries: Vec<Entry>,
    start: Instant,
    max_in_flight: usize,
    lag: Histogram,
    mut updates: mpsc::Receiver<Vec<Entry>>,
    shutdown: CancellationToken,
    mut launch: L,
) where
    L: FnMut(&Entry, Instant) -> Option<F>,
    F: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let mut heap: BinaryHeap<Reverse<(Instant, usize)>> = offsets(&entries)
        .into_iter()
        .enumerate()
        .map(|(i, off)| Reverse((start + off, i)))
        .collect();
    let mut tasks = JoinSet::new();
    let mut updates_open = true;
    loop {
        let next = heap.peek().map(|Reverse((due, _))| on_tick(start, *due));
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            update = updates.recv(), if updates_open => {
                match update {
                    Some(new) => {
                        heap = replan(&heap, &entries, &new, Instant::now());
                        entries = new;
                    }
                    None => updates_open = false,
                }
                continue;
            }
            _ = sleep_until_or_forever(next) => {}
        }
        // Finished probes are reaped here rather than awaited in the select above, so
        // that a probe ending does not wake the scheduler (a wake-up per probe).
        while tasks.try_join_next().is_some() {}
        let Some(&Reverse((due, idx))) = heap.peek() else {
            continue;
        };
        let permit = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            p = permits.clone().acquire_owned() => p.expect("semaphore is never closed"),
        };
        let now = Instant::now();
        lag.observe(now.saturating_duration_since(due).as_secs_f64());
        heap.pop();
        heap.push(Reverse((next_due(due, entries[idx].interval, now), idx)));
        if let Some(work) = launch(&entries[idx], due) {
            tasks.spawn(async move {
                work.await;
                drop(permit);
            });
        }
    }
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            abandoned = tasks.len(),
            "probes still running after the shutdown grace; abandoning them"
        );
        tasks.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn entries(n: usize, interval: Duration) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry {
                key: format!("agency-{}/system/check-{i}", i % 51).into(),
                interval,
            })
            .collect()
    }

    #[test]
    fn offsets_are_deterministic_and_within_interval() {
        let e = entries(500, Duration::from_secs(30));
        let a = offsets(&e);
        assert_eq!(a, offsets(&e));
        assert!(a.iter().all(|o| *o < Duration::from_secs(30)));
        let mut sorted = a.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 500, "no two checks share a start");
    }

    #[test]
    fn wake_ups_are_on_the_tick_grid() {
        let t0 = Instant::now();
        assert_eq!(on_tick(t0, t0), t0);
        assert_eq!(on_tick(t0, t0 + Duration::from_nanos(1)), t0 + TICK);
        assert_eq!(on_tick(t0, t0 + TICK), t0 + TICK);
        assert_eq!(
            on_tick(t0, t0 + Duration::from_millis(12)),
            t0 + Duration::from_millis(15)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn checks_start_in_groups_at_most_a_tick_late() {
        // 1,000 checks every second are due 1 ms apart: they start in groups of five.
        let e = entries(1000, Duration::from_secs(1));
        let off = offsets(&e);
        let (start, seen) = starts(e, Duration::from_millis(1004)).await;
        let mut first = vec![None; 1000];
        for (i, t) in seen {
            first[i].get_or_insert(t);
        }
        let first: Vec<Instant> = first.into_iter().map(|t| t.expect("started")).collect();
        for (i, t) in first.iter().enumerate() {
            let late = *t - (start + off[i]);
            assert!(late < TICK, "check {i} started {late:?} late");
        }
        let mut times = first.clone();
        times.sort();
        times.dedup();
        assert_eq!(times.len(), 201, "one wake-up per 5 ms tick from 0 to 1 s");
    }

    #[test]
    fn next_due_skips_missed_slots() {
        let t0 = Instant::now();
        let i = Duration::from_secs(10);
        assert_eq!(next_due(t0, i, t0 + Duration::from_secs(1)), t0 + i);
        assert_eq!(
            next_due(t0, i, t0 + Duration::from_secs(25)),
            t0 + Duration::from_secs(30)
        );
        assert_eq!(
            next_due(t0, i, t0 + Duration::from_secs(10)),
            t0 + Duration::from_secs(20)
        );
        // At the longest interval (1d), and past any a config holds: no overflow.
        let day = Duration::from_secs(86_400);
        assert_eq!(next_due(t0, day, t0 + 3 * day), t0 + 4 * day);
        let far = next_due(t0, Duration::MAX, t0);
        assert!(far > t0 + 99 * 365 * day && next_due(far, Duration::MAX, far) > far);
    }

    /// Runs the scheduler under paused time for `span` and returns every start.
    async fn starts(e: Vec<Entry>, span: Duration) -> (Instant, Vec<(usize, Instant)>) {
        let start = Instant::now();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let log = seen.clone();
        let index: std::collections::HashMap<Arc<str>, usize> = e
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect();
        let (_tx, updates) = mpsc::channel(1);
        let sched = run(
            e,
            start,
            1024,
            Histogram::new([0.1]),
            updates,
            shutdown,
            move |entry, _due| {
                log.lock()
                    .unwrap()
                    .push((index[&entry.key], Instant::now()));
                Some(async {})
            },
        );
        tokio::join!(sched, async move {
            tokio::time::sleep(span).await;
            stop.cancel();
        });
        let v = std::mem::take(&mut *seen.lock().unwrap());
        (start, v)
    }

    #[tokio::test(start_paused = true)]
    async fn thousand_checks_spread_without_bursts() {
        let interval = Duration::from_secs(10);
        let (start, seen) = starts(
            entries(1000, interval),
            interval * 3 - Duration::from_millis(1),
        )
        .await;
        assert_eq!(seen.len(), 3000);
        let mut slots = vec![0u32; 100];
        for (_, t) in &seen {
            let ms = (*t - start).as_millis() % 10_000;
            slots[(ms / 100) as usize] += 1;
        }
        let mean = 3000.0 / 100.0;
        let max = *slots.iter().max().unwrap();
        assert!(
            f64::from(max) <= 2.0 * mean,
            "busiest 100 ms slot has {max}, mean {mean}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_drift_after_a_simulated_day() {
        let interval = Duration::from_secs(10);
        let e = entries(100, interval);
        let off = offsets(&e);
        let day = Duration::from_secs(86_400) - Duration::from_millis(1);
        let (start, seen) = starts(e, day).await;
        assert_eq!(seen.len(), 100 * 8640);
        // Every start is exactly on its schedule: start + offset + k x interval.
        let mut runs = vec![0u32; 100];
        for (i, t) in seen {
            let expected = start + off[i] + interval * runs[i];
            assert_eq!(t, expected, "check {i} run {} drifted", runs[i]);
            runs[i] += 1;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn max_in_flight_bounds_concurrency() {
        let e = entries(50, Duration::from_secs(1));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let (r, p) = (running.clone(), peak.clone());
        let (_tx, updates) = mpsc::channel(1);
        let sched = run(
            e,
            Instant::now(),
            5,
            Histogram::new([0.1]),
            updates,
            shutdown,
            move |_, _| {
                let (r, p) = (r.clone(), p.clone());
                Some(async move {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = r.fetch_add(1, SeqCst) + 1;
                    p.fetch_max(now, SeqCst);
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    r.fetch_sub(1, SeqCst);
                })
            },
        );
        tokio::join!(sched, async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            stop.cancel();
        });
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 5);
        assert_eq!(
            running.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "shutdown waited for running work"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn reload_keeps_unchanged_schedules_and_starts_new_entries() {
        let interval = Duration::from_secs(10);
        let old = entries(20, interval);
        let start = Instant::now();
        let seen = Arc::new(Mutex::new(Vec::<(Arc<str>, Instant)>::new()));
        let (tx, updates) = mpsc::channel(1);
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let log = seen.clone();
        let sched = run(
            old.clone(),
            start,
            64,
            Histogram::new([0.1]),
            updates,
            shutdown,
            move |e, _| {
                log.lock().unwrap().push((e.key.clone(), Instant::now()));
                Some(async {})
            },
        );
        // After 15 s: drop entry 0, change entry 1's interval, add a new entry.
        let mut new: Vec<Entry> = old[2..].to_vec();
        new.push(Entry {
            key: old[1].key.clone(),
            interval: Duration::from_secs(5),
        });
        new.push(Entry {
            key: "new/system/check".into(),
            interval,
        });
        let off = offsets(&old);
        tokio::join!(sched, async move {
            tokio::time::sleep(Duration::from_secs(15)).await;
            tx.send(new).await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
            stop.cancel();
        });
        let seen = seen.lock().unwrap();
        let times = |key: &str| -> Vec<Instant> {
            seen.iter()
                .filter(|(k, _)| &**k == key)
                .map(|(_, t)| *t)
                .collect()
        };
        // Unchanged entry 5 kept its grid: start + offset + k x 10 s, through the reload.
        let t5 = times(&old[5].key);
        assert_eq!(t5.len(), 5, "{t5:?}");
        for (k, t) in t5.iter().enumerate() {
            assert_eq!(*t, start + off[5] + interval * k as u32);
        }
        // Removed entry 0 stopped after the reload.
        assert!(times(&old[0].key)
            .iter()
            .all(|t| *t < start + Duration::from_secs(15)));
        // The new entry started within one interval of the reload and then every 10 s.
        let tn = times("new/system/check");
        assert!(
            tn[0] >= start + Duration::from_secs(15) && tn[0] < start + Duration::from_secs(25)
        );
        assert!(tn.windows(2).all(|w| w[1] - w[0] == interval));
        // The changed entry now runs every 5 s.
        let t1: Vec<Instant> = times(&old[1].key)
            .into_iter()
            .filter(|t| *t > start + Duration::from_secs(25))
            .collect();
        assert!(
            t1.windows(2).all(|w| w[1] - w[0] == Duration::from_secs(5)),
            "{t1:?}"
        );
    }
}
