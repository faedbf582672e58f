//! A fixed log-scale latency histogram for rollups: bucket k >= 1 holds milliseconds in
//! [2^((k-1)/8), 2^(k/8)), bucket 0 holds [0, 1) ms, the last bucket everything from
//! ~65 s up. A percentile is read as its bucket's geometric middle, so it is within
//! 2^(1/16) - 1 = 4.43% of the exact value (BUCKET_ERROR). Stored sparsely.

/// Buckets per doubling.
const PER_OCTAVE: f64 = 8.0;
/// Number of buckets (index fits a byte).
pub const BUCKETS: usize = 129;
/// Largest relative error of a percentile read from the histogram.
pub const BUCKET_ERROR: f64 = 0.044_274_5; // 2^(1/16) - 1

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Box<[u64; BUCKETS]>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            counts: Box::new([0; BUCKETS]),
        }
    }
}

/// The bucket of a latency in milliseconds.
pub fn bucket(ms: f64) -> usize {
    if ms.is_nan() || ms < 1.0 {
        return 0;
    }
    ((ms.log2() * PER_OCTAVE).floor() as usize + 1).min(BUCKETS - 1)
}

/// The value a bucket stands for: the geometric middle of its range.
fn representative(k: usize) -> f64 {
    if k == 0 {
        0.5
    } else {
        2f64.powf((k as f64 - 0.5) / PER_OCTAVE)
    }
}

impl LatencyHistogram {
    pub fn add(&mut self, ms: f64) {
        self.counts[bucket(ms)] += 1;
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The q-quantile (0 < q <= 1) in milliseconds, `None` when empty. Uses the
    /// nearest-rank definition: the smallest value with at least q·n values at or below.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut acc = 0;
        for (k, c) in self.counts.iter().enumerate() {
            acc += c;
            if acc >= rank {
                return Some(representative(k));
            }
        }
        None
    }

    /// Sparse bytes: (bucket index, LEB128 count) for every non-empty bucket.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, &c) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            out.push(k as u8);
            let mut v = c;
            loop {
                let byte = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
        }
        out
    }

    /// Inverse of [`encode`](Self::encode); `None` for bytes it did not write.
    pub fn decode(bytes: &[u8]) -> Option<LatencyHistogram> {
        let mut h = LatencyHistogram::default();
        let mut i = 0;
        while i < bytes.len() {
            let k = usize::from(bytes[i]);
            i += 1;
            let mut v: u64 = 0;
            let mut shift = 0;
            loop {
                let b = *bytes.get(i)?;
                i += 1;
                v |= u64::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
            }
            *h.counts.get_mut(k)? += v;
        }
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_bounded() {
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(0.99), 0);
        assert_eq!(bucket(1.0), 1);
        assert_eq!(bucket(2.0), 9);
        assert_eq!(bucket(f64::NAN), 0);
        assert_eq!(bucket(1e12), BUCKETS - 1);
        let mut last = 0;
        for ms in (0..100_000).map(|i| i as f64 * 0.7) {
            let b = bucket(ms);
            assert!(b >= last);
            last = b;
        }
    }

    #[test]
    fn quantiles_are_within_the_bucket_error() {
        let values: Vec<f64> = (1..=10_000)
            .map(|i| (i as f64).powf(1.3) / 10.0 + 1.0)
            .collect();
        let mut h = LatencyHistogram::default();
        values.iter().for_each(|v| h.add(*v));
        for q in [0.5, 0.95, 0.99] {
            let exact = values[((q * values.len() as f64).ceil() as usize) - 1];
            let got = h.quantile(q).unwrap();
            assert!(
                (got - exact).abs() / exact <= BUCKET_ERROR + 1e-9,
                "q{q}: {got} vs {exact}"
            );
        }
        assert_eq!(LatencyHistogram::default().quantile(0.5), None);
    }

    #[test]
    fn encoding_round_trips_and_is_sparse() {
        let mut h = LatencyHistogram::default();
        for v in [3.0, 3.1, 250.0, 250.0, 9000.0] {
            h.add(v);
        }
        for _ in 0..300 {
            h.add(40.0);
        }
        let bytes = h.encode();
        assert!(bytes.len() <= 12, "{} bytes for 5 buckets", bytes.len());
        assert_eq!(LatencyHistogram::decode(&bytes), Some(h));
        assert_eq!(LatencyHistogram::decode(&[5, 0x80]), None);
    }
}
