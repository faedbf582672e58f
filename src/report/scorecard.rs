//! The scorecard (docs/results.md, "Scorecard"; policy `emcd-score-v1`): per agency,
//! points for connection (the period's compliance), availability against the SLO, p95
//! response time against `degraded_after` with its browser checks' page loads
//! (`page_part`), and the indicators it pushed (`indicators`),
//! each by the rule of the 2022 index (linear up to the full-score threshold, capped),
//! weighted by `scoring.weights`; a total out of 100, a grade by `scoring.grades`, and
//! the rank in its league. The report states every parameter and each part's value,
//! threshold and points, so that an agency can check its score by hand.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::compliance::{compliance, Mode};
use super::indicators::{self, IndicatorPolicy, IndicatorsPart};
use super::page_part::PagePart;
use super::{sla, Period, Policy};
use crate::config::{Config, Weights};
use crate::connection::league::{ranks, League};
use crate::sla::time;
use crate::store::{Store, StoreError};

/// The policy's name.
pub const NAME: &str = "emcd-score-v1";

/// What the scorecard states of how it scores.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScorePolicy {
    pub name: &'static str,
    pub weights: Weights,
    /// The lowest total of each grade; below D is E.
    pub grades: BTreeMap<&'static str, u32>,
    pub rule: &'static str,
    pub connection: &'static str,
    pub availability: &'static str,
    pub response_time: &'static str,
    pub page_load: &'static str,
    /// How the indicators part is scored: its groups, their shares and thresholds.
    pub indicators: IndicatorPolicy,
    pub no_data: &'static str,
    /// Parts of the scorecard this version does not score.
    pub not_scored: Vec<&'static str>,
    /// How availability and percentiles are measured (`emcd-sla-v1`).
    pub measurement: Policy,
}

/// One part of an agency's score: `points = max x min(1, value / threshold)`, or for
/// response time `max x min(1, threshold / value)`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Part {
    /// `None` without data (no points).
    pub value: Option<f64>,
    pub threshold: f64,
    pub max: u32,
    pub points: f64,
}

impl Part {
    /// Higher is better: full points at `threshold` and above.
    fn rate(value: Option<f64>, threshold: f64, max: u32) -> Part {
        let share = value.map_or(0.0, |v| ratio(v, threshold));
        Part::new(value, threshold, max, share)
    }

    /// Lower is better: full points at `threshold` and below.
    fn limit(value: Option<f64>, threshold: f64, max: u32) -> Part {
        let share = value.map_or(0.0, |v| if v <= 0.0 { 1.0 } else { ratio(threshold, v) });
        Part::new(value, threshold, max, share)
    }

    fn new(value: Option<f64>, threshold: f64, max: u32, share: f64) -> Part {
        Part {
            value,
            threshold,
            max,
            points: f64::from(max) * share,
        }
    }
}

/// The response-time part: the p95 part alone, or with page loads in the period the
/// mean of its share and the page-load share, times its max.
fn response_time(p95: Part, page: Option<&PagePart>) -> Part {
    let Some(page) = page else { return p95 };
    let share = match p95.value {
        Some(_) => (p95.points / f64::from(p95.max.max(1)) + page.share) / 2.0,
        None => page.share,
    };
    Part::new(p95.value, p95.threshold, p95.max, share)
}

/// `a / b` capped at 1 (1 when `b` is not positive).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        (a / b).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScoreRow {
    /// Within its league, by total (ties share a rank).
    pub rank: usize,
    pub league: League,
    pub agency: String,
    pub name: String,
    pub kind: &'static str,
    pub connection: Part,
    pub availability: Part,
    /// Its browser checks' page loads, which share the response-time part's points.
    pub page_load: Option<PagePart>,
    pub response_time: Part,
    pub indicators: IndicatorsPart,
    pub total: f64,
    pub grade: &'static str,
    /// Its lifecycle in the period, as the SLA report's agency line says it.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scorecard {
    pub report: &'static str,
    pub policy: ScorePolicy,
    pub period: Period,
    pub period_local: (String, String),
    pub agencies: Vec<ScoreRow>,
}

