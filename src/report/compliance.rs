//! The compliance report (docs/results.md, docs/api.md): per agency, its required systems connected,
//! disconnected and unregistered as of a moment, the connection ratio, availability
//! over the period, and the rank in its league. Over a period (`Mode::Period`), also
//! the share of the period each required system was connected (`connected.rs`), their
//! mean, and the rank by that mean; as a snapshot, the rank by the ratio of the moment.

use std::collections::HashSet;

use serde::Serialize;

use super::connected::{self, SystemShare};
use super::{rollups, Period, Policy};
use crate::config::Config;
use crate::connection::league::{ranks, League};
use crate::connection::{classify, Connection};
use crate::sla::rollup::Rollup;
use crate::sla::time;
use crate::store::rollups::Grain;
use crate::store::{Store, StoreError};

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ComplianceRow {
    /// Within its league (ties share a rank).
    pub rank: usize,
    pub league: League,
    pub agency: String,
    pub name: String,
    pub kind: &'static str,
    pub required: u32,
    pub connected: u32,
    pub disconnected: u32,
    pub unregistered: u32,
    pub ratio: f64,
    /// Over a period: the mean share of it its required systems were connected.
    pub connection: Option<f64>,
    pub availability: Option<f64>,
    /// Over a period: each required system's share; empty for a snapshot. A merged
    /// agency's systems rolled into this line are `merged-id/system`.
    pub systems: Vec<SystemShare>,
    /// Over a period: the agency's lifecycle in it (docs/results.md, "Agencies that
    /// merge"): a merger rolled into this line, a merger or an end of its own, or a
    /// file removed (shown by its stored name); `None` otherwise.
    pub note: Option<String>,
}

fn add_note(row: &mut ComplianceRow, note: String) {
    row.note = Some(match row.note.take() {
        Some(n) => format!("{n}; {note}"),
        None => note,
    });
}

/// A snapshot of the moment, or a period's history.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Connection as of `at`; ranked by `ratio`, then availability.
    Snapshot,
    /// Connection over the period; ranked by `connection`, then availability.
    Period,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ComplianceReport {
    pub report: &'static str,
    pub policy: Policy,
    pub mode: Mode,
    /// What ranks agencies within their league.
    pub ranked_by: &'static str,
    /// How `connection` is computed (over a period only).
    pub connection_rule: Option<&'static str>,
    /// `connected`, `disconnected`, `unregistered` and `ratio` are as of this moment (unix seconds).
    pub at: i64,
    pub connection_window_seconds: u64,
    pub period: Period,
    pub period_local: (String, String),
    pub agencies: Vec<ComplianceRow>,
}

/// Checks (by store id) with an up or degraded result in `[at - window, at)`: from raw
/// results while they are kept, else from hourly rollups.
async fn connected_checks(store: &Store, from: i64, at: i64) -> Result<HashSet<i64>, StoreError> {
    let mut seen_any = false;
    let mut ok = HashSet::new();
    store
        .scan_results(from, at, |check, s| {
            seen_any = true;
            if s.kind.is_available() {
                ok.insert(check);
            }
        })
        .await?;
    if !seen_any {
        for (check, _, r) in store
            .rollups(Grain::Hourly, from.div_euclid(3600) * 3600, at)
            .await?
        {
            if r.seconds.available() > 0.0 {
                ok.insert(check);
            }
        }
    }
    Ok(ok)
}

/// An agency kind as the reports write it.
pub fn kind_name(k: crate::config::AgencyKind) -> &'static str {
    use crate::config::AgencyKind::*;
    match k {
        Ministry => "ministry",
        MinisterialAgency => "ministerial_agency",
        GovernmentAgency => "government_agency",
        Province => "province",
        City => "city",
    }
}

