//! `scoring`: the scorecard's weights (whole points adding up to 100) and grade bands
//! (whole numbers from 0 to 100, A above B above C above D). A bad section is reported
//! and the defaults stand in for it, so every other error is still found.

use super::super::model::{Scoring, Weights, GRADES};
use super::super::raw::{self, Spanned};
use super::super::scalar;
use super::Ctx;

pub fn scoring(ctx: &mut Ctx<'_>, s: Option<&Spanned<raw::ScoringSection>>) -> Scoring {
    let default = Scoring::default();
    let Some(s) = s else {
        return default;
    };
    let mut out = default.clone();
    if let Some(w) = &s.value.weights {
        let mut part = |t: &Option<raw::Text>, key: &str, d: u32| {
            ctx.or(t.as_ref(), &format!("scoring.weights.{key}"), d, |v| {
                scalar::integer(v, 0, 100).map(|n| n as u32)
            })
        };
        let d = default.weights;
        let weights = Weights {
            connection: part(&w.value.connection, "connection", d.connection),
            availability: part(&w.value.availability, "availability", d.availability),
            response_time: part(&w.value.response_time, "response_time", d.response_time),
            indicators: part(&w.value.indicators, "indicators", d.indicators),
        };
        let sum =
            weights.connection + weights.availability + weights.response_time + weights.indicators;
        if sum == 100 {
            out.weights = weights;
        } else {
            ctx.error(
                w.referenced,
                "scoring.weights",
                format!(
                    "the weights add up to {sum} (connection {} + availability {} + response_time {} + indicators {}): they must add up to 100",
                    weights.connection, weights.availability, weights.response_time, weights.indicators
                ),
            );
        }
    }
    if let Some(g) = &s.value.grades {
        let texts = [&g.value.a, &g.value.b, &g.value.c, &g.value.d];
        let mut grades = default.grades;
        for (i, t) in texts.iter().enumerate() {
            grades[i] = ctx.or(
                t.as_ref(),
                &format!("scoring.grades.{}", GRADES[i]),
                default.grades[i],
                |v| scalar::integer(v, 0, 100).map(|n| n as u32),
            );
        }
        match grades.windows(2).position(|w| w[0] <= w[1]) {
            None => out.grades = grades,
            Some(i) => ctx.error(
                g.referenced,
                "scoring.grades",
                format!(
                    "{} {} is not above {} {}: each grade's lowest total must be above the next one's",
                    GRADES[i],
                    grades[i],
                    GRADES[i + 1],
                    grades[i + 1]
                ),
            ),
        }
    }
    out
}
