//! Retention (docs/storage.md): deletes raw results by rowid range (they are in time
//! order), rollups, closed incidents and finished notifications older than the
//! configured cutoffs, then returns the free pages with an incremental vacuum.

use sqlx::Connection;

use super::rollups::set_cursor;
use super::writer::WriterHandle;
use super::StoreError;

/// What retention keeps: raw results from `raw_from`, hourly rollups from
/// `hourly_from`, daily from `daily_from` (unix seconds).
#[derive(Clone, Copy, Debug)]
pub struct Cutoffs {
    pub raw_from: i64,
    pub hourly_from: i64,
    pub daily_from: i64,
}

/// Deletes what is older than the cutoffs, returns the free pages to the file system,
/// and records the job's success.
pub async fn retention(writer: &WriterHandle, c: Cutoffs) -> Result<(), StoreError> {
    writer
        .job(Box::new(move |conn| {
            Box::pin(async move {
                let mut tx = conn.begin().await?;
                let first_kept: Option<i64> = sqlx::query_scalar(
                    "SELECT first_rowid FROM result_marks WHERE minute >= ? ORDER BY minute LIMIT 1",
                )
                .bind(c.raw_from.div_euclid(60))
                .fetch_optional(&mut *tx)
                .await?;
                // Raw results are in time order: everything before the first kept rowid
                // goes (or everything, when no result is recent enough).
                let first_kept = match first_kept {
                    Some(r) => r,
                    None => sqlx::query_scalar::<_, Option<i64>>("SELECT max(rowid) + 1 FROM results")
                        .fetch_one(&mut *tx)
                        .await?
                        .unwrap_or(0),
                };
                sqlx::query("DELETE FROM results WHERE rowid < ?").bind(first_kept).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM result_marks WHERE minute < ?")
                    .bind(c.raw_from.div_euclid(60))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM rollup_hourly WHERE hour < ?").bind(c.hourly_from).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM rollup_daily WHERE day_start < ?").bind(c.daily_from).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM incidents WHERE ended_at IS NOT NULL AND ended_at < ?")
                    .bind(c.daily_from)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM notifications WHERE state != 'pending' AND created_at < ?")
                    .bind(c.hourly_from)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                sqlx::raw_sql("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")
                    .execute(&mut *conn)
                    .await?;
                let cursor = crate::util::unix_now();
                set_cursor(conn, "retention", cursor).await
            })
        }))
        .await
}
