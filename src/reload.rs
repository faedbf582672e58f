//! Config reload (docs/configuration.md) on SIGHUP and `POST /-/reload`. The new config is parsed
//! and validated completely first; a bad one leaves the running one untouched. A good
//! one is applied as a difference: the fleet is rebuilt carrying over the live state of
//! unchanged checks, the scheduler gets the new entry list (unchanged checks keep their
//! due times), new checks get store ids. Removed checks' series leave `/metrics` with
//! the old fleet; their history stays in the database.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::alert::senders::Senders;
use crate::config::{self, Config, ConfigErrors, ServerTls};
use crate::fleet::{Diff, Fleet, FleetHandle};
use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::role::Role;
use crate::scheduler::Entry;
use crate::store::writer::{CheckReg, WriterHandle};
use crate::util::unix_now;

/// Why a reload did not apply.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("the new config is invalid:\n{0}")]
    Invalid(ConfigErrors),
    #[error("reload failed: {0}")]
    Failed(String),
    /// A cluster's leader adopts a new config once every live node runs it
    /// (docs/cluster.md): the nodes that do not yet.
    #[error(
        "the new config {digest} is adopted when every live node runs it; waiting for {}",
        nodes.join(", ")
    )]
    Waiting { digest: String, nodes: Vec<String> },
}

type Request_ = oneshot::Sender<Result<Diff, ReloadError>>;

/// Asks the reload task for a reload and waits for its answer.
#[derive(Clone, Debug)]
pub struct ReloadHandle(mpsc::Sender<Request_>);

impl ReloadHandle {
    pub async fn reload(&self) -> Result<Diff, ReloadError> {
        let gone = || ReloadError::Failed("emcd is shutting down".into());
        let (tx, rx) = oneshot::channel();
        self.0.send(tx).await.map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// Owns what a reload changes.
pub struct Reloader {
    path: PathBuf,
    fleet: FleetHandle,
    writer: WriterHandle,
    /// Queues the resolutions of the alerts of what a reload removed.
    recorder: Recorder,
    metrics: Arc<Metrics>,
    schedule: mpsc::Sender<Vec<Entry>>,
    senders: Arc<Senders>,
    /// In a cluster: this node's role, and a new config the leader holds back until
    /// every live node runs it.
    cluster: Option<Arc<Role>>,
    pending: std::sync::Mutex<Option<Config>>,
}

/// The scheduler's view of a fleet: every check, push checks included (their round
/// checks for silence).
pub fn entries(fleet: &Fleet) -> Vec<Entry> {
    fleet
        .checks
        .iter()
        .map(|c| Entry {
            key: c.id.0.clone(),
            interval: c.config.policy.interval,
        })
        .collect()
}

/// Every check, as the store registers them.
pub fn check_list(config: &Config) -> Vec<CheckReg> {
    config
        .checks()
        .map(|(_, _, c)| {
            CheckReg::new(
                c.full_id.as_str(),
                c.kind.name(),
                crate::util::secs_i64(c.policy.interval),
            )
        })
        .collect()
}

/// Every agency of the config, running or retired, as the store keeps them.
pub fn agency_list(config: &Config) -> Vec<crate::store::agencies::AgencyReg> {
    let reg = |a: &config::Agency, live: bool| crate::store::agencies::AgencyReg {
        id: a.id.clone(),
        code: a.code.clone(),
        name: a.name.clone(),
        kind: a.kind.as_str().to_owned(),
        league: a.kind.league().to_owned(),
        valid_from: a.lifecycle.valid_from.map(|d| d.at),
        valid_to: a.lifecycle.valid_to.map(|d| d.at),
        successor: a.lifecycle.successor.clone(),
        live,
    };
    let live = config.agencies.iter().map(|a| reg(a, true));
    live.chain(config.retired.iter().map(|a| reg(a, false)))
        .collect()
}

impl Reloader {
    pub fn new(
        path: PathBuf,
        fleet: FleetHandle,
        writer: WriterHandle,
        recorder: Recorder,
        metrics: Arc<Metrics>,
        schedule: mpsc::Sender<Vec<Entry>>,
        senders: Arc<Senders>,
    ) -> (Reloader, ReloadHandle, mpsc::Receiver<Request_>) {
        let (tx, rx) = mpsc::channel(8);
        let reloader = Reloader {
            path,
            fleet,
            writer,
            recorder,
            metrics,
            schedule,
            senders,
            cluster: None,
            pending: Default::default(),
        };
        (reloader, ReloadHandle(tx), rx)
    }

    /// In a cluster, a leader adopts a new config only once every live node runs it.
    pub fn in_cluster(mut self, role: Option<Arc<Role>>) -> Reloader {
        self.cluster = role;
        self
    }

    /// Applies the config the leader held back once every live node runs it (or once
    /// this node no longer leads).
    pub async fn adopt_pending(&self) {
        let ready = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let waiting = match (&*pending, &self.cluster) {
                (Some(new), Some(role)) if role.is_leader() => {
                    !role.without(&new.digest).is_empty()
                }
                _ => false,
            };
            if waiting {
                None
            } else {
                pending.take()
            }
        };
        if let Some(new) = ready {
            tracing::info!(digest = %new.digest, "every live node runs the new config; adopting it");
            let _ = self.apply(new).await;
        }
    }

    /// Loads, validates and applies the config file (a cluster's leader: once every live
    /// node runs it).
    pub async fn reload(&self) -> Result<Diff, ReloadError> {
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || config::load(&path))
            .await
            .map_err(|e| ReloadError::Failed(e.to_string()))?;
        let new = match loaded {
            Ok(new) => new,
            Err(errors) => {
                self.metrics.reload_successful.set(0);
                for e in &errors.0 {
                    tracing::error!(error = %e, "config reload rejected");
                }
                return Err(ReloadError::Invalid(errors));
            }
        };
        if let Some(role) = self.cluster.as_ref().filter(|r| r.is_leader()) {
            let nodes = role.without(&new.digest);
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            if nodes.is_empty() {
                *pending = None;
            } else {
                let digest = new.digest.clone();
                tracing::info!(digest, waiting_for = ?nodes, "the new config is adopted when every live node runs it");
                *pending = Some(new);
                return Err(ReloadError::Waiting { digest, nodes });
            }
        }
        self.apply(new).await
    }

