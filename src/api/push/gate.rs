//! What keeps the push API from being a way to fill the disk or the log (docs/limits.md,
//! "Push API"): a token bucket per check and per agency's indicators (one push a
//! second, bursts of [`BURST`]), and a log of rejected tokens at most once a minute per
//! source address, with the count of the rejections it did not log. Both tables are
//! bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Pushes a check may make per second, sustained.
pub const RATE_PER_SECOND: f64 = 1.0;
/// Pushes a check may make at once after a quiet spell.
pub const BURST: f64 = 5.0;
/// At most one log line per source address of rejected tokens this often.
pub const REJECTION_LOG_EVERY: Duration = Duration::from_secs(60);
/// Entries kept per table; past it, idle entries are dropped (and for sources, new
/// addresses share one entry).
const MAX_ENTRIES: usize = 10_000;

/// Shared by every push request.
#[derive(Debug, Default)]
pub struct Gate {
    buckets: Mutex<HashMap<String, Bucket>>,
    rejections: Mutex<HashMap<Option<IpAddr>, Rejections>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let earned = now.saturating_duration_since(self.at).as_secs_f64() * RATE_PER_SECOND;
        self.tokens = (self.tokens + earned).min(BURST);
        self.at = now;
    }
}

#[derive(Debug)]
struct Rejections {
    logged_at: Instant,
    suppressed: u64,
}

/// A rejected push to log now.
#[derive(Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The source address; `None` when unknown or when the table was full.
    pub source: Option<IpAddr>,
    /// Rejections from that source not logged since its previous line.
    pub suppressed: u64,
}

impl Gate {
    /// Takes one push of `check` at `now`; `Err` is how long until the next one is
    /// allowed (the `Retry-After` of the 429).
    pub fn admit(&self, check: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(check) && buckets.len() >= MAX_ENTRIES {
            // Full buckets say nothing a fresh one would not.
            buckets.retain(|_, b| {
                b.refill(now);
                b.tokens < BURST
            });
        }
        let bucket = buckets.entry(check.to_owned()).or_insert(Bucket {
            tokens: BURST,
            at: now,
        });
        bucket.refill(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / RATE_PER_SECOND,
            ))
        }
    }

    /// Counts a push with a missing or wrong token from `source` at `now`; returns the
    /// line to log when the source has had none for [`REJECTION_LOG_EVERY`].
    pub fn rejected(&self, source: Option<IpAddr>, now: Instant) -> Option<LogLine> {
        let mut table = self.rejections.lock().unwrap_or_else(|p| p.into_inner());
        let mut key = source;
        if !table.contains_key(&key) && table.len() >= MAX_ENTRIES {
            // Sources quiet for a whole period have nothing left to report but their
            // unlogged count, which a table this full cannot keep anyway.
            table.retain(|_, r| now.saturating_duration_since(r.logged_at) < REJECTION_LOG_EVERY);
            if table.len() >= MAX_ENTRIES {
                key = None;
            }
        }
        match table.get_mut(&key) {
            Some(r) if now.saturating_duration_since(r.logged_at) < REJECTION_LOG_EVERY => {
                r.suppressed += 1;
                None
            }
            Some(r) => {
                let suppressed = std::mem::take(&mut r.suppressed);
                r.logged_at = now;
                Some(LogLine {
                    source: key,
                    suppressed,
                })
            }
            None => {
                table.insert(
                    key,
                    Rejections {
                        logged_at: now,
                        suppressed: 0,
                    },
                );
                Some(LogLine {
                    source: key,
                    suppressed: 0,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_then_one_a_second_per_check() {
        let gate = Gate::default();
        let t0 = Instant::now();
        for _ in 0..BURST as u32 {
            assert_eq!(gate.admit("a/b/c", t0), Ok(()));
        }
        let wait = gate.admit("a/b/c", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // Another check has its own bucket.
        assert_eq!(gate.admit("a/b/d", t0), Ok(()));
        // Half a second later: half a token, half a second to wait.
        assert_eq!(gate.admit("a/b/c", t0 + ms(500)), Err(ms(500)));
        assert_eq!(gate.admit("a/b/c", t0 + ms(1000)), Ok(()));
        assert!(gate.admit("a/b/c", t0 + ms(1000)).is_err());
        // A quiet minute refills the burst, no more.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..BURST as u32 {
            assert_eq!(gate.admit("a/b/c", later), Ok(()));
        }
        assert!(gate.admit("a/b/c", later).is_err());
    }

    #[test]
    fn sustained_pushes_are_held_to_the_rate() {
        let gate = Gate::default();
        let t0 = Instant::now();
        // 100 pushes a second for 10 s.
        let admitted = (0..1000)
            .filter(|i| gate.admit("x", t0 + ms(i * 10)).is_ok())
            .count();
        let expected = BURST as usize + 9;
        assert!(
            (expected - 1..=expected).contains(&admitted),
            "{admitted} admitted"
        );
    }

    #[test]
    fn rejections_are_logged_once_a_minute_per_source_with_a_count() {
        let gate = Gate::default();
        let t0 = Instant::now();
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        let line = |source, suppressed| Some(LogLine { source, suppressed });
        assert_eq!(gate.rejected(a, t0), line(a, 0));
        for i in 1..1000 {
            assert_eq!(gate.rejected(a, t0 + ms(i)), None);
        }
        assert_eq!(gate.rejected(b, t0 + ms(5)), line(b, 0), "per source");
        assert_eq!(gate.rejected(a, t0 + REJECTION_LOG_EVERY), line(a, 999));
        assert_eq!(gate.rejected(a, t0 + REJECTION_LOG_EVERY + ms(1)), None);
    }

    #[test]
    fn the_tables_stay_bounded() {
        let gate = Gate::default();
        let t0 = Instant::now();
        for i in 0..MAX_ENTRIES as u32 + 100 {
            let source = Some(IpAddr::from(i.to_be_bytes()));
            gate.rejected(source, t0);
            gate.admit(&format!("check-{i}"), t0).unwrap();
        }
        assert!(gate.rejections.lock().unwrap().len() <= MAX_ENTRIES + 1);
        // Sources past the bound share one entry, logged once.
        let shared = Some(IpAddr::from([198, 51, 100, 1]));
        assert_eq!(gate.rejected(shared, t0), None);
        // Buckets used within the last seconds are kept; the table does not grow past
        // the bound once they refill.
        assert!(gate.buckets.lock().unwrap().len() <= MAX_ENTRIES + 100);
        gate.admit("late", t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(gate.buckets.lock().unwrap().len(), 1);
    }
}
