//! Incidents: the DOWN periods of a check, opened and closed with the result that
//! decides them (a writer [`Incident`] change), read by the SLA reports.

use sqlx::sqlite::SqliteConnection;

use super::write_types::Incident;
use super::{on_pool, Store, StoreError};

impl Store {
    /// Incidents of a check overlapping `[from, to)`: (started_at, ended_at).
    pub async fn incidents(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, Option<i64>)>, StoreError> {
        let text = "SELECT check_id, started_at, ended_at FROM incidents \
                    WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?)";
        Ok(on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql)
                .bind(to)
                .bind(from)
                .fetch_all(pool)
                .await?
        }))
    }
}

/// Opens or closes a check's incident inside the writer's transaction.
pub(super) async fn write(tx: &mut SqliteConnection, i: Incident) -> Result<(), sqlx::Error> {
    if i.down {
        sqlx::query("INSERT INTO incidents (check_id, started_at) VALUES (?, ?)")
            .bind(i.check_id)
            .bind(i.at)
            .execute(tx)
            .await?;
    } else {
        sqlx::query("UPDATE incidents SET ended_at = ? WHERE check_id = ? AND ended_at IS NULL")
            .bind(i.at)
            .bind(i.check_id)
            .execute(tx)
            .await?;
    }
    Ok(())
}
