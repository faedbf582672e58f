//! A reload against the real binary, while alerts fire (docs/alerts.md, "Reloads"): a
//! removed check resolves its firing alert (one `resolved` notification, `ends_at` set),
//! a changed check keeps its alert (no resolve, no second firing); afterwards the
//! database (`/api/v1/alerts`, `/api/v1/status`), the memory (`emcd_alerts_firing`) and
//! the status page agree.

mod support;

use std::path::Path;
use std::time::Duration;

use support::{get, sample, samples, start_target, Daemon, Hook};

fn agency(dir: &Path, target: std::net::SocketAddr, checks: &[(&str, &str)]) {
    let mut yaml = String::from(
        "agency: {id: bo-y-te, code: BYT, name: Bộ Y tế, kind: ministry}\n\
         systems:\n  - id: cong\n    name: Cổng dịch vụ công\n    kind: portal\n    checks:\n",
    );
    for (id, timeout) in checks {
        yaml.push_str(&format!(
            "      - id: {id}\n        interval: 1s\n        timeout: {timeout}\n        failure_threshold: 2\n\
             \x20       http: {{url: \"http://{target}/fail\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-y-te.yaml"), yaml).unwrap();
}

fn notified(hook: &Hook) -> Vec<(String, String, String)> {
    hook.requests()
        .iter()
        .map(|r| {
            let v = r.json();
            let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_owned();
            (
                s(&v["alert"]["check"]),
                s(&v["alert"]["name"]),
                s(&v["status"]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_resolves_the_alerts_of_what_it_removes_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  repeat_interval: 0s\n  receivers:\n\
             \x20   - {{name: ops, webhook: {{url: \"http://{}/hook\"}}}}\n\
             \x20 routes:\n    - {{receiver: ops, match: {{alertname: [CheckDown]}}}}\ninclude: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    agency(
        dir.path(),
        target.addr,
        &[("gone", "500ms"), ("kept", "500ms")],
    );
    let mut d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    hook.wait_for(2, Duration::from_secs(15)).await;

    // `gone` leaves the config; `kept` changes (its timeout) and still fails.
    agency(dir.path(), target.addr, &[("kept", "600ms")]);
    d.signal("HUP");
    let got = hook.wait_for(3, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut seen = notified(&hook);
    seen.sort();
    let want = |c: &str, s: &str| (c.to_owned(), "CheckDown".to_owned(), s.to_owned());
    assert_eq!(
        seen,
        [
            want("gone", "firing"),
            want("gone", "resolved"),
            want("kept", "firing")
        ],
        "one resolve for the removed check, nothing more for the changed one"
    );
    let resolved = got
        .iter()
        .map(|r| r.json())
        .find(|v| v["status"] == "resolved")
        .unwrap();
    assert!(resolved["alert"]["ends_at"].is_string(), "{resolved}");

    // Database, memory and page agree: one CheckDown firing, for `kept`.
    let (_, body) = get(&d.addr, "/api/v1/alerts").await.unwrap();
    let alerts: serde_json::Value = serde_json::from_str(&body).unwrap();
    let firing: Vec<&str> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["labels"]["check"].as_str().unwrap())
        .collect();
    assert_eq!(firing, ["kept"], "{body}");
    let (_, body) = get(&d.addr, "/api/v1/alerts?state=all").await.unwrap();
    assert!(
        body.contains("\"resolved\""),
        "the removed check's alert is resolved: {body}"
    );
    let (_, status) = get(&d.addr, "/api/v1/status").await.unwrap();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["totals"]["alerts"]["firing"], 1, "{status}");
    let (_, page) = get(&d.addr, "/metrics").await.unwrap();
    let firing = sample(
        &samples(&page),
        "emcd_alerts_firing",
        &["alertname=\"CheckDown\"", "agency=\"bo-y-te\""],
    );
    assert_eq!(firing, Some(1.0));
    let (_, html) = get(&d.addr, "/agencies/bo-y-te").await.unwrap();
    assert_eq!(
        html.matches("CheckDown").count(),
        1,
        "the page shows one firing alert"
    );
    assert!(d.terminate().success());
}
