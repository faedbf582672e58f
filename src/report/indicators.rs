//! The indicators part of the scorecard (policy `emcd-score-v1`, docs/results.md,
//! "Scorecard"): from the counters an agency pushed for the months of the period (each
//! system's current push of each month), four groups after those of the 2022 index
//! (progress, online submission, online payment, satisfaction), each scored by the
//! index's rule, `points = max x min(1, rate / threshold)`, its `max` a fixed share of
//! `scoring.weights.indicators`. An agency that pushed nothing for the period has no
//! rates and scores 0, like any part without data.

use serde::Serialize;

use super::Period;
use crate::sla::time;
use crate::store::indicators::IndicatorPush;

/// One group of the part: how its rate is computed, its share of the part's weight and
/// the rate that earns full points.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct GroupRule {
    pub name: &'static str,
    pub rate: &'static str,
    pub share: f64,
    pub threshold: f64,
}

/// The groups, in the order reports show them. The shares add up to 1.
pub const GROUPS: [GroupRule; 4] = [
    GroupRule {
        name: "on_time",
        rate: "resolved_on_time / (resolved_on_time + resolved_late)",
        share: 0.30,
        threshold: 0.95,
    },
    GroupRule {
        name: "online",
        rate: "submitted_online / received",
        share: 0.25,
        threshold: 0.50,
    },
    GroupRule {
        name: "paid_online",
        rate: "paid_online / received",
        share: 0.20,
        threshold: 0.30,
    },
    GroupRule {
        name: "satisfaction",
        rate: "satisfaction / 100, the systems' scores weighted by dossiers received",
        share: 0.25,
        threshold: 0.90,
    },
];

/// What the scorecard states of the part.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IndicatorPolicy {
    pub months: &'static str,
    pub counters: &'static str,
    pub groups: [GroupRule; 4],
}

pub fn policy() -> IndicatorPolicy {
    IndicatorPolicy {
        months: "the calendar months (sla.timezone) the period overlaps, each counted whole; \
                 of each system its current push (the latest received) of each month",
        counters: "summed over the agency's systems and those months; a rate whose \
                   denominator is 0 is no data",
        groups: GROUPS,
    }
}

/// One group of an agency's part.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Group {
    /// The rate, 0 to 1; `None` without data (no points).
    pub value: Option<f64>,
    pub threshold: f64,
    /// The group's share of `scoring.weights.indicators`.
    pub max: f64,
    pub points: f64,
}

/// The counters an agency pushed for the period, summed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Pushed {
    pub months: Vec<String>,
    /// Systems with a push in those months.
    pub systems: usize,
    pub received: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub submitted_online: i64,
    pub paid_online: i64,
    /// The systems' scores weighted by dossiers received (their plain mean when none
    /// received any), 0 to 100.
    pub satisfaction: f64,
}

/// An agency's indicators part.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IndicatorsPart {
    /// `scoring.weights.indicators`.
    pub max: u32,
    pub points: f64,
    /// `None`: nothing pushed for the period.
    pub pushed: Option<Pushed>,
    pub on_time: Group,
    pub online: Group,
    pub paid_online: Group,
    pub satisfaction: Group,
}

/// The first and last month (`YYYY-MM`) the period overlaps; `None` for an empty period.
pub fn months(tz: chrono_tz::Tz, period: Period) -> Option<(String, String)> {
    (period.to > period.from).then(|| {
        let month = |t: i64| time::date_text(tz, t)[..7].to_owned();
        (month(period.from), month(period.to - 1))
    })
}

/// The part of an agency from its current pushes of the period's months.
pub fn score(rows: &[&IndicatorPush], weight: u32) -> IndicatorsPart {
    let pushed = sum(rows);
    let rates: [Option<f64>; 4] = match &pushed {
        None => [None; 4],
        Some(p) => {
            let of = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
            [
                of(p.resolved_on_time, p.resolved_on_time + p.resolved_late),
                of(p.submitted_online, p.received),
                of(p.paid_online, p.received),
                Some(p.satisfaction / 100.0),
            ]
        }
    };
    let groups: Vec<Group> = GROUPS
        .iter()
        .zip(rates)
        .map(|(g, value)| {
            let max = f64::from(weight) * g.share;
            let share = value.map_or(0.0, |v| (v / g.threshold).clamp(0.0, 1.0));
            Group {
                value,
                threshold: g.threshold,
                max,
                points: max * share,
            }
        })
        .collect();
    IndicatorsPart {
        max: weight,
        points: groups.iter().map(|g| g.points).sum(),
        pushed,
        on_time: groups[0],
        online: groups[1],
        paid_online: groups[2],
        satisfaction: groups[3],
    }
}

