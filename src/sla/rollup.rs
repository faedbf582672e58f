//! Time-weighted rollups (docs/results.md, docs/storage.md). Each result stands for the time until the next
//! result of its check, at most 2 x interval; time no result stands for is `unknown`.
//! An [`Accumulator`] folds one check's results, in order, into a [`Rollup`] of the
//! window `[start, end)`; results before the window only establish what stands at its
//! start. Spans are clipped to the window, so the rollups of adjacent windows add up
//! exactly to the rollup of their union.

use super::histogram::LatencyHistogram;
use super::seconds::{span_end, Seconds};
use crate::result::ResultKind;

/// One raw result as rollups see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Unix seconds.
    pub ts: i64,
    pub kind: ResultKind,
    pub duration_ms: i64,
}

/// What a window of one check (or a sum of windows and checks) measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rollup {
    /// Results by `ResultKind::code()`.
    pub counts: [i64; 5],
    /// Time-weighted seconds by result kind.
    pub seconds: Seconds,
    /// Latency of up and degraded results, in milliseconds.
    pub lat_min_ms: Option<i64>,
    pub lat_max_ms: Option<i64>,
    pub lat_sum_ms: i64,
    pub lat_count: i64,
    pub hist: LatencyHistogram,
}

impl Rollup {
    /// Adds another rollup (another window or another check) into this one.
    pub fn merge(&mut self, o: &Rollup) {
        for i in 0..5 {
            self.counts[i] += o.counts[i];
        }
        self.seconds.add(o.seconds);
        self.lat_min_ms = match (self.lat_min_ms, o.lat_min_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.lat_max_ms = self.lat_max_ms.max(o.lat_max_ms);
        self.lat_sum_ms += o.lat_sum_ms;
        self.lat_count += o.lat_count;
        self.hist.merge(&o.hist);
    }
}

/// Folds one check's results into the rollup of `[start, end)`.
#[derive(Clone, Debug)]
pub struct Accumulator {
    start: i64,
    end: i64,
    /// Longest a result stands: 2 x the check's interval.
    reach: i64,
    last: Option<Sample>,
    rollup: Rollup,
}

impl Accumulator {
    pub fn new(start: i64, end: i64, interval_secs: i64) -> Accumulator {
        Accumulator {
            start,
            end,
            reach: interval_secs.max(1).saturating_mul(2),
            last: None,
            rollup: Rollup::default(),
        }
    }

    /// Credits the span of the standing result up to `until` (clipped to the window).
    fn close_span(&mut self, until: i64) {
        if let Some(p) = self.last {
            let from = p.ts.max(self.start);
            let to = span_end(p.ts, self.reach, until).min(self.end);
            if to > from {
                self.rollup.seconds.credit(p.kind, (to - from) as f64);
            }
        }
    }

    /// Adds the next result of the check (results must come in time order). Results
    /// at or after the window's end are ignored.
    pub fn push(&mut self, s: Sample) {
        if s.ts >= self.end {
            return;
        }
        self.close_span(s.ts);
        if s.ts >= self.start {
            let r = &mut self.rollup;
            r.counts[usize::from(s.kind.code())] += 1;
            if s.kind.is_available() {
                r.lat_min_ms = Some(r.lat_min_ms.map_or(s.duration_ms, |m| m.min(s.duration_ms)));
                r.lat_max_ms = Some(r.lat_max_ms.map_or(s.duration_ms, |m| m.max(s.duration_ms)));
                r.lat_sum_ms += s.duration_ms;
                r.lat_count += 1;
                r.hist.add(s.duration_ms as f64);
            }
        }
        self.last = Some(s);
    }

    /// Closes the window: the last result stands until its reach or the window's end;
    /// the rest of the window is unknown.
    pub fn finish(mut self) -> Rollup {
        self.close_span(self.end);
        let len = (self.end - self.start).max(0) as f64;
        let s = &mut self.rollup.seconds;
        let standing = s.covered() + s.unknown;
        s.unknown += (len - standing).max(0.0);
        self.rollup
    }
}

/// The rollup of `samples` (one check, time order) over `[start, end)`.
pub fn compute(samples: &[Sample], interval_secs: i64, start: i64, end: i64) -> Rollup {
    let mut acc = Accumulator::new(start, end, interval_secs);
    samples.iter().for_each(|s| acc.push(*s));
    acc.finish()
}

/// Accounts the window `[from, to)` from one check's results, given as `(ts, result)`
/// sorted by `ts`, each standing at most `cap` seconds. Results before `from` count for
/// the part of the window they cover. The rollups' arithmetic, on raw results.
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
    compute(&samples, cap / 2, from, to).seconds
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResultKind::*;

