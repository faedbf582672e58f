//! `emcd run`: wires config, store, prober, scheduler, recorder, reloader and server
//! together, and shuts them down in order (stop scheduling, let in-flight probes finish
//! within the grace, flush the store, stop serving).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::alert::sender::{self, Dispatcher};
use crate::alert::senders::Senders;
use crate::api::AppState;
use crate::cluster::Cluster;
use crate::config::{CheckKind, Config};
use crate::fleet::{CheckRuntime, Fleet, FleetHandle};
use crate::metrics::Metrics;
use crate::probe::Prober;
use crate::recorder::Recorder;
use crate::reload::{self, Reloader};
use crate::role::Role;
use crate::scheduler;
use crate::server;
use crate::store::{writer, Store};
use crate::util::{deadline, too_silent, unix_now};
use crate::vantage::Vantage;

/// Results that may wait for the writer before recorders block (backpressure).
const WRITER_QUEUE: usize = 65_536;

/// Knobs of `run` that are not in the config file.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Extra trusted root certificates for probes and deliveries (the demo's own CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Cancelled once the daemon is ready (store open, scheduler running): lets an
    /// embedding caller (the demo) know when to print its URLs.
    pub ready: Option<CancellationToken>,
    /// Run on a database that fails `PRAGMA quick_check` instead of refusing it.
    pub ignore_corruption: bool,
    /// `--node`: this node's id in a cluster (default: the host name).
    pub node: Option<String>,
}

/// Runs the daemon until `shutdown` is cancelled. Returns once results are flushed.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    run_with(config, listener, shutdown, Options::default()).await
}

