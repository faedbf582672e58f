//! The SQL of the writer on PostgreSQL: one batch (results, delivery outcomes and the
//! changes that came with them) in one transaction, the daily partitions of `results`,
//! check registration and the housekeeping jobs. Called only by the writer task.

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};

use crate::store::alerts::{apply_updates_pg, write_alerts_pg, Notification};
use crate::store::batch::Work;
use crate::store::rollups::insert_rollups_pg;
use crate::store::write_types::{CheckReg, Job};
use crate::store::{retention, StoreError};

const DAY: i64 = 86_400;

/// The days (unix seconds of 00:00 UTC) whose partition of `results` exists.
#[derive(Debug, Default)]
pub struct Partitions(HashSet<i64>);

impl Partitions {
    /// Reads the partitions that exist (their names say their day).
    pub async fn load(conn: &mut PgConnection) -> Result<Partitions, sqlx::Error> {
        Ok(Partitions(
            super::partition_days(conn).await?.into_iter().collect(),
        ))
    }

    /// Creates the partitions of the days in `ts` that do not exist yet. Inside the
    /// batch's transaction: a failed batch creates nothing (and forgets what it made).
    async fn ensure(
        &mut self,
        tx: &mut PgConnection,
        ts: impl Iterator<Item = i64>,
        made: &mut Vec<i64>,
    ) -> Result<(), sqlx::Error> {
        let days: BTreeSet<i64> = ts.map(|t| t.div_euclid(DAY) * DAY).collect();
        let missing: Vec<i64> = days.into_iter().filter(|d| !self.0.contains(d)).collect();
        for day in missing {
            // Nodes writing at once create a day's partition once.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(0x656d_6370_i64)
                .execute(&mut *tx)
                .await?;
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS results_d{n} PARTITION OF results \
                 FOR VALUES FROM ({day}) TO ({end})",
                n = day / DAY,
                end = day + DAY
            );
            // Audited: the only dynamic parts are integers computed here.
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
            self.0.insert(day);
            made.push(day);
        }
        Ok(())
    }

    fn forget(&mut self, made: &[i64]) {
        for d in made {
            self.0.remove(d);
        }
    }

    /// Days whose partition lies wholly before `from`.
    fn before(&self, from: i64) -> Vec<i64> {
        self.0.iter().copied().filter(|d| d + DAY <= from).collect()
    }
}

/// Commits `work` in one transaction; returns the notifications its alert changes
/// created. On error nothing of it is stored; the caller resets the connection.
pub async fn commit(
    conn: &mut PgConnection,
    work: Work<'_>,
    partitions: &mut Partitions,
) -> Result<Vec<Notification>, sqlx::Error> {
    let mut made = Vec::new();
    let result = write(conn, work, partitions, &mut made).await;
    if result.is_err() {
        partitions.forget(&made);
    }
    result
}

