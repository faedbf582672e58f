//! The indicators agencies push, on `/metrics` (`emcd_indicator_*`, docs/metrics.md):
//! per system of the config, the values of the latest month it pushed, so each system
//! has one series per family whatever the number of months stored. Read from a table
//! the daemon refreshes from the store (at start, after each push this node takes, and
//! at each rollup pass), never from the store at scrape time. Leader only, with the
//! other agency families.

use std::sync::{Arc, RwLock};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;

use crate::fleet::FleetHandle;
use crate::store::indicators::{Counters, IndicatorPush};
use crate::store::{Store, StoreError};

/// Each system's current push of its latest month, as last read from the store.
#[derive(Debug, Default)]
pub struct Table(RwLock<Arc<Vec<IndicatorPush>>>);

impl Table {
    /// Reads the table again from the store.
    pub async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        let rows = store.indicators_latest().await?;
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(rows);
        Ok(())
    }

    fn rows(&self) -> Arc<Vec<IndicatorPush>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Encodes the table's rows of the systems in the running config.
#[derive(Debug)]
pub(super) struct IndicatorCollector {
    pub(super) table: Arc<Table>,
    pub(super) fleet: FleetHandle,
}

type Value = fn(&IndicatorPush, chrono_tz::Tz) -> f64;

fn count(f: fn(&Counters) -> i64) -> impl Fn(&IndicatorPush) -> f64 {
    move |r| f(&r.counters) as f64
}

impl Collector for IndicatorCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let fleet = self.fleet.current();
        let config = &fleet.config;
        let rows = self.table.rows();
        let known = |r: &&IndicatorPush| {
            config
                .agencies
                .iter()
                .any(|a| a.id == r.agency && a.systems.iter().any(|s| s.id == r.system))
        };
        let rows: Vec<&IndicatorPush> = rows.iter().filter(known).collect();
        let families: [(&str, &str, Value); 8] = [
            (
                "emcd_indicator_month_timestamp_seconds",
                "Start of the month (in sla.timezone) the system's emcd_indicator_* values are of: the latest month it pushed",
                |r, tz| crate::sla::time::month(tz, &r.month).map_or(0.0, |m| m.0 as f64),
            ),
            (
                "emcd_indicator_last_push_timestamp_seconds",
                "Unix time the values of that month were pushed (its latest push)",
                |r, _| r.pushed_at as f64,
            ),
            (
                "emcd_indicator_dossiers_received",
                "Dossiers received in the month, as pushed by the agency",
                |r, _| count(|c| c.received)(r),
            ),
            (
                "emcd_indicator_dossiers_resolved_on_time",
                "Dossiers resolved within their deadline in the month",
                |r, _| count(|c| c.resolved_on_time)(r),
            ),
            (
                "emcd_indicator_dossiers_resolved_late",
                "Dossiers resolved after their deadline in the month",
                |r, _| count(|c| c.resolved_late)(r),
            ),
            (
                "emcd_indicator_dossiers_submitted_online",
                "Dossiers submitted online in the month",
                |r, _| count(|c| c.submitted_online)(r),
            ),
            (
                "emcd_indicator_dossiers_paid_online",
                "Dossiers whose fees were paid online in the month",
                |r, _| count(|c| c.paid_online)(r),
            ),
            (
                "emcd_indicator_satisfaction_ratio",
                "The month's satisfaction score as pushed (0 to 100), divided by 100",
                |r, _| r.counters.satisfaction / 100.0,
            ),
        ];
        let tz = config.sla.timezone;
        for (name, help, value) in families {
            let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for r in &rows {
                let labels = [("agency", r.agency.as_str()), ("system", r.system.as_str())];
                m.encode_family(&labels)?.encode_gauge(&value(r, tz))?;
            }
        }
        Ok(())
    }
}