fn sum(rows: &[&IndicatorPush]) -> Option<Pushed> {
    if rows.is_empty() {
        return None;
    }
    let mut months: Vec<String> = rows.iter().map(|r| r.month.clone()).collect();
    months.sort();
    months.dedup();
    let mut systems: Vec<&str> = rows.iter().map(|r| r.system.as_str()).collect();
    systems.sort();
    systems.dedup();
    let total = |f: fn(&IndicatorPush) -> i64| rows.iter().map(|r| f(r)).sum::<i64>();
    let received = total(|r| r.counters.received);
    let satisfaction = if received > 0 {
        rows.iter()
            .map(|r| r.counters.satisfaction * r.counters.received as f64)
            .sum::<f64>()
            / received as f64
    } else {
        rows.iter().map(|r| r.counters.satisfaction).sum::<f64>() / rows.len() as f64
    };
    Some(Pushed {
        months,
        systems: systems.len(),
        received,
        resolved_on_time: total(|r| r.counters.resolved_on_time),
        resolved_late: total(|r| r.counters.resolved_late),
        submitted_online: total(|r| r.counters.submitted_online),
        paid_online: total(|r| r.counters.paid_online),
        satisfaction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::indicators::Counters;

    fn row(system: &str, month: &str, c: [i64; 5], satisfaction: f64) -> IndicatorPush {
        IndicatorPush {
            agency: "a".into(),
            system: system.into(),
            month: month.into(),
            pushed_at: 0,
            counters: Counters {
                received: c[0],
                resolved_on_time: c[1],
                resolved_late: c[2],
                submitted_online: c[3],
                paid_online: c[4],
                satisfaction,
            },
        }
    }

    #[test]
    fn the_shares_add_up_to_the_weight() {
        let shares: f64 = GROUPS.iter().map(|g| g.share).sum();
        assert!((shares - 1.0).abs() < 1e-12);
    }

    #[test]
    fn groups_are_linear_up_to_their_threshold_and_capped() {
        // Two systems, two months: rates over the sums.
        let rows = [
            row("s1", "2026-10", [100, 76, 4, 20, 6], 90.0),
            row("s2", "2026-10", [300, 200, 100, 80, 30], 70.0),
            row("s1", "2026-11", [0, 0, 0, 0, 0], 100.0),
        ];
        let refs: Vec<&IndicatorPush> = rows.iter().collect();
        let p = score(&refs, 20);
        let pushed = p.pushed.as_ref().unwrap();
        assert_eq!(pushed.months, ["2026-10", "2026-11"]);
        assert_eq!((pushed.systems, pushed.received), (2, 400));
        // Weighted by received: (90 x 100 + 70 x 300 + 100 x 0) / 400.
        assert_eq!(pushed.satisfaction, 75.0);
        assert_eq!(p.on_time.value, Some(276.0 / 380.0));
        assert_eq!(p.on_time.max, 6.0);
        assert!((p.on_time.points - 6.0 * (276.0 / 380.0) / 0.95).abs() < 1e-12);
        assert_eq!(p.online.value, Some(0.25));
        assert_eq!((p.online.max, p.online.points), (5.0, 2.5));
        // 36 / 400 = 0.09 against 0.30: 4 x 0.3.
        assert!((p.paid_online.points - 1.2).abs() < 1e-12);
        assert!((p.satisfaction.points - 5.0 * 0.75 / 0.9).abs() < 1e-12);
        let sum = p.on_time.points + p.online.points + p.paid_online.points + p.satisfaction.points;
        assert_eq!(p.points, sum);

        // Above every threshold: the whole weight.
        let full = [row("s1", "2026-10", [100, 99, 1, 60, 40], 95.0)];
        let refs: Vec<&IndicatorPush> = full.iter().collect();
        assert_eq!(score(&refs, 20).points, 20.0);
    }

    #[test]
    fn nothing_pushed_or_nothing_received_is_no_data() {
        let none = score(&[], 20);
        assert_eq!((none.points, none.pushed.is_none()), (0.0, true));
        assert_eq!(none.on_time.value, None);
        assert_eq!(none.satisfaction.max, 5.0);
        let zero = [row("s1", "2026-10", [0, 0, 0, 0, 0], 80.0)];
        let refs: Vec<&IndicatorPush> = zero.iter().collect();
        let p = score(&refs, 20);
        assert_eq!(
            (p.on_time.value, p.online.value, p.paid_online.value),
            (None, None, None)
        );
        assert_eq!(p.satisfaction.value, Some(0.8), "a plain mean");
    }

    #[test]
    fn months_are_those_the_period_overlaps() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let (nov, dec) = (
            time::month(tz, "2026-11").unwrap(),
            time::month(tz, "2026-12").unwrap(),
        );
        let p = |from, to| months(tz, Period { from, to });
        assert_eq!(p(nov.0, nov.1), Some(("2026-11".into(), "2026-11".into())));
        assert_eq!(
            p(nov.0 + 86_400, dec.0 + 3600),
            Some(("2026-11".into(), "2026-12".into()))
        );
        assert_eq!(p(nov.0, nov.0), None);
    }
}
