//! Tests of `scheduler`, declared `#[cfg(test)] mod tests;` in `scheduler.rs`.

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
        t0 + Duration::from_millis(20)
    );
    assert_eq!(
        grid_floor(Duration::from_millis(39)),
        Duration::from_millis(20)
    );
    assert_eq!(
        grid_floor(Duration::from_millis(40)),
        Duration::from_millis(40)
    );
    assert_eq!(grid_floor(Duration::from_millis(19)), Duration::ZERO);
}

#[test]
fn offsets_are_on_the_grid() {
    let e = entries(10_000, Duration::from_secs(60));
    let off = offsets(&e);
    assert!(off.iter().all(|o| o.as_nanos() % TICK.as_nanos() == 0));
    // 3,000 grid points in 60 s: every one used, by three or four checks.
    let mut per_point = std::collections::HashMap::<Duration, u32>::new();
    for o in off {
        *per_point.entry(o).or_default() += 1;
    }
    assert_eq!(per_point.len(), 3000);
    assert!(per_point.values().all(|n| (3..=4).contains(n)));
}

#[tokio::test(start_paused = true)]
async fn checks_start_in_groups_on_time() {
    // 1,000 checks every second: due in groups of twenty on the 20 ms grid, each
    // started at its due time.
    let e = entries(1000, Duration::from_secs(1));
    let off = offsets(&e);
    let (start, seen) = starts(e, Duration::from_millis(1004)).await;
    let mut first = vec![None; 1000];
    for (i, t) in seen {
        first[i].get_or_insert(t);
    }
    let first: Vec<Instant> = first.into_iter().map(|t| t.expect("started")).collect();
    for (i, t) in first.iter().enumerate() {
        assert_eq!(
            *t,
            start + off[i],
            "check {i} did not start at its due time"
        );
    }
    let mut times = first.clone();
    times.sort();
    times.dedup();
    assert_eq!(
        times.len(),
        50,
        "one wake-up per 20 ms grid point from 0 to 1 s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_due_time_off_the_grid_waits_for_the_next_point() {
    // 1.01 s is not a multiple of 20 ms: the second round is due off the grid.
    let e = vec![Entry {
        key: "a/s/c".into(),
        interval: Duration::from_millis(1010),
    }];
    let (start, seen) = starts(e, Duration::from_millis(1100)).await;
    let t: Vec<Duration> = seen.iter().map(|(_, t)| *t - start).collect();
    assert_eq!(t, [Duration::ZERO, Duration::from_millis(1020)]);
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
    // The new entry started within one interval of the reload, on the grid, and then
    // every 10 s.
    let tn = times("new/system/check");
    assert!(tn[0] >= start + Duration::from_secs(15) && tn[0] < start + Duration::from_secs(25));
    assert_eq!((tn[0] - start).as_nanos() % TICK.as_nanos(), 0);
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
