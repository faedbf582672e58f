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
/// merged agency, and a part of the period after the merger (until the daemon
/// stopped running it, when it did). Along a chain of mergers (A into B, then B into
/// C) the time after B's own merger goes to C: one `Rolled` per successor.
#[derive(Clone, Debug)]
pub struct Rolled<'a> {
    pub successor: &'a str,
    pub merged: &'a Agency,
    pub from: i64,
    pub to: i64,
    /// e.g. `includes Bắc Giang (bac-giang, merged 2025-07-01) from 2025-07-01`.
    pub note: String,
}

/// The roll-ups of a period: each agency of the config with a successor and a
/// `valid_to` before the period's end, over `[max(valid_to, from), min(to, left_at))`,
/// split along the chain of successors.
pub fn rolled<'a>(
    config: &'a Config,
    stored: &[StoredAgency],
    period: Period,
    at: i64,
) -> Vec<Rolled<'a>> {
    let tz = config.sla.timezone;
    let mut out = Vec::new();
    for a in config.all_agencies() {
        let (Some(first), Some(merged_at)) = (
            a.lifecycle.successor.as_deref(),
            a.lifecycle.valid_to.map(|d| d.at),
        ) else {
            continue;
        };
        let left = stored
            .iter()
            .find(|s| s.agency.id == a.id)
            .and_then(|s| s.left_at);
        let end = period.to.min(at).min(left.unwrap_or(i64::MAX));
        let mut from = merged_at.max(period.from);
        let mut successor = first;
        // At most one step per agency: a cycle (which validation rejects) ends here.
        for _ in 0..=config.all_agencies().count() {
            if from >= end {
                break;
            }
            let next = config.all_agencies().find(|x| x.id == successor);
            let hand_over = next.and_then(|n| {
                let to = n.lifecycle.valid_to?.at;
                Some((to, n.lifecycle.successor.as_deref()?))
            });
            let to = hand_over.map_or(end, |(t, _)| t.clamp(from, end));
            if to > from {
                out.push(Rolled {
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
                });
            }
            match hand_over {
                Some((_, s)) => (from, successor) = (to, s),
                None => break,
            }
        }
    }
    out
}

/// `a`'s own note over a period: its end within it (a merger or an end of its own).
pub fn own_note(config: &Config, a: &Agency, period: Period) -> Option<String> {
    let tz = config.sla.timezone;
    let to = a.lifecycle.valid_to.filter(|d| d.at < period.to)?;
    Some(match &a.lifecycle.successor {
        Some(s) => format!(
            "merged into {s} on {}: its history from then on is in {s}'s line",
            time::date_text(tz, to.at)
        ),
        None => format!("ended on {}", time::date_text(tz, to.at)),
    })
}

/// What a removed agency's line says.
pub const REMOVED_NOTE: &str = "its file was removed: shown by its stored name";

/// One check of a [`Listed`] agency, with the policy figures the reports need.
#[derive(Clone, Debug)]
pub struct ListedCheck {
    pub id: String,
    pub full_id: String,
    pub slo: f64,
    pub degraded_after_ms: f64,
    /// A browser check's thresholds (its durations are page loads, not responses).
    pub page: Option<crate::config::PageExpect>,
}

