//! Maintenance windows, table-tested at instants around both daylight-saving transitions
//! (rule in `docs/limits.md`, "Maintenance windows and daylight saving").

use super::*;
use crate::config::Matcher;
use chrono_tz::{America::New_York, Asia::Ho_Chi_Minh, Europe::Paris, Tz};
use std::str::FromStr;
use std::time::Duration;

fn window(cron: &str, secs: u64, agency: &[&str]) -> MaintenanceWindow {
    MaintenanceWindow {
        name: "w".into(),
        schedule: cron::Schedule::from_str(cron).unwrap(),
        duration: Duration::from_secs(secs),
        matcher: Matcher {
            agency: agency.iter().map(|s| s.to_string()).collect(),
            ..Matcher::default()
        },
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Checks `covers` at each instant of `table` (UTC, expected), naming the failures.
fn table(cron: &str, secs: u64, tz: Tz, table: &[(&str, bool)]) {
    let w = window(cron, secs, &[]);
    let wrong: Vec<String> = table
        .iter()
        .filter(|(at, expected)| covers(&w, tz, utc(at)) != *expected)
        .map(|(at, expected)| format!("{at}: expected {expected}"))
        .collect();
    assert!(wrong.is_empty(), "{cron} for {secs} s in {tz}: {wrong:#?}");
}

#[test]
fn sunday_two_am_in_hanoi_for_two_hours() {
    let w = window("0 0 2 * * Sun", 2 * 3600, &[]);
    let tz = Ho_Chi_Minh; // UTC+7: 02:00 local = 19:00 UTC Saturday; 2026-11-22 is a Sunday.
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
    let w = window("0 0 0 * * *", 20 * 3600, &[]);
    assert!(covers(&w, chrono_tz::UTC, utc("2026-11-23T19:59:00Z")));
    assert!(!covers(&w, chrono_tz::UTC, utc("2026-11-23T20:00:00Z")));
}

#[test]
fn matcher_limits_the_window() {
    let windows = [window("* * * * * *", 3600, &["bo-tu-phap"])];
    let now = utc("2026-11-23T10:00:00Z");
    let tz = chrono_tz::UTC;
    assert_eq!(
        active(&windows, tz, ("bo-tu-phap", "s", "c"), now),
        Some("w")
    );
    assert_eq!(active(&windows, tz, ("bo-y-te", "s", "c"), now), None);
}

/// Paris falls back on 2026-10-25 at 01:00 UTC (03:00 CEST becomes 02:00 CET): local
/// 02:30 happens at 00:30 UTC and again at 01:30 UTC. The window runs once, at the first.
#[test]
fn paris_fall_back_repeated_hour_runs_once_at_its_first_occurrence() {
    table(
        "0 30 2 * * *",
        120,
        Paris,
        &[
            ("2026-10-24T00:30:00Z", true), // the day before: 02:30 CEST
            ("2026-10-25T00:29:59Z", false),
            ("2026-10-25T00:29:59.999Z", false),
            ("2026-10-25T00:30:00Z", true), // first 02:30 (CEST)
            ("2026-10-25T00:31:00Z", true),
            ("2026-10-25T00:31:59.999Z", true),
            ("2026-10-25T00:32:00Z", false), // exactly 2 minutes later
            ("2026-10-25T00:59:59Z", false),
            ("2026-10-25T01:00:00Z", false), // 02:00 CET, the hour again
            ("2026-10-25T01:03:00Z", false),
            ("2026-10-25T01:29:59Z", false),
            ("2026-10-25T01:30:00Z", false), // second 02:30 (CET): no window
            ("2026-10-25T01:31:00Z", false),
            ("2026-10-25T01:32:00Z", false),
            ("2026-10-26T01:30:00Z", true), // the day after: 02:30 CET
            ("2026-10-26T01:32:00Z", false),
        ],
    );
}

/// A window across the fall-back lasts its duration in real time, not in wall-clock time.
#[test]
fn paris_fall_back_window_lasts_its_duration_in_real_time() {
    // 01:30 CEST = 23:30 UTC; two hours later is 01:30 UTC (02:30 CET on the wall).
    table(
        "0 30 1 * * *",
        2 * 3600,
        Paris,
        &[
            ("2026-10-24T23:29:59Z", false),
            ("2026-10-24T23:30:00Z", true),
            ("2026-10-25T00:30:00Z", true),
            ("2026-10-25T01:00:00Z", true),
            ("2026-10-25T01:29:59Z", true),
            ("2026-10-25T01:30:00Z", false),
        ],
    );
    // Starting inside the repeated hour (first 02:00 = 00:00 UTC) for 90 minutes.
    table(
        "0 0 2 * * *",
        90 * 60,
        Paris,
        &[
            ("2026-10-24T23:59:59Z", false),
            ("2026-10-25T00:00:00Z", true),
            ("2026-10-25T01:00:00Z", true),
            ("2026-10-25T01:29:59Z", true),
            ("2026-10-25T01:30:00Z", false),
            ("2026-10-25T01:59:59Z", false),
            ("2026-10-25T02:00:00Z", false),
        ],
    );
}

/// Paris springs forward on 2026-03-29 at 01:00 UTC (02:00 CET becomes 03:00 CEST):
/// local 02:00 and 02:30 do not exist and run at the next valid time, 03:00 CEST.
#[test]
fn paris_spring_forward_skipped_times_run_at_the_next_valid_time() {
    for cron in ["0 30 2 * * *", "0 0 2 * * *", "0 0,30 2 * * *"] {
        table(
            cron,
            120,
            Paris,
            &[
                ("2026-03-29T00:59:59Z", false), // 01:59:59 CET
                ("2026-03-29T01:00:00Z", true),  // 03:00 CEST
                ("2026-03-29T01:01:59Z", true),
                ("2026-03-29T01:02:00Z", false), // exactly 2 minutes later
                ("2026-03-29T01:30:00Z", false), // 03:30 CEST is not a window
                ("2026-03-29T01:31:00Z", false),
            ],
        );
    }
    // The day after, 02:30 CEST exists again.
    table(
        "0 30 2 * * *",
        120,
        Paris,
        &[
            ("2026-03-30T00:29:59Z", false),
            ("2026-03-30T00:30:00Z", true),
            ("2026-03-30T00:32:00Z", false),
        ],
    );
    // A window across the gap: 01:30 CET (00:30 UTC) for an hour ends at 01:30 UTC,
    // which is 03:30 CEST on the wall.
    table(
        "0 30 1 * * *",
        3600,
        Paris,
        &[
            ("2026-03-29T00:29:59Z", false),
            ("2026-03-29T00:30:00Z", true),
            ("2026-03-29T01:00:00Z", true),
            ("2026-03-29T01:29:59Z", true),
            ("2026-03-29T01:30:00Z", false),
        ],
    );
}

/// New York: 2026-03-08 02:00 EST becomes 03:00 EDT (07:00 UTC); 2026-11-01 02:00 EDT
/// becomes 01:00 EST (06:00 UTC), so 01:30 happens at 05:30 and 06:30 UTC.
#[test]
fn new_york_both_transitions() {
    table(
        "0 30 2 * * *",
        120,
        New_York,
        &[
            ("2026-03-08T06:59:59Z", false),
            ("2026-03-08T07:00:00Z", true), // 03:00 EDT
            ("2026-03-08T07:01:59Z", true),
            ("2026-03-08T07:02:00Z", false),
            ("2026-03-08T07:30:00Z", false),
            ("2026-03-09T06:30:00Z", true), // 02:30 EDT the day after
        ],
    );
    table(
        "0 30 1 * * *",
        120,
        New_York,
        &[
            ("2026-11-01T05:29:59Z", false),
            ("2026-11-01T05:30:00Z", true), // first 01:30 (EDT)
            ("2026-11-01T05:31:59Z", true),
            ("2026-11-01T05:32:00Z", false),
            ("2026-11-01T06:03:00Z", false),
            ("2026-11-01T06:30:00Z", false), // second 01:30 (EST)
            ("2026-11-01T06:31:00Z", false),
            ("2026-11-02T06:30:00Z", true), // 01:30 EST the day after
        ],
    );
}

/// A zone without daylight saving is unchanged on the days Paris and New York change.
#[test]
fn ho_chi_minh_is_unchanged_on_those_days() {
    table(
        "0 30 2 * * *",
        120,
        Ho_Chi_Minh,
        &[
            ("2026-03-28T19:29:59Z", false),
            ("2026-03-28T19:30:00Z", true), // 02:30 +07 on 2026-03-29
            ("2026-03-28T19:31:59Z", true),
            ("2026-03-28T19:32:00Z", false),
            ("2026-10-24T19:30:00Z", true), // 02:30 +07 on 2026-10-25
            ("2026-10-24T19:32:00Z", false),
            ("2026-10-25T00:30:00Z", false),
            ("2026-10-25T01:30:00Z", false),
        ],
    );
}

/// The pure function gives the window itself: it lasts exactly its duration in real
/// time, wherever it falls.
#[test]
fn window_at_lasts_exactly_the_duration() {
    let cases = [
        (
            "0 30 2 * * *",
            Paris,
            "2026-10-25T00:31:00Z",
            "2026-10-25T00:30:00Z",
        ),
        (
            "0 30 2 * * *",
            Paris,
            "2026-03-29T01:01:00Z",
            "2026-03-29T01:00:00Z",
        ),
        (
            "0 0 2 * * *",
            Paris,
            "2026-03-29T01:00:00Z",
            "2026-03-29T01:00:00Z",
        ),
        (
            "0 30 1 * * *",
            New_York,
            "2026-11-01T05:31:00Z",
            "2026-11-01T05:30:00Z",
        ),
        (
            "0 30 2 * * *",
            New_York,
            "2026-03-08T07:00:30Z",
            "2026-03-08T07:00:00Z",
        ),
        (
            "0 30 2 * * *",
            Ho_Chi_Minh,
            "2026-10-24T19:31:00Z",
            "2026-10-24T19:30:00Z",
        ),
    ];
    for (cron, tz, at, start) in cases {
        let schedule = cron::Schedule::from_str(cron).unwrap();
        let got = window_at(&schedule, Duration::from_secs(120), tz, utc(at));
        let start = utc(start);
        let end = start + TimeDelta::seconds(120);
        assert_eq!(got, Some(start..end), "{cron} in {tz} at {at}");
    }
}

/// Every 15 minutes for 15 minutes: on the fall-back day the repeated hour's times ran in
/// its first pass, so the second pass (01:00 to 02:00 UTC in Paris) has no window.
#[test]
fn frequent_schedule_leaves_the_second_pass_uncovered() {
    table(
        "0 */15 * * * *",
        15 * 60,
        Paris,
        &[
            ("2026-10-25T00:59:59Z", true), // 02:45 CEST + 14:59
            ("2026-10-25T01:00:00Z", false),
            ("2026-10-25T01:45:00Z", false),
            ("2026-10-25T01:59:59Z", false),
            ("2026-10-25T02:00:00Z", true), // 03:00 CET
        ],
    );
}

/// Extreme instants and durations neither panic nor loop: no window before 1970 (the
/// cron crate's first year), an end past the last instant is no end, and a schedule
/// every second with a 31-day window finds its latest start at once, in the repeated
/// hour too.
#[test]
fn extremes_neither_panic_nor_loop() {
    let every_second = cron::Schedule::from_str("* * * * * *").unwrap();
    let month = Duration::from_secs(31 * 86_400);
    for tz in [Paris, New_York, Ho_Chi_Minh, chrono_tz::Pacific::Kiritimati] {
        for at in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            let _ = window_at(&every_second, month, tz, at);
            let _ = window_at(&every_second, Duration::MAX, tz, at);
        }
        assert_eq!(
            window_at(&every_second, month, tz, utc("1960-01-01T00:00:00Z")),
            None
        );
    }
    let at = utc("2026-10-25T01:59:59.5Z"); // last second of the repeated hour
                                            // Its latest start is the first 02:59:59 (00:59:59 UTC), an hour and a half-second ago.
    let got = window_at(&every_second, Duration::from_secs(3601), Paris, at);
    assert_eq!(got.map(|w| w.start), Some(utc("2026-10-25T00:59:59Z")));
    assert_eq!(
        window_at(&every_second, Duration::from_secs(3600), Paris, at),
        None
    );
    let got = window_at(&every_second, Duration::MAX, Paris, at).unwrap();
    assert_eq!(got.end, DateTime::<Utc>::MAX_UTC);
}
