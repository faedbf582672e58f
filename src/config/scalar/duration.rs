//! Durations: parsing, the bounds every duration key is held to, and formatting.
//!
//! Every duration key of the config has a lower and an upper bound (listed in
//! `docs/limits.md`, "Durations"). A value outside them is refused at validation, so a
//! `Config` never carries a duration that overflows the time arithmetic done with it
//! (unix seconds in `i64`, `chrono` and `tokio` instants), and "keep forever" written
//! as `500000000000y` is an error rather than a cutoff that wraps into the future.

use std::time::Duration;

use super::Msg;

/// A humantime duration such as `30s`, `5m`, `14d`.
pub fn duration(s: &str) -> Result<Duration, Msg> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration {s:?}: {e}; write e.g. 500ms, 30s, 5m, 2h, 14d"))
}

const MS: Duration = Duration::from_millis(1);
const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);
const DAYS_31: Duration = Duration::from_secs(31 * 86_400);
/// A year as humantime counts it (`1y`): 365.25 days.
const YEAR: Duration = Duration::from_secs(31_557_600);
/// `100y`: the longest duration any key accepts.
pub const YEARS_100: Duration = Duration::from_secs(100 * 31_557_600);

/// The bounds of one duration key, and the noun its messages use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub what: &'static str,
    pub min: Duration,
    pub max: Duration,
    /// `0` is accepted as well, and means "never" (`alerting.repeat_interval`).
    pub zero_means_never: bool,
}

impl Bounds {
    const fn new(what: &'static str, min: Duration, max: Duration) -> Bounds {
        Bounds {
            what,
            min,
            max,
            zero_means_never: false,
        }
    }

    /// The duration written `s`, when within these bounds; otherwise a message that
    /// quotes `s` as written and says what is accepted.
    pub fn parse(&self, s: &str) -> Result<Duration, Msg> {
        let d = duration(s)?;
        let (what, written) = (self.what, s.trim());
        if d.is_zero() && self.zero_means_never {
            Ok(d)
        } else if d < self.min {
            let never = if self.zero_means_never {
                "0 (never) or "
            } else {
                ""
            };
            let min = fmt_duration(self.min);
            Err(format!(
                "{what} {written} is too short: expected {never}at least {min}"
            ))
        } else if d > self.max {
            let max = fmt_duration(self.max);
            Err(format!(
                "{what} {written} is too long: expected at most {max}"
            ))
        } else {
            Ok(d)
        }
    }
}

/// `storage.retention.raw`, `.hourly`, `.daily`.
pub const RETENTION: Bounds = Bounds::new("retention", HOUR, YEARS_100);
/// `interval` (in `defaults` or a check). `timeout` must also be shorter than it.
pub const INTERVAL: Bounds = Bounds::new("interval", SECOND, DAY);
/// `timeout` of a probe (in `defaults` or a check).
pub const TIMEOUT: Bounds = Bounds::new("timeout", MS, HOUR);
/// `degraded_after` (in `defaults` or a check).
pub const DEGRADED_AFTER: Bounds = Bounds::new("degraded_after", MS, HOUR);
/// `expect.max_response_time` of an http check.
pub const MAX_RESPONSE_TIME: Bounds = Bounds::new("max_response_time", MS, HOUR);
/// `expect.fcp`, `.lcp`, `.speed_index`, `.tbt` of a browser check.
pub const FCP: Bounds = Bounds::new("fcp", MS, Duration::from_secs(600));
pub const LCP: Bounds = Bounds::new("lcp", MS, Duration::from_secs(600));
pub const SPEED_INDEX: Bounds = Bounds::new("speed_index", MS, Duration::from_secs(600));
pub const TBT: Bounds = Bounds::new("tbt", MS, Duration::from_secs(600));
/// `push.max_silence` of a push check.
pub const MAX_SILENCE: Bounds = Bounds::new("max_silence", SECOND, DAYS_31);
/// `connection.window`.
pub const CONNECTION_WINDOW: Bounds = Bounds::new("window", SECOND, DAYS_31);
/// `alerting.repeat_interval`; `0` = never re-notify.
pub const REPEAT_INTERVAL: Bounds = Bounds {
    zero_means_never: true,
    ..Bounds::new("repeat_interval", MINUTE, DAYS_31)
};
/// `timeout` of a webhook receiver (one delivery attempt).
pub const WEBHOOK_TIMEOUT: Bounds = Bounds::new("timeout", MS, Duration::from_secs(600));
/// `duration` of a maintenance window.
pub const MAINTENANCE_DURATION: Bounds = Bounds::new("duration", SECOND, DAYS_31);

