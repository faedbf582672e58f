//! Ad-hoc maintenance windows (docs/api.md, "Maintenance"): declared and ended early
//! over the admin API, written by the writer ([`Job::Maintenance`](super::writer::Job)),
//! never deleted, so who declared and who ended each window stays on record. One SQL
//! text per statement for both engines.

use super::{on_pool, Store, StoreError};

/// An ad-hoc maintenance window as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub id: String,
    /// The match, as a config window's: each non-empty list must hold the id.
    pub agency: Vec<String>,
    pub system: Vec<String>,
    pub check: Vec<String>,
    /// Unix seconds, `[starts_at, ends_at)`.
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
    /// The admin token's name (`admin`) that declared it, and when.
    pub created_by: String,
    pub created_at: i64,
    /// Who ended it early, and when (`DELETE`).
    pub ended_by: Option<String>,
    pub ended_at: Option<i64>,
}

impl Window {
    /// When it ends: `ends_at`, or earlier if it was ended early.
    pub fn end(&self) -> i64 {
        self.ended_at.map_or(self.ends_at, |e| e.min(self.ends_at))
    }

    /// Whether it covers `at` (unix seconds).
    pub fn covers(&self, at: i64) -> bool {
        self.starts_at <= at && at < self.end()
    }

    /// Whether it matches these ids, as a config window's matcher does.
    pub fn matches(&self, agency: &str, system: &str, check: &str) -> bool {
        let ok = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        ok(&self.agency, agency) && ok(&self.system, system) && ok(&self.check, check)
    }
}

/// A change to the windows, committed by the writer.
#[derive(Clone, Debug)]
pub enum Change {
    Declare(Window),
    /// Ends window `id` at `at` (if it had not ended by then), by `by`.
    End {
        id: String,
        at: i64,
        by: String,
    },
}

const INSERT: &str = "INSERT INTO maintenance (id, agency, system, check_id, starts_at, ends_at, \
     reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
const END: &str = "UPDATE maintenance SET ended_at = ?, ended_by = ? \
     WHERE id = ? AND ended_at IS NULL";

macro_rules! write_change {
    ($tx:expr, $change:expr, $sql:expr) => {{
        match $change {
            Change::Declare(w) => {
                sqlx::query(sqlx::AssertSqlSafe($sql(INSERT)))
                    .bind(&w.id)
                    .bind(w.agency.join(","))
                    .bind(w.system.join(","))
                    .bind(w.check.join(","))
                    .bind(w.starts_at)
                    .bind(w.ends_at)
                    .bind(&w.reason)
                    .bind(&w.created_by)
                    .bind(w.created_at)
                    .execute(&mut *$tx)
                    .await?;
            }
            Change::End { id, at, by } => {
                sqlx::query(sqlx::AssertSqlSafe($sql(END)))
                    .bind(*at)
                    .bind(by)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
        Ok(())
    }};
}

/// Writes `change` inside the writer's SQLite transaction.
pub(super) async fn write(
    tx: &mut sqlx::SqliteConnection,
    change: &Change,
) -> Result<(), sqlx::Error> {
    write_change!(tx, change, |s: &str| s.to_owned())
}

/// [`write`] on PostgreSQL.
pub(super) async fn write_pg(
    tx: &mut sqlx::PgConnection,
    change: &Change,
) -> Result<(), sqlx::Error> {
    write_change!(tx, change, super::dollars)
}

type Row = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

fn list(text: String) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// Every ad-hoc maintenance window that ends after `after` (unix seconds), by start.
    pub async fn maintenance_windows(&self, after: i64) -> Result<Vec<Window>, StoreError> {
        let text = "SELECT id, agency, system, check_id, starts_at, ends_at, reason, created_by, \
                    created_at, ended_by, ended_at FROM maintenance \
                    WHERE ends_at > ? AND (ended_at IS NULL OR ended_at > ?) \
                    ORDER BY starts_at, id";
        let rows: Vec<Row> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql)
                .bind(after)
                .bind(after)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Window {
                id: r.0,
                agency: list(r.1),
                system: list(r.2),
                check: list(r.3),
                starts_at: r.4,
                ends_at: r.5,
                reason: r.6,
                created_by: r.7,
                created_at: r.8,
                ended_by: r.9,
                ended_at: r.10,
            })
            .collect())
    }
}
