//! Storage (docs/storage.md): one SQLite file in WAL mode, schema migrations embedded in the
//! binary, a single writer task committing results in batches (`writer`), and a separate
//! read-only pool for queries. All SQL of emcd lives under this module.

pub mod agencies;
pub mod alerts;
mod batch;
mod checks;
pub mod cluster;
mod codec;
pub mod connection;
mod engine;
mod incidents;
pub mod indicators;
mod integrity;
pub mod lock;
pub mod maintenance;
mod migrate;
pub mod page_loads;
mod pg;
mod queries;
mod read_only;
pub mod retention;
pub mod rollups;
mod row;
mod write_types;
pub mod writer;
mod writer_conn;
mod writer_loop;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;

use crate::result::{ErrorKind, ResultKind};
pub use codec::{pack, unpack};
pub(crate) use engine::on_pool;
use engine::{dollars, Engine};
pub use engine::{location, Location, WriterConn};
pub use queries::Sample;

/// Errors of the storage layer, naming the database file. The SQLite error is part of
/// the message (not a separate source), so a chain printed with `{:#}` says it once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the directory of database {path}: {cause}")]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot open database {path}: {cause}")]
    Open { path: PathBuf, cause: sqlx::Error },
    #[error("database {path} has schema version {found}, newer than this emcd knows ({known}); upgrade emcd (the file was not changed)")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path} is corrupt ({detail}). Stop here and keep a copy of the file; recover what can be read with `sqlite3 {path} .recover | sqlite3 {path}.recovered`, check it, then point storage.path at the recovered file. To run on the damaged file anyway, start with --ignore-corruption")]
    Corrupt { path: PathBuf, detail: String },
    #[error("migrating database {path} to version {version}: {cause}")]
    Migrate {
        path: PathBuf,
        version: i64,
        cause: sqlx::Error,
    },
    #[error("cannot connect to PostgreSQL {target}: {cause}")]
    Connect { target: String, cause: sqlx::Error },
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the store cannot commit now: {0}")]
    Unavailable(String),
    #[error(
        "database {path} does not exist: check storage.path (`emcd run` creates the database)"
    )]
    Missing { path: PathBuf },
    #[error("database {path} has schema version {found}, older than this emcd reads ({known}); start `emcd run` once to migrate it (reading never changes it)")]
    TooOld {
        path: PathBuf,
        found: i64,
        known: i64,
    },
}

/// One raw result as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredResult {
    /// Ordering key: the row id in SQLite (commit order, which is time order), the time
    /// in PostgreSQL.
    pub seq: i64,
    /// Unix seconds the result was recorded.
    pub ts: i64,
    pub result: ResultKind,
    pub error: Option<ErrorKind>,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub message: Option<String>,
    /// The vantage it was measured from; `None` in the check's timeline.
    pub vantage: Option<String>,
}

/// The open database: the writer's connection is handed to [`writer::spawn`]; reads go
/// through a pool of their own (read-only for SQLite, so they never block the writer).
pub struct Store {
    engine: Engine,
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .pragma("temp_store", "memory")
}

impl Store {
    /// Opens (creating file and directory if missing) and migrates the database.
    /// Returns the store for reads and the connection the single writer will own.
    pub async fn open(path: &Path) -> Result<(Store, SqliteConnection), StoreError> {
        Store::open_with(path, false).await
    }

