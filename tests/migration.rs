//! A database written by the previous schema (v2, before rollups; made by
//! tools/make-v2-fixture.py) opens, is migrated in place, and its history is reported.

use std::sync::Arc;

use emcd::report::Period;
use emcd::store::writer;
use emcd::store::Store;

const START: i64 = 1_790_812_800; // 2026-10-01T00:00:00Z

#[tokio::test]
async fn v2_database_migrates_in_place_and_its_history_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emcd.db");
    std::fs::copy("tests/fixtures/db/emcd-v2.db", &db).unwrap();
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: \"{}\"}}\nsla: {{timezone: UTC}}\ninclude: [agencies/*.yaml]\n",
            db.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/tinh-a.yaml"),
        "agency: {id: tinh-a, code: \"01\", name: Tỉnh A, kind: province}\nsystems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
         \x20     - {id: api, interval: 60s, http: {url: \"http://127.0.0.1:9/\"}}\n\
         \x20     - {id: web, interval: 60s, http: {url: \"http://127.0.0.1:9/\"}}\n",
    )
    .unwrap();
    let config = Arc::new(emcd::config::load(&dir.path().join("emcd.yaml")).unwrap());

    let (store, mut conn) = Store::open(&db).await.unwrap();
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(version, 9, "migrated to the current schema");
    assert_eq!(
        store.count_results().await.unwrap(),
        2 * 48 * 60,
        "no result lost"
    );
    let old_alerts = store.alerts(false).await.unwrap();
    assert_eq!(old_alerts.len(), 1);
    assert_eq!(old_alerts[0].alertname, "CheckDown");
    let ids = store.check_ids().await.unwrap();
    assert_eq!(
        (ids["tinh-a/mot-cua/api"], ids["tinh-a/mot-cua/web"]),
        (1, 2),
        "ids kept"
    );

    let store = Arc::new(store);
    let fleet = emcd::fleet::FleetHandle::new(emcd::fleet::Fleet::build(config.clone(), &ids));
    let metrics = Arc::new(emcd::metrics::Metrics::new(fleet.clone()));
    let (w, task) = writer::spawn(conn, metrics.writer.clone(), 64);
    let hk = emcd::housekeeping::Housekeeper {
        store: store.clone(),
        writer: w,
        fleet,
        metrics,
        role: emcd::role::Role::single("local", "local"),
    };
    assert!(hk.rollup_pass(START + 50 * 3600).await.unwrap() >= 48);
    drop(hk);
    task.await.unwrap();

    let period = Period {
        from: START,
        to: START + 48 * 3600,
    };
    let report = emcd::report::sla(&store, &config, period, None)
        .await
        .unwrap();
    let api = report.checks.iter().find(|c| c.check == "api").unwrap();
    let web = report.checks.iter().find(|c| c.check == "web").unwrap();
    let expected = (172_800.0 - 1_800.0) / 172_800.0;
    assert!(
        (api.figures.availability.unwrap() - expected).abs() < 1e-12,
        "{:?}",
        api.figures
    );
    assert_eq!(api.figures.downtime_seconds, 1_800.0);
    assert_eq!(web.figures.availability, Some(1.0));
    assert_eq!(api.figures.coverage, 1.0);
    assert_eq!(api.figures.results, 48 * 60);
}
