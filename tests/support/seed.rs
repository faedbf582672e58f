//! Results stored in a config's database before a daemon starts (`seed`, the one way
//! both the child-process and the in-process tests seed), and the alerting tests' fleet
//! file (`alerting_agency`).

use std::path::Path;
use std::time::Duration;

use emcd::result::{ErrorKind, ResultKind};
use emcd::store::writer::{self, ResultRow, WriterMetrics};

/// Stores results for checks (by full id) in the database of `main_config` before a
/// daemon starts, in the given order (time order, as the writer's minute marks expect).
pub async fn seed(main_config: &Path, rows: &[(&str, i64, ResultKind)]) {
    let config = emcd::config::load(main_config).unwrap();
    let db = main_config.parent().unwrap().join(&config.storage.path);
    let (store, mut conn) = emcd::store::Store::open(&db).await.unwrap();
    let ids = writer::register(&mut conn, &emcd::reload::check_list(&config))
        .await
        .unwrap();
    let (handle, task) = writer::spawn(conn, WriterMetrics::new(), 1024);
    for &(check, ts, result) in rows {
        let down = result == ResultKind::Down;
        let (error, status) = if down {
            (Some(ErrorKind::Status), Some(503))
        } else {
            (None, Some(200))
        };
        let row = ResultRow {
            check_id: ids[check],
            vantage: None,
            ts,
            code: emcd::store::pack(result, error, status),
            duration_ms: 100,
            message: down.then(|| "seeded failure".into()),
        };
        handle.send(row, Default::default()).await.unwrap();
    }
    drop(handle);
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("seeding finished in time")
        .unwrap();
    drop(store);
}

/// Bộ Tư pháp with one system whose http checks (id, url) probe every second with the
/// given (failure, success) thresholds: the alerting tests' fleet.
pub fn alerting_agency(dir: &Path, checks: &[(&str, String)], thresholds: (u32, u32)) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    let mut yaml = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hệ thống đăng ký hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for (id, url) in checks {
        yaml.push_str(&format!(
            "      - id: {id}\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: {}\n        success_threshold: {}\n        http: {{url: \"{url}\"}}\n",
            thresholds.0, thresholds.1
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), yaml).unwrap();
}
