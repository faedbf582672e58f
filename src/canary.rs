//! The vantage's own reference targets (docs/alerts.md, "VantageImpaired"): every
//! `probing.canary_interval` each canary of `probing.canaries` is probed with the same
//! prober as the agencies' checks (never stored as an agency result). When at least half
//! fail in a round the vantage is impaired until a round where fewer than half fail:
//! meanwhile the recorder stores every result as `unknown` / `vantage`, and one
//! `VantageImpaired` alert fires instead of a storm of `CheckDown`.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::alert::evaluate::{write, Change, Subject};
use crate::alert::rules::{self, Policy as AlertPolicy};
use crate::alert_vocab::{AlertName, Firing};
use crate::config::{Canary, Policy};
use crate::fleet::FleetHandle;
use crate::metrics::Metrics;
use crate::probe::Prober;
use crate::recorder::Recorder;
use crate::store::alerts::AlertWrite;
use crate::store::Store;
use crate::util::{rfc3339, unix_now};
use crate::vantage::{impaired, Vantage};

/// What the canary job works with.
pub struct CanaryJob {
    pub prober: Arc<Prober>,
    pub vantage: Arc<Vantage>,
    pub fleet: FleetHandle,
    pub metrics: Arc<Metrics>,
    pub store: Arc<Store>,
    /// Queues the `VantageImpaired` changes, as it does every alert change.
    pub recorder: Recorder,
}

/// A canary probe's policy: a timeout of half the interval, at most 10 s.
fn policy(interval: Duration) -> Policy {
    let timeout = (interval / 2).min(Duration::from_secs(10));
    Policy {
        interval,
        timeout,
        failure_threshold: 1,
        success_threshold: 1,
        degraded_after: timeout,
        slo_availability: 100.0,
        cert_min_days: 0,
        vantages: Vec::new(),
        quorum: None,
    }
}

/// One round: whether each canary answered.
async fn round(
    prober: &Arc<Prober>,
    canaries: &[Canary],
    interval: Duration,
) -> Vec<(String, bool)> {
    let mut probes = JoinSet::new();
    for c in canaries {
        let (prober, c) = (prober.clone(), c.clone());
        probes.spawn(async move {
            let outcome = prober.run(&c.kind, &policy(interval)).await;
            let ok = outcome.is_some_and(|o| o.result.is_available());
            (c.id, ok)
        });
    }
    let mut out = Vec::with_capacity(canaries.len());
    while let Some(r) = probes.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out
}

impl CanaryJob {
    /// Probes the canaries every `probing.canary_interval` until shutdown.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut slot = self.restore().await;
        if let Some(f) = slot {
            self.vantage.set_impaired(Some(f.starts_at));
        }
        loop {
            let config = self.fleet.current().config.clone();
            let interval = config.probing.canary_interval;
            if !config.probing.canaries.is_empty() {
                let results = round(&self.prober, &config.probing.canaries, interval).await;
                slot = self.decide(slot, &results, &config).await;
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// A `VantageImpaired` still firing when emcd stopped, so a restart does not notify
    /// it again.
    async fn restore(&self) -> Option<Firing> {
        let rows = match self.store.alerts(true).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "reading firing alerts for the canaries");
                return None;
            }
        };
        rows.iter()
            .find(|r| {
                r.alertname == AlertName::VantageImpaired.as_str() && r.vantage == self.vantage.id
            })
            .map(|r| Firing {
                starts_at: r.starts_at,
                last_notified_at: r.last_notified_at,
            })
    }

    async fn decide(
        &self,
        before: Option<Firing>,
        results: &[(String, bool)],
        config: &crate::config::Config,
    ) -> Option<Firing> {
        let id = self.vantage.id.as_str();
        let failed = results.iter().filter(|(_, ok)| !ok).count();
        for (canary, ok) in results {
            self.metrics.canary(id, canary, *ok);
        }
        let holds = impaired(failed, results.len());
        let now = unix_now();
        match (holds, self.vantage.impaired_since()) {
            (true, None) => {
                let failing: Vec<&str> = results
                    .iter()
                    .filter(|r| !r.1)
                    .map(|r| r.0.as_str())
                    .collect();
                tracing::error!(vantage = id, failed, canaries = results.len(), failing = ?failing, "vantage impaired: results are recorded as unknown");
                self.vantage.set_impaired(Some(now));
            }
            (false, Some(since)) => {
                tracing::info!(vantage = id, since = %rfc3339(since), "vantage no longer impaired");
                self.vantage.set_impaired(None);
            }
            _ => {}
        }
        self.metrics.vantage_impaired(id, holds);
        let summary = format!(
            "vantage {id} is impaired: {failed} of {} canaries failing",
            results.len()
        );
        let (after, w) = impaired_alert(config, id, before, holds, summary, now);
        let Some(w) = w else {
            return after;
        };
        // The writer stops only at shutdown; a failed send means we are stopping.
        let _ = self.recorder.alerts(vec![w]).await;
        after
    }
}

/// The `VantageImpaired` decision for vantage `id` (docs/alerts.md) given whether it is
/// impaired now: the alert's slot after it, and the change to queue, if any. Used for
/// this node's vantage by its canaries, and by a cluster's leader for the others'.
pub fn impaired_alert(
    config: &crate::config::Config,
    id: &str,
    before: Option<Firing>,
    holds: bool,
    summary: String,
    now: i64,
) -> (Option<Firing>, Option<AlertWrite>) {
    let policy = AlertPolicy {
        repeat_interval: config.alerting.repeat_interval,
        in_maintenance: false,
    };
    let (after, action) = rules::decide(before, holds, now, policy);
    let Some(action) = action else {
        return (after, None);
    };
    let change = Change {
        name: AlertName::VantageImpaired,
        action,
        starts_at: after.or(before).map_or(now, |f| f.starts_at),
    };
    let w = write(
        config,
        Subject { agency: "", system: "", check: "", vantage: Some(id) },
        change,
        summary,
        format!(
            "At least half of the canaries of vantage {id} failed: emcd's own network is failing, so its results are recorded as unknown (never against an agency) until they pass again"
        ),
        None,
        now,
    );
    (after, Some(w))
}
