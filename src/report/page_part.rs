//! The scorecard's page-load figures (docs/results.md, "Scorecard"): per agency, each
//! browser check's p75 of FCP, LCP, speed index and TBT over the period (from the
//! stored page loads), scored against the check's own thresholds (the 2025 criteria
//! by default) by the rule of the other parts, `min(1, threshold / p75)`; a check's
//! share is the mean over its four figures, the agency's the mean over its browser
//! checks that loaded a page in the period.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Period;
use crate::config::Config;
use crate::result::PageFigures;
use crate::store::{Store, StoreError};

/// One browser check's figures over the period.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PageCheck {
    /// `system/check`.
    pub check: String,
    pub loads: usize,
    /// p75 of each figure (ms), by name (`fcp`, `lcp`, `speed_index`, `tbt`).
    pub p75_ms: BTreeMap<&'static str, f64>,
    /// The check's thresholds (ms), by name.
    pub threshold_ms: BTreeMap<&'static str, f64>,
    /// Mean over the four figures of `min(1, threshold / p75)`.
    pub share: f64,
}

/// An agency's page-load figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PagePart {
    pub checks: Vec<PageCheck>,
    /// Mean of the checks' shares.
    pub share: f64,
}

/// `min(1, threshold / value)`: 1 at or under the threshold (and for a zero value).
fn under(value: f64, threshold: f64) -> f64 {
    if value <= 0.0 {
        1.0
    } else {
        (threshold / value).clamp(0.0, 1.0)
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The page-load part of every agency of the config that has a browser check with
/// page loads in `period`, by agency id.
pub async fn pages(
    store: &Store,
    config: &Config,
    period: Period,
) -> Result<HashMap<String, PagePart>, StoreError> {
    let ids = store.check_ids().await?;
    let mut out = HashMap::new();
    for a in config.all_agencies() {
        let mut checks = Vec::new();
        for s in &a.systems {
            for c in &s.checks {
                let (Some(expect), Some(&id)) = (
                    super::lifecycle::page_expect(c),
                    ids.get(c.full_id.as_str()),
                ) else {
                    continue;
                };
                let Some(p) = store.page_p75(id, period.from, period.to).await? else {
                    continue;
                };
                let names = PageFigures::NAMES;
                let p75: Vec<f64> = p.p75.iter().map(|d| ms(*d)).collect();
                let thresholds: Vec<f64> = expect.as_array().iter().map(|d| ms(*d)).collect();
                let share = p75
                    .iter()
                    .zip(&thresholds)
                    .map(|(v, t)| under(*v, *t))
                    .sum::<f64>()
                    / names.len() as f64;
                checks.push(PageCheck {
                    check: format!("{}/{}", s.id, c.id),
                    loads: p.loads,
                    p75_ms: names.into_iter().zip(p75).collect(),
                    threshold_ms: names.into_iter().zip(thresholds).collect(),
                    share,
                });
            }
        }
        if !checks.is_empty() {
            let share = checks.iter().map(|c| c.share).sum::<f64>() / checks.len() as f64;
            out.insert(a.id.clone(), PagePart { checks, share });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_scores_in_full_at_or_under_its_threshold() {
        assert_eq!(under(3000.0, 3000.0), 1.0);
        assert_eq!(under(1500.0, 3000.0), 1.0);
        assert_eq!(under(6000.0, 3000.0), 0.5);
        assert_eq!(under(0.0, 600.0), 1.0);
    }
}
