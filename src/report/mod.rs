//! SLA and compliance reports (docs/results.md, docs/api.md): per check, system and agency over a period
//! of calendar time in `sla.timezone`, from daily rollups where whole days are rolled
//! up, hourly rollups for other complete hours, and raw results for the hours not yet
//! rolled up. Every report states its policy and its coverage. `format` renders them.

pub mod cli;
pub mod compliance;
pub mod connected;
pub mod format;
pub mod indicators;
pub mod last_month;
pub mod lifecycle;
pub mod page_part;
pub mod scorecard;
mod sla_report;

pub use sla_report::sla;

use std::collections::HashMap;

use serde::Serialize;

use crate::config::Config;
use crate::sla::rollup::{Accumulator, Rollup};
use crate::sla::time;
use crate::store::rollups::Grain;
use crate::store::{Store, StoreError};

/// The policy every report states (docs/results.md).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Policy {
    pub name: &'static str,
    pub availability: &'static str,
    pub result_stands_for: &'static str,
    pub unknown: &'static str,
    pub exclude_maintenance: bool,
    pub timezone: String,
    pub percentiles: String,
}

impl Policy {
    pub fn of(config: &Config) -> Policy {
        Policy {
            name: "emcd-sla-v1",
            availability: "(up + degraded) / (up + degraded + down) seconds",
            result_stands_for: "the time until the check's next result, at most 2 x its interval",
            unknown: "time no result stands for; excluded from availability",
            exclude_maintenance: config.sla.exclude_maintenance,
            timezone: config.sla.timezone.name().to_owned(),
            percentiles: format!(
                "of up and degraded response times, from a log-scale histogram (within {:.1}%)",
                crate::sla::histogram::BUCKET_ERROR * 100.0
            ),
        }
    }
}

/// The reported period, `[from, to)`, in unix seconds (whole hours).
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

/// Figures of one check, system or agency.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Figures {
    pub availability: Option<f64>,
    /// Seconds counted against availability (summed over checks for a group).
    pub downtime_seconds: f64,
    pub incidents: i64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Share of the period (per check) that has a result standing for it.
    pub coverage: f64,
    pub results: i64,
    pub slo: f64,
    /// Whether availability meets the SLO; `None` without data, or with less than
    /// [`MIN_COVERAGE`] of the period covered (no verdict then).
    pub slo_met: Option<bool>,
    /// `met`, `missed`, `insufficient_coverage` or `no_data`.
    pub verdict: &'static str,
}

