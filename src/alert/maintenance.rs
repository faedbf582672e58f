//! Maintenance windows (docs/configuration.md): a cron schedule with seconds, a duration and a
//! matcher, evaluated in `sla.timezone`. A window covers an instant when its latest
//! start at or before that instant began less than `duration` ago, so a window that
//! began before a restart is still honoured after it.
//!
//! Starts are wall-clock times in the zone, mapped to instants as cron implementations
//! do across daylight saving (`docs/limits.md`, "Maintenance windows and daylight
//! saving"): a time that occurs twice starts a window once, at its first occurrence; a
//! time that does not exist starts it at the next valid time (the end of the gap). A
//! window then lasts exactly `duration` in real time.
//!
//! The `cron` crate is not asked to iterate in the zone itself: it skips times that do
//! not exist and yields both occurrences of a repeated time. It iterates wall-clock
//! times here (a `DateTime<Utc>` whose fields are the local fields), and `start_of`
//! maps each one to its instant.

use std::ops::Range;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use crate::config::MaintenanceWindow;

/// The window of `schedule` lasting `duration` that covers `at` in zone `tz`, as the
/// instants `start..end`, if any. Pure; never panics, whatever the instant.
pub fn window_at(
    schedule: &cron::Schedule,
    duration: std::time::Duration,
    tz: Tz,
    at: DateTime<Utc>,
) -> Option<Range<DateTime<Utc>>> {
    let start = latest_start(schedule, tz, at)?;
    let duration = TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
    // An end past the last representable instant is no end.
    let end = start
        .checked_add_signed(duration)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (at < end).then_some(start..end)
}

/// Whether `window` covers `now`.
pub fn covers(window: &MaintenanceWindow, tz: Tz, now: DateTime<Utc>) -> bool {
    window_at(&window.schedule, window.duration, tz, now).is_some()
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

/// The windows of `schedule` lasting `duration` that start in `(from, to]`, as
/// instants, at most `limit` of them, in time order (what the status page lists as
/// planned).
pub fn starts_between(
    schedule: &cron::Schedule,
    duration: std::time::Duration,
    tz: Tz,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: usize,
) -> Vec<Range<DateTime<Utc>>> {
    let duration = TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
    let wall = |at: DateTime<Utc>| {
        let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
        at.naive_utc().checked_add_offset(offset)
    };
    let (Some(first), Some(last)) = (wall(from), wall(to)) else {
        return Vec::new();
    };
    // A day before and after in wall-clock time covers any offset change between.
    let Some(origin) = first.checked_sub_signed(TimeDelta::days(1)) else {
        return Vec::new();
    };
    let last = last.checked_add_signed(TimeDelta::days(1)).unwrap_or(last);
    schedule
        .after(&origin.and_utc())
        .take_while(|w| w.naive_utc() <= last)
        .filter_map(|w| start_of(tz, w.naive_utc()))
        .filter(|s| *s > from && *s <= to)
        .take(limit)
        .map(|s| {
            s..s.checked_add_signed(duration)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        })
        .collect()
}

/// The first window covering this check at `now`, of the config's (its name) or the
/// ad-hoc ones (its id): the one test of maintenance for results and alerts alike.
pub fn active_any<'a>(
    windows: &'a [MaintenanceWindow],
    adhoc: &'a [crate::store::maintenance::Window],
    tz: Tz,
    ids: (&str, &str, &str),
    now: DateTime<Utc>,
) -> Option<&'a str> {
    active(windows, tz, ids, now).or_else(|| {
        adhoc
            .iter()
            .find(|w| w.matches(ids.0, ids.1, ids.2) && w.covers(now.timestamp()))
            .map(|w| w.id.as_str())
    })
}

/// The latest start at or before `at`. Wall-clock times map to instants in order
/// (`start_of` never goes backwards), so walking the schedule's wall-clock times
/// backwards, the first one that starts at or before `at` is the latest.
fn latest_start(schedule: &cron::Schedule, tz: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
    let local = at.naive_utc().checked_add_offset(offset)?;
    // The `cron` crate knows no year before 1970 (and would misread a negative one).
    if local.year() < 1970 {
        return None;
    }
    // Wall-clock times after `local` start after `at`, except when `at` is in the second
    // pass of a repeated hour: the rest of that hour started in the first pass.
    let repeat = match tz.from_local_datetime(&local) {
        LocalResult::Ambiguous(first, _) => at.signed_duration_since(first),
        _ => TimeDelta::zero(),
    };
    // `rev()` yields times strictly before its origin, and schedules have whole seconds.
    let origin = local
        .checked_add_signed(repeat)?
        .with_nanosecond(0)?
        .checked_add_signed(TimeDelta::seconds(1))?
        .and_utc();
    schedule
        .after(&origin)
        .rev()
        .map(|wall| start_of(tz, wall.naive_utc()))
        .find(|start| start.is_some_and(|s| s <= at))
        .flatten()
}

/// The instant a wall-clock time `local` starts a window: itself, the first of two, or
/// for a time skipped by the clock the next valid time (the instant the gap ends).
fn start_of(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, local),
    }
}

/// The first instant whose wall-clock time is at or after `local`, a time the clock
/// skips. Offsets stay within a day of UTC, so the instant lies within a day of `local`
/// read as UTC; no instant shows `local`, so the one place the wall clock passes it is
/// the gap, found by bisection on whole seconds (transitions are on whole seconds).
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let reached = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .and_then(|u| {
                let offset = tz.offset_from_utc_datetime(&u.naive_utc()).fix();
                u.naive_utc().checked_add_offset(offset)
            })
            .is_some_and(|wall| wall >= local)
    };
    const DAY: i64 = 86_400;
    let guess = local.and_utc().timestamp();
    let (mut before, mut after) = (guess.checked_sub(DAY)?, guess.checked_add(DAY)?);
    if reached(before) || !reached(after) {
        return None;
    }
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if reached(mid) {
            after = mid;
        } else {
            before = mid;
        }
    }
    DateTime::from_timestamp(after, 0)
}

#[cfg(test)]
mod tests;