/// [`run`] with extra options.
pub async fn run_with(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
    options: Options,
) -> anyhow::Result<()> {
    let started_at = unix_now();
    let config_path: PathBuf = config.source.clone();
    // Agencies past their valid_to are neither probed nor required (docs/configuration.md).
    let config = Arc::new(config.live_at(started_at));
    let location = crate::store::location(&config.storage).map_err(anyhow::Error::msg)?;
    // One daemon per SQLite file: the lock comes before anything touches the file.
    let db_lock = match &location {
        crate::store::Location::Sqlite(path) => Some(crate::store::lock::acquire(path)?),
        crate::store::Location::Postgres(_) => None,
    };
    let Some((store, mut conn)) =
        Store::open_patiently(&location, !options.ignore_corruption, &shutdown).await?
    else {
        tracing::info!("stopped before the database could be reached");
        return Ok(());
    };
    let ids = conn
        .register(&reload::check_list(&config))
        .await
        .context("registering checks in the database")?;
    conn.agencies(&reload::agency_list(&config), started_at)
        .await
        .context("writing the agencies in the database")?;
    let fleet = Fleet::build(config.clone(), &ids);
    let replayed = crate::recorder::restore(&fleet, &store, unix_now())
        .await
        .context("reading recent results")?;
    tracing::info!(
        checks = replayed,
        "live state restored from the last hour of results"
    );
    let store = Arc::new(store);
    let fleet = FleetHandle::new(fleet);
    let metrics = Arc::new(Metrics::new(fleet.clone()));
    metrics.reload_successful.set(1);
    metrics.reload_success_timestamp.set(started_at);
    if let Err(e) = metrics.indicators.refresh(&store).await {
        tracing::warn!(error = %e, "reading the pushed indicators for /metrics");
    }
    let store_health = Arc::new(writer::StoreHealth::default());
    let dispatcher = Arc::new(Dispatcher::default());
    let notify = {
        let dispatcher = dispatcher.clone();
        writer::Notify(Arc::new(move |created| dispatcher.dispatch(created)))
    };
    let (writer, writer_task) = writer::spawn_with(
        conn,
        metrics.writer.clone(),
        writer::Settings {
            max_held: config.storage.max_held_results,
            reopen: Some(store.reopen()),
            health: store_health.clone(),
            notify: Some(notify),
            ..writer::Settings::new(WRITER_QUEUE)
        },
    );
    let prober = Prober::of_probing(&config.probing, &options.extra_roots);
    let prober = Arc::new(prober.context("setting up probes")?);
    let vantage = Vantage::new(&config.cluster.vantage);
    let sender_ctx = sender::Ctx {
        fleet: fleet.clone(),
        clients: Arc::new(
            crate::alert::client::Clients::new(&config.probing.user_agent, &options.extra_roots)
                .map_err(anyhow::Error::msg)
                .context("setting up alert deliveries")?,
        ),
        writer: writer.clone(),
        metrics: metrics.clone(),
    };
    let senders = Arc::new(Senders::new(sender_ctx, dispatcher, shutdown.clone()));
    let node = options.node.clone().unwrap_or_else(crate::util::host_name);
    let role = if store.shared() {
        Role::new(&node, &config.cluster.vantage)
    } else {
        Role::single(&node, &config.cluster.vantage)
    };
    let recorder = Recorder::new(writer.clone(), fleet.clone(), vantage.clone(), role.clone());
    // Ad-hoc maintenance declared before this start still holds.
    let adhoc = store
        .maintenance_windows(unix_now())
        .await
        .context("reading the ad-hoc maintenance windows")?;
    recorder.adhoc().set(adhoc);
    let cluster = Cluster {
        store: store.clone(),
        role: role.clone(),
        fleet: fleet.clone(),
        recorder: recorder.clone(),
        senders: senders.clone(),
        metrics: metrics.clone(),
        vantage: vantage.clone(),
        lease: config.cluster.lease,
        impaired: Default::default(),
    };
    // A cluster's heartbeats and lease; a lone SQLite node leads alone.
    let cluster = cluster.start(shutdown.clone()).await?;
    let canaries = crate::canary::CanaryJob {
        prober: prober.clone(),
        vantage: vantage.clone(),
        fleet: fleet.clone(),
        metrics: metrics.clone(),
        store: store.clone(),
        recorder: recorder.clone(),
    };
    let canaries = tokio::spawn(canaries.run(shutdown.clone()));
    let periodic = tokio::spawn(recorder.clone().run_periodic(shutdown.clone()));
    let housekeeping_writer = writer.clone();
    let indicators_writer = writer.clone();

    let (schedule_tx, schedule_rx) = mpsc::channel(4);
    let (reloader, reload_handle, reload_requests) = Reloader::new(
        config_path,
        fleet.clone(),
        writer,
        recorder.clone(),
        metrics.clone(),
        schedule_tx,
        senders.clone(),
    );
    let reloader = reloader.in_cluster(store.shared().then(|| role.clone()));
    let app = Arc::new(AppState {
        fleet: fleet.clone(),
        metrics: metrics.clone(),
        store,
        recorder: recorder.clone(),
        writer: indicators_writer,
        reload: reload_handle,
        push_gate: Default::default(),
        ready: false.into(),
        store_health,
        vantage: vantage.clone(),
        role: role.clone(),
        last_month: Default::default(),
    });
    let tls = server::Tls::of(&fleet)?;
    tracing::info!(
        listen = %listener.local_addr()?,
        scheme = if tls.is_some() { "https" } else { "http" },
        checks = ids.len(),
        database = %app.store.path().display(),
        "emcd started"
    );
    let server = tokio::spawn(server::serve(
        listener,
        app.clone(),
        server::Limits::of(&config.server),
        tls,
        shutdown.clone(),
    ));
    let housekeeping = tokio::spawn(crate::housekeeping::run(
        crate::housekeeping::Housekeeper {
            store: app.store.clone(),
            writer: housekeeping_writer,
            fleet: fleet.clone(),
            metrics: metrics.clone(),
            role: role.clone(),
        },
        shutdown.clone(),
    ));
    let reload_task = tokio::spawn(reload::run(reloader, reload_requests, shutdown.clone()));

    app.ready.store(true, Ordering::Release);
    if let Some(ready) = &options.ready {
        ready.cancel();
    }
    let in_flight = metrics.probes_in_flight.clone();
    // Probes still running a second before the scheduler's shutdown grace ends are
    // recorded as `unknown` / `vantage` rather than dropped (docs/results.md).
    let cut_off = CancellationToken::new();
    let cut_off_timer = tokio::spawn({
        let (shutdown, cut_off) = (shutdown.clone(), cut_off.clone());
        async move {
            shutdown.cancelled().await;
            tokio::time::sleep(
                scheduler::SHUTDOWN_GRACE.saturating_sub(std::time::Duration::from_secs(1)),
            )
            .await;
            cut_off.cancel();
        }
    });
    let launch_fleet = fleet.clone();
    let launch_role = role.clone();
    // The scheduler runs as a task on the runtime's workers, like the probes it starts:
    // awaited in place it would run on the thread that called `block_on`, and every
    // probe it hands over would wake a worker thread from there.
    let scheduler = tokio::spawn(scheduler::run(
        reload::entries(&fleet.current()),
        Instant::now(),
        config.probing.max_in_flight,
        metrics.scheduler_lag.clone(),
        schedule_rx,
        shutdown.clone(),
        move |entry, due| {
            let fleet = launch_fleet.current();
            let check = fleet.get_str(&entry.key)?.clone();
            // In a cluster, one live node of each of its vantages probes a check.
            if !launch_role.probes(&check, &fleet.config.vantages) {
                return None;
            }
            let prober = prober.clone();
            let recorder = recorder.clone();
            let in_flight = in_flight.clone();
            let cut_off = cut_off.clone();
            Some(async move {
                let recorded = match &check.config.kind {
                    CheckKind::Push(push) => {
                        watch_silence(&check, push.max_silence, started_at, &recorder).await
                    }
                    _ => {
                        probe_and_record(&check, due, &prober, &recorder, &in_flight, &cut_off)
                            .await
                    }
                };
                if let Err(e) = recorded {
                    tracing::error!(check = %check.id, error = %e, "result lost");
                }
            })
        },
    ));
    scheduler.await.context("the scheduler panicked")?;
    cut_off_timer.abort();
    app.ready.store(false, Ordering::Release);
    tracing::info!("scheduler stopped; flushing results");
    reload_task.await.context("the reload task panicked")?;
    housekeeping
        .await
        .context("the housekeeping task panicked")?;
    periodic
        .await
        .context("the periodic alerts task panicked")?;
    canaries.await.context("the canary task panicked")?;
    if let Some(cluster) = cluster {
        cluster.await.context("the cluster task panicked")?;
    }
    senders.tasks.close();
    if tokio::time::timeout(scheduler::SHUTDOWN_GRACE, senders.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("notification senders did not stop in time");
    }
    // The writer stops once every handle is gone: the senders' is the last one.
    drop(senders);
    drop(app);
    let report = writer_task.await.context("the store writer panicked")?;
    server.await.context("the HTTP server panicked")?;
    drop(db_lock);
    if report.unstored > 0 {
        anyhow::bail!(
            "{} not stored: the store could not commit ({}); emcd stopped without them",
            crate::util::plural_of(report.unstored, "result was", "results were"),
            report.last_error.as_deref().unwrap_or("unknown error")
        );
    }
    if report.lost > 0 {
        tracing::warn!(
            lost = report.lost,
            "emcd stopped; results were lost while the store failed"
        );
    } else {
        tracing::info!("emcd stopped");
    }
    Ok(())
}

