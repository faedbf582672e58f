//! The probe-duration histogram of each system (`emcd_probe_duration_seconds`,
//! docs/metrics.md): fixed buckets, updated with atomics so the probe path takes no lock.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bucket bounds of `emcd_probe_duration_seconds` (docs/metrics.md).
pub const DURATION_BUCKETS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Bucket bounds of `emcd_page_load_seconds` (docs/metrics.md): around the 2025
/// criteria's thresholds (TBT 0.6 s, FCP 3 s, LCP 4 s, speed index 5.8 s).
pub const PAGE_BUCKETS: [f64; 8] = [0.3, 0.6, 1.0, 2.0, 3.0, 4.0, 5.8, 10.0];

/// A fixed-bucket histogram updated with atomics (no lock on the probe path).
#[derive(Debug, Default)]
pub struct AtomicHistogram {
    /// Non-cumulative counts per bucket of `DURATION_BUCKETS`, then +Inf.
    buckets: [AtomicU64; 9],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl AtomicHistogram {
    pub fn observe(&self, seconds: f64) {
        self.observe_in(&DURATION_BUCKETS, seconds);
    }

    /// `observe` with other bucket bounds (always the same ones for one histogram).
    pub fn observe_in(&self, bounds: &[f64; 8], seconds: f64) {
        let i = bounds.iter().position(|b| seconds <= *b).unwrap_or(8);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// (sum, count, per-bucket counts) as prometheus-client's encoder wants them: it
    /// makes the buckets cumulative itself.
    pub fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        self.snapshot_in(&DURATION_BUCKETS)
    }

    /// `snapshot` of a histogram filled by `observe_in(bounds, ..)`.
    pub fn snapshot_in(&self, bounds: &[f64; 8]) -> (f64, u64, Vec<(f64, u64)>) {
        let mut count = 0;
        let mut out = Vec::with_capacity(9);
        for (i, b) in self.buckets.iter().enumerate() {
            let n = b.load(Ordering::Relaxed);
            count += n;
            out.push((bounds.get(i).copied().unwrap_or(f64::INFINITY), n));
        }
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (sum, count, out)
    }
}
