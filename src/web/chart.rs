//! The pictures of the status page, as inline SVG (no script, no external asset; only
//! presentation attributes, so the strict Content-Security-Policy holds): per check its
//! response times over the last 24 hours (p50 and p95 per hour, hours with down time
//! shaded red, hours in maintenance hatched), per agency its availability over 30 days.
//! Every picture has a `<title>` with its figures, and the same figures as text beside
//! it, so a phone reads them without hovering.

use std::fmt::Write;

use chrono_tz::Tz;

use super::bars::Day;
use super::html::esc;
use super::i18n::{date_minute, day, decimal, percent, span, t, tf, Lang};
use crate::sla::histogram::LatencyHistogram;
use crate::sla::rollup::Rollup;
use crate::sla::seconds::Seconds;

/// Width of an hour (or a day) in the pictures' units; their height.
const STEP: f64 = 10.0;
const HEIGHT: f64 = 60.0;

/// The response-time picture of one check: `hours` are (hour start, rollup) oldest
/// first; `key` makes the hatch pattern's id unique on the page.
pub fn response_times(out: &mut String, lang: Lang, tz: Tz, hours: &[(i64, Rollup)], key: i64) {
    let mut all = LatencyHistogram::default();
    let mut secs = Seconds::default();
    for (_, r) in hours {
        all.merge(&r.hist);
        secs.add(r.seconds);
    }
    let q = |h: &LatencyHistogram, p: f64| h.quantile(p);
    let points: Vec<(Option<f64>, Option<f64>)> = hours
        .iter()
        .map(|(_, r)| (q(&r.hist, 0.5), q(&r.hist, 0.95)))
        .collect();
    let top = points
        .iter()
        .filter_map(|p| p.1)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let ms = |v: f64| format!("{} ms", decimal(lang, v, 0));
    let figures = match (q(&all, 0.5), q(&all, 0.95)) {
        (Some(p50), Some(p95)) => tf(lang, "chart.rt", &[&ms(p50), &ms(p95), &ms(top)]),
        _ => t(lang, "chart.rt_none").to_owned(),
    };
    let mut caption = figures;
    if secs.down > 0.0 {
        caption.push_str(&tf(lang, "chart.down", &[&span(lang, secs.down as i64)]));
    }
    if secs.maintenance > 0.0 {
        caption.push_str(&tf(
            lang,
            "chart.maintenance",
            &[&span(lang, secs.maintenance as i64)],
        ));
    }
    let title = tf(lang, "chart.rt_title", &[&caption]);
    let width = STEP * hours.len() as f64;
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {HEIGHT}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{title}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title>\
         <defs><pattern id=\"hatch-{key}\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#5b6b8c\" \
         stroke-width=\"1.5\"/></pattern></defs>\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{HEIGHT}\" fill=\"#f6f8fa\"/>",
        title = esc(&title),
    );
    for (i, (start, r)) in hours.iter().enumerate() {
        let x = STEP * i as f64;
        let when = date_minute(lang, *start, tz);
        let s = &r.seconds;
        if s.down > 0.0 {
            let share = (s.down / 3600.0).clamp(0.0, 1.0);
            let label = tf(
                lang,
                "chart.hour_down",
                &[&when, &span(lang, s.down as i64)],
            );
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"0\" width=\"{STEP}\" height=\"{HEIGHT}\" fill=\"#c62828\" \
                 fill-opacity=\"{:.2}\"><title>{}</title></rect>",
                0.15 + 0.45 * share,
                esc(&label)
            );
        }
        if s.maintenance > 0.0 {
            let label = tf(lang, "chart.hour_maintenance", &[&when]);
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"0\" width=\"{STEP}\" height=\"{HEIGHT}\" fill=\"url(#hatch-{key})\">\
                 <title>{}</title></rect>",
                esc(&label)
            );
        }
    }
    let y = |v: f64| HEIGHT - 2.0 - (v / top) * (HEIGHT - 6.0);
    for (which, colour) in [(1, "#b35900"), (0, "#0b57d0")] {
        let mut d = String::new();
        let mut dots = String::new();
        let mut pen_down = false;
        for (i, p) in points.iter().enumerate() {
            let v = if which == 0 { p.0 } else { p.1 };
            match v {
                Some(v) => {
                    let cmd = if pen_down { 'L' } else { 'M' };
                    let (px, py) = (STEP * i as f64 + STEP / 2.0, y(v));
                    let _ = write!(d, "{cmd}{px:.1} {py:.1} ");
                    let _ = write!(
                        dots,
                        "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"1.5\" fill=\"{colour}\"/>"
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/>",
                d.trim_end()
            );
        }
        out.push_str(&dots);
    }
    let _ = write!(out, "</svg><p class=\"muted legend\">{}</p>", esc(&caption));
}

/// The availability picture of an agency: one bar per day (all its checks together),
/// its height the day's availability, red below 90 %, amber below the SLO.
pub fn availability_days(
    out: &mut String,
    lang: Lang,
    days: &[Day],
    secs: &[Seconds],
    slo: f64,
    exclude: bool,
) {
    let mut total = Seconds::default();
    for s in secs {
        total.add(*s);
    }
    let n = days.len().to_string();
    // As for a check's window: no percentage below the minimum coverage.
    let enough = total.covered() >= super::bars::MIN_COVERAGE;
    let figure = match total.availability(exclude) {
        Some(r) if enough => tf(lang, "chart.avail", &[&n, &percent(lang, r)]),
        Some(_) => format!(
            "{}: {}",
            tf(lang, "window.days", &[&n]),
            tf(
                lang,
                "window.too_little",
                &[&span(lang, super::bars::MIN_COVERAGE as i64)]
            )
        ),
        None => tf(lang, "window.no_data", &[&n]),
    };
    let width = STEP * days.len() as f64;
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {HEIGHT}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{f}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{f}</title>\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{HEIGHT}\" fill=\"#f6f8fa\"/>",
        f = esc(&figure),
    );
    for (i, (d, s)) in days.iter().zip(secs).enumerate() {
        let x = STEP * i as f64 + 1.0;
        let (h, colour, label) = match s.availability(exclude) {
            None => (
                2.0,
                "#d8dee4",
                tf(lang, "bars.no_data", &[&day(lang, d.date)]),
            ),
            Some(r) => {
                let colour = if r * 100.0 >= slo {
                    "#1a7f37"
                } else if r >= 0.9 {
                    "#b35900"
                } else {
                    "#c62828"
                };
                let label = tf(lang, "chart.day", &[&day(lang, d.date), &percent(lang, r)]);
                ((r * (HEIGHT - 4.0)).max(2.0), colour, label)
            }
        };
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"{}\" height=\"{h:.1}\" fill=\"{colour}\"><title>{}</title></rect>",
            HEIGHT - h,
            STEP - 2.0,
            esc(&label)
        );
    }
    let _ = write!(out, "</svg><p class=\"muted legend\">{}</p>", esc(&figure));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ResultKind;
    use crate::sla::rollup::compute;
    use crate::sla::rollup::Sample;

    /// Every tag opened is closed, in order (the pictures are XML inside HTML).
    fn balanced(svg: &str) -> bool {
        let mut open = Vec::new();
        for tag in svg.split('<').skip(1) {
            let tag = &tag[..tag.find('>').unwrap()];
            if let Some(name) = tag.strip_prefix('/') {
                if open.pop() != Some(name.to_owned()) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap().to_owned());
            }
        }
        open.is_empty()
    }

    #[test]
    fn the_response_time_picture_shows_percentiles_down_time_and_maintenance() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let h0 = 1_796_198_400;
        let hour = |k: i64, kind: ResultKind, ms: i64| {
            let start = h0 + k * 3600;
            let samples: Vec<Sample> = (0..60)
                .map(|i| Sample {
                    ts: start + i * 60,
                    kind,
                    duration_ms: ms + i,
                })
                .collect();
            (start, compute(&samples, 60, start, start + 3600))
        };
        let hours = vec![
            hour(0, ResultKind::Up, 100),
            hour(1, ResultKind::Down, 0),
            hour(2, ResultKind::Maintenance, 0),
            hour(3, ResultKind::Up, 300),
        ];
        let mut out = String::new();
        response_times(&mut out, Lang::Vi, tz, &hours, 7);
        let svg = &out[..out.find("</svg>").unwrap() + 6];
        assert!(balanced(svg), "{svg}");
        assert!(
            svg.contains("<title>Thời gian phản hồi 24 giờ qua: p50 "),
            "{svg}"
        );
        assert!(
            svg.contains("; gián đoạn 1 giờ; bảo trì 1 giờ</title>"),
            "{svg}"
        );
        assert!(svg.contains("fill=\"url(#hatch-7)\""), "{svg}");
        assert!(svg.contains("fill=\"#c62828\""), "{svg}");
        assert_eq!(svg.matches("<path ").count(), 2, "p50 and p95: {svg}");
        assert!(!svg.contains("style=") && !svg.contains("script"), "{svg}");
        assert!(out.contains("<p class=\"muted legend\">p50 "), "{out}");
    }

    #[test]
    fn the_availability_picture_has_a_bar_and_a_title_per_day() {
        let days = super::super::bars::last_days(1_796_198_645, chrono_tz::Asia::Ho_Chi_Minh, 3);
        let full = Seconds {
            up: 86_400.0,
            ..Seconds::default()
        };
        let half = Seconds {
            up: 43_200.0,
            down: 43_200.0,
            ..Seconds::default()
        };
        let mut out = String::new();
        availability_days(
            &mut out,
            Lang::Vi,
            &days,
            &[Seconds::default(), half, full],
            99.5,
            true,
        );
        assert!(balanced(&out[..out.find("</svg>").unwrap() + 6]), "{out}");
        assert!(
            out.contains("<title>3 ngày qua: khả dụng 75,00 %</title>"),
            "{out}"
        );
        assert!(
            out.contains("<title>01/12/2026: khả dụng 50,00 %</title>"),
            "{out}"
        );
        assert!(
            out.contains("<title>30/11/2026: không có dữ liệu</title>"),
            "{out}"
        );
        assert_eq!(
            out.matches("<rect ").count(),
            4,
            "background and 3 days: {out}"
        );
    }
}