/// `probing.canary_interval`: how often the canaries are probed.
pub const CANARY_INTERVAL: Bounds = Bounds::new("canary_interval", SECOND, HOUR);
/// `server.header_timeout`: time a client has to send a request's headers.
pub const HEADER_TIMEOUT: Bounds = Bounds::new(
    "header_timeout",
    Duration::from_millis(100),
    Duration::from_secs(600),
);
/// `cluster.lease`: 3 s to 10 min.
pub const LEASE: Bounds = Bounds::new("lease", Duration::from_secs(3), Duration::from_secs(600));
/// `server.idle_timeout`: a connection with nothing in flight is closed after it.
pub const IDLE_TIMEOUT: Bounds = Bounds::new("idle_timeout", SECOND, HOUR);

/// Formats a duration the way it is usually written in the file: in the largest of
/// y, d, h, m, s, ms that divides it (`100y`, `400d`, `90s`, `500ms`), else humantime's
/// form.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let units = [
        (YEAR.as_millis(), "y"),
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
        (1, "ms"),
    ];
    match units.iter().find(|(n, _)| ms.is_multiple_of(*n)) {
        Some((n, unit)) if d.subsec_nanos().is_multiple_of(1_000_000) => {
            format!("{}{unit}", ms / n)
        }
        _ => humantime::format_duration(d).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("14d"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("0"), Ok(Duration::ZERO));
        assert_eq!(duration("100y"), Ok(YEARS_100));
        assert_eq!(
            duration("10"),
            Err(
                "invalid duration \"10\": time unit needed, for example 10sec or 10ms; \
                 write e.g. 500ms, 30s, 5m, 2h, 14d"
                    .into()
            )
        );
        assert!(duration("fast").is_err());
        // Past what a Duration holds: an error, not a panic.
        assert!(duration("18446744073709551616s").is_err());
        assert!(duration("99999999999999999999y").is_err());
        assert_eq!(fmt_duration(Duration::from_secs(90)), "90s");
        assert_eq!(fmt_duration(Duration::from_secs(400 * 86400)), "400d");
        assert_eq!(fmt_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(fmt_duration(Duration::ZERO), "0s");
        assert_eq!(fmt_duration(YEARS_100), "100y");
        assert_eq!(fmt_duration(DAYS_31), "31d");
        assert!(!fmt_duration(Duration::MAX).is_empty());
        assert_eq!(
            fmt_duration(Duration::from_secs(u64::MAX)),
            "18446744073709551615s"
        );
    }

    #[test]
    fn bounds_are_inclusive_and_quote_the_value() {
        let r = RETENTION;
        assert_eq!(r.parse("100y"), Ok(YEARS_100));
        assert_eq!(r.parse("1h"), Ok(HOUR));
        assert_eq!(
            r.parse("500000000000y"),
            Err("retention 500000000000y is too long: expected at most 100y".into())
        );
        assert_eq!(
            r.parse(" 100y 1s "),
            Err("retention 100y 1s is too long: expected at most 100y".into())
        );
        assert_eq!(
            r.parse("59m"),
            Err("retention 59m is too short: expected at least 1h".into())
        );
        assert_eq!(
            INTERVAL.parse("18446744073709551615s"),
            Err("interval 18446744073709551615s is too long: expected at most 1d".into())
        );
        assert_eq!(
            TIMEOUT.parse("0s"),
            Err("timeout 0s is too short: expected at least 1ms".into())
        );
        assert_eq!(REPEAT_INTERVAL.parse("0"), Ok(Duration::ZERO));
        assert_eq!(
            REPEAT_INTERVAL.parse("1s"),
            Err("repeat_interval 1s is too short: expected 0 (never) or at least 1m".into())
        );
        assert_eq!(MAINTENANCE_DURATION.parse("31d"), Ok(DAYS_31));
        assert!(MAINTENANCE_DURATION.parse("99999999999d").is_err());
        assert_eq!(
            WEBHOOK_TIMEOUT.parse("10m 1ms"),
            Err("timeout 10m 1ms is too long: expected at most 10m".into())
        );
    }

    /// The longest accepted value of every key, added to any unix time from 1970 to
    /// 2200 or to a monotonic instant, and converted to i64 seconds or a chrono
    /// duration, stays far from overflow.
    #[test]
    fn the_longest_values_fit_the_time_arithmetic() {
        let all = [
            RETENTION,
            INTERVAL,
            TIMEOUT,
            DEGRADED_AFTER,
            MAX_RESPONSE_TIME,
            MAX_SILENCE,
            CONNECTION_WINDOW,
            REPEAT_INTERVAL,
            WEBHOOK_TIMEOUT,
            MAINTENANCE_DURATION,
        ];
        for b in all {
            assert!(b.min <= b.max && b.max <= YEARS_100, "{b:?}");
            let secs = i64::try_from(b.max.as_secs()).unwrap();
            assert!(7_258_118_400_i64.checked_add(2 * secs).is_some());
            assert!(0_i64.checked_sub(2 * secs).is_some());
            let delta = chrono::Duration::from_std(b.max).unwrap();
            assert!(chrono::DateTime::UNIX_EPOCH
                .checked_sub_signed(delta)
                .is_some());
            assert!(std::time::Instant::now().checked_add(b.max * 2).is_some());
        }
    }
}