    fn s(ts: i64, kind: ResultKind) -> Sample {
        Sample {
            ts,
            kind,
            duration_ms: 100,
        }
    }

    #[test]
    fn each_result_stands_until_the_next_at_most_twice_the_interval() {
        // Interval 60 s: a result stands at most 120 s.
        let r = compute(&[s(0, Up), s(60, Down), s(400, Up)], 60, 0, 600);
        let want = Seconds {
            up: 60.0 + 120.0,
            down: 120.0,
            unknown: 600.0 - 300.0,
            ..Seconds::default()
        };
        assert_eq!(r.seconds, want);
        assert_eq!(r.counts, [2, 0, 1, 0, 0]);
        assert_eq!(r.seconds.availability(true), Some(180.0 / 300.0));
    }

    #[test]
    fn a_result_before_the_window_stands_into_it() {
        let r = compute(&[s(-30, Down), s(30, Up)], 60, 0, 100);
        assert_eq!(r.seconds.down, 30.0);
        assert_eq!(r.seconds.up, 70.0);
        assert_eq!(r.counts[2], 0, "counted only in its own window");
    }

    #[test]
    fn maintenance_is_excluded_or_counted_against() {
        let r = compute(&[s(0, Up), s(50, Maintenance), s(100, Up)], 60, 0, 150);
        assert_eq!(r.seconds.availability(true), Some(1.0));
        assert_eq!(r.seconds.availability(false), Some(100.0 / 150.0));
        assert_eq!(compute(&[], 60, 0, 100).seconds.availability(true), None);
    }

    /// A small deterministic generator (xorshift), so the property runs are repeatable.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn history(rng: &mut Rng, start: i64, end: i64, interval: i64) -> Vec<Sample> {
        let kinds = [Up, Up, Up, Degraded, Down, Unknown, Maintenance];
        let mut out = Vec::new();
        let mut t = start - rng.below(3 * interval as u64) as i64;
        while t < end {
            out.push(Sample {
                ts: t,
                kind: kinds[rng.below(kinds.len() as u64) as usize],
                duration_ms: 1 + rng.below(5000) as i64,
            });
            // Mostly on schedule, sometimes late, sometimes a long gap.
            t += match rng.below(10) {
                0 => interval * (2 + rng.below(6) as i64),
                1 => 1 + rng.below(interval as u64) as i64,
                _ => interval,
            };
        }
        out
    }

    #[test]
    fn property_hourly_rollups_add_up_to_the_raw_computation() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..300 {
            let interval = [10, 30, 60, 300, 900][rng.below(5) as usize];
            let hours = 1 + rng.below(30) as i64;
            let start = 1_790_000_000 - 1_790_000_000 % 3600;
            let end = start + hours * 3600;
            let samples = history(&mut rng, start, end, interval);
            let raw = compute(&samples, interval, start, end);
            let mut summed = Rollup::default();
            for h in 0..hours {
                let hour = compute(&samples, interval, start + h * 3600, start + (h + 1) * 3600);
                assert_eq!(
                    hour,
                    compute(&samples, interval, start + h * 3600, start + (h + 1) * 3600),
                    "rebuilding gives the same row"
                );
                summed.merge(&hour);
            }
            for excl in [true, false] {
                match (
                    raw.seconds.availability(excl),
                    summed.seconds.availability(excl),
                ) {
                    (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9, "case {case}: {a} vs {b}"),
                    (a, b) => assert_eq!(a, b, "case {case}"),
                }
            }
            for k in ResultKind::ALL {
                assert!(
                    (raw.seconds.get(k) - summed.seconds.get(k)).abs() < 1e-6,
                    "case {case} seconds of {k}"
                );
            }
            assert_eq!(raw.counts, summed.counts);
            assert_eq!(raw.hist, summed.hist);
            assert!(
                ((raw.seconds.covered() + raw.seconds.unknown) - (hours * 3600) as f64).abs()
                    < 1e-6
            );
        }
    }
}