async fn probe_and_record(
    check: &CheckRuntime,
    due: Instant,
    prober: &Prober,
    recorder: &Recorder,
    in_flight: &prometheus_client::metrics::gauge::Gauge,
    cut_off: &CancellationToken,
) -> Result<(), writer::WriterGone> {
    let policy = &check.config.policy;
    if Instant::now() > deadline(due, policy.timeout) {
        // So late that the probe could not finish within its own deadline: emcd, not
        // the endpoint, is the problem, and that must not count against the agency.
        return recorder
            .unknown(check, "emcd overloaded: probe started after its deadline")
            .await;
    }
    in_flight.inc();
    let outcome = tokio::select! {
        outcome = prober.run(&check.config.kind, policy) => outcome,
        _ = cut_off.cancelled() => {
            in_flight.dec();
            let why = "cut off by shutdown: the probe was still running when the grace period ended";
            return recorder.unknown(check, why).await;
        }
    };
    in_flight.dec();
    match outcome {
        Some(outcome) => recorder.outcome(check, outcome).await,
        None => Ok(()),
    }
}

/// A push check's round: `down` (timeout) once `max_silence` has passed without a
/// push, counting from the daemon's start for a check that never pushed.
async fn watch_silence(
    check: &CheckRuntime,
    max_silence: std::time::Duration,
    started_at: i64,
    recorder: &Recorder,
) -> Result<(), writer::WriterGone> {
    let last = check.live().last_push_at.unwrap_or(started_at);
    if too_silent(unix_now(), last, max_silence) {
        recorder.silence(check, max_silence).await
    } else {
        Ok(())
    }
}
