//! Seconds of a window by what a check's results say about them, and the one
//! availability ratio (docs/results.md): every window of emcd (rollups, reports, the
//! API, the status page, `/metrics`, the recent hour, `SLOBudgetBurn`) is counted in a
//! [`Seconds`] and turned into a ratio by [`Seconds::availability`].

use crate::result::ResultKind;

/// Time-weighted seconds by result kind.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Seconds {
    pub up: f64,
    pub degraded: f64,
    pub down: f64,
    pub maintenance: f64,
    /// Not covered by any result (no data, gaps longer than the cap, `unknown` results).
    pub unknown: f64,
}

impl Seconds {
    pub fn add(&mut self, o: Seconds) {
        self.up += o.up;
        self.degraded += o.degraded;
        self.down += o.down;
        self.maintenance += o.maintenance;
        self.unknown += o.unknown;
    }

    /// Adds `secs` to the seconds of `kind`.
    pub fn credit(&mut self, kind: ResultKind, secs: f64) {
        match kind {
            ResultKind::Up => self.up += secs,
            ResultKind::Degraded => self.degraded += secs,
            ResultKind::Down => self.down += secs,
            ResultKind::Maintenance => self.maintenance += secs,
            ResultKind::Unknown => self.unknown += secs,
        }
    }

    /// The seconds of `kind`.
    pub fn get(&self, kind: ResultKind) -> f64 {
        match kind {
            ResultKind::Up => self.up,
            ResultKind::Degraded => self.degraded,
            ResultKind::Down => self.down,
            ResultKind::Maintenance => self.maintenance,
            ResultKind::Unknown => self.unknown,
        }
    }

    /// Available seconds (up + degraded).
    pub fn available(&self) -> f64 {
        self.up + self.degraded
    }

    /// Seconds counted against availability: down, plus maintenance when it is not
    /// excluded (unknown never counts).
    pub fn unavailable(&self, exclude_maintenance: bool) -> f64 {
        self.down
            + if exclude_maintenance {
                0.0
            } else {
                self.maintenance
            }
    }

    /// Seconds with a result standing (everything but unknown).
    pub fn covered(&self) -> f64 {
        self.available() + self.down + self.maintenance
    }

    /// available / (available + unavailable); `None` without data.
    pub fn availability(&self, exclude_maintenance: bool) -> Option<f64> {
        let total = self.available() + self.unavailable(exclude_maintenance);
        (total > 0.0).then(|| self.available() / total)
    }
}

/// Where the span of a result at `ts` ends when the next one comes at `next`: at the
/// next result, at most `reach` (2 x interval) after its own.
pub fn span_end(ts: i64, reach: i64, next: i64) -> i64 {
    next.min(ts.saturating_add(reach))
}

#[cfg(test)]
mod tests;
