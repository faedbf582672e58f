//! Incidents: the DOWN periods of a check, opened and closed by the recorder through the
//! writer, read by the SLA reports.

use sqlx::Row;

use super::writer::WriterHandle;
use super::{Store, StoreError};

impl Store {
    /// Incidents of a check overlapping `[from, to)`: (started_at, ended_at).
    pub async fn incidents(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, Option<i64>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT check_id, started_at, ended_at FROM incidents \
             WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?)",
        )
        .bind(to)
        .bind(from)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }
}

/// Opens or closes a check's incident (a DOWN period).
pub async fn incident(
    writer: &WriterHandle,
    check_id: i64,
    down: bool,
    at: i64,
) -> Result<(), StoreError> {
    writer
        .job(Box::new(move |conn| {
            Box::pin(async move {
                if down {
                    sqlx::query("INSERT INTO incidents (check_id, started_at) VALUES (?, ?)")
                        .bind(check_id)
                        .bind(at)
                        .execute(conn)
                        .await?;
                } else {
                    sqlx::query(
                        "UPDATE incidents SET ended_at = ? WHERE check_id = ? AND ended_at IS NULL",
                    )
                    .bind(at)
                    .bind(check_id)
                    .execute(conn)
                    .await?;
                }
                Ok(())
            })
        }))
        .await
}
