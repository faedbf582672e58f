//! The writer's connection of either engine and what it keeps beside it (SQLite's
//! minute marks, PostgreSQL's known partitions): one batch commit, one job, check
//! registration, rollback and reopening, each sent to its engine's SQL (`batch.rs`,
//! `pg/write.rs`).

use std::collections::HashMap;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use super::alerts::Notification;
use super::batch::{self, Marks, Work};
use super::pg::write::{self as pg, Partitions};
use super::write_types::{CheckReg, Job, Reopen};
use super::{StoreError, WriterConn};

/// What the writer keeps of its engine across connections.
pub(super) enum EngineState {
    Sqlite(Marks),
    Pg(Partitions),
}

impl WriterConn {
    /// Reads what the writer keeps beside the connection.
    pub(super) async fn state(&mut self) -> EngineState {
        match self {
            WriterConn::Sqlite(c) => EngineState::Sqlite(Marks::load(c).await),
            WriterConn::Pg(c) => match Partitions::load(c).await {
                Ok(p) => EngineState::Pg(p),
                Err(e) => {
                    tracing::warn!(error = %e, "reading the partitions of results; they are created as needed");
                    EngineState::Pg(Partitions::default())
                }
            },
        }
    }

    /// Commits one batch; returns the notifications its alert changes created.
    pub(super) async fn commit(
        &mut self,
        work: Work<'_>,
        state: &mut EngineState,
    ) -> Result<Vec<Notification>, sqlx::Error> {
        match (self, state) {
            (WriterConn::Sqlite(c), EngineState::Sqlite(m)) => batch::commit(c, work, m).await,
            (WriterConn::Pg(c), EngineState::Pg(p)) => pg::commit(c, work, p).await,
            _ => Err(mismatch()),
        }
    }

    /// Runs a housekeeping job.
    pub(super) async fn job(
        &mut self,
        job: Job,
        state: &mut EngineState,
    ) -> Result<(), sqlx::Error> {
        match (self, state) {
            (WriterConn::Sqlite(c), _) => batch::job(c, job).await,
            (WriterConn::Pg(c), EngineState::Pg(p)) => pg::job(c, job, p).await,
            _ => Err(mismatch()),
        }
    }

    /// Inserts missing checks and returns the ids of all of them.
    pub async fn register(
        &mut self,
        checks: &[CheckReg],
    ) -> Result<HashMap<String, i64>, StoreError> {
        match self {
            WriterConn::Sqlite(c) => batch::register(c, checks).await,
            WriterConn::Pg(c) => pg::register(c, checks).await,
        }
    }

    /// Writes every agency of the config at `now` (`store::agencies`).
    pub async fn agencies(
        &mut self,
        agencies: &[super::agencies::AgencyReg],
        now: i64,
    ) -> Result<(), StoreError> {
        match self {
            WriterConn::Sqlite(c) => super::agencies::write(c, agencies, now).await,
            WriterConn::Pg(c) => super::agencies::write_pg(c, agencies, now).await,
        }
    }

    /// Rolls back whatever a failed piece of work left open.
    pub(super) async fn rollback(&mut self) {
        match self {
            WriterConn::Sqlite(c) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(c).await;
            }
            WriterConn::Pg(c) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(c).await;
            }
        }
    }

    pub(super) async fn close(self) -> Result<(), sqlx::Error> {
        match self {
            WriterConn::Sqlite(c) => c.close().await,
            WriterConn::Pg(c) => c.close().await,
        }
    }
}

impl From<PgConnection> for WriterConn {
    fn from(c: PgConnection) -> Self {
        WriterConn::Pg(c)
    }
}

impl Reopen {
    /// A fresh connection of the engine.
    pub(super) async fn open(&self) -> Result<WriterConn, sqlx::Error> {
        Ok(match self {
            Reopen::Sqlite(o) => WriterConn::Sqlite(SqliteConnection::connect_with(o).await?),
            Reopen::Pg(o) => WriterConn::Pg(PgConnection::connect_with(o).await?),
        })
    }
}

fn mismatch() -> sqlx::Error {
    sqlx::Error::Protocol("the writer's connection and its state are of different engines".into())
}
