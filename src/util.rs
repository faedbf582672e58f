//! Small helpers with no better home.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix seconds now.
pub fn unix_now() -> i64 {
    unix_seconds(SystemTime::now())
}

/// Unix seconds of a wall-clock time (negative before 1970).
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Unix milliseconds now.
pub fn unix_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Whole seconds of `d` as `i64`, saturating at `i64::MAX` (a `Duration` holds up to
/// 2^64 s; `as i64` would wrap those past 2^63 to negative numbers). Config durations
/// are bounded far below that (docs/limits.md, "Durations"); this keeps the arithmetic
/// right for any value.
pub fn secs_i64(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// The unix second `d` before `at`, saturating at `i64::MIN`: a cutoff never wraps into
/// the future, so "older than 500000000000y" selects nothing.
pub fn secs_before(at: i64, d: Duration) -> i64 {
    at.saturating_sub(secs_i64(d))
}

/// The longest span added to a monotonic instant: 100 years. Tokio's timer and the
/// clock both take it from any instant of a running system.
const FAR: Duration = Duration::from_secs(100 * 31_557_600);

/// `start + d` without overflow: a span longer than 100 years ends 100 years on
/// (a deadline never reached, rather than a panic).
pub fn deadline(start: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    let d = d.min(FAR);
    // Unreachable fallback: the monotonic clock counts from boot in i64 seconds.
    start.checked_add(d).unwrap_or(start)
}

/// Unix seconds as RFC 3339 in UTC (`2026-11-23T08:00:00Z`): the one time format emcd
/// writes in the API, notifications and messages.
pub fn rfc3339(secs: i64) -> String {
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => format!("@{secs}"),
    }
}

/// This host's name as a node id (`emcd run --node` defaults to it): lower-cased, other
/// characters than `a-z0-9-` made `-`, at most 63; `local` if there is none.
pub fn host_name() -> String {
    let raw = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let id: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    let id = id.trim_matches('-').to_owned();
    if id.is_empty() {
        "local".to_owned()
    } else {
        id
    }
}

/// `n` and a noun in English, singular for one: `plural(1, "error")` is `1 error`,
/// `plural(2, "check")` `2 checks`. For nouns whose plural adds `s`; others give theirs
/// with `plural_of`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `n` and the singular or the given plural noun: `plural_of(2, "agency", "agencies")`.
pub fn plural_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether text logs are coloured: only on a terminal, and never when `NO_COLOR` is set
/// to anything but the empty string (no-color.org). `terminal` is whether the log's
/// stream is one (`std::io::IsTerminal`); `no_color` the variable's value.
pub fn log_colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Unix seconds of local midnight starting `date` in `tz`; where a zone skips midnight
/// (a DST gap), the first valid local time of that day. Below `config` and `sla`, which
/// both use it (lifecycle days, report periods).
pub fn midnight(tz: chrono_tz::Tz, date: chrono::NaiveDate) -> i64 {
    use chrono::TimeZone;
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.timestamp(),
        chrono::LocalResult::None => (1..=24 * 4)
            .find_map(|q| {
                tz.from_local_datetime(&(naive + chrono::Duration::minutes(15 * q)))
                    .earliest()
                    .map(|t| t.timestamp())
            })
            .unwrap_or_else(|| naive.and_utc().timestamp()),
    }
}

/// Whether a check last heard from at `last` (unix seconds) has been silent longer
/// than `max_silence` at `now`. Saturating: a `max_silence` past 2^63 s is "never"
/// rather than a negative number of seconds that every check exceeds.
pub fn too_silent(now: i64, last: i64, max_silence: Duration) -> bool {
    now.saturating_sub(last) > secs_i64(max_silence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_saturate_at_the_bounds() {
        assert_eq!(
            secs_i64(Duration::from_secs(100 * 31_557_600)),
            3_155_760_000
        );
        assert_eq!(secs_i64(Duration::from_secs(i64::MAX as u64)), i64::MAX);
        assert_eq!(secs_i64(Duration::from_secs(1 << 63)), i64::MAX);
        assert_eq!(secs_i64(Duration::from_secs(u64::MAX)), i64::MAX);
        assert_eq!(secs_i64(Duration::MAX), i64::MAX);
        let now = 1_790_812_800;
        assert_eq!(secs_before(now, Duration::from_secs(86_400)), now - 86_400);
        assert_eq!(secs_before(now, Duration::MAX), now - i64::MAX);
        assert_eq!(secs_before(i64::MIN, Duration::from_secs(1)), i64::MIN);
        assert_eq!(secs_before(-5, Duration::from_secs(u64::MAX)), i64::MIN);
    }

    #[test]
    fn plurals_are_singular_for_one() {
        assert_eq!(plural(0, "error"), "0 errors");
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(2, "check"), "2 checks");
        assert_eq!(plural_of(1, "agency", "agencies"), "1 agency");
        assert_eq!(plural_of(51, "agency", "agencies"), "51 agencies");
    }

    #[test]
    fn logs_are_coloured_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(log_colour(true, None));
        assert!(log_colour(true, Some(OsStr::new(""))));
        assert!(!log_colour(true, Some(OsStr::new("1"))));
        assert!(!log_colour(false, None));
        assert!(!log_colour(false, Some(OsStr::new(""))));
    }

    #[test]
    fn deadlines_never_overflow() {
        let start = tokio::time::Instant::now();
        assert_eq!(
            deadline(start, Duration::from_secs(10)),
            start + Duration::from_secs(10)
        );
        assert_eq!(deadline(start, FAR), start + FAR);
        for d in [
            FAR + Duration::from_secs(1),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            assert_eq!(deadline(start, d), start + FAR);
        }
    }

    #[test]
    fn silence_is_measured_without_overflow() {
        let now = 1_790_812_800;
        let day = Duration::from_secs(86_400);
        assert!(!too_silent(now, now - 86_400, day));
        assert!(too_silent(now, now - 86_401, day));
        // The longest allowed max_silence (31d), and values no config may hold.
        assert!(!too_silent(now, now - 31 * 86_400, 31 * day));
        for d in [
            Duration::from_secs(1 << 63),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            assert!(!too_silent(now, now - 10, d), "{d:?}");
            assert!(!too_silent(i64::MAX, i64::MIN, d), "{d:?}");
        }
        assert!(too_silent(i64::MAX, i64::MIN, day));
    }
}
