//! Time in `sla.timezone`: local midnights, days and months, and the one parser of the
//! `from`/`to` values every route and `emcd report` accept. Arguments are always
//! `(tz, value)`. Times go out as RFC 3339 in UTC (`util::rfc3339`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

pub use crate::util::midnight;

/// The local date containing `ts`.
pub fn local_date(tz: Tz, ts: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// Local midnight of the day containing `ts`.
pub fn day_start(tz: Tz, ts: i64) -> i64 {
    midnight(tz, local_date(tz, ts))
}

/// Local midnight of the day after the one containing `ts`.
pub fn next_day_start(tz: Tz, ts: i64) -> i64 {
    midnight(tz, local_date(tz, ts).succ_opt().expect("dates go on"))
}

/// `[start, end)` of a month given as `YYYY-MM`, in local time.
pub fn month(tz: Tz, text: &str) -> Result<(i64, i64), String> {
    let bad = || format!("month {text:?}: expected YYYY-MM, e.g. 2026-11");
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    }
    .ok_or_else(bad)?;
    Ok((midnight(tz, first), midnight(tz, next)))
}

/// Which end of a range a `from`/`to` value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    From,
    To,
}

/// Parses a `from`/`to` value (docs/api.md) to unix seconds, **inclusive** at both ends:
/// RFC 3339 with an offset (a `+` decoded from a query string as a space is accepted; a
/// fractional second rounds inward), or a date `YYYY-MM-DD` in `tz`, meaning its first
/// second for `from` and its last for `to`. Every route and `emcd report` use this one
/// parser; a half-open range ends at `to + 1`.
pub fn bound(tz: Tz, text: &str, which: Bound) -> Result<i64, String> {
    parse_bound(tz, text, which).ok_or_else(|| {
        format!(
            "{text:?} is neither an RFC 3339 time (2026-11-01T08:00:00Z, \
             2026-11-01T15:00:00+07:00) nor a date (2026-11-01, a day in {tz})"
        )
    })
}

fn parse_bound(tz: Tz, text: &str, which: Bound) -> Option<i64> {
    if is_date_shape(text) {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        return Some(match which {
            Bound::From => midnight(tz, date),
            Bound::To => midnight(tz, date.succ_opt()?) - 1,
        });
    }
    let parsed = DateTime::parse_from_rfc3339(text)
        .or_else(|e| match text.rfind(' ') {
            Some(i) if i > 10 => {
                DateTime::parse_from_rfc3339(&format!("{}+{}", &text[..i], &text[i + 1..]))
            }
            _ => Err(e),
        })
        .ok()?;
    let secs = parsed.timestamp();
    let fraction = parsed.timestamp_subsec_nanos() > 0;
    Some(match which {
        Bound::From if fraction => secs + 1,
        _ => secs,
    })
}

/// Exactly `DDDD-DD-DD` (chrono alone would also take `2026-1-1`).
fn is_date_shape(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// `YYYY-MM-DD` of a local date.
pub fn date_text(tz: Tz, ts: i64) -> String {
    let d = local_date(tz, ts);
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HCM: Tz = chrono_tz::Asia::Ho_Chi_Minh;

    #[test]
    fn months_and_days_in_hanoi_time() {
        // 2026-11-01 00:00 +07:00 = 2026-10-31 17:00 UTC.
        let (a, b) = month(HCM, "2026-11").unwrap();
        assert_eq!(a, 1_793_466_000);
        assert_eq!(b - a, 30 * 86_400);
        assert_eq!(
            month(HCM, "2026-12").unwrap().1 - month(HCM, "2026-12").unwrap().0,
            31 * 86_400
        );
        assert!(month(HCM, "2026-13").is_err());
        assert!(month(HCM, "nov").unwrap_err().contains("YYYY-MM"));
        assert_eq!(day_start(HCM, a + 5), a);
        assert_eq!(next_day_start(HCM, a + 5), a + 86_400);
        assert_eq!(date_text(HCM, a), "2026-11-01");
    }

    #[test]
    fn dates_are_days_in_the_zone() {
        // 2026-11-01 00:00 +07 = 2026-10-31T17:00:00Z.
        let t = 1_793_466_000;
        assert_eq!(bound(HCM, "2026-11-01", Bound::From), Ok(t));
        assert_eq!(bound(HCM, "2026-11-01", Bound::To), Ok(t + 86_400 - 1));
        assert_eq!(
            bound(chrono_tz::UTC, "2026-11-01", Bound::From),
            Ok(t + 7 * 3600)
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
            assert_eq!(bound(HCM, v, Bound::From), Ok(t), "{v}");
            assert_eq!(bound(HCM, v, Bound::To), Ok(t), "{v}");
        }
        assert_eq!(bound(HCM, "2026-10-31T17:00:00.5Z", Bound::From), Ok(t + 1));
        assert_eq!(bound(HCM, "2026-10-31T17:00:00.5Z", Bound::To), Ok(t));
    }

    #[test]
    fn rejects_the_rest_naming_the_value() {
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
            let e = bound(HCM, v, Bound::From).unwrap_err();
            assert!(e.starts_with(&format!("{v:?} is neither")), "{e}");
            assert!(
                e.contains("RFC 3339") && e.contains("Asia/Ho_Chi_Minh"),
                "{e}"
            );
        }
    }

    #[test]
    fn local_dates() {
        assert_eq!(
            local_date(HCM, 1_793_466_000),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!(
            local_date(HCM, 1_793_465_999),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        );
    }
}
