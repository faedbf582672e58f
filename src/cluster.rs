//! The cluster (docs/cluster.md): several `emcd run --node ID` on one PostgreSQL
//! database. Every `cluster.lease / 6` each node records its heartbeat, tries to take or
//! renew the leader's lease (valid for two thirds of `cluster.lease`, so that a dead
//! leader is replaced within `cluster.lease`), and reads the live nodes of its vantage, among which its
//! checks are split (`role::owner`). Every second it reads the results the other nodes
//! stored and applies them (the feed), so every node's live state, API and metrics
//! agree; only the leader takes verdicts, delivers the outbox and runs housekeeping.
//! A node that becomes the leader puts the committed alert state back into its fleet
//! and starts delivering the pending notifications; one that stops leading stops its
//! senders first. A single node on a SQLite file leads alone ([`lead_alone`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

mod impaired;

use crate::alert::senders::Senders;
use crate::fleet::FleetHandle;
use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::role::Role;
use crate::store::cluster::{Beat, LiveNode};
use crate::store::{Store, StoreError};
use crate::util::unix_now;
use crate::vantage::Vantage;

/// How far back the feed reads again each time: results are committed up to a second
/// after they are taken (the writer's batch), by several nodes. Each row is read about
/// this many times over; a result committed later (held while the database was away)
/// is stored all the same, and only missed by the other nodes' live state.
const FEED_OVERLAP: i64 = 3;

/// What the cluster job works with.
pub struct Cluster {
    pub store: Arc<Store>,
    pub role: Arc<Role>,
    pub fleet: FleetHandle,
    pub recorder: Recorder,
    pub senders: Arc<Senders>,
    pub metrics: Arc<Metrics>,
    /// This node's vantage, and whether its canaries say it is impaired.
    pub vantage: Arc<Vantage>,
    pub lease: Duration,
    /// The other vantages' `VantageImpaired` as the leader decided them last.
    pub impaired: std::sync::Mutex<BTreeMap<String, crate::alert_vocab::Firing>>,
}

/// A single node (SQLite): it leads from the start; the committed alert state is put
/// back and the pending notifications are delivered.
pub async fn lead_alone(
    store: &Store,
    fleet: &FleetHandle,
    senders: &Senders,
) -> Result<usize, StoreError> {
    take_over(store, fleet, senders).await
}

/// Puts the committed alert state into the fleet (every slot as the store says) and
/// starts delivering: what a new leader does first.
async fn take_over(
    store: &Store,
    fleet: &FleetHandle,
    senders: &Senders,
) -> Result<usize, StoreError> {
    let firing = store.alerts(true).await?;
    let pending = store.pending_notifications().await?;
    let delivered_firing = store.delivered_firing().await?;
    let fleet = fleet.current();
    for c in &fleet.checks {
        let mut live = c.live.lock().unwrap_or_else(|p| p.into_inner());
        live.alerts = Default::default();
    }
    for s in &fleet.systems {
        s.live.lock().unwrap_or_else(|p| p.into_inner()).alert = None;
    }
    let restored = crate::alert::restore(&fleet, &firing);
    tracing::info!(
        firing = restored,
        pending = pending.len(),
        "alert state taken over from the store"
    );
    senders.start(pending, delivered_firing);
    Ok(restored)
}

impl Cluster {
    /// The digest of the config this node runs now (a reload changes it).
    fn digest(&self) -> String {
        self.fleet.current().config.digest.clone()
    }

    /// How long a heartbeat and the leader's lease stay valid: two thirds of
    /// `cluster.lease`, renewed every sixth, so that a dead leader's lease has expired
    /// and another node has taken it within `cluster.lease` (docs/cluster.md).
    fn hold(&self) -> Duration {
        self.lease * 2 / 3
    }

    fn lease_s(&self) -> i64 {
        crate::util::secs_i64(self.hold()).max(1)
    }

