//! The single writer: owns the only read-write connection, receives results over a
//! bounded channel and commits them in batches (at most 1 s after the first buffered
//! result, or 1000 results, whichever comes first).
//!
//! Store failures (disk full, I/O errors) never lose a result silently (see
//! ARCHITECTURE.md, "When the store fails"): a failed commit is rolled back for real by
//! dropping the connection (SQLite may already have rolled back on its own, and sqlx's
//! idea of the open transaction with it), the batch stays at the front of the held
//! queue and is retried with backoff on a fresh connection. Meanwhile the writer keeps
//! taking results, so probing never stalls; past `max_held` the oldest held results are
//! dropped, counted in `emcd_store_results_lost_total` and logged. [`StoreHealth`] tells
//! `/readyz` why the store is failing.

use std::collections::HashMap;

use prometheus_client::metrics::gauge::Gauge;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::alerts::{AlertWrite, DeliveryUpdate, Notification};
use super::write_types::Msg;
use super::writer_loop;
use super::StoreError;

pub use super::batch::register;
pub use super::write_types::{
    CheckReg, Job, ResultRow, Settings, StoreHealth, WriterMetrics, WriterReport, DEFAULT_MAX_HELD,
    MAX_BATCH, MAX_DELAY,
};

/// Cheap to clone; every recorder holds one. Dropping the last handle lets the writer
/// flush what it has and stop.
#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<Msg>,
    pending: Gauge,
}

#[derive(Debug, thiserror::Error)]
#[error("the store writer has stopped")]
pub struct WriterGone;

impl WriterHandle {
    /// Queues one result. Waits only when the writer is far behind (backpressure).
    pub async fn send(&self, row: ResultRow) -> Result<(), WriterGone> {
        self.pending.inc();
        self.tx.send(Msg::Result(row)).await.map_err(|_| {
            self.pending.dec();
            WriterGone
        })
    }

    /// Commits alert transitions with their outbox rows in one transaction (after the
    /// results queued before them); returns the notifications created. Fails at once
    /// while the store cannot commit.
    pub async fn alerts(&self, writes: Vec<AlertWrite>) -> Result<Vec<Notification>, StoreError> {
        self.ask(|reply| Msg::Alerts { writes, reply }).await
    }

    /// Runs `job` on the writer's connection after the results queued before it.
    pub async fn job(&self, job: Job) -> Result<(), StoreError> {
        self.ask(|reply| Msg::Job { job, reply }).await
    }

    /// Queues a delivery outcome; it is committed with the next batch.
    pub async fn delivery(&self, update: DeliveryUpdate) -> Result<(), WriterGone> {
        self.tx
            .send(Msg::Delivery(update))
            .await
            .map_err(|_| WriterGone)
    }

    /// Makes sure every check has an integer id; returns full id -> id for all of them.
    pub async fn register(
        &self,
        checks: Vec<CheckReg>,
    ) -> Result<HashMap<String, i64>, StoreError> {
        self.ask(|reply| Msg::Register { checks, reply }).await
    }

    async fn ask<T>(
        &self,
        msg: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Msg,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        let gone = || StoreError::Query(sqlx::Error::PoolClosed);
        self.tx.send(msg(reply)).await.map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// Starts the writer task on `conn` with default settings.
pub fn spawn(
    conn: SqliteConnection,
    metrics: WriterMetrics,
    capacity: usize,
) -> (WriterHandle, tokio::task::JoinHandle<WriterReport>) {
    spawn_with(conn, metrics, Settings::new(capacity))
}

/// Starts the writer task on `conn`. The task ends once every handle is dropped and
/// the last batch is committed (or shutdown's grace ran out); its report says what was
/// not stored.
pub fn spawn_with(
    conn: SqliteConnection,
    metrics: WriterMetrics,
    settings: Settings,
) -> (WriterHandle, tokio::task::JoinHandle<WriterReport>) {
    let (tx, rx) = mpsc::channel(settings.capacity);
    let handle = WriterHandle {
        tx,
        pending: metrics.pending.clone(),
    };
    let task = tokio::spawn(writer_loop::run(conn, rx, metrics, settings));
    (handle, task)
}
