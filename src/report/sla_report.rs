//! The SLA report (docs/results.md): per check, system and agency over a period. It
//! lists every agency that existed in the period (`lifecycle::listed`), each over the
//! part of the period it existed in; a merged agency's history after its merger is
//! rolled into its successor's agency line (`lifecycle::rolled`), and an agency whose
//! file was removed is shown by its stored name. Each line's `note` says which.

use std::collections::HashMap;

use super::lifecycle::{self, Listed};
use super::{figures, rollups, span, AgencyRow, CheckRow, Period, Policy, SlaReport, SystemRow};
use crate::config::Config;
use crate::sla::rollup::Rollup;
use crate::sla::time;
use crate::store::{Store, StoreError};

/// Rollups by check over parts of the period, each read once.
struct Parts<'a> {
    store: &'a Store,
    config: &'a Config,
    by_part: HashMap<(i64, i64), HashMap<i64, Rollup>>,
}

impl Parts<'_> {
    async fn get(&mut self, part: Period) -> Result<&HashMap<i64, Rollup>, StoreError> {
        let key = (part.from, part.to);
        if !self.by_part.contains_key(&key) {
            let r = rollups(self.store, self.config, part).await?;
            self.by_part.insert(key, r);
        }
        Ok(&self.by_part[&key])
    }
}

/// Incidents of a check that overlap `[from, to)`.
fn incidents_in(all: &[(i64, i64, Option<i64>)], check: Option<i64>, from: i64, to: i64) -> i64 {
    let Some(check) = check else { return 0 };
    all.iter()
        .filter(|(c, start, end)| *c == check && *start < to && end.is_none_or(|e| e > from))
        .count() as i64
}

/// One agency line in the making.
#[derive(Default)]
struct Sum {
    rollup: Rollup,
    /// Of the checks other than browser checks.
    responses: Rollup,
    incidents: i64,
    expected: f64,
    checks: usize,
    slo: f64,
}

impl Sum {
    fn add(&mut self, other: &Sum) {
        self.rollup.merge(&other.rollup);
        self.responses.merge(&other.responses);
        self.incidents += other.incidents;
        self.expected += other.expected;
        self.checks += other.checks;
        self.slo = self.slo.max(other.slo);
    }
}

/// The SLA report for `period`, optionally for one agency (also one that merged or
/// whose file was removed).
pub async fn sla(
    store: &Store,
    config: &Config,
    period: Period,
    agency: Option<&str>,
) -> Result<SlaReport, StoreError> {
    let tz = config.sla.timezone;
    let exclude = config.sla.exclude_maintenance;
    let ids = store.check_ids().await?;
    let stored = store.agencies().await?;
    let all_incidents = store.incidents(period.from, period.to).await?;
    let mut parts = Parts {
        store,
        config,
        by_part: HashMap::new(),
    };
    let mut report = SlaReport {
        report: "sla",
        policy: Policy::of(config),
        period,
        period_local: (
            time::date_text(tz, period.from),
            time::date_text(tz, period.to - 1),
        ),
        coverage: 0.0,
        checks: Vec::new(),
        systems: Vec::new(),
        agencies: Vec::new(),
    };
    let listed: Vec<Listed> = lifecycle::listed(config, &stored, &ids, period)
        .into_iter()
        .filter(|a| agency.is_none_or(|x| x == a.id))
        .collect();
    let rolled = lifecycle::rolled(config, &stored, period, crate::util::unix_now());
    let mut all = Sum::default();
    for a in &listed {
        let part = Period {
            from: a.from,
            to: a.to,
        };
        let sums = parts.get(part).await?;
        let mut agency_sum = Sum::default();
        for s in &a.systems {
            let mut sys = Sum::default();
            for c in &s.checks {
                let id = ids.get(&c.full_id).copied();
                let rollup: Rollup = id.and_then(|i| sums.get(&i)).cloned().unwrap_or_default();
                let one = Sum {
                    responses: if c.page.is_none() {
                        rollup.clone()
                    } else {
                        Rollup::default()
                    },
                    rollup,
                    incidents: incidents_in(&all_incidents, id, part.from, part.to),
                    expected: span(part),
                    checks: 1,
                    slo: c.slo,
                };
                report.checks.push(CheckRow {
                    agency: a.id.clone(),
                    system: s.id.clone(),
                    check: c.id.clone(),
                    figures: figures(&one.rollup, one.incidents, one.expected, exclude, c.slo),
                });
                sys.add(&one);
            }
            if s.checks.is_empty() {
                continue;
            }
            report.systems.push(SystemRow {
                agency: a.id.clone(),
                system: s.id.clone(),
                name: s.name.clone(),
                checks: sys.checks,
                figures: figures(&sys.rollup, sys.incidents, sys.expected, exclude, sys.slo),
            });
            agency_sum.add(&sys);
        }
        let mut notes: Vec<String> = a.note.iter().cloned().collect();
        for r in rolled.iter().filter(|r| r.successor == a.id) {
            let part = Period {
                from: r.from,
                to: r.to,
            };
            let sums = parts.get(part).await?;
            for c in r.merged.systems.iter().flat_map(|s| &s.checks) {
                let id = ids.get(c.full_id.as_str()).copied();
                let rollup: Rollup = id.and_then(|i| sums.get(&i)).cloned().unwrap_or_default();
                let browser = lifecycle::page_expect(c).is_some();
                agency_sum.add(&Sum {
                    responses: if browser {
                        Rollup::default()
                    } else {
                        rollup.clone()
                    },
                    rollup,
                    incidents: incidents_in(&all_incidents, id, part.from, part.to),
                    expected: span(part),
                    checks: 1,
                    slo: c.policy.slo_availability,
                });
            }
            notes.push(r.note.clone());
        }
        report.agencies.push(AgencyRow {
            agency: a.id.clone(),
            name: a.name.clone(),
            kind: super::compliance::kind_name(a.kind),
            checks: agency_sum.checks,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            response_p95_ms: agency_sum.responses.hist.quantile(0.95),
            figures: figures(
                &agency_sum.rollup,
                agency_sum.incidents,
                agency_sum.expected,
                exclude,
                agency_sum.slo,
            ),
        });
        all.add(&agency_sum);
    }
    report.coverage = if all.expected > 0.0 {
        (all.rollup.seconds.covered() / all.expected).min(1.0)
    } else {
        0.0
    };
    Ok(report)
}
