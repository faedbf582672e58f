//! Every metric emcd exposes (SPEC 5), in one place. Per-check and per-system series are
//! encoded at scrape time from the live fleet (a custom collector), not mirrored into a
//! second registry; process-level metrics are ordinary prometheus-client metrics.

use std::collections::HashMap;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::fleet::FleetHandle;
use crate::probe::Phases;
use crate::result::ResultKind;
use crate::store::writer::WriterMetrics;

/// The two exposition formats `/metrics` speaks, chosen by the scraper's `Accept`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0 text, which Prometheus asks for.
    OpenMetrics,
    /// Prometheus text 0.0.4, for everything else (curl, promtool, older scrapers).
    Text,
}

impl Format {
    /// OpenMetrics when the `Accept` header names it, else the classic text format.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Text,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// Process-level metrics, shared by the tasks that update them.
#[derive(Debug)]
pub struct Metrics {
    /// How late probes start versus their schedule.
    pub scheduler_lag: Histogram,
    pub probes_in_flight: Gauge,
    /// Handed to the store writer.
    pub writer: WriterMetrics,
    /// 1 if the last reload succeeded, else 0.
    pub reload_successful: Gauge,
    /// Unix seconds of the last successful (re)load.
    pub reload_success_timestamp: Gauge,
    /// Notification deliveries by receiver and result (delivered, retried, dead).
    pub notifications_total: Family<[(&'static str, String); 2], Counter>,
    /// Undelivered notifications per receiver.
    pub notification_queue_depth: Family<[(&'static str, String); 1], Gauge>,
    /// Unix seconds of each housekeeping job's last success.
    pub housekeeping_last_success: Family<[(&'static str, &'static str); 1], Gauge>,
    /// Rolled-up availability sums, refreshed by housekeeping.
    pub availability: crate::sla::availability::Table,
    /// Push API requests by result: accepted, unauthorized, unknown_check, bad_request.
    pub push_requests: Family<[(&'static str, &'static str); 1], Counter>,
    registry: Registry,
}

impl Metrics {
    pub fn new(fleet: FleetHandle) -> Metrics {
        let scheduler_lag = Histogram::new([
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]);
        let probes_in_flight = Gauge::default();
        let writer = WriterMetrics {
            pending: Gauge::default(),
            write_duration: Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
        };
        let mut registry = Registry::default();
        registry.register(
            "emcd_scheduler_lag_seconds",
            "How late probes start versus their schedule",
            scheduler_lag.clone(),
        );
        registry.register(
            "emcd_probes_in_flight",
            "Probes running now",
            probes_in_flight.clone(),
        );
        registry.register(
            "emcd_store_write_duration_seconds",
            "Duration of one batch commit of results",
            writer.write_duration.clone(),
        );
        registry.register(
            "emcd_store_pending_results",
            "Results recorded but not yet committed",
            writer.pending.clone(),
        );
        let reload_successful = Gauge::default();
        let reload_success_timestamp = Gauge::default();
        let push_requests = Family::default();
        let notifications_total = Family::default();
        let housekeeping_last_success = Family::default();
        registry.register(
            "emcd_housekeeping_last_success_timestamp_seconds",
            "Unix time of each housekeeping job's last success",
            housekeeping_last_success.clone(),
        );
        let notification_queue_depth = Family::default();
        registry.register(
            "emcd_notifications",
            "Notification deliveries by receiver and result",
            notifications_total.clone(),
        );
        registry.register(
            "emcd_notification_queue_depth",
            "Undelivered notifications per receiver",
            notification_queue_depth.clone(),
        );
        registry.register(
            "emcd_config_last_reload_successful",
            "1 if the last config reload succeeded",
            reload_successful.clone(),
        );
        registry.register(
            "emcd_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful config load",
            reload_success_timestamp.clone(),
        );
        registry.register(
            "emcd_push_requests",
            "Push API requests by result",
            push_requests.clone(),
        );
        let availability = crate::sla::availability::Table::default();
        registry.register_collector(Box::new(FleetCollector {
            fleet,
            availability: availability.clone(),
        }));
        Metrics {
            scheduler_lag,
            probes_in_flight,
            writer,
            reload_successful,
            reload_success_timestamp,
            push_requests,
            notifications_total,
            notification_queue_depth,
            housekeeping_last_success,
            availability,
            registry,
        }
    }

    /// Counts one push request by its result label.
    pub fn push_request(&self, result: &'static str) {
        self.push_requests
            .get_or_create(&[("result", result)])
            .inc();
    }

    /// The `/metrics` page in the given format.
    pub fn encode(&self, format: Format) -> String {
        let mut out = String::with_capacity(64 * 1024);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        match format {
            Format::OpenMetrics => out,
            Format::Text => openmetrics_to_text(&out),
        }
    }
}

/// Rewrites prometheus-client's OpenMetrics output as Prometheus text 0.0.4: counter
/// families are named with their `_total` suffix, and `# UNIT` / `# EOF` lines go.
/// Sample lines are identical in both formats and pass through untouched.
fn openmetrics_to_text(om: &str) -> String {
    let mut out = String::with_capacity(om.len());
    let mut lines = om.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            let counter = lines
                .peek()
                .is_some_and(|t| t.strip_prefix("# TYPE ") == Some(&format!("{name} counter")));
            if counter {
                lines.next();
                out.push_str(&format!("# HELP {name}_total{}\n", &rest[name.len()..]));
                out.push_str(&format!("# TYPE {name}_total counter\n"));
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// What one check contributes to a scrape, copied out under its lock once.
struct Sample {
    labels: [(&'static str, std::sync::Arc<str>); 3],
    http: bool,
    up: bool,
    degraded: bool,
    counts: [u64; 5],
    in_maintenance: bool,
    /// Seconds per availability window (`sla::availability::WINDOWS`).
    windows: [crate::sla::live::Seconds; 4],
    /// Which of the check's alerts fire, by `AlertName::slot`.
    firing: [bool; 4],
    last: Option<LastSample>,
}

struct LastSample {
    success: bool,
    duration: f64,
    phases: Phases,
    status: u16,
    cert_expiry: Option<i64>,
}

#[derive(Debug)]
struct FleetCollector {
    fleet: FleetHandle,
    availability: crate::sla::availability::Table,
}

fn gauge<'a, T>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: &'a [Sample],
    value: impl Fn(&'a Sample) -> Option<T>,
) -> std::fmt::Result
where
    T: prometheus_client::encoding::EncodeGaugeValue,
{
    let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for s in samples {
        if let Some(v) = value(s) {
            m.encode_family(&s.labels)?.encode_gauge(&v)?;
        }
    }
    Ok(())
}

impl Collector for FleetCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let fleet = self.fleet.current();
        let sums = self
            .availability
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let now = crate::util::unix_now();
        let samples: Vec<Sample> = fleet
            .checks
            .iter()
            .map(|c| {
                let live = c.live.lock().unwrap_or_else(|p| p.into_inner());
                Sample {
                    labels: [
                        ("agency", c.agency.clone()),
                        ("system", c.system.clone()),
                        ("check", c.check.clone()),
                    ],
                    http: matches!(c.config.kind, crate::config::CheckKind::Http(_)),
                    up: live.state.status.is_up(),
                    degraded: live.state.status == crate::check::state::Status::Degraded,
                    counts: live.counts,
                    in_maintenance: live.in_maintenance,
                    windows: {
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
                    last: live.last.as_ref().map(|l| LastSample {
                        success: l.result.is_available(),
                        duration: l.duration,
                        phases: l.phases,
                        status: l.status_code.unwrap_or(0),
                        cert_expiry: l.cert_expiry,
                    }),
                }
            })
            .collect();

        gauge(
            &mut enc,
            "probe_success",
            "1 if the last result was up or degraded",
            &samples,
            |s| s.last.as_ref().map(|l| i64::from(l.success)),
        )?;
        gauge(
            &mut enc,
            "probe_duration_seconds",
            "Total duration of the last probe",
            &samples,
            |s| s.last.as_ref().map(|l| l.duration),
        )?;
        {
            let mut m = enc.encode_descriptor(
                "probe_http_duration_seconds",
                "Phase durations of the last HTTP probe",
                None,
                MetricType::Gauge,
            )?;
            for s in samples.iter().filter(|s| s.http) {
                if let Some(l) = &s.last {
                    for (phase, d) in Phases::NAMES.iter().zip(l.phases.as_array()) {
                        let labels = (&s.labels[..], [("phase", *phase)]);
                        m.encode_family(&labels)?.encode_gauge(&d.as_secs_f64())?;
                    }
                }
            }
        }
        gauge(
            &mut enc,
            "probe_http_status_code",
            "Status code of the last HTTP probe (0 if none)",
            &samples,
            |s| {
                s.last
                    .as_ref()
                    .filter(|_| s.http)
                    .map(|l| i64::from(l.status))
            },
        )?;
        gauge(
            &mut enc,
            "probe_ssl_earliest_cert_expiry",
            "Unix time of the earliest certificate expiry in the chain",
            &samples,
            |s| s.last.as_ref().and_then(|l| l.cert_expiry),
        )?;
        gauge(
            &mut enc,
            "emcd_check_up",
            "1 if the check is UP or DEGRADED (after thresholds)",
            &samples,
            |s| Some(i64::from(s.up)),
        )?;
        gauge(
            &mut enc,
            "emcd_check_degraded",
            "1 if the check is DEGRADED",
            &samples,
            |s| Some(i64::from(s.degraded)),
        )?;
        let exclude = fleet.config.sla.exclude_maintenance;
        {
            let mut m = enc.encode_descriptor(
                "emcd_check_availability_ratio",
                "Time-weighted availability over the window",
                None,
                MetricType::Gauge,
            )?;
            for s in &samples {
                for (i, (window, _)) in crate::sla::availability::WINDOWS.iter().enumerate() {
                    if let Some(a) = s.windows[i].availability(exclude) {
                        m.encode_family(&(&s.labels[..], [("window", *window)]))?
                            .encode_gauge(&a)?;
                    }
                }
            }
        }
        {
            let agencies: Vec<std::sync::Arc<str>> = fleet
                .config
                .agencies
                .iter()
                .map(|a| a.id.as_str().into())
                .collect();
            let mut sums = vec![[crate::sla::live::Seconds::default(); 4]; agencies.len()];
            for s in &samples {
                if let Some(i) = agencies.iter().position(|a| *a == s.labels[0].1) {
                    for (sum, w) in sums[i].iter_mut().zip(&s.windows) {
                        sum.add(*w);
                    }
                }
            }
            let mut m = enc.encode_descriptor(
                "emcd_agency_availability_ratio",
                "Time-weighted availability over the agency's checks",
                None,
                MetricType::Gauge,
            )?;
            for (agency, w) in agencies.iter().zip(&sums) {
                for (i, (window, _)) in crate::sla::availability::WINDOWS.iter().enumerate() {
                    if let Some(a) = w[i].availability(exclude) {
                        m.encode_family(&[("agency", agency.as_ref()), ("window", *window)])?
                            .encode_gauge(&a)?;
                    }
                }
            }
        }
        gauge(
            &mut enc,
            "emcd_check_in_maintenance",
            "1 if the last result was taken inside a maintenance window",
            &samples,
            |s| Some(i64::from(s.in_maintenance)),
        )?;
        {
            // Firing alerts by (alertname, severity, agency); every agency has a series
            // for every alertname, so a dashboard sees 0 rather than nothing.
            let names = crate::alert::AlertName::PER_CHECK;
            let system_alert = crate::alert::AlertName::SystemNotConnected;
            let agencies: Vec<std::sync::Arc<str>> = fleet
                .config
                .agencies
                .iter()
                .map(|a| a.id.as_str().into())
                .collect();
            let mut counts = vec![[0i64; 5]; agencies.len()];
            for s in &samples {
                if let Some(i) = agencies.iter().position(|a| *a == s.labels[0].1) {
                    for name in names {
                        counts[i][name.slot()] += i64::from(s.firing[name.slot()]);
                    }
                }
            }
            for sys in &fleet.systems {
                let firing = sys
                    .live
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .alert
                    .is_some();
                if let Some(i) = agencies.iter().position(|a| *a == sys.agency) {
                    counts[i][4] += i64::from(firing);
                }
            }
            let mut m = enc.encode_descriptor(
                "emcd_alerts_firing",
                "Firing alerts",
                None,
                MetricType::Gauge,
            )?;
            for (agency, n) in agencies.iter().zip(&counts) {
                for name in names.into_iter().chain([system_alert]) {
                    let labels = [
                        ("alertname", name.as_str()),
                        ("severity", name.severity()),
                        ("agency", agency.as_ref()),
                    ];
                    let index = if name == system_alert { 4 } else { name.slot() };
                    m.encode_family(&labels)?.encode_gauge(&n[index])?;
                }
            }
        }
        {
            let mut m = enc.encode_descriptor(
                "emcd_probes",
                "Results by result",
                None,
                MetricType::Counter,
            )?;
            for s in &samples {
                for kind in ResultKind::ALL {
                    let labels = (&s.labels[..], [("result", kind.as_str())]);
                    m.encode_family(&labels)?
                        .encode_counter::<NoLabelSet, _, f64>(
                            &s.counts[usize::from(kind.code())],
                            None,
                        )?;
                }
            }
        }
        {
            let mut m = enc.encode_descriptor(
                "emcd_probe_duration_seconds",
                "Probe durations per system",
                None,
                MetricType::Histogram,
            )?;
            for sys in &fleet.systems {
                let (sum, count, buckets) = sys.durations.snapshot();
                let labels = [
                    ("agency", sys.agency.clone()),
                    ("system", sys.system.clone()),
                ];
                m.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
                    sum,
                    count,
                    &buckets,
                    None::<&HashMap<usize, Exemplar<NoLabelSet, f64>>>,
                )?;
            }
        }
        let standings = crate::connection::systems(&fleet, crate::util::unix_now());
        {
            let mut m = enc.encode_descriptor(
                "emcd_system_connected",
                "1 if the system produced an up or degraded result within connection.window",
                None,
                MetricType::Gauge,
            )?;
            for st in &standings {
                let sys = &fleet.systems[st.index];
                let labels = [
                    ("agency", sys.agency.clone()),
                    ("system", sys.system.clone()),
                ];
                let connected = st.connection == crate::connection::Connection::Connected;
                m.encode_family(&labels)?
                    .encode_gauge(&i64::from(connected))?;
            }
        }
        let agencies = crate::connection::agencies(&fleet, &standings);
        type AgencyValue = fn(&crate::connection::AgencyStanding) -> f64;
        let per_agency: [(&str, &str, AgencyValue); 3] = [
            (
                "emcd_agency_systems_required",
                "Required systems of the agency",
                |a| f64::from(a.required),
            ),
            (
                "emcd_agency_systems_connected",
                "Required systems of the agency that are connected",
                |a| f64::from(a.connected),
            ),
            (
                "emcd_agency_connection_ratio",
                "Connected required systems / required systems",
                |a| a.ratio(),
            ),
        ];
        for (name, help, value) in per_agency {
            let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for (agency, standing) in &agencies {
                m.encode_family(&[("agency", agency.clone())])?
                    .encode_gauge(&value(standing))?;
            }
        }
        {
            let mut by_kind: Vec<(&'static str, i64)> = vec![("http", 0), ("tcp", 0), ("push", 0)];
            for c in &fleet.checks {
                let k = c.config.kind.name();
                if let Some(e) = by_kind.iter_mut().find(|e| e.0 == k) {
                    e.1 += 1;
                }
            }
            let mut m = enc.encode_descriptor(
                "emcd_checks",
                "Configured checks by kind",
                None,
                MetricType::Gauge,
            )?;
            for (kind, n) in by_kind {
                m.encode_family(&[("kind", kind)])?.encode_gauge(&n)?;
            }
        }
        let mut m = enc.encode_descriptor(
            "emcd_build_info",
            "Build information",
            None,
            MetricType::Gauge,
        )?;
        m.encode_family(&[("version", env!("CARGO_PKG_VERSION"))])?
            .encode_gauge(&1i64)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_names_counters_with_total_and_drops_eof() {
        let om = "# HELP emcd_probes Results.\n# TYPE emcd_probes counter\nemcd_probes_total{a=\"b\"} 3\n\
                  # HELP g A gauge.\n# TYPE g gauge\n# UNIT g seconds\ng 1\n# EOF\n";
        assert_eq!(
            openmetrics_to_text(om),
            "# HELP emcd_probes_total Results.\n# TYPE emcd_probes_total counter\nemcd_probes_total{a=\"b\"} 3\n\
             # HELP g A gauge.\n# TYPE g gauge\ng 1\n"
        );
    }

    #[test]
    fn negotiation_prefers_openmetrics_only_when_asked() {
        assert_eq!(Format::negotiate(None), Format::Text);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Text);
        assert_eq!(
            Format::negotiate(Some(
                "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"
            )),
            Format::OpenMetrics
        );
    }
}
