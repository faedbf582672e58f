//! Tests of `recorder`, declared `#[cfg(test)] mod tests;` in `recorder.rs`: a real store
//! and writer, one check; what a result does to live state, what is stored, and what an
//! impaired vantage changes.

use super::*;
use crate::config::Config;
use crate::fleet::Fleet;
use crate::probe::Outcome;
use crate::store::writer::{self as store_writer, WriterMetrics};
use crate::store::Store;

fn config(dir: &std::path::Path) -> Arc<Config> {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage: {path: emcd.db}\ninclude: [agencies/*.yaml]\n\
         alerting:\n  receivers: [{name: ops, webhook: {url: \"http://127.0.0.1:9/\"}}]\n\
         \x20 routes: [{receiver: ops}]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/bo-y-te.yaml"),
        "agency: {id: bo-y-te, code: BYT, name: Bộ Y tế, kind: ministry}\n\
         systems:\n  - id: cong\n    name: Cổng\n    kind: portal\n    checks:\n\
         \x20     - id: web\n        failure_threshold: 2\n        http: {url: \"http://127.0.0.1:9/\"}\n",
    )
    .unwrap();
    Arc::new(crate::config::load(&dir.join("emcd.yaml")).unwrap())
}

fn down() -> Outcome {
    Outcome {
        page: None,
        duration: std::time::Duration::from_millis(20),
        phases: Default::default(),
        status_code: Some(503),
        cert_expiry: None,
        result: ResultKind::Down,
        error: Some(ErrorKind::Status),
        message: Some("status 503".into()),
    }
}

#[tokio::test]
async fn results_change_live_state_and_an_impaired_vantage_books_them_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let db = dir.path().join("emcd.db");
    let (store, mut conn) = Store::open(&db).await.unwrap();
    let ids = store_writer::register(&mut conn, &crate::reload::check_list(&config))
        .await
        .unwrap();
    let fleet = FleetHandle::new(Fleet::build(config, &ids));
    // What the writer hands the senders once a commit holds alert changes.
    let notified = Arc::new(std::sync::Mutex::new(Vec::new()));
    let notify = {
        let notified = notified.clone();
        store_writer::Notify(Arc::new(move |n| notified.lock().unwrap().extend(n)))
    };
    let settings = store_writer::Settings {
        notify: Some(notify),
        ..store_writer::Settings::new(64)
    };
    let (writer, task) = store_writer::spawn_with(conn, WriterMetrics::new(), settings);
    let vantage = Vantage::new("local");
    let recorder = Recorder::new(
        writer,
        fleet.clone(),
        vantage.clone(),
        Role::single("local", "local"),
    );
    let check = fleet.current().checks[0].clone();

    // Two failures reach the threshold: DOWN, and CheckDown fires.
    recorder.outcome(&check, down()).await.unwrap();
    recorder.outcome(&check, down()).await.unwrap();
    let live = check.live();
    assert_eq!(live.state.status, state::CheckStatus::Down);
    assert!(live.alerts[crate::alert_vocab::AlertName::CheckDown.slot()].is_some());
    assert_eq!(live.counts[usize::from(ResultKind::Down.code())], 2);

    // The vantage is impaired: the next failure is the monitor's, not the agency's.
    vantage.set_impaired(Some(1_000));
    recorder.outcome(&check, down()).await.unwrap();
    let live = check.live();
    let last = live.last.as_ref().unwrap();
    assert_eq!(
        (last.result, last.error),
        (ResultKind::Unknown, Some(ErrorKind::Vantage))
    );
    let message = last.message.as_deref().unwrap();
    assert!(
        message.contains("vantage local impaired") && message.contains("status 503"),
        "{message}"
    );
    assert_eq!(
        live.state.down_streak, 2,
        "an unknown result extends no streak"
    );

    drop(recorder);
    let report = task.await.unwrap();
    assert_eq!(report.unstored, 0);
    let stored = store.results(check.db_id, None, None, 10).await.unwrap();
    let kinds: Vec<ResultKind> = stored.iter().rev().map(|r| r.result).collect();
    assert_eq!(
        kinds,
        [ResultKind::Down, ResultKind::Down, ResultKind::Unknown]
    );
    assert_eq!(stored[0].error, Some(ErrorKind::Vantage));

    // The second result's one message carried the incident and the alert with it: all
    // committed in its batch, and the notification handed over after the commit.
    let incidents = store.incidents(0, i64::MAX).await.unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!((incidents[0].0, incidents[0].2), (check.db_id, None));
    assert_eq!(incidents[0].1, stored[1].ts, "opened at the second result");
    let alerts = store.alerts(true).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].alertname, "CheckDown");
    let notified = notified.lock().unwrap().clone();
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert_eq!(
        (
            notified[0].receiver.as_str(),
            notified[0].fingerprint.as_str()
        ),
        ("ops", alerts[0].fingerprint.as_str())
    );
    let pending = store.pending_notifications().await.unwrap();
    assert_eq!(
        pending, *notified,
        "what was handed over is what the outbox holds"
    );
}
