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
use crate::config::{self, Config, ConfigErrors};
use crate::fleet::{Diff, Fleet, FleetHandle};
use crate::metrics::Metrics;
use crate::recorder::Recorder;
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
        };
        (reloader, ReloadHandle(tx), rx)
    }

    /// Loads, validates and applies the config file.
    pub async fn reload(&self) -> Result<Diff, ReloadError> {
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || config::load(&path))
            .await
            .map_err(|e| ReloadError::Failed(e.to_string()))?;
        let mut new = match loaded {
            Ok(new) => new,
            Err(errors) => {
                self.metrics.reload_successful.set(0);
                for e in &errors.0 {
                    tracing::error!(error = %e, "config reload rejected");
                }
                return Err(ReloadError::Invalid(errors));
            }
        };
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
        let (fleet, diff) = Fleet::rebuild(Arc::new(new), &ids, Some(&old));
        let entries = entries(&fleet);
        let resolved = crate::alert::removed::resolve_removed(&old, &fleet, unix_now());
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
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
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