    /// Starts the cluster's job on a shared store (PostgreSQL) once this node has joined;
    /// on a SQLite file the lone node leads from the start and no job runs.
    pub async fn start(
        self,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
        if !self.store.shared() {
            use anyhow::Context;
            lead_alone(&self.store, &self.fleet, &self.senders)
                .await
                .context("reading alert state and the outbox")?;
            self.metrics.cluster_leader.set(1);
            return Ok(None);
        }
        self.join().await?;
        tracing::info!(node = %self.role.node, vantage = %self.vantage.id, "joined the cluster");
        Ok(Some(tokio::spawn(self.run(shutdown))))
    }

    /// This node's heartbeat as the store records it.
    fn beat_row(&self) -> Beat<'_> {
        Beat {
            node: &self.role.node,
            instance: &self.role.instance,
            vantage: &self.vantage.id,
            digest: self.digest(),
            impaired_since: self.vantage.impaired_since(),
        }
    }

    /// Joins the cluster: refuses a node id that a live process holds.
    async fn join(&self) -> anyhow::Result<()> {
        let ok = self
            .store
            .heartbeat(&self.beat_row(), self.lease_s())
            .await?;
        anyhow::ensure!(
            ok,
            "node {:?} is already running on this database (its heartbeat is younger than cluster.lease {}): give this node another --node",
            self.role.node,
            humantime::format_duration(self.lease)
        );
        // Which vantages probe a check must be known before the first probe.
        let nodes = self.store.live_nodes(self.lease_s()).await?;
        self.membership(&nodes);
        Ok(())
    }

    /// Heartbeats, the lease and the feed until shutdown; then leaves the cluster (its
    /// lease, if it held it, is released at once).
    pub async fn run(self, shutdown: CancellationToken) {
        let beat = self.lease / 6;
        let mut next_beat = Instant::now();
        let mut lead_until: Option<Instant> = None;
        let mut watermark = unix_now() - FEED_OVERLAP;
        loop {
            if Instant::now() >= next_beat {
                next_beat = Instant::now() + beat;
                // A round that hangs (the database unreachable) must not keep the
                // leader from noticing that its lease is running out.
                match tokio::time::timeout(self.hold() / 2, self.beat(lead_until)).await {
                    Ok(until) => lead_until = until,
                    Err(_) => tracing::warn!(
                        "a cluster heartbeat round took longer than cluster.lease / 3"
                    ),
                }
            }
            // A leader that could not renew stops before its lease can pass to another.
            if lead_until.is_some_and(|t| Instant::now() >= t) {
                tracing::warn!(node = %self.role.node, "the lease could not be renewed in time; no longer leading");
                lead_until = None;
                self.demote();
            }
            if let Ok(w) = tokio::time::timeout(beat, self.feed(watermark)).await {
                watermark = w;
            }
            // The feed runs every second; a heartbeat round as often as it is due.
            let wait = next_beat.saturating_duration_since(Instant::now());
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(wait.min(Duration::from_secs(1))) => {}
            }
        }
        if self.role.is_leader() {
            self.demote();
        }
        if let Err(e) = self.store.leave(&self.role.node, &self.role.instance).await {
            tracing::warn!(error = %e, "leaving the cluster");
        }
    }

    /// One heartbeat round; returns until when this node may act as leader.
    async fn beat(&self, lead_until: Option<Instant>) -> Option<Instant> {
        let started = Instant::now();
        let lease_s = self.lease_s();
        let r = &self.role;
        match self.store.heartbeat(&self.beat_row(), lease_s).await {
            Ok(true) => {}
            Ok(false) => tracing::error!(node = %r.node, "another live process holds this node id"),
            Err(e) => tracing::warn!(error = %e, "cluster heartbeat failed"),
        }
        let nodes = match self.store.live_nodes(lease_s).await {
            Ok(nodes) => {
                self.membership(&nodes);
                self.agree(&nodes).await;
                Some(nodes)
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the cluster's nodes failed");
                None
            }
        };
        let term = match self.store.try_lead(&r.node, &r.instance, lease_s).await {
            Ok(term) => term,
            Err(e) => {
                tracing::warn!(error = %e, "taking or renewing the lease failed");
                return lead_until;
            }
        };
        match (term, r.is_leader()) {
            (Some(term), false) => {
                tracing::info!(node = %r.node, term, "leading the cluster");
                r.set_leader(true, term);
                self.metrics.cluster_leader.set(1);
                if let Err(e) = take_over(&self.store, &self.fleet, &self.senders).await {
                    tracing::error!(error = %e, "taking over the alert state failed; retrying at the next round");
                    self.demote();
                    return None;
                }
                self.restore_impaired().await;
            }
            (None, true) => {
                tracing::warn!(node = %r.node, "another node holds the lease; following");
                self.demote();
                return None;
            }
            _ => {}
        }
        if let (Some(_), Some(nodes)) = (term, &nodes) {
            self.others_impaired(nodes).await;
        }
        // Counted from before the renewal was asked: the lease may end that early.
        term.map(|_| started + self.hold().mul_f64(0.9))
    }

    /// Config agreement: a node whose config digest differs from the leader's is not
    /// ready (`/readyz` says which digests differ), and says so once per change.
    async fn agree(&self, nodes: &[LiveNode]) {
        let mine = self.digest();
        let leader = match self.store.leader().await {
            Ok(Some(l)) if l != self.role.node => l,
            _ => return self.role.set_unready(None),
        };
        let why = nodes
            .iter()
            .find(|n| n.node == leader)
            .filter(|n| n.digest != mine)
            .map(|LiveNode { node: n, digest: d, .. }| {
                format!(
                    "this node's config digest {mine} differs from the leader {n}'s {d}: give every node the same config files"
                )
            });
        if why != self.role.unready() {
            match &why {
                Some(w) => tracing::error!(node = %self.role.node, "{w}"),
                None => {
                    tracing::info!(node = %self.role.node, "the config agrees with the leader's")
                }
            }
        }
        self.role.set_unready(why);
    }

    fn demote(&self) {
        self.senders.stop();
        self.role.set_leader(false, 0);
        self.metrics.cluster_leader.set(0);
    }

    /// The live nodes: this vantage's share the checks; counts by vantage for metrics.
    fn membership(&self, nodes: &[LiveNode]) {
        let mut by_vantage: BTreeMap<&str, i64> = BTreeMap::new();
        for n in nodes {
            *by_vantage.entry(&n.vantage).or_default() += 1;
        }
        for (v, n) in &by_vantage {
            self.metrics
                .cluster_nodes
                .get_or_create(&[("vantage", (*v).to_owned())])
                .set(*n);
        }
        let digests = nodes
            .iter()
            .map(|n| (n.node.clone(), n.digest.clone()))
            .collect();
        self.role.set_digests(digests);
        let vantages = by_vantage.keys().map(|v| (*v).to_owned()).collect();
        if self.role.set_vantages(vantages) {
            tracing::info!(vantages = ?by_vantage.keys().collect::<Vec<_>>(), "the cluster's vantages changed");
        }
        let mine: Vec<String> = nodes
            .iter()
            .filter(|n| n.vantage == self.vantage.id)
            .map(|n| n.node.clone())
            .collect();
        if self.role.set_live(mine) {
            tracing::info!(vantage = %self.vantage.id, nodes = ?self.role.live(), "the vantage's nodes changed; checks are split again");
        }
        let fleet = self.fleet.current();
        let assigned = fleet
            .checks
            .iter()
            .filter(|c| self.role.probes(c, &fleet.config.vantages))
            .count();
        self.metrics.cluster_checks_assigned.set(assigned as i64);
    }

    /// Applies the results other nodes stored since `watermark - FEED_OVERLAP` that this
    /// node has not seen (per check and vantage, newer than its last result); returns
    /// the new watermark.
    async fn feed(&self, watermark: i64) -> i64 {
        let now = unix_now();
        let rows = match self.store.recent(watermark - FEED_OVERLAP, now).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "reading the cluster's results failed");
                return watermark;
            }
        };
        let fleet = self.fleet.current();
        let by_id: HashMap<i64, usize> = fleet
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.db_id, i))
            .collect();
        for (check_id, r) in &rows {
            let Some(&i) = by_id.get(check_id) else {
                continue;
            };
            if self.recorder.stored(&fleet.checks[i], r).await.is_err() {
                break;
            }
        }
        now
    }
}