/// The compliance report: connection as of `min(period.to, now)`, availability over
/// the period, and with `Mode::Period` connection over the period.
pub async fn compliance(
    store: &Store,
    config: &Config,
    period: Period,
    agency: Option<&str>,
    now: i64,
    mode: Mode,
) -> Result<ComplianceReport, StoreError> {
    let at = period.to.min(now);
    let window = config.connection.window;
    let ok = connected_checks(store, crate::util::secs_before(at, window), at).await?;
    let ids = store.check_ids().await?;
    let sums = rollups(store, config, period).await?;
    let (history, stored) = match mode {
        Mode::Period => (
            store.connection_history(period.from, at).await?,
            store.agencies().await?,
        ),
        Mode::Snapshot => Default::default(),
    };
    let mut rows = Vec::new();
    // Every agency, so that one asked for alone keeps its rank in its league; as a
    // snapshot those that exist at `at`, over a period those that existed in it.
    for a in config.all_agencies() {
        let lc = &a.lifecycle;
        let bounds = (lc.valid_from.map(|d| d.at), lc.valid_to.map(|d| d.at));
        let (from, to) = match mode {
            Mode::Snapshot if lc.ended(at) => continue,
            Mode::Snapshot => (period.from, at),
            Mode::Period => match super::lifecycle::window(period, bounds.0, bounds.1) {
                Some((from, to)) => (from, to.min(at).max(from)),
                None => continue,
            },
        };
        let mut row = ComplianceRow {
            rank: 0,
            league: League::of(a.kind),
            agency: a.id.clone(),
            name: a.name.clone(),
            kind: kind_name(a.kind),
            required: 0,
            connected: 0,
            disconnected: 0,
            unregistered: 0,
            ratio: 1.0,
            connection: None,
            availability: None,
            systems: Vec::new(),
            note: (mode == Mode::Period)
                .then(|| super::lifecycle::own_note(config, a, period))
                .flatten(),
        };
        let mut merged = Rollup::default();
        for s in &a.systems {
            let last_ok: Vec<Option<i64>> = s
                .checks
                .iter()
                .map(|c| {
                    ids.get(c.full_id.as_str())
                        .filter(|i| ok.contains(i))
                        .map(|_| at)
                })
                .collect();
            for c in &s.checks {
                if let Some(r) = ids.get(c.full_id.as_str()).and_then(|i| sums.get(i)) {
                    merged.merge(r);
                }
            }
            if !s.required {
                continue;
            }
            row.required += 1;
            if mode == Mode::Period {
                let h = history
                    .get(&(a.id.clone(), s.id.clone()))
                    .map_or(&[][..], Vec::as_slice);
                let secs = connected::seconds(h, from, to);
                row.systems.push(SystemShare::new(&s.id, &s.name, secs));
            }
            match classify(&last_ok, at, window) {
                Connection::Connected => row.connected += 1,
                Connection::Disconnected => row.disconnected += 1,
                Connection::Unregistered => row.unregistered += 1,
            }
        }
        if row.required > 0 {
            row.ratio = f64::from(row.connected) / f64::from(row.required);
        }
        row.availability = merged.seconds.availability(config.sla.exclude_maintenance);
        row.connection = match mode {
            // Required to connect nothing: compliant, as `ratio` says.
            Mode::Period if row.required == 0 => Some(1.0),
            Mode::Period => connected::mean(&row.systems),
            Mode::Snapshot => None,
        };
        rows.push(row);
    }
    if mode == Mode::Period {
        for r in super::lifecycle::rolled(config, &stored, period, at) {
            let Some(row) = rows.iter_mut().find(|x| x.agency == r.successor) else {
                continue;
            };
            for s in r.merged.systems.iter().filter(|s| s.required) {
                let h = history
                    .get(&(r.merged.id.clone(), s.id.clone()))
                    .map_or(&[][..], Vec::as_slice);
                let secs = connected::seconds(h, r.from, r.to);
                let id = format!("{}/{}", r.merged.id, s.id);
                row.systems.push(SystemShare::new(&id, &s.name, secs));
            }
            row.connection = connected::mean(&row.systems).or(row.connection);
            add_note(row, r.note);
        }
        for st in super::lifecycle::removed(config, &stored) {
            rows.extend(removed_row(st, &history, period, at));
        }
    }
    let key = |r: &ComplianceRow| match mode {
        Mode::Snapshot => Some(r.ratio),
        Mode::Period => r.connection,
    };
    let better = |x: &ComplianceRow, y: &ComplianceRow| {
        let by = |v: Option<f64>| v.unwrap_or(-1.0);
        by(key(y))
            .total_cmp(&by(key(x)))
            .then(by(y.availability).total_cmp(&by(x.availability)))
    };
    let ranked = ranks(&rows, |r| r.league, better);
    for (r, rank) in rows.iter_mut().zip(ranked) {
        r.rank = rank;
    }
    rows.retain(|r| agency.is_none_or(|x| x == r.agency));
    rows.sort_by(|x, y| {
        (x.league, x.rank)
            .cmp(&(y.league, y.rank))
            .then(x.agency.cmp(&y.agency))
    });
    let tz = config.sla.timezone;
    Ok(ComplianceReport {
        report: "compliance",
        policy: Policy::of(config),
        mode,
        ranked_by: match mode {
            Mode::Snapshot => "ratio, then availability",
            Mode::Period => "connection, then availability",
        },
        connection_rule: (mode == Mode::Period).then_some(connected::RULE),
        at,
        connection_window_seconds: window.as_secs(),
        period,
        period_local: (
            time::date_text(tz, period.from),
            time::date_text(tz, period.to - 1),
        ),
        agencies: rows,
    })
}

/// The line of an agency whose file was removed, by its stored name, over the part of
/// the period it existed in (until the daemon stopped running it): its systems are
/// those of its stored history, each counted as required. `None` without history in it.
fn removed_row(
    st: &crate::store::agencies::StoredAgency,
    history: &crate::store::connection::History,
    period: Period,
    at: i64,
) -> Option<ComplianceRow> {
    let a = &st.agency;
    let end = a
        .valid_to
        .unwrap_or(i64::MAX)
        .min(st.left_at.unwrap_or(i64::MAX));
    let (from, to) = super::lifecycle::window(period, a.valid_from, Some(end))?;
    let to = to.min(at).max(from);
    let mut systems: Vec<SystemShare> = history
        .iter()
        .filter(|((agency, _), _)| *agency == a.id)
        .map(|((_, system), h)| SystemShare::new(system, system, connected::seconds(h, from, to)))
        .filter(|s| s.share.is_some())
        .collect();
    if systems.is_empty() {
        return None;
    }
    systems.sort_by(|x, y| x.system.cmp(&y.system));
    let kind = super::lifecycle::kind(&a.kind);
    Some(ComplianceRow {
        rank: 0,
        league: League::of(kind),
        agency: a.id.clone(),
        name: a.name.clone(),
        kind: kind_name(kind),
        required: systems.len() as u32,
        connected: 0,
        disconnected: 0,
        unregistered: 0,
        ratio: 0.0,
        connection: connected::mean(&systems),
        availability: None,
        systems,
        note: Some(
            "its file was removed: shown by its stored name, its systems from its stored \
             connection history"
                .into(),
        ),
    })
}
