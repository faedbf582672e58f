//! The compliance report (docs/results.md, docs/api.md): per agency, its required systems connected,
//! disconnected and unregistered as of a moment, the connection ratio, availability
//! over the period, and the rank (by ratio, then availability).

use std::collections::HashSet;

use serde::Serialize;

use super::{rollups, Period, Policy};
use crate::config::Config;
use crate::connection::{classify, Connection};
use crate::sla::rollup::Rollup;
use crate::sla::time;
use crate::store::rollups::Grain;
use crate::store::{Store, StoreError};

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ComplianceRow {
    pub rank: usize,
    pub agency: String,
    pub name: String,
    pub kind: &'static str,
    pub required: u32,
    pub connected: u32,
    pub disconnected: u32,
    pub unregistered: u32,
    pub ratio: f64,
    pub availability: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ComplianceReport {
    pub report: &'static str,
    pub policy: Policy,
    /// Connection states are as of this moment (unix seconds).
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

fn kind_name(k: crate::config::AgencyKind) -> &'static str {
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
/// the period.
pub async fn compliance(
    store: &Store,
    config: &Config,
    period: Period,
    agency: Option<&str>,
    now: i64,
) -> Result<ComplianceReport, StoreError> {
    let at = period.to.min(now);
    let window = config.connection.window;
    let ok = connected_checks(store, crate::util::secs_before(at, window), at).await?;
    let ids = store.check_ids().await?;
    let sums = rollups(store, config, period).await?;
    let mut rows = Vec::new();
    for a in config
        .agencies
        .iter()
        .filter(|a| agency.is_none_or(|x| x == a.id))
    {
        let mut row = ComplianceRow {
            rank: 0,
            agency: a.id.clone(),
            name: a.name.clone(),
            kind: kind_name(a.kind),
            required: 0,
            connected: 0,
            disconnected: 0,
            unregistered: 0,
            ratio: 1.0,
            availability: None,
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
        rows.push(row);
    }
    rows.sort_by(|x, y| {
        y.ratio
            .total_cmp(&x.ratio)
            .then(
                y.availability
                    .unwrap_or(-1.0)
                    .total_cmp(&x.availability.unwrap_or(-1.0)),
            )
            .then(x.agency.cmp(&y.agency))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    let tz = config.sla.timezone;
    Ok(ComplianceReport {
        report: "compliance",
        policy: Policy::of(config),
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
