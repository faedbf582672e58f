//! The writer task's loop (see `writer.rs` for the contract): gathers messages into the
//! held queue, commits when a batch is due, and on a failed commit resets the
//! connection, keeps the batch and retries with backoff while still taking results.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::alerts::DeliveryUpdate;
use super::batch;
use super::write_types::{
    Changes, Held, Lost, Msg, Settings, WriterMetrics, WriterReport, MAX_BATCH, MAX_DELAY,
};
use super::writer_conn::EngineState;
use super::{StoreError, WriterConn};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Repeated failures and losses are logged at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);

struct Writer {
    /// `None` after a failed commit until a fresh connection is opened.
    conn: Option<WriterConn>,
    /// SQLite's minute marks or PostgreSQL's partitions, kept across connections.
    engine: EngineState,
    held: Held,
    updates: Vec<DeliveryUpdate>,
    /// Incidents, certificate expiries and alert changes, committed with the next batch.
    /// Never dropped while the store fails (they are few; results are the bulk).
    changes: Vec<Changes>,
    /// When the oldest uncommitted message arrived.
    first_buffered: Option<Instant>,
    metrics: WriterMetrics,
    settings: Settings,
    failure: Option<Failure>,
    lost: Lost,
}

/// The store is failing: since when, why, and when to try again.
struct Failure {
    since: chrono::DateTime<chrono::Utc>,
    error: String,
    attempts: u64,
    retry_at: Instant,
    backoff: Duration,
    logged_at: Instant,
}

pub(super) async fn run(
    mut conn: WriterConn,
    mut rx: mpsc::Receiver<Msg>,
    metrics: WriterMetrics,
    settings: Settings,
) -> WriterReport {
    let engine = conn.state().await;
    let mut w = Writer {
        conn: Some(conn),
        engine,
        held: Held {
            rows: VecDeque::new(),
            max: settings.max_held,
        },
        updates: Vec::new(),
        changes: Vec::new(),
        first_buffered: None,
        metrics,
        settings,
        failure: None,
        lost: Lost::default(),
    };
    let mut msgs = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = match w.next_commit() {
            None => rx.recv_many(&mut msgs, MAX_BATCH).await,
            Some(at) => tokio::select! {
                n = rx.recv_many(&mut msgs, MAX_BATCH) => n,
                _ = tokio::time::sleep_until(at.into()) => usize::MAX,
            },
        };
        if received == 0 {
            break;
        }
        for msg in msgs.drain(..) {
            w.handle(msg).await;
        }
        if w.due() {
            w.flush().await;
        }
    }
    w.finish().await
}

impl Writer {
    /// When the buffered messages must be committed (or retried); `None` if nothing is.
    fn next_commit(&self) -> Option<Instant> {
        match &self.failure {
            Some(f) => Some(f.retry_at),
            None => self.first_buffered.map(|t| t + MAX_DELAY),
        }
    }

    fn due(&self) -> bool {
        let now = Instant::now();
        match &self.failure {
            Some(f) => now >= f.retry_at,
            None => {
                self.held.rows.len() >= MAX_BATCH
                    || self.first_buffered.is_some_and(|t| now >= t + MAX_DELAY)
            }
        }
    }

