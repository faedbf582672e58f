//! End to end: the mandate and SLO alerts (docs/alerts.md) and the availability metrics: an
//! unregistered required system raises `SystemNotConnected` after `connection.window`;
//! a check failing 20% of the time against a 99.5% SLO, with 40 minutes of such history
//! in the store (replayed into its recent hour at start), raises `SLOBudgetBurn`.

mod support;

use std::time::Duration;

use support::{sample, start_target, wait_metrics, Daemon, Hook};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_system_and_budget_burn_alert_and_availability_is_exposed() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nconnection: {{window: 3s}}\nalerting:\n  receivers:\n\
             \x20   - {{name: ops, webhook: {{url: \"http://{}/\"}}}}\n  routes: [{{receiver: ops}}]\ninclude: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/quang-ninh.yaml"),
        format!(
            "agency: {{id: quang-ninh, code: \"22\", name: Quảng Ninh, kind: province}}\nsystems:\n\
             \x20 - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - id: api\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 50\n        slo: {{availability: 99.5}}\n\
             \x20       http: {{url: \"http://{}/fifth\"}}\n\
             \x20 - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks: []\n",
            target.addr
        ),
    )
    .unwrap();
    // 40 minutes of the same 20 % failures, so that the burn-rate rule has observed
    // enough of its hour to decide (docs/alerts.md, "SLOBudgetBurn").
    let now = emcd::util::unix_now();
    let history: Vec<(&str, i64, emcd::result::ResultKind)> = (0..2400)
        .map(|i| {
            let kind = if i % 5 == 4 {
                emcd::result::ResultKind::Down
            } else {
                emcd::result::ResultKind::Up
            };
            ("quang-ninh/mot-cua/api", now - 2400 + i, kind)
        })
        .collect();
    support::seed(&dir.path().join("emcd.yaml"), &history).await;
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;

    let got = hook.wait_for(2, Duration::from_secs(30)).await;
    let names: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let v = r.json();
            (
                v["alert"]["name"].as_str().unwrap().to_owned(),
                v["alert"]["system"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        names.contains(&("SystemNotConnected".into(), "ho-tich".into())),
        "{names:?}"
    );
    assert!(
        names.contains(&("SLOBudgetBurn".into(), "mot-cua".into())),
        "{names:?}"
    );
    let sys = got
        .iter()
        .map(|r| r.json())
        .find(|v| v["alert"]["name"] == "SystemNotConnected")
        .unwrap();
    assert_eq!(sys["alert"]["severity"], "critical");
    assert_eq!(sys["status"], "firing");
    assert!(sys["alert"]["summary"]
        .as_str()
        .unwrap()
        .contains("unregistered"));
    // The check never went DOWN (threshold 50): only the budget alert speaks for it.
    assert!(!names.iter().any(|(n, _)| n == "CheckDown"));

    let page = wait_metrics(&d, "availability and firing alerts", |s| {
        sample(
            s,
            "emcd_check_availability_ratio",
            &["check=\"api\"", "window=\"1h\""],
        )
        .is_some()
            && sample(
                s,
                "emcd_alerts_firing",
                &["alertname=\"SystemNotConnected\""],
            ) == Some(1.0)
    })
    .await;
    let s = support::samples(&page);
    let a = sample(
        &s,
        "emcd_check_availability_ratio",
        &["check=\"api\"", "window=\"1h\""],
    )
    .unwrap();
    assert!((0.6..0.95).contains(&a), "about 80% available: {a}");
    let agency = sample(
        &s,
        "emcd_agency_availability_ratio",
        &["agency=\"quang-ninh\"", "window=\"24h\""],
    )
    .unwrap();
    assert!((0.6..0.95).contains(&agency), "{agency}");
    assert_eq!(
        sample(
            &s,
            "emcd_alerts_firing",
            &["alertname=\"SLOBudgetBurn\"", "agency=\"quang-ninh\""]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &s,
            "emcd_agency_connection_ratio",
            &["agency=\"quang-ninh\""]
        ),
        Some(0.5)
    );
    let (status, body) = support::get(&d.addr, "/api/v1/alerts").await.unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("SystemNotConnected") && body.contains("SLOBudgetBurn"),
        "{body}"
    );
}
