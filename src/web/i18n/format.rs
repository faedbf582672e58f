//! Numbers, percentages, dates, relative times, spans and counts in a language.
//! Vietnamese writes `99,95 %`, `02/12/2026`, `5 phút trước`; English `99.95%`,
//! `2026-12-02`, `5 minutes ago`. Times are shown in the zone given (`sla.timezone`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{tf, Lang};

/// `x` with `places` decimals, the decimal separator of the language.
pub fn decimal(lang: Lang, x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    match lang {
        Lang::Vi => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A ratio as a percentage with two decimals that never rounds a shortfall up to
/// 100 %: `99,95 %` in Vietnamese, `99.95%` in English.
pub fn percent(lang: Lang, ratio: f64) -> String {
    let number = if ratio >= 1.0 {
        "100".to_owned()
    } else if ratio <= 0.0 {
        "0".to_owned()
    } else {
        decimal(lang, (ratio * 10_000.0).floor() / 100.0, 2)
    };
    match lang {
        Lang::Vi => format!("{number} %"),
        Lang::En => format!("{number}%"),
    }
}

fn local(at: i64, tz: Tz) -> DateTime<Tz> {
    DateTime::<Utc>::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
}

/// The calendar date of `at` in `tz`: `02/12/2026` or `2026-12-02`.
pub fn date(lang: Lang, at: i64, tz: Tz) -> String {
    let pattern = match lang {
        Lang::Vi => "%d/%m/%Y",
        Lang::En => "%Y-%m-%d",
    };
    local(at, tz).format(pattern).to_string()
}

/// A calendar date: `02/12/2026` or `2026-12-02`.
pub fn day(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.to_string(),
    }
}

/// A time in `tz` to the second with the zone's offset: `02/12/2026 15:04:05 +07`.
pub fn date_time(lang: Lang, at: i64, tz: Tz) -> String {
    let pattern = match lang {
        Lang::Vi => "%d/%m/%Y %H:%M:%S %Z",
        Lang::En => "%Y-%m-%d %H:%M:%S %Z",
    };
    local(at, tz).format(pattern).to_string()
}

/// A time in `tz` to the minute: `02/12/2026 15:04`.
pub fn date_minute(lang: Lang, at: i64, tz: Tz) -> String {
    let pattern = match lang {
        Lang::Vi => "%d/%m/%Y %H:%M",
        Lang::En => "%Y-%m-%d %H:%M",
    };
    local(at, tz).format(pattern).to_string()
}

/// `n` things: `count(lang, n, "check")` reads `check.one` or `check.many` (Vietnamese
/// nouns do not change, so both say the same there) with `{0}` the number.
pub fn count(lang: Lang, n: u64, key: &'static str) -> String {
    let full = match (n == 1, key) {
        (true, "check") => "check.one",
        (false, "check") => "check.many",
        (true, "alert") => "alert.one",
        (false, "alert") => "alert.many",
        (true, "agency") => "agency.one",
        (false, "agency") => "agency.many",
        (true, "minute") => "minute.one",
        (false, "minute") => "minute.many",
        (true, "hour") => "hour.one",
        (false, "hour") => "hour.many",
        (true, "day") => "day.one",
        (false, "day") => "day.many",
        _ => key,
    };
    tf(lang, full, &[&n.to_string()])
}

/// A span of time in its largest whole unit: `45 phút`, `1 giờ`, `3 ngày`.
pub fn span(lang: Lang, secs: i64) -> String {
    let secs = secs.max(0) as u64;
    if secs < 3600 {
        count(lang, secs / 60, "minute")
    } else if secs < 86_400 {
        count(lang, secs / 3600, "hour")
    } else {
        count(lang, secs / 86_400, "day")
    }
}

/// How long ago `at` was at `now`: `vừa xong`, `5 phút trước`, `1 hour ago`.
pub fn ago(lang: Lang, now: i64, at: i64) -> String {
    let secs = now.saturating_sub(at);
    if secs < 60 {
        return super::t(lang, "ago.now").to_owned();
    }
    tf(lang, "ago", &[&span(lang, secs)])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HCM: Tz = chrono_tz::Asia::Ho_Chi_Minh;
    /// 2026-12-02T08:04:05Z, 15:04:05 in Ho Chi Minh City.
    const AT: i64 = 1_796_198_645;

    #[test]
    fn numbers_use_the_languages_decimal_separator() {
        assert_eq!(decimal(Lang::Vi, 12.5, 1), "12,5");
        assert_eq!(decimal(Lang::En, 12.5, 1), "12.5");
        assert_eq!(percent(Lang::Vi, 0.9995), "99,95 %");
        assert_eq!(percent(Lang::En, 0.9995), "99.95%");
        assert_eq!(percent(Lang::Vi, 0.99999), "99,99 %");
        assert_eq!(percent(Lang::Vi, 1.0), "100 %");
        assert_eq!(percent(Lang::En, 0.0), "0%");
        assert_eq!(percent(Lang::En, 0.5), "50.00%");
    }

    #[test]
    fn dates_are_local_and_day_first_in_vietnamese() {
        assert_eq!(date(Lang::Vi, AT, HCM), "02/12/2026");
        assert_eq!(date(Lang::En, AT, HCM), "2026-12-02");
        assert_eq!(date_time(Lang::Vi, AT, HCM), "02/12/2026 15:04:05 +07");
        assert_eq!(date_time(Lang::En, AT, HCM), "2026-12-02 15:04:05 +07");
        assert_eq!(date_minute(Lang::Vi, AT, HCM), "02/12/2026 15:04");
        // 23:30 UTC is already the next day in Ho Chi Minh City.
        assert_eq!(date(Lang::Vi, AT + 15 * 3600 + 26 * 60, HCM), "03/12/2026");
    }

    #[test]
    fn plurals_and_relative_times() {
        assert_eq!(count(Lang::En, 1, "check"), "1 check");
        assert_eq!(count(Lang::En, 2, "check"), "2 checks");
        assert_eq!(count(Lang::En, 0, "alert"), "0 alerts firing");
        assert_eq!(count(Lang::Vi, 1, "check"), "1 điểm kiểm tra");
        assert_eq!(count(Lang::Vi, 2, "check"), "2 điểm kiểm tra");
        assert_eq!(ago(Lang::Vi, AT, AT - 30), "vừa xong");
        assert_eq!(ago(Lang::Vi, AT, AT - 300), "5 phút trước");
        assert_eq!(ago(Lang::En, AT, AT - 60), "1 minute ago");
        assert_eq!(ago(Lang::En, AT, AT - 7200), "2 hours ago");
        assert_eq!(ago(Lang::Vi, AT, AT - 3 * 86_400), "3 ngày trước");
        assert_eq!(span(Lang::Vi, 3600), "1 giờ");
        assert_eq!(span(Lang::En, 3600), "1 hour");
    }
}
