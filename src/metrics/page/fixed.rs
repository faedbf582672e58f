//! What the page writes of each check that changes only with the config: its label set,
//! its agency's place, whether it is an HTTP check and its objective. Made once per
//! config generation (`Metrics` keeps the last one) rather than at every scrape, and
//! laid out in fleet order in two flat arrays, so that a scrape of 100,000 checks reads
//! neither the checks' ids nor their configs (a cache miss each, about a tenth of a
//! scrape: docs/BENCHMARKS.md, "The scrape in the steady state").

use std::sync::{Arc, Weak};

use super::write::escaped;
use crate::config::CheckKind;
use crate::fleet::Fleet;

/// One check's part of [`Fixed`].
#[derive(Clone, Copy)]
pub(in crate::metrics) struct FixedCheck {
    /// Where its `agency="..",system="..",check=".."` is in [`Fixed::labels`].
    pub(super) labels: (u32, u32),
    /// Its agency's place in the config (`Snapshot::agencies`); `u32::MAX` if none.
    pub(super) agency: u32,
    pub(super) http: bool,
    /// `emcd_check_slo_objective` in parts per billion ([`FixedCheck::objective`]):
    /// 20 bytes a check rather than 24.
    objective_ppb: u32,
}

impl FixedCheck {
    /// `emcd_check_slo_objective`: the ratio `slo.availability` rounded to 9 decimals
    /// (a whole number of parts per billion, exact in both `u32` and `f64`).
    pub(super) fn objective(&self) -> f64 {
        f64::from(self.objective_ppb) / 1e9
    }
}

/// The fixed part of every check's lines, for one config generation.
pub(in crate::metrics) struct Fixed {
    /// The generation it was made from.
    fleet: Weak<Fleet>,
    /// Every check's label set, one after the other.
    pub(super) labels: String,
    /// In fleet order.
    pub(super) checks: Vec<FixedCheck>,
}

impl Fixed {
    pub(in crate::metrics) fn new(fleet: &Arc<Fleet>) -> Fixed {
        // `agency="",system="",check=""` is 28 bytes around the three ids.
        let size = fleet.checks.iter();
        let size = size.map(|c| 28 + c.agency.len() + c.system.len() + c.check.len());
        let mut labels = String::with_capacity(size.sum());
        // Checks come agency by agency: look the agency up only when it changes.
        let mut agency = (None::<&str>, u32::MAX);
        let checks = fleet
            .checks
            .iter()
            .map(|c| {
                if agency.0 != Some(&*c.agency) {
                    let agencies = fleet.config.agencies.iter();
                    let at = agencies
                        .map(|a| a.id.as_str())
                        .position(|a| a == &*c.agency);
                    agency = (Some(&*c.agency), at.map_or(u32::MAX, |i| i as u32));
                }
                let start = labels.len() as u32;
                labels.push_str("agency=\"");
                escaped(&mut labels, &c.agency);
                labels.push_str("\",system=\"");
                escaped(&mut labels, &c.system);
                labels.push_str("\",check=\"");
                escaped(&mut labels, &c.check);
                labels.push('"');
                FixedCheck {
                    labels: (start, labels.len() as u32),
                    agency: agency.1,
                    http: matches!(c.config.kind, CheckKind::Http(_)),
                    objective_ppb: super::objective_ppb(c.config.policy.slo_availability),
                }
            })
            .collect();
        Fixed {
            fleet: Arc::downgrade(fleet),
            labels,
            checks,
        }
    }

    /// Whether it was made from `fleet` (the `Weak` keeps that generation's allocation,
    /// so no later one can have its address).
    pub(in crate::metrics) fn is_of(&self, fleet: &Arc<Fleet>) -> bool {
        std::ptr::eq(self.fleet.as_ptr(), Arc::as_ptr(fleet))
    }
}

impl std::fmt::Debug for Fixed {
    /// The count, not the label sets (megabytes at 100,000 checks).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let checks = self.checks.len();
        f.debug_struct("Fixed")
            .field("checks", &checks)
            .finish_non_exhaustive()
    }
}
