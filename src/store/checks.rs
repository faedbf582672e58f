//! Facts about a check kept beside its results: the earliest certificate expiry it last
//! reported, written when it changes and read back at start (docs/results.md, "After a
//! restart").

use std::collections::HashMap;

use sqlx::sqlite::SqliteConnection;
use sqlx::Row;

use super::{Store, StoreError};

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
        let rows = sqlx::query("SELECT id, cert_expiry FROM checks WHERE cert_expiry IS NOT NULL")
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
