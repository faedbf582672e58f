//! `emcd run`: wires config, store, prober, scheduler, recorder and server together,
//! and shuts them down in order (stop scheduling, let in-flight probes finish within the
//! grace, flush the store, stop serving).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{CheckKind, Config};
use crate::fleet::{CheckRuntime, Fleet, FleetHandle};
use crate::metrics::Metrics;
use crate::probe::Prober;
use crate::recorder::Recorder;
use crate::scheduler::{self, Entry};
use crate::server::{self, AppState};
use crate::store::{writer, Store};

/// Results that may wait for the writer before recorders block (backpressure).
const WRITER_QUEUE: usize = 65_536;

/// Runs the daemon until `shutdown` is cancelled. Returns once results are flushed.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let (_store, mut conn) = Store::open(&config.storage.path).await?;
    let checks: Vec<(String, &'static str)> = config
        .checks()
        .map(|(_, _, c)| (c.full_id.to_string(), c.kind.name()))
        .collect();
    let ids = writer::register(&mut conn, &checks)
        .await
        .context("registering checks in the database")?;
    let fleet = FleetHandle::new(Fleet::build(config.clone(), &ids));
    let metrics = Arc::new(Metrics::new(fleet.clone()));
    let (writer, writer_task) = writer::spawn(conn, metrics.writer.clone(), WRITER_QUEUE);
    let prober = Arc::new(Prober::new(&config.probing.user_agent, &[]).context("setting up probes")?);
    let recorder = Recorder::new(writer);

    let app = Arc::new(AppState {
        fleet: fleet.clone(),
        metrics: metrics.clone(),
        ready: false.into(),
    });
    tracing::info!(
        listen = %listener.local_addr()?,
        checks = checks.len(),
        database = %config.storage.path.display(),
        "emcd started"
    );
    let server = tokio::spawn(server::serve(listener, app.clone(), shutdown.clone()));

    let current = fleet.current();
    let probed: Vec<Arc<CheckRuntime>> = current
        .checks
        .iter()
        .filter(|c| !matches!(c.config.kind, CheckKind::Push(_)))
        .cloned()
        .collect();
    let entries = probed
        .iter()
        .map(|c| Entry {
            key: c.id.0.clone(),
            interval: c.config.policy.interval,
        })
        .collect();
    app.ready.store(true, Ordering::Release);
    let in_flight = metrics.probes_in_flight.clone();
    scheduler::run(
        entries,
        Instant::now(),
        config.probing.max_in_flight,
        metrics.scheduler_lag.clone(),
        shutdown.clone(),
        move |i, due| {
            let check = probed[i].clone();
            let prober = prober.clone();
            let recorder = recorder.clone();
            let in_flight = in_flight.clone();
            Some(async move { probe_and_record(&check, due, &prober, &recorder, &in_flight).await })
        },
    )
    .await;
    app.ready.store(false, Ordering::Release);
    tracing::info!("scheduler stopped; flushing results");
    writer_task.await.context("the store writer panicked")?;
    server.await.context("the HTTP server panicked")?;
    tracing::info!("emcd stopped");
    Ok(())
}

async fn probe_and_record(
    check: &CheckRuntime,
    due: Instant,
    prober: &Prober,
    recorder: &Recorder,
    in_flight: &prometheus_client::metrics::gauge::Gauge,
) {
    let policy = &check.config.policy;
    let recorded = if Instant::now() > due + policy.timeout {
        // So late that the probe could not finish within its own deadline: emcd, not
        // the endpoint, is the problem, and that must not count against the agency.
        recorder.unknown(check, "emcd overloaded: probe started after its deadline").await
    } else {
        in_flight.inc();
        let outcome = prober.run(&check.config.kind, policy).await;
        in_flight.dec();
        match outcome {
            Some(outcome) => recorder.outcome(check, outcome).await,
            None => return, // push checks are never scheduled
        }
    };
    if let Err(e) = recorded {
        tracing::error!(check = %check.id, error = %e, "result lost");
    }
}
