//! What a result changes beside its row (incident, certificate expiry, alert changes
//! with their notifications) travels in the result's one writer message and is
//! committed in its batch's transaction; while the store cannot commit, those changes
//! are held with the results, never refused, and the senders hear of them only once
//! they are committed.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use emcd::alert_vocab::Status;
use emcd::result::ResultKind;
use emcd::store::writer::{self, Changes, CheckReg, Incident, ResultRow, WriterMetrics};
use emcd::store::{pack, Store};
use sqlx::Connection;
use support::engines::alert_write;
use support::eventually;

/// Polls `f` until it holds, failing after `within`.
async fn until(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let holds = || {
        let done = f();
        async move { done.then_some(()) }
    };
    eventually(within, what, holds).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_changes_wait_out_a_failing_store_and_commit_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emcd.db");
    let (store, mut conn) = Store::open(&db).await.unwrap();
    let ids = writer::register(
        &mut conn,
        &[CheckReg::new("bo-tu-phap/ho-tich/web", "http", 60)],
    )
    .await
    .unwrap();
    let id = ids["bo-tu-phap/ho-tich/web"];

    // Another process-like connection holds SQLite's write lock: every commit fails.
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();

    let notified = Arc::new(Mutex::new(Vec::new()));
    let notify = {
        let notified = notified.clone();
        writer::Notify(Arc::new(move |n| notified.lock().unwrap().extend(n)))
    };
    let metrics = WriterMetrics::new();
    let settings = writer::Settings {
        reopen: Some(store.reopen()),
        notify: Some(notify),
        ..writer::Settings::new(64)
    };
    let (handle, task) = writer::spawn_with(conn, metrics.clone(), settings);
    let at = 1_790_000_000;
    let row = ResultRow {
        check_id: id,
        vantage: None,
        ts: at,
        code: pack(ResultKind::Down, None, Some(503)),
        duration_ms: 12,
        message: Some("status 503".into()),
    };
    let changes = Changes {
        incident: Some(Incident {
            check_id: id,
            down: true,
            at,
        }),
        cert_expiry: Some((id, at + 86_400)),
        alerts: vec![alert_write("web", Status::Firing, at)],
        ..Changes::default()
    };
    handle.send(row, changes).await.unwrap();
    let failing = metrics.failing.clone();
    until("the commit to fail", Duration::from_secs(20), || {
        failing.get() == 1
    })
    .await;
    assert!(
        notified.lock().unwrap().is_empty(),
        "nothing is handed to the senders before it is committed"
    );
    assert!(store.alerts(false).await.unwrap().is_empty());

    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
    let n = notified.clone();
    until(
        "the held changes to commit",
        Duration::from_secs(30),
        || !n.lock().unwrap().is_empty(),
    )
    .await;
    drop(handle);
    let report = task.await.unwrap();
    assert_eq!(report.unstored, 0);

    // One transaction held them all: the row, the incident, the expiry, the alert and
    // its outbox row.
    assert_eq!(store.results(id, None, None, 10).await.unwrap().len(), 1);
    assert_eq!(
        store.incidents(0, i64::MAX).await.unwrap(),
        [(id, at, None)]
    );
    assert_eq!(
        store.cert_expiries().await.unwrap().get(&id),
        Some(&(at + 86_400))
    );
    let alerts = store.alerts(true).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].fingerprint, "fp-web");
    let pending = store.pending_notifications().await.unwrap();
    assert_eq!(pending, *notified.lock().unwrap());
    assert_eq!(pending[0].delivery_id, "d-web-firing");
}
