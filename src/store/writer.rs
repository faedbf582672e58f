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
use tokio::sync::{mpsc, oneshot};

use super::alerts::DeliveryUpdate;
use super::indicators::IndicatorPush;
use super::retention::Cutoffs;
use super::rollups::Grain;
use super::write_types::Msg;
use super::writer_loop;
use super::{StoreError, WriterConn};
use crate::sla::rollup::Rollup;

pub use super::batch::register;
pub use super::write_types::{
    Changes, CheckReg, ConnectionChange, Incident, Job, Notify, PageLoad, Reopen, ResultRow,
    Settings, StoreHealth, WriterMetrics, WriterReport, DEFAULT_MAX_HELD, MAX_BATCH, MAX_DELAY,
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
    /// Queues one result with what it changes (incident, certificate expiry, alerts),
    /// all committed in one transaction with the result's batch; the notifications of
    /// its alert changes go to [`Settings::notify`] once committed. Waits only when the
    /// writer is far behind (backpressure), never for the commit.
    pub async fn send(&self, row: ResultRow, changes: Changes) -> Result<(), WriterGone> {
        self.pending.inc();
        let changes = (!changes.is_empty()).then(|| Box::new(changes));
        self.tx.send(Msg::Result(row, changes)).await.map_err(|_| {
            self.pending.dec();
            WriterGone
        })
    }

    /// Queues changes that come with no result (alerts evaluated on a timer, or
    /// resolved by a reload); committed with the next batch, like a result's.
    pub async fn changes(&self, changes: Changes) -> Result<(), WriterGone> {
        if changes.is_empty() {
            return Ok(());
        }
        self.tx
            .send(Msg::Changes(Box::new(changes)))
            .await
            .map_err(|_| WriterGone)
    }

    /// Runs `job` on the writer's connection after the results queued before it.
    pub async fn job(&self, job: Job) -> Result<(), StoreError> {
        self.ask(|reply| Msg::Job { job, reply }).await
    }

    /// Writes rollup rows (replacing any of the same key: rebuilding is idempotent) and
    /// moves the job's cursor, in one transaction.
    pub async fn rollups(
        &self,
        grain: Grain,
        rows: Vec<(i64, i64, Rollup)>,
        job: &'static str,
        cursor: i64,
    ) -> Result<(), StoreError> {
        let job = Job::Rollups {
            grain,
            rows,
            job,
            cursor,
        };
        self.job(job).await
    }

    /// Deletes what is older than the cutoffs (docs/storage.md), returns the free pages
    /// to the file system, and records the job's success.
    pub async fn retention(&self, cutoffs: Cutoffs) -> Result<(), StoreError> {
        self.job(Job::Retention(cutoffs)).await
    }

    /// Appends pushed indicators in one transaction, after the results queued before
    /// them; returns once they are committed.
    pub async fn indicators(&self, rows: Vec<IndicatorPush>) -> Result<(), StoreError> {
        self.job(Job::Indicators(rows)).await
    }

    /// Declares or ends an ad-hoc maintenance window; returns once it is committed.
    pub async fn maintenance(&self, change: super::maintenance::Change) -> Result<(), StoreError> {
        self.job(Job::Maintenance(change)).await
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

    /// Writes every agency of the config at `now` (docs/storage.md, "Agencies"): those
    /// written before and now absent or past their `valid_to` are marked as left.
    pub async fn agencies(
        &self,
        agencies: Vec<super::agencies::AgencyReg>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.ask(|reply| Msg::Agencies {
            agencies,
            now,
            reply,
        })
        .await
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
    conn: impl Into<WriterConn>,
    metrics: WriterMetrics,
    capacity: usize,
) -> (WriterHandle, tokio::task::JoinHandle<WriterReport>) {
    spawn_with(conn, metrics, Settings::new(capacity))
}

/// Starts the writer task on `conn`. The task ends once every handle is dropped and
/// the last batch is committed (or shutdown's grace ran out); its report says what was
/// not stored.
pub fn spawn_with(
    conn: impl Into<WriterConn>,
    metrics: WriterMetrics,
    settings: Settings,
) -> (WriterHandle, tokio::task::JoinHandle<WriterReport>) {
    let (tx, rx) = mpsc::channel(settings.capacity);
    let handle = WriterHandle {
        tx,
        pending: metrics.pending.clone(),
    };
    let task = tokio::spawn(writer_loop::run(conn.into(), rx, metrics, settings));
    (handle, task)
}