/// Below this share of the period covered by results, a report gives no SLO verdict:
/// "met" or "missed" over a few minutes of a month would say nothing about the month.
pub const MIN_COVERAGE: f64 = 0.5;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CheckRow {
    pub agency: String,
    pub system: String,
    pub check: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SystemRow {
    pub agency: String,
    pub system: String,
    pub name: String,
    pub checks: usize,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AgencyRow {
    pub agency: String,
    pub name: String,
    pub kind: &'static str,
    pub checks: usize,
    /// Its lifecycle in the period (docs/results.md, "Agencies that merge"): a merger
    /// rolled into this line, its own merger or end, or its file removed.
    pub note: Option<String>,
    /// p95 response time (ms) of its checks other than browser checks (whose durations
    /// are page loads): what the scorecard's response-time part judges.
    pub response_p95_ms: Option<f64>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SlaReport {
    pub report: &'static str,
    pub policy: Policy,
    pub period: Period,
    pub period_local: (String, String),
    pub coverage: f64,
    pub checks: Vec<CheckRow>,
    pub systems: Vec<SystemRow>,
    pub agencies: Vec<AgencyRow>,
}

/// `expected`: the seconds the figures should cover (per check, the part of the
/// period it existed in, summed).
fn figures(r: &Rollup, incidents: i64, expected: f64, exclude: bool, slo: f64) -> Figures {
    let availability = r.seconds.availability(exclude);
    let coverage = if expected > 0.0 {
        (r.seconds.covered() / expected).min(1.0)
    } else {
        0.0
    };
    let slo_met = availability
        .filter(|_| coverage >= MIN_COVERAGE)
        .map(|a| a * 100.0 >= slo);
    let verdict = match (availability, slo_met) {
        (_, Some(true)) => "met",
        (_, Some(false)) => "missed",
        (Some(_), None) => "insufficient_coverage",
        (None, None) => "no_data",
    };
    Figures {
        availability,
        downtime_seconds: r.seconds.unavailable(exclude),
        incidents,
        p50_ms: r.hist.quantile(0.50),
        p95_ms: r.hist.quantile(0.95),
        p99_ms: r.hist.quantile(0.99),
        coverage,
        results: r.counts.iter().sum(),
        slo,
        slo_met,
        verdict,
    }
}

/// The length of a period in seconds.
fn span(p: Period) -> f64 {
    (p.to - p.from) as f64
}

/// The rollup of every check (by store id) over `period`, from the best source for
/// each part of it.
pub async fn rollups(
    store: &Store,
    config: &Config,
    period: Period,
) -> Result<HashMap<i64, Rollup>, StoreError> {
    let tz = config.sla.timezone;
    let hourly_done = store.housekeeping("rollup_hourly").await?.map(|c| c.0);
    let daily_done = store.housekeeping("rollup_daily").await?.map(|c| c.0);
    let mut out: HashMap<i64, Rollup> = HashMap::new();
    let mut add = |rows: Vec<(i64, i64, Rollup)>| {
        for (check, _, r) in rows {
            out.entry(check).or_default().merge(&r);
        }
    };
    // Whole local days that have daily rollups.
    let first_day = {
        let d = time::day_start(tz, period.from);
        if d == period.from {
            d
        } else {
            time::next_day_start(tz, period.from)
        }
    };
    let mut days_end = first_day;
    if let Some(done) = daily_done {
        while days_end < period.to
            && days_end <= done
            && time::next_day_start(tz, days_end) <= period.to
        {
            days_end = time::next_day_start(tz, days_end);
        }
    }
    let (days_from, days_to) = if days_end > first_day {
        (first_day, days_end)
    } else {
        (period.from, period.from)
    };
    if days_to > days_from {
        add(store.rollups(Grain::Daily, days_from, days_to).await?);
    }
    // Hours outside those days that have hourly rollups.
    let hourly_end = hourly_done
        .map_or(period.from, |h| (h + 3600).min(period.to))
        .max(period.from);
    for (a, b) in [
        (period.from, days_from.min(hourly_end)),
        (days_to.max(period.from), hourly_end),
    ] {
        if b > a {
            add(store.rollups(Grain::Hourly, a, b).await?);
        }
    }
    // The rest, not rolled up yet, from raw results.
    let raw_from = hourly_end.max(days_to);
    if raw_from < period.to {
        let info = store.check_info().await?;
        let lookback = 2 * info.values().map(|(_, i)| *i).max().unwrap_or(60);
        let mut accs: HashMap<i64, Accumulator> = HashMap::new();
        store
            .scan_results(raw_from - lookback, period.to, |check, s| {
                let interval = info.get(&check).map_or(60, |(_, i)| *i);
                accs.entry(check)
                    .or_insert_with(|| Accumulator::new(raw_from, period.to, interval))
                    .push(s);
            })
            .await?;
        add(accs.into_iter().map(|(c, a)| (c, 0, a.finish())).collect());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ResultKind;
    use crate::sla::rollup::{compute, Sample};

    /// One check up for `up` seconds of a 1000 s period, with results every 10 s.
    fn rollup(up: i64) -> Rollup {
        let samples: Vec<Sample> = (0..up / 10)
            .map(|i| Sample {
                ts: i * 10,
                kind: ResultKind::Up,
                duration_ms: 5,
            })
            .collect();
        compute(&samples, 5, 0, 1000)
    }

    #[test]
    fn no_verdict_without_half_the_period_covered() {
        let period = Period { from: 0, to: 1000 };
        let f = figures(&rollup(100), 0, span(period), true, 99.5);
        assert!(f.coverage < MIN_COVERAGE, "{}", f.coverage);
        assert_eq!(
            (f.availability, f.slo_met, f.verdict),
            (Some(1.0), None, "insufficient_coverage")
        );
        let f = figures(&rollup(1000), 0, span(period), true, 99.5);
        assert_eq!((f.slo_met, f.verdict), (Some(true), "met"));
        let f = figures(&Rollup::default(), 0, span(period), true, 99.5);
        assert_eq!((f.slo_met, f.verdict), (None, "no_data"));
    }
}
