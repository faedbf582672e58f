//! The single writer: owns the only read-write connection, receives results over a
//! bounded channel and commits them in batches (at most 1 s after the first buffered
//! result, or 1000 results, whichever comes first). A failed commit is retried with the
//! batch kept, never dropped; the bounded channel then pushes back on the recorders.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor};
use tokio::sync::{mpsc, oneshot};

use super::alerts::{self, AlertWrite, DeliveryUpdate, Notification};
use super::StoreError;

/// Largest batch committed in one transaction.
pub const MAX_BATCH: usize = 1000;
/// Longest a result waits in memory before its batch is committed.
pub const MAX_DELAY: Duration = Duration::from_secs(1);
/// Rows per multi-row INSERT statement (5 parameters each).
const ROWS_PER_INSERT: usize = 100;

/// Work run on the writer's connection between batches (housekeeping writes). It gets
/// the connection for its duration; keep it short, since results wait meanwhile.
pub type Job = Box<
    dyn for<'c> FnOnce(
            &'c mut SqliteConnection,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>,
        > + Send,
>;

/// A check as the store registers it.
#[derive(Clone, Debug)]
pub struct CheckReg {
    pub full_id: String,
    /// http, tcp or push.
    pub kind: &'static str,
    /// For time-weighted rollups.
    pub interval_s: i64,
}

impl CheckReg {
    pub fn new(full_id: impl Into<String>, kind: &'static str, interval_s: i64) -> CheckReg {
        CheckReg {
            full_id: full_id.into(),
            kind,
            interval_s,
        }
    }
}

/// One result row, ready to store.
#[derive(Clone, Debug)]
pub struct ResultRow {
    pub check_id: i64,
    /// Unix seconds.
    pub ts: i64,
    /// Packed by [`super::pack`].
    pub code: i64,
    pub duration_ms: i64,
    pub message: Option<Box<str>>,
}

