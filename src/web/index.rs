//! `GET /`: the problems first. A tile row (agencies fully connected, systems, checks,
//! alerts firing), what is going on (open incidents, maintenance: `going_on`), then the
//! agencies that need attention, worst first, then every other agency by league and
//! name. Each card is coloured by the worst of its connection standing, its checks'
//! states and its firing alerts, and says so in words; its rank is the league rank by
//! the ratio of required systems connected (`Snapshot::ranks`), with the grade of the
//! last complete month's scorecard beside each agency measured in it.

use std::cmp::Reverse;
use std::fmt::Write;

use super::going_on::{self, Going};
use super::html::{esc, page, Shell};
use super::i18n::{count, percent, t, tf, Lang};
use super::words::{self, Level};
use crate::alert::AlertName;
use crate::api::snapshot::{AgencyView, Mandate, Snapshot};
use crate::check::state::CheckStatus;
use crate::connection::league::League;
use crate::report::scorecard::{ScoreRow, Scorecard};

/// (month, grade, total, rank) of an agency's scorecard.
type Grade<'a> = (&'a str, &'a str, f64, usize);

/// `card`: the last complete month's scorecard, whose grades each agency shows.
pub fn render(
    shell: &Shell<'_>,
    snap: &Snapshot,
    card: Option<(&str, &Scorecard)>,
    going: &Going,
) -> String {
    let lang = shell.lang;
    let t_ = snap.totals();
    let met = snap
        .agencies
        .iter()
        .filter(|a| a.mandate() == Mandate::Met)
        .count();
    let alerts: usize = snap
        .agencies
        .iter()
        .map(|a| firing(a).0 + firing(a).1)
        .sum();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1>\n<ul class=\"summary\">",
        t(lang, "index.title")
    );
    let items = [
        (
            format!("{met} / {}", snap.agencies.len()),
            "tile.agencies_met",
            0,
        ),
        (
            t_.systems_connected.to_string(),
            "tile.systems_connected",
            0,
        ),
        (
            t_.systems_disconnected.to_string(),
            "tile.systems_disconnected",
            t_.systems_disconnected,
        ),
        (
            t_.systems_unregistered.to_string(),
            "tile.systems_unregistered",
            0,
        ),
        (t_.checks_up.to_string(), "tile.checks_up", 0),
        (t_.checks_degraded.to_string(), "tile.checks_degraded", 0),
        (
            t_.checks_down.to_string(),
            "tile.checks_down",
            t_.checks_down,
        ),
        (alerts.to_string(), "tile.alerts", alerts as u32),
    ];
    for (value, what, bad) in items {
        let class = if bad > 0 { " class=\"bad\"" } else { "" };
        let _ = write!(body, "<li{class}><b>{value}</b>{}</li>", t(lang, what));
    }
    body.push_str("</ul>\n");
    going_on::render(&mut body, lang, snap, None, going);
    // Only agencies measured that month get a grade: no data is not an E.
    let card = card.map(|(m, c)| {
        let measured: Vec<&ScoreRow> = c
            .agencies
            .iter()
            .filter(|r| r.connection.value.is_some() || r.availability.value.is_some())
            .collect();
        (m, c, measured)
    });
    let card = card.filter(|(_, _, measured)| !measured.is_empty());
    let grade = |id: &str| -> Option<Grade<'_>> {
        let (m, _, measured) = card.as_ref()?;
        let row = measured.iter().find(|r| r.agency == id)?;
        Some((*m, row.grade, row.total, row.rank))
    };
    let ranks = snap.ranks();
    let mut all: Vec<(Level, League, usize, &AgencyView)> = snap
        .agencies
        .iter()
        .zip(&ranks)
        .map(|(a, (league, rank))| (level(a), *league, *rank, a))
        .collect();
    // Problems first, worst first; then by league and name.
    all.sort_by(|x, y| (Reverse(x.0), x.1, &x.3.name).cmp(&(Reverse(y.0), y.1, &y.3.name)));
    let problems: Vec<_> = all.iter().filter(|x| x.0 > Level::Ok).collect();
    if !problems.is_empty() {
        let _ = write!(
            body,
            "<section>\n<h2>{} ({})</h2>\n<ol class=\"agencies problems\">\n",
            t(lang, "index.problems"),
            problems.len()
        );
        for (lvl, _, rank, a) in problems {
            agency_item(&mut body, lang, a, *lvl, *rank, grade(&a.id));
        }
        body.push_str("</ol>\n</section>\n");
    }
    if let Some((month, c, _)) = &card {
        let _ = writeln!(
            body,
            "<p class=\"muted\">{}</p>",
            esc(&tf(lang, "index.ranks_grades", &[month, c.policy.name]))
        );
    } else {
        let _ = writeln!(body, "<p class=\"muted\">{}</p>", t(lang, "index.ranks"));
    }
    for league in [League::Ministries, League::Provinces] {
        let rest: Vec<_> = all
            .iter()
            .filter(|x| x.0 == Level::Ok && x.1 == league)
            .collect();
        if rest.is_empty() {
            continue;
        }
        let title = match league {
            League::Ministries => t(lang, "league.ministries"),
            League::Provinces => t(lang, "league.provinces"),
        };
        let _ = write!(
            body,
            "<section>\n<h2>{title}</h2>\n<ol class=\"agencies\">\n"
        );
        for (lvl, _, rank, a) in rest {
            agency_item(&mut body, lang, a, *lvl, *rank, grade(&a.id));
        }
        body.push_str("</ol>\n</section>\n");
    }
    page(shell, t(lang, "index.title"), &body)
}

