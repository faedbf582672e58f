//! Opening the database only to read it (`emcd report`): nothing is created, migrated,
//! vacuumed or locked, so a report never changes the file, and works for a user who may
//! not write it, on a read-only copy too (docs/storage.md).

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, SqliteConnection};

use super::{migrate, open_error, Store, StoreError};

impl Store {
    /// The store at `location` for reading (`emcd report`): a SQLite file as by
    /// [`Store::open_read_only`]; a PostgreSQL database through a pool that never
    /// migrates, refused unless its schema is this emcd's.
    pub async fn open_read_only_at(location: &super::Location) -> Result<Store, StoreError> {
        match location {
            super::Location::Sqlite(path) => Store::open_read_only(path).await,
            super::Location::Postgres(options) => Ok(Store {
                engine: super::Engine::Pg(Box::new(
                    super::pg::Pg::open_read_only((**options).clone()).await?,
                )),
            }),
        }
    }

    /// The database at `path` for reading: a missing file, or one of another schema
    /// version than this emcd's, is an error that says so.
    pub async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        let read_only = SqliteConnectOptions::new().filename(path).read_only(true);
        // A WAL database needs its `-shm` file to be read; where it cannot be made (a
        // read-only copy, a directory the user may not write), the file is read as
        // immutable: nobody writes it then.
        let options = match SqliteConnection::connect_with(&read_only).await {
            Ok(mut conn) => match sqlx::query("SELECT 1").execute(&mut conn).await {
                Ok(_) => read_only,
                Err(_) => read_only.immutable(true),
            },
            Err(_) => read_only.immutable(true),
        };
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(|cause| open_error(path, cause))?;
        let found = migrate::check_version(&mut conn, path).await?;
        let known = migrate::known();
        if found < known {
            return Err(StoreError::TooOld {
                path: path.to_owned(),
                found,
                known,
            });
        }
        let _ = conn.close().await;
        let reader = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .map_err(|cause| open_error(path, cause))?;
        Ok(Store {
            engine: super::Engine::Sqlite {
                path: path.to_owned(),
                reader,
            },
        })
    }
}