/// A browser check's thresholds, `None` for the other kinds.
pub fn page_expect(c: &crate::config::Check) -> Option<crate::config::PageExpect> {
    match &c.kind {
        crate::config::CheckKind::Browser(b) => Some(b.expect),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct ListedSystem {
    pub id: String,
    pub name: String,
    pub checks: Vec<ListedCheck>,
}

/// An agency a report over a period lists: from the config (running or past its
/// `valid_to`) or, its file removed, from the store (its stored name, its checks from
/// the stored check ids, the built-in policy).
#[derive(Clone, Debug)]
pub struct Listed {
    pub id: String,
    pub name: String,
    pub kind: AgencyKind,
    /// The part `[from, to)` of the period it existed in (whole hours).
    pub from: i64,
    pub to: i64,
    pub systems: Vec<ListedSystem>,
    pub note: Option<String>,
}

/// Every agency that existed in `period`, config first (in file order), then those
/// whose file was removed (by id).
pub fn listed(
    config: &Config,
    stored: &[StoredAgency],
    check_ids: &std::collections::HashMap<String, i64>,
    period: Period,
) -> Vec<Listed> {
    let mut out = Vec::new();
    for a in config.all_agencies() {
        let lc = &a.lifecycle;
        let Some((from, to)) = window(
            period,
            lc.valid_from.map(|d| d.at),
            lc.valid_to.map(|d| d.at),
        ) else {
            continue;
        };
        let systems = a
            .systems
            .iter()
            .map(|s| ListedSystem {
                id: s.id.clone(),
                name: s.name.clone(),
                checks: s
                    .checks
                    .iter()
                    .map(|c| ListedCheck {
                        id: c.id.clone(),
                        full_id: c.full_id.as_str().to_owned(),
                        slo: c.policy.slo_availability,
                        degraded_after_ms: c.policy.degraded_after.as_secs_f64() * 1000.0,
                        page: page_expect(c),
                    })
                    .collect(),
            })
            .collect();
        out.push(Listed {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: a.kind,
            from,
            to,
            systems,
            note: own_note(config, a, period),
        });
    }
    let policy = crate::config::builtin_policy();
    for st in removed(config, stored) {
        let a = &st.agency;
        let end = a
            .valid_to
            .unwrap_or(i64::MAX)
            .min(st.left_at.unwrap_or(i64::MAX));
        // Whole hours: the last hour it ran counts.
        let end = end.saturating_add(3599).div_euclid(3600) * 3600;
        let Some((from, to)) = window(period, a.valid_from, Some(end)) else {
            continue;
        };
        let prefix = format!("{}/", a.id);
        let mut full: Vec<&str> = check_ids
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(|_| k.as_str()))
            .collect();
        full.sort_unstable();
        let mut systems: Vec<ListedSystem> = Vec::new();
        for f in full {
            let mut parts = f.splitn(3, '/').skip(1);
            let (Some(system), Some(check)) = (parts.next(), parts.next()) else {
                continue;
            };
            let c = ListedCheck {
                id: check.to_owned(),
                full_id: f.to_owned(),
                slo: policy.slo_availability,
                degraded_after_ms: policy.degraded_after.as_secs_f64() * 1000.0,
                page: None,
            };
            match systems.iter_mut().find(|s| s.id == system) {
                Some(s) => s.checks.push(c),
                None => systems.push(ListedSystem {
                    id: system.to_owned(),
                    name: system.to_owned(),
                    checks: vec![c],
                }),
            }
        }
        out.push(Listed {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: kind(&a.kind),
            from,
            to,
            systems,
            note: Some(REMOVED_NOTE.to_owned()),
        });
    }
    out
}

/// The agencies the store keeps that no file of `config` has any more.
pub fn removed<'a>(config: &Config, stored: &'a [StoredAgency]) -> Vec<&'a StoredAgency> {
    stored
        .iter()
        .filter(|s| !config.all_agencies().any(|a| a.id == s.agency.id))
        .collect()
}

/// Whether reports can be asked for agency `id`: one of the config (running or past
/// its `valid_to`) or one whose file was removed and whose name the store keeps.
pub async fn known(
    store: &crate::store::Store,
    config: &Config,
    id: &str,
) -> Result<bool, crate::store::StoreError> {
    if config.all_agencies().any(|a| a.id == id) {
        return Ok(true);
    }
    Ok(store.agencies().await?.iter().any(|s| s.agency.id == id))
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

    /// A chain of mergers: `a` into `b` on 1 March, `b` into `c` on 1 July. `a`'s
    /// history goes to `b` until `b`'s own merger, then to `c`; `b`'s to `c`.
    #[test]
    fn a_chain_of_mergers_rolls_each_part_into_the_successor_of_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("agencies")).unwrap();
        std::fs::write(
            root.join("emcd.yaml"),
            format!(
                "storage:\n  path: {}\ninclude:\n  - agencies/*.yaml\n",
                root.join("emcd.db").display()
            ),
        )
        .unwrap();
        for (id, extra) in [
            ("a", ", valid_to: 2025-03-01, successor: b"),
            ("b", ", valid_to: 2025-07-01, successor: c"),
            ("c", ""),
        ] {
            let yaml = format!(
                "agency: {{id: {id}, code: {id}, name: Tỉnh {id}, kind: province{extra}}}\n\
                 systems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n      \
                 - {{id: c0, tcp: {{host: 127.0.0.1, port: 9}}}}\n"
            );
            std::fs::write(root.join(format!("agencies/{id}.yaml")), yaml).unwrap();
        }
        let config = crate::config::load(&root.join("emcd.yaml")).unwrap();
        let tz = config.sla.timezone;
        let day = |d: &str| time::bound(tz, d, time::Bound::From).unwrap();
        let period = Period {
            from: day("2025-01-01"),
            to: day("2025-12-01"),
        };
        let got: Vec<(&str, &str, i64, i64)> = rolled(&config, &[], period, i64::MAX)
            .iter()
            .map(|r| (r.merged.id.as_str(), r.successor, r.from, r.to))
            .collect();
        let (mar, jul, dec) = (day("2025-03-01"), day("2025-07-01"), period.to);
        assert_eq!(
            got,
            [
                ("a", "b", mar, jul),
                ("a", "c", jul, dec),
                ("b", "c", jul, dec)
            ]
        );
        // Over a period after both mergers, both roll into c alone.
        let late = Period {
            from: day("2025-09-01"),
            to: dec,
        };
        let got: Vec<(&str, &str)> = rolled(&config, &[], late, i64::MAX)
            .iter()
            .map(|r| (r.merged.id.as_str(), r.successor))
            .collect();
        assert_eq!(got, [("a", "c"), ("b", "c")]);
    }
}
