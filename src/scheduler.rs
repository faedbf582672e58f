//! The scheduler: runs each check on its own interval, from a start offset spread
//! deterministically over the interval, bounded by `probing.max_in_flight`, and measures
//! how late each probe starts. Due times are computed from the schedule
//! (start + offset + k x interval), never from when the previous probe ended, so nothing
//! drifts. Start offsets are on a 20 ms grid, so with whole-second intervals every due
//! time is; the scheduler wakes once per grid point with checks due and starts them all,
//! so probes start in groups (a wake-up of their own each costs more CPU than a loopback
//! probe, docs/BENCHMARKS.md "Probes start on a 20 ms grid").
//!
//! It knows nothing of probes or the store: it calls `launch` for each due check and
//! hands the returned future to [`lane`] (a grid point's probes on one long-lived task,
//! or past 64 of them a task each). A reload sends a new entry list: entries
//! whose key and interval are unchanged keep their due time; new ones start at their
//! hash offset within the current interval.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::util::deadline;
use lane::Lane;

mod lane;

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
/// spaced evenly over that interval, each rounded down to the `TICK` grid, so 10,000
/// checks at 60 s start in groups of three or four every 20 ms rather than in a burst;
/// the same config always gives the same offsets.
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
            out[i] = grid_floor(entries[i].interval.saturating_mul(rank as u32) / n);
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

/// The grid of start offsets and wake-ups, from the scheduler's start: the scheduler
/// wakes at a grid point and launches every check then due, so probes start in groups
/// rather than each on its own wake-up, which at 1,000 probes/s costs more than the
/// probe. A due time off the grid (an interval that is not a multiple of it) waits for
/// the next point: up to `TICK` late.
const TICK: Duration = Duration::from_millis(20);

/// `d` rounded down to a multiple of `TICK`.
fn grid_floor(d: Duration) -> Duration {
    let tick = TICK.as_nanos();
    Duration::from_nanos(((d.as_nanos() / tick) * tick) as u64)
}

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
/// from `now` (no burst of all new checks at once), on the grid of `start`.
fn first_due_after_reload(entry: &Entry, start: Instant, now: Instant) -> Instant {
    let nanos = entry.interval.as_nanos().max(1);
    let offset = Duration::from_nanos((u128::from(stable_hash(&entry.key)) % nanos) as u64);
    on_tick(start, deadline(now, offset))
}

/// Rebuilds the heap for a new entry list, keeping the due time of every entry whose
/// key and interval did not change.
fn replan(
    heap: &BinaryHeap<Reverse<(Instant, usize)>>,
    old: &[Entry],
    new: &[Entry],
    start: Instant,
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
                .unwrap_or_else(|| first_due_after_reload(e, start, now));
            Reverse((due, i))
        })
        .collect()
}

/// Runs until `shutdown` is cancelled, then waits up to [`SHUTDOWN_GRACE`] for the
/// work it started and abandons the rest. `launch(entry, due)` returns the work for a
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
    let mut lane = Lane::start();
    let mut updates_open = true;
    'run: loop {
        let next = heap.peek().map(|Reverse((due, _))| on_tick(start, *due));
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            update = updates.recv(), if updates_open => {
                match update {
                    Some(new) => {
                        heap = replan(&heap, &entries, &new, start, Instant::now());
                        entries = new;
                    }
                    None => updates_open = false,
                }
                continue;
            }
            _ = sleep_until_or_forever(next) => {}
        }
        // Everything due at this grid point (or missed before it) starts now, handed
        // to the lane in one message.
        while let Some(&Reverse((due, idx))) = heap.peek() {
            if on_tick(start, due) > Instant::now() {
                break;
            }
            let permit = match permits.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    lane.start_queued();
                    tokio::select! {
                        biased;
                        _ = shutdown.cancelled() => break 'run,
                        p = permits.clone().acquire_owned() => p.expect("semaphore is never closed"),
                    }
                }
            };
            let now = Instant::now();
            lag.observe(now.saturating_duration_since(due).as_secs_f64());
            heap.pop();
            heap.push(Reverse((next_due(due, entries[idx].interval, now), idx)));
            if let Some(work) = launch(&entries[idx], due) {
                lane.push(Box::pin(async move {
                    work.await;
                    drop(permit);
                }));
            }
        }
        lane.end_point();
    }
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, lane.finish()).await;
    if drained.is_err() {
        let running = max_in_flight.max(1) - permits.available_permits();
        tracing::warn!(
            abandoned = running,
            "probes still running after the shutdown grace; abandoning them"
        );
        lane.abandon().await;
    }
}

#[cfg(test)]
mod tests;