    async fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Result(row, changes) => {
                self.first_buffered.get_or_insert_with(Instant::now);
                let dropped = self.held.push(row);
                if dropped > 0 {
                    self.lose(dropped as u64);
                }
                if let Some(c) = changes {
                    self.changes.push(*c);
                }
            }
            Msg::Changes(c) => {
                self.first_buffered.get_or_insert_with(Instant::now);
                self.changes.push(*c);
            }
            Msg::Delivery(update) => {
                // Committed at once, not with the next batch: a delivered notification
                // whose state is not yet stored would be sent again by a next leader
                // (docs/cluster.md), so that window is kept as short as a commit.
                let due = Instant::now()
                    .checked_sub(MAX_DELAY)
                    .unwrap_or_else(Instant::now);
                self.first_buffered = Some(due.min(self.first_buffered.unwrap_or(due)));
                self.updates.push(update);
            }
            // Each of these commits what came before it first, so results, ids and
            // alert changes stay in one order; while the store fails they fail at once.
            Msg::Register { checks, reply } => {
                let r = match self.ready_for_work().await {
                    Ok(()) => {
                        let conn = self
                            .conn
                            .as_mut()
                            .expect("ready_for_work leaves a connection");
                        conn.register(&checks).await
                    }
                    Err(e) => Err(e),
                };
                let _ = reply.send(self.after_work(r).await);
            }
            Msg::Agencies {
                agencies,
                now,
                reply,
            } => {
                let r = match self.ready_for_work().await {
                    Ok(()) => {
                        let conn = self
                            .conn
                            .as_mut()
                            .expect("ready_for_work leaves a connection");
                        conn.agencies(&agencies, now).await
                    }
                    Err(e) => Err(e),
                };
                let _ = reply.send(self.after_work(r).await);
            }
            Msg::Job { job, reply } => {
                let r = match self.ready_for_work().await {
                    Ok(()) => {
                        let conn = self
                            .conn
                            .as_mut()
                            .expect("ready_for_work leaves a connection");
                        conn.job(job, &mut self.engine)
                            .await
                            .map_err(StoreError::from)
                    }
                    Err(e) => Err(e),
                };
                let _ = reply.send(self.after_work(r).await);
            }
        }
    }

    /// Commits everything buffered and makes sure there is a connection, or says why not.
    async fn ready_for_work(&mut self) -> Result<(), StoreError> {
        if let Some(f) = &self.failure {
            if Instant::now() < f.retry_at {
                return Err(StoreError::Unavailable(f.error.clone()));
            }
        }
        if !self.flush().await {
            let why = self.failure.as_ref().map(|f| f.error.clone());
            return Err(StoreError::Unavailable(why.unwrap_or_default()));
        }
        if self.conn.is_none() {
            match self.open().await {
                Ok(conn) => self.conn = Some(conn),
                Err(e) => {
                    return Err(StoreError::Unavailable(format!(
                        "reopening the database: {e}"
                    )))
                }
            }
        }
        Ok(())
    }

    /// A failed piece of work may have left a transaction open: reset the connection.
    async fn after_work<T>(&mut self, r: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &r {
            if !matches!(e, StoreError::Unavailable(_)) {
                tracing::warn!(error = %e, "store work failed; resetting the connection");
                self.reset().await;
            }
        }
        r
    }

    /// Commits held results (in batches), delivery updates and changes (with the first
    /// batch), then hands the notifications created to `notify`. Returns whether all of
    /// it is committed; on failure the rest stays held and a retry is scheduled.
    async fn flush(&mut self) -> bool {
        while !self.held.rows.is_empty() || !self.updates.is_empty() || !self.changes.is_empty() {
            if self.conn.is_none() {
                match self.open().await {
                    Ok(conn) => self.conn = Some(conn),
                    Err(e) => {
                        self.fail(format!("reopening the database: {e}"));
                        return false;
                    }
                }
            }
            let conn = self.conn.as_mut().expect("opened above");
            let n = self.held.rows.len().min(MAX_BATCH);
            let rows = &self.held.rows.make_contiguous()[..n];
            let started = Instant::now();
            let work = batch::Work {
                results: rows,
                updates: &self.updates,
                changes: &self.changes,
            };
            match conn.commit(work, &mut self.engine).await {
                Ok(created) => {
                    self.metrics
                        .write_duration
                        .observe(started.elapsed().as_secs_f64());
                    self.held.rows.drain(..n);
                    self.updates.clear();
                    self.changes.clear();
                    if let (Some(notify), false) = (&self.settings.notify, created.is_empty()) {
                        (notify.0)(created);
                    }
                    self.metrics.pending.dec_by(n as i64);
                    if self.failure.is_some() && self.held.rows.is_empty() {
                        self.recovered();
                    }
                }
                Err(e) => {
                    self.reset().await;
                    self.fail(e.to_string());
                    return false;
                }
            }
        }
        self.first_buffered = None;
        if self.failure.is_some() {
            self.recovered();
        }
        true
    }

    async fn open(&self) -> Result<WriterConn, sqlx::Error> {
        match &self.settings.reopen {
            Some(reopen) => reopen.open().await,
            None => Err(sqlx::Error::PoolClosed),
        }
    }

    /// Rolls back for real: a fresh connection (SQLite may have rolled back by itself
    /// after SQLITE_FULL or an I/O error, leaving sqlx's transaction state behind).
    async fn reset(&mut self) {
        if self.settings.reopen.is_none() {
            if let Some(conn) = self.conn.as_mut() {
                conn.rollback().await;
            }
            return;
        }
        if let Some(conn) = self.conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.close()).await;
        }
    }

    fn fail(&mut self, error: String) {
        self.metrics.commit_failures.inc();
        self.metrics.failing.set(1);
        let now = Instant::now();
        let held = self.held.rows.len();
        match &mut self.failure {
            None => {
                tracing::error!(error = %error, held, "the store cannot commit; holding results and retrying");
                self.failure = Some(Failure {
                    since: chrono::Utc::now(),
                    error,
                    attempts: 1,
                    retry_at: now + FIRST_BACKOFF,
                    backoff: FIRST_BACKOFF,
                    logged_at: now,
                });
            }
            Some(f) => {
                f.attempts += 1;
                f.backoff = (f.backoff * 2).min(MAX_BACKOFF);
                f.retry_at = now + f.backoff;
                f.error = error;
                if now.duration_since(f.logged_at) >= LOG_EVERY {
                    f.logged_at = now;
                    tracing::error!(error = %f.error, held, attempts = f.attempts, since = %f.since.to_rfc3339(), "the store still cannot commit");
                }
            }
        }
        let f = self.failure.as_ref().expect("set above");
        self.settings.health.set(Some(format!(
            "the store cannot commit since {}: {} ({} results held, at most {})",
            crate::util::rfc3339(f.since.timestamp()),
            f.error,
            held,
            self.held.max
        )));
    }

    fn recovered(&mut self) {
        if let Some(f) = self.failure.take() {
            tracing::info!(attempts = f.attempts, since = %f.since.to_rfc3339(), "the store commits again; every held result is stored");
        }
        self.metrics.failing.set(0);
        self.settings.health.set(None);
    }

    fn lose(&mut self, n: u64) {
        self.metrics.lost.inc_by(n);
        self.metrics.pending.dec_by(n as i64);
        self.lost.add(n, self.held.max, LOG_EVERY);
    }

    /// Every sender is gone: commit what is held, retrying within the grace.
    async fn finish(mut self) -> WriterReport {
        let deadline = Instant::now() + self.settings.shutdown_grace;
        loop {
            if let Some(f) = &self.failure {
                let wake = f.retry_at.min(deadline);
                tokio::time::sleep_until(wake.into()).await;
            }
            if self.flush().await || Instant::now() >= deadline {
                break;
            }
        }
        let unstored = self.held.rows.len();
        let alerts: usize = self.changes.iter().map(|c| c.alerts.len()).sum();
        if alerts > 0 {
            tracing::error!(
                alerts,
                "alert changes not stored at shutdown: the store cannot commit"
            );
        }
        if unstored > 0 {
            tracing::error!(
                unstored,
                error = self.failure.as_ref().map(|f| f.error.as_str()),
                "results not stored at shutdown: the store cannot commit"
            );
        }
        let unlogged = self.lost.take_unlogged();
        if unlogged > 0 {
            tracing::error!(
                lost = unlogged,
                lost_total = self.lost.total,
                "results lost"
            );
        }
        if let Some(conn) = self.conn.take() {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "closing the database");
            }
        }
        WriterReport {
            unstored,
            lost: self.lost.total,
            last_error: self.failure.map(|f| f.error),
        }
    }
}
