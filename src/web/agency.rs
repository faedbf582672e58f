//! `GET /agencies/{agency}`: the agency's standing, what is going on (`going_on`), then
//! per system its connection, and per check its state in words, why it is down or
//! degraded, its last result, firing alerts, and 90 daily availability bars with the
//! figure of the window and what it covers.

use std::fmt::Write;

use chrono_tz::Tz;

use super::bars::{self, Day, MIN_COVERAGE};
use super::chart;
use super::going_on::{self, Going};
use super::history::History;
use super::html::{esc, page, Shell};
use super::i18n::{ago, date_time, day, decimal, percent, span, t, tf, Lang};
use super::words;
use crate::alert::AlertName;
use crate::api::cap;
use crate::api::snapshot::{system_kind, AgencyView, CheckView, Snapshot, SystemView};
use crate::fleet::LastResult;
use crate::sla::seconds::Seconds;

/// What every check block needs besides the check.
struct Ctx<'a> {
    lang: Lang,
    now: i64,
    tz: Tz,
    exclude: bool,
    days: &'a [Day],
    history: Option<&'a History>,
}

/// `history` is `None` when the database could not be read.
pub fn render(
    shell: &Shell<'_>,
    snap: &Snapshot,
    a: &AgencyView,
    days: &[Day],
    history: Option<&History>,
    going: &Going,
) -> String {
    let lang = shell.lang;
    let config = &snap.fleet.config;
    let s = &a.standing;
    let m = a.mandate();
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"muted\"><a href=\"/?lang={tag}\">{all}</a></p>\n<h1>{name}</h1>\n\
         <p><span class=\"badge {class}\">{words}</span> {standing}</p>\n",
        tag = lang.tag(),
        all = t(lang, "nav.all"),
        name = esc(&a.name),
        class = m.as_str(),
        words = words::mandate(lang, m),
        standing = esc(&tf(
            lang,
            "standing",
            &[
                &s.connected.to_string(),
                &s.required.to_string(),
                &percent(lang, s.ratio())
            ]
        )),
    );
    availability(&mut body, lang, a, days, history, config);
    going_on::render(&mut body, lang, snap, Some(a), going);
    if history.is_none() {
        let _ = writeln!(
            body,
            "<p class=\"card\">{}</p>",
            t(lang, "agency.no_history")
        );
    }
    let ctx = Ctx {
        lang,
        now: snap.now,
        tz: config.sla.timezone,
        exclude: config.sla.exclude_maintenance,
        days,
        history,
    };
    for system in &a.systems {
        system_card(&mut body, &ctx, system);
    }
    page(shell, &a.name, &body)
}

/// Days in the agency's availability picture.
const AGENCY_DAYS: usize = 30;

/// The agency's availability over the last 30 days, all its checks together, with the
/// strictest SLO of its checks for the colours.
fn availability(
    out: &mut String,
    lang: Lang,
    a: &AgencyView,
    days: &[Day],
    history: Option<&History>,
    config: &crate::config::Config,
) {
    let Some(h) = history else {
        return;
    };
    let days = &days[days.len().saturating_sub(AGENCY_DAYS)..];
    let mut sum = vec![Seconds::default(); days.len()];
    let mut slo: f64 = 0.0;
    for c in a.systems.iter().flat_map(|s| &s.checks) {
        let rt = &c.runtime;
        let empty = Vec::new();
        let results = h.raw.get(&rt.db_id).unwrap_or(&empty);
        let rolled = |day: i64| h.daily.get(&(rt.db_id, day)).copied();
        for (total, s) in sum
            .iter_mut()
            .zip(bars::daily(results, cap(rt), days, rolled))
        {
            total.add(s);
        }
        slo = slo.max(rt.config.policy.slo_availability);
    }
    out.push_str("<section class=\"card\">\n");
    let _ = write!(
        out,
        "<h2>{}</h2>",
        tf(lang, "chart.avail_heading", &[&AGENCY_DAYS.to_string()])
    );
    chart::availability_days(out, lang, days, &sum, slo, config.sla.exclude_maintenance);
    out.push_str("</section>\n");
}

fn system_card(out: &mut String, ctx: &Ctx<'_>, s: &SystemView) {
    let lang = ctx.lang;
    let kind = match system_kind(s.kind) {
        "tthc" => t(lang, "kind.tthc"),
        "portal" => t(lang, "kind.portal"),
        _ => t(lang, "kind.other"),
    };
    let required = if s.required {
        t(lang, "system.required")
    } else {
        t(lang, "system.not_required")
    };
    let _ = write!(
        out,
        "<section class=\"card\">\n<h2>{name}</h2>\n<p><span class=\"badge {conn}\">{words}</span> \
         <span class=\"muted\">{kind}, {required}</span></p>\n",
        name = esc(&s.name),
        conn = s.connection.as_str(),
        words = words::connection(lang, s.connection),
    );
    if s.checks.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", t(lang, "system.no_check"));
    }
    for c in &s.checks {
        check_block(out, ctx, c);
    }
    out.push_str("</section>\n");
}

