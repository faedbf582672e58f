//! Every metric emcd exposes (docs/metrics.md), in one place. Per-check and per-system series are
//! encoded at scrape time from the live fleet, not mirrored into a second registry: the
//! per-check families (most of the page) by `page`, a direct writer, the per-system and
//! per-agency ones by a custom prometheus-client collector. Process-level metrics are
//! ordinary prometheus-client metrics.

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::fleet::FleetHandle;
use crate::store::writer::WriterMetrics;

mod collector;
mod encode;
pub mod indicators;
mod page;

pub use encode::CHUNK;

use collector::{DurationCollector, FleetCollector};

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
    /// Indicator pushes by result: accepted, unauthorized, disabled, unknown_agency,
    /// bad_request, rate_limited.
    indicator_pushes: Family<[(&'static str, &'static str); 1], Counter>,
    /// Each system's indicators of the latest month it pushed, for the leader's page.
    pub indicators: Arc<indicators::Table>,
    /// HTTP connections open now, and those closed at once for `server.max_connections`.
    pub http_connections_open: Gauge,
    pub http_connections_rejected: Counter,
    /// 1 if the canary answered in the last round, else 0; by vantage and canary.
    canary_success: Family<[(&'static str, String); 2], Gauge>,
    /// 1 while the vantage is impaired (at least half its canaries failing).
    vantage_impaired: Family<[(&'static str, String); 1], Gauge>,
    /// 1 while this node leads the cluster (a single node always does).
    pub cluster_leader: Gauge,
    /// Live nodes by vantage.
    pub cluster_nodes: Family<[(&'static str, String); 1], Gauge>,
    /// Checks this node probes (its share of its vantage's checks).
    pub cluster_checks_assigned: Gauge,
    registry: Registry,
    /// The per-system and per-agency families, encoded after the per-check ones.
    fleet_registry: Registry,
    /// The per-system probe durations (every node's own).
    durations_registry: Registry,
    /// Read at each scrape for the per-check families.
    fleet: FleetHandle,
    /// The per-check families' label sets for the config generation last scraped.
    fixed: std::sync::Mutex<Option<Arc<page::Fixed>>>,
}

impl Metrics {
    pub fn new(fleet: FleetHandle) -> Metrics {
        let scheduler_lag = Histogram::new([
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]);
        let probes_in_flight = Gauge::default();
        let writer = WriterMetrics::new();
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
            "Results recorded but not yet committed (queued, or held while the store fails)",
            writer.pending.clone(),
        );
        registry.register(
            "emcd_store_failing",
            "1 while the store cannot commit results (they are held in memory)",
            writer.failing.clone(),
        );
        registry.register(
            "emcd_store_commit_failures",
            "Failed commit attempts of the store writer",
            writer.commit_failures.clone(),
        );
        registry.register(
            "emcd_store_results_lost",
            "Results dropped because the store could not commit and the held queue was full",
            writer.lost.clone(),
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
        let indicator_pushes = Family::default();
        registry.register(
            "emcd_indicator_pushes",
            "Indicator pushes (POST /api/v1/indicators/{agency}) by result",
            Family::clone(&indicator_pushes),
        );
        let (http_connections_open, http_connections_rejected) = Default::default();
        registry.register(
            "emcd_http_connections_open",
            "HTTP connections open now",
            Gauge::clone(&http_connections_open),
        );
        registry.register(
            "emcd_http_connections_rejected",
            "HTTP connections closed at once because server.max_connections were open",
            Counter::clone(&http_connections_rejected),
        );
        let (canary_success, vantage_impaired) = (Family::default(), Family::default());
        registry.register(
            "emcd_canary_success",
            "1 if the vantage's canary answered in the last round",
            Family::clone(&canary_success),
        );
        registry.register(
            "emcd_vantage_impaired",
            "1 while at least half of the vantage's canaries fail (its results are unknown)",
            Family::clone(&vantage_impaired),
        );
        let (cluster_leader, cluster_nodes, cluster_checks_assigned) = Default::default();
        registry.register(
            "emcd_cluster_leader",
            "1 while this node leads the cluster (takes verdicts, delivers, runs housekeeping)",
            Gauge::clone(&cluster_leader),
        );
        registry.register(
            "emcd_cluster_nodes",
            "Live nodes of the cluster by vantage",
            Family::clone(&cluster_nodes),
        );
        registry.register(
            "emcd_cluster_checks_assigned",
            "Checks this node probes",
            Gauge::clone(&cluster_checks_assigned),
        );
        let availability = crate::sla::availability::Table::default();
        let mut fleet_registry = Registry::default();
        fleet_registry.register_collector(Box::new(FleetCollector {
            fleet: fleet.clone(),
        }));
        let indicators = Arc::<indicators::Table>::default();
        fleet_registry.register_collector(Box::new(indicators::IndicatorCollector {
            table: indicators.clone(),
            fleet: fleet.clone(),
        }));
        let mut durations_registry = Registry::default();
        durations_registry.register_collector(Box::new(DurationCollector {
            fleet: fleet.clone(),
        }));
        Metrics {
            scheduler_lag,
            probes_in_flight,
            writer,
            reload_successful,
            reload_success_timestamp,
            push_requests,
            indicator_pushes,
            indicators,
            http_connections_open,
            http_connections_rejected,
            canary_success,
            vantage_impaired,
            cluster_leader,
            cluster_nodes,
            cluster_checks_assigned,
            notifications_total,
            notification_queue_depth,
            housekeeping_last_success,
            availability,
            registry,
            fleet_registry,
            durations_registry,
            fleet,
            fixed: Default::default(),
        }
    }

    /// Counts one push request by its result label.
    pub fn push_request(&self, result: &'static str) {
        self.push_requests
            .get_or_create(&[("result", result)])
            .inc();
    }

    /// Counts one indicator push by its result label.
    pub fn indicator_push(&self, result: &'static str) {
        self.indicator_pushes
            .get_or_create(&[("result", result)])
            .inc();
    }

    /// Sets a canary's last answer.
    pub fn canary(&self, vantage: &str, canary: &str, ok: bool) {
        let labels = [
            ("vantage", vantage.to_owned()),
            ("canary", canary.to_owned()),
        ];
        self.canary_success
            .get_or_create(&labels)
            .set(i64::from(ok));
    }

    /// Sets whether the vantage is impaired.
    pub fn vantage_impaired(&self, vantage: &str, impaired: bool) {
        let labels = [("vantage", vantage.to_owned())];
        self.vantage_impaired
            .get_or_create(&labels)
            .set(i64::from(impaired));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
