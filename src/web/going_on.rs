//! What is going on, on the index and an agency's page (SPEC 12): open incidents (each
//! check DOWN now, since when and why) and maintenance windows in progress or starting
//! in the next 7 days, the config's (`alert::maintenance`) and the ad-hoc ones declared
//! over the API (`alert::adhoc`). Reads the open incidents from the store once per page.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::html::esc;
use super::i18n::{ago, date_minute, t, tf, Lang};
use super::words;
use crate::alert::maintenance;
use crate::api::snapshot::{AgencyView, Snapshot};
use crate::check::state::CheckStatus;
use crate::store::maintenance::Window;

/// How far ahead planned maintenance is listed.
pub const AHEAD: i64 = 7 * 86_400;

/// What the page needs from the store to say what is going on.
#[derive(Debug, Default)]
pub struct Going {
    /// When each open incident started, by check database id.
    pub incidents: HashMap<i64, i64>,
    /// The ad-hoc maintenance windows in force.
    pub adhoc: Arc<Vec<Window>>,
}

impl Going {
    /// Reads the open incidents; logs and shows none when the store cannot be read.
    pub async fn read(store: &crate::store::Store, now: i64, adhoc: Arc<Vec<Window>>) -> Going {
        let incidents = match store.incidents(now, now + 1).await {
            Ok(rows) => rows
                .into_iter()
                .filter(|(_, _, end)| end.is_none())
                .map(|(check, start, _)| (check, start))
                .collect(),
            Err(e) => {
                tracing::error!(error = %e, "reading open incidents for the status page");
                HashMap::new()
            }
        };
        Going { incidents, adhoc }
    }
}

/// Writes the incidents and the maintenance of the fleet (`agency` `None`) or of one
/// agency.
pub fn render(
    out: &mut String,
    lang: Lang,
    snap: &Snapshot,
    agency: Option<&AgencyView>,
    going: &Going,
) {
    let config = &snap.fleet.config;
    let tz = config.sla.timezone;
    let agencies: Vec<&AgencyView> = match agency {
        Some(a) => vec![a],
        None => snap.agencies.iter().collect(),
    };
    let mut incidents = Vec::new();
    for a in &agencies {
        for s in &a.systems {
            for c in &s.checks {
                let Some(last) = c.live.last.as_ref() else {
                    continue;
                };
                if c.live.state.status != CheckStatus::Down {
                    continue;
                }
                let since = going
                    .incidents
                    .get(&c.runtime.db_id)
                    .copied()
                    .unwrap_or(last.at);
                let why = words::reason(lang, last, c.live.cert_expiry, tz).unwrap_or_default();
                incidents.push((since, a, s, c, why));
            }
        }
    }
    incidents.sort_by_key(|i| std::cmp::Reverse(i.0));
    let _ = write!(
        out,
        "<section class=\"card going\">\n<h2>{}</h2>\n",
        t(lang, "going.incidents")
    );
    if incidents.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{}</p>",
            t(lang, "going.no_incidents")
        );
    } else {
        out.push_str("<ul class=\"events\">\n");
        for (since, a, s, c, why) in &incidents {
            let who = if agency.is_some() {
                String::new()
            } else {
                format!(
                    "<a href=\"/agencies/{}?lang={}\">{}</a> › ",
                    esc(&a.id),
                    lang.tag(),
                    esc(&a.name)
                )
            };
            let when = tf(
                lang,
                "going.since",
                &[&date_minute(lang, *since, tz), &ago(lang, snap.now, *since)],
            );
            let _ = writeln!(
                out,
                "<li>{who}{system} › {check}: {when}. <span class=\"why\">{why}</span></li>",
                system = esc(&s.name),
                check = esc(&c.runtime.check),
                when = esc(&when),
                why = esc(why),
            );
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(out, "<h2>{}</h2>", t(lang, "going.maintenance"));
    let now = DateTime::<Utc>::from_timestamp(snap.now, 0).unwrap_or_default();
    let ahead = DateTime::<Utc>::from_timestamp(snap.now + AHEAD, 0).unwrap_or_default();
    // (in progress, start, end, name, scope)
    let mut windows: Vec<(bool, i64, i64, String, String)> = Vec::new();
    let concerned = |m: &dyn Fn(&str, &str, &str) -> bool| {
        agencies.iter().any(|a| {
            a.systems
                .iter()
                .any(|s| s.checks.iter().any(|c| m(&a.id, &s.id, &c.runtime.check)))
        })
    };
    for w in &config.maintenance {
        if !concerned(&|a, s, c| w.matcher.matches(None, a, s, c)) {
            continue;
        }
        let lists = [&w.matcher.agency, &w.matcher.system, &w.matcher.check];
        let scope = scope(lang, snap, lists);
        if let Some(r) = maintenance::window_at(&w.schedule, w.duration, tz, now) {
            let (start, end) = (r.start.timestamp(), r.end.timestamp());
            windows.push((true, start, end, w.name.clone(), scope.clone()));
        }
        for r in maintenance::starts_between(&w.schedule, w.duration, tz, (now, ahead), 3) {
            let (start, end) = (r.start.timestamp(), r.end.timestamp());
            windows.push((false, start, end, w.name.clone(), scope.clone()));
        }
    }
    for w in going.adhoc.iter() {
        let soon = w.starts_at <= snap.now + AHEAD && w.end() > snap.now;
        if !soon || !concerned(&|a, s, c| w.matches(a, s, c)) {
            continue;
        }
        let scope = scope(lang, snap, [&w.agency, &w.system, &w.check]);
        windows.push((
            w.covers(snap.now),
            w.starts_at,
            w.end(),
            w.reason.clone(),
            scope,
        ));
    }
    windows.sort_by_key(|w| w.1);
    if windows.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{}</p>",
            t(lang, "going.no_maintenance")
        );
    } else {
        out.push_str("<ul class=\"events\">\n");
        for (current, start, end, name, scope) in windows {
            let when = if current {
                tf(lang, "going.in_progress", &[&date_minute(lang, end, tz)])
            } else {
                tf(
                    lang,
                    "going.planned",
                    &[&date_minute(lang, start, tz), &date_minute(lang, end, tz)],
                )
            };
            let badge = if current {
                t(lang, "state.maintenance")
            } else {
                t(lang, "going.planned_badge")
            };
            let _ = writeln!(
                out,
                "<li><span class=\"badge maintenance\">{badge}</span> {}: {} ({})</li>",
                esc(&name),
                esc(&when),
                esc(&scope),
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// What a window covers, in words: the agencies' names, and the systems and checks
/// it lists (`[agency, system, check]` ids; all empty: every system).
fn scope(lang: Lang, snap: &Snapshot, [agency, system, check]: [&Vec<String>; 3]) -> String {
    if agency.is_empty() && system.is_empty() && check.is_empty() {
        return t(lang, "going.scope_all").to_owned();
    }
    let mut parts: Vec<String> = agency
        .iter()
        .map(|id| snap.agency(id).map_or(id.clone(), |a| a.name.clone()))
        .collect();
    parts.extend(system.iter().cloned());
    parts.extend(check.iter().cloned());
    parts.join(", ")
}
