//! The per-system and per-agency families (`emcd_system_*`, `emcd_agency_*`, and the
//! alert, probe-duration and page-load families by system): a prometheus-client collector that
//! reads the fleet at each scrape. `emcd_agency_info` and `emcd_system_info` carry the
//! names and kinds from the config (value 1), for dashboards to join on by id.

use std::collections::HashMap;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::MetricType;

use crate::config::Config;
use crate::fleet::FleetHandle;
use crate::sla::durations::PAGE_BUCKETS;

/// The per-system and per-agency families, read from the fleet at each scrape; in a
/// cluster only the leader exports them (docs/cluster.md, "Metrics").
#[derive(Debug)]
pub(super) struct FleetCollector {
    pub(super) fleet: FleetHandle,
}

/// The probe durations per system of the probes this node made: every node exports its own.
#[derive(Debug)]
pub(super) struct DurationCollector {
    pub(super) fleet: FleetHandle,
}

impl Collector for DurationCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let fleet = self.fleet.current();
        let mut m = enc.encode_descriptor(
            "emcd_probe_duration_seconds",
            "Probe durations per system",
            None,
            MetricType::Histogram,
        )?;
        for sys in &fleet.systems {
            let labels = [
                ("agency", sys.agency.clone()),
                ("system", sys.system.clone()),
            ];
            histogram(&mut m, &labels, sys.durations.snapshot())?;
        }
        // Only where browser checks have loaded pages: no empty families elsewhere.
        let with_pages: Vec<_> = fleet
            .systems
            .iter()
            .filter(|s| s.pages.iter().any(|h| h.snapshot_in(&PAGE_BUCKETS).1 > 0))
            .collect();
        if with_pages.is_empty() {
            return Ok(());
        }
        let mut m = enc.encode_descriptor(
            "emcd_page_load_seconds",
            "Page-load figures of browser checks per system (metric: fcp, lcp, speed_index, tbt)",
            None,
            MetricType::Histogram,
        )?;
        for sys in with_pages {
            for (h, metric) in sys.pages.iter().zip(crate::result::PageFigures::NAMES) {
                let labels = [
                    ("agency", sys.agency.to_string()),
                    ("system", sys.system.to_string()),
                    ("metric", metric.to_owned()),
                ];
                histogram(&mut m, &labels, h.snapshot_in(&PAGE_BUCKETS))?;
            }
        }
        Ok(())
    }
}

/// One histogram series from an `AtomicHistogram` snapshot (sum, count, buckets).
fn histogram(
    m: &mut prometheus_client::encoding::MetricEncoder<'_>,
    labels: &impl prometheus_client::encoding::EncodeLabelSet,
    (sum, count, buckets): (f64, u64, Vec<(f64, u64)>),
) -> std::fmt::Result {
    m.encode_family(labels)?.encode_histogram::<NoLabelSet>(
        sum,
        count,
        &buckets,
        None::<&HashMap<usize, Exemplar<NoLabelSet, f64>>>,
    )
}

impl Collector for FleetCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let fleet = self.fleet.current();
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
        info(&mut enc, &fleet.config)?;
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

/// `emcd_agency_info` and `emcd_system_info`: one line of value 1 per agency and per
/// system, in config order, with its names and kinds.
fn info(enc: &mut DescriptorEncoder, config: &Config) -> std::fmt::Result {
    let help = "An agency's name, code, kind and league (ministries or provinces); value 1";
    let mut m = enc.encode_descriptor("emcd_agency_info", help, None, MetricType::Gauge)?;
    for a in &config.agencies {
        let labels = [
            ("agency", a.id.as_str()),
            ("name", a.name.as_str()),
            ("code", a.code.as_str()),
            ("kind", a.kind.as_str()),
            ("league", a.kind.league()),
        ];
        m.encode_family(&labels)?.encode_gauge(&1i64)?;
    }
    let help = "A system's name, kind and whether it is required; value 1";
    let mut m = enc.encode_descriptor("emcd_system_info", help, None, MetricType::Gauge)?;
    for a in &config.agencies {
        for s in &a.systems {
            let labels = [
                ("agency", a.id.as_str()),
                ("system", s.id.as_str()),
                ("name", s.name.as_str()),
                ("kind", s.kind.as_str()),
                ("required", if s.required { "true" } else { "false" }),
            ];
            m.encode_family(&labels)?.encode_gauge(&1i64)?;
        }
    }
    Ok(())
}