fn check_block(out: &mut String, ctx: &Ctx<'_>, c: &CheckView) {
    let lang = ctx.lang;
    let rt = &c.runtime;
    let (class, state) = words::state(
        lang,
        c.live.state.status,
        c.live.last.is_some(),
        c.live.in_maintenance,
    );
    let _ = write!(
        out,
        "<div class=\"check\"><div class=\"line\"><h3>{id}</h3> <span class=\"muted\">{kind}</span> \
         <span class=\"badge {class}\">{state}</span> {last}",
        id = esc(&rt.check),
        kind = rt.config.kind.name(),
        last = last_result(ctx, c.live.last.as_ref()),
    );
    firing_alerts(out, ctx, c);
    out.push_str("</div>");
    if let Some(why) = c
        .live
        .last
        .as_ref()
        .filter(|_| class == "down" || class == "degraded")
        .and_then(|l| words::reason(lang, l, c.live.cert_expiry, ctx.tz))
    {
        let _ = write!(out, "<p class=\"why\">{}</p>", esc(&why));
    }
    if let (Some(page), crate::config::CheckKind::Browser(b)) = (
        c.live.last.as_ref().and_then(|l| l.page.as_deref()),
        &rt.config.kind,
    ) {
        super::page_figures::render(out, lang, page, &b.expect);
    }
    let empty = Vec::new();
    let history = ctx.history;
    let results = history.and_then(|h| h.raw.get(&rt.db_id)).unwrap_or(&empty);
    let rolled = |day: i64| history.and_then(|h| h.daily.get(&(rt.db_id, day)).copied());
    let secs: Vec<Seconds> = bars::daily(results, cap(rt), ctx.days, rolled);
    let slo = rt.config.policy.slo_availability;
    if let Some(hours) = history.and_then(|h| h.hours.get(&rt.db_id)) {
        chart::response_times(out, lang, ctx.tz, hours, rt.db_id);
    }
    bars::render(out, lang, ctx.days, &secs, slo, ctx.exclude);
    let _ = writeln!(
        out,
        "<p class=\"muted\">{}</p></div>",
        esc(&window_figure(lang, ctx.days, &secs, slo, ctx.exclude))
    );
}

/// The availability over the days shown, saying what it covers when the data are
/// younger than the window, and no percentage below `MIN_COVERAGE`:
/// "90 ngày: 99,95 % (SLO 99,5 %)", "từ 02/12/2026, 1 giờ dữ liệu: 100 % (SLO 99,5 %)".
pub fn window_figure(
    lang: Lang,
    days: &[Day],
    secs: &[Seconds],
    slo: f64,
    exclude: bool,
) -> String {
    let mut total = Seconds::default();
    for s in secs {
        total.add(*s);
    }
    let measured = total.covered();
    let slo = format!(
        "SLO {}",
        percent(lang, slo / 100.0)
            .replace(",00", "")
            .replace(".00", "")
    );
    let first = days.iter().zip(secs).find(|(_, s)| s.covered() > 0.0);
    let Some((first_day, _)) = first else {
        return tf(lang, "window.no_data", &[&days.len().to_string()]);
    };
    let whole = days.first().is_some_and(|d| d.date == first_day.date);
    let what = if whole {
        tf(lang, "window.days", &[&days.len().to_string()])
    } else {
        tf(
            lang,
            "window.since",
            &[&day(lang, first_day.date), &span(lang, measured as i64)],
        )
    };
    match total
        .availability(exclude)
        .filter(|_| measured >= MIN_COVERAGE)
    {
        Some(r) => format!("{what}: {} ({slo})", percent(lang, r)),
        None => format!(
            "{what}: {} ({slo})",
            tf(
                lang,
                "window.too_little",
                &[&span(lang, MIN_COVERAGE as i64)]
            )
        ),
    }
}

/// The check's firing alerts as badges in words (critical red, warning amber), each
/// titled with its name and since when it fires.
fn firing_alerts(out: &mut String, ctx: &Ctx<'_>, c: &CheckView) {
    let lang = ctx.lang;
    let firing = AlertName::PER_CHECK
        .iter()
        .zip(&c.live.alerts)
        .filter_map(|(name, f)| f.map(|f| (*name, f)));
    for (name, f) in firing {
        let class = if name.severity() == "critical" {
            "bad"
        } else {
            "warn"
        };
        let mut words = words::alert(lang, name).to_owned();
        if let (AlertName::CertificateExpiring, Some(at)) = (name, c.live.cert_expiry) {
            words = tf(
                lang,
                "alert.cert_on",
                &[&words, &super::i18n::date(lang, at, ctx.tz)],
            );
        }
        let title = tf(
            lang,
            "alert.since",
            &[name.as_str(), &date_time(lang, f.starts_at, ctx.tz)],
        );
        let _ = write!(
            out,
            " <span class=\"badge {class}\" title=\"{}\">{}</span>",
            esc(&title),
            esc(&words),
        );
    }
}

/// "HTTP 200 · 123 ms · 02/12/2026 15:04:05 +07 (5 phút trước)".
fn last_result(ctx: &Ctx<'_>, last: Option<&LastResult>) -> String {
    let lang = ctx.lang;
    let Some(l) = last else {
        return format!(
            "<span class=\"muted\">{}</span>",
            t(lang, "check.no_result")
        );
    };
    let mut parts = Vec::new();
    if let Some(code) = l.status_code {
        parts.push(format!("HTTP {code}"));
    }
    parts.push(format!("{} ms", decimal(lang, l.duration * 1000.0, 0)));
    parts.push(format!(
        "<time datetime=\"{}\">{}</time> ({})",
        crate::util::rfc3339(l.at),
        esc(&date_time(lang, l.at, ctx.tz)),
        esc(&ago(lang, ctx.now, l.at)),
    ));
    format!("<span>{}</span>", parts.join(" · "))
}
