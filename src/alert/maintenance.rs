//! Maintenance windows (SPEC 3.1): a cron schedule with seconds, a duration and a
//! matcher, evaluated in `sla.timezone`. A window covers an instant when its latest
//! occurrence at or before that instant began less than `duration` ago, so a window
//! that began before a restart is still honoured after it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::config::MaintenanceWindow;

/// Whether `window` covers `now`.
pub fn covers(window: &MaintenanceWindow, tz: Tz, now: DateTime<Utc>) -> bool {
    // Saturating: a window reaching back before the Unix epoch (where cron finds no
    // occurrence) counts from it. Config durations are at most 31d (docs/limits.md).
    let duration = chrono::Duration::from_std(window.duration).unwrap_or(chrono::Duration::MAX);
    let from = now
        .checked_sub_signed(duration)
        .map_or(DateTime::UNIX_EPOCH, |t| t.max(DateTime::UNIX_EPOCH));
    // Occurrences strictly after now - duration; the first one covers now if it has
    // already begun.
    let from = from.with_timezone(&tz);
    window
        .schedule
        .after(&from)
        .next()
        .is_some_and(|start| start.with_timezone(&Utc) <= now)
}

/// The name of the first window covering this check at `now`, if any.
pub fn active<'a>(
    windows: &'a [MaintenanceWindow],
    tz: Tz,
    (agency, system, check): (&str, &str, &str),
    now: DateTime<Utc>,
) -> Option<&'a str> {
    windows
        .iter()
        .find(|w| w.matcher.matches(None, agency, system, check) && covers(w, tz, now))
        .map(|w| w.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Matcher;
    use std::str::FromStr;
    use std::time::Duration;

    fn window(cron: &str, hours: u64, agency: &[&str]) -> MaintenanceWindow {
        MaintenanceWindow {
            name: "w".into(),
            schedule: cron::Schedule::from_str(cron).unwrap(),
            duration: Duration::from_secs(hours * 3600),
            matcher: Matcher {
                agency: agency.iter().map(|s| s.to_string()).collect(),
                ..Matcher::default()
            },
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn sunday_two_am_in_hanoi_for_two_hours() {
        let w = window("0 0 2 * * Sun", 2, &[]);
        let tz = chrono_tz::Asia::Ho_Chi_Minh; // UTC+7: 02:00 local = 19:00 UTC Saturday
                                               // 2026-11-22 is a Sunday.
        assert!(!covers(&w, tz, utc("2026-11-21T18:59:59Z")));
        assert!(covers(&w, tz, utc("2026-11-21T19:00:00Z")));
        assert!(covers(&w, tz, utc("2026-11-21T20:59:59Z")));
        assert!(!covers(&w, tz, utc("2026-11-21T21:00:00Z")));
        // Same instant in UTC is not a window when the zone is UTC.
        assert!(!covers(&w, chrono_tz::UTC, utc("2026-11-21T19:30:00Z")));
        assert!(covers(&w, chrono_tz::UTC, utc("2026-11-22T02:30:00Z")));
    }

    #[test]
    fn a_window_that_began_long_ago_still_covers() {
        // Daily at midnight for 20 hours.
        let w = window("0 0 0 * * *", 20, &[]);
        assert!(covers(&w, chrono_tz::UTC, utc("2026-11-23T19:59:00Z")));
        assert!(!covers(&w, chrono_tz::UTC, utc("2026-11-23T20:00:00Z")));
    }

    #[test]
    fn windows_longer_than_time_itself_cover_without_overflow() {
        let now = utc("2026-11-23T10:00:00Z"); // a Monday
        let days = |d: u64| Duration::from_secs(d * 86_400);
        let longest = [
            days(31),
            days(200_000 * 365),
            days(99_999_999_999),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ];
        for duration in longest {
            let w = MaintenanceWindow {
                duration,
                ..window("0 0 2 * * Sun", 1, &[])
            };
            for tz in [
                chrono_tz::UTC,
                chrono_tz::Asia::Ho_Chi_Minh,
                chrono_tz::America::Los_Angeles,
            ] {
                assert!(covers(&w, tz, now), "{duration:?} in {tz}");
            }
        }
    }

    #[test]
    fn matcher_limits_the_window() {
        let windows = [window("* * * * * *", 1, &["bo-tu-phap"])];
        let now = utc("2026-11-23T10:00:00Z");
        let tz = chrono_tz::UTC;
        assert_eq!(
            active(&windows, tz, ("bo-tu-phap", "s", "c"), now),
            Some("w")
        );
        assert_eq!(active(&windows, tz, ("bo-y-te", "s", "c"), now), None);
    }
}
