//! The engines behind the store's typed methods (SQLite, PostgreSQL), where the store
//! lives (`Location`), the writer's connection of either engine, and `on_pool!`, which
//! runs one query text on whichever engine's read pool (docs/storage.md).

use std::path::PathBuf;

use sqlx::sqlite::{SqliteConnection, SqlitePool};

use super::pg;

/// The engine behind the store's typed methods.
pub(super) enum Engine {
    /// A SQLite file (`storage.path`), read through a read-only pool (WAL).
    Sqlite { path: PathBuf, reader: SqlitePool },
    /// A PostgreSQL database (`storage.postgres`).
    Pg(Box<pg::Pg>),
}

/// Where the store lives: `storage.path` or `storage.postgres`.
#[derive(Clone, Debug)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(Box<sqlx::postgres::PgConnectOptions>),
}

/// Where `storage` puts the store: `storage.postgres` when given, else `storage.path`.
pub fn location(storage: &crate::config::Storage) -> Result<Location, String> {
    match &storage.postgres {
        Some(url) => pg::parse_url(&url.0).map(|o| Location::Postgres(Box::new(o))),
        None => Ok(Location::Sqlite(storage.path.clone())),
    }
}

/// The writer's connection, of either engine (handed to [`writer::spawn`]).
pub enum WriterConn {
    Sqlite(SqliteConnection),
    Pg(sqlx::postgres::PgConnection),
}

impl From<SqliteConnection> for WriterConn {
    fn from(c: SqliteConnection) -> Self {
        WriterConn::Sqlite(c)
    }
}

/// Runs `$body` with `$pool` bound to the engine's read pool and `$sql` to the query
/// text in that engine's placeholder style (`?` for SQLite, `$n` for PostgreSQL).
macro_rules! on_pool {
    ($store:expr, $text:expr, |$pool:ident, $sql:ident| $body:block) => {
        match &$store.engine {
            $crate::store::Engine::Sqlite { reader: $pool, .. } => {
                let $sql = sqlx::AssertSqlSafe(String::from(&*$text));
                $body
            }
            $crate::store::Engine::Pg(pg) => {
                let $pool = &pg.pool;
                let $sql = sqlx::AssertSqlSafe($crate::store::dollars(&$text));
                $body
            }
        }
    };
}
pub(crate) use on_pool;

/// `?` and `?N` placeholders as PostgreSQL's `$N`. Audited SQL text only.
pub(super) fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '?' {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        if digits.is_empty() {
            n += 1;
            digits = n.to_string();
        }
        out.push('$');
        out.push_str(&digits);
    }
    out
}

impl super::Store {
    /// [`Store::open_at`](super::Store::open_at), waiting for a PostgreSQL server that
    /// cannot be reached yet: retried with backoff (1 s to 10 s), logged at the first
    /// failure and then once a minute, until it answers or `shutdown` (then `None`).
    /// Every other error (a refused password, a newer schema) is returned at once.
    pub async fn open_patiently(
        location: &Location,
        integrity_check: bool,
        shutdown: &tokio_util::sync::CancellationToken,
    ) -> Result<Option<(super::Store, WriterConn)>, super::StoreError> {
        let mut backoff = std::time::Duration::from_secs(1);
        let mut logged: Option<std::time::Instant> = None;
        loop {
            match super::Store::open_at(location, integrity_check).await {
                Ok(opened) => {
                    if logged.is_some() {
                        tracing::info!("the database answers; starting");
                    }
                    return Ok(Some(opened));
                }
                Err(super::StoreError::Connect { target, cause }) if unreachable(&cause) => {
                    if logged.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(60)) {
                        tracing::error!(database = %target, error = %cause, "cannot reach PostgreSQL; not ready, retrying");
                        logged = Some(std::time::Instant::now());
                    }
                }
                Err(e) => return Err(e),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(None),
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(std::time::Duration::from_secs(10));
        }
    }
}

/// Whether a connection error is the server not answering (worth waiting for), not a
/// refusal (a wrong password or database is not).
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        // The server is starting up or shutting down (57P03 cannot_connect_now).
        sqlx::Error::Database(d) => d.code().as_deref() == Some("57P03"),
        _ => false,
    }
}
