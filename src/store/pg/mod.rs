//! The PostgreSQL engine (docs/storage.md, "PostgreSQL"): the same typed store as the
//! SQLite file, on a server several emcd nodes can share. `storage.postgres` is a
//! `postgres://` URL; errors name its host, port, database and user, never its
//! password. Migrations are embedded and applied under an advisory lock, so nodes
//! starting together migrate once. Raw results are partitioned by day (`write.rs`
//! creates partitions, retention drops them); reads are in `read.rs`.

pub(super) mod cluster;
pub(super) mod read;
pub(super) mod write;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::StoreError;

/// The embedded migrations, in order; the schema version is the last one's.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_cluster.sql")),
    (3, include_str!("migrations/0003_result_vantage.sql")),
    (4, include_str!("migrations/0004_node_impaired.sql")),
    (5, include_str!("migrations/0005_connection.sql")),
    (6, include_str!("migrations/0006_indicators.sql")),
    (7, include_str!("migrations/0007_agencies.sql")),
    (8, include_str!("migrations/0008_maintenance.sql")),
    (9, include_str!("migrations/0009_page_loads.sql")),
];

/// The advisory lock key of migrations ("emcd" in ASCII).
const MIGRATION_LOCK: i64 = 0x656d_6364;

/// The schema version this emcd writes.
pub fn known() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// An open PostgreSQL store: a pool for reads, and how to open the writer's connection.
#[derive(Debug)]
pub struct Pg {
    pub(super) pool: PgPool,
    pub(super) options: PgConnectOptions,
    /// `user@host:port/database`, for messages.
    pub(super) target: String,
}

/// `user@host:port/database` of a URL, without the password.
pub fn describe(options: &PgConnectOptions) -> String {
    format!(
        "{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)")
    )
}

/// Parses a `postgres://` URL; the error never repeats the URL (it may hold a password).
pub fn parse_url(url: &str) -> Result<PgConnectOptions, String> {
    PgConnectOptions::from_str(url)
        .map(|o| o.application_name("emcd").log_statements(tracing::log::LevelFilter::Trace))
        .map_err(|e| {
            let e = e.to_string().replace(url, "<storage.postgres>");
            format!("storage.postgres is not a PostgreSQL URL (postgres://user:password@host:port/database): {e}")
        })
}

impl Pg {
    /// Connects, migrates (under the advisory lock) and opens the read pool. Returns the
    /// store and the connection the writer will own.
    pub async fn open(options: PgConnectOptions) -> Result<(Pg, PgConnection), StoreError> {
        let target = describe(&options);
        let connect_error = |cause: sqlx::Error| StoreError::Connect {
            target: target.clone(),
            cause,
        };
        let mut conn = PgConnection::connect_with(&options)
            .await
            .map_err(connect_error)?;
        migrate(&mut conn, &target).await?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(connect_error)?;
        Ok((
            Pg {
                pool,
                options,
                target,
            },
            conn,
        ))
    }
}

impl Pg {
    /// A pool for reading only: nothing is migrated; a schema other than this emcd's is
    /// refused, naming both versions.
    pub async fn open_read_only(options: PgConnectOptions) -> Result<Pg, StoreError> {
        let target = describe(&options);
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(|cause| StoreError::Connect {
                target: target.clone(),
                cause,
            })?;
        let found: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM emcd_schema")
            .fetch_one(&pool)
            .await
            .unwrap_or(None);
        let found = found.unwrap_or(0);
        if found != known() {
            let path = target.clone().into();
            return Err(if found > known() {
                StoreError::TooNew {
                    path,
                    found,
                    known: known(),
                }
            } else {
                StoreError::TooOld {
                    path,
                    found,
                    known: known(),
                }
            });
        }
        Ok(Pg {
            pool,
            options,
            target,
        })
    }
}

/// Applies the migrations this database lacks, under the advisory lock; refuses a
/// database of a newer schema before changing anything.
async fn migrate(conn: &mut PgConnection, target: &str) -> Result<(), StoreError> {
    let failed = |version: i64| {
        move |cause: sqlx::Error| StoreError::Migrate {
            path: target.into(),
            version,
            cause,
        }
    };
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(failed(0))?;
    let result = async {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS emcd_schema (version bigint NOT NULL)")
            .execute(&mut *conn)
            .await
            .map_err(failed(0))?;
        let found: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM emcd_schema")
            .fetch_one(&mut *conn)
            .await
            .map_err(failed(0))?;
        let found = found.unwrap_or(0);
        if found > known() {
            return Err(StoreError::TooNew {
                path: target.into(),
                found,
                known: known(),
            });
        }
        for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            let mut tx = conn.begin().await.map_err(failed(version))?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .map_err(failed(version))?;
            sqlx::query("INSERT INTO emcd_schema (version) VALUES ($1)")
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(failed(version))?;
            tx.commit().await.map_err(failed(version))?;
            tracing::info!(database = target, version, "migrated");
        }
        Ok(())
    }
    .await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await;
    result
}
pub(super) use read::{first_ts, pages, recent, results, samples, scan};

/// The days (unix seconds of 00:00 UTC) that have a partition of `results` (its name,
/// `results_d<day>`, says which), unsorted.
pub(super) async fn partition_days<'e>(
    e: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<i64>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'results'",
    )
    .fetch_all(e)
    .await?;
    Ok(names
        .iter()
        .filter_map(|n| n.strip_prefix("results_d")?.parse::<i64>().ok())
        .map(|d| d * 86_400)
        .collect())
}
