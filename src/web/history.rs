//! What an agency's page reads from the store: the daily rollups and the raw results of
//! its checks over the days shown (90 daily bars, the 30-day figure), and the days
//! themselves in `sla.timezone`.

use std::collections::HashMap;

use super::bars::{self, Day};
use crate::result::ResultKind;
use crate::sla::rollup::{Accumulator, Rollup};
use crate::sla::seconds::Seconds;
use crate::store::rollups::Grain;

/// What the bars are drawn from: daily rollups by (check id, day start), and raw
/// results by check id (time order) for the days after the last rolled-up day.
#[derive(Debug, Default)]
pub struct History {
    pub daily: HashMap<(i64, i64), Seconds>,
    pub raw: HashMap<i64, Vec<(i64, ResultKind)>>,
    /// The last [`HOURS`] hours by check id ([`hours`]).
    pub hours: HashMap<i64, Vec<(i64, Rollup)>>,
}

/// Reads the history of these checks for `days`.
pub async fn history(
    store: &crate::store::Store,
    ids: &[i64],
    days: &[Day],
    from: i64,
    now: i64,
    max_cap: i64,
) -> Result<History, crate::store::StoreError> {
    let mut h = History::default();
    let first = days.first().map_or(now, |d| d.start);
    let mut raw_from = from;
    if let Some((done, _)) = store.housekeeping("rollup_daily").await? {
        let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
        for (check, day, r) in store.rollups(Grain::Daily, first, done + 1).await? {
            if wanted.contains(&check) {
                h.daily.insert((check, day), r.seconds);
            }
        }
        // Raw results are needed only after the last rolled-up day.
        raw_from = raw_from.max(
            days.iter()
                .find(|d| d.start > done)
                .map_or(now, |d| d.start)
                - max_cap,
        );
    }
    for s in store.samples(ids, raw_from, now).await? {
        h.raw.entry(s.check_id).or_default().push((s.ts, s.result));
    }
    for results in h.raw.values_mut() {
        results.sort_by_key(|r| r.0);
    }
    Ok(h)
}

/// The days shown and the first instant whose results they need.
pub fn range(now: i64, tz: chrono_tz::Tz, max_cap: i64) -> (Vec<Day>, i64) {
    let days = bars::last_days(now, tz, bars::DAYS);
    let from = days.first().map_or(now, |d| d.start) - max_cap;
    (days, from)
}

/// Hours in the response-time picture.
pub const HOURS: i64 = 24;

/// The last [`HOURS`] hours of each check (`(store id, interval seconds)`), hour by
/// hour, oldest first, as rollups: the hourly rollups where housekeeping made them, the
/// rest computed the same way from raw results (the current hour ends now).
pub async fn hours(
    store: &crate::store::Store,
    checks: &[(i64, i64)],
    now: i64,
) -> Result<HashMap<i64, Vec<(i64, Rollup)>>, crate::store::StoreError> {
    let current = now.div_euclid(3600) * 3600;
    let first = current - (HOURS - 1) * 3600;
    let starts: Vec<i64> = (0..HOURS).map(|i| first + i * 3600).collect();
    let mut rolled: HashMap<(i64, i64), Rollup> = HashMap::new();
    let done = store.housekeeping("rollup_hourly").await?.map(|c| c.0);
    if let Some(done) = done {
        for (check, hour, r) in store.rollups(Grain::Hourly, first, done + 1).await? {
            rolled.insert((check, hour), r);
        }
    }
    let raw_from = done.map_or(first, |d| (d + 3600).max(first));
    let mut accs: HashMap<(i64, i64), Accumulator> = HashMap::new();
    let lookback = checks
        .iter()
        .map(|c| c.1)
        .max()
        .unwrap_or(60)
        .saturating_mul(2);
    if raw_from <= now {
        let intervals: HashMap<i64, i64> = checks.iter().copied().collect();
        let raw_hours: Vec<i64> = starts.iter().copied().filter(|h| *h >= raw_from).collect();
        store
            .scan_results(raw_from.saturating_sub(lookback), now + 1, |check, s| {
                let Some(interval) = intervals.get(&check) else {
                    return;
                };
                for h in &raw_hours {
                    // A result counts in its hour, and stands into the next one.
                    if s.ts < h + 3600 && s.ts >= h - 2 * interval {
                        accs.entry((check, *h))
                            .or_insert_with(|| Accumulator::new(*h, (h + 3600).min(now), *interval))
                            .push(s);
                    }
                }
            })
            .await?;
    }
    let mut out = HashMap::new();
    for (id, _) in checks {
        let row: Vec<(i64, Rollup)> = starts
            .iter()
            .map(|h| {
                let r = rolled
                    .remove(&(*id, *h))
                    .or_else(|| accs.remove(&(*id, *h)).map(Accumulator::finish))
                    .unwrap_or_default();
                (*h, r)
            })
            .collect();
        out.insert(*id, row);
    }
    Ok(out)
}
