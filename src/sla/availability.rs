//! Availability windows for `/metrics` (SPEC 5): `1h` from each check's recent hour in
//! memory; `24h`, `7d`, `30d` from rollups summed once per housekeeping pass, plus the
//! recent seconds that rollups do not cover yet. Scrapes only add numbers.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::live::Seconds;
use super::rollup::Rollup;
use super::time;
use crate::result::ResultKind;
use crate::store::rollups::Grain;
use crate::store::{Store, StoreError};

/// The windows, in label order.
pub const WINDOWS: [(&str, i64); 4] = [
    ("1h", 3600),
    ("24h", 86_400),
    ("7d", 7 * 86_400),
    ("30d", 30 * 86_400),
];

/// Rolled-up seconds per check for the 24h, 7d and 30d windows.
#[derive(Clone, Debug, Default)]
pub struct WindowSums {
    /// Rollups cover time before this (unix seconds); 0 when there are none.
    pub covered_until: i64,
    pub by_check: HashMap<i64, [Seconds; 3]>,
}

/// Shared between the housekeeper (writes) and the metrics collector (reads).
pub type Table = Arc<RwLock<Arc<WindowSums>>>;

fn seconds(r: &Rollup) -> Seconds {
    let s = |k: ResultKind| r.seconds[usize::from(k.code())];
    Seconds {
        available: r.available(),
        down: s(ResultKind::Down),
        maintenance: s(ResultKind::Maintenance),
    }
}

/// Sums rollups for the windows ending at `covered_until` (the end of the last rolled
/// hour): hourly rows for 24h; daily rows for whole local days plus hourly rows for the
/// rest of the window for 7d and 30d.
pub async fn compute(
    store: &Store,
    tz: chrono_tz::Tz,
    covered_until: i64,
) -> Result<WindowSums, StoreError> {
    let mut sums = WindowSums {
        covered_until,
        by_check: HashMap::new(),
    };
    let mut add = |slot: usize, rows: Vec<(i64, i64, Rollup)>| {
        for (check, _, r) in rows {
            sums.by_check.entry(check).or_default()[slot].add(seconds(&r));
        }
    };
    add(
        0,
        store
            .rollups(Grain::Hourly, covered_until - 86_400, covered_until)
            .await?,
    );
    let daily_done = store
        .housekeeping("rollup_daily")
        .await?
        .map(|c| time::next_day_start(tz, c.0));
    for (slot, len) in [(1, 7 * 86_400), (2, 30 * 86_400)] {
        let from = covered_until - len;
        let days_from = time::next_day_start(tz, from - 1);
        let days_to = daily_done
            .unwrap_or(days_from)
            .clamp(days_from, covered_until);
        add(
            slot,
            store
                .rollups(Grain::Hourly, from, days_from.min(covered_until))
                .await?,
        );
        add(slot, store.rollups(Grain::Daily, days_from, days_to).await?);
        add(
            slot,
            store.rollups(Grain::Hourly, days_to, covered_until).await?,
        );
    }
    Ok(sums)
}
