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

use std::sync::Arc;

use crate::config::PerCheck;
use crate::fleet::{Fleet, Live};
use crate::result::ResultKind;
use crate::result::{PhaseMicros, Phases};
use crate::role::Role;
use crate::sla::availability::WindowSums;
use crate::sla::seconds::Seconds;

use super::Format;

mod agency;
mod browser;
mod fixed;
mod write;

pub(super) use fixed::Fixed;
use write::{closing, int, Page, Value};

/// What one check contributes to a scrape, copied out under its lock once: about 100
/// bytes, since a scrape of 100,000 checks holds 100,000 of them (docs/BENCHMARKS.md,
/// "Memory at 100,000 checks").
pub(super) struct Sample {
    /// Where its `agency="..",system="..",check=".."` is in [`Fixed::labels`].
    labels: (u32, u32),
    /// Its agency's place in the config (`Snapshot::agencies`).
    pub(super) agency: u32,
    pub(super) http: bool,
    pub(super) up: bool,
    pub(super) degraded: bool,
    pub(super) in_maintenance: bool,
    /// Which of the check's alerts fire, by `AlertName::slot`.
    pub(super) firing: [bool; 4],
    pub(super) counts: [u64; 5],
    /// Availability per window (`sla::availability::WINDOWS`); NaN where the window
    /// has no measured time (no line is written).
    pub(super) availability: [f64; 4],
    /// Boxed, so that a sample without one (every sample under `lean`, which writes
    /// no probe family) costs 8 bytes rather than 120.
    pub(super) last: Option<Box<LastSample>>,
}

pub(super) struct LastSample {
    pub(super) success: bool,
    pub(super) duration: f64,
    pub(super) phases: PhaseMicros,
    pub(super) status: u16,
    pub(super) cert_expiry: Option<i64>,
    /// A browser check's figures of its last page load.
    pub(super) page: Option<crate::result::PageFigures>,
}

/// Every check's sample, in fleet order, with their label sets (written out once per
/// config generation: a check's labels appear on 6 to 16 lines), and the seconds of
/// each window summed per agency while the samples were taken.
pub(super) struct Snapshot<'a> {
    pub(super) samples: Vec<Sample>,
    /// The label sets and the rest that changes only with the config.
    pub(super) fixed: Arc<Fixed>,
    /// The agencies in config order, with their checks' seconds per window.
    pub(super) agencies: Vec<(&'a str, [Seconds; 4])>,
}

impl Sample {
    fn labels<'s>(&self, snap_labels: &'s str) -> &'s str {
        &snap_labels[self.labels.0 as usize..self.labels.1 as usize]
    }
}

/// A check's seconds per availability window: the last hour from its live state; the
/// longer windows are the rollups plus what came after the last rolled-up hour.
pub(super) fn windows(
    live: &Live,
    rolled: Option<&[Seconds; 3]>,
    sums: &WindowSums,
    now: i64,
) -> [Seconds; 4] {
    let mut w = [live.recent.seconds(now - 3600, now); 4];
    let extra = live.recent.seconds(sums.covered_until, now);
    for i in 1..4 {
        w[i] = extra;
        if let Some(r) = rolled {
            w[i].add(r[i - 1]);
        }
    }
    w
}

/// Every check's sample, copied out under its lock; `fixed` is of the same `fleet`.
pub(super) fn snapshot<'a>(
    fleet: &'a Fleet,
    fixed: Arc<Fixed>,
    sums: &WindowSums,
    now: i64,
    role: &Role,
) -> Snapshot<'a> {
    assert_eq!(
        fixed.checks.len(),
        fleet.checks.len(),
        "fixed part of another fleet"
    );
    let vantage = fleet.config.cluster.vantage.as_str();
    let lean = fleet.config.metrics == PerCheck::Lean;
    let exclude = fleet.config.sla.exclude_maintenance;
    let mut agencies: Vec<(&str, [Seconds; 4])> = fleet
        .config
        .agencies
        .iter()
        .map(|a| (a.id.as_str(), [Seconds::default(); 4]))
        .collect();
    let samples = fleet
        .checks
        .iter()
        .zip(&fixed.checks)
        .map(|(c, f)| {
            // The probe families (`full` only) are of the checks this node probes.
            let probed = !lean && role.probes(c, &fleet.config.vantages);
            let live = c.live.lock().unwrap_or_else(|p| p.into_inner());
            let windows = windows(&live, sums.by_check.get(&c.db_id), sums, now);
            if let Some((_, sum)) = agencies.get_mut(f.agency as usize) {
                for (sum, w) in sum.iter_mut().zip(&windows) {
                    sum.add(*w);
                }
            }
            Sample {
                labels: f.labels,
                agency: f.agency,
                http: f.http,
                up: live.state.status.is_up(),
                degraded: live.state.status == crate::check::state::CheckStatus::Degraded,
                in_maintenance: live.in_maintenance,
                firing: live.alerts.map(|a| a.is_some()),
                counts: live.counts,
                availability: windows.map(|w| w.availability(exclude).unwrap_or(f64::NAN)),
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
                .map(|l| {
                    Box::new(LastSample {
                        success: l.result.is_available(),
                        duration: l.duration,
                        phases: l.phases,
                        status: l.status_code.unwrap_or(0),
                        cert_expiry: l.cert_expiry,
                        page: l.page.as_deref().copied(),
                    })
                }),
            }
        })
        .collect();
    Snapshot {
        samples,
        fixed,
        agencies,
    }
}

