//! Every agency the config ever had (docs/storage.md, "Agencies"): written at each
//! start and reload through the writer, never deleted, so that removing an agency's
//! file never loses its name, kind or lifecycle; reports over past periods read them
//! back. One SQL text per statement for both engines.

use sqlx::Connection;

use super::{dollars, on_pool, Store, StoreError};

/// An agency as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgencyReg {
    pub id: String,
    pub code: String,
    pub name: String,
    /// As in the config: `ministry`, ..., `city`.
    pub kind: String,
    /// `ministries` or `provinces`.
    pub league: String,
    /// Unix seconds of `valid_from` and `valid_to` (local midnights).
    pub valid_from: Option<i64>,
    pub valid_to: Option<i64>,
    pub successor: Option<String>,
    /// Whether the daemon runs it (false: past its `valid_to`).
    pub live: bool,
}

/// An agency read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAgency {
    pub agency: AgencyReg,
    /// Unix seconds it was first and last written.
    pub first_seen: i64,
    pub last_seen: i64,
    /// When the daemon stopped running it (file removed, or past `valid_to`); `None`
    /// while it runs.
    pub left_at: Option<i64>,
}

const UPSERT: &str = "INSERT INTO agencies (id, code, name, kind, league, valid_from, valid_to, \
     successor, first_seen, last_seen, left_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
     ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, \
     kind = excluded.kind, league = excluded.league, valid_from = excluded.valid_from, \
     valid_to = excluded.valid_to, successor = excluded.successor, last_seen = excluded.last_seen, \
     left_at = CASE WHEN excluded.left_at IS NULL THEN NULL \
     ELSE COALESCE(agencies.left_at, excluded.left_at) END";
const RUNNING: &str = "SELECT id FROM agencies WHERE left_at IS NULL";
const LEAVE: &str = "UPDATE agencies SET left_at = ? WHERE id = ? AND left_at IS NULL";

/// The ids written but no longer in `agencies` or no longer live: they left at `now`.
fn leaving(running: Vec<String>, agencies: &[AgencyReg]) -> Vec<String> {
    running
        .into_iter()
        .filter(|id| !agencies.iter().any(|a| a.id == *id && a.live))
        .collect()
}

macro_rules! write_all {
    ($conn:expr, $agencies:expr, $now:expr, $sql:expr) => {{
        let mut tx = $conn.begin().await?;
        let running: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe($sql(RUNNING)))
            .fetch_all(&mut *tx)
            .await?;
        for a in $agencies {
            sqlx::query(sqlx::AssertSqlSafe($sql(UPSERT)))
                .bind(&a.id)
                .bind(&a.code)
                .bind(&a.name)
                .bind(&a.kind)
                .bind(&a.league)
                .bind(a.valid_from)
                .bind(a.valid_to)
                .bind(&a.successor)
                .bind($now)
                .bind($now)
                .bind((!a.live).then_some($now))
                .execute(&mut *tx)
                .await?;
        }
        for id in leaving(running, $agencies) {
            sqlx::query(sqlx::AssertSqlSafe($sql(LEAVE)))
                .bind($now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }};
}

/// Writes every agency of the config at `now` (the writer's SQLite connection); those
/// written before and absent now, or no longer live, are marked as left at `now`.
pub(super) async fn write(
    conn: &mut sqlx::SqliteConnection,
    agencies: &[AgencyReg],
    now: i64,
) -> Result<(), StoreError> {
    write_all!(conn, agencies, now, |s: &str| s.to_owned())
}

/// [`write`] on PostgreSQL.
pub(super) async fn write_pg(
    conn: &mut sqlx::PgConnection,
    agencies: &[AgencyReg],
    now: i64,
) -> Result<(), StoreError> {
    write_all!(conn, agencies, now, dollars)
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
    i64,
    Option<i64>,
);

impl Store {
    /// Every agency ever written, by id.
    pub async fn agencies(&self) -> Result<Vec<StoredAgency>, StoreError> {
        let text = "SELECT id, code, name, kind, league, valid_from, valid_to, successor, \
                    first_seen, last_seen, left_at FROM agencies ORDER BY id";
        let rows: Vec<Row> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| StoredAgency {
                agency: AgencyReg {
                    id: r.0,
                    code: r.1,
                    name: r.2,
                    kind: r.3,
                    league: r.4,
                    valid_from: r.5,
                    valid_to: r.6,
                    successor: r.7,
                    live: r.10.is_none(),
                },
                first_seen: r.8,
                last_seen: r.9,
                left_at: r.10,
            })
            .collect())
    }
}
