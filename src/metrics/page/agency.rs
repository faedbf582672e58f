//! The per-agency families the leader writes from the per-check samples:
//! `emcd_agency_availability_ratio`, `emcd_agency_checks_in_maintenance` and
//! `emcd_alerts_firing`, with the per-check availability before them.

use std::collections::HashMap;

use super::write::{closing, Page, Value};
use super::Sample;
use crate::alert_vocab::AlertName;
use crate::config::PerCheck;
use crate::fleet::Fleet;
use crate::sla::availability::WINDOWS;
use crate::sla::seconds::Seconds;

/// The agencies in config order, and where each one is in that order.
fn agencies(fleet: &Fleet) -> (Vec<&str>, HashMap<&str, usize>) {
    let ids: Vec<&str> = fleet
        .config
        .agencies
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    let index = ids.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    (ids, index)
}

/// The one window a check's availability has under `metrics.per_check: lean`: the one
/// the shipped rule `CheckAvailabilityBelowObjective` reads.
const LEAN_WINDOW: usize = 3;

/// Time-weighted availability per check and window (under `lean`, the 30-day window
/// only), then per agency and window (over the agency's checks); a window with no
/// measured time has no line.
pub(super) fn availability(page: &mut Page<'_>, fleet: &Fleet, samples: &[Sample<'_>]) {
    let exclude = fleet.config.sla.exclude_maintenance;
    let name = "emcd_check_availability_ratio";
    page.descriptor(name, "Time-weighted availability over the window", "gauge");
    let windows = WINDOWS.map(|(w, _)| closing("window", w));
    let lean = fleet.config.metrics == PerCheck::Lean;
    for s in samples {
        for (i, (close, seconds)) in windows.iter().zip(&s.windows).enumerate() {
            if lean && i != LEAN_WINDOW {
                continue;
            }
            if let Some(a) = seconds.availability(exclude) {
                page.sample(name, s, close, Value::Float(a));
            }
        }
    }
    let (ids, index) = agencies(fleet);
    let mut sums = vec![[Seconds::default(); 4]; ids.len()];
    for s in samples {
        if let Some(&i) = index.get(&*s.check.agency) {
            for (sum, w) in sums[i].iter_mut().zip(&s.windows) {
                sum.add(*w);
            }
        }
    }
    let name = "emcd_agency_availability_ratio";
    page.descriptor(
        name,
        "Time-weighted availability over the agency's checks",
        "gauge",
    );
    for (agency, w) in ids.iter().zip(&sums) {
        for (i, (window, _)) in WINDOWS.iter().enumerate() {
            if let Some(a) = w[i].availability(exclude) {
                let labels = [("agency", *agency), ("window", *window)];
                page.line(name, &labels, Value::Float(a));
            }
        }
    }
    maintenance(page, fleet, samples);
}

/// `emcd_agency_checks_in_maintenance`: the agency's checks whose last result was taken
/// inside a maintenance window, in both profiles (the per-check family is `full` only).
fn maintenance(page: &mut Page<'_>, fleet: &Fleet, samples: &[Sample<'_>]) {
    let (ids, index) = agencies(fleet);
    let mut counts = vec![0i64; ids.len()];
    for s in samples.iter().filter(|s| s.in_maintenance) {
        if let Some(&i) = index.get(&*s.check.agency) {
            counts[i] += 1;
        }
    }
    let name = "emcd_agency_checks_in_maintenance";
    let help = "Checks of the agency whose last result was taken inside a maintenance window";
    page.descriptor(name, help, "gauge");
    for (agency, n) in ids.iter().zip(&counts) {
        page.line(name, &[("agency", *agency)], Value::Int(*n));
    }
}

/// Firing alerts by (alertname, severity, agency), the check alerts and the system one;
/// every agency has a series for every alertname, so a dashboard sees 0 rather than
/// nothing.
pub(super) fn alerts_firing(page: &mut Page<'_>, fleet: &Fleet, samples: &[Sample<'_>]) {
    const SYSTEM: usize = AlertName::PER_CHECK.len();
    let (ids, index) = agencies(fleet);
    let mut counts = vec![[0i64; SYSTEM + 1]; ids.len()];
    for s in samples {
        if let Some(&i) = index.get(&*s.check.agency) {
            for (n, firing) in counts[i].iter_mut().zip(s.firing) {
                *n += i64::from(firing);
            }
        }
    }
    for sys in &fleet.systems {
        let live = sys.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&i) = index.get(&*sys.agency) {
            counts[i][SYSTEM] += i64::from(live.alert.is_some());
        }
    }
    let name = "emcd_alerts_firing";
    page.descriptor(name, "Firing alerts", "gauge");
    let alerts: Vec<(AlertName, usize)> = AlertName::PER_CHECK
        .into_iter()
        .map(|a| (a, a.slot()))
        .chain([(AlertName::SystemNotConnected, SYSTEM)])
        .collect();
    for (agency, n) in ids.iter().zip(&counts) {
        for &(alert, at) in &alerts {
            let labels = [
                ("alertname", alert.as_str()),
                ("severity", alert.severity()),
                ("agency", *agency),
            ];
            page.line(name, &labels, Value::Int(n[at]));
        }
    }
}