/// A rough size of the page for `checks` checks, to allocate it once.
pub(super) fn estimate(checks: usize) -> usize {
    checks * 1800 + 64 * 1024
}

/// Writes the per-check families (`probe_*`, `emcd_check_*`, `emcd_alerts_firing`,
/// `emcd_probes_total`), in the order and form prometheus-client wrote them; under
/// `metrics.per_check: lean` only the six a check of docs/metrics.md, "Profiles".
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
        labels: &snap.fixed.labels,
        flush: flush.map(|f| f as &mut dyn FnMut(&mut String)),
    };
    let lean = fleet.config.metrics == PerCheck::Lean;
    if !lean {
        probe_families(&mut page, samples, fleet.config.cluster.vantage.as_str());
    }
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
    agency::availability(&mut page, fleet, snap);
    if !lean {
        page.gauge(
            samples,
            (
                "emcd_check_in_maintenance",
                "1 if the last result was taken inside a maintenance window",
            ),
            |s| int(s.in_maintenance),
        );
    }
    page.descriptor(SLO_OBJECTIVE.0, SLO_OBJECTIVE.1, "gauge");
    for (s, f) in samples.iter().zip(&snap.fixed.checks) {
        let objective = Value::Float(f.objective());
        page.sample(SLO_OBJECTIVE.0, s, "} ", objective);
    }
    agency::alerts_firing(&mut page, fleet, snap);
    // Under `lean`, of the results only `down`, and the results that count in
    // availability (up, degraded, down) in one counter: the error ratio's two sides.
    let kinds: &[ResultKind] = if lean {
        &[ResultKind::Down]
    } else {
        &ResultKind::ALL
    };
    counter(&mut page, format, ("emcd_probes", "Results by result"));
    let results: Vec<_> = kinds
        .iter()
        .map(|k| (closing("result", k.as_str()), usize::from(k.code())))
        .collect();
    for s in samples {
        for (close, code) in &results {
            let n = Value::Int(s.counts[*code] as i64);
            page.sample("emcd_probes_total", s, close, n);
        }
    }
    if lean {
        let help = "Results that count in availability: up, degraded and down";
        counter(&mut page, format, ("emcd_probes_counted", help));
        let counted =
            [ResultKind::Up, ResultKind::Degraded, ResultKind::Down].map(|k| usize::from(k.code()));
        for s in samples {
            let n: u64 = counted.iter().map(|&c| s.counts[c]).sum();
            page.sample("emcd_probes_counted_total", s, "} ", Value::Int(n as i64));
        }
    }
}

/// A counter family's descriptor: named without `_total` in OpenMetrics, with it in
/// text 0.0.4.
fn counter(page: &mut Page<'_>, format: Format, (family, help): (&str, &str)) {
    match format {
        Format::OpenMetrics => page.descriptor(family, help, "counter"),
        Format::Text => page.descriptor(&format!("{family}_total"), help, "counter"),
    }
}

/// The probe families (`probe_*`): this node's own latest results, by its vantage;
/// `full` only.
fn probe_families(page: &mut Page<'_>, samples: &[Sample], vantage: &str) {
    // The probe families carry this node's vantage (an id: no escaping).
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
    browser::figures(page, samples, vantage);
}

/// `emcd_check_slo_objective`: what the shipped rules compare the error ratios with.
pub(super) const SLO_OBJECTIVE: (&str, &str) = (
    "emcd_check_slo_objective",
    "The check's availability objective, slo.availability as a ratio (0.995 for 99.5)",
);

/// `slo.availability` (a percentage) as a ratio, rounded to 9 decimals so that 99.9
/// is written `0.999`, not `0.9990000000000001`.
#[cfg(test)]
pub(super) fn objective(percent: f64) -> f64 {
    f64::from(objective_ppb(percent)) / 1e9
}

/// `objective` in parts per billion (`slo.availability` is at most 100: at most 10^9).
pub(super) fn objective_ppb(percent: f64) -> u32 {
    (percent * 1e7).round() as u32
}

#[cfg(test)]
mod page_tests;
#[cfg(test)]
pub(super) mod tests;
