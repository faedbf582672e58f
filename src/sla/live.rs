//! The last hour of a check, kept in memory as twelve 5-minute buckets of time-weighted
//! seconds, updated by the recorder as results arrive. It gives the 1-hour availability
//! (metrics, `SLOBudgetBurn`) without reading the database, and the part of longer
//! windows that hourly rollups do not cover yet.

use super::seconds::{span_end, Seconds};
use crate::result::ResultKind;

const BUCKET: i64 = 300;
const BUCKETS: usize = 12;

/// Seconds of one 5-minute bucket (whole seconds: results are stamped in seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Bucket {
    /// Seconds by kind: up, degraded, down, maintenance (unknown is what is left).
    secs: [u16; 4],
}

impl Bucket {
    fn credit(&mut self, kind: ResultKind, d: u16) {
        let i = match kind {
            ResultKind::Up => 0,
            ResultKind::Degraded => 1,
            ResultKind::Down => 2,
            ResultKind::Maintenance => 3,
            ResultKind::Unknown => return,
        };
        self.secs[i] = self.secs[i].saturating_add(d);
    }

    fn seconds(&self) -> Seconds {
        let [up, degraded, down, maintenance] = self.secs.map(f64::from);
        Seconds {
            up,
            degraded,
            down,
            maintenance,
            unknown: 0.0,
        }
    }
}

/// A check's recent hour: a ring of the twelve 5-minute spans up to the newest one
/// credited (128 bytes, since every check holds one: docs/BENCHMARKS.md, "Memory at
/// 100,000 checks").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecentHour {
    /// Span `n` (its start / 300) is at `n % 12`, for the twelve spans up to `newest`.
    buckets: [Bucket; BUCKETS],
    /// The newest span credited; 0 before the first.
    newest: u32,
    /// The standing result: (ts, kind, reach = 2 x interval).
    last: Option<(i64, ResultKind, i64)>,
}

impl RecentHour {
    fn credit(&mut self, kind: ResultKind, from: i64, to: i64) {
        let mut t = from;
        while t < to {
            let (begin, span) = (t, t.div_euclid(BUCKET));
            let end = ((span + 1) * BUCKET).min(to);
            t = end;
            // Spans before 1970 are not kept (they never occur).
            let Ok(n) = u32::try_from(span) else {
                continue;
            };
            if n > self.newest {
                // Moving on: the spans between the old newest and this one are empty.
                let cleared = (n - self.newest).min(BUCKETS as u32);
                for k in 0..cleared {
                    self.buckets[((n - k) as usize) % BUCKETS] = Bucket::default();
                }
                self.newest = n;
            } else if n + (BUCKETS as u32) <= self.newest {
                continue; // older than the ring
            }
            self.buckets[(n as usize) % BUCKETS].credit(kind, (end - begin) as u16);
        }
    }

    /// Adds a result recorded at `ts` for a check with this interval (seconds).
    pub fn push(&mut self, ts: i64, kind: ResultKind, interval_secs: i64) {
        if let Some((pts, pkind, reach)) = self.last {
            // Only the last hour matters; older spans would land in recycled buckets.
            let from = pts.max(ts - BUCKET * BUCKETS as i64);
            self.credit(pkind, from, span_end(pts, reach, ts));
        }
        self.last = Some((ts, kind, interval_secs.max(1).saturating_mul(2)));
    }

    /// Seconds in `[since, now)` (5-minute granularity at `since`), including the
    /// standing result's span up to `now`; `unknown` is left at 0.
    pub fn seconds(&self, since: i64, now: i64) -> Seconds {
        let mut s = Seconds::default();
        let horizon = now - BUCKET * BUCKETS as i64;
        let oldest = self.newest.saturating_sub(BUCKETS as u32 - 1).max(1);
        for n in oldest..=self.newest {
            if i64::from(n) * BUCKET > since.max(horizon) - BUCKET {
                s.add(self.buckets[(n as usize) % BUCKETS].seconds());
            }
        }
        if let Some((ts, kind, reach)) = self.last {
            let from = ts.max(since);
            let d = (span_end(ts, reach, now) - from).max(0) as f64;
            if kind != ResultKind::Unknown {
                s.credit(kind, d);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResultKind::*;

    #[test]
    fn last_hour_availability_from_results() {
        let mut r = RecentHour::default();
        let t0 = 1_800_000_000;
        // Every 60 s for an hour: 1 in 5 down.
        for k in 0..60 {
            r.push(t0 + k * 60, if k % 5 == 4 { Down } else { Up }, 60);
        }
        let now = t0 + 3600;
        let s = r.seconds(now - 3600, now);
        assert!((s.available() + s.down - 3600.0).abs() <= 300.0, "{s:?}");
        let a = s.availability(true).unwrap();
        assert!((a - 0.8).abs() < 0.02, "{a}");
    }

    #[test]
    fn standing_result_counts_until_its_reach() {
        let mut r = RecentHour::default();
        r.push(1000, Up, 10);
        let s = r.seconds(0, 1100);
        assert_eq!(s.available(), 20.0, "a result stands at most 2 x interval");
        assert_eq!(
            RecentHour::default().seconds(0, 10).availability(true),
            None
        );
    }

    #[test]
    fn the_ring_forgets_what_falls_out_of_the_hour() {
        let t0 = 1_800_000_000 / BUCKET * BUCKET;
        let mut r = RecentHour::default();
        // Down for 10 minutes, then up for 20, a result a minute.
        for k in 0..30 {
            r.push(t0 + k * 60, if k < 10 { Down } else { Up }, 60);
        }
        let now = t0 + 30 * 60;
        let s = r.seconds(now - 3600, now);
        assert_eq!((s.down, s.up), (600.0, 1200.0), "{s:?}");
        // Silent for 50 minutes, then a result: the last one stood 2 minutes, and the
        // down spans are more than an hour old.
        let later = t0 + 80 * 60;
        r.push(later, Up, 60);
        let s = r.seconds(later - 3600, later);
        assert_eq!((s.down, s.up), (0.0, 660.0), "{s:?}");
        // Two hours on, nothing is left (the standing result reached 2 minutes).
        let s = r.seconds(later + 7200 - 3600, later + 7200);
        assert_eq!(s, Seconds::default());
        assert_eq!(size_of::<RecentHour>(), 128);
    }
}