async fn write(
    conn: &mut PgConnection,
    work: Work<'_>,
    partitions: &mut Partitions,
    made: &mut Vec<i64>,
) -> Result<Vec<Notification>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    apply_updates_pg(&mut tx, work.updates).await?;
    if !work.results.is_empty() {
        partitions
            .ensure(&mut tx, work.results.iter().map(|r| r.ts), made)
            .await?;
        let r = work.results;
        sqlx::query(
            "INSERT INTO results (ts, check_id, duration_ms, code, message, vantage) \
             SELECT * FROM UNNEST($1::bigint[], $2::integer[], $3::integer[], $4::smallint[], $5::text[], $6::text[])",
        )
        .bind(r.iter().map(|r| r.ts).collect::<Vec<_>>())
        .bind(r.iter().map(|r| r.check_id as i32).collect::<Vec<_>>())
        .bind(r.iter().map(|r| r.duration_ms.clamp(0, i64::from(i32::MAX)) as i32).collect::<Vec<_>>())
        .bind(r.iter().map(|r| r.code as i16).collect::<Vec<_>>())
        .bind(r.iter().map(|r| r.message.as_deref()).collect::<Vec<_>>())
        .bind(r.iter().map(|r| r.vantage.as_deref()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    let mut created = Vec::new();
    for c in work.changes {
        if let Some(i) = c.incident {
            let sql = if i.down {
                "INSERT INTO incidents (started_at, check_id) VALUES ($1, $2)"
            } else {
                "UPDATE incidents SET ended_at = $1 WHERE check_id = $2 AND ended_at IS NULL"
            };
            sqlx::query(sql)
                .bind(i.at)
                .bind(i.check_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some((check_id, at)) = c.cert_expiry {
            sqlx::query("UPDATE checks SET cert_expiry = $1 WHERE id = $2")
                .bind(at)
                .bind(check_id as i32)
                .execute(&mut *tx)
                .await?;
        }
        created.extend(write_alerts_pg(&mut tx, &c.alerts).await?);
        crate::store::connection::write_pg(&mut tx, &c.connection).await?;
        if let Some(p) = &c.page {
            crate::store::page_loads::write_pg(&mut tx, p).await?;
        }
    }
    tx.commit().await?;
    Ok(created)
}

/// Inserts missing checks and returns the ids of all of them.
pub async fn register(
    conn: &mut PgConnection,
    checks: &[CheckReg],
) -> Result<HashMap<String, i64>, StoreError> {
    let now = crate::util::unix_now();
    let rows = sqlx::query(
        "INSERT INTO checks (full_id, kind, first_seen, last_seen, interval_s) \
         SELECT f, k, $3, $3, i FROM UNNEST($1::text[], $2::text[], $4::integer[]) AS t(f, k, i) \
         ON CONFLICT (full_id) DO UPDATE SET kind = excluded.kind, last_seen = excluded.last_seen, \
         interval_s = excluded.interval_s RETURNING full_id, id",
    )
    .bind(checks.iter().map(|c| c.full_id.clone()).collect::<Vec<_>>())
    .bind(checks.iter().map(|c| c.kind).collect::<Vec<_>>())
    .bind(now)
    .bind(
        checks
            .iter()
            .map(|c| c.interval_s.clamp(1, i64::from(i32::MAX)) as i32)
            .collect::<Vec<_>>(),
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), i64::from(r.get::<i32, _>(1))))
        .collect())
}

/// Runs a housekeeping job.
pub async fn job(
    conn: &mut PgConnection,
    job: Job,
    partitions: &mut Partitions,
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    let dropped = match job {
        Job::Rollups {
            grain,
            rows,
            job,
            cursor,
        } => {
            insert_rollups_pg(&mut tx, grain, &rows).await?;
            set_cursor(&mut tx, job, cursor).await?;
            Vec::new()
        }
        Job::Retention(c) => {
            // Whole days go with their partition; the rest of the cutoff's day by rows.
            let old = partitions.before(c.raw_from);
            for day in &old {
                let sql = format!("DROP TABLE IF EXISTS results_d{}", day / DAY);
                // Audited: an integer computed here.
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await?;
            }
            let raw = ("DELETE FROM results WHERE ts < ?", c.raw_from);
            for (sql, bound) in std::iter::once(raw).chain(retention::old_rows(c)) {
                let sql = sqlx::AssertSqlSafe(crate::store::dollars(sql));
                sqlx::query(sql).bind(bound).execute(&mut *tx).await?;
            }
            set_cursor(&mut tx, "retention", crate::util::unix_now()).await?;
            old
        }
        Job::Indicators(rows) => {
            crate::store::indicators::write_pg(&mut tx, &rows).await?;
            Vec::new()
        }
        Job::Maintenance(change) => {
            crate::store::maintenance::write_pg(&mut tx, &change).await?;
            Vec::new()
        }
    };
    tx.commit().await?;
    partitions.forget(&dropped);
    Ok(())
}

async fn set_cursor(tx: &mut PgConnection, job: &str, cursor: i64) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(crate::store::dollars(
        crate::store::rollups::CURSOR_SQL,
    )))
    .bind(job)
    .bind(cursor)
    .bind(crate::util::unix_now())
    .execute(tx)
    .await
    .map(|_| ())
}