    /// [`Store::open`], with `PRAGMA quick_check` first when `integrity_check` is set:
    /// a corrupt file is refused before anything writes to it. A file from a newer emcd
    /// is always refused before anything writes to it.
    pub async fn open_with(
        path: &Path,
        integrity_check: bool,
    ) -> Result<(Store, SqliteConnection), StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|cause| StoreError::CreateDir {
                path: path.to_owned(),
                cause,
            })?;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.len() == 0 => tracing::warn!(
                database = %path.display(),
                "the database file is empty (0 bytes): starting a new database in it"
            ),
            // An existing file is looked at before anything may write to it (even the
            // switch to WAL changes its header): its version, and its integrity.
            Ok(_) => {
                let plain = SqliteConnectOptions::new().filename(path);
                let mut conn = SqliteConnection::connect_with(&plain)
                    .await
                    .map_err(|cause| open_error(path, cause))?;
                migrate::check_version(&mut conn, path)
                    .await
                    .map_err(|e| corrupt_or(path, e))?;
                if integrity_check {
                    integrity::quick_check(&mut conn, path).await?;
                }
                let _ = conn.close().await;
            }
            Err(_) => tracing::info!(database = %path.display(), "creating a new database"),
        }
        let mut conn = SqliteConnection::connect_with(&options(path).create_if_missing(true))
            .await
            .map_err(|cause| open_error(path, cause))?;
        // Free pages are returned to the file system by retention (incremental vacuum);
        // a new file gets the mode before any table, an older one is converted once.
        let auto_vacuum: i64 = sqlx::query_scalar("PRAGMA auto_vacuum")
            .fetch_one(&mut conn)
            .await
            .map_err(|cause| open_error(path, cause))?;
        if auto_vacuum != 2 {
            sqlx::raw_sql("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")
                .execute(&mut conn)
                .await
                .map_err(|cause| open_error(path, cause))?;
        }
        migrate::run(&mut conn, path).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options(path).read_only(true))
            .await
            .map_err(|cause| open_error(path, cause))?;
        Ok((
            Store {
                engine: Engine::Sqlite {
                    path: path.to_owned(),
                    reader,
                },
            },
            conn,
        ))
    }

    /// Opens the store at `location` (a SQLite file is created and migrated as by
    /// [`Store::open_with`]; a PostgreSQL database is migrated under an advisory lock).
    pub async fn open_at(
        location: &Location,
        integrity_check: bool,
    ) -> Result<(Store, WriterConn), StoreError> {
        match location {
            Location::Sqlite(path) => {
                let (store, conn) = Store::open_with(path, integrity_check).await?;
                Ok((store, WriterConn::Sqlite(conn)))
            }
            Location::Postgres(options) => {
                let (pg, conn) = pg::Pg::open((**options).clone()).await?;
                Ok((
                    Store {
                        engine: Engine::Pg(Box::new(pg)),
                    },
                    WriterConn::Pg(conn),
                ))
            }
        }
    }

    /// How the writer opens a fresh connection after a failed commit.
    pub fn reopen(&self) -> writer::Reopen {
        match &self.engine {
            Engine::Sqlite { path, .. } => writer::Reopen::Sqlite(options(path)),
            Engine::Pg(pg) => writer::Reopen::Pg(pg.options.clone()),
        }
    }

    /// The database, as messages name it: the SQLite file, or `user@host:port/db`.
    pub fn path(&self) -> &Path {
        match &self.engine {
            Engine::Sqlite { path, .. } => path,
            Engine::Pg(pg) => Path::new(&pg.target),
        }
    }

    /// The integer ids of the given checks, from the `checks` table.
    pub async fn check_ids(&self) -> Result<HashMap<String, i64>, StoreError> {
        let text = "SELECT full_id, CAST(id AS bigint) FROM checks";
        let rows: Vec<(String, i64)> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
    }

    /// The timeline of one check (its verdicts), newest first, with `from <= ts <= to`
    /// (unix seconds): [`Store::results_of`] with no vantage.
    pub async fn results(
        &self,
        check_id: i64,
        from: Option<i64>,
        to: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredResult>, StoreError> {
        self.results_of(check_id, None, from, to, limit).await
    }

    /// Raw results of one check, newest first, with `from <= ts <= to` (unix seconds):
    /// those measured from `vantage`, or with `None` its timeline. The time range is
    /// narrowed through `result_marks`, so the scan is bounded by the fleet's results in
    /// that range, not by the whole table.
    pub async fn results_of(
        &self,
        check_id: i64,
        vantage: Option<&str>,
        from: Option<i64>,
        to: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredResult>, StoreError> {
        let reader = match &self.engine {
            Engine::Sqlite { reader, .. } => reader,
            Engine::Pg(pg) => return pg::results(pg, check_id, vantage, from, to, limit).await,
        };
        let lo = match from {
            Some(from) => sqlx::query_scalar::<_, i64>(
                "SELECT first_rowid FROM result_marks WHERE minute >= ? ORDER BY minute LIMIT 1",
            )
            .bind(from.div_euclid(60))
            .fetch_optional(reader)
            .await?
            .unwrap_or(i64::MAX),
            None => 0,
        };
        let hi = match to {
            // Results of minute m are all recorded before the first mark of minute m+2.
            Some(to) => sqlx::query_scalar::<_, i64>(
                "SELECT first_rowid FROM result_marks WHERE minute >= ? ORDER BY minute LIMIT 1",
            )
            .bind(to.div_euclid(60) + 2)
            .fetch_optional(reader)
            .await?
            .unwrap_or(i64::MAX),
            None => i64::MAX,
        };
        let rows = sqlx::query(
            "SELECT rowid AS seq, ts, code, duration_ms, message, vantage FROM results \
             WHERE rowid >= ? AND rowid < ? AND check_id = ? AND vantage IS ? \
             AND ts >= ? AND ts <= ? ORDER BY rowid DESC LIMIT ?",
        )
        .bind(lo)
        .bind(hi)
        .bind(check_id)
        .bind(vantage)
        .bind(from.unwrap_or(i64::MIN))
        .bind(to.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
        rows.iter().map(decode_row).collect()
    }

    /// Number of raw results stored (for tests and benchmarks).
    pub async fn count_results(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(
            self,
            "SELECT count(*) FROM results",
            |pool, sql| { sqlx::query_scalar(sql).fetch_one(pool).await? }
        ))
    }
}

/// An open error, or [`StoreError::Corrupt`] when SQLite says the file is damaged or
/// not a database.
fn open_error(path: &Path, cause: sqlx::Error) -> StoreError {
    corrupt_or(
        path,
        StoreError::Open {
            path: path.to_owned(),
            cause,
        },
    )
}

fn corrupt_or(path: &Path, e: StoreError) -> StoreError {
    let cause = match &e {
        StoreError::Open { cause, .. } | StoreError::Query(cause) => cause,
        _ => return e,
    };
    match integrity::corruption(cause) {
        Some(detail) => StoreError::Corrupt {
            path: path.to_owned(),
            detail,
        },
        None => e,
    }
}

fn decode_row(r: &impl row::Get) -> Result<StoredResult, StoreError> {
    let code = r.i64("code");
    let (result, error, status_code) = unpack(code).ok_or_else(|| {
        StoreError::Query(sqlx::Error::Decode(
            format!("result code {code} is not one emcd writes").into(),
        ))
    })?;
    Ok(StoredResult {
        seq: r.i64("seq"),
        ts: r.i64("ts"),
        result,
        error,
        status_code,
        duration_ms: r.i64("duration_ms"),
        message: r.opt_text("message"),
        vantage: r.opt_text("vantage"),
    })
}

/// `SqliteConnectOptions` from a path string; used by tools that open the file directly.
pub fn connect_options(path: &str) -> Result<SqliteConnectOptions, sqlx::Error> {
    Ok(SqliteConnectOptions::from_str(path)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal))
}
