//! The reads of raw results on PostgreSQL: time ranges pruned to their daily
//! partitions and narrowed by the BRIN index on `ts`, then filtered by check (the
//! SQLite engine narrows by rowid ranges instead). Ordered by time; `seq` is the time.

use sqlx::postgres::PgRow;
use sqlx::Row;

use super::Pg;
use crate::sla::rollup::Sample as RollupSample;
use crate::store::queries::Sample;
use crate::store::{decode_row, unpack, StoreError, StoredResult};

/// The columns of a stored result, as the shared decoder reads them.
const COLUMNS: &str = "ts AS seq, ts, code::bigint AS code, duration_ms::bigint AS duration_ms, \
                       message, vantage, check_id::bigint AS check_id";

fn kind(code: i64) -> Result<crate::result::ResultKind, StoreError> {
    unpack(code).map(|(k, _, _)| k).ok_or_else(|| {
        StoreError::Query(sqlx::Error::Decode(
            format!("result code {code} is not one emcd writes").into(),
        ))
    })
}

/// Results of one check, newest first, with `from <= ts <= to`.
pub async fn results(
    pg: &Pg,
    check_id: i64,
    vantage: Option<&str>,
    from: Option<i64>,
    to: Option<i64>,
    limit: u32,
) -> Result<Vec<StoredResult>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM results WHERE check_id = $1 AND ts >= $2 AND ts <= $3 \
         AND vantage IS NOT DISTINCT FROM $5 ORDER BY ts DESC LIMIT $4"
    );
    // Audited: the only dynamic part is the constant column list.
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(check_id as i32)
        .bind(from.unwrap_or(i64::MIN))
        .bind(to.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .bind(vantage)
        .fetch_all(&pg.pool)
        .await?;
    rows.iter().map(decode_row).collect()
}

/// Every result of the given checks with `from <= ts <= to`, in time order.
pub async fn samples(
    pg: &Pg,
    check_ids: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<Sample>, StoreError> {
    if check_ids.is_empty() || from > to {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = check_ids.iter().map(|&i| i as i32).collect();
    let rows = sqlx::query(
        "SELECT check_id::bigint, ts, code::bigint FROM results \
         WHERE ts >= $1 AND ts <= $2 AND check_id = ANY($3) AND vantage IS NULL ORDER BY ts",
    )
    .bind(from)
    .bind(to)
    .bind(ids)
    .fetch_all(&pg.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Sample {
                check_id: r.get(0),
                ts: r.get(1),
                result: kind(r.get(2))?,
            })
        })
        .collect()
}

/// Every result with `from <= ts <= to`, in time order, whole.
pub async fn recent(pg: &Pg, from: i64, to: i64) -> Result<Vec<(i64, StoredResult)>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM results WHERE ts >= $1 AND ts <= $2 ORDER BY ts");
    // Audited: the only dynamic part is the constant column list.
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to)
        .fetch_all(&pg.pool)
        .await?;
    rows.iter()
        .map(|r: &PgRow| Ok((r.get("check_id"), decode_row(r)?)))
        .collect()
}

/// Calls `f(check_id, sample)` for every result with `from <= ts < to`, in time order,
/// a minute at a time so memory stays flat.
pub async fn scan(
    pg: &Pg,
    from: i64,
    to: i64,
    f: &mut (dyn FnMut(i64, RollupSample) + Send),
) -> Result<(), StoreError> {
    let mut at = from;
    while at < to {
        let end = (at + 60).min(to);
        let rows = sqlx::query(
            "SELECT check_id::bigint, ts, code::bigint, duration_ms::bigint FROM results \
             WHERE ts >= $1 AND ts < $2 AND vantage IS NULL ORDER BY ts",
        )
        .bind(at)
        .bind(end)
        .fetch_all(&pg.pool)
        .await?;
        for r in &rows {
            if let Some((kind, _, _)) = unpack(r.get(2)) {
                let sample = RollupSample {
                    ts: r.get(1),
                    kind,
                    duration_ms: r.get(3),
                };
                f(r.get(0), sample);
            }
        }
        at = end;
    }
    Ok(())
}

/// The earliest result's time: looked for in the oldest daily partitions first, so it
/// reads one partition, not all.
pub async fn first_ts(pg: &Pg) -> Result<Option<i64>, StoreError> {
    let mut days = super::partition_days(&pg.pool).await?;
    days.sort_unstable();
    for day in days {
        let first: Option<i64> =
            sqlx::query_scalar("SELECT min(ts) FROM results WHERE ts >= $1 AND ts < $2")
                .bind(day)
                .bind(day + 86_400)
                .fetch_one(&pg.pool)
                .await?;
        if first.is_some() {
            return Ok(first);
        }
    }
    Ok(None)
}

/// Size of the database in 8 KiB pages (none are "free" in PostgreSQL's sense).
pub async fn pages(pg: &Pg) -> Result<(i64, i64), StoreError> {
    let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&pg.pool)
        .await?;
    Ok((bytes / 8192, 0))
}
