//! Rollup storage: raw results read in rowid chunks for one time window, hourly and
//! daily rollup rows written through the writer, and the housekeeping jobs' cursors.
//! Incidents are in `incidents.rs`, retention in `retention.rs`.

use std::collections::HashMap;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};

use super::row::Get;
use super::{on_pool, pg, unpack, Engine, Store, StoreError};
use crate::sla::histogram::LatencyHistogram;
use crate::sla::rollup::{Rollup, Sample};
use crate::sla::seconds::Seconds;

/// Rows read per query when scanning raw results.
const CHUNK: i64 = 50_000;

/// Which rollup table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    /// Keyed by the hour's start (unix seconds).
    Hourly,
    /// Keyed by local midnight in `sla.timezone` (unix seconds).
    Daily,
}

impl Grain {
    fn table(self) -> &'static str {
        match self {
            Grain::Hourly => "rollup_hourly",
            Grain::Daily => "rollup_daily",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Grain::Hourly => "hour",
            Grain::Daily => "day_start",
        }
    }
}

pub(super) fn decode_rollup(r: &impl Get) -> Rollup {
    Rollup {
        counts: ["n_up", "n_degraded", "n_down", "n_unknown", "n_maintenance"].map(|c| r.i64(c)),
        seconds: Seconds {
            up: r.f64("s_up"),
            degraded: r.f64("s_degraded"),
            down: r.f64("s_down"),
            unknown: r.f64("s_unknown"),
            maintenance: r.f64("s_maintenance"),
        },
        lat_min_ms: r.opt_i64("lat_min"),
        lat_max_ms: r.opt_i64("lat_max"),
        lat_sum_ms: r.i64("lat_sum"),
        lat_count: r.i64("lat_count"),
        hist: LatencyHistogram::decode(&r.bytes("hist")).unwrap_or_default(),
    }
}

/// What the checks table says of each check: id -> (full id, interval seconds).
pub type CheckInfo = HashMap<i64, (String, i64)>;

