//! Times as the API shows and accepts them (docs/api.md): RFC 3339 in UTC out; RFC 3339 or a
//! calendar date in `sla.timezone` in. Pure functions, no clock.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

pub use crate::util::rfc3339;

/// Which end of a range a parameter is: a date means the start of that day for `from`
/// and its end for `to`, and a fractional second rounds inward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    From,
    To,
}

/// Parses a `from`/`to` value to unix seconds, inclusive. `None` if it is neither
/// RFC 3339 nor a date `YYYY-MM-DD`.
pub fn parse_bound(value: &str, tz: Tz, bound: Bound) -> Option<i64> {
    if is_date_shape(value) {
        let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
        return match bound {
            Bound::From => day_start(date, tz),
            Bound::To => day_start(date.succ_opt()?, tz).map(|t| t - 1),
        };
    }
    let parsed = DateTime::parse_from_rfc3339(value)
        .or_else(|e| {
            // A `+` of an offset that arrived unencoded in a query string reads as a space.
            match value.rfind(' ') {
                Some(i) if i > 10 => {
                    DateTime::parse_from_rfc3339(&format!("{}+{}", &value[..i], &value[i + 1..]))
                }
                _ => Err(e),
            }
        })
        .ok()?;
    let secs = parsed.timestamp();
    let fraction = parsed.timestamp_subsec_nanos() > 0;
    Some(match bound {
        Bound::From if fraction => secs + 1,
        _ => secs,
    })
}

/// Exactly `DDDD-DD-DD` (chrono alone would also take `2026-1-1`).
fn is_date_shape(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Unix seconds of local midnight starting `date` in `tz` (the first instant of the day
/// if midnight does not exist there).
pub fn day_start(date: NaiveDate, tz: Tz) -> Option<i64> {
    Some(crate::sla::time::midnight(tz, date))
}

/// The calendar date of `ts` in `tz`.
pub fn local_date(ts: i64, tz: Tz) -> NaiveDate {
    crate::sla::time::local_date(tz, ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HCM: Tz = chrono_tz::Asia::Ho_Chi_Minh;

    #[test]
    fn formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_793_466_000), "2026-10-31T17:00:00Z");
    }

    #[test]
    fn dates_are_days_in_the_zone() {
        // 2026-11-01 00:00 +07 = 2026-10-31T17:00:00Z.
        assert_eq!(
            parse_bound("2026-11-01", HCM, Bound::From),
            Some(1_793_466_000)
        );
        assert_eq!(
            parse_bound("2026-11-01", HCM, Bound::To),
            Some(1_793_466_000 + 86_400 - 1)
        );
        assert_eq!(
            parse_bound("2026-11-01", chrono_tz::UTC, Bound::From),
            Some(1_793_466_000 + 7 * 3600)
        );
    }

    #[test]
    fn rfc3339_in_any_offset() {
        let t = 1_793_466_000;
        for v in [
            "2026-10-31T17:00:00Z",
            "2026-11-01T00:00:00+07:00",
            "2026-11-01T00:00:00 07:00",
            "2026-10-31t17:00:00z",
        ] {
            assert_eq!(parse_bound(v, HCM, Bound::From), Some(t), "{v}");
        }
        assert_eq!(
            parse_bound("2026-10-31T17:00:00.5Z", HCM, Bound::From),
            Some(t + 1)
        );
        assert_eq!(
            parse_bound("2026-10-31T17:00:00.5Z", HCM, Bound::To),
            Some(t)
        );
    }

    #[test]
    fn rejects_the_rest() {
        for v in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-11-01T25:00:00Z",
            "1793491200",
            "2026-11-01T00:00:00",
            "2026-1-01",
            "x2026-01-01",
        ] {
            assert_eq!(parse_bound(v, HCM, Bound::From), None, "{v}");
        }
    }

    #[test]
    fn local_dates() {
        assert_eq!(
            local_date(1_793_466_000, HCM),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!(
            local_date(1_793_465_999, HCM),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        );
    }
}
