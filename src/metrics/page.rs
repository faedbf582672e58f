//! The per-check families of `/metrics`, written straight into the page.
//!
//! With 100,000 checks these families are 1.6 million sample lines (about 120 MiB);
//! going through prometheus-client's encoder (a label-set trait object per line, then a
//! second pass to turn OpenMetrics into text 0.0.4) took about 600 ms. This writer
//! produces the same bytes, in the same order, in both formats: label values escaped
//! as prometheus-client does, integers through `itoa` and floats through `dtoa`, the
//! crates prometheus-client formats numbers with. `tests` checks it against
//! prometheus-client's own encoding.
//!
//! It only writes: the values are copied out of each check's live state once per
//! scrape by [`snapshot`].

use std::collections::HashMap;

use crate::alert_vocab::AlertName;
use crate::config::CheckKind;
use crate::fleet::{CheckRuntime, Fleet};
use crate::result::Phases;
use crate::result::ResultKind;
use crate::role::Role;
use crate::sla::availability::{WindowSums, WINDOWS};
use crate::sla::seconds::Seconds;

use super::Format;

mod browser;
mod write;

use write::{closing, escaped, int, Page, Value};

/// What one check contributes to a scrape, copied out under its lock once.
pub(super) struct Sample<'a> {
    pub(super) check: &'a CheckRuntime,
    /// Where its `agency="..",system="..",check=".."` is in [`Snapshot::labels`].
    labels: std::ops::Range<usize>,
    pub(super) http: bool,
    pub(super) up: bool,
    pub(super) degraded: bool,
    pub(super) counts: [u64; 5],
    pub(super) in_maintenance: bool,
    /// Seconds per availability window (`sla::availability::WINDOWS`).
    pub(super) windows: [Seconds; 4],
    /// Which of the check's alerts fire, by `AlertName::slot`.
    pub(super) firing: [bool; 4],
    pub(super) last: Option<LastSample>,
}

pub(super) struct LastSample {
    pub(super) success: bool,
    pub(super) duration: f64,
    pub(super) phases: Phases,
    pub(super) status: u16,
    pub(super) cert_expiry: Option<i64>,
    /// A browser check's figures of its last page load.
    pub(super) page: Option<crate::result::PageFigures>,
}

/// Every check's sample, in fleet order, and their label sets written out once (a
/// check's labels appear on 16 lines).
pub(super) struct Snapshot<'a> {
    pub(super) samples: Vec<Sample<'a>>,
    labels: String,
}

pub(super) fn snapshot<'a>(
    fleet: &'a Fleet,
    sums: &WindowSums,
    now: i64,
    role: &Role,
) -> Snapshot<'a> {
    let vantage = fleet.config.cluster.vantage.as_str();
    let mut labels = String::with_capacity(fleet.checks.len() * 48);
    let samples = fleet
        .checks
        .iter()
        .map(|c| {
            let start = labels.len();
            labels.push_str("agency=\"");
            escaped(&mut labels, &c.agency);
            labels.push_str("\",system=\"");
            escaped(&mut labels, &c.system);
            labels.push_str("\",check=\"");
            escaped(&mut labels, &c.check);
            labels.push('"');
            // The probe families are of the checks this node probes.
            let probed = role.probes(c, &fleet.config.vantages);
            let live = c.live.lock().unwrap_or_else(|p| p.into_inner());
            Sample {
                check: c,
                labels: start..labels.len(),
                http: matches!(c.config.kind, CheckKind::Http(_)),
                up: live.state.status.is_up(),
                degraded: live.state.status == crate::check::state::CheckStatus::Degraded,
                counts: live.counts,
                in_maintenance: live.in_maintenance,
                windows: {
                    // The last hour from live state; the longer windows are the rollups
                    // plus what came after the last rolled-up hour.
                    let mut w = [live.recent.seconds(now - 3600, now); 4];
                    let extra = live.recent.seconds(sums.covered_until, now);
                    let rolled = sums.by_check.get(&c.db_id);
                    for i in 1..4 {
                        w[i] = extra;
                        if let Some(r) = rolled {
                            w[i].add(r[i - 1]);
                        }
                    }
                    w
                },
                firing: live.alerts.map(|a| a.is_some()),
                // The probe families are this node's vantage's (docs/metrics.md): with
                // several vantages, its own latest result, not the verdict.
                last: if !probed {
                    None
                } else if live.by_vantage.is_empty() {
                    live.last.as_ref()
                } else {
                    live.by_vantage
                        .iter()
                        .find(|(v, _)| **v == *vantage)
                        .map(|(_, l)| l)
                }
                .map(|l| LastSample {
                    success: l.result.is_available(),
                    duration: l.duration,
                    phases: l.phases,
                    status: l.status_code.unwrap_or(0),
                    cert_expiry: l.cert_expiry,
                    page: l.page,
                }),
            }
        })
        .collect();
    Snapshot { samples, labels }
}

/// A rough size of the page for `checks` checks, to allocate it once.
pub(super) fn estimate(checks: usize) -> usize {
    checks * 1800 + 64 * 1024
}