/// The worst of the agency's standing, its checks' states and its firing alerts.
pub fn level(a: &AgencyView) -> Level {
    let standing = match a.mandate() {
        Mandate::Met => Level::Ok,
        Mandate::Partial => Level::Warn,
        Mandate::None => Level::Bad,
    };
    let checks = a
        .systems
        .iter()
        .flat_map(|s| &s.checks)
        .filter(|c| c.live.last.is_some())
        .map(|c| match c.live.state.status {
            CheckStatus::Up => Level::Ok,
            CheckStatus::Degraded => Level::Warn,
            CheckStatus::Down => Level::Bad,
        })
        .max()
        .unwrap_or(Level::Ok);
    let alerts = match firing(a) {
        (0, 0) => Level::Ok,
        (0, _) => Level::Warn,
        _ => Level::Bad,
    };
    standing.max(checks).max(alerts)
}

fn agency_item(
    out: &mut String,
    lang: Lang,
    a: &AgencyView,
    lvl: Level,
    rank: usize,
    grade: Option<Grade<'_>>,
) {
    let s = &a.standing;
    let t_ = a.totals();
    let m = a.mandate();
    let grade = grade.map_or(String::new(), |(month, g, total, rank)| {
        let title = tf(
            lang,
            "grade.title",
            &[
                month,
                &super::i18n::decimal(lang, total, 1),
                &rank.to_string(),
            ],
        );
        format!(
            " <span class=\"grade\" title=\"{}\">{} {g}</span>",
            esc(&title),
            t(lang, "grade")
        )
    });
    let (critical, warning) = firing(a);
    let mut counts = vec![count(lang, u64::from(t_.checks()), "check")];
    if t_.checks_down > 0 {
        counts.push(tf(lang, "count.down", &[&t_.checks_down.to_string()]));
    }
    if t_.checks_degraded > 0 {
        counts.push(tf(
            lang,
            "count.degraded",
            &[&t_.checks_degraded.to_string()],
        ));
    }
    if critical + warning > 0 {
        counts.push(count(lang, (critical + warning) as u64, "alert"));
    }
    let _ = writeln!(
        out,
        "<li class=\"{lvl}\"><h3><span class=\"rank\">#{rank}</span> \
         <a href=\"/agencies/{id}?lang={tag}\">{name}</a></h3>\
         <span class=\"badge {class}\">{words}</span>{grade} \
         {connected}<br>\
         <span class=\"muted\">{counts}</span></li>",
        lvl = lvl.class(),
        class = m.as_str(),
        tag = lang.tag(),
        id = esc(&a.id),
        name = esc(&a.name),
        words = words::mandate(lang, m),
        connected = esc(&tf(
            lang,
            "standing",
            &[
                &s.connected.to_string(),
                &s.required.to_string(),
                &percent(lang, s.ratio())
            ]
        )),
        counts = esc(&counts.join(", ")),
    );
}

/// Check alerts firing in the agency (as the checks' live state holds them):
/// (critical, warning).
pub fn firing(a: &AgencyView) -> (usize, usize) {
    let mut n = (0, 0);
    for c in a.systems.iter().flat_map(|s| &s.checks) {
        for (name, f) in AlertName::PER_CHECK.iter().zip(&c.live.alerts) {
            if f.is_some() {
                if name.severity() == "critical" {
                    n.0 += 1;
                } else {
                    n.1 += 1;
                }
            }
        }
    }
    n
}
