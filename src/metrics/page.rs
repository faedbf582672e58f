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
use crate::sla::availability::{WindowSums, WINDOWS};
use crate::sla::live::Seconds;

use super::Format;

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
}

/// Every check's sample, in fleet order, and their label sets written out once (a
/// check's labels appear on 16 lines).
pub(super) struct Snapshot<'a> {
    pub(super) samples: Vec<Sample<'a>>,
    labels: String,
}

pub(super) fn snapshot<'a>(fleet: &'a Fleet, sums: &WindowSums, now: i64) -> Snapshot<'a> {
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
            let live = c.live.lock().unwrap_or_else(|p| p.into_inner());
            Sample {
                check: c,
                labels: start..labels.len(),
                http: matches!(c.config.kind, CheckKind::Http(_)),
                up: live.state.status.is_up(),
                degraded: live.state.status == crate::check::state::Status::Degraded,
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
    Snapshot { samples, labels }
}

/// A rough size of the page for `checks` checks, to allocate it once.
pub(super) fn estimate(checks: usize) -> usize {
    checks * 1800 + 64 * 1024
}

/// A sample value, formatted as prometheus-client formats it.
#[derive(Clone, Copy)]
enum Value {
    Int(i64),
    Float(f64),
}

/// Writes sample lines into the page.
struct Page<'a> {
    out: &'a mut String,
    labels: &'a str,
}

impl Page<'_> {
    fn descriptor(&mut self, name: &str, help: &str, kind: &str) {
        for line in ["# HELP ", "# TYPE "] {
            self.out.push_str(line);
            self.out.push_str(name);
            self.out.push(' ');
            self.out
                .push_str(if line == "# HELP " { help } else { kind });
            self.out.push('\n');
        }
    }

    /// `name{agency="..",system="..",check=".."<close>value`, where `close` ends the
    /// label set: `} `, or one more label of emcd's own (see [`closing`]).
    fn sample(&mut self, name: &str, s: &Sample<'_>, close: &str, v: Value) {
        let out = &mut *self.out;
        out.push_str(name);
        out.push('{');
        out.push_str(&self.labels[s.labels.clone()]);
        out.push_str(close);
        match v {
            Value::Int(i) => out.push_str(itoa::Buffer::new().format(i)),
            Value::Float(f) => out.push_str(dtoa::Buffer::new().format(f)),
        }
        out.push('\n');
    }

    /// One gauge family: a line for each check that has a value.
    fn gauge(
        &mut self,
        samples: &[Sample<'_>],
        (name, help): (&str, &str),
        value: impl Fn(&Sample<'_>) -> Option<Value>,
    ) {
        self.descriptor(name, help, "gauge");
        for s in samples {
            if let Some(v) = value(s) {
                self.sample(name, s, "} ", v);
            }
        }
    }
}

/// A label value with `\`, `"` and newlines escaped (ids never have them; names might).
fn escaped(out: &mut String, s: &str) {
    if !s.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(s);
        return;
    }
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
}

/// The end of a label set that adds `key="value"` (emcd's own values: no escaping).
fn closing(key: &str, value: &str) -> String {
    format!(",{key}=\"{value}\"}} ")
}

fn int(b: bool) -> Option<Value> {
    Some(Value::Int(i64::from(b)))
}

