//! `GET /`: every agency with its connection ratio and standing under the mandate
//! (colour and words), its counts (checks, down, alerts firing), and a link to its
//! page. Two leagues, ministries then provinces and cities, each ranked on its own by
//! the ratio (`Snapshot::ranks`; ties share a rank, and keep config order); with the
//! grade of the last complete month's scorecard beside each agency measured in it.

use std::fmt::Write;

use super::bars::percent;
use super::html::{esc, page};
use crate::api::snapshot::{AgencyView, Mandate, Snapshot};
use crate::connection::league::League;
use crate::report::scorecard::{ScoreRow, Scorecard};
use crate::util::rfc3339;

/// `card`: the last complete month's scorecard, whose grades each agency shows.
pub fn render(snap: &Snapshot, card: Option<(&str, &Scorecard)>) -> String {
    let t = snap.totals();
    let met = snap
        .agencies
        .iter()
        .filter(|a| a.mandate() == Mandate::Met)
        .count();
    let mut body = String::new();
    body.push_str("<h1>Connection to the EMC system</h1>\n<ul class=\"summary\">");
    let items = [
        (
            format!("{met} / {}", snap.agencies.len()),
            "agencies fully connected",
        ),
        (t.systems_connected.to_string(), "systems connected"),
        (t.systems_disconnected.to_string(), "systems disconnected"),
        (t.systems_unregistered.to_string(), "systems unregistered"),
        (t.checks_up.to_string(), "checks up"),
        (t.checks_degraded.to_string(), "checks degraded"),
        (t.checks_down.to_string(), "checks down"),
    ];
    for (value, what) in items {
        let _ = write!(body, "<li><b>{value}</b>{what}</li>");
    }
    body.push_str("</ul>\n");
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
    if let Some((month, c, _)) = &card {
        let _ = writeln!(
            body,
            "<p class=\"muted\">Ranks: each league by the share of required systems connected now. \
             Grades: the scorecard of {} ({}, A to E).</p>",
            esc(month),
            c.policy.name
        );
    }
    let grade = |id: &str| {
        let (m, _, measured) = card.as_ref()?;
        let row = measured.iter().find(|r| r.agency == id)?;
        Some((*m, row.grade, row.total, row.rank))
    };
    let ranks = snap.ranks();
    for league in [League::Ministries, League::Provinces] {
        let mut agencies: Vec<(usize, &AgencyView)> = snap
            .agencies
            .iter()
            .zip(&ranks)
            .filter(|(_, (l, _))| *l == league)
            .map(|(a, (_, rank))| (*rank, a))
            .collect();
        if agencies.is_empty() {
            continue;
        }
        // By rank; ties keep config order.
        agencies.sort_by_key(|(rank, _)| *rank);
        let _ = write!(
            body,
            "<section>\n<h2>{}</h2>\n<ol class=\"agencies\">\n",
            league.title()
        );
        for (rank, a) in agencies {
            agency_item(&mut body, a, rank, grade(&a.id));
        }
        body.push_str("</ol>\n</section>\n");
    }
    page("EMC status", &body, &rfc3339(snap.now))
}

/// The words shown for a standing (the colour alone is not enough).
pub fn mandate_words(m: Mandate) -> &'static str {
    match m {
        Mandate::Met => "Connected",
        Mandate::Partial => "Partially connected",
        Mandate::None => "Not connected",
    }
}

/// `grade`: (month, grade, total, rank) of the agency's scorecard.
fn agency_item(
    out: &mut String,
    a: &AgencyView,
    rank: usize,
    grade: Option<(&str, &str, f64, usize)>,
) {
    let s = &a.standing;
    let t = a.totals();
    let m = a.mandate();
    let grade = grade.map_or(String::new(), |(month, g, total, rank)| {
        format!(
            " <span class=\"grade\" title=\"scorecard {month}: {total:.1} of 100, rank {rank} in its league\">Grade {g}</span>",
            month = esc(month)
        )
    });
    let _ = writeln!(
        out,
        "<li class=\"{class}\"><h3><span class=\"rank\">#{rank}</span> \
         <a href=\"/agencies/{id}\">{name}</a></h3>\
         <span class=\"badge {class}\">{words}</span>{grade} \
         {connected}/{required} required systems ({ratio})<br>\
         <span class=\"muted\">{checks}, {down} down{alerts}</span></li>",
        class = m.as_str(),
        id = esc(&a.id),
        name = esc(&a.name),
        words = mandate_words(m),
        connected = s.connected,
        required = s.required,
        ratio = percent(s.ratio()),
        checks = crate::util::plural(t.checks() as usize, "check"),
        down = t.checks_down,
        alerts = match firing_alerts(a) {
            0 => String::new(),
            1 => ", 1 alert firing".to_owned(),
            n => format!(", {n} alerts firing"),
        },
    );
}

/// Check alerts firing in the agency (as the checks' live state holds them).
fn firing_alerts(a: &AgencyView) -> usize {
    a.systems
        .iter()
        .flat_map(|s| &s.checks)
        .map(|c| c.live.alerts.iter().flatten().count())
        .sum()
}
