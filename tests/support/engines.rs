//! A store of either engine for the store tests: a SQLite file in a temporary directory
//! or a database in a PostgreSQL the test starts (`postgres.rs`), with what keeps each
//! alive, and a result row to write.

use emcd::alert_vocab::{AlertName, Event, Named, Status};
use emcd::result::{ErrorKind, ResultKind};
use emcd::store::alerts::{AlertWrite, NewNotification};
use emcd::store::writer::ResultRow;
use emcd::store::{pack, Location, Store, WriterConn};

use super::postgres::Postgres;

/// A store of either engine, and what keeps it alive.
pub struct Opened {
    pub store: Store,
    pub conn: WriterConn,
    pub location: Location,
    pub _keep: Keep,
}

/// Held for its `Drop`: the directory or the server goes with the test.
#[allow(dead_code)]
pub enum Keep {
    Dir(tempfile::TempDir),
    Pg(Postgres),
}

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub async fn open(kind: Kind) -> Opened {
    match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let location = Location::Sqlite(dir.path().join("sub/emcd.db"));
            let (store, conn) = Store::open_at(&location, true).await.unwrap();
            Opened {
                store,
                conn,
                location,
                _keep: Keep::Dir(dir),
            }
        }
        Kind::Postgres => {
            let pg = Postgres::start();
            let url = pg.create("emcd").await;
            let location = emcd::store::location(&storage(&url)).unwrap();
            let (store, conn) = Store::open_at(&location, true).await.unwrap();
            Opened {
                store,
                conn,
                location,
                _keep: Keep::Pg(pg),
            }
        }
    }
}

/// A store of either engine with its writer running (capacity 64): the reader, the
/// writer's handle and task, the location, and what keeps the store alive.
pub struct Writing {
    pub store: Store,
    pub handle: emcd::store::writer::WriterHandle,
    pub task: tokio::task::JoinHandle<emcd::store::writer::WriterReport>,
    pub location: Location,
    pub _keep: Keep,
}

pub async fn open_writing(kind: Kind) -> Writing {
    let Opened {
        store,
        conn,
        location,
        _keep,
    } = open(kind).await;
    let metrics = emcd::store::writer::WriterMetrics::new();
    let (handle, task) = emcd::store::writer::spawn(conn, metrics, 64);
    Writing {
        store,
        handle,
        task,
        location,
        _keep,
    }
}

pub fn storage(url: &str) -> emcd::config::Storage {
    emcd::config::Storage {
        path: "unused.db".into(),
        postgres: Some(emcd::config::Secret(url.into())),
        retention: emcd::config::Retention {
            raw: std::time::Duration::from_secs(86_400),
            hourly: std::time::Duration::from_secs(86_400),
            daily: std::time::Duration::from_secs(86_400),
        },
        max_held_results: 1000,
    }
}

pub fn row(check_id: i64, ts: i64, i: i64) -> ResultRow {
    let down = i % 7 == 0;
    ResultRow {
        check_id,
        vantage: None,
        ts,
        code: if down {
            pack(ResultKind::Down, Some(ErrorKind::Status), Some(503))
        } else {
            pack(ResultKind::Up, None, Some(200))
        },
        duration_ms: 20 + i % 300,
        message: down.then(|| "status 503 not in 200-399".into()),
    }
}

pub const BOTH: [Kind; 2] = [Kind::Sqlite, Kind::Postgres];

/// An alert transition of check `check` of agency `a`, system `s`, with one
/// notification to receiver `ops` (delivery id `d-CHECK-STATUS`).
pub fn alert_write(check: &str, status: Status, at: i64) -> AlertWrite {
    let named = |id: &str| Named {
        id: id.into(),
        name: format!("{id} name"),
    };
    AlertWrite {
        event: Event {
            name: AlertName::CheckDown,
            severity: "critical".into(),
            fingerprint: format!("fp-{check}"),
            status,
            repeat: false,
            agency: named("a"),
            system: named("s"),
            check: check.into(),
            summary: format!("{check} is down"),
            description: "status 503".into(),
            starts_at: at,
            ends_at: (status == Status::Resolved).then_some(at),
            last_result: None,
            vantage: None,
            runbook_url: None,
        },
        notified_at: at,
        notifications: vec![NewNotification {
            delivery_id: format!("d-{check}-{}", status.as_str()),
            receiver: "ops".into(),
        }],
    }
}