    /// Once an agency the daemon runs reaches its `valid_to`, applies the same config
    /// again without it: its checks stop and their alerts resolve (docs/configuration.md,
    /// "Lifecycle"). Checked every second.
    pub async fn retire_due(&self) {
        let now = unix_now();
        let current = self.fleet.current();
        if current.config.retires_by(now) {
            let config = (*current.config).clone();
            drop(current);
            tracing::info!("an agency reached its valid_to: it is no longer probed");
            let _ = self.apply(config).await;
        }
    }

    /// Applies a valid new config.
    async fn apply(&self, new: Config) -> Result<Diff, ReloadError> {
        // Agencies past their valid_to are neither probed nor required.
        let mut new = new.live_at(unix_now());
        let old = self.fleet.current();
        // A node's vantage (`--vantage`, docs/cluster.md) is fixed for its run.
        if new.cluster.vantage != old.config.cluster.vantage {
            tracing::warn!(
                vantage = %old.config.cluster.vantage,
                "a node keeps its vantage until it restarts; cluster.vantage changed in the file"
            );
            new.cluster.vantage = old.config.cluster.vantage.clone();
        }
        let (n, o) = (&new.server, &old.config.server);
        if new.storage.path != old.config.storage.path
            || n.listen != o.listen
            || (n.max_connections, n.header_timeout, n.idle_timeout)
                != (o.max_connections, o.header_timeout, o.idle_timeout)
        {
            tracing::warn!(
                "storage.path, server.listen and the server's connection limits take effect \
                 at the next restart"
            );
        }
        let ids = self.writer.register(check_list(&new)).await.map_err(|e| {
            self.metrics.reload_successful.set(0);
            ReloadError::Failed(e.to_string())
        })?;
        self.writer
            .agencies(agency_list(&new), unix_now())
            .await
            .map_err(|e| {
                self.metrics.reload_successful.set(0);
                ReloadError::Failed(e.to_string())
            })?;
        let (fleet, diff) = Fleet::rebuild(Arc::new(new), &ids, Some(&old));
        let entries = entries(&fleet);
        let resolved = crate::alert::removed::resolve_removed(&old, &fleet, unix_now());
        listener_tls(&fleet.config.server.tls, &old.config.server.tls);
        self.fleet.replace(fleet);
        self.senders.top_up();
        if !resolved.is_empty() {
            tracing::info!(
                alerts = resolved.len(),
                "resolving the alerts of removed checks and systems"
            );
            // The writer stops only at shutdown; a failed send means we are stopping.
            let _ = self.recorder.alerts(resolved).await;
        }
        // The scheduler ends only at shutdown; a failed send means we are stopping.
        let _ = self.schedule.send(entries).await;
        self.metrics.reload_successful.set(1);
        self.metrics.reload_success_timestamp.set(unix_now());
        tracing::info!(
            added = diff.added,
            removed = diff.removed,
            changed = diff.changed,
            unchanged = diff.unchanged,
            "config reloaded"
        );
        Ok(diff)
    }
}

/// Says what a reload does to the listener's certificate: the server (server/tls.rs)
/// gives new connections the certificate of the config in force.
fn listener_tls(new: &Option<ServerTls>, old: &Option<ServerTls>) {
    match (new, old) {
        (Some(ServerTls(new)), Some(ServerTls(old))) if new != old => tracing::info!(
            cert_file = %new.cert_file.display(),
            not_after = %expiry(&new.chain),
            "server.tls: new connections get the certificate just read"
        ),
        (Some(_), None) | (None, Some(_)) => tracing::warn!(
            "server.tls turns HTTPS on or off at the next restart; until then the listener \
             keeps its scheme (and its last certificate)"
        ),
        _ => {}
    }
}

/// When a chain's first certificate expires (RFC 3339), for the log.
pub fn expiry(chain: &[rustls::pki_types::CertificateDer<'_>]) -> String {
    let at = chain.first().and_then(|c| crate::probe::not_after(c));
    at.map_or_else(|| "unknown".to_owned(), crate::util::rfc3339)
}

/// Serves reload requests from SIGHUP and the HTTP handler until shutdown.
pub async fn run(
    reloader: Reloader,
    mut requests: mpsc::Receiver<Request_>,
    shutdown: CancellationToken,
) {
    let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; reload with POST /-/reload");
            None
        }
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                reloader.adopt_pending().await;
                reloader.retire_due().await;
            }
            Some(reply) = requests.recv() => {
                let _ = reply.send(reloader.reload().await);
            }
            Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => {
                tracing::info!("SIGHUP: reloading the config");
                let _ = reloader.reload().await;
            }
        }
    }
}
