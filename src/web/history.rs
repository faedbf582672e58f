//! What an agency's page reads from the store: the daily rollups and the raw results of
//! its checks over the days shown (90 daily bars, the 30-day figure), and the days
//! themselves in `sla.timezone`.

use std::collections::HashMap;

use super::bars::{self, Day};
use crate::result::ResultKind;
use crate::sla::seconds::Seconds;

/// What the bars are drawn from: daily rollups by (check id, day start), and raw
/// results by check id (time order) for the days after the last rolled-up day.
#[derive(Debug, Default)]
pub struct History {
    pub daily: HashMap<(i64, i64), Seconds>,
    pub raw: HashMap<i64, Vec<(i64, ResultKind)>>,
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
        for (check, day, r) in store
            .rollups(crate::store::rollups::Grain::Daily, first, done + 1)
            .await?
        {
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
