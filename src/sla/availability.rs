//! Availability windows for `/metrics` (docs/metrics.md): `1h` from each check's recent
//! hour in memory; `24h`, `7d`, `30d` from rollups summed once per housekeeping pass
//! (`housekeeping::window_sums`), plus the recent seconds that rollups do not cover yet.
//! Scrapes only add numbers.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::seconds::Seconds;

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