/// Writes the per-check families (`probe_*`, `emcd_check_*`, `emcd_alerts_firing`,
/// `emcd_probes_total`), in the order and form prometheus-client wrote them.
pub(super) fn encode_checks(out: &mut String, fleet: &Fleet, snap: &Snapshot<'_>, format: Format) {
    let samples = &snap.samples;
    let mut page = Page {
        out,
        labels: &snap.labels,
    };
    page.gauge(
        samples,
        ("probe_success", "1 if the last result was up or degraded"),
        |s| s.last.as_ref().and_then(|l| int(l.success)),
    );
    page.gauge(
        samples,
        ("probe_duration_seconds", "Total duration of the last probe"),
        |s| s.last.as_ref().map(|l| Value::Float(l.duration)),
    );
    let name = "probe_http_duration_seconds";
    page.descriptor(name, "Phase durations of the last HTTP probe", "gauge");
    let phases = Phases::NAMES.map(|p| closing("phase", p));
    for s in samples.iter().filter(|s| s.http) {
        if let Some(l) = &s.last {
            for (close, d) in phases.iter().zip(l.phases.as_array()) {
                page.sample(name, s, close, Value::Float(d.as_secs_f64()));
            }
        }
    }
    page.gauge(
        samples,
        (
            "probe_http_status_code",
            "Status code of the last HTTP probe (0 if none)",
        ),
        |s| {
            let l = s.last.as_ref().filter(|_| s.http)?;
            Some(Value::Int(i64::from(l.status)))
        },
    );
    page.gauge(
        samples,
        (
            "probe_ssl_earliest_cert_expiry",
            "Unix time of the earliest certificate expiry in the chain",
        ),
        |s| s.last.as_ref()?.cert_expiry.map(Value::Int),
    );
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
    let out = &mut *page.out;
    for (agency, w) in ids.iter().zip(&sums) {
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
    let out = &mut *page.out;
    let alerts: Vec<(AlertName, usize)> = AlertName::PER_CHECK
        .into_iter()
        .map(|a| (a, a.slot()))
        .chain([(AlertName::SystemNotConnected, SYSTEM)])
        .collect();
    for (agency, n) in ids.iter().zip(&counts) {
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
    }
}

#[cfg(test)]
mod tests {
    //! The direct writer against prometheus-client's own encoding of the same families
    //! (the collector emcd used before, kept here as the oracle), in both formats.

    use std::sync::Arc;
    use std::time::Duration;

    use prometheus_client::collector::Collector;
    use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
    use prometheus_client::metrics::MetricType;
    use prometheus_client::registry::Registry;

    use super::*;
    use crate::alert_vocab::Firing;
    use crate::check::state::Status;
    use crate::fleet::{FleetHandle, LastResult};
    use crate::metrics::openmetrics_to_text;
    use crate::result::ErrorKind;

    const NOW: i64 = 1_700_000_000;

    #[derive(Debug)]
    struct Oracle(FleetHandle, WindowSums);

    impl Collector for Oracle {
        fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
            let fleet = self.0.current();
            let samples = snapshot(&fleet, &self.1, NOW).samples;
            let labels = |s: &Sample<'_>| {
                [
                    ("agency", s.check.agency.clone()),
                    ("system", s.check.system.clone()),
                    ("check", s.check.check.clone()),
                ]
            };
            type Get = fn(&Sample<'_>) -> Option<Result<i64, f64>>;
            let gauges: [(&str, &str, Get); 9] = [
                (
                    "probe_success",
                    "1 if the last result was up or degraded",
                    |s| s.last.as_ref().map(|l| Ok(i64::from(l.success))),
                ),
                (
                    "probe_duration_seconds",
                    "Total duration of the last probe",
                    |s| s.last.as_ref().map(|l| Err(l.duration)),
                ),
                (
                    "probe_http_duration_seconds",
                    "Phase durations of the last HTTP probe",
                    |_| None,
                ),
                (
                    "probe_http_status_code",
                    "Status code of the last HTTP probe (0 if none)",
                    |s| {
                        s.last
                            .as_ref()
                            .filter(|_| s.http)
                            .map(|l| Ok(i64::from(l.status)))
                    },
                ),
                (
                    "probe_ssl_earliest_cert_expiry",
                    "Unix time of the earliest certificate expiry in the chain",
                    |s| s.last.as_ref().and_then(|l| l.cert_expiry).map(Ok),
                ),
                (
                    "emcd_check_up",
                    "1 if the check is UP or DEGRADED (after thresholds)",
                    |s| Some(Ok(i64::from(s.up))),
                ),
                ("emcd_check_degraded", "1 if the check is DEGRADED", |s| {
                    Some(Ok(i64::from(s.degraded)))
                }),
                ("availability", "", |_| None),
                (
                    "emcd_check_in_maintenance",
                    "1 if the last result was taken inside a maintenance window",
                    |s| Some(Ok(i64::from(s.in_maintenance))),
                ),
            ];
            let exclude = fleet.config.sla.exclude_maintenance;
            for (name, help, get) in gauges {
                if name == "availability" {
                    let mut m = enc.encode_descriptor(
                        "emcd_check_availability_ratio",
                        "Time-weighted availability over the window",
                        None,
                        MetricType::Gauge,
                    )?;
                    for s in &samples {
                        for (i, (window, _)) in WINDOWS.iter().enumerate() {
                            if let Some(a) = s.windows[i].availability(exclude) {
                                m.encode_family(&(&labels(s)[..], [("window", *window)]))?
                                    .encode_gauge(&a)?;
                            }
                        }
                    }
                    let mut m = enc.encode_descriptor(
                        "emcd_agency_availability_ratio",
                        "Time-weighted availability over the agency's checks",
                        None,
                        MetricType::Gauge,
                    )?;
                    for a in &fleet.config.agencies {
                        let mut w = [Seconds::default(); 4];
                        for s in samples.iter().filter(|s| *s.check.agency == *a.id) {
                            for (sum, x) in w.iter_mut().zip(&s.windows) {
                                sum.add(*x);
                            }
                        }
                        for (i, (window, _)) in WINDOWS.iter().enumerate() {
                            if let Some(v) = w[i].availability(exclude) {
                                m.encode_family(&[("agency", a.id.as_str()), ("window", *window)])?
                                    .encode_gauge(&v)?;
                            }
                        }
                    }
                    continue;
                }
                let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
                for s in &samples {
                    if name == "probe_http_duration_seconds" {
                        let Some(l) = s.last.as_ref().filter(|_| s.http) else {
                            continue;
                        };
                        for (phase, d) in Phases::NAMES.iter().zip(l.phases.as_array()) {
                            let l = (&labels(s)[..], [("phase", *phase)]);
                            m.encode_family(&l)?.encode_gauge(&d.as_secs_f64())?;
                        }
                        continue;
                    }
                    match get(s) {
                        Some(Ok(v)) => m.encode_family(&labels(s))?.encode_gauge(&v)?,
                        Some(Err(v)) => m.encode_family(&labels(s))?.encode_gauge(&v)?,
                        None => {}
                    }
                }
            }
            let mut m = enc.encode_descriptor(
                "emcd_alerts_firing",
                "Firing alerts",
                None,
                MetricType::Gauge,
            )?;
            for a in &fleet.config.agencies {
                for name in AlertName::PER_CHECK
                    .into_iter()
                    .chain([AlertName::SystemNotConnected])
                {
                    let n = if name == AlertName::SystemNotConnected {
                        fleet
                            .systems
                            .iter()
                            .filter(|s| {
                                *s.agency == *a.id && s.live.lock().unwrap().alert.is_some()
                            })
                            .count()
                    } else {
                        samples
                            .iter()
                            .filter(|s| *s.check.agency == *a.id && s.firing[name.slot()])
                            .count()
                    } as i64;
                    let l = [
                        ("alertname", name.as_str()),
                        ("severity", name.severity()),
                        ("agency", a.id.as_str()),
                    ];
                    m.encode_family(&l)?.encode_gauge(&n)?;
                }
            }
            let mut m = enc.encode_descriptor(
                "emcd_probes",
                "Results by result",
                None,
                MetricType::Counter,
            )?;
            for s in &samples {
                for kind in ResultKind::ALL {
                    let l = (&labels(s)[..], [("result", kind.as_str())]);
                    m.encode_family(&l)?.encode_counter::<NoLabelSet, _, f64>(
                        &s.counts[usize::from(kind.code())],
                        None,
                    )?;
                }
            }
            Ok(())
        }
    }

    fn fleet() -> Fleet {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("agencies")).unwrap();
        std::fs::write(dir.path().join("emcd.yaml"), "include: [agencies/*.yaml]\n").unwrap();
        for agency in ["a-one", "b-two"] {
            let file = format!(
                "agency: {{id: {agency}, code: X, name: \"Name \\\"quoted\\\"\", kind: province}}\n\
                 systems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n\
                 \x20     - {{id: web, http: {{url: \"http://127.0.0.1:9/\"}}}}\n\
                 \x20     - {{id: port, tcp: {{host: 127.0.0.1, port: 9}}}}\n\
                 \x20     - {{id: never, http: {{url: \"https://127.0.0.1:9/\"}}}}\n"
            );
            std::fs::write(dir.path().join(format!("agencies/{agency}.yaml")), file).unwrap();
        }
        let config = crate::config::load(&dir.path().join("emcd.yaml")).unwrap();
        let ids = crate::reload::check_list(&config)
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c.full_id, i as i64))
            .collect();
        Fleet::build(Arc::new(config), &ids)
    }

    #[test]
    fn same_bytes_as_prometheus_client() {
        let fleet = fleet();
        let floats = [0.000_000_1, 0.1 + 0.2, 1.0, 0.0, 12_345.678_9, 3e-9, 2.5];
        for (i, c) in fleet.checks.iter().enumerate() {
            if c.check.as_ref() == "never" {
                continue; // no result yet: only the state families have a line
            }
            let mut live = c.live.lock().unwrap();
            live.counts = [i as u64, 0, 7, u64::from(i == 1), 1 << 40];
            live.in_maintenance = i % 2 == 0;
            live.state.status = [Status::Up, Status::Degraded, Status::Down][i % 3];
            for k in 0..3 {
                // Results over the last hour (some down, some in maintenance), so that
                // the availability windows have data.
                let kind = [ResultKind::Up, ResultKind::Down, ResultKind::Maintenance][(i + k) % 3];
                live.recent.push(NOW - 3000 + 1000 * k as i64, kind, 60);
            }
            live.alerts[i % 4] = Some(Firing {
                starts_at: 1,
                last_notified_at: 2,
            });
            let f = |k: usize| floats[(i + k) % floats.len()];
            live.last = Some(LastResult {
                at: 1_700_000_000,
                result: [ResultKind::Up, ResultKind::Down][i % 2],
                error: (i % 2 == 1).then_some(ErrorKind::Connect),
                status_code: (i % 4 != 1).then_some(503),
                duration: f(0),
                phases: Phases {
                    resolve: Duration::from_secs_f64(f(1)),
                    connect: Duration::from_nanos(95_001),
                    tls: Duration::ZERO,
                    processing: Duration::from_secs_f64(f(2)),
                    transfer: Duration::from_secs(3),
                },
                cert_expiry: (i % 3 == 0).then_some(1_800_000_000),
                message: None,
            });
        }
        fleet.systems[1].live.lock().unwrap().alert = Some(Firing {
            starts_at: 1,
            last_notified_at: 2,
        });
        let first = fleet.checks[0].db_id;
        let rolled = Seconds {
            available: 3600.0,
            down: 7.5,
            maintenance: 60.0,
        };
        let sums = WindowSums {
            covered_until: NOW - 1800,
            by_check: [(first, [rolled; 3])].into(),
        };
        let handle = FleetHandle::new(fleet);
        let mut oracle = Registry::default();
        oracle.register_collector(Box::new(Oracle(handle.clone(), sums.clone())));
        let mut expected = String::new();
        prometheus_client::encoding::text::encode_registry(&mut expected, &oracle).unwrap();
        let fleet = handle.current();
        let snap = snapshot(&fleet, &sums, NOW);
        let mut om = String::new();
        encode_checks(&mut om, &fleet, &snap, Format::OpenMetrics);
        assert_eq!(om, expected);
        let mut text = String::new();
        encode_checks(&mut text, &fleet, &snap, Format::Text);
        assert_eq!(text, openmetrics_to_text(&expected));
        for line in [
            "probe_duration_seconds{agency=\"a-one\",system=\"s\",check=\"web\"} 1e-7\n",
            "emcd_check_availability_ratio{agency=\"a-one\",system=\"s\",check=\"web\",window=\"30d\"} ",
            "emcd_agency_availability_ratio{agency=\"b-two\",window=\"1h\"} ",
            "emcd_alerts_firing{alertname=\"SystemNotConnected\",severity=\"critical\",agency=\"b-two\"} 1\n",
        ] {
            assert!(om.contains(line), "{line}");
        }
    }

    #[test]
    fn duration_buckets_are_cumulative_once() {
        let fleet = fleet();
        for seconds in [0.03, 0.07, 20.0] {
            fleet.systems[0].durations.observe(seconds);
        }
        let page = crate::metrics::Metrics::new(FleetHandle::new(fleet)).encode(Format::Text);
        let labels = "agency=\"a-one\",system=\"s\"";
        for (le, n) in [("0.05", 1), ("0.1", 2), ("10.0", 2), ("+Inf", 3)] {
            let line = format!("emcd_probe_duration_seconds_bucket{{le=\"{le}\",{labels}}} {n}\n");
            assert!(page.contains(&line), "{line} in\n{page}");
        }
        assert!(
            page.contains("emcd_probe_duration_seconds_count{agency=\"a-one\",system=\"s\"} 3\n")
        );
    }
}
