//! `VantageImpaired` of the other vantages (docs/alerts.md, docs/cluster.md): each node's
//! heartbeat says since when its canaries find its vantage impaired; the leader, which
//! alone decides alerts, fires one `VantageImpaired` for a vantage while a live node of
//! it says so, and resolves it when none does (or none is left). Its own vantage is its
//! canary job's.

use std::collections::BTreeMap;

use super::Cluster;
use crate::alert_vocab::{AlertName, Firing};
use crate::store::cluster::LiveNode;
use crate::util::{rfc3339, unix_now};

impl Cluster {
    /// The other vantages' `VantageImpaired` firing in the store: what a new leader
    /// starts from.
    pub(super) async fn restore_impaired(&self) {
        let firing = match self.store.alerts(true).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "reading the other vantages' VantageImpaired");
                return;
            }
        };
        let restored: BTreeMap<String, Firing> = firing
            .iter()
            .filter(|r| r.alertname == AlertName::VantageImpaired.as_str())
            .filter(|r| !r.vantage.is_empty() && r.vantage != self.vantage.id)
            .map(|r| {
                let f = Firing {
                    starts_at: r.starts_at,
                    last_notified_at: r.last_notified_at,
                };
                (r.vantage.clone(), f)
            })
            .collect();
        *self.impaired.lock().unwrap_or_else(|p| p.into_inner()) = restored;
    }

    /// Decides `VantageImpaired` for every vantage but this node's from the live nodes'
    /// heartbeats, and queues the changes (the leader only).
    pub(super) async fn others_impaired(&self, nodes: &[LiveNode]) {
        let config = self.fleet.current().config.clone();
        let now = unix_now();
        let writes = {
            let mut slots = self.impaired.lock().unwrap_or_else(|p| p.into_inner());
            // Every vantage with a live node or a firing alert, and who says it is impaired.
            let mut said: BTreeMap<String, Option<(&str, i64)>> =
                slots.keys().map(|v| (v.clone(), None)).collect();
            for n in nodes.iter().filter(|n| n.vantage != self.vantage.id) {
                let entry = said.entry(n.vantage.clone()).or_default();
                if let (None, Some(since)) = (*entry, n.impaired_since) {
                    *entry = Some((n.node.as_str(), since));
                }
            }
            let mut writes = Vec::new();
            for (vantage, by) in said {
                let summary = match by {
                    Some((node, since)) => format!(
                        "vantage {vantage} is impaired: the canaries of its node {node} fail since {}",
                        rfc3339(since)
                    ),
                    None => format!("vantage {vantage} is no longer impaired"),
                };
                let before = slots.get(&vantage).copied();
                let (after, w) = crate::canary::impaired_alert(
                    &config,
                    &vantage,
                    before,
                    by.is_some(),
                    summary,
                    now,
                );
                match after {
                    Some(f) => slots.insert(vantage, f),
                    None => slots.remove(&vantage),
                };
                writes.extend(w);
            }
            writes
        };
        if !writes.is_empty() {
            // The writer stops only at shutdown; a failed send means we are stopping.
            let _ = self.recorder.alerts(writes).await;
        }
    }
}