impl Store {
    /// Every check ever registered: id -> (full id, interval).
    pub async fn check_info(&self) -> Result<CheckInfo, StoreError> {
        let text = "SELECT CAST(id AS bigint), full_id, CAST(interval_s AS bigint) FROM checks";
        let rows: Vec<(i64, String, i64)> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(id, f, i)| (id, (f, i))).collect())
    }

    /// The first rowid recorded at or after `ts` (through `result_marks`).
    async fn rowid_at(reader: &sqlx::SqlitePool, ts: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT first_rowid FROM result_marks WHERE minute >= ? ORDER BY minute LIMIT 1",
        )
        .bind(ts.div_euclid(60))
        .fetch_optional(reader)
        .await?
        .unwrap_or(i64::MAX))
    }

    /// Calls `f(check_id, sample)` for every raw result with `from <= ts < to`, in
    /// recording order, reading in chunks so memory stays flat.
    pub async fn scan_results(
        &self,
        from: i64,
        to: i64,
        mut f: impl FnMut(i64, Sample) + Send,
    ) -> Result<(), StoreError> {
        let reader = match &self.engine {
            Engine::Sqlite { reader, .. } => reader,
            Engine::Pg(pg) => return pg::scan(pg, from, to, &mut f).await,
        };
        let mut next = Store::rowid_at(reader, from).await?;
        // Results of minute m are all recorded before the first mark of minute m+2.
        let end = Store::rowid_at(reader, to + 120).await?;
        while next < end {
            let rows = sqlx::query(
                "SELECT rowid, check_id, ts, code, duration_ms, vantage IS NULL FROM results \
                 WHERE rowid >= ? AND rowid < ? ORDER BY rowid LIMIT ?",
            )
            .bind(next)
            .bind(end)
            .bind(CHUNK)
            .fetch_all(reader)
            .await?;
            let Some(last) = rows.last() else { break };
            next = last.get::<i64, _>(0) + 1;
            for r in &rows {
                let ts: i64 = r.get(2);
                // A vantage's own results are not the timeline (docs/cluster.md).
                if ts < from || ts >= to || !r.get::<bool, _>(5) {
                    continue;
                }
                if let Some((kind, _, _)) = unpack(r.get(3)) {
                    f(
                        r.get(1),
                        Sample {
                            ts,
                            kind,
                            duration_ms: r.get(4),
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// The earliest recorded result time, if any.
    pub async fn first_result_ts(&self) -> Result<Option<i64>, StoreError> {
        match &self.engine {
            Engine::Sqlite { reader, .. } => Ok(sqlx::query_scalar(
                "SELECT ts FROM results ORDER BY rowid LIMIT 1",
            )
            .fetch_optional(reader)
            .await?),
            Engine::Pg(pg) => pg::first_ts(pg).await,
        }
    }

    /// Rollups of `grain` with key in `[from, to)`: (check id, key, rollup).
    pub async fn rollups(
        &self,
        grain: Grain,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, Rollup)>, StoreError> {
        self.rollup_rows(grain, None, from, to).await
    }

    /// One check's rollups of `grain` with key in `[from, to)`, merged into one.
    pub async fn check_rollup(
        &self,
        grain: Grain,
        check_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Rollup, StoreError> {
        let mut sum = Rollup::default();
        for (_, _, r) in self.rollup_rows(grain, Some(check_id), from, to).await? {
            sum.merge(&r);
        }
        Ok(sum)
    }

    /// Rollup rows of `grain` with key in `[from, to)`, of one check or of all.
    async fn rollup_rows(
        &self,
        grain: Grain,
        check_id: Option<i64>,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, Rollup)>, StoreError> {
        let sql = format!(
            "SELECT *, {key} AS k FROM {table} WHERE {check}{key} >= ? AND {key} < ?",
            key = grain.key(),
            table = grain.table(),
            check = if check_id.is_some() {
                "check_id = ? AND "
            } else {
                ""
            },
        );
        // Audited: the dynamic parts are the grain's table and key names and a fixed filter.
        Ok(on_pool!(self, sql, |pool, sql| {
            let mut query = sqlx::query(sql);
            if let Some(id) = check_id {
                query = query.bind(id);
            }
            let rows = query.bind(from).bind(to).fetch_all(pool).await?;
            rows.iter()
                .map(|r| (r.i64("check_id"), r.i64("k"), decode_rollup(r)))
                .collect()
        }))
    }

    /// A housekeeping job's cursor and last success.
    pub async fn housekeeping(&self, job: &str) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        let text = "SELECT cursor, last_success FROM housekeeping WHERE job = ?";
        Ok(on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).bind(job).fetch_optional(pool).await?
        }))
    }

    /// Bytes the database file takes (pages in use and free).
    pub async fn file_pages(&self) -> Result<(i64, i64), StoreError> {
        let reader = match &self.engine {
            Engine::Sqlite { reader, .. } => reader,
            Engine::Pg(pg) => return pg::pages(pg).await,
        };
        let count: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(reader)
            .await?;
        let free: i64 = sqlx::query_scalar("PRAGMA freelist_count")
            .fetch_one(reader)
            .await?;
        Ok((count, free))
    }
}

/// The SQL of writing rollup rows (replacing any of the same key), shared by the engines.
fn insert_sql(grain: Grain) -> String {
    let cols = "n_up, n_degraded, n_down, n_unknown, n_maintenance, s_up, s_degraded, s_down, \
                s_unknown, s_maintenance, lat_min, lat_max, lat_sum, lat_count, hist";
    let updates: Vec<String> = cols
        .split(", ")
        .map(|c| format!("{c} = excluded.{c}", c = c.trim()))
        .collect();
    format!(
        "INSERT INTO {table} (check_id, {key}, {cols}) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
         ON CONFLICT (check_id, {key}) DO UPDATE SET {updates}",
        table = grain.table(),
        key = grain.key(),
        updates = updates.join(", ")
    )
}

/// Writes rollup rows on each engine's connection, in the caller's transaction.
macro_rules! rollup_writes {
    ($conn:ty, $sql:path, $name:ident) => {
        pub(super) async fn $name(
            tx: &mut $conn,
            grain: Grain,
            rows: &[(i64, i64, Rollup)],
        ) -> Result<(), sqlx::Error> {
            let sql = $sql(&insert_sql(grain));
            for (check, key, r) in rows {
                // Audited: the dynamic parts are the grain's table and key names.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(check)
                    .bind(key);
                for c in r.counts {
                    q = q.bind(c);
                }
                let s = &r.seconds;
                for v in [s.up, s.degraded, s.down, s.unknown, s.maintenance] {
                    q = q.bind(v);
                }
                q.bind(r.lat_min_ms)
                    .bind(r.lat_max_ms)
                    .bind(r.lat_sum_ms)
                    .bind(r.lat_count)
                    .bind(r.hist.encode())
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(())
        }
    };
}

rollup_writes!(SqliteConnection, String::from, insert_rollups_tx);
rollup_writes!(
    sqlx::postgres::PgConnection,
    super::dollars,
    insert_rollups_pg
);

/// Writes rollup rows in a transaction of their own (SQLite's writer job).
pub(super) async fn insert_rollups(
    conn: &mut SqliteConnection,
    grain: Grain,
    rows: &[(i64, i64, Rollup)],
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    insert_rollups_tx(&mut tx, grain, rows).await?;
    tx.commit().await
}

/// A job's cursor and last success, for both engines (`?` placeholders).
pub(super) const CURSOR_SQL: &str = "INSERT INTO housekeeping (job, cursor, last_success) \
     VALUES (?, ?, ?) ON CONFLICT (job) DO UPDATE SET cursor = excluded.cursor, \
     last_success = excluded.last_success";

pub(super) async fn set_cursor(
    conn: &mut SqliteConnection,
    job: &str,
    cursor: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(CURSOR_SQL)
        .bind(job)
        .bind(cursor)
        .bind(crate::util::unix_now())
        .execute(conn)
        .await
        .map(|_| ())
}
