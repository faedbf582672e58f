//! The scorecard as CSV and as a table (docs/results.md, "Scorecard").

use super::{csv_row, league_tables, opt, ranked};
use crate::report::scorecard::Scorecard;

/// The scorecard as CSV: one row per agency, by league and rank, with each part's value,
/// threshold and points.
pub fn scorecard_csv(r: &Scorecard) -> String {
    let mut out = String::from(
        "policy,period_from,period_to,league,rank,agency,name,kind,\
         connection,connection_threshold,connection_points,\
         availability,availability_threshold,availability_points,\
         p95_ms,degraded_after_ms,page_load_share,response_time_points,\
         indicator_months,on_time,on_time_points,online,online_points,\
         paid_online,paid_online_points,satisfaction,satisfaction_points,indicators_points,\
         total,grade,note\n",
    );
    for a in &r.agencies {
        let mut cells = vec![
            r.policy.name.to_owned(),
            r.period_local.0.clone(),
            r.period_local.1.clone(),
        ];
        cells.extend(ranked(a.league, a.rank, &a.agency, &a.name, a.kind));
        for p in [&a.connection, &a.availability, &a.response_time] {
            cells.extend([opt(p.value, 6), format!("{}", p.threshold)]);
            if std::ptr::eq(p, &a.response_time) {
                cells.push(opt(a.page_load.as_ref().map(|p| p.share), 6));
            }
            cells.push(format!("{:.2}", p.points));
        }
        let i = &a.indicators;
        let months = i.pushed.as_ref().map(|p| p.months.join(" "));
        cells.push(months.unwrap_or_default());
        for g in [&i.on_time, &i.online, &i.paid_online, &i.satisfaction] {
            cells.extend([opt(g.value, 6), format!("{:.2}", g.points)]);
        }
        cells.push(format!("{:.2}", i.points));
        cells.extend([
            format!("{:.2}", a.total),
            a.grade.to_owned(),
            a.note.clone().unwrap_or_default(),
        ]);
        csv_row(&mut out, &cells);
    }
    out
}

/// The scorecard as a table for a terminal: one table per league, points per part.
pub fn scorecard_table(r: &Scorecard) -> String {
    let w = &r.policy.weights;
    let grades: Vec<String> = r
        .policy
        .grades
        .iter()
        .map(|(g, v)| format!("{g} >= {v}"))
        .collect();
    let mut out = format!(
        "Scorecard {} .. {} ({}), policy {}: connection {} + availability {} + response time {} + indicators {} points; grades {}, else E\n",
        r.period_local.0,
        r.period_local.1,
        r.policy.measurement.timezone,
        r.policy.name,
        w.connection,
        w.availability,
        w.response_time,
        w.indicators,
        grades.join(", "),
    );
    out.push_str(&league_tables(
        &r.agencies,
        |a| (a.league, a.agency.as_str(), a.note.as_ref()),
        &[
            "rank",
            "agency",
            "connection",
            "availability",
            "response_time",
            "indicators",
            "total",
            "grade",
        ],
        |a| {
            vec![
                a.rank.to_string(),
                a.agency.clone(),
                format!("{:.2}", a.connection.points),
                format!("{:.2}", a.availability.points),
                format!("{:.2}", a.response_time.points),
                format!("{:.2}", a.indicators.points),
                format!("{:.2}", a.total),
                a.grade.to_owned(),
            ]
        },
    ));
    out
}
