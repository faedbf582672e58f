//! Noticing a damaged database at start: `PRAGMA quick_check` (O(file size): it reads
//! every page but skips the index-to-table cross-checks of `integrity_check`; see
//! docs/BENCHMARKS.md for its cost on a large file) and SQLite's own "corrupt" and
//! "not a database" errors.

use std::path::Path;
use std::time::Instant;

use sqlx::sqlite::SqliteConnection;

use super::StoreError;

/// SQLite's primary result codes for a damaged file.
const SQLITE_CORRUPT: &str = "11";
const SQLITE_NOTADB: &str = "26";

/// The detail to report when `e` says the file is damaged or not a database.
pub fn corruption(e: &sqlx::Error) -> Option<String> {
    let db = e.as_database_error()?;
    let code = db.code()?;
    // Extended codes carry the primary one in their low byte.
    let primary = code
        .parse::<i64>()
        .map(|c| (c & 0xff).to_string())
        .unwrap_or_default();
    matches!(primary.as_str(), SQLITE_CORRUPT | SQLITE_NOTADB).then(|| db.message().to_owned())
}

/// Runs `PRAGMA quick_check`; a damaged file is [`StoreError::Corrupt`].
pub async fn quick_check(conn: &mut SqliteConnection, path: &Path) -> Result<(), StoreError> {
    let started = Instant::now();
    let rows: Vec<String> = match sqlx::query_scalar("PRAGMA quick_check(20)")
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            let detail = corruption(&e).unwrap_or_else(|| e.to_string());
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                detail,
            });
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    if rows.len() == 1 && rows[0] == "ok" {
        tracing::info!(database = %path.display(), ms, "database integrity checked (quick_check)");
        return Ok(());
    }
    Err(StoreError::Corrupt {
        path: path.to_owned(),
        detail: format!("quick_check: {}", rows.join("; ")),
    })
}