/// Writes the per-check families (`probe_*`, `emcd_check_*`, `emcd_alerts_firing`,
/// `emcd_probes_total`), in the order and form prometheus-client wrote them.
/// Only the leader of a cluster writes the families after the probe ones
/// (`Metrics::encode`).
pub(super) fn encode_checks(
    out: &mut String,
    flush: Option<&mut dyn FnMut(&mut String)>,
    fleet: &Fleet,
    snap: &Snapshot<'_>,
    format: Format,
    leader: bool,
) {
    let samples = &snap.samples;
    let mut page = Page {
        out,
        labels: &snap.labels,
        flush: flush.map(|f| f as &mut dyn FnMut(&mut String)),
    };
    // The probe families carry this node's vantage (an id: no escaping).
    let vantage = fleet.config.cluster.vantage.as_str();
    let by = closing("vantage", vantage);
    page.probe_gauge(
        samples,
        ("probe_success", "1 if the last result was up or degraded"),
        &by,
        |s| s.last.as_ref().and_then(|l| int(l.success)),
    );
    page.probe_gauge(
        samples,
        ("probe_duration_seconds", "Total duration of the last probe"),
        &by,
        |s| s.last.as_ref().map(|l| Value::Float(l.duration)),
    );
    let name = "probe_http_duration_seconds";
    page.descriptor(name, "Phase durations of the last HTTP probe", "gauge");
    let phases = Phases::NAMES.map(|p| format!(",vantage=\"{vantage}\",phase=\"{p}\"}} "));
    for s in samples.iter().filter(|s| s.http) {
        if let Some(l) = &s.last {
            for (close, d) in phases.iter().zip(l.phases.as_array()) {
                page.sample(name, s, close, Value::Float(d.as_secs_f64()));
            }
        }
    }
    page.probe_gauge(
        samples,
        (
            "probe_http_status_code",
            "Status code of the last HTTP probe (0 if none)",
        ),
        &by,
        |s| {
            let l = s.last.as_ref().filter(|_| s.http)?;
            Some(Value::Int(i64::from(l.status)))
        },
    );
    page.probe_gauge(
        samples,
        (
            "probe_ssl_earliest_cert_expiry",
            "Unix time of the earliest certificate expiry in the chain",
        ),
        &by,
        |s| s.last.as_ref()?.cert_expiry.map(Value::Int),
    );
    browser::figures(&mut page, samples, vantage);
    if !leader {
        return;
    }
    page.gauge(
        samples,
        (
            "emcd_check_up",
            "1 if the check is UP or DEGRADED (after thresholds)",
        ),
        |s| int(s.up),
    );
    page.gauge(
        samples,
        ("emcd_check_degraded", "1 if the check is DEGRADED"),
        |s| int(s.degraded),
    );
    availability(&mut page, fleet, samples);
    page.gauge(
        samples,
        (
            "emcd_check_in_maintenance",
            "1 if the last result was taken inside a maintenance window",
        ),
        |s| int(s.in_maintenance),
    );
    page.gauge(samples, SLO_OBJECTIVE, |s| {
        Some(Value::Float(objective(
            s.check.config.policy.slo_availability,
        )))
    });
    alerts_firing(&mut page, fleet, samples);
    // A counter family is named without `_total` in OpenMetrics, with it in text 0.0.4.
    let (family, help) = ("emcd_probes", "Results by result");
    match format {
        Format::OpenMetrics => page.descriptor(family, help, "counter"),
        Format::Text => page.descriptor("emcd_probes_total", help, "counter"),
    }
    let results = ResultKind::ALL.map(|k| (closing("result", k.as_str()), usize::from(k.code())));
    for s in samples {
        for (close, code) in &results {
            let n = Value::Int(s.counts[*code] as i64);
            page.sample("emcd_probes_total", s, close, n);
        }
    }
}

/// `emcd_check_slo_objective`: what the shipped rules compare the error ratios with.
pub(super) const SLO_OBJECTIVE: (&str, &str) = (
    "emcd_check_slo_objective",
    "The check's availability objective, slo.availability as a ratio (0.995 for 99.5)",
);

/// `slo.availability` (a percentage) as a ratio, rounded to 9 decimals so that 99.9
/// is written `0.999`, not `0.9990000000000001`.
pub(super) fn objective(percent: f64) -> f64 {
    (percent * 1e7).round() / 1e9
}

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

/// Time-weighted availability per check and window, then per agency and window (over
/// the agency's checks); a window with no measured time has no line.
fn availability(page: &mut Page<'_>, fleet: &Fleet, samples: &[Sample<'_>]) {
    let exclude = fleet.config.sla.exclude_maintenance;
    let name = "emcd_check_availability_ratio";
    page.descriptor(name, "Time-weighted availability over the window", "gauge");
    let windows = WINDOWS.map(|(w, _)| closing("window", w));
    for s in samples {
        for (close, seconds) in windows.iter().zip(&s.windows) {
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
        let out = &mut *page.out;
        for (i, (window, _)) in WINDOWS.iter().enumerate() {
            if let Some(a) = w[i].availability(exclude) {
                out.push_str(name);
                out.push_str("{agency=\"");
                escaped(out, agency);
                out.push_str("\",window=\"");
                out.push_str(window);
                out.push_str("\"} ");
                out.push_str(dtoa::Buffer::new().format(a));
                out.push('\n');
            }
        }
        page.maybe_flush();
    }
}

/// Firing alerts by (alertname, severity, agency), the check alerts and the system one;
/// every agency has a series for every alertname, so a dashboard sees 0 rather than
/// nothing.
fn alerts_firing(page: &mut Page<'_>, fleet: &Fleet, samples: &[Sample<'_>]) {
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
        let out = &mut *page.out;
        for &(alert, at) in &alerts {
            out.push_str(name);
            out.push_str("{alertname=\"");
            escaped(out, alert.as_str());
            out.push_str("\",severity=\"");
            escaped(out, alert.severity());
            out.push_str("\",agency=\"");
            escaped(out, agency);
            out.push_str("\"} ");
            out.push_str(itoa::Buffer::new().format(n[at]));
            out.push('\n');
        }
        page.maybe_flush();
    }
}

#[cfg(test)]
mod tests;
