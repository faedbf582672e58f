//! Calendar arithmetic in `sla.timezone`: local midnights, months, and parsing of the
//! dates and times reports accept.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Unix seconds of local midnight starting `date`; where a zone skips midnight (a DST
/// gap), the first valid local time of that day.
pub fn midnight(tz: Tz, date: NaiveDate) -> i64 {
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

/// A report bound: RFC 3339, or a date `YYYY-MM-DD` meaning local midnight of that day
/// (for an end bound, `end_of_day` moves a date to the next midnight so the day counts).
pub fn bound(tz: Tz, text: &str, end_of_day: bool) -> Result<i64, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if end_of_day => Ok(midnight(tz, d.succ_opt().ok_or("date out of range")?)),
        Ok(d) => Ok(midnight(tz, d)),
        Err(_) => Err(format!(
            "{text:?} is neither an RFC 3339 time (2026-11-01T00:00:00Z) nor a date (2026-11-01)"
        )),
    }
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
    fn bounds_accept_rfc3339_and_dates() {
        assert_eq!(
            bound(HCM, "2026-11-01T00:00:00Z", false).unwrap(),
            1_793_491_200
        );
        assert_eq!(bound(HCM, "2026-11-01", false).unwrap(), 1_793_466_000);
        assert_eq!(
            bound(HCM, "2026-11-01", true).unwrap(),
            1_793_466_000 + 86_400
        );
        assert!(bound(HCM, "yesterday", false)
            .unwrap_err()
            .contains("RFC 3339"));
    }
}
