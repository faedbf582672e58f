//! Facts about a check kept beside its results: the earliest certificate expiry it last
//! reported, written when it changes and read back at start (docs/results.md, "After a
//! restart").

use std::collections::HashMap;

use sqlx::Row;

use super::writer::WriterHandle;
use super::{Store, StoreError};

/// Stores the check's certificate expiry (through the writer, like every write).
pub async fn set_cert_expiry(
    writer: &WriterHandle,
    check_id: i64,
    at: i64,
) -> Result<(), StoreError> {
    writer
        .job(Box::new(move |conn| {
            Box::pin(async move {
                sqlx::query("UPDATE checks SET cert_expiry = ? WHERE id = ?")
                    .bind(at)
                    .bind(check_id)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        }))
        .await
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
