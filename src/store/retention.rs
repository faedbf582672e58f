//! Retention (docs/storage.md): deletes raw results by rowid range (they are in time
//! order), rollups, closed incidents and finished notifications older than the
//! configured cutoffs, then returns the free pages with an incremental vacuum.

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use super::rollups::set_cursor;

/// What retention keeps: raw results from `raw_from`, hourly rollups from
/// `hourly_from`, daily from `daily_from` (unix seconds).
#[derive(Clone, Copy, Debug)]
pub struct Cutoffs {
    pub raw_from: i64,
    pub hourly_from: i64,
    pub daily_from: i64,
}

/// What retention deletes beside raw results, for both engines (`?` placeholders):
/// rollups, closed incidents, finished notifications and page loads (kept as long as
/// the daily rollups: reports read their monthly percentiles) older than their cutoffs.
pub(super) fn old_rows(c: Cutoffs) -> [(&'static str, i64); 5] {
    [
        ("DELETE FROM page_loads WHERE ts < ?", c.daily_from),
        ("DELETE FROM rollup_hourly WHERE hour < ?", c.hourly_from),
        ("DELETE FROM rollup_daily WHERE day_start < ?", c.daily_from),
        (
            "DELETE FROM incidents WHERE ended_at IS NOT NULL AND ended_at < ?",
            c.daily_from,
        ),
        (
            "DELETE FROM notifications WHERE state != 'pending' AND created_at < ?",
            c.hourly_from,
        ),
    ]
}

/// Retention's SQL, run by the writer (`WriterHandle::retention`).
pub(super) async fn run(conn: &mut SqliteConnection, c: Cutoffs) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    let first_kept: Option<i64> = sqlx::query_scalar(
        "SELECT first_rowid FROM result_marks WHERE minute >= ? ORDER BY minute LIMIT 1",
    )
    .bind(c.raw_from.div_euclid(60))
    .fetch_optional(&mut *tx)
    .await?;
    // Raw results are in time order: everything before the first kept rowid goes (or
    // everything, when no result is recent enough).
    let first_kept = match first_kept {
        Some(r) => r,
        None => sqlx::query_scalar::<_, Option<i64>>("SELECT max(rowid) + 1 FROM results")
            .fetch_one(&mut *tx)
            .await?
            .unwrap_or(0),
    };
    let raw: [(&str, i64); 2] = [
        ("DELETE FROM results WHERE rowid < ?", first_kept),
        (
            "DELETE FROM result_marks WHERE minute < ?",
            c.raw_from.div_euclid(60),
        ),
    ];
    for (sql, bound) in raw.into_iter().chain(old_rows(c)) {
        sqlx::query(sql).bind(bound).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::raw_sql("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")
        .execute(&mut *conn)
        .await?;
    set_cursor(conn, "retention", crate::util::unix_now()).await
}
