//! `GET /agencies/{agency}`: per system its connection, and per check its state, last
//! result, latency, firing alerts and 90 daily availability bars (from daily rollups, and from raw
//! results for the days not rolled up yet).

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::bars::{self, percent, Day};
use super::html::{esc, page};
use super::index::mandate_words;
use crate::alert::AlertName;
use crate::api::cap;
use crate::api::snapshot::{system_kind, AgencyView, CheckView, Snapshot, SystemView};
use crate::fleet::LastResult;
use crate::result::ResultKind;
use crate::sla::seconds::Seconds;
use crate::util::rfc3339;

/// What the bars are drawn from: daily rollups by (check id, day start), and raw
/// results by check id (time order) for the days after the last rolled-up day.
#[derive(Debug, Default)]
pub struct History {
    pub daily: HashMap<(i64, i64), Seconds>,
    pub raw: HashMap<i64, Vec<(i64, ResultKind)>>,
}

/// Reads the history of these checks for `days`.
pub async fn history(
    store: &crate::store::Store,
    ids: &[i64],
    days: &[Day],
    from: i64,
    now: i64,
    max_cap: i64,
) -> Result<History, crate::store::StoreError> {
    let mut h = History::default();
    let first = days.first().map_or(now, |d| d.start);
    let mut raw_from = from;
    if let Some((done, _)) = store.housekeeping("rollup_daily").await? {
        let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
        for (check, day, r) in store
            .rollups(crate::store::rollups::Grain::Daily, first, done + 1)
            .await?
        {
            if wanted.contains(&check) {
                h.daily.insert((check, day), r.seconds);
            }
        }
        // Raw results are needed only after the last rolled-up day.
        raw_from = raw_from.max(
            days.iter()
                .find(|d| d.start > done)
                .map_or(now, |d| d.start)
                - max_cap,
        );
    }
    for s in store.samples(ids, raw_from, now).await? {
        h.raw.entry(s.check_id).or_default().push((s.ts, s.result));
    }
    for results in h.raw.values_mut() {
        results.sort_by_key(|r| r.0);
    }
    Ok(h)
}

/// The days shown and the first instant whose results they need.
pub fn range(now: i64, tz: Tz, max_cap: i64) -> (Vec<Day>, i64) {
    let days = bars::last_days(now, tz, bars::DAYS);
    let from = days.first().map_or(now, |d| d.start) - max_cap;
    (days, from)
}

/// `history` is `None` when the database could not be read.
pub fn render(snap: &Snapshot, a: &AgencyView, days: &[Day], history: Option<&History>) -> String {
    let config = &snap.fleet.config;
    let tz = config.sla.timezone;
    let s = &a.standing;
    let m = a.mandate();
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"muted\"><a href=\"/\">All agencies</a></p>\n<h1>{name}</h1>\n\
         <p><span class=\"badge {class}\">{words}</span> {connected}/{required} required systems connected ({ratio})</p>\n",
        name = esc(&a.name),
        class = m.as_str(),
        words = mandate_words(m),
        connected = s.connected,
        required = s.required,
        ratio = percent(s.ratio()),
    );
    if history.is_none() {
        body.push_str(
            "<p class=\"card\">The availability history could not be read; bars are grey.</p>\n",
        );
    }
    for system in &a.systems {
        system_card(
            &mut body,
            system,
            days,
            history,
            tz,
            config.sla.exclude_maintenance,
        );
    }
    page(&a.name, &body, &rfc3339(snap.now))
}

