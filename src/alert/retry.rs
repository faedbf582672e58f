//! When a failed delivery is tried again (docs/limits.md, "Alert delivery"): exponential
//! backoff with jitter from 1 s doubling to 5 min; a receiver's `Retry-After` (seconds
//! or an HTTP date) honoured within the same bounds, so that no value makes the sender
//! retry at once or wait past the ceiling; and a 24 h give-up horizon counted from when
//! the notification was created, which no retry delay brings forward.

use std::time::Duration;

/// First retry delay; it doubles per attempt up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// A notification not delivered within this of its creation is dead.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The delay before attempt `attempts + 1` (attempts >= 1), with ±20% jitter.
pub fn backoff(attempts: i64, jitter: f64) -> Duration {
    let exp = (attempts - 1).clamp(0, 20) as u32;
    let base = FIRST_BACKOFF.saturating_mul(1 << exp).min(MAX_BACKOFF);
    base.mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0))
}

/// A uniform random number in [-1, 1].
pub fn jitter() -> f64 {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 2];
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX) * 2.0 - 1.0
}

/// A `Retry-After` value (RFC 9110, section 10.2.3) as a delay from `now` (unix seconds):
/// delay-seconds (saturating: any run of digits is a delay, however long) or an HTTP
/// date (a date in the past is no delay). `None` for anything else: a negative or
/// fractional number, garbage.
pub fn parse(value: &str, now: i64) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = http_date(v)?;
    let secs = at.saturating_sub(now);
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// An HTTP date in unix seconds: IMF-fixdate, or the obsolete RFC 850 and asctime forms
/// recipients must accept (RFC 9110, section 5.6.7).
fn http_date(v: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc2822(v) {
        return Some(t.timestamp());
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(v, f).ok())
        .map(|t| t.and_utc().timestamp())
}

/// What follows a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Try again after this delay (never zero).
    RetryIn(Duration),
    /// The give-up horizon has passed: the notification is dead.
    GiveUp,
}

/// The next step after a failed attempt at `now_ms` of a notification created at
/// `created_ms` (unix milliseconds): the schedule's `backoff`, or the receiver's
/// `retry_after` if longer, clamped to [`FIRST_BACKOFF`, `MAX_BACKOFF`]; never past the
/// give-up horizon, so the last attempt falls on it and the notification is dead only
/// once [`GIVE_UP_AFTER`] has passed.
pub fn next(
    backoff: Duration,
    retry_after: Option<Duration>,
    created_ms: i64,
    now_ms: i64,
) -> Next {
    let horizon = created_ms.saturating_add(GIVE_UP_AFTER.as_millis() as i64);
    let left = horizon.saturating_sub(now_ms);
    if left <= 0 {
        return Next::GiveUp;
    }
    let wanted = retry_after.map_or(Duration::ZERO, |d| d.clamp(FIRST_BACKOFF, MAX_BACKOFF));
    Next::RetryIn(backoff.max(wanted).min(Duration::from_millis(left as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000; // 2026-09-21
    const DAY_MS: i64 = 24 * 3600 * 1000;

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    #[test]
    fn backoff_doubles_from_one_second_to_five_minutes() {
        let secs: Vec<u64> = (1..=12).map(|a| backoff(a, 0.0).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(backoff(1, 1.0), Duration::from_millis(1200));
        assert_eq!(backoff(1, -1.0), Duration::from_millis(800));
    }

    #[test]
    fn parses_seconds_and_dates() {
        assert_eq!(parse("2", NOW), secs(2));
        assert_eq!(parse(" 120 ", NOW), secs(120));
        assert_eq!(parse("0", NOW), secs(0));
        // Overflowing digit strings saturate instead of wrapping or being dropped.
        assert_eq!(parse("18446744073709551615", NOW), secs(u64::MAX));
        assert_eq!(parse("99999999999999999999999999", NOW), secs(u64::MAX));
        let at = |t: &str| parse(t, NOW);
        // IMF-fixdate, RFC 850 and asctime of NOW + 90 s (2026-09-21 14:14:50 UTC).
        assert_eq!(at("Mon, 21 Sep 2026 14:14:50 GMT"), secs(90));
        assert_eq!(at("Monday, 21-Sep-26 14:14:50 GMT"), secs(90));
        assert_eq!(at("Mon Sep 21 14:14:50 2026"), secs(90));
        assert_eq!(at("Wed, 21 Oct 2015 07:28:00 GMT"), secs(0), "past");
        let far = at("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        assert!(far > Duration::from_secs(200_000_000_000), "{far:?}");
    }

    #[test]
    fn rejects_negative_fractional_and_garbage() {
        for v in [
            "-5",
            "-18446744073709551616",
            "1.5",
            "1e3",
            "+3",
            "",
            "soon",
            "Fri, 99 Foo 2026",
        ] {
            assert_eq!(parse(v, NOW), None, "{v:?}");
        }
    }

    #[test]
    fn retry_after_is_clamped_to_the_backoff_bounds() {
        let b = Duration::from_secs(2);
        let t0 = NOW * 1000;
        let at = |ra: Option<Duration>| next(b, ra, t0, t0 + 1000);
        assert_eq!(at(None), Next::RetryIn(b));
        assert_eq!(
            at(secs(0)),
            Next::RetryIn(b),
            "zero never shortens the backoff"
        );
        assert_eq!(at(secs(30)), Next::RetryIn(Duration::from_secs(30)));
        for huge in [
            secs(u64::MAX),
            Some(Duration::MAX),
            parse("Fri, 31 Dec 9999 23:59:59 GMT", NOW),
        ] {
            assert_eq!(at(huge), Next::RetryIn(MAX_BACKOFF), "{huge:?}");
        }
        // A short backoff (jitter below 1 s) still waits 1 s when the receiver asks.
        let short = next(Duration::from_millis(800), secs(0), t0, t0);
        assert_eq!(short, Next::RetryIn(FIRST_BACKOFF));
    }

    #[test]
    fn a_retry_never_gives_up_before_24_hours_nor_waits_past_them() {
        let t0 = NOW * 1000;
        let far = secs(u64::MAX);
        // One minute before the horizon: wait out that minute, not 5 min, and not dead.
        let late = t0 + DAY_MS - 60_000;
        assert_eq!(
            next(MAX_BACKOFF, far, t0, late),
            Next::RetryIn(Duration::from_secs(60))
        );
        // A millisecond before: still one more attempt, never a zero delay.
        assert_eq!(
            next(MAX_BACKOFF, far, t0, t0 + DAY_MS - 1),
            Next::RetryIn(Duration::from_millis(1))
        );
        // At or past the horizon: dead.
        assert_eq!(next(MAX_BACKOFF, None, t0, t0 + DAY_MS), Next::GiveUp);
        assert_eq!(next(FIRST_BACKOFF, None, t0, t0 + 2 * DAY_MS), Next::GiveUp);
    }
}
