//! The per-agency families the leader writes from the per-check samples:
//! `emcd_agency_availability_ratio`, `emcd_agency_checks_in_maintenance` and
//! `emcd_alerts_firing`, with the per-check availability before them.

use super::write::{closing, Page, Value};
use super::{Sample, Snapshot};
use crate::alert_vocab::AlertName;
use crate::config::PerCheck;
use crate::fleet::Fleet;
use crate::sla::availability::WINDOWS;

/// The one window a check's availability has under `metrics.per_check: lean`: the one
/// the shipped rule `CheckAvailabilityBelowObjective` reads.
const LEAN_WINDOW: usize = 3;

/// Time-weighted availability per check and window (under `lean`, the 30-day window
/// only), then per agency and window (over the agency's checks, summed by
/// `snapshot`); a window with no measured time has no line.
pub(super) fn availability(page: &mut Page<'_>, fleet: &Fleet, snap: &Snapshot<'_>) {
    let exclude = fleet.config.sla.exclude_maintenance;
    let name = "emcd_check_availability_ratio";
    page.descriptor(name, "Time-weighted availability over the window", "gauge");
    let windows = WINDOWS.map(|(w, _)| closing("window", w));
    let lean = fleet.config.metrics == PerCheck::Lean;
    for s in &snap.samples {
        for (i, (close, a)) in windows.iter().zip(s.availability).enumerate() {
            if (lean && i != LEAN_WINDOW) || a.is_nan() {
                continue;
            }
            page.sample(name, s, close, Value::Float(a));
        }
    }
    let name = "emcd_agency_availability_ratio";
    page.descriptor(
        name,
        "Time-weighted availability over the agency's checks",
        "gauge",
    );
    for (agency, w) in &snap.agencies {
        for (i, (window, _)) in WINDOWS.iter().enumerate() {
            if let Some(a) = w[i].availability(exclude) {
                let labels = [("agency", *agency), ("window", *window)];
                page.line(name, &labels, Value::Float(a));
            }
        }
    }
    maintenance(page, snap);
}

/// Per agency in config order (`Snapshot::agencies`), a count for each of `N` things
/// each sample may add to.
fn per_agency<const N: usize>(
    snap: &Snapshot<'_>,
    add: impl Fn(&Sample) -> [bool; N],
) -> Vec<[i64; N]> {
    let mut counts = vec![[0i64; N]; snap.agencies.len()];
    for s in &snap.samples {
        if let Some(n) = counts.get_mut(s.agency as usize) {
            for (n, yes) in n.iter_mut().zip(add(s)) {
                *n += i64::from(yes);
            }
        }
    }
    counts
}

/// `emcd_agency_checks_in_maintenance`: the agency's checks whose last result was taken
/// inside a maintenance window, in both profiles (the per-check family is `full` only).
fn maintenance(page: &mut Page<'_>, snap: &Snapshot<'_>) {
    let counts = per_agency(snap, |s| [s.in_maintenance]);
    let name = "emcd_agency_checks_in_maintenance";
    let help = "Checks of the agency whose last result was taken inside a maintenance window";
    page.descriptor(name, help, "gauge");
    for ((agency, _), [n]) in snap.agencies.iter().zip(&counts) {
        page.line(name, &[("agency", *agency)], Value::Int(*n));
    }
}

/// Firing alerts by (alertname, severity, agency), the check alerts and the system one;
/// every agency has a series for every alertname, so a dashboard sees 0 rather than
/// nothing.
pub(super) fn alerts_firing(page: &mut Page<'_>, fleet: &Fleet, snap: &Snapshot<'_>) {
    const SYSTEM: usize = AlertName::PER_CHECK.len();
    let mut counts: Vec<[i64; SYSTEM + 1]> = per_agency(snap, |s| {
        let mut firing = [false; SYSTEM + 1];
        firing[..SYSTEM].copy_from_slice(&s.firing);
        firing
    });
    for sys in &fleet.systems {
        let live = sys.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = snap.agencies.iter().position(|(a, _)| *a == &*sys.agency) {
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
    for ((agency, _), n) in snap.agencies.iter().zip(&counts) {
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
