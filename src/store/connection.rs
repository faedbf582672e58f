//! The history of the connection mandate: each change of a system's standing (a writer
//! [`ConnectionChange`], committed with the batch that carries it), read back by the
//! compliance report over a period and, at start, by the recorder's restore. One SQL
//! text per statement for both engines.

use std::collections::HashMap;

use super::write_types::ConnectionChange;
use super::{on_pool, Store, StoreError};

/// The upsert of one change (a second change of the same system at the same second
/// replaces the first).
pub(super) const UPSERT: &str = "INSERT INTO connection_changes (agency, system, at, connected) \
     VALUES (?, ?, ?, ?) ON CONFLICT (agency, system, at) DO UPDATE SET connected = excluded.connected";

/// A system's standing from `at` on, as stored: `(at, connected)`.
pub type Standing = (i64, bool);

/// Per (agency, system): the standing in force at `from` (its last change at or before
/// `from`), then its changes in `(from, to)`, oldest first.
pub type History = HashMap<(String, String), Vec<Standing>>;

impl Store {
    /// The mandate's history over `[from, to)` (see [`History`]).
    pub async fn connection_history(&self, from: i64, to: i64) -> Result<History, StoreError> {
        let text = "SELECT agency, system, at, connected FROM connection_changes c \
                    WHERE (at > ? AND at < ?) OR at = (SELECT max(at) FROM connection_changes d \
                      WHERE d.agency = c.agency AND d.system = c.system AND d.at <= ?) \
                    ORDER BY agency, system, at";
        let rows: Vec<(String, String, i64, bool)> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql)
                .bind(from)
                .bind(to)
                .bind(from)
                .fetch_all(pool)
                .await?
        });
        let mut out = History::new();
        for (agency, system, at, connected) in rows {
            out.entry((agency, system))
                .or_default()
                .push((at, connected));
        }
        Ok(out)
    }

    /// Every system's last stored standing: where the history goes on after a restart.
    pub async fn connection_now(&self) -> Result<HashMap<(String, String), Standing>, StoreError> {
        Ok(self
            .connection_history(i64::MAX - 1, i64::MAX)
            .await?
            .into_iter()
            .filter_map(|(k, v)| v.last().map(|s| (k, *s)))
            .collect())
    }
}

/// Stores `changes` inside the writer's SQLite transaction.
pub(super) async fn write(
    tx: &mut sqlx::SqliteConnection,
    changes: &[ConnectionChange],
) -> Result<(), sqlx::Error> {
    for c in changes {
        sqlx::query(UPSERT)
            .bind(&*c.agency)
            .bind(&*c.system)
            .bind(c.at)
            .bind(c.connected)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Stores `changes` inside the writer's PostgreSQL transaction.
pub(super) async fn write_pg(
    tx: &mut sqlx::PgConnection,
    changes: &[ConnectionChange],
) -> Result<(), sqlx::Error> {
    let sql = super::dollars(UPSERT);
    for c in changes {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&*c.agency)
            .bind(&*c.system)
            .bind(c.at)
            .bind(c.connected)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
