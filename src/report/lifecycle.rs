//! Agencies over a period (docs/results.md, "Agencies that merge"): which agencies a
//! report over a period lists, and the part of it each existed in (from `valid_from`
//! to `valid_to`, SPEC section 13); a merged agency's history after its `valid_to`
//! rolled into its successor's line; and agencies whose file was removed, shown by the
//! name the store keeps (`store::agencies`).

use crate::config::{Agency, AgencyKind, Config};
use crate::sla::time;
use crate::store::agencies::StoredAgency;

use super::Period;

/// The part `[from, to)` of `period` an agency with these lifecycle bounds (unix
/// seconds) existed in; `None` if it did not exist in it.
pub fn window(
    period: Period,
    valid_from: Option<i64>,
    valid_to: Option<i64>,
) -> Option<(i64, i64)> {
    let from = period.from.max(valid_from.unwrap_or(i64::MIN));
    let to = period.to.min(valid_to.unwrap_or(i64::MAX));
    (to > from || period.to <= period.from).then_some((from, to.max(from)))
}

/// A merged agency's history rolled into its successor's line: the successor, the
/// merged agency, and the part of the period after the merger (until the daemon
/// stopped running it, when it did).
#[derive(Clone, Debug)]
pub struct Rolled<'a> {
    pub successor: &'a str,
    pub merged: &'a Agency,
    pub from: i64,
    pub to: i64,
    /// e.g. `includes Bắc Giang (bac-giang, merged 2025-07-01)`.
    pub note: String,
}

/// The roll-ups of a period: each agency of the config with a successor and a
/// `valid_to` before the period's end, over `[max(valid_to, from), min(to, left_at))`.
pub fn rolled<'a>(
    config: &'a Config,
    stored: &[StoredAgency],
    period: Period,
    at: i64,
) -> Vec<Rolled<'a>> {
    let tz = config.sla.timezone;
    config
        .all_agencies()
        .filter_map(|a| {
            let successor = a.lifecycle.successor.as_deref()?;
            let merged_at = a.lifecycle.valid_to?.at;
            let left = stored
                .iter()
                .find(|s| s.agency.id == a.id)
                .and_then(|s| s.left_at);
            let from = merged_at.max(period.from);
            let to = period.to.min(at).min(left.unwrap_or(i64::MAX));
            (to > from).then(|| Rolled {
                successor,
                merged: a,
                from,
                to,
                note: format!(
                    "includes {} ({}, merged {}) from {}",
                    a.name,
                    a.id,
                    time::date_text(tz, merged_at),
                    time::date_text(tz, from)
                ),
            })
        })
        .collect()
}

/// The agencies the store keeps that no file of `config` has any more.
pub fn removed<'a>(config: &Config, stored: &'a [StoredAgency]) -> Vec<&'a StoredAgency> {
    stored
        .iter()
        .filter(|s| !config.all_agencies().any(|a| a.id == s.agency.id))
        .collect()
}

/// A kind as stored, as the config's.
pub fn kind(stored: &str) -> AgencyKind {
    match stored {
        "ministerial_agency" => AgencyKind::MinisterialAgency,
        "government_agency" => AgencyKind::GovernmentAgency,
        "province" => AgencyKind::Province,
        "city" => AgencyKind::City,
        _ => AgencyKind::Ministry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agency_exists_from_valid_from_to_valid_to() {
        let p = Period { from: 100, to: 200 };
        assert_eq!(window(p, None, None), Some((100, 200)));
        assert_eq!(window(p, Some(150), None), Some((150, 200)));
        assert_eq!(window(p, None, Some(150)), Some((100, 150)));
        assert_eq!(window(p, None, Some(100)), None, "merged before the period");
        assert_eq!(window(p, Some(200), None), None, "created after it");
    }
}