fn system_card(
    out: &mut String,
    s: &SystemView,
    days: &[Day],
    history: Option<&History>,
    tz: Tz,
    exclude: bool,
) {
    let conn = s.connection.as_str();
    let _ =
        write!(
        out,
        "<section class=\"card\">\n<h2>{name}</h2>\n<p><span class=\"badge {conn}\">{conn}</span> \
         <span class=\"muted\">{kind}{required}</span></p>\n",
        name = esc(&s.name),
        kind = system_kind(s.kind),
        required = if s.required { ", required" } else { ", not required" },
    );
    if s.checks.is_empty() {
        out.push_str("<p class=\"muted\">No check registered.</p>\n");
    }
    for c in &s.checks {
        check_block(out, c, days, history, tz, exclude);
    }
    out.push_str("</section>\n");
}

fn check_block(
    out: &mut String,
    c: &CheckView,
    days: &[Day],
    history: Option<&History>,
    tz: Tz,
    exclude: bool,
) {
    let rt = &c.runtime;
    // A check never measured is UP by the state machine's rule, but says nothing yet.
    let state = match c.live.last {
        Some(_) => c.live.state.status.as_str(),
        None => "pending",
    };
    let _ = write!(
        out,
        "<div class=\"check\"><div class=\"line\"><h3>{id}</h3> <span class=\"muted\">{kind}</span> \
         <span class=\"badge {state}\">{state}</span> {last}",
        id = esc(&rt.check),
        kind = rt.config.kind.name(),
        last = last_result(c.live.last.as_ref(), tz),
    );
    firing_alerts(out, &c.live.alerts, tz);
    out.push_str("</div>");
    let empty = Vec::new();
    let results = history.and_then(|h| h.raw.get(&rt.db_id)).unwrap_or(&empty);
    let rolled = |day: i64| history.and_then(|h| h.daily.get(&(rt.db_id, day)).copied());
    let secs: Vec<Seconds> = bars::daily(results, cap(rt), days, rolled);
    let mut total = Seconds::default();
    for s in &secs {
        total.add(*s);
    }
    bars::render(out, days, &secs, rt.config.policy.slo_availability, exclude);
    let overall = total
        .availability(exclude)
        .map_or("no data".to_owned(), |r| {
            format!("{} available", percent(r))
        });
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} days: {overall} (SLO {}%)</p></div>",
        days.len(),
        rt.config.policy.slo_availability
    );
}

/// The check's firing alerts as badges (critical red, warning amber), each titled with
/// when it started.
fn firing_alerts(out: &mut String, alerts: &crate::alert::Slots, tz: Tz) {
    let firing = AlertName::PER_CHECK
        .iter()
        .zip(alerts)
        .filter_map(|(name, f)| f.map(|f| (name, f)));
    for (name, f) in firing {
        let class = if name.severity() == "critical" {
            "bad"
        } else {
            "warn"
        };
        let _ = write!(
            out,
            " <span class=\"badge {class}\" title=\"firing since {since}\">{name}</span>",
            since = esc(&local_time(f.starts_at, tz)),
            name = name.as_str(),
        );
    }
}

/// A time as "2026-11-23 15:04:05 +07" in `tz`.
fn local_time(at: i64, tz: Tz) -> String {
    DateTime::<Utc>::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// "up · 200 · 123 ms · 2026-11-23 15:04:05 +07", with the error of a failure.
fn last_result(last: Option<&LastResult>, tz: Tz) -> String {
    let Some(l) = last else {
        return "<span class=\"muted\">no result yet</span>".into();
    };
    let mut parts = vec![esc(l.result.as_str())];
    if let Some(code) = l.status_code {
        parts.push(code.to_string());
    }
    parts.push(format!("{:.0} ms", l.duration * 1000.0));
    let when = local_time(l.at, tz);
    parts.push(format!(
        "<time datetime=\"{}\">{}</time>",
        rfc3339(l.at),
        esc(&when)
    ));
    let mut s = format!("<span>{}</span>", parts.join(" · "));
    // Only the kind of a failure: messages can name internal hosts, and this page is public.
    if let Some(kind) = l.error.filter(|_| l.result == ResultKind::Down) {
        let _ = write!(s, " <span class=\"muted\">error: {}</span>", kind.as_str());
    }
    s
}