fn policy(config: &Config) -> ScorePolicy {
    let s = &config.scoring;
    ScorePolicy {
        name: NAME,
        weights: s.weights,
        grades: crate::config::GRADES
            .iter()
            .copied()
            .zip(s.grades)
            .collect(),
        rule: "each part: points = max x min(1, value / threshold), linear up to the \
               full-score threshold and capped (the 2022 index's rule); for response \
               time, where lower is better, max x min(1, threshold / value); the \
               indicators part is the sum of its groups, each scored so with max = its \
               share of the part's weight; total = the sum of the parts, out of 100",
        connection: "value: the compliance report's connection over the period (the mean \
                     share of the period its required systems were connected); threshold 1",
        availability: "value: availability over the period and the agency's checks \
                       (emcd-sla-v1); threshold: the highest slo.availability of its \
                       checks, as a ratio",
        response_time: "value: p95 response time (ms) over the period of the agency's \
                        checks other than browser checks; threshold: the lowest \
                        degraded_after of those checks (ms); with browser checks that \
                        loaded pages in the period (page_load), points = max x the mean \
                        of min(1, threshold / value) and the page-load share (max x the \
                        page-load share without other checks' data)",
        page_load: "per browser check, the p75 over the period of FCP, LCP, speed index \
                    and TBT against the check's thresholds (expect.fcp, .lcp, \
                    .speed_index, .tbt; the 2025 criteria by default), each \
                    min(1, threshold / p75); the check's share is their mean, the \
                    agency's the mean over its browser checks",
        indicators: indicators::policy(),
        no_data: "a part (or an indicator group) without data scores 0 points",
        not_scored: Vec::new(),
        measurement: Policy::of(config),
    }
}

/// The scorecard over `period`, optionally for one agency (ranked among all).
pub async fn scorecard(
    store: &Store,
    config: &Config,
    period: Period,
    agency: Option<&str>,
    now: i64,
) -> Result<Scorecard, StoreError> {
    let w = config.scoring.weights;
    let sla = sla(store, config, period, None).await?;
    let comp = compliance(store, config, period, None, now, Mode::Period).await?;
    let connection: HashMap<&str, Option<f64>> = comp
        .agencies
        .iter()
        .map(|a| (a.agency.as_str(), a.connection))
        .collect();
    let pushed = match indicators::months(config.sla.timezone, period) {
        Some((first, last)) => store.indicators_current(&first, &last).await?,
        None => Vec::new(),
    };
    let mut pushed_by: HashMap<&str, Vec<&crate::store::indicators::IndicatorPush>> =
        HashMap::new();
    for p in &pushed {
        pushed_by.entry(p.agency.as_str()).or_default().push(p);
    }
    let page = super::page_part::pages(store, config, period).await?;
    let builtin_degraded = crate::config::builtin_policy().degraded_after;
    let mut rows: Vec<ScoreRow> = sla
        .agencies
        .iter()
        .map(|line| {
            let f = &line.figures;
            // The lowest degraded_after of its checks other than browser checks; the
            // built-in one for an agency whose file was removed.
            let degraded_after = config
                .all_agencies()
                .find(|a| a.id == line.agency)
                .map_or(vec![builtin_degraded], |a| {
                    a.systems
                        .iter()
                        .flat_map(|s| &s.checks)
                        .filter(|c| super::lifecycle::page_expect(c).is_none())
                        .map(|c| c.policy.degraded_after)
                        .collect()
                })
                .into_iter()
                .map(|d| d.as_secs_f64() * 1000.0)
                .reduce(f64::min)
                .unwrap_or(0.0);
            let parts = [
                Part::rate(
                    connection.get(line.agency.as_str()).copied().flatten(),
                    1.0,
                    w.connection,
                ),
                Part::rate(f.availability, f.slo / 100.0, w.availability),
                response_time(
                    Part::limit(line.response_p95_ms, degraded_after, w.response_time),
                    page.get(&line.agency),
                ),
            ];
            let rows = pushed_by
                .get(line.agency.as_str())
                .map_or(&[][..], Vec::as_slice);
            let indicators = indicators::score(rows, w.indicators);
            let total = parts.iter().map(|p| p.points).sum::<f64>() + indicators.points;
            ScoreRow {
                rank: 0,
                league: League::of(super::lifecycle::kind(line.kind)),
                agency: line.agency.clone(),
                name: line.name.clone(),
                kind: line.kind,
                connection: parts[0],
                availability: parts[1],
                response_time: parts[2],
                page_load: page.get(&line.agency).cloned(),
                indicators,
                total,
                grade: config.scoring.grade(total),
                note: line.note.clone(),
            }
        })
        .collect();
    let ranked = ranks(&rows, |r| r.league, |x, y| y.total.total_cmp(&x.total));
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
    Ok(Scorecard {
        report: "scorecard",
        policy: policy(config),
        period,
        period_local: (
            time::date_text(tz, period.from),
            time::date_text(tz, period.to - 1),
        ),
        agencies: rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_linear_up_to_the_threshold_and_capped() {
        assert_eq!(Part::rate(Some(0.5), 1.0, 40).points, 20.0);
        assert_eq!(Part::rate(Some(0.995), 0.995, 40).points, 40.0);
        assert_eq!(Part::rate(Some(1.0), 0.995, 40).points, 40.0);
        assert_eq!(Part::rate(None, 0.995, 40).points, 0.0);
        assert_eq!(Part::limit(Some(400.0), 800.0, 20).points, 20.0);
        assert_eq!(Part::limit(Some(1600.0), 800.0, 20).points, 10.0);
        assert_eq!(Part::limit(None, 800.0, 20).points, 0.0);
    }
}
