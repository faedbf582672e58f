//! Schema migrations, embedded in the binary and applied at start in order. The
//! schema version is SQLite's `user_version`. A database is migrated, never rebuilt.

use std::path::Path;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor};

use super::StoreError;

/// (version, SQL). Append only; never edit a released migration.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_alerts.sql")),
    (3, include_str!("migrations/0003_rollups.sql")),
    (4, include_str!("migrations/0004_vantage.sql")),
    (5, include_str!("migrations/0005_result_vantage.sql")),
    (6, include_str!("migrations/0006_connection.sql")),
    (7, include_str!("migrations/0007_indicators.sql")),
    (8, include_str!("migrations/0008_agencies.sql")),
    (9, include_str!("migrations/0009_maintenance.sql")),
    (10, include_str!("migrations/0010_page_loads.sql")),
];

/// The schema version this emcd writes.
pub fn known() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Refuses a database written by a newer emcd; reads only. Returns its version.
pub async fn check_version(conn: &mut SqliteConnection, path: &Path) -> Result<i64, StoreError> {
    let current: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *conn)
        .await?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: current,
            known,
        });
    }
    Ok(current)
}

pub async fn run(conn: &mut SqliteConnection, path: &Path) -> Result<(), StoreError> {
    let current = check_version(conn, path).await?;
    for &(version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let err = |cause| StoreError::Migrate {
            path: path.to_owned(),
            version,
            cause,
        };
        let mut tx = conn.begin().await.map_err(err)?;
        tx.execute(sql).await.map_err(err)?;
        let set_version = format!("PRAGMA user_version = {version}");
        tx.execute(sqlx::AssertSqlSafe(set_version))
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        tracing::info!(version, "database migrated");
    }
    Ok(())
}
