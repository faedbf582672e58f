//! Facts about a check kept beside its results: the earliest certificate expiry it last
//! reported, written when it changes and read back at start (docs/results.md, "After a
//! restart").

use std::collections::HashMap;

use sqlx::sqlite::SqliteConnection;

use super::{on_pool, Store, StoreError};

/// Stores the check's certificate expiry inside the writer's transaction.
pub(super) async fn write_cert_expiry(
    tx: &mut SqliteConnection,
    check_id: i64,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE checks SET cert_expiry = ? WHERE id = ?")
        .bind(at)
        .bind(check_id)
        .execute(tx)
        .await?;
    Ok(())
}

impl Store {
    /// The stored certificate expiry of every check that has one, by check id.
    pub async fn cert_expiries(&self) -> Result<HashMap<i64, i64>, StoreError> {
        let text =
            "SELECT CAST(id AS bigint), cert_expiry FROM checks WHERE cert_expiry IS NOT NULL";
        let rows: Vec<(i64, i64)> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
    }
}
