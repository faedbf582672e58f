//! The SQL of the writer: one batch of results (with delivery outcomes) in one
//! transaction, the per-minute rowid marks, and check registration. Called only by the
//! writer task (`writer.rs`) and, for registration, at start before the task exists.

use std::collections::HashMap;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor};

use super::alerts::{self, DeliveryUpdate, Notification};
use super::write_types::{Changes, CheckReg, Job, ResultRow};
use super::StoreError;
use super::{checks, connection, incidents, indicators, page_loads, retention, rollups};

/// Rows per multi-row INSERT statement (5 parameters each).
const ROWS_PER_INSERT: usize = 100;

/// What one transaction of the writer commits.
pub(super) struct Work<'a> {
    pub results: &'a [ResultRow],
    pub updates: &'a [DeliveryUpdate],
    pub changes: &'a [Changes],
}

/// Commits `work` in one transaction; returns the notifications its alert changes
/// created. On error nothing of it is stored and the marks are as before; the caller
/// must reset the connection (see `writer.rs`), since SQLite may have rolled back on
/// its own.
pub(super) async fn commit(
    conn: &mut SqliteConnection,
    work: Work<'_>,
    marks: &mut Marks,
) -> Result<Vec<Notification>, sqlx::Error> {
    let mut new_marks = Vec::new();
    let result = write(conn, work, marks, &mut new_marks).await;
    if result.is_err() {
        marks.rollback(&new_marks);
    }
    result
}

async fn write(
    conn: &mut SqliteConnection,
    work: Work<'_>,
    marks: &mut Marks,
    new_marks: &mut Vec<(i64, i64)>,
) -> Result<Vec<Notification>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    alerts::apply_updates(&mut tx, work.updates).await?;
    for chunk in work.results.chunks(ROWS_PER_INSERT) {
        let mut q = sqlx::query(insert_sql(chunk.len()));
        for r in chunk {
            q = q
                .bind(r.check_id)
                .bind(r.ts)
                .bind(r.code)
                .bind(r.duration_ms)
                .bind(r.message.as_deref())
                .bind(r.vantage.as_deref());
        }
        let last = tx.execute(q).await?.last_insert_rowid();
        let first = last - chunk.len() as i64 + 1;
        for (i, r) in chunk.iter().enumerate() {
            if let Some(m) = marks.observe(r.ts.div_euclid(60)) {
                new_marks.push((m, first + i as i64));
            }
        }
    }
    for (minute, rowid) in new_marks.iter() {
        sqlx::query("INSERT OR IGNORE INTO result_marks (minute, first_rowid) VALUES (?, ?)")
            .bind(minute)
            .bind(rowid)
            .execute(&mut *tx)
            .await?;
    }
    let mut created = Vec::new();
    for c in work.changes {
        if let Some(i) = c.incident {
            incidents::write(&mut tx, i).await?;
        }
        if let Some((check_id, at)) = c.cert_expiry {
            checks::write_cert_expiry(&mut tx, check_id, at).await?;
        }
        created.extend(alerts::write_alerts(&mut tx, &c.alerts).await?);
        connection::write(&mut tx, &c.connection).await?;
        if let Some(p) = &c.page {
            page_loads::write(&mut tx, p).await?;
        }
    }
    tx.commit().await?;
    Ok(created)
}

/// The SQL of a multi-row insert of `n` (1..=100) rows, built once per process.
fn insert_sql(n: usize) -> &'static str {
    fn build(n: usize) -> String {
        let mut s = String::from(
            "INSERT INTO results (check_id, ts, code, duration_ms, message, vantage) VALUES ",
        );
        for i in 0..n {
            s.push_str(if i == 0 {
                "(?,?,?,?,?,?)"
            } else {
                ",(?,?,?,?,?,?)"
            });
        }
        s
    }
    static ALL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    &ALL.get_or_init(|| (0..=ROWS_PER_INSERT).map(build).collect())[n]
}

/// Runs a housekeeping job on the writer's connection.
pub(super) async fn job(conn: &mut SqliteConnection, job: Job) -> Result<(), sqlx::Error> {
    match job {
        Job::Rollups {
            grain,
            rows,
            job,
            cursor,
        } => {
            rollups::insert_rollups(conn, grain, &rows).await?;
            rollups::set_cursor(conn, job, cursor).await
        }
        Job::Retention(cutoffs) => retention::run(conn, cutoffs).await,
        Job::Indicators(rows) => {
            let mut tx = conn.begin().await?;
            indicators::write(&mut tx, &rows).await?;
            tx.commit().await
        }
        Job::Maintenance(change) => {
            let mut tx = conn.begin().await?;
            super::maintenance::write(&mut tx, &change).await?;
            tx.commit().await
        }
    }
}

/// Tracks the newest minute that has a mark, so each minute is marked once.
pub struct Marks {
    last: i64,
}

impl Marks {
    pub(super) async fn load(conn: &mut SqliteConnection) -> Marks {
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