enum Msg {
    Result(ResultRow),
    Alerts {
        writes: Vec<AlertWrite>,
        reply: oneshot::Sender<Result<Vec<Notification>, StoreError>>,
    },
    Delivery(DeliveryUpdate),
    Job {
        job: Job,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Register {
        checks: Vec<CheckReg>,
        reply: oneshot::Sender<Result<HashMap<String, i64>, StoreError>>,
    },
}

/// What the writer reports to `/metrics`.
#[derive(Clone, Debug)]
pub struct WriterMetrics {
    /// Results sent but not yet committed.
    pub pending: Gauge,
    /// Duration of one batch commit.
    pub write_duration: Histogram,
}

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
    /// results queued before them); returns the notifications created.
    pub async fn alerts(&self, writes: Vec<AlertWrite>) -> Result<Vec<Notification>, StoreError> {
        let (reply, rx) = oneshot::channel();
        let gone = || StoreError::Query(sqlx::Error::PoolClosed);
        self.tx
            .send(Msg::Alerts { writes, reply })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Runs `job` on the writer's connection after the results queued before it.
    pub async fn job(&self, job: Job) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        let gone = || StoreError::Query(sqlx::Error::PoolClosed);
        self.tx
            .send(Msg::Job { job, reply })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
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
        let (reply, rx) = oneshot::channel();
        let gone = || StoreError::Query(sqlx::Error::PoolClosed);
        self.tx
            .send(Msg::Register { checks, reply })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// Starts the writer task on `conn`. The task ends once every handle is dropped and
/// the last batch is committed; await the returned join handle to know it flushed.
pub fn spawn(
    conn: SqliteConnection,
    metrics: WriterMetrics,
    capacity: usize,
) -> (WriterHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(capacity);
    let handle = WriterHandle {
        tx,
        pending: metrics.pending.clone(),
    };
    let task = tokio::spawn(run(conn, rx, metrics));
    (handle, task)
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Msg>, metrics: WriterMetrics) {
    let mut batch = Batch::default();
    let mut marks = Marks::load(&mut conn).await;
    let mut msgs = Vec::with_capacity(MAX_BATCH);
    loop {
        // Wait for the first message, then gather until the batch is full or 1 s passed.
        if rx.recv_many(&mut msgs, MAX_BATCH).await == 0 {
            break;
        }
        let deadline = tokio::time::Instant::now() + MAX_DELAY;
        let mut open = true;
        loop {
            for msg in msgs.drain(..) {
                match msg {
                    Msg::Result(row) => batch.results.push(row),
                    Msg::Delivery(update) => batch.updates.push(update),
                    Msg::Register { checks, reply } => {
                        // Commit first so ids and results stay in one order.
                        commit_until_done(&mut conn, &mut batch, &mut marks, &metrics).await;
                        let _ = reply.send(register(&mut conn, &checks).await);
                    }
                    Msg::Job { job, reply } => {
                        commit_until_done(&mut conn, &mut batch, &mut marks, &metrics).await;
                        let _ = reply.send(job(&mut conn).await.map_err(StoreError::from));
                    }
                    Msg::Alerts { writes, reply } => {
                        // The results that led to these transitions are stored first.
                        commit_until_done(&mut conn, &mut batch, &mut marks, &metrics).await;
                        let _ = reply.send(
                            alerts::commit_alerts(&mut conn, &writes)
                                .await
                                .map_err(StoreError::from),
                        );
                    }
                }
            }
            if batch.results.len() >= MAX_BATCH || !open {
                break;
            }
            tokio::select! {
                n = rx.recv_many(&mut msgs, MAX_BATCH.saturating_sub(batch.results.len()).max(1)) => open = n > 0,
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        commit_until_done(&mut conn, &mut batch, &mut marks, &metrics).await;
        if !open {
            break;
        }
    }
    commit_until_done(&mut conn, &mut batch, &mut marks, &metrics).await;
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the database");
    }
}

/// What the next commit writes: results, and delivery outcomes of the outbox.
#[derive(Default)]
struct Batch {
    results: Vec<ResultRow>,
    updates: Vec<DeliveryUpdate>,
}

/// Retries a failing commit with backoff; results are never dropped.
async fn commit_until_done(
    conn: &mut SqliteConnection,
    batch: &mut Batch,
    marks: &mut Marks,
    metrics: &WriterMetrics,
) {
    let mut backoff = Duration::from_millis(100);
    while !batch.results.is_empty() || !batch.updates.is_empty() {
        let started = Instant::now();
        match commit(conn, batch, marks).await {
            Ok(()) => {
                metrics
                    .write_duration
                    .observe(started.elapsed().as_secs_f64());
                metrics.pending.dec_by(batch.results.len() as i64);
                batch.results.clear();
                batch.updates.clear();
            }
            Err(e) => {
                tracing::error!(error = %e, results = batch.results.len(), "committing results failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

async fn commit(
    conn: &mut SqliteConnection,
    batch: &Batch,
    marks: &mut Marks,
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    alerts::apply_updates(&mut tx, &batch.updates).await?;
    let mut new_marks = Vec::new();
    for chunk in batch.results.chunks(ROWS_PER_INSERT) {
        let mut q = sqlx::query(insert_sql(chunk.len()));
        for r in chunk {
            q = q
                .bind(r.check_id)
                .bind(r.ts)
                .bind(r.code)
                .bind(r.duration_ms)
                .bind(r.message.as_deref());
        }
        let last = tx.execute(q).await?.last_insert_rowid();
        let first = last - chunk.len() as i64 + 1;
        for (i, r) in chunk.iter().enumerate() {
            if let Some(m) = marks.observe(r.ts.div_euclid(60)) {
                new_marks.push((m, first + i as i64));
            }
        }
    }
    for (minute, rowid) in &new_marks {
        sqlx::query("INSERT OR IGNORE INTO result_marks (minute, first_rowid) VALUES (?, ?)")
            .bind(minute)
            .bind(rowid)
            .execute(&mut *tx)
            .await?;
    }
    let result = tx.commit().await;
    if result.is_err() {
        marks.rollback(&new_marks);
    }
    result
}

/// The SQL of a multi-row insert of `n` (1..=100) rows, built once per process.
fn insert_sql(n: usize) -> &'static str {
    fn build(n: usize) -> String {
        let mut s =
            String::from("INSERT INTO results (check_id, ts, code, duration_ms, message) VALUES ");
        for i in 0..n {
            s.push_str(if i == 0 {
                "(?,?,?,?,?)"
            } else {
                ",(?,?,?,?,?)"
            });
        }
        s
    }
    static ALL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    &ALL.get_or_init(|| (0..=ROWS_PER_INSERT).map(build).collect())[n]
}

/// Tracks the newest minute that has a mark, so each minute is marked once.
struct Marks {
    last: i64,
}

impl Marks {
    async fn load(conn: &mut SqliteConnection) -> Marks {
        let last: Option<i64> = sqlx::query_scalar("SELECT max(minute) FROM result_marks")
            .fetch_one(&mut *conn)
            .await
            .unwrap_or(None);
        Marks {
            last: last.unwrap_or(i64::MIN),
        }
    }

    /// Returns the minute if it is newer than every marked one.
    fn observe(&mut self, minute: i64) -> Option<i64> {
        (minute > self.last).then(|| {
            self.last = minute;
            minute
        })
    }

    fn rollback(&mut self, undone: &[(i64, i64)]) {
        if let Some(&(first, _)) = undone.first() {
            self.last = first - 1;
        }
    }
}

/// Inserts missing checks and returns the ids of all of them. Used directly at start,
/// before the writer task owns the connection, and by the writer afterwards.
pub async fn register(
    conn: &mut SqliteConnection,
    checks: &[CheckReg],
) -> Result<HashMap<String, i64>, StoreError> {
    let now = crate::util::unix_now();
    let mut tx = conn.begin().await?;
    let mut ids = HashMap::with_capacity(checks.len());
    // Many rows per statement: 100,000 checks are 1,000 statements, not 100,000.
    for chunk in checks.chunks(ROWS_PER_INSERT) {
        let mut q = sqlx::query_as::<_, (String, i64)>(register_sql(chunk.len()));
        for c in chunk {
            q = q
                .bind(&c.full_id)
                .bind(c.kind)
                .bind(now)
                .bind(now)
                .bind(c.interval_s);
        }
        ids.extend(q.fetch_all(&mut *tx).await?);
    }
    tx.commit().await?;
    Ok(ids)
}

/// The SQL of a multi-row upsert of `n` (1..=100) checks, built once per process.
fn register_sql(n: usize) -> &'static str {
    fn build(n: usize) -> String {
        let mut s = String::from(
            "INSERT INTO checks (full_id, kind, first_seen, last_seen, interval_s) VALUES ",
        );
        for i in 0..n {
            s.push_str(if i == 0 {
                "(?,?,?,?,?)"
            } else {
                ",(?,?,?,?,?)"
            });
        }
        s.push_str(
            " ON CONFLICT(full_id) DO UPDATE SET kind = excluded.kind, last_seen = excluded.last_seen, \
             interval_s = excluded.interval_s RETURNING full_id, id",
        );
        s
    }
    static ALL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    &ALL.get_or_init(|| (0..=ROWS_PER_INSERT).map(build).collect())[n]
}
