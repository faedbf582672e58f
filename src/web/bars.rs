//! The 90 daily availability bars of a check: calendar days in `sla.timezone`, each
//! day's availability time-weighted from raw results (docs/results.md), grey where there is
//! no data. Every bar carries its date and figure as a title and an accessible label.

use std::fmt::Write;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::html::esc;
use super::i18n::{day, percent, t, tf, Lang};
use crate::result::ResultKind;
use crate::sla::rollup::weigh;
use crate::sla::seconds::Seconds;
use crate::sla::time::{local_date, midnight};

/// Days shown.
pub const DAYS: usize = 90;

/// Below this much measured time a window (a check's 90 days, an agency's or a badge's
/// 30) shows no percentage: less than an hour of data says too little about it
/// (docs/api.md, "The status page").
pub const MIN_COVERAGE: f64 = 3600.0;

/// One calendar day in the zone, as unix seconds `[start, end)`; today ends now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub start: i64,
    pub end: i64,
}

/// The last `n` days up to and including today, oldest first.
pub fn last_days(now: i64, tz: Tz, n: usize) -> Vec<Day> {
    let today = local_date(tz, now);
    let mut days: Vec<Day> = (0..n as u64)
        .rev()
        .filter_map(|back| {
            let date = today.checked_sub_days(chrono::Days::new(back))?;
            let start = midnight(tz, date);
            let end = midnight(tz, date.succ_opt()?);
            Some(Day { date, start, end })
        })
        .collect();
    if let Some(last) = days.last_mut() {
        last.end = last.end.min(now);
    }
    days
}

/// Each day's accounting: its daily rollup where `rolled` has one, else from the
/// check's raw results (sorted by time).
pub fn daily(
    results: &[(i64, ResultKind)],
    cap: i64,
    days: &[Day],
    rolled: impl Fn(i64) -> Option<Seconds>,
) -> Vec<Seconds> {
    days.iter()
        .map(|d| rolled(d.start).unwrap_or_else(|| weigh(results, cap, d.start, d.end)))
        .collect()
}

/// The CSS class of a day: `ok` at or above the SLO, `warn` from 90 %, `bad` below,
/// none (grey) without data.
fn class(ratio: Option<f64>, slo_percent: f64) -> &'static str {
    match ratio {
        None => "",
        Some(r) if r * 100.0 >= slo_percent => "ok",
        Some(r) if r >= 0.9 => "warn",
        Some(_) => "bad",
    }
}

/// Writes the bars (an ordered list, oldest day first) and their axis.
pub fn render(
    out: &mut String,
    lang: Lang,
    days: &[Day],
    secs: &[Seconds],
    slo_percent: f64,
    exclude_maintenance: bool,
) {
    let _ = write!(
        out,
        "<ol class=\"bars\" aria-label=\"{}\">",
        esc(&tf(lang, "bars.label", &[&days.len().to_string()]))
    );
    for (d, s) in days.iter().zip(secs) {
        let ratio = s.availability(exclude_maintenance);
        let date = day(lang, d.date);
        let label = match ratio {
            None => tf(lang, "bars.no_data", &[&date]),
            Some(r) => {
                let down_min = (s.unavailable(exclude_maintenance) / 60.0).floor() as i64;
                tf(
                    lang,
                    "bars.day",
                    &[&date, &percent(lang, r), &down_min.to_string()],
                )
            }
        };
        let label = esc(&label);
        let _ = write!(
            out,
            "<li class=\"{}\" role=\"img\" title=\"{label}\" aria-label=\"{label}\"></li>",
            class(ratio, slo_percent)
        );
    }
    out.push_str("</ol>");
    let _ = write!(
        out,
        "<div class=\"axis muted\"><span>{}</span><span>{}</span></div>",
        esc(&tf(
            lang,
            "bars.ago",
            &[&days.len().saturating_sub(1).to_string()]
        )),
        t(lang, "bars.today"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const HCM: Tz = chrono_tz::Asia::Ho_Chi_Minh;

    #[test]
    fn days_are_local_and_end_now() {
        // 2026-11-01T10:00:00Z = 17:00 in Ho Chi Minh City.
        let now = 1_793_466_000 + 17 * 3600;
        let days = last_days(now, HCM, 3);
        assert_eq!(days.len(), 3);
        assert_eq!(days[2].date, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(days[2].start, 1_793_466_000);
        assert_eq!(days[2].end, now);
        assert_eq!(days[1].end, days[2].start);
        assert_eq!(days[0].start, 1_793_466_000 - 2 * 86_400);
    }

    #[test]
    fn bars_have_classes_and_labels() {
        let days = last_days(1_793_466_000 + 3600, HCM, 3);
        let up = Seconds {
            up: 3600.0,
            ..Seconds::default()
        };
        let half = Seconds {
            up: 50.0,
            down: 50.0,
            ..Seconds::default()
        };
        let mut out = String::new();
        render(
            &mut out,
            Lang::En,
            &days,
            &[Seconds::default(), half, up],
            99.5,
            true,
        );
        assert_eq!(out.matches("<li").count(), 3);
        assert!(out.contains("<li class=\"\" role=\"img\" title=\"2026-10-30: no data\""));
        assert!(out.contains(
            "class=\"bad\" role=\"img\" title=\"2026-10-31: 50.00% available, 0 min down\""
        ));
        assert!(out.contains(
            "class=\"ok\" role=\"img\" title=\"2026-11-01: 100% available, 0 min down\""
        ));
        let mut vi = String::new();
        render(
            &mut vi,
            Lang::Vi,
            &days,
            &[Seconds::default(), half, up],
            99.5,
            true,
        );
        assert!(
            vi.contains("title=\"30/10/2026: không có dữ liệu\""),
            "{vi}"
        );
        assert!(
            vi.contains("title=\"31/10/2026: khả dụng 50,00 %, gián đoạn 0 phút\""),
            "{vi}"
        );
    }
}
