//! One page for one outage (docs/alerts.md, "SystemNotConnected"): the real binary with
//! a required system whose two checks are both DOWN (a closed loopback port) sends a
//! `CheckDown` for each and no `SystemNotConnected` for it, while an unregistered
//! required system of the same agency, evaluated in the same round, does get its
//! `SystemNotConnected`; every link goes to the agency's status page under
//! `server.public_url`.

mod support;

use std::time::Duration;

use support::{free_port, sample, wait_metrics, Daemon, Hook};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_whose_checks_are_all_down_pages_once_per_check_not_again_as_not_connected() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Hook::start(vec![]).await;
    let closed = free_port();
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nserver: {{public_url: \"https://emc.example.gov.vn/status/\"}}\n\
             connection: {{window: 6s}}\nalerting:\n  receivers:\n\
             \x20   - {{name: noc, webhook: {{url: \"http://{}/\", format: alertmanager}}}}\n\
             \x20 routes: [{{receiver: noc}}]\ninclude: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    let check = |id: &str| {
        format!(
            "      - {{id: {id}, interval: 1s, timeout: 500ms, failure_threshold: 2, \
             tcp: {{host: 127.0.0.1, port: {closed}}}}}\n"
        )
    };
    std::fs::write(
        dir.path().join("agencies/lai-chau.yaml"),
        format!(
            "agency: {{id: lai-chau, code: \"12\", name: Lai Châu, kind: province}}\nsystems:\n\
             \x20 - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n{}{}\
             \x20 - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks: []\n",
            check("api"),
            check("portal"),
        ),
    )
    .unwrap();
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;

    // Both checks DOWN, then the unregistered system not connected after the window.
    let got = hook.wait_for(3, Duration::from_secs(30)).await;
    let alerts: Vec<serde_json::Value> = got
        .iter()
        .flat_map(|r| r.json()["alerts"].as_array().cloned().unwrap_or_default())
        .collect();
    let names: Vec<(String, String)> = alerts
        .iter()
        .map(|a| {
            let l = &a["labels"];
            let name = l["alertname"].as_str().unwrap().to_owned();
            (name, l["system"].as_str().unwrap().to_owned())
        })
        .collect();
    let down = names.iter().filter(|n| n.0 == "CheckDown").count();
    assert_eq!(down, 2, "{names:?}");
    assert!(
        names.contains(&("SystemNotConnected".into(), "ho-tich".into())),
        "{names:?}"
    );
    for a in &alerts {
        assert_eq!(
            a["generatorURL"], "https://emc.example.gov.vn/status/agencies/lai-chau",
            "{a}"
        );
    }
    // The round that fired ho-tich's alert decided mot-cua's too: held back. Its checks
    // still fire, and so does ho-tich's alert, and nothing else.
    let page = wait_metrics(&d, "the alerts of lai-chau", |s| {
        sample(
            s,
            "emcd_alerts_firing",
            &["alertname=\"CheckDown\"", "agency=\"lai-chau\""],
        ) == Some(2.0)
    })
    .await;
    let s = support::samples(&page);
    let not_connected = ["alertname=\"SystemNotConnected\"", "agency=\"lai-chau\""];
    assert_eq!(sample(&s, "emcd_alerts_firing", &not_connected), Some(1.0));
    assert_eq!(
        sample(&s, "emcd_system_connected", &["system=\"mot-cua\""]),
        Some(0.0),
        "mot-cua is not connected: only its page is held back"
    );
    let (status, body) = support::get(&d.addr, "/api/v1/alerts").await.unwrap();
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let system_alerts: Vec<&serde_json::Value> = listed["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["alertname"] == "SystemNotConnected")
        .collect();
    assert_eq!(system_alerts.len(), 1, "{body}");
    assert_eq!(system_alerts[0]["labels"]["system"], "ho-tich", "{body}");
    let received = hook.requests().len();
    assert_eq!(received, got.len(), "no other notification arrived");
}
