//! End to end: alerting against the real binary, continued from `e2e_alerts.rs`: a
//! notification survives SIGKILL and is not sent twice; inside a maintenance window
//! results are `maintenance` and nothing alerts.

mod support;

use std::time::{Duration, Instant};

use support::{
    alerting_agency as agency, eventually_or, get, sample, samples, start_target, wait_metrics,
    Daemon, Hook,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_survives_sigkill_and_is_not_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    // The receiver's port, with nobody listening yet: deliveries fail (connect).
    let port = support::free_port();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  repeat_interval: 0s\n  receivers:\n\
             \x20   - {{name: ops, webhook: {{url: \"http://127.0.0.1:{port}/\"}}}}\n\
             \x20 routes: [{{receiver: ops, match: {{severity: [critical]}}}}]\ninclude: [agencies/*.yaml]\n"
        ),
    )
    .unwrap();
    agency(
        dir.path(),
        &[("portal", format!("http://{}/fail", target.addr))],
        (2, 1),
    );
    let db = dir.path().join("emcd.db");
    let mut d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    // Wait until the firing notification is committed and has failed at least once.
    let (store, _conn) = emcd::store::Store::open(&db).await.unwrap();
    let store = &store;
    let failed = move || async move {
        let p = store.notifications(Some("pending"), 10).await.unwrap();
        p.first().is_some_and(|n| n.attempts >= 1).then_some(p)
    };
    let log = || format!("log:\n{}", d.log());
    let pending = eventually_or(Duration::from_secs(20), "a failed delivery", failed, log).await;
    assert_eq!(pending.len(), 1);
    d.child.kill().unwrap(); // SIGKILL
    d.child.wait().unwrap();

    // The receiver comes up; emcd restarts and delivers the same notification once.
    let hook = Hook::start_on(
        tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap(),
        vec![],
    );
    let d2 = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d2.wait_ready().await;
    let got = hook.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].headers["x-emcd-delivery"], pending[0].delivery_id);
    assert_eq!(got[0].json()["status"], "firing");
    // The check is still down after the restart: the restored alert is not notified again.
    wait_metrics(&d2, "probes after restart", |s| {
        sample(
            s,
            "emcd_probes_total",
            &["check=\"portal\"", "result=\"down\""],
        )
        .unwrap_or(0.0)
            >= 3.0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        hook.requests().len(),
        1,
        "no alert notified twice: {:#?}",
        hook.requests()
    );
    let s = samples(&get(&d2.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_check_up", &["check=\"portal\""]),
        Some(0.0),
        "restored as DOWN"
    );
    assert_eq!(
        sample(&s, "emcd_alerts_firing", &["alertname=\"CheckDown\""]),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_maintenance_window_results_are_maintenance_and_nothing_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    // A window of 5 s starting 3 s from now (UTC), by an exact cron time.
    let start = chrono::Utc::now() + chrono::Duration::seconds(3);
    let cron = start.format("%S %M %H * * *").to_string();
    let window_start = Instant::now()
        + Duration::from_millis(3000 - u64::from(chrono::Utc::now().timestamp_subsec_millis()));
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nsla: {{timezone: UTC}}\nalerting:\n  receivers:\n\
             \x20   - {{name: ops, webhook: {{url: \"http://{}/\"}}}}\n  routes: [{{receiver: ops, match: {{severity: [critical]}}}}]\n\
             maintenance:\n  - {{name: patching, schedule: \"{cron}\", duration: 5s, match: {{agency: [bo-tu-phap]}}}}\n\
             include: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    agency(
        dir.path(),
        &[("portal", format!("http://{}/dyn", target.addr))],
        (1, 1),
    );
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    // Fail from the middle of the window on.
    tokio::time::sleep_until((window_start + Duration::from_millis(1500)).into()).await;
    target
        .dyn_status
        .store(503, std::sync::atomic::Ordering::SeqCst);
    let page = wait_metrics(&d, "maintenance results", |s| {
        sample(
            s,
            "emcd_probes_total",
            &["check=\"portal\"", "result=\"maintenance\""],
        )
        .unwrap_or(0.0)
            >= 2.0
    })
    .await;
    assert_eq!(
        sample(
            &samples(&page),
            "emcd_check_in_maintenance",
            &["check=\"portal\""]
        ),
        Some(1.0)
    );
    assert!(
        hook.requests().is_empty(),
        "nothing alerts inside the window"
    );
    // After the window the failing check alerts normally.
    let got = hook.wait_for(1, Duration::from_secs(20)).await;
    assert!(
        got[0].at >= window_start + Duration::from_secs(5),
        "alert came after the window"
    );
    assert_eq!(got[0].json()["alert"]["name"], "CheckDown");
    let (store, _conn) = emcd::store::Store::open(&dir.path().join("emcd.db"))
        .await
        .unwrap();
    let id = store.check_ids().await.unwrap()["bo-tu-phap/ho-tich/portal"];
    let rows = store.results(id, None, None, 1000).await.unwrap();
    assert!(rows
        .iter()
        .any(|r| r.result == emcd::result::ResultKind::Maintenance));
    assert!(rows
        .iter()
        .any(|r| r.result == emcd::result::ResultKind::Down));
}
