//! Tests of `metrics::page`, declared `#[cfg(test)] mod tests;` in `page.rs`.

//! The direct writer against prometheus-client's own encoding of the same families
//! (the collector emcd used before, kept here as the oracle), in both formats.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::*;
use crate::alert_vocab::{AlertName, Firing};
use crate::check::state::CheckStatus;
use crate::fleet::{CheckRuntime, FleetHandle, LastResult};
use crate::metrics::encode::openmetrics_to_text;
use crate::result::ErrorKind;
use crate::sla::availability::WINDOWS;

const NOW: i64 = 1_700_000_000;

#[derive(Debug)]
struct Oracle(FleetHandle, WindowSums);

/// A sample with its check (which the page's own samples do not carry).
struct S<'a> {
    check: &'a CheckRuntime,
    sample: Sample,
}

impl<'a> From<(&'a Arc<CheckRuntime>, Sample)> for S<'a> {
    fn from((check, sample): (&'a Arc<CheckRuntime>, Sample)) -> S<'a> {
        S { check, sample }
    }
}

impl<'a> std::ops::Deref for S<'a> {
    type Target = Sample;
    fn deref(&self) -> &Sample {
        &self.sample
    }
}

impl Collector for Oracle {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let fleet = self.0.current();
        let fixed = Arc::new(Fixed::new(&fleet));
        let snap = snapshot(&fleet, fixed, &self.1, NOW, &Role::single("n", "local"));
        let samples: Vec<S<'_>> = fleet.checks.iter().zip(snap.samples).map(S::from).collect();
        let vantage = fleet.config.cluster.vantage.as_str();
        let labels = |s: &S<'_>| {
            [
                ("agency", s.check.agency.clone()),
                ("system", s.check.system.clone()),
                ("check", s.check.check.clone()),
            ]
        };
        type Get = fn(&S<'_>) -> Option<Result<i64, f64>>;
        let gauges: [(&str, &str, Get); 10] = [
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
            (SLO_OBJECTIVE.0, SLO_OBJECTIVE.1, |s| {
                Some(Err(objective(s.check.config.policy.slo_availability)))
            }),
        ];
        let exclude = fleet.config.sla.exclude_maintenance;
        // Each check's seconds per window, from its live state and the rollups.
        let seconds = |s: &S<'_>| {
            let live = s.check.live.lock().unwrap();
            windows(&live, self.1.by_check.get(&s.check.db_id), &self.1, NOW)
        };
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
                        if let Some(a) = seconds(s)[i].availability(exclude) {
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
                        for (sum, x) in w.iter_mut().zip(&seconds(s)) {
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
                let mut m = enc.encode_descriptor(
                    "emcd_agency_checks_in_maintenance",
                    "Checks of the agency whose last result was taken inside a maintenance window",
                    None,
                    MetricType::Gauge,
                )?;
                for a in &fleet.config.agencies {
                    let ours = |s: &&S<'_>| *s.check.agency == *a.id && s.in_maintenance;
                    let n = samples.iter().filter(ours).count() as i64;
                    m.encode_family(&[("agency", a.id.as_str())])?
                        .encode_gauge(&n)?;
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
                        let l = (&labels(s)[..], [("vantage", vantage), ("phase", *phase)]);
                        m.encode_family(&l)?.encode_gauge(&d.as_secs_f64())?;
                    }
                    continue;
                }
                // The probe families carry this node's vantage.
                let by: &[(&str, &str)] = if name.starts_with("probe_") {
                    &[("vantage", vantage)]
                } else {
                    &[]
                };
                let l = (&labels(s)[..], by);
                match get(s) {
                    Some(Ok(v)) => m.encode_family(&l)?.encode_gauge(&v)?,
                    Some(Err(v)) => m.encode_family(&l)?.encode_gauge(&v)?,
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
                        .filter(|s| *s.agency == *a.id && s.live.lock().unwrap().alert.is_some())
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
    fleet_with("")
}

/// Two agencies of three checks each, under the main file `main` (plus `include`).
pub(super) fn fleet_with(main: &str) -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("agencies")).unwrap();
    let main = format!("{main}include: [agencies/*.yaml]\n");
    std::fs::write(dir.path().join("emcd.yaml"), main).unwrap();
    for agency in ["a-one", "b-two"] {
        let file = format!(
            "agency: {{id: {agency}, code: X, name: \"Name \\\"quoted\\\"\", kind: province}}\n\
                 systems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n\
                 \x20     - {{id: web, http: {{url: \"http://127.0.0.1:9/\"}}}}\n\
                 \x20     - {{id: port, slo: {{availability: 99.9}}, tcp: {{host: 127.0.0.1, port: 9}}}}\n\
                 \x20     - {{id: never, http: {{url: \"https://127.0.0.1:9/\"}}}}\n"
        );
        std::fs::write(dir.path().join(format!("agencies/{agency}.yaml")), file).unwrap();
    }
    build(&dir.path().join("emcd.yaml"))
}

/// The fleet of the config at `main`, its checks given store ids in config order.
pub(in crate::metrics) fn build(main: &std::path::Path) -> Fleet {
    let config = crate::config::load(main).unwrap();
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
        live.state.status = [CheckStatus::Up, CheckStatus::Degraded, CheckStatus::Down][i % 3];
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
            page: None,
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
            }
            .into(),
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
        up: 3600.0,
        down: 7.5,
        maintenance: 60.0,
        ..Seconds::default()
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
    let fixed = Arc::new(Fixed::new(&fleet));
    let snap = snapshot(&fleet, fixed, &sums, NOW, &Role::single("n", "local"));
    let mut om = String::new();
    encode_checks(&mut om, None, &fleet, &snap, Format::OpenMetrics, true);
    assert_eq!(om, expected);
    let mut text = String::new();
    encode_checks(&mut text, None, &fleet, &snap, Format::Text, true);
    assert_eq!(text, openmetrics_to_text(&expected));
    for line in [
            "probe_duration_seconds{agency=\"a-one\",system=\"s\",check=\"web\",vantage=\"local\"} 1e-7\n",
            "emcd_check_availability_ratio{agency=\"a-one\",system=\"s\",check=\"web\",window=\"30d\"} ",
            "emcd_agency_availability_ratio{agency=\"b-two\",window=\"1h\"} ",
            "emcd_alerts_firing{alertname=\"SystemNotConnected\",severity=\"critical\",agency=\"b-two\"} 1\n",
            "emcd_check_slo_objective{agency=\"a-one\",system=\"s\",check=\"web\"} 0.995\n",
            "emcd_check_slo_objective{agency=\"a-one\",system=\"s\",check=\"port\"} 0.999\n",
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
    let page = crate::metrics::Metrics::new(FleetHandle::new(fleet))
        .encode(Format::Text, &Role::single("n", "local"));
    let labels = "agency=\"a-one\",system=\"s\"";
    for (le, n) in [("0.05", 1), ("0.1", 2), ("10.0", 2), ("+Inf", 3)] {
        let line = format!("emcd_probe_duration_seconds_bucket{{le=\"{le}\",{labels}}} {n}\n");
        assert!(page.contains(&line), "{line} in\n{page}");
    }
    assert!(page.contains("emcd_probe_duration_seconds_count{agency=\"a-one\",system=\"s\"} 3\n"));
}
