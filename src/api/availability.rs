//! Time-weighted availability (docs/results.md) as pure functions over a check's results: each
//! result stands for the time until the next result of that check, at most `cap`
//! (2 x interval); beyond that the time is unknown. No I/O and no clock here: callers
//! pass the results and the window.

use crate::result::ResultKind;
use crate::sla::rollup::{compute, Rollup, Sample};

/// Seconds of a window by what the check's results say about them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seconds {
    pub up: i64,
    pub degraded: i64,
    pub down: i64,
    pub maintenance: i64,
    /// Not covered by any result (no data, gaps longer than the cap, `unknown` results).
    pub unknown: i64,
}

impl Seconds {
    pub fn add(&mut self, o: Seconds) {
        self.up += o.up;
        self.degraded += o.degraded;
        self.down += o.down;
        self.maintenance += o.maintenance;
        self.unknown += o.unknown;
    }

    /// (up + degraded) / (up + degraded + down), with maintenance time excluded when
    /// `exclude_maintenance` and counted as down otherwise; `None` without data.
    pub fn ratio(&self, exclude_maintenance: bool) -> Option<f64> {
        let ok = self.up + self.degraded;
        let bad = self.down
            + if exclude_maintenance {
                0
            } else {
                self.maintenance
            };
        (ok + bad > 0).then(|| ok as f64 / (ok + bad) as f64)
    }
}

/// Accounts the window `[from, to)` from one check's results, given as `(ts, result)`
/// sorted by `ts`. Results before `from` count for the part of the window they cover.
/// The arithmetic is the rollups' (`sla::rollup`), so pages, API and reports agree.
pub fn weigh(results: &[(i64, ResultKind)], cap: i64, from: i64, to: i64) -> Seconds {
    if to <= from {
        return Seconds::default();
    }
    // Only results at or after `from - cap` can reach into the window.
    let start = results.partition_point(|&(ts, _)| ts < from.saturating_sub(cap));
    let samples: Vec<Sample> = results[start..]
        .iter()
        .map(|&(ts, kind)| Sample {
            ts,
            kind,
            duration_ms: 0,
        })
        .collect();
    from_rollup(&compute(&samples, cap / 2, from, to))
}

/// The seconds of a rollup, whole.
pub fn from_rollup(r: &Rollup) -> Seconds {
    let s = |k: ResultKind| r.seconds[usize::from(k.code())].round() as i64;
    Seconds {
        up: s(ResultKind::Up),
        degraded: s(ResultKind::Degraded),
        down: s(ResultKind::Down),
        maintenance: s(ResultKind::Maintenance),
        unknown: s(ResultKind::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResultKind::{Degraded as G, Down as D, Maintenance as M, Unknown as U, Up as P};

    fn secs(up: i64, degraded: i64, down: i64, maintenance: i64, unknown: i64) -> Seconds {
        Seconds {
            up,
            degraded,
            down,
            maintenance,
            unknown,
        }
    }

    #[test]
    fn table() {
        // (results, cap, from, to, expected)
        type Case<'a> = (&'a [(i64, ResultKind)], i64, i64, i64, Seconds);
        let cases: &[Case] = &[
            // No data at all.
            (&[], 120, 0, 100, secs(0, 0, 0, 0, 100)),
            // Each result until the next one.
            (
                &[(0, P), (60, D), (120, P)],
                120,
                0,
                180,
                secs(120, 0, 60, 0, 0),
            ),
            // The last result reaches at most `cap`, then the time is unknown.
            (&[(0, P)], 120, 0, 300, secs(120, 0, 0, 0, 180)),
            // A gap longer than the cap is unknown.
            (&[(0, P), (500, D)], 120, 0, 560, secs(120, 0, 60, 0, 380)),
            // A result before the window covers its start.
            (&[(-30, D), (30, P)], 120, 0, 60, secs(30, 0, 30, 0, 0)),
            // ... but not when it is older than the cap.
            (&[(-300, D), (30, P)], 120, 0, 60, secs(30, 0, 0, 0, 30)),
            // Results after the window are ignored, and cut the one before them.
            (
                &[(0, G), (50, D), (100, D)],
                120,
                0,
                60,
                secs(0, 50, 10, 0, 0),
            ),
            // Unknown results stand for unknown time; maintenance is kept apart.
            (
                &[(0, U), (60, M), (120, P)],
                120,
                0,
                180,
                secs(60, 0, 0, 60, 60),
            ),
            // Several results in the same second.
            (&[(0, D), (0, P)], 120, 0, 60, secs(60, 0, 0, 0, 0)),
            // Empty window.
            (&[(0, P)], 120, 10, 10, secs(0, 0, 0, 0, 0)),
        ];
        for (i, (results, cap, from, to, want)) in cases.iter().enumerate() {
            assert_eq!(weigh(results, *cap, *from, *to), *want, "case {i}");
        }
    }

    #[test]
    fn ratio_excludes_unknown_and_maybe_maintenance() {
        let s = secs(90, 10, 50, 50, 1000);
        assert_eq!(s.ratio(true), Some(100.0 / 150.0));
        assert_eq!(s.ratio(false), Some(100.0 / 200.0));
        assert_eq!(secs(0, 0, 0, 10, 50).ratio(true), None);
        assert_eq!(Seconds::default().ratio(false), None);
    }
}
