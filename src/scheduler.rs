//! The scheduler: runs each check on its own interval, from a start offset spread
//! deterministically over the interval, bounded by `probing.max_in_flight`, and measures
//! how late each probe starts. Due times are computed from the schedule (start + offset
//! + k x interval), never from when the previous probe ended, so nothing drifts.
//!
//! It knows nothing of probes or the store: it calls `launch` for each due check and
//! runs the returned future as an owned task.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long shutdown waits for in-flight probes before abandoning them (SPEC 2).
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
        (ea.interval, stable_hash(&ea.key), &ea.key).cmp(&(eb.interval, stable_hash(&eb.key), &eb.key))
    });
    let mut out = vec![Duration::ZERO; entries.len()];
    for group in order.chunk_by(|&a, &b| entries[a].interval == entries[b].interval) {
        let n = group.len() as u32;
        for (rank, &i) in group.iter().enumerate() {
            out[i] = entries[i].interval * rank as u32 / n;
        }
    }
    out
}

/// The next due time of a check after `due`, skipping slots already missed entirely
/// (an overloaded scheduler catches up by skipping, not by bursting).
fn next_due(due: Instant, interval: Duration, now: Instant) -> Instant {
    let next = due + interval;
    if next > now {
        return next;
    }
    let behind = now - next;
    let skip = behind.as_nanos() / interval.as_nanos() + 1;
    next + interval * skip as u32
}

/// Runs until `shutdown` is cancelled, then waits up to [`SHUTDOWN_GRACE`] for the
/// tasks it started and aborts the rest. `launch(index, due)` returns the work for
/// entry `index`, or `None` to skip this round.
pub async fn run<L, F>(
    entries: Vec<Entry>,
    start: Instant,
    max_in_flight: usize,
    lag: Histogram,
    shutdown: CancellationToken,
    mut launch: L,
) where
    L: FnMut(usize, Instant) -> Option<F>,
    F: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let mut heap: BinaryHeap<Reverse<(Instant, usize)>> = offsets(&entries)
        .into_iter()
        .enumerate()
        .map(|(i, off)| Reverse((start + off, i)))
        .collect();
    let mut tasks = JoinSet::new();
    while let Some(&Reverse((due, idx))) = heap.peek() {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            _ = tokio::time::sleep_until(due) => {}
        }
        let permit = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            p = permits.clone().acquire_owned() => p.expect("semaphore is never closed"),
        };
        let now = Instant::now();
        lag.observe(now.saturating_duration_since(due).as_secs_f64());
        heap.pop();
        heap.push(Reverse((next_due(due, entries[idx].interval, now), idx)));
        if let Some(work) = launch(idx, due) {
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
        tracing::warn!(abandoned = tasks.len(), "probes still running after the shutdown grace; abandoning them");
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
    fn next_due_skips_missed_slots() {
        let t0 = Instant::now();
        let i = Duration::from_secs(10);
        assert_eq!(next_due(t0, i, t0 + Duration::from_secs(1)), t0 + i);
        assert_eq!(next_due(t0, i, t0 + Duration::from_secs(25)), t0 + Duration::from_secs(30));
        assert_eq!(next_due(t0, i, t0 + Duration::from_secs(10)), t0 + Duration::from_secs(20));
    }

    /// Runs the scheduler under paused time for `span` and returns every start.
    async fn starts(e: Vec<Entry>, span: Duration) -> (Instant, Vec<(usize, Instant)>) {
        let start = Instant::now();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let log = seen.clone();
        let sched = run(e, start, 1024, Histogram::new([0.1]), shutdown, move |i, _due| {
            log.lock().unwrap().push((i, Instant::now()));
            Some(async {})
        });
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
        let (start, seen) = starts(entries(1000, interval), interval * 3 - Duration::from_millis(1)).await;
        assert_eq!(seen.len(), 3000);
        let mut slots = vec![0u32; 100];
        for (_, t) in &seen {
            let ms = (*t - start).as_millis() % 10_000;
            slots[(ms / 100) as usize] += 1;
        }
        let mean = 3000.0 / 100.0;
        let max = *slots.iter().max().unwrap();
        assert!(f64::from(max) <= 2.0 * mean, "busiest 100 ms slot has {max}, mean {mean}");
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
        let sched = run(e, Instant::now(), 5, Histogram::new([0.1]), shutdown, move |_, _| {
            let (r, p) = (r.clone(), p.clone());
            Some(async move {
                use std::sync::atomic::Ordering::SeqCst;
                let now = r.fetch_add(1, SeqCst) + 1;
                p.fetch_max(now, SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                r.fetch_sub(1, SeqCst);
            })
        });
        tokio::join!(sched, async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            stop.cancel();
        });
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 5);
        assert_eq!(running.load(std::sync::atomic::Ordering::SeqCst), 0, "shutdown waited for running work");
    }
}
